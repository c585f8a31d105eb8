/*
 * test_front.c - the threaded front: real threads, a real clock.
 *
 * These are the one place where the limiter waits in real time, because
 * waiting is what the front does. The waits are a few milliseconds each
 * and every bound on them is generous, so that a loaded machine (or
 * helgrind, which runs this program too) does not fail them.
 */
#include "limsim.h"
#include "runner.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#define MS (LSIM_NS_PER_S / 1000)
#define THREADS 8

static lsim_time clock_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (lsim_time)ts.tv_sec * LSIM_NS_PER_S + ts.tv_nsec;
}

static struct lsim_front *new_front(const char *policy, int limit,
                                    lsim_time cooldown,
                                    lsim_get_usage_fn get_usage, void *user)
{
  struct lsim_limiter_config cfg;
  struct lsim_front *front = NULL;

  lsim_limiter_config_init(&cfg);
  cfg.limit = limit;
  cfg.cooldown = cooldown;
  cfg.poll_interval = 2 * MS;
  cfg.has_usage = true;
  cfg.policy = lsim_policy_find(policy);
  LSIM_ASSERT_EQ_INT(lsim_front_new(&cfg, get_usage, user, &front), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(front);
  return front;
}

static struct lsim_limiter_stats front_stats(struct lsim_front *front)
{
  struct lsim_limiter_stats st;

  lsim_front_stats(front, &st);
  return st;
}

/* Spins (yielding) until `n` agents wait; false after 10 s. */
static bool wait_for_queued(struct lsim_front *front, int n)
{
  lsim_time give_up = clock_now() + 10 * LSIM_NS_PER_S;

  while (front_stats(front).queued < n) {
    if (clock_now() > give_up)
      return false;
    sched_yield();
  }
  return true;
}

/* ---------------------------------------------------------------- */
/* Many threads, one limit                                          */
/* ---------------------------------------------------------------- */

struct crowd {
  struct lsim_front *front;
  int iterations;
  pthread_mutex_t mutex; /* guards the counters below */
  int holders, most_holders, failures;
};

static void crowd_count(struct crowd *c, int delta)
{
  pthread_mutex_lock(&c->mutex);
  c->holders += delta;
  if (c->holders > c->most_holders)
    c->most_holders = c->holders;
  pthread_mutex_unlock(&c->mutex);
}

static void crowd_fail(struct crowd *c)
{
  pthread_mutex_lock(&c->mutex);
  c->failures++;
  pthread_mutex_unlock(&c->mutex);
}

static void *crowd_agent(void *arg)
{
  struct crowd *c = arg;

  for (int i = 0; i < c->iterations; i++) {
    lsim_ticket t;

    if (lsim_front_acquire(c->front, 10 * LSIM_NS_PER_S, &t) != 0) {
      crowd_fail(c);
      continue;
    }
    crowd_count(c, 1);
    sched_yield();
    crowd_count(c, -1);
    if (lsim_front_release(c->front, t) != 0)
      crowd_fail(c);
  }
  return NULL;
}

/* THREADS agents take turns at `limit` slots; never more than `limit`
 * hold one at a time, and every acquire succeeds. */
static void run_crowd(lsim_time cooldown, int iterations)
{
  struct crowd c = {.iterations = iterations};
  pthread_t threads[THREADS];
  struct lsim_limiter_stats st;

  pthread_mutex_init(&c.mutex, NULL);
  c.front = new_front("cooldown", 3, cooldown, NULL, NULL);
  for (int i = 0; i < THREADS; i++)
    CU_ASSERT_FATAL(pthread_create(&threads[i], NULL, crowd_agent, &c) == 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(threads[i], NULL);

  st = front_stats(c.front);
  LSIM_ASSERT_EQ_INT(c.failures, 0);
  CU_ASSERT(c.most_holders >= 1 && c.most_holders <= 3);
  LSIM_ASSERT_EQ_INT(st.grants, THREADS * iterations);
  LSIM_ASSERT_EQ_INT(st.in_use, 0);
  LSIM_ASSERT_EQ_INT(st.queued, 0);
  lsim_front_free(c.front);
  pthread_mutex_destroy(&c.mutex);
}

static void test_crowd(void)
{
  run_crowd(0, 2000);
}

/* With a cooldown the waiters must wake themselves when slots cool. */
static void test_crowd_with_cooldown(void)
{
  run_crowd(MS, 40);
}

/* ---------------------------------------------------------------- */
/* Waiting in real time                                             */
/* ---------------------------------------------------------------- */

/* A waiter wakes when the slot cools, with no other call to wake it. */
static void test_cooldown_wakes_waiter(void)
{
  struct lsim_front *front = new_front("cooldown", 1, 20 * MS, NULL, NULL);
  lsim_ticket t;
  lsim_time start, waited;

  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 0, &t), 0);
  start = clock_now();
  LSIM_ASSERT_EQ_INT(lsim_front_release(front, t), 0);
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 5 * LSIM_NS_PER_S, &t), 0);
  waited = clock_now() - start;

  CU_ASSERT(waited >= 20 * MS);
  CU_ASSERT(waited < 5 * LSIM_NS_PER_S);
  LSIM_ASSERT_EQ_INT(front_stats(front).grants, 2);
  lsim_front_free(front);
}

static void test_timeout(void)
{
  struct lsim_front *front = new_front("cooldown", 1, 0, NULL, NULL);
  lsim_ticket held, t = 0;
  lsim_time start, waited;

  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 0, &held), 0);
  start = clock_now();
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 30 * MS, &t), LSIM_ETIMEDOUT);
  waited = clock_now() - start;
  CU_ASSERT(waited >= 30 * MS);
  CU_ASSERT(waited < 5 * LSIM_NS_PER_S);
  LSIM_ASSERT_EQ_INT(t, 0);

  /* A zero timeout only tries. */
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 0, &t), LSIM_ETIMEDOUT);
  LSIM_ASSERT_EQ_INT(front_stats(front).timeouts, 2);
  LSIM_ASSERT_EQ_INT(front_stats(front).queued, 0);

  LSIM_ASSERT_EQ_INT(lsim_front_release(front, held), 0);
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 0, &t), 0);
  lsim_front_free(front);
}

/* ---------------------------------------------------------------- */
/* Usage polls                                                      */
/* ---------------------------------------------------------------- */

/* A provider that still counts a finished session for `lagging` polls. */
struct provider {
  pthread_mutex_t mutex;
  int calls, lagging;
};

static struct lsim_usage provider_usage(void *user)
{
  struct provider *p = user;
  struct lsim_usage u = {true, 0, 0};

  pthread_mutex_lock(&p->mutex);
  p->calls++;
  u.concurrent_sessions = p->calls <= p->lagging ? 1 : 0;
  pthread_mutex_unlock(&p->mutex);
  return u;
}

struct waiter {
  struct lsim_front *front;
  struct provider *provider;
  int rc, calls_seen; /* the provider's calls when the grant came */
  lsim_ticket ticket;
};

static void *waiter_run(void *arg)
{
  struct waiter *w = arg;

  w->rc = lsim_front_acquire(w->front, 10 * LSIM_NS_PER_S, &w->ticket);
  if (w->provider != NULL) {
    pthread_mutex_lock(&w->provider->mutex);
    w->calls_seen = w->provider->calls;
    pthread_mutex_unlock(&w->provider->mutex);
  }
  return NULL;
}

/* Holds a slot, lets a second thread queue for it, releases it and
 * returns once that thread has its answer. */
static void hand_over(struct lsim_front *front, struct waiter *w)
{
  lsim_ticket held;
  pthread_t thread;

  w->front = front;
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 0, &held), 0);
  CU_ASSERT_FATAL(pthread_create(&thread, NULL, waiter_run, w) == 0);
  CU_ASSERT(wait_for_queued(front, 1));
  LSIM_ASSERT_EQ_INT(lsim_front_release(front, held), 0);
  pthread_join(thread, NULL);
}

/* The gate keeps the slot until the provider stops counting the old
 * session: two answers of 1 hold, the third (0) admits. */
static void test_usage_gate(void)
{
  struct provider p = {.lagging = 2};
  struct waiter w = {.provider = &p};
  struct lsim_front *front;

  pthread_mutex_init(&p.mutex, NULL);
  front = new_front("usage-gate", 1, 0, provider_usage, &p);
  hand_over(front, &w);

  LSIM_ASSERT_EQ_INT(w.rc, 0);
  LSIM_ASSERT_EQ_INT(w.calls_seen, 3);
  LSIM_ASSERT_EQ_INT(front_stats(front).polls, 3);
  LSIM_ASSERT_EQ_INT(front_stats(front).in_use, 1);
  LSIM_ASSERT_EQ_INT(lsim_front_release(front, w.ticket), 0);
  lsim_front_free(front);
  pthread_mutex_destroy(&p.mutex);
}

/* No get_usage: the gate runs cooldown-only and never polls. */
static void test_no_usage_source(void)
{
  struct waiter w = {0};
  struct lsim_front *front = new_front("usage-gate", 1, 0, NULL, NULL);

  hand_over(front, &w);
  LSIM_ASSERT_EQ_INT(w.rc, 0);
  LSIM_ASSERT_EQ_INT(front_stats(front).polls, 0);
  lsim_front_free(front);
}

/* ---------------------------------------------------------------- */
/* Errors                                                           */
/* ---------------------------------------------------------------- */

static void test_errors(void)
{
  struct lsim_limiter_config cfg;
  struct lsim_front *front = NULL;
  lsim_ticket t, other;

  lsim_limiter_config_init(&cfg);
  cfg.limit = 0;
  LSIM_ASSERT_EQ_INT(lsim_front_new(&cfg, NULL, NULL, &front), LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(front);

  cfg.limit = 1;
  cfg.max_agents = 1;
  LSIM_ASSERT_EQ_INT(lsim_front_new(&cfg, NULL, NULL, &front), 0);
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, 0, &t), 0);
  LSIM_ASSERT_EQ_INT(lsim_front_acquire(front, MS, &other), LSIM_EFULL);
  LSIM_ASSERT_EQ_INT(lsim_front_release(front, t), 0);
  LSIM_ASSERT_EQ_INT(lsim_front_release(front, t), LSIM_EALREADY);
  LSIM_ASSERT_EQ_INT(lsim_front_release(front, 0), LSIM_ENOENT);
  LSIM_ASSERT_EQ_INT(front_stats(front).grants, 1);
  lsim_front_free(front);
  lsim_front_free(NULL);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"8 threads, limit 3", test_crowd},
      {"8 threads, limit 3, cooldown", test_crowd_with_cooldown},
      {"cooldown wakes a waiter", test_cooldown_wakes_waiter},
      {"timeout", test_timeout},
      {"usage gate polls get_usage", test_usage_gate},
      {"no usage source", test_no_usage_source},
      {"errors", test_errors},
      {NULL, NULL}};

  return lsim_test_add_suite("front", tests);
}
