/*
 * front.c - the limiter core behind a mutex, for agents that are threads.
 *
 * There is no timer thread. A thread that waits for a slot sleeps on the
 * condition variable until the earlier of its own deadline and the core's
 * next deadline, then calls lsim_limiter_advance() itself. So cooled
 * slots, holds and timeouts are processed by whichever waiter wakes first,
 * and a front nobody waits on costs nothing.
 *
 * Usage polls run outside the mutex because get_usage may block for a
 * whole HTTP round trip. The core asks for a poll from inside one of its
 * calls (under the mutex); the callback only sets a flag, and the thread
 * that made that call runs the poll once the call has returned. The core
 * keeps at most one poll in flight, so at most one thread polls at a time.
 */
#include "limsim.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct lsim_front {
  pthread_mutex_t mutex;
  pthread_cond_t changed; /* a grant, a timeout or an earlier deadline */
  struct lsim_limiter *lim;
  lsim_time last_now; /* the core rejects time that goes backwards */
  bool poll_wanted;   /* the core asked for a poll nobody runs yet */
  lsim_get_usage_fn get_usage;
  void *usage_user;
};

/* One blocked lsim_front_acquire(), on its caller's stack. The core hands
 * it back as `agent` in the granted and timed_out callbacks. */
struct front_waiter {
  bool granted;
  bool timed_out;
};

static lsim_time monotonic_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (lsim_time)ts.tv_sec * LSIM_NS_PER_S + ts.tv_nsec;
}

/* The time for the next core call; called with the mutex held, so the
 * calls see it in the order they are made. */
static lsim_time front_now(struct lsim_front *front)
{
  lsim_time now = monotonic_now();

  if (now < front->last_now)
    now = front->last_now;
  front->last_now = now;
  return now;
}

static void front_granted(void *user, lsim_ticket ticket, void *agent,
                          lsim_time now)
{
  struct lsim_front *front = user;
  struct front_waiter *waiter = agent;

  waiter->granted = true;
  pthread_cond_broadcast(&front->changed);
}

static void front_timed_out(void *user, lsim_ticket ticket, void *agent,
                            lsim_time now)
{
  struct lsim_front *front = user;
  struct front_waiter *waiter = agent;

  waiter->timed_out = true;
  pthread_cond_broadcast(&front->changed);
}

static void front_poll_usage(void *user, lsim_time now)
{
  struct lsim_front *front = user;

  front->poll_wanted = true;
}

static int front_init_sync(struct lsim_front *front)
{
  pthread_condattr_t attr;
  int rc;

  if (pthread_mutex_init(&front->mutex, NULL) != 0)
    return LSIM_ENOMEM;
  if (pthread_condattr_init(&attr) != 0) {
    pthread_mutex_destroy(&front->mutex);
    return LSIM_ENOMEM;
  }

  /* Deadlines are CLOCK_MONOTONIC times; so must the waits be. */
  rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (rc == 0)
    rc = pthread_cond_init(&front->changed, &attr);
  pthread_condattr_destroy(&attr);
  if (rc != 0) {
    pthread_mutex_destroy(&front->mutex);
    return LSIM_ENOMEM;
  }
  return 0;
}

int lsim_front_new(const struct lsim_limiter_config *config,
                   lsim_get_usage_fn get_usage, void *usage_user,
                   struct lsim_front **out)
{
  struct lsim_limiter_config cfg = *config;
  struct lsim_front *front = calloc(1, sizeof(*front));
  int rc;

  if (front == NULL)
    return LSIM_ENOMEM;
  front->get_usage = get_usage;
  front->usage_user = usage_user;
  cfg.has_usage = config->has_usage && get_usage != NULL;
  cfg.cb = (struct lsim_callbacks){.granted = front_granted,
                                   .timed_out = front_timed_out,
                                   .poll_usage = front_poll_usage,
                                   .user = front};

  front->last_now = monotonic_now();
  rc = lsim_limiter_new(&cfg, front->last_now, &front->lim);
  if (rc == 0)
    rc = front_init_sync(front);
  if (rc != 0) {
    lsim_limiter_free(front->lim);
    free(front);
    return rc;
  }
  *out = front;
  return 0;
}

void lsim_front_free(struct lsim_front *front)
{
  if (front == NULL)
    return;
  pthread_cond_destroy(&front->changed);
  pthread_mutex_destroy(&front->mutex);
  lsim_limiter_free(front->lim);
  free(front);
}

/* Wakes the waiters if the core call just made, when the core's next
 * deadline was `before`, moved it earlier: they may sleep past it.
 * Grants and timeouts wake them from their callbacks. */
static void wake_if_earlier(struct lsim_front *front, lsim_time before)
{
  if (lsim_limiter_next_deadline(front->lim) < before)
    pthread_cond_broadcast(&front->changed);
}

/* Runs the polls the last core call asked for, with the mutex released,
 * and hands each answer in. An answer can ask for the next poll, hence
 * the loop. Waiters that went to sleep during the poll saw no deadline
 * for held slots (the core waits for the answer), so each answer is
 * checked on its own. */
static void front_run_polls(struct lsim_front *front)
{
  while (front->poll_wanted) {
    struct lsim_usage answer;
    lsim_time before;

    front->poll_wanted = false;
    pthread_mutex_unlock(&front->mutex);
    answer = front->get_usage(front->usage_user);
    pthread_mutex_lock(&front->mutex);

    before = lsim_limiter_next_deadline(front->lim);
    lsim_limiter_usage(front->lim, front_now(front), &answer);
    wake_if_earlier(front, before);
  }
}

/* Ends a core call made when the core's next deadline was `before`. */
static void front_settle(struct lsim_front *front, lsim_time before)
{
  wake_if_earlier(front, before);
  front_run_polls(front);
}

static lsim_time add_timeout(lsim_time now, lsim_time timeout)
{
  if (timeout <= 0)
    return now;
  if (timeout >= LSIM_TIME_NEVER - now)
    return LSIM_TIME_NEVER;
  return now + timeout;
}

/* Sleeps until something changes or `until` (a CLOCK_MONOTONIC time). */
static void front_sleep(struct lsim_front *front, lsim_time until)
{
  struct timespec ts;

  if (until == LSIM_TIME_NEVER) {
    pthread_cond_wait(&front->changed, &front->mutex);
    return;
  }
  ts.tv_sec = (time_t)(until / LSIM_NS_PER_S);
  ts.tv_nsec = (long)(until % LSIM_NS_PER_S);
  pthread_cond_timedwait(&front->changed, &front->mutex, &ts);
}

/* Waits, with the mutex held, until the queued `waiter` is granted or
 * times out at `deadline`. Each wake-up advances the core, so the waiter
 * that wakes first does the core's timed work for everyone. */
static int front_wait(struct lsim_front *front, struct front_waiter *waiter,
                      lsim_ticket ticket, lsim_time deadline)
{
  while (!waiter->granted && !waiter->timed_out) {
    lsim_time next = lsim_limiter_next_deadline(front->lim);
    lsim_time now;

    front_sleep(front, next < deadline ? next : deadline);

    /* Others may have moved the deadline while this thread slept. */
    next = lsim_limiter_next_deadline(front->lim);
    now = front_now(front);
    lsim_limiter_advance(front->lim, now);
    front_settle(front, next);

    /* The core times the waiter out itself; this only guards the loop
     * against a core that kept it past its deadline. */
    if (!waiter->granted && !waiter->timed_out && now >= deadline &&
        lsim_limiter_cancel(front->lim, now, ticket) == 0)
      waiter->timed_out = true;
  }
  return waiter->granted ? 0 : LSIM_ETIMEDOUT;
}

int lsim_front_acquire(struct lsim_front *front, lsim_time timeout,
                       lsim_ticket *ticket)
{
  struct front_waiter waiter = {false, false};
  lsim_time now, before, deadline;
  lsim_ticket t = 0;
  int rc;

  pthread_mutex_lock(&front->mutex);
  now = front_now(front);
  before = lsim_limiter_next_deadline(front->lim);
  deadline = add_timeout(now, timeout);
  rc = lsim_limiter_acquire(front->lim, now, &waiter, deadline, &t);
  front_settle(front, before);

  if (rc == LSIM_QUEUED)
    rc = front_wait(front, &waiter, t, deadline);
  else if (rc == LSIM_GRANTED)
    rc = 0;
  pthread_mutex_unlock(&front->mutex);

  if (rc == 0)
    *ticket = t;
  return rc;
}

int lsim_front_release(struct lsim_front *front, lsim_ticket ticket)
{
  lsim_time before;
  int rc;

  pthread_mutex_lock(&front->mutex);
  before = lsim_limiter_next_deadline(front->lim);
  rc = lsim_limiter_release(front->lim, front_now(front), ticket);
  front_settle(front, before);
  pthread_mutex_unlock(&front->mutex);
  return rc;
}

void lsim_front_stats(struct lsim_front *front,
                      struct lsim_limiter_stats *stats)
{
  pthread_mutex_lock(&front->mutex);
  lsim_limiter_stats(front->lim, stats);
  pthread_mutex_unlock(&front->mutex);
}
