/*
 * test_limiter.c - the limiter core against the rules in limsim.h.
 *
 * Every test drives the core with literal times in nanoseconds and records
 * what its callbacks report; nothing sleeps. The last suite is a property
 * test: a long fixed-seed random run against a model of the queue.
 */
#include "limsim.h"
#include "runner.h"

#include <string.h>

#define NEVER LSIM_TIME_NEVER
#define RECORDED 64

/* What the callbacks reported, in order. */
struct recorder {
  int grants, timeouts, polls;
  lsim_ticket granted[RECORDED];
  lsim_time granted_at[RECORDED];
  lsim_ticket timed_out[RECORDED];
  lsim_time timed_out_at[RECORDED];
  lsim_time polled_at[RECORDED];
};

static void on_granted(void *user, lsim_ticket ticket, void *agent,
                       lsim_time now)
{
  struct recorder *rec = user;

  if (rec->grants < RECORDED) {
    rec->granted[rec->grants] = ticket;
    rec->granted_at[rec->grants] = now;
  }
  rec->grants++;
}

static void on_timed_out(void *user, lsim_ticket ticket, void *agent,
                         lsim_time now)
{
  struct recorder *rec = user;

  if (rec->timeouts < RECORDED) {
    rec->timed_out[rec->timeouts] = ticket;
    rec->timed_out_at[rec->timeouts] = now;
  }
  rec->timeouts++;
}

static void on_poll(void *user, lsim_time now)
{
  struct recorder *rec = user;

  if (rec->polls < RECORDED)
    rec->polled_at[rec->polls] = now;
  rec->polls++;
}

/* A config with recording callbacks: poll_interval 50, max_agents 16. */
static void config_for(struct lsim_limiter_config *cfg, struct recorder *rec,
                       const char *policy, int limit, lsim_time cooldown)
{
  memset(rec, 0, sizeof(*rec));
  lsim_limiter_config_init(cfg);
  cfg->limit = limit;
  cfg->cooldown = cooldown;
  cfg->poll_interval = 50;
  cfg->max_agents = 16;
  cfg->has_usage = true;
  cfg->policy = lsim_policy_find(policy);
  cfg->cb = (struct lsim_callbacks){.granted = on_granted,
                                    .timed_out = on_timed_out,
                                    .poll_usage = on_poll,
                                    .user = rec};
}

static struct lsim_limiter *new_limiter(const struct lsim_limiter_config *cfg)
{
  struct lsim_limiter *lim = NULL;

  LSIM_ASSERT_EQ_INT(lsim_limiter_new(cfg, 0, &lim), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lim);
  return lim;
}

static struct lsim_limiter *make(struct recorder *rec, const char *policy,
                                 int limit, lsim_time cooldown)
{
  struct lsim_limiter_config cfg;

  config_for(&cfg, rec, policy, limit, cooldown);
  return new_limiter(&cfg);
}

/* Acquires at `now` with no deadline and checks the result. */
static lsim_ticket acquire(struct lsim_limiter *lim, lsim_time now,
                           int expected)
{
  lsim_ticket t = 0;

  LSIM_ASSERT_EQ_INT(lsim_limiter_acquire(lim, now, NULL, NEVER, &t), expected);
  return t;
}

static void release(struct lsim_limiter *lim, lsim_time now, lsim_ticket t)
{
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, now, t), 0);
}

static int answer(struct lsim_limiter *lim, lsim_time now, bool available,
                  int sessions)
{
  struct lsim_usage u = {available, sessions, 0};

  return lsim_limiter_usage(lim, now, &u);
}

static struct lsim_limiter_stats stats_of(const struct lsim_limiter *lim)
{
  struct lsim_limiter_stats st;

  memset(&st, 0, sizeof(st));
  lsim_limiter_stats(lim, &st);
  return st;
}

/* Answers every poll asked for at `now` with `sessions`. */
static void answer_polls(struct lsim_limiter *lim, lsim_time now, int sessions)
{
  for (int i = 0; i < 8 && stats_of(lim).poll_in_flight; i++)
    answer(lim, now, true, sessions);
}

static void assert_unchanged(const struct lsim_limiter_stats *a,
                             const struct lsim_limiter *lim)
{
  struct lsim_limiter_stats now = stats_of(lim);
  const struct lsim_limiter_stats *b = &now;

  LSIM_ASSERT_EQ_INT(a->in_use, b->in_use);
  LSIM_ASSERT_EQ_INT(a->usable, b->usable);
  LSIM_ASSERT_EQ_INT(a->cooling, b->cooling);
  LSIM_ASSERT_EQ_INT(a->queued, b->queued);
  LSIM_ASSERT_EQ_INT(a->poll_in_flight, b->poll_in_flight);
  LSIM_ASSERT_EQ_INT(a->grants, b->grants);
  LSIM_ASSERT_EQ_INT(a->polls, b->polls);
  LSIM_ASSERT_EQ_INT(a->poll_failures, b->poll_failures);
  LSIM_ASSERT_EQ_INT(a->timeouts, b->timeouts);
  LSIM_ASSERT_EQ_INT(a->cancels, b->cancels);
}

/* ---------------------------------------------------------------- */
/* Slots, the queue and the cooldown                                */
/* ---------------------------------------------------------------- */

static void test_immediate_grant(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 2, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 0, LSIM_GRANTED);
  struct lsim_limiter_stats st = stats_of(lim);

  CU_ASSERT(a != 0 && b != 0 && a != b);
  LSIM_ASSERT_EQ_INT(st.in_use, 2);
  LSIM_ASSERT_EQ_INT(st.usable, 0);
  LSIM_ASSERT_EQ_INT(st.grants, 2);
  /* The granted callback is for queued agents only. */
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  lsim_limiter_free(lim);
}

static void test_queue_without_usable_slot(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 5, LSIM_QUEUED);

  LSIM_ASSERT_EQ_INT(stats_of(lim).queued, 1);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), NEVER);

  release(lim, 7, a);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == b);
  LSIM_ASSERT_EQ_INT(rec.granted_at[0], 7);
  LSIM_ASSERT_EQ_INT(stats_of(lim).queued, 0);
  lsim_limiter_free(lim);
}

/* Released at t, usable at t + C and not a nanosecond sooner. */
static void test_cooldown_boundary(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 100);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 1, LSIM_QUEUED);

  release(lim, 10, a);
  LSIM_ASSERT_EQ_INT(stats_of(lim).cooling, 1);
  LSIM_ASSERT_EQ_INT(stats_of(lim).usable, 0);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 110);

  LSIM_ASSERT_EQ_INT(lsim_limiter_advance(lim, 109), 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  LSIM_ASSERT_EQ_INT(lsim_limiter_advance(lim, 110), 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == b);
  LSIM_ASSERT_EQ_INT(rec.granted_at[0], 110);
  LSIM_ASSERT_EQ_INT(stats_of(lim).cooling, 0);
  lsim_limiter_free(lim);
}

static void test_cooldown_arrival(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 100);

  release(lim, 10, acquire(lim, 0, LSIM_GRANTED));
  release(lim, 110, acquire(lim, 110, LSIM_GRANTED));
  acquire(lim, 209, LSIM_QUEUED);
  lsim_limiter_free(lim);
}

static void test_fifo_order(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 1, LSIM_QUEUED);
  lsim_ticket c = acquire(lim, 2, LSIM_QUEUED);
  lsim_ticket d = acquire(lim, 3, LSIM_QUEUED);

  release(lim, 10, a);
  release(lim, 11, b);
  release(lim, 12, c);
  LSIM_ASSERT_EQ_INT(rec.grants, 3);
  CU_ASSERT(rec.granted[0] == b);
  CU_ASSERT(rec.granted[1] == c);
  CU_ASSERT(rec.granted[2] == d);
  lsim_limiter_free(lim);
}

/* A slot that cools while agents wait goes to the oldest of them, not to
 * the agent whose arrival noticed it. */
static void test_arrival_does_not_overtake(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 2, 100);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket c = acquire(lim, 1, LSIM_QUEUED);
  lsim_ticket d;

  release(lim, 10, a);
  release(lim, 20, b);
  d = acquire(lim, 115, LSIM_QUEUED);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == c);

  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 120);
  lsim_limiter_advance(lim, 120);
  LSIM_ASSERT_EQ_INT(rec.grants, 2);
  CU_ASSERT(rec.granted[1] == d);
  lsim_limiter_free(lim);
}

/* ---------------------------------------------------------------- */
/* The usage gates                                                  */
/* ---------------------------------------------------------------- */

static void test_gate_polls_for_queued_agent(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b;

  /* An arrival to an empty queue with a usable slot is not gated. */
  LSIM_ASSERT_EQ_INT(rec.polls, 0);
  b = acquire(lim, 1, LSIM_QUEUED);
  LSIM_ASSERT_EQ_INT(rec.polls, 0);

  release(lim, 2, a);
  LSIM_ASSERT_EQ_INT(rec.polls, 1);
  LSIM_ASSERT_EQ_INT(rec.polled_at[0], 2);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  CU_ASSERT(stats_of(lim).poll_in_flight);

  LSIM_ASSERT_EQ_INT(answer(lim, 3, true, 0), 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == b);
  LSIM_ASSERT_EQ_INT(rec.granted_at[0], 3);
  CU_ASSERT(!stats_of(lim).poll_in_flight);
  lsim_limiter_free(lim);
}

/* Each queued agent needs its own answer, even with slots to spare. */
static void test_gate_polls_per_queued_agent(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate", 2, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 0, LSIM_GRANTED);

  acquire(lim, 1, LSIM_QUEUED);
  acquire(lim, 1, LSIM_QUEUED);
  release(lim, 2, a);
  release(lim, 2, b);
  LSIM_ASSERT_EQ_INT(rec.polls, 1);

  answer(lim, 3, true, 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  LSIM_ASSERT_EQ_INT(rec.polls, 2);
  answer(lim, 4, true, 1);
  LSIM_ASSERT_EQ_INT(rec.grants, 2);
  LSIM_ASSERT_EQ_INT(rec.polls, 2);
  lsim_limiter_free(lim);
}

/* While a poll is in flight, nobody is admitted, and a newcomer finding
 * a usable slot still queues behind the agent the poll is for. */
static void test_gate_poll_blocks_admission(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate", 2, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket c = acquire(lim, 1, LSIM_QUEUED);
  lsim_ticket d;

  release(lim, 2, a);
  release(lim, 3, b);
  d = acquire(lim, 4, LSIM_QUEUED);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  LSIM_ASSERT_EQ_INT(rec.polls, 1);

  answer(lim, 5, true, 0);
  answer(lim, 6, true, 1);
  LSIM_ASSERT_EQ_INT(rec.grants, 2);
  CU_ASSERT(rec.granted[0] == c);
  CU_ASSERT(rec.granted[1] == d);
  lsim_limiter_free(lim);
}

static void test_gate_all_polls_for_arrival(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate-all", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_QUEUED);

  LSIM_ASSERT_EQ_INT(rec.polls, 1);
  LSIM_ASSERT_EQ_INT(stats_of(lim).usable, 1);
  LSIM_ASSERT_EQ_INT(answer(lim, 1, true, 0), 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == a);
  lsim_limiter_free(lim);
}

/* concurrent_sessions >= N holds; poll_interval later it asks again. */
static void test_gate_hold_and_repoll(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 1, LSIM_QUEUED);

  release(lim, 10, a);
  LSIM_ASSERT_EQ_INT(answer(lim, 12, true, 1), 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  CU_ASSERT(!stats_of(lim).poll_in_flight);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 62);

  lsim_limiter_advance(lim, 61);
  LSIM_ASSERT_EQ_INT(rec.polls, 1);
  lsim_limiter_advance(lim, 62);
  LSIM_ASSERT_EQ_INT(rec.polls, 2);
  LSIM_ASSERT_EQ_INT(rec.polled_at[1], 62);

  answer(lim, 63, true, 3);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  lsim_limiter_advance(lim, 113);
  answer(lim, 114, true, 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == b);
  lsim_limiter_free(lim);
}

/* An unavailable answer admits: the gate degrades to cooldown-only. */
static void test_gate_unavailable_admits(void)
{
  const char *gates[] = {"usage-gate", "usage-gate-all", "headroom"};

  for (int i = 0; i < 3; i++) {
    struct recorder rec;
    struct lsim_limiter *lim = make(&rec, gates[i], 1, 0);
    lsim_ticket a = 0, b;
    int grants;

    lsim_limiter_acquire(lim, 0, NULL, NEVER, &a);
    answer_polls(lim, 0, 0);
    b = acquire(lim, 1, LSIM_QUEUED);
    release(lim, 2, a);
    CU_ASSERT(stats_of(lim).poll_in_flight);

    grants = rec.grants;
    LSIM_ASSERT_EQ_INT(answer(lim, 3, false, 99), 0);
    LSIM_ASSERT_EQ_INT(rec.grants, grants + 1);
    CU_ASSERT(rec.granted[grants] == b);
    LSIM_ASSERT_EQ_INT(stats_of(lim).poll_failures, 1);
    lsim_limiter_free(lim);
  }
}

/* Without a usage source every policy runs cooldown-only. */
static void test_no_usage_source(void)
{
  for (int i = 0; lsim_policy_names[i] != NULL; i++) {
    struct recorder rec;
    struct lsim_limiter_config cfg;
    struct lsim_limiter *lim;
    lsim_ticket a, b;

    config_for(&cfg, &rec, lsim_policy_names[i], 1, 100);
    cfg.has_usage = false;
    lim = new_limiter(&cfg);
    a = acquire(lim, 0, LSIM_GRANTED);
    b = acquire(lim, 1, LSIM_QUEUED);
    release(lim, 2, a);
    lsim_limiter_advance(lim, 102);

    LSIM_ASSERT_EQ_INT(rec.grants, 1);
    CU_ASSERT(rec.granted[0] == b);
    LSIM_ASSERT_EQ_INT(rec.polls, 0);
    LSIM_ASSERT_EQ_INT(stats_of(lim).polls, 0);
    lsim_limiter_free(lim);
  }
}

/* ---------------------------------------------------------------- */
/* headroom                                                         */
/* ---------------------------------------------------------------- */

/* limit 3: A, B, C take the slots at 0..2 on an answer of 0; D, E, F
 * queue at 10; A, B, C are released at `release_at`. */
static struct lsim_limiter *headroom_full(struct recorder *rec,
                                          lsim_time start_window,
                                          lsim_time release_at)
{
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim;
  lsim_ticket held[3];

  config_for(&cfg, rec, "headroom", 3, 0);
  cfg.start_window = start_window;
  lim = new_limiter(&cfg);
  for (int i = 0; i < 3; i++) {
    lsim_limiter_acquire(lim, i, NULL, NEVER, &held[i]);
    answer_polls(lim, i, 0);
  }
  LSIM_ASSERT_EQ_INT(stats_of(lim).in_use, 3);

  memset(rec, 0, sizeof(*rec));
  for (int i = 0; i < 3; i++)
    acquire(lim, 10, LSIM_QUEUED);
  for (int i = 0; i < 3; i++)
    release(lim, release_at, held[i]);
  return lim;
}

/* One answer admits as many queued agents as it leaves room for. */
static void test_headroom_one_answer_admits_several(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = headroom_full(&rec, 0, 20);
  int polls = rec.polls;

  /* Its own three grants since the last answer fill the estimate. */
  CU_ASSERT(stats_of(lim).poll_in_flight);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);

  answer(lim, 21, true, 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 3);
  LSIM_ASSERT_EQ_INT(rec.polls, polls);
  CU_ASSERT(!stats_of(lim).poll_in_flight);

  /* Now c + u = 0 + 3: the next agent needs a fresh answer. */
  acquire(lim, 30, LSIM_QUEUED);
  release(lim, 31, rec.granted[0]);
  LSIM_ASSERT_EQ_INT(rec.polls, polls + 1);
  answer(lim, 32, true, 2);
  LSIM_ASSERT_EQ_INT(rec.grants, 4);
  lsim_limiter_free(lim);
}

/* Grants made within start_window before the poll was asked for are
 * counted against the answer; without the window they are not. */
static void test_headroom_start_window(void)
{
  lsim_time windows[] = {0, 100};
  int expected_grants[] = {4, 3};

  for (int i = 0; i < 2; i++) {
    struct recorder rec;
    struct lsim_limiter *lim = headroom_full(&rec, windows[i], 1000);

    answer(lim, 1001, true, 0);
    LSIM_ASSERT_EQ_INT(rec.grants, 3);
    acquire(lim, 1010, LSIM_QUEUED);
    release(lim, 1040, rec.granted[0]);
    CU_ASSERT(stats_of(lim).poll_in_flight);

    /* The provider sees one of the two sessions granted at 1001. */
    answer(lim, 1041, true, 1);
    LSIM_ASSERT_EQ_INT(rec.grants, expected_grants[i]);
    lsim_limiter_free(lim);
  }
}

/* The headroom policy driven directly: what `usage` makes of an answer
 * given the grants it saw around the poll. */
struct headroom_probe {
  const struct lsim_policy *policy;
  struct lsim_view view;
  _Alignas(max_align_t) unsigned char state[512];
};

static void probe_init(struct headroom_probe *p, lsim_time start_window)
{
  struct lsim_policy_params params = {3, 0, 50, start_window};

  memset(p, 0, sizeof(*p));
  p->policy = lsim_policy_find("headroom");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p->policy);
  CU_ASSERT_FATAL(p->policy->state_size(&params) <= sizeof(p->state));
  LSIM_ASSERT_EQ_INT(p->policy->init(p->state, &params), 0);
  p->view = (struct lsim_view){0, 3, 0, 3, 1, true, 50};
}

static void probe_grant(struct headroom_probe *p, lsim_time now)
{
  p->view.now = now;
  if (p->policy->granted != NULL)
    p->policy->granted(p->state, &p->view);
}

static enum lsim_verdict probe_answer(struct headroom_probe *p, lsim_time now,
                                      lsim_time asked, int sessions)
{
  struct lsim_usage u = {true, sessions, asked};

  p->view.now = now;
  return p->policy->usage(p->state, &p->view, &u);
}

static void test_headroom_counts_racing_grants(void)
{
  struct headroom_probe p;

  /* Asked at 150; the grant at 200 raced the answer, the one at 100 is
   * in it. 1 + 1 < 3 admits, 2 + 1 does not. */
  probe_init(&p, 0);
  probe_grant(&p, 100);
  probe_grant(&p, 200);
  LSIM_ASSERT_EQ_INT(probe_answer(&p, 300, 150, 1), LSIM_ADMIT);
  LSIM_ASSERT_EQ_INT(probe_answer(&p, 300, 150, 2), LSIM_HOLD);

  /* After the answer, its own grants count until the limit. */
  probe_init(&p, 0);
  LSIM_ASSERT_EQ_INT(probe_answer(&p, 10, 5, 1), LSIM_ADMIT);
  probe_grant(&p, 20);
  LSIM_ASSERT_EQ_INT(p.policy->admit(p.state, &p.view, true), LSIM_ADMIT);
  probe_grant(&p, 30);
  LSIM_ASSERT_EQ_INT(p.policy->admit(p.state, &p.view, true), LSIM_POLL);

  /* With a start window of 60 the grant at 100 may be starting still. */
  probe_init(&p, 60);
  probe_grant(&p, 100);
  probe_grant(&p, 200);
  LSIM_ASSERT_EQ_INT(probe_answer(&p, 300, 150, 1), LSIM_HOLD);
}

/* ---------------------------------------------------------------- */
/* Cancel and timeouts                                              */
/* ---------------------------------------------------------------- */

static void test_cancel(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 1, LSIM_QUEUED);
  lsim_ticket c = acquire(lim, 2, LSIM_QUEUED);

  LSIM_ASSERT_EQ_INT(lsim_limiter_cancel(lim, 3, b), 0);
  LSIM_ASSERT_EQ_INT(stats_of(lim).queued, 1);
  LSIM_ASSERT_EQ_INT(stats_of(lim).cancels, 1);
  LSIM_ASSERT_EQ_INT(lsim_limiter_cancel(lim, 4, b), LSIM_ENOENT);
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 4, b), LSIM_ENOENT);
  LSIM_ASSERT_EQ_INT(lsim_limiter_cancel(lim, 4, a), LSIM_ESTATE);

  release(lim, 5, a);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == c);
  LSIM_ASSERT_EQ_INT(stats_of(lim).cancels, 1);
  lsim_limiter_free(lim);
}

/* A deadline at exactly `now` times out before a grant at `now`. */
static void test_timeout_before_grant(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = 0;

  lsim_limiter_acquire(lim, 1, NULL, 100, &b);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 100);
  lsim_limiter_advance(lim, 99);
  LSIM_ASSERT_EQ_INT(rec.timeouts, 0);

  release(lim, 100, a);
  LSIM_ASSERT_EQ_INT(rec.timeouts, 1);
  CU_ASSERT(rec.timed_out[0] == b);
  LSIM_ASSERT_EQ_INT(rec.timed_out_at[0], 100);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);
  LSIM_ASSERT_EQ_INT(stats_of(lim).usable, 1);
  LSIM_ASSERT_EQ_INT(stats_of(lim).timeouts, 1);
  LSIM_ASSERT_EQ_INT(lsim_limiter_cancel(lim, 101, b), LSIM_ENOENT);
  lsim_limiter_free(lim);
}

/* The same when the slot cools at the deadline. */
static void test_timeout_at_cooldown_end(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 100);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = 0, c = 0;

  lsim_limiter_acquire(lim, 0, NULL, 100, &b);
  lsim_limiter_acquire(lim, 0, NULL, 101, &c);
  release(lim, 0, a);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 100);

  lsim_limiter_advance(lim, 100);
  LSIM_ASSERT_EQ_INT(rec.timeouts, 1);
  CU_ASSERT(rec.timed_out[0] == b);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  CU_ASSERT(rec.granted[0] == c);
  lsim_limiter_free(lim);
}

/* A call made late, after a waiter's deadline and a slot's cooldown have
 * both passed, must leave the next waiter granted or the driver told to
 * come back: never a waiter beside a usable slot with nothing due. */
static void check_not_stranded(struct lsim_limiter *lim, lsim_time now)
{
  struct lsim_limiter_stats st = stats_of(lim);

  if (st.queued > 0 && st.usable > 0 && !st.poll_in_flight)
    CU_ASSERT(lsim_limiter_next_deadline(lim) <= now);
}

static void test_late_cancel_not_stranded(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 100);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = 0;

  lsim_limiter_acquire(lim, 1, NULL, 50, &b);
  acquire(lim, 2, LSIM_QUEUED);
  release(lim, 10, a);

  LSIM_ASSERT_EQ_INT(lsim_limiter_cancel(lim, 120, b), LSIM_ENOENT);
  LSIM_ASSERT_EQ_INT(rec.timeouts, 1);
  check_not_stranded(lim, 120);
  lsim_limiter_free(lim);
}

static void test_late_full_acquire_not_stranded(void)
{
  struct recorder rec;
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim;
  lsim_ticket a, t;

  config_for(&cfg, &rec, "cooldown", 2, 100);
  cfg.max_agents = 3;
  lim = new_limiter(&cfg);
  a = acquire(lim, 0, LSIM_GRANTED);
  acquire(lim, 0, LSIM_GRANTED);
  release(lim, 0, a);
  acquire(lim, 1, LSIM_QUEUED);
  acquire(lim, 1, LSIM_QUEUED);

  LSIM_ASSERT_EQ_INT(lsim_limiter_acquire(lim, 150, NULL, NEVER, &t),
                     LSIM_EFULL);
  check_not_stranded(lim, 150);
  lsim_limiter_free(lim);
}

/* ---------------------------------------------------------------- */
/* Errors: each leaves the state as it was                          */
/* ---------------------------------------------------------------- */

static void test_release_exactly_once(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "cooldown", 1, 100);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 0, LSIM_QUEUED);
  struct lsim_limiter_stats before;

  release(lim, 10, a);
  before = stats_of(lim);
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 20, a), LSIM_EALREADY);
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 20, 0), LSIM_ENOENT);
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 20, a ^ 0x5000), LSIM_ENOENT);
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 20, b), LSIM_ESTATE);
  assert_unchanged(&before, lim);
  LSIM_ASSERT_EQ_INT(lsim_limiter_next_deadline(lim), 110);

  lsim_limiter_advance(lim, 110);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  LSIM_ASSERT_EQ_INT(stats_of(lim).in_use, 1);
  lsim_limiter_free(lim);
}

static void test_time_backwards(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate", 1, 0);
  lsim_ticket a = acquire(lim, 0, LSIM_GRANTED);
  lsim_ticket b = acquire(lim, 50, LSIM_QUEUED);
  lsim_ticket t = 0;
  struct lsim_limiter_stats before;

  release(lim, 100, a);
  before = stats_of(lim);
  LSIM_ASSERT_EQ_INT(lsim_limiter_acquire(lim, 99, NULL, NEVER, &t),
                     LSIM_ETIME);
  LSIM_ASSERT_EQ_INT(lsim_limiter_release(lim, 99, b), LSIM_ETIME);
  LSIM_ASSERT_EQ_INT(lsim_limiter_cancel(lim, 99, b), LSIM_ETIME);
  LSIM_ASSERT_EQ_INT(answer(lim, 99, true, 0), LSIM_ETIME);
  LSIM_ASSERT_EQ_INT(lsim_limiter_advance(lim, 99), LSIM_ETIME);
  assert_unchanged(&before, lim);
  LSIM_ASSERT_EQ_INT(rec.grants, 0);

  /* The same time as the latest call is fine. */
  LSIM_ASSERT_EQ_INT(answer(lim, 100, true, 0), 0);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  lsim_limiter_free(lim);
}

static void test_usage_without_poll(void)
{
  struct recorder rec;
  struct lsim_limiter *lim = make(&rec, "usage-gate-all", 1, 0);
  struct lsim_limiter_stats before = stats_of(lim);

  LSIM_ASSERT_EQ_INT(answer(lim, 1, true, 0), LSIM_ENOPOLL);
  assert_unchanged(&before, lim);

  acquire(lim, 2, LSIM_QUEUED);
  LSIM_ASSERT_EQ_INT(answer(lim, 3, true, 0), 0);
  LSIM_ASSERT_EQ_INT(answer(lim, 4, true, 0), LSIM_ENOPOLL);
  LSIM_ASSERT_EQ_INT(rec.grants, 1);
  lsim_limiter_free(lim);
}

static void test_full(void)
{
  struct recorder rec;
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim;
  struct lsim_limiter_stats before;
  lsim_ticket a, t;

  config_for(&cfg, &rec, "cooldown", 1, 0);
  cfg.max_agents = 3;
  lim = new_limiter(&cfg);
  a = acquire(lim, 0, LSIM_GRANTED);
  acquire(lim, 0, LSIM_QUEUED);
  acquire(lim, 0, LSIM_QUEUED);

  before = stats_of(lim);
  LSIM_ASSERT_EQ_INT(lsim_limiter_acquire(lim, 1, NULL, NEVER, &t), LSIM_EFULL);
  assert_unchanged(&before, lim);

  /* A released ticket makes room for one more. */
  release(lim, 2, a);
  acquire(lim, 3, LSIM_QUEUED);
  lsim_limiter_free(lim);
}

/* ---------------------------------------------------------------- */
/* Configuration, policies and small functions                      */
/* ---------------------------------------------------------------- */

static enum lsim_verdict always_admit(void *state, const struct lsim_view *view,
                                      bool queued)
{
  return LSIM_ADMIT;
}

static int failing_init(void *state, const struct lsim_policy_params *p)
{
  return LSIM_EINVAL;
}

static const struct lsim_policy no_usage_hook = {
    .abi_version = LSIM_POLICY_ABI_VERSION,
    .name = "no-usage-hook",
    .admit = always_admit,
};

static enum lsim_verdict admit_on_usage(void *state,
                                        const struct lsim_view *view,
                                        const struct lsim_usage *answer)
{
  return LSIM_ADMIT;
}

static const struct lsim_policy bad_init = {
    .abi_version = LSIM_POLICY_ABI_VERSION,
    .name = "bad-init",
    .init = failing_init,
    .admit = always_admit,
    .usage = admit_on_usage,
};

/* Makes a limiter from a config changed by `edit`; returns the result. */
static int try_config(void (*edit)(struct lsim_limiter_config *))
{
  struct recorder rec;
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim = NULL;
  int rc;

  config_for(&cfg, &rec, "cooldown", 2, 0);
  edit(&cfg);
  rc = lsim_limiter_new(&cfg, 0, &lim);
  lsim_limiter_free(lim);
  return rc;
}

static void limit_zero(struct lsim_limiter_config *c)
{
  c->limit = 0;
}

static void cooldown_negative(struct lsim_limiter_config *c)
{
  c->cooldown = -1;
}

static void poll_interval_zero(struct lsim_limiter_config *c)
{
  c->poll_interval = 0;
}

static void start_window_negative(struct lsim_limiter_config *c)
{
  c->start_window = -1;
}

static void agents_below_limit(struct lsim_limiter_config *c)
{
  c->max_agents = 1;
}

static void policy_without_usage(struct lsim_limiter_config *c)
{
  c->policy = &no_usage_hook;
}

static void policy_init_fails(struct lsim_limiter_config *c)
{
  c->policy = &bad_init;
}

static void no_usage_poll_interval_zero(struct lsim_limiter_config *c)
{
  c->has_usage = false;
  c->poll_interval = 0;
}

static void agents_equal_limit(struct lsim_limiter_config *c)
{
  c->max_agents = c->limit;
}

static void test_config_validation(void)
{
  LSIM_ASSERT_EQ_INT(try_config(limit_zero), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(cooldown_negative), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(poll_interval_zero), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(start_window_negative), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(agents_below_limit), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(policy_without_usage), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(policy_init_fails), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(try_config(no_usage_poll_interval_zero), 0);
  LSIM_ASSERT_EQ_INT(try_config(agents_equal_limit), 0);
}

static void test_config_defaults(void)
{
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim = NULL;

  memset(&cfg, 0xab, sizeof(cfg));
  lsim_limiter_config_init(&cfg);
  LSIM_ASSERT_EQ_INT(cfg.limit, 1);
  LSIM_ASSERT_EQ_INT(cfg.cooldown, 0);
  LSIM_ASSERT_EQ_INT(cfg.poll_interval, LSIM_NS_PER_S / 4);
  LSIM_ASSERT_EQ_INT(cfg.start_window, 0);
  LSIM_ASSERT_EQ_INT(cfg.max_agents, 1024);
  CU_ASSERT(!cfg.has_usage);
  CU_ASSERT_PTR_NULL(cfg.cb.granted);

  LSIM_ASSERT_EQ_INT(lsim_limiter_new(&cfg, 0, &lim), 0);
  CU_ASSERT_STRING_EQUAL(lsim_limiter_policy(lim)->name, "cooldown");
  lsim_limiter_free(lim);

  cfg.policy = NULL;
  LSIM_ASSERT_EQ_INT(lsim_limiter_new(&cfg, 0, &lim), 0);
  CU_ASSERT_STRING_EQUAL(lsim_limiter_policy(lim)->name, "cooldown");
  lsim_limiter_free(lim);
  lsim_limiter_free(NULL);
}

static void test_policy_table(void)
{
  const char *expected[] = {"cooldown", "usage-gate", "usage-gate-all",
                            "headroom"};
  int n = 0;

  for (; lsim_policy_names[n] != NULL; n++) {
    const struct lsim_policy *p = lsim_policy_find(lsim_policy_names[n]);

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(p->name, lsim_policy_names[n]);
    LSIM_ASSERT_EQ_INT(p->abi_version, LSIM_POLICY_ABI_VERSION);
    CU_ASSERT(p->admit != NULL && p->usage != NULL);
  }
  LSIM_ASSERT_EQ_INT(n, 4);
  for (int i = 0; i < 4; i++)
    CU_ASSERT_PTR_NOT_NULL(lsim_policy_find(expected[i]));
  CU_ASSERT_PTR_NULL(lsim_policy_find("cooldown "));
  CU_ASSERT_PTR_NULL(lsim_policy_find(""));
}

static void test_strerror_and_time(void)
{
  for (int e = LSIM_OK; e >= LSIM_ETIMEDOUT; e--) {
    CU_ASSERT_PTR_NOT_NULL_FATAL(lsim_strerror(e));
    for (int f = e + 1; f <= LSIM_OK; f++)
      CU_ASSERT(strcmp(lsim_strerror(e), lsim_strerror(f)) != 0);
  }
  CU_ASSERT_PTR_NOT_NULL(lsim_strerror(-1000));
  CU_ASSERT_PTR_NOT_NULL(lsim_strerror(7));

  LSIM_ASSERT_EQ_INT(lsim_time_from_s(1.0), LSIM_NS_PER_S);
  LSIM_ASSERT_EQ_INT(lsim_time_from_s(0.25), 250000000);
  LSIM_ASSERT_EQ_INT(lsim_time_from_s(2.6e-9), 3);
  LSIM_ASSERT_EQ_INT(lsim_time_from_s(2.4e-9), 2);
  LSIM_ASSERT_NEAR(lsim_time_to_s(1500000000), 1.5, 1e-12);
  LSIM_ASSERT_NEAR(lsim_time_to_s(lsim_time_from_s(3600.5)), 3600.5, 1e-9);
}

/* ---------------------------------------------------------------- */
/* The property test                                                */
/* ---------------------------------------------------------------- */

#define P_LIMIT 4
#define P_AGENTS 12 /* max_agents */
#define P_STEPS 200000

enum agent_state { AGENT_GONE, AGENT_WAITING, AGENT_HOLDING };

struct model_agent {
  enum agent_state state;
  lsim_ticket ticket; /* 0 until acquire returns or grants it */
  lsim_time deadline;
};

/* What the limiter should look like, kept from the outside. One record
 * more than max_agents, so an acquire that must fail has an agent too. */
struct model {
  const char *policy;
  struct model_agent agents[P_AGENTS + 1];
  int queue[P_AGENTS + 1]; /* waiting agents, oldest first */
  int queued, holding;
  uint64_t grants, timeouts, cancels, polls;
  bool poll_in_flight, in_usage_call;
  int leaving;          /* the agent being cancelled, or -1 */
  bool left_by_timeout; /* it timed out during its cancel */
  int usage_grants;     /* grants in the current usage call */
  lsim_time now;
  lsim_time synced; /* `now` of the latest call that succeeded */
  uint64_t rng;
  char violation[160]; /* the first broken rule, or "" */
};

static uint64_t xorshift(struct model *m)
{
  m->rng ^= m->rng << 13;
  m->rng ^= m->rng >> 7;
  m->rng ^= m->rng << 17;
  return m->rng;
}

static int pick(struct model *m, int n)
{
  return (int)(xorshift(m) % (uint64_t)n);
}

static void violate(struct model *m, const char *rule)
{
  if (m->violation[0] == '\0')
    snprintf(m->violation, sizeof(m->violation), "%s at t=%lld (%s)", rule,
             (long long)m->now, m->policy);
}

static int agent_index(const struct model *m, const void *agent)
{
  return (int)((const struct model_agent *)agent - m->agents);
}

static void queue_remove(struct model *m, int pos)
{
  memmove(&m->queue[pos], &m->queue[pos + 1],
          sizeof(int) * (size_t)(m->queued - pos - 1));
  m->queued--;
}

static int queue_find(const struct model *m, int agent)
{
  for (int i = 0; i < m->queued; i++)
    if (m->queue[i] == agent)
      return i;
  return -1;
}

/* The usage gates admit a queued agent only on an answer, one each. */
static bool gated(const struct model *m)
{
  return strcmp(m->policy, "usage-gate") == 0 ||
         strcmp(m->policy, "usage-gate-all") == 0;
}

static void model_granted(void *user, lsim_ticket ticket, void *agent,
                          lsim_time now)
{
  struct model *m = user;
  int i = agent_index(m, agent);
  struct model_agent *a = &m->agents[i];

  if (m->queued == 0 || m->queue[0] != i || a->state != AGENT_WAITING)
    violate(m, "grant not to the oldest waiter");
  if (a->ticket != 0 && a->ticket != ticket)
    violate(m, "grant names another ticket");
  if (m->poll_in_flight)
    violate(m, "queued agent admitted during a poll");
  if (gated(m) && (!m->in_usage_call || m->usage_grants++ > 0))
    violate(m, "usage gate admitted without its own answer");

  a->state = AGENT_HOLDING;
  a->ticket = ticket;
  queue_remove(m, 0);
  m->holding++;
  m->grants++;
}

static void model_timed_out(void *user, lsim_ticket ticket, void *agent,
                            lsim_time now)
{
  struct model *m = user;
  int i = agent_index(m, agent);
  int pos = queue_find(m, i);

  if ((pos < 0 && i != m->leaving) || m->agents[i].deadline > now)
    violate(m, "timeout of an agent not waiting or not due");
  if (pos >= 0)
    queue_remove(m, pos);
  if (i == m->leaving)
    m->left_by_timeout = true;
  m->agents[i].state = AGENT_GONE;
  m->timeouts++;
}

static void model_poll(void *user, lsim_time now)
{
  struct model *m = user;

  if (m->poll_in_flight)
    violate(m, "a second poll while one is in flight");
  if (strcmp(m->policy, "cooldown") == 0)
    violate(m, "the cooldown policy polled");
  m->poll_in_flight = true;
  m->polls++;
}

static int model_free_agent(const struct model *m)
{
  for (int i = 0; i <= P_AGENTS; i++)
    if (m->agents[i].state == AGENT_GONE)
      return i;
  return -1;
}

/* A random agent in `state`, or -1. */
static int model_random_agent(struct model *m, enum agent_state state)
{
  int start = pick(m, P_AGENTS + 1);

  for (int k = 0; k <= P_AGENTS; k++) {
    int i = (start + k) % (P_AGENTS + 1);

    if (m->agents[i].state == state)
      return i;
  }
  return -1;
}

static void step_acquire(struct model *m, struct lsim_limiter *lim)
{
  int i = model_free_agent(m);
  struct model_agent *a = &m->agents[i];
  lsim_ticket t = 0;
  int rc;

  a->state = AGENT_WAITING;
  a->ticket = 0;
  a->deadline = pick(m, 4) == 0 ? NEVER : m->now + 1 + pick(m, 400);
  m->queue[m->queued++] = i;
  rc = lsim_limiter_acquire(lim, m->now, a, a->deadline, &t);

  if (rc == LSIM_EFULL) {
    if (m->queued + m->holding != P_AGENTS + 1 || a->state != AGENT_WAITING)
      violate(m, "EFULL with tickets to spare");
    queue_remove(m, m->queued - 1);
    a->state = AGENT_GONE;
    return;
  }
  if (t == 0 || (a->ticket != 0 && a->ticket != t))
    violate(m, "acquire returned a bad ticket");
  a->ticket = t;
  m->synced = m->now;
  if (rc == LSIM_GRANTED)
    m->grants++;
  if (rc == LSIM_GRANTED && (m->queued != 1 || m->queue[0] != i))
    violate(m, "an arrival overtook the queue");
  if (rc == LSIM_GRANTED) {
    queue_remove(m, 0);
    a->state = AGENT_HOLDING;
    m->holding++;
  } else if (rc != LSIM_QUEUED)
    violate(m, "acquire failed");
}

static void step_release(struct model *m, struct lsim_limiter *lim)
{
  int i = model_random_agent(m, AGENT_HOLDING);
  int w = model_random_agent(m, AGENT_WAITING);

  if (w >= 0 && pick(m, 10) == 0 &&
      lsim_limiter_release(lim, m->now, m->agents[w].ticket) != LSIM_ESTATE)
    violate(m, "releasing a waiting ticket did not say ESTATE");
  if (i < 0)
    return;
  if (lsim_limiter_release(lim, m->now, m->agents[i].ticket) != 0)
    violate(m, "release of a held ticket failed");
  m->synced = m->now;
  m->agents[i].state = AGENT_GONE;
  m->holding--;
}

/* The agent leaves the model's queue before the call: the call may grant
 * the next waiter. A waiter whose deadline has passed may instead be timed
 * out by this very call, and then its ticket is gone. */
static void step_cancel(struct model *m, struct lsim_limiter *lim)
{
  int i = model_random_agent(m, AGENT_WAITING);
  int rc;

  if (i < 0)
    return;
  queue_remove(m, queue_find(m, i));
  m->agents[i].state = AGENT_GONE;
  m->leaving = i;
  m->left_by_timeout = false;
  rc = lsim_limiter_cancel(lim, m->now, m->agents[i].ticket);
  m->leaving = -1;

  if (rc == 0 && !m->left_by_timeout)
    m->cancels++;
  else if (rc != LSIM_ENOENT || !m->left_by_timeout)
    violate(m, "cancel of a waiting ticket failed");
  if (rc == 0)
    m->synced = m->now;
}

static void step_advance(struct model *m, struct lsim_limiter *lim)
{
  lsim_time next = lsim_limiter_next_deadline(lim);

  if (next != NEVER && next >= m->now && pick(m, 2) == 0)
    m->now = next;
  else
    m->now += pick(m, 100);
  if (lsim_limiter_advance(lim, m->now) != 0)
    violate(m, "advance failed");
  m->synced = m->now;
}

static void step_usage(struct model *m, struct lsim_limiter *lim)
{
  bool available = pick(m, 10) != 0;
  int sessions = pick(m, P_LIMIT + 2);
  bool expected = m->poll_in_flight;
  int rc;

  m->poll_in_flight = false;
  m->in_usage_call = true;
  m->usage_grants = 0;
  rc = answer(lim, m->now, available, sessions);
  m->in_usage_call = false;

  if (rc != (expected ? 0 : LSIM_ENOPOLL))
    violate(m, "usage answer refused or wrongly taken");
  if (rc == 0)
    m->synced = m->now;
  if (gated(m) && available && sessions >= P_LIMIT && m->usage_grants > 0)
    violate(m, "usage gate admitted at the limit");
}

static void model_step(struct model *m, struct lsim_limiter *lim)
{
  int r = pick(m, 100);

  m->now += pick(m, 8);
  if (r < 35)
    step_acquire(m, lim);
  else if (r < 60)
    step_release(m, lim);
  else if (r < 66)
    step_cancel(m, lim);
  else if (r < 86)
    step_advance(m, lim);
  else if (m->poll_in_flight || pick(m, 8) == 0)
    step_usage(m, lim);
}

static lsim_time model_min_deadline(const struct model *m)
{
  lsim_time t = NEVER;

  for (int k = 0; k < m->queued; k++)
    if (m->agents[m->queue[k]].deadline < t)
      t = m->agents[m->queue[k]].deadline;
  return t;
}

/* The invariants that hold after every call. */
static void model_check(struct model *m, const struct lsim_limiter *lim)
{
  struct lsim_limiter_stats st = stats_of(lim);
  lsim_time next = lsim_limiter_next_deadline(lim);

  if (st.in_use + st.usable + st.cooling != P_LIMIT || st.in_use < 0 ||
      st.in_use > P_LIMIT || st.usable < 0 || st.cooling < 0)
    violate(m, "slots do not add up to the limit");
  if (st.queued != m->queued || st.in_use != m->holding)
    violate(m, "queue or holders differ from the model");
  if (st.grants != m->grants || st.timeouts != m->timeouts ||
      st.cancels != m->cancels || st.polls != m->polls)
    violate(m, "counters differ from the model");
  if (st.poll_in_flight != m->poll_in_flight)
    violate(m, "poll in flight differs from the model");
  if (next <= m->synced || next > model_min_deadline(m))
    violate(m, "next deadline not after now or past a waiter's");
  if (st.queued > 0 && !st.poll_in_flight &&
      (st.usable > 0 || st.cooling > 0) && next == NEVER)
    violate(m, "a waiter stranded: work to do and no deadline");
}

/* Cancels, releases and answers everything, then waits out the cooldown:
 * every slot must be usable again. */
static void model_drain(struct model *m, struct lsim_limiter *lim)
{
  int i;

  while (m->violation[0] == '\0' &&
         (i = model_random_agent(m, AGENT_WAITING)) >= 0)
    step_cancel(m, lim);
  while (m->violation[0] == '\0' && model_random_agent(m, AGENT_HOLDING) >= 0)
    step_release(m, lim);
  if (m->poll_in_flight)
    step_usage(m, lim);
  m->now += 1000;
  lsim_limiter_advance(lim, m->now);
  m->synced = m->now;
  model_check(m, lim);
}

static void run_property(const char *policy)
{
  struct model m;
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim = NULL;
  struct lsim_limiter_stats st;

  memset(&m, 0, sizeof(m));
  m.policy = policy;
  m.leaving = -1;
  m.rng = 0x9e3779b97f4a7c15u;
  cfg = (struct lsim_limiter_config){.limit = P_LIMIT,
                                     .cooldown = 60,
                                     .poll_interval = 25,
                                     .start_window = 10,
                                     .max_agents = P_AGENTS,
                                     .has_usage = true,
                                     .policy = lsim_policy_find(policy),
                                     .cb = {.granted = model_granted,
                                            .timed_out = model_timed_out,
                                            .poll_usage = model_poll,
                                            .user = &m}};
  LSIM_ASSERT_EQ_INT(lsim_limiter_new(&cfg, 0, &lim), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lim);

  for (int s = 0; s < P_STEPS && m.violation[0] == '\0'; s++) {
    model_step(&m, lim);
    model_check(&m, lim);
  }
  if (m.violation[0] == '\0')
    model_drain(&m, lim);

  if (m.violation[0] != '\0')
    fprintf(stderr, "\n  %s\n", m.violation);
  CU_ASSERT(m.violation[0] == '\0');
  if (m.violation[0] == '\0') {
    st = stats_of(lim);
    LSIM_ASSERT_EQ_INT(st.usable, P_LIMIT);
    CU_ASSERT(m.grants > P_STEPS / 20);
  }
  lsim_limiter_free(lim);
}

static void test_property_cooldown(void)
{
  run_property("cooldown");
}

static void test_property_usage_gate(void)
{
  run_property("usage-gate");
}

static void test_property_usage_gate_all(void)
{
  run_property("usage-gate-all");
}

static void test_property_headroom(void)
{
  run_property("headroom");
}

int lsim_test_register(void)
{
  static const struct lsim_test_case slots[] = {
      {"immediate grant", test_immediate_grant},
      {"queue without a usable slot", test_queue_without_usable_slot},
      {"cooldown boundary", test_cooldown_boundary},
      {"cooldown and arrivals", test_cooldown_arrival},
      {"FIFO order", test_fifo_order},
      {"arrival does not overtake", test_arrival_does_not_overtake},
      {NULL, NULL}};
  static const struct lsim_test_case gates[] = {
      {"gate polls for a queued agent", test_gate_polls_for_queued_agent},
      {"gate polls per queued agent", test_gate_polls_per_queued_agent},
      {"poll in flight blocks admission", test_gate_poll_blocks_admission},
      {"gate-all polls for an arrival", test_gate_all_polls_for_arrival},
      {"hold and poll again", test_gate_hold_and_repoll},
      {"unavailable usage admits", test_gate_unavailable_admits},
      {"no usage source: cooldown-only", test_no_usage_source},
      {NULL, NULL}};
  static const struct lsim_test_case headroom[] = {
      {"one answer admits several", test_headroom_one_answer_admits_several},
      {"start window", test_headroom_start_window},
      {"grants racing an answer", test_headroom_counts_racing_grants},
      {NULL, NULL}};
  static const struct lsim_test_case leaving[] = {
      {"cancel", test_cancel},
      {"timeout before a grant at the deadline", test_timeout_before_grant},
      {"timeout at the end of a cooldown", test_timeout_at_cooldown_end},
      {"late cancel strands nobody", test_late_cancel_not_stranded},
      {"late full acquire strands nobody", test_late_full_acquire_not_stranded},
      {NULL, NULL}};
  static const struct lsim_test_case errors[] = {
      {"release exactly once", test_release_exactly_once},
      {"time going backwards", test_time_backwards},
      {"usage without a poll", test_usage_without_poll},
      {"max_agents", test_full},
      {"config validation", test_config_validation},
      {"config defaults", test_config_defaults},
      {"policy table", test_policy_table},
      {"strerror and time", test_strerror_and_time},
      {NULL, NULL}};
  static const struct lsim_test_case property[] = {
      {"cooldown", test_property_cooldown},
      {"usage-gate", test_property_usage_gate},
      {"usage-gate-all", test_property_usage_gate_all},
      {"headroom", test_property_headroom},
      {NULL, NULL}};

  if (lsim_test_add_suite("slots", slots) != 0 ||
      lsim_test_add_suite("usage gates", gates) != 0 ||
      lsim_test_add_suite("headroom", headroom) != 0 ||
      lsim_test_add_suite("cancel and timeouts", leaving) != 0 ||
      lsim_test_add_suite("errors and config", errors) != 0)
    return -1;
  return lsim_test_add_suite("property", property);
}
