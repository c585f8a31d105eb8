/*
 * test_sim.c - the simulator against queueing theory, and its rules.
 *
 * Checks against theory use several replications and accept the theory's
 * value when it lies inside the 95% interval, widened by a small relative
 * margin for the histogram's bucket error where percentiles are involved.
 */
#include "runner.h"

#include "sim.h"

#include <math.h>
#include <string.h>

static struct lsim_dist constant(double v)
{
  struct lsim_dist d = {.kind = LSIM_DIST_CONSTANT, .a = v};

  return d;
}

static struct lsim_dist exponential(double mean)
{
  struct lsim_dist d = {.kind = LSIM_DIST_EXPONENTIAL, .a = mean};

  return d;
}

static struct lsim_dist zero;

/* A scenario with nothing in it: no lag, no delay, no cooldown. */
static void base_config(struct lsim_sim_config *c, const char *policy)
{
  memset(c, 0, sizeof(*c));
  c->seed = 42;
  c->duration = 2000 * LSIM_NS_PER_S;
  c->max_events = UINT64_C(1) << 40;
  c->policy = lsim_policy_find(policy);
  c->limit = c->cap = 4;
  c->instances = 1;
  c->poll_interval = LSIM_NS_PER_S / 4;
  c->acquire_timeout = LSIM_TIME_NEVER;
  c->overflow = LSIM_OVERFLOW_REJECT;
  c->backoff = c->release_lag = c->start_delay = &zero;
  c->usage_latency = c->think = c->external_session = &zero;
}

static int run(const struct lsim_sim_config *c, struct lsim_sim_result *r)
{
  char err[200];
  int rc = lsim_sim_run(c, r, err, sizeof(err));

  if (rc != 0)
    fprintf(stderr, "\n  run failed: %s\n", err);
  return rc;
}

/* Erlang C: the probability that an arrival waits in M/M/c. */
static double erlang_c(int c, double lambda, double mu)
{
  double a = lambda / mu, rho = a / c, term = 1, sum = 0;

  for (int k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  /* term is now a^c / c! */
  return term / (1 - rho) / (sum + term / (1 - rho));
}

#define REPS 8

struct mmc {
  double wait_mean[REPS], p_wait[REPS], queue_mean[REPS], throughput[REPS];
};

/* Integrates the queue length over time, from the timeline. */
struct queue_area {
  lsim_time last;
  int queued;
  double area_ns;
};

static void queue_timeline(void *user, const struct lsim_timeline_row *row)
{
  struct queue_area *q = user;

  q->area_ns += (double)q->queued * (double)(row->t - q->last);
  q->last = row->t;
  q->queued = row->queued;
}

static void run_mmc(struct mmc *m, double lambda)
{
  struct lsim_dist session = exponential(1.0);
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_POISSON;
  c.rate = lambda;
  c.session = &session;
  for (int i = 0; i < REPS; i++) {
    struct queue_area q = {0};

    c.replication = (uint32_t)i;
    c.timeline = queue_timeline;
    c.timeline_user = &q;
    CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
    queue_timeline(&q, &(struct lsim_timeline_row){.t = c.duration});
    m->wait_mean[i] = r.metric[LSIM_M_WAIT_MEAN];
    m->p_wait[i] = 1.0 - (double)r.wait.zeros / (double)r.wait.count;
    m->queue_mean[i] = q.area_ns / (double)c.duration;
    m->throughput[i] = r.metric[LSIM_M_THROUGHPUT];
  }
}

static void assert_inside(const double *v, double expected, double slack)
{
  struct lsim_summary s;

  lsim_summarize(v, REPS, &s);
  if (!(expected >= s.ci95_lo - slack && expected <= s.ci95_hi + slack))
    fprintf(stderr, "\n  %g outside [%g, %g] (+- %g)\n", expected, s.ci95_lo,
            s.ci95_hi, slack);
  CU_ASSERT(expected >= s.ci95_lo - slack && expected <= s.ci95_hi + slack);
}

static void test_mmc_matches_erlang_c(void)
{
  double lambda = 3.0, mu = 1.0;
  int c = 4;
  double pw = erlang_c(c, lambda, mu);
  double wq = pw / (c * mu - lambda);
  static struct mmc m;

  run_mmc(&m, lambda);
  assert_inside(m.p_wait, pw, 0);
  assert_inside(m.wait_mean, wq, 0);
}

/* Little's law for the queue: L = lambda W, replication by replication,
 * with lambda measured as the throughput. */
static void test_littles_law_queue(void)
{
  static struct mmc m;

  run_mmc(&m, 3.2);
  for (int i = 0; i < REPS; i++)
    LSIM_ASSERT_NEAR(m.queue_mean[i], m.throughput[i] * m.wait_mean[i],
                     0.03 * m.queue_mean[i] + 0.01);
}

/* And for the upstream counter: each session is counted for its length
 * plus the release lag. */
static void test_littles_law_upstream(void)
{
  struct lsim_dist session = exponential(2.0), lag = constant(1.5);
  struct lsim_sim_config c;
  static struct lsim_sim_result r;
  double counted = 2.0 + 1.5;

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_POISSON;
  c.rate = 1.0;
  c.limit = c.cap = 100; /* no overshoot: every start is counted */
  c.session = &session;
  c.release_lag = &lag;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_UPSTREAM_MEAN],
                   r.metric[LSIM_M_THROUGHPUT] * counted,
                   0.03 * r.metric[LSIM_M_UPSTREAM_MEAN]);
  LSIM_ASSERT_EQ_INT(r.metric[LSIM_M_OVERSHOOT_EVENTS], 0);
}

/* A saturated closed loop under cooldown: every slot cycles through a
 * session and a cooldown, so throughput is N / (mean session + C). */
static void test_saturated_cooldown_throughput(void)
{
  struct lsim_dist session = exponential(2.0);
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_CLOSED;
  c.agents = 40;
  c.session = &session;
  c.cooldown = LSIM_NS_PER_S;
  c.cap = 1000;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_THROUGHPUT], 4.0 / 3.0, 0.04);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_UTILIZATION], 2.0 / 3.0, 0.03);
}

/* The case this project is about: a release lag longer than the
 * cooldown. */
static void lagging_config(struct lsim_sim_config *c, const char *policy,
                           struct lsim_dist *session, struct lsim_dist *lag,
                           struct lsim_dist *think, struct lsim_dist *latency)
{
  static struct lsim_dist delay = {.kind = LSIM_DIST_CONSTANT, .a = 0.05};

  *session = exponential(10);
  *lag = constant(2.5);
  *think = exponential(2);
  *latency = constant(0.1);
  base_config(c, policy);
  c->kind = LSIM_WORKLOAD_CLOSED;
  c->agents = 12;
  c->session = session;
  c->release_lag = lag;
  c->think = think;
  c->cooldown = LSIM_NS_PER_S;
  c->start_delay = &delay;
  c->start_window = LSIM_NS_PER_S / 5;
  c->usage_enabled = true;
  c->usage_latency = latency;
  c->duration = 600 * LSIM_NS_PER_S;
}

static void test_overshoot_with_and_without_gate(void)
{
  struct lsim_dist session, lag, think, latency;
  struct lsim_sim_config c;
  static struct lsim_sim_result cool, gate, head;

  lagging_config(&c, "cooldown", &session, &lag, &think, &latency);
  CU_ASSERT_EQUAL_FATAL(run(&c, &cool), 0);
  c.policy = lsim_policy_find("usage-gate");
  CU_ASSERT_EQUAL_FATAL(run(&c, &gate), 0);
  c.policy = lsim_policy_find("headroom");
  CU_ASSERT_EQUAL_FATAL(run(&c, &head), 0);

  CU_ASSERT(cool.metric[LSIM_M_OVERSHOOT_EVENTS] > 10);
  CU_ASSERT(cool.metric[LSIM_M_REJECTED] > 10);
  CU_ASSERT(gate.metric[LSIM_M_OVERSHOOT_EVENTS] <
            cool.metric[LSIM_M_OVERSHOOT_EVENTS]);
  LSIM_ASSERT_EQ_INT(head.metric[LSIM_M_OVERSHOOT_EVENTS], 0);
  CU_ASSERT(head.metric[LSIM_M_POLLS] > 0);
  CU_ASSERT(head.metric[LSIM_M_COMPLETED] > 0);
}

static void test_deterministic(void)
{
  struct lsim_dist session, lag, think, latency;
  struct lsim_sim_config c;
  static struct lsim_sim_result a, b;

  lagging_config(&c, "usage-gate", &session, &lag, &think, &latency);
  CU_ASSERT_EQUAL_FATAL(run(&c, &a), 0);
  CU_ASSERT_EQUAL_FATAL(run(&c, &b), 0);
  CU_ASSERT(memcmp(a.metric, b.metric, sizeof(a.metric)) == 0);
  CU_ASSERT(memcmp(&a.wait, &b.wait, sizeof(a.wait)) == 0);
  LSIM_ASSERT_EQ_INT(a.events, b.events);

  c.replication = 1;
  CU_ASSERT_EQUAL_FATAL(run(&c, &b), 0);
  CU_ASSERT(memcmp(a.metric, b.metric, sizeof(a.metric)) != 0);
}

/* Usage that always fails: every poll is a failure and the gate falls
 * back to cooldown-only, so it admits as many as cooldown does. */
static void test_usage_failures_fall_back(void)
{
  struct lsim_dist session, lag, think, latency;
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  lagging_config(&c, "usage-gate", &session, &lag, &think, &latency);
  c.usage_failure_rate = 1.0;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  CU_ASSERT(r.metric[LSIM_M_POLLS] > 0);
  /* The last poll may still be in flight when the run ends. */
  CU_ASSERT(r.metric[LSIM_M_POLLS] - r.metric[LSIM_M_POLL_FAILURES] <= 1);
  CU_ASSERT(r.metric[LSIM_M_POLL_FAILURES] > 0);
  CU_ASSERT(r.metric[LSIM_M_OVERSHOOT_EVENTS] > 0);
}

/* With overflow "admit" nothing is rejected and the count goes past the
 * cap instead. */
static void test_overflow_admit(void)
{
  struct lsim_dist session, lag, think, latency;
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  lagging_config(&c, "cooldown", &session, &lag, &think, &latency);
  c.overflow = LSIM_OVERFLOW_ADMIT;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  LSIM_ASSERT_EQ_INT(r.metric[LSIM_M_REJECTED], 0);
  CU_ASSERT(r.metric[LSIM_M_OVERSHOOT_MAX] >= 1);
  CU_ASSERT(r.metric[LSIM_M_TIME_OVER_LIMIT] > 0);
}

/* A trace replays exactly; the warm-up leaves out what happened in it. */
static void test_trace_and_warmup(void)
{
  double arrivals[] = {1, 2, 3, 50, 51};
  double sessions[] = {5, 5, 5, 5, 5};
  struct lsim_trace trace = {arrivals, sessions, 5};
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_TRACE;
  c.trace = &trace;
  c.duration = 100 * LSIM_NS_PER_S;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  LSIM_ASSERT_EQ_INT(r.metric[LSIM_M_COMPLETED], 5);

  c.warmup = 20 * LSIM_NS_PER_S;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  LSIM_ASSERT_EQ_INT(r.metric[LSIM_M_COMPLETED], 2);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_THROUGHPUT], 2.0 / 80.0, 1e-12);
}

/* Waits: five sessions of 5 s at t = 0 on one slot wait 0, 5, ... 20 s. */
static void test_wait_percentiles(void)
{
  double arrivals[] = {0, 0, 0, 0, 0};
  double sessions[] = {5, 5, 5, 5, 5};
  struct lsim_trace trace = {arrivals, sessions, 5};
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_TRACE;
  c.trace = &trace;
  c.limit = c.cap = 1;
  c.duration = 100 * LSIM_NS_PER_S;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_WAIT_MEAN], 10.0, 1e-9);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_WAIT_MAX], 20.0, 1e-9);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_WAIT_P50], 10.0, 0.1);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_UTILIZATION], 25.0 / 100.0, 1e-9);
}

static void test_event_bound(void)
{
  struct lsim_dist session = exponential(1.0);
  struct lsim_sim_config c;
  static struct lsim_sim_result r;
  char err[200] = "";

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_POISSON;
  c.rate = 2;
  c.session = &session;
  c.max_events = 1000;
  LSIM_ASSERT_EQ_INT(lsim_sim_run(&c, &r, err, sizeof(err)),
                     LSIM_SIM_EEVENTS);
  CU_ASSERT(strncmp(err, "event bound 1000 reached at t=", 30) == 0);
  LSIM_ASSERT_EQ_INT(r.events, 1001);
}

/* A closed loop of zero-length steps never moves time; the run says so
 * after LSIM_SIM_MAX_SAME_TIME events rather than at max_events. */
static void test_time_standing_still(void)
{
  struct lsim_sim_config c;
  static struct lsim_sim_result r;
  char err[200] = "";

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_CLOSED;
  c.agents = 8;
  c.session = &zero;
  LSIM_ASSERT_EQ_INT(lsim_sim_run(&c, &r, err, sizeof(err)),
                     LSIM_SIM_EEVENTS);
  CU_ASSERT(strncmp(err, "time stands still at t=0.000 s:", 31) == 0);
  CU_ASSERT(r.events < 2 * LSIM_SIM_MAX_SAME_TIME);
}

/* Other clients of the account take upstream room our limiter cannot
 * see; with only them and a cap of 1 they overshoot on their own. A
 * session holds the counter for 10 s, then the next arrival comes after
 * 1 s on average, so the counter is busy 10/11 of the time. */
static void test_external_load(void)
{
  struct lsim_dist session = constant(10);
  struct lsim_sim_config c;
  static struct lsim_sim_result r;

  base_config(&c, "cooldown");
  c.kind = LSIM_WORKLOAD_TRACE;
  c.trace = &(struct lsim_trace){NULL, NULL, 0};
  c.cap = 1;
  c.external_rate = 1.0;
  c.external_session = &session;
  CU_ASSERT_EQUAL_FATAL(run(&c, &r), 0);
  CU_ASSERT(r.metric[LSIM_M_OVERSHOOT_EVENTS] > 100);
  LSIM_ASSERT_EQ_INT(r.metric[LSIM_M_REJECTED], 0);
  LSIM_ASSERT_NEAR(r.metric[LSIM_M_UPSTREAM_MEAN], 10.0 / 11.0, 0.03);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case theory[] = {
    {"M/M/c wait agrees with Erlang C", test_mmc_matches_erlang_c},
    {"Little's law for the queue", test_littles_law_queue},
    {"Little's law for the upstream", test_littles_law_upstream},
    {"saturated cooldown throughput", test_saturated_cooldown_throughput},
    {NULL, NULL}};
  static const struct lsim_test_case rules[] = {
    {"overshoot with and without the gate",
     test_overshoot_with_and_without_gate},
    {"deterministic", test_deterministic},
    {"usage failures fall back", test_usage_failures_fall_back},
    {"overflow admit", test_overflow_admit},
    {"trace and warm-up", test_trace_and_warmup},
    {"wait percentiles", test_wait_percentiles},
    {"event bound", test_event_bound},
    {"time standing still", test_time_standing_still},
    {"external load", test_external_load},
    {NULL, NULL}};

  return lsim_test_add_suite("sim theory", theory) ||
         lsim_test_add_suite("sim rules", rules);
}
