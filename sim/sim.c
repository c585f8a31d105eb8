/*
 * sim.c - one simulated run; see sim.h and docs/SIMULATOR.md.
 *
 * The life of a job (an agent's request for a session):
 *
 *   ASK --grant--> START (after the start delay) --counted--> END
 *    ^     |            \--429--> release, retry after backoff (ASK)
 *    |   queued              or give up
 *    |                   END: release the slot; the upstream still counts
 *    |                        the session until FALL (after the lag)
 *    +-- closed loop: think, then ASK again
 *
 * Usage polls: the core asks; the provider reads its counter halfway
 * through the poll's latency (READ) and the answer lands at its end.
 */
#include "sim.h"

#include "eventq.h"
#include "rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const lsim_metric_names[LSIM_METRIC_COUNT] = {
    "overshoot_events", "overshoot_max", "time_over_limit_s",
    "rejected",         "completed",     "throughput_per_s",
    "upstream_mean",    "utilization",   "wait_mean_s",
    "wait_p50_s",       "wait_p95_s",    "wait_p99_s",
    "wait_max_s",       "polls",         "poll_failures"};

int lsim_metric_find(const char *name)
{
  for (int i = 0; i < LSIM_METRIC_COUNT; i++)
    if (strcmp(lsim_metric_names[i], name) == 0)
      return i;
  return -1;
}

enum event_kind {
  EV_ASK,          /* id: job */
  EV_ARRIVAL,      /* the open workload's next arrival */
  EV_START,        /* id: job */
  EV_END,          /* id: job */
  EV_FALL,         /* a session leaves the upstream counter */
  EV_USAGE_READ,   /* id: instance; data: when the answer lands */
  EV_USAGE_ANSWER, /* id: instance; data: count + 1, 0 = unavailable */
  EV_WAKE,         /* id: instance */
  EV_EXTERNAL,     /* another client's session starts */
  EV_WARMUP_END
};

/* The per-source streams a closed-loop agent owns, so that its k-th think
 * time and session are the same whatever the policy did before. */
enum agent_stream { AS_THINK, AS_SESSION, AS_LAG, AS_DELAY, AS_COUNT };

struct job {
  lsim_ticket ticket;
  lsim_time asked_at;
  lsim_time session, lag, delay;
  int attempts;
  int instance;
  bool free;
  uint32_t next_free;
  gsl_rng *rng[AS_COUNT]; /* closed loop only */
};

struct instance {
  struct sim *sim;
  int index;
  struct lsim_limiter *lim;
  lsim_time armed; /* the time of the wake event that counts */
};

enum shared_stream {
  SS_ARRIVALS,
  SS_SESSIONS,
  SS_LAGS,
  SS_DELAYS,
  SS_USAGE_LATENCY,
  SS_FAILURES,
  SS_EXTERNAL,
  SS_BACKOFF,
  SS_COUNT
};

static const char *const shared_stream_names[SS_COUNT] = {
    "arrivals",      "sessions", "release_lag", "start_delay",
    "usage_latency", "failures", "external",    "backoff"};

struct sim {
  const struct lsim_sim_config *cfg;
  struct lsim_eventq q;
  struct lsim_upstream up;
  struct instance *inst;
  gsl_rng *rng[SS_COUNT];

  struct job *jobs;
  uint32_t njobs, cap_jobs, free_jobs;
  size_t next_trace;
  uint32_t next_instance; /* round robin for open workloads */

  lsim_time now;
  bool measuring;
  int in_use, queued;
  double in_use_integral_ns;
  lsim_time in_use_changed;
  uint64_t completed, rejected, polls, poll_failures, dropped, sessions;
  struct lsim_timeline_row last_row;
  int failed;                            /* a core error, or 0 */
  struct lsim_sim_result *out;
};

#define MAX_OPEN_JOBS (1u << 16)
#define NIL_JOB UINT32_MAX

/* ---- events ---- */

static void schedule(struct sim *s, lsim_time at, int kind, uint32_t id,
                     uint64_t data)
{
  struct lsim_event ev = {.at = at, .kind = kind, .id = id, .data = data};

  if (at > s->cfg->duration)
    return; /* past the end: it would never run */
  if (lsim_eventq_push(&s->q, &ev) != 0)
    s->failed = LSIM_SIM_ENOMEM;
}

static lsim_time draw(const struct lsim_dist *d, gsl_rng *r)
{
  return d == NULL ? 0 : lsim_time_from_s(lsim_dist_sample(d, r));
}

/* ---- bookkeeping ---- */

static void in_use_change(struct sim *s, int delta)
{
  if (s->measuring)
    s->in_use_integral_ns +=
        (double)s->in_use * (double)(s->now - s->in_use_changed);
  s->in_use_changed = s->now;
  s->in_use += delta;
}

static void note_timeline(struct sim *s)
{
  const struct lsim_sim_config *c = s->cfg;
  struct lsim_timeline_row *last = &s->last_row;

  if (c->timeline == NULL)
    return;
  if (s->up.count == last->upstream && s->in_use == last->in_use &&
      s->queued == last->queued &&
      s->up.overshoot_total == last->overshoots)
    return;
  last->t = s->now;
  last->upstream = s->up.count;
  last->in_use = s->in_use;
  last->queued = s->queued;
  last->overshoots = s->up.overshoot_total;
  c->timeline(c->timeline_user, last);
}

static void core_failed(struct sim *s, int rc)
{
  if (rc < 0 && s->failed == 0)
    s->failed = LSIM_SIM_ECORE;
}

/* After every call into a limiter: make sure it is woken when due. */
static void arm(struct instance *in)
{
  lsim_time t = lsim_limiter_next_deadline(in->lim);

  if (t == LSIM_TIME_NEVER || t == in->armed)
    return;
  in->armed = t;
  schedule(in->sim, t, EV_WAKE, (uint32_t)in->index, 0);
}

/* ---- jobs ---- */

static struct job *job_of(struct sim *s, uint32_t id)
{
  return &s->jobs[id];
}

static uint32_t job_id(struct sim *s, struct job *j)
{
  return (uint32_t)(j - s->jobs);
}

static int grow_jobs(struct sim *s)
{
  uint32_t cap = s->cap_jobs ? s->cap_jobs * 2 : 64;
  struct job *jobs = realloc(s->jobs, sizeof(*jobs) * cap);

  if (jobs == NULL)
    return -1;
  memset(jobs + s->cap_jobs, 0, sizeof(*jobs) * (cap - s->cap_jobs));
  s->jobs = jobs;
  s->cap_jobs = cap;
  return 0;
}

/* A job slot for an open workload's arrival; NIL_JOB when the system
 * holds too many (the arrival is dropped and counted). */
static uint32_t job_new(struct sim *s)
{
  uint32_t id = s->free_jobs;

  if (id != NIL_JOB) {
    s->free_jobs = s->jobs[id].next_free;
  } else {
    if (s->njobs >= MAX_OPEN_JOBS ||
        (s->njobs == s->cap_jobs && grow_jobs(s) != 0))
      return NIL_JOB;
    id = s->njobs++;
  }
  s->jobs[id].free = false;
  s->jobs[id].attempts = 0;
  s->jobs[id].instance = (int)(s->next_instance++ % s->cfg->instances);
  return id;
}

static void job_done(struct sim *s, struct job *j)
{
  const struct lsim_sim_config *c = s->cfg;

  j->attempts = 0;
  if (c->kind == LSIM_WORKLOAD_CLOSED) {
    schedule(s, s->now + draw(c->think, j->rng[AS_THINK]), EV_ASK, job_id(s, j),
             0);
    return;
  }
  j->free = true;
  j->next_free = s->free_jobs;
  s->free_jobs = job_id(s, j);
}

/* A closed-loop agent draws its next session from its own streams. */
static void draw_closed_session(struct sim *s, struct job *j)
{
  const struct lsim_sim_config *c = s->cfg;

  j->session = draw(c->session, j->rng[AS_SESSION]);
  j->lag = draw(c->release_lag, j->rng[AS_LAG]);
  j->delay = draw(c->start_delay, j->rng[AS_DELAY]);
  j->attempts = 0;
}

/* ---- the limiter's callbacks ---- */

static void start_counted(struct sim *s, struct job *j)
{
  s->sessions++;
  lsim_upstream_start(&s->up, s->now);
  schedule(s, s->now + j->session, EV_END, job_id(s, j), 0);
}

static void on_grant(struct sim *s, struct job *j)
{
  double wait_s = lsim_time_to_s(s->now - j->asked_at);

  in_use_change(s, +1);
  if (s->measuring)
    lsim_hist_add(&s->out->wait, wait_s);

  /* With no start delay a start that will be counted happens here, saving
   * an event; one that will be rejected must wait for its own event,
   * since it releases the slot and this runs inside the limiter. */
  if (j->delay == 0 && (s->up.count < s->up.cap ||
                        s->up.overflow == LSIM_OVERFLOW_ADMIT)) {
    start_counted(s, j);
    return;
  }
  schedule(s, s->now + j->delay, EV_START, job_id(s, j), 0);
}

static void cb_granted(void *user, lsim_ticket t, void *agent, lsim_time now)
{
  struct instance *in = user;

  in->sim->queued--;
  on_grant(in->sim, agent);
}

static void cb_timed_out(void *user, lsim_ticket t, void *agent, lsim_time now)
{
  struct instance *in = user;

  in->sim->queued--;
  job_done(in->sim, agent);
}

static void cb_poll(void *user, lsim_time now)
{
  struct instance *in = user;
  struct sim *s = in->sim;
  lsim_time latency = draw(s->cfg->usage_latency, s->rng[SS_USAGE_LATENCY]);

  if (s->measuring)
    s->polls++;
  schedule(s, now + latency / 2, EV_USAGE_READ, (uint32_t)in->index,
           (uint64_t)(now + latency));
}

/* ---- handlers ---- */

static void ask(struct sim *s, struct job *j)
{
  struct instance *in = &s->inst[j->instance];
  lsim_time deadline = s->cfg->acquire_timeout == LSIM_TIME_NEVER
                           ? LSIM_TIME_NEVER
                           : s->now + s->cfg->acquire_timeout;
  int rc;

  j->asked_at = s->now;
  rc = lsim_limiter_acquire(in->lim, s->now, j, deadline, &j->ticket);
  if (rc == LSIM_GRANTED)
    on_grant(s, j);
  else if (rc == LSIM_QUEUED)
    s->queued++;
  else
    core_failed(s, rc);
  arm(in);
}

static void release(struct sim *s, struct job *j)
{
  struct instance *in = &s->inst[j->instance];

  in_use_change(s, -1);
  core_failed(s, lsim_limiter_release(in->lim, s->now, j->ticket));
  arm(in);
}

static void on_ask(struct sim *s, struct job *j)
{
  if (s->cfg->kind == LSIM_WORKLOAD_CLOSED && j->attempts == 0)
    draw_closed_session(s, j);
  ask(s, j);
}

static void on_start(struct sim *s, struct job *j)
{
  const struct lsim_sim_config *c = s->cfg;

  s->sessions++;
  if (lsim_upstream_start(&s->up, s->now)) {
    schedule(s, s->now + j->session, EV_END, job_id(s, j), 0);
    return;
  }

  if (s->measuring)
    s->rejected++;
  release(s, j);
  if (j->attempts++ < c->retry_max) {
    schedule(s, s->now + draw(c->backoff, s->rng[SS_BACKOFF]), EV_ASK,
             job_id(s, j), 0);
    return;
  }
  job_done(s, j);
}

static void on_end(struct sim *s, struct job *j)
{
  if (s->measuring)
    s->completed++;
  /* The fall goes first: with no lag, the session must leave the counter
   * before the grant this release makes starts. */
  if (j->lag == 0)
    lsim_upstream_fall(&s->up, s->now);
  else
    schedule(s, s->now + j->lag, EV_FALL, 0, 0);
  release(s, j);
  job_done(s, j);
}

static void on_usage_read(struct sim *s, const struct lsim_event *ev)
{
  double u = gsl_rng_uniform(s->rng[SS_FAILURES]);
  uint64_t answer = 0;

  if (!(u < s->cfg->usage_failure_rate))
    answer = (uint64_t)s->up.count + 1;
  schedule(s, (lsim_time)ev->data, EV_USAGE_ANSWER, ev->id, answer);
}

static void on_usage_answer(struct sim *s, const struct lsim_event *ev)
{
  struct instance *in = &s->inst[ev->id];
  struct lsim_usage a = {.available = ev->data > 0};

  if (!a.available && s->measuring)
    s->poll_failures++;
  a.concurrent_sessions = a.available ? (int)(ev->data - 1) : 0;
  core_failed(s, lsim_limiter_usage(in->lim, s->now, &a));
  arm(in);
}

static void on_wake(struct sim *s, const struct lsim_event *ev)
{
  struct instance *in = &s->inst[ev->id];

  if (ev->at != in->armed)
    return; /* superseded by an earlier or later wake */
  in->armed = LSIM_TIME_NEVER;
  core_failed(s, lsim_limiter_advance(in->lim, s->now));
  arm(in);
}

/* ---- open workloads ---- */

/* The time to the next event of a Poisson process of `rate` per second. */
static lsim_time poisson_gap(gsl_rng *r, double rate)
{
  return lsim_time_from_s(lsim_dist_exponential(r, 1 / rate));
}

/* The next arrival after `t` of a burst workload: Poisson at `rate`
 * during the first on_s of every on_s + off_s period. */
static lsim_time next_burst_arrival(struct sim *s, lsim_time t)
{
  const struct lsim_sim_config *c = s->cfg;
  lsim_time on = lsim_time_from_s(c->on_s);
  lsim_time period = on + lsim_time_from_s(c->off_s);

  for (;;) {
    lsim_time next = t + poisson_gap(s->rng[SS_ARRIVALS], c->rate);
    lsim_time window_end = t - t % period + on;

    /* Memoryless: an arrival that falls past the on window is redrawn
     * from the start of the next one. */
    if (next < window_end)
      return next;
    t = window_end - on + period;
    if (t > c->duration)
      return t;
  }
}

static lsim_time next_arrival(struct sim *s)
{
  const struct lsim_sim_config *c = s->cfg;

  if (c->kind == LSIM_WORKLOAD_BURST)
    return next_burst_arrival(s, s->now);
  if (c->kind == LSIM_WORKLOAD_TRACE) {
    if (s->next_trace >= c->trace->n)
      return LSIM_TIME_NEVER;
    return lsim_time_from_s(c->trace->arrival_s[s->next_trace]);
  }
  return s->now + poisson_gap(s->rng[SS_ARRIVALS], c->rate);
}

/* Draws every random attribute of the arrival now, in a fixed order, so
 * that each policy sees the same sessions. */
static void on_arrival(struct sim *s)
{
  const struct lsim_sim_config *c = s->cfg;
  lsim_time session, lag, delay, next;
  uint32_t id;

  if (c->kind == LSIM_WORKLOAD_TRACE)
    session = lsim_time_from_s(c->trace->session_s[s->next_trace++]);
  else
    session = draw(c->session, s->rng[SS_SESSIONS]);
  lag = draw(c->release_lag, s->rng[SS_LAGS]);
  delay = draw(c->start_delay, s->rng[SS_DELAYS]);
  next = next_arrival(s);
  if (next != LSIM_TIME_NEVER)
    schedule(s, next, EV_ARRIVAL, 0, 0);

  id = job_new(s);
  if (id == NIL_JOB) {
    s->dropped++;
    return;
  }
  s->jobs[id].session = session;
  s->jobs[id].lag = lag;
  s->jobs[id].delay = delay;
  ask(s, &s->jobs[id]);
}

/* Other clients of the account: their sessions reach the upstream
 * directly, unseen by our limiters. */
static void on_external(struct sim *s)
{
  const struct lsim_sim_config *c = s->cfg;
  gsl_rng *r = s->rng[SS_EXTERNAL];
  lsim_time session = draw(c->external_session, r);
  lsim_time lag = draw(c->release_lag, r);

  schedule(s, s->now + poisson_gap(r, c->external_rate), EV_EXTERNAL, 0, 0);
  if (lsim_upstream_start(&s->up, s->now))
    schedule(s, s->now + session + lag, EV_FALL, 0, 0);
}

static void on_warmup_end(struct sim *s)
{
  s->measuring = true;
  s->in_use_changed = s->now;
  s->in_use_integral_ns = 0;
  lsim_upstream_measure_from(&s->up, s->now);
}

static void dispatch_event(struct sim *s, const struct lsim_event *ev)
{
  switch (ev->kind) {
  case EV_ASK:
    on_ask(s, job_of(s, ev->id));
    break;
  case EV_ARRIVAL:
    on_arrival(s);
    break;
  case EV_START:
    on_start(s, job_of(s, ev->id));
    break;
  case EV_END:
    on_end(s, job_of(s, ev->id));
    break;
  case EV_FALL:
    lsim_upstream_fall(&s->up, s->now);
    break;
  case EV_USAGE_READ:
    on_usage_read(s, ev);
    break;
  case EV_USAGE_ANSWER:
    on_usage_answer(s, ev);
    break;
  case EV_WAKE:
    on_wake(s, ev);
    break;
  case EV_EXTERNAL:
    on_external(s);
    break;
  case EV_WARMUP_END:
    on_warmup_end(s);
    break;
  }
}

/* ---- set-up and tear-down ---- */

static int make_instances(struct sim *s)
{
  const struct lsim_sim_config *c = s->cfg;
  struct lsim_limiter_config lc;

  s->inst = calloc((size_t)c->instances, sizeof(*s->inst));
  if (s->inst == NULL)
    return -1;
  lsim_limiter_config_init(&lc);
  lc.limit = c->limit;
  lc.cooldown = c->cooldown;
  lc.poll_interval = c->poll_interval;
  lc.start_window = c->start_window;
  lc.has_usage = c->usage_enabled;
  lc.policy = c->policy;
  lc.max_agents = c->kind == LSIM_WORKLOAD_CLOSED
                      ? c->agents / c->instances + c->limit + 1
                      : (int)MAX_OPEN_JOBS;
  lc.cb = (struct lsim_callbacks){
      .granted = cb_granted, .timed_out = cb_timed_out, .poll_usage = cb_poll};

  for (int i = 0; i < c->instances; i++) {
    struct instance *in = &s->inst[i];

    in->sim = s;
    in->index = i;
    in->armed = LSIM_TIME_NEVER;
    lc.cb.user = in;
    if (lsim_limiter_new(&lc, 0, &in->lim) != 0)
      return -1;
  }
  return 0;
}

static gsl_rng *agent_stream(const struct lsim_sim_config *c, int agent,
                             const char *source)
{
  char name[64];

  snprintf(name, sizeof(name), "%s/%d", source, agent);
  return lsim_rng_new(c->seed, c->replication, name);
}

static int make_agents(struct sim *s)
{
  static const char *const names[AS_COUNT] = {"think", "sessions",
                                              "release_lag", "start_delay"};
  const struct lsim_sim_config *c = s->cfg;

  s->jobs = calloc((size_t)c->agents, sizeof(*s->jobs));
  if (s->jobs == NULL)
    return -1;
  s->njobs = s->cap_jobs = (uint32_t)c->agents;
  for (int a = 0; a < c->agents; a++) {
    struct job *j = &s->jobs[a];

    j->instance = a % c->instances;
    for (int k = 0; k < AS_COUNT; k++)
      if ((j->rng[k] = agent_stream(c, a, names[k])) == NULL)
        return -1;
    schedule(s, draw(c->think, j->rng[AS_THINK]), EV_ASK, (uint32_t)a, 0);
  }
  return 0;
}

static int sim_init(struct sim *s, const struct lsim_sim_config *c,
                    struct lsim_sim_result *out)
{
  lsim_time first;

  memset(s, 0, sizeof(*s));
  s->cfg = c;
  s->out = out;
  s->free_jobs = NIL_JOB;
  lsim_upstream_init(&s->up, c->cap, c->overflow, 0);
  if (lsim_eventq_init(&s->q, 1024) != 0)
    return -1;
  for (int i = 0; i < SS_COUNT; i++)
    if ((s->rng[i] = lsim_rng_new(c->seed, c->replication,
                                  shared_stream_names[i])) == NULL)
      return -1;
  if (make_instances(s) != 0)
    return -1;

  schedule(s, c->warmup, EV_WARMUP_END, 0, 0);
  if (c->external_rate > 0)
    schedule(s, poisson_gap(s->rng[SS_EXTERNAL], c->external_rate),
             EV_EXTERNAL, 0, 0);
  if (c->kind == LSIM_WORKLOAD_CLOSED)
    return make_agents(s);

  first = next_arrival(s);
  if (first != LSIM_TIME_NEVER)
    schedule(s, first, EV_ARRIVAL, 0, 0);
  return 0;
}

static void sim_release(struct sim *s)
{
  bool closed = s->cfg->kind == LSIM_WORKLOAD_CLOSED;

  for (uint32_t i = 0; closed && i < s->njobs; i++)
    for (int k = 0; k < AS_COUNT; k++)
      if (s->jobs[i].rng[k] != NULL)
        gsl_rng_free(s->jobs[i].rng[k]);
  free(s->jobs);
  for (int i = 0; s->inst != NULL && i < s->cfg->instances; i++)
    lsim_limiter_free(s->inst[i].lim);
  free(s->inst);
  for (int i = 0; i < SS_COUNT; i++)
    if (s->rng[i] != NULL)
      gsl_rng_free(s->rng[i]);
  lsim_eventq_release(&s->q);
}

/* ---- the run ---- */

static void finish_metrics(struct sim *s)
{
  const struct lsim_sim_config *c = s->cfg;
  double span = lsim_time_to_s(c->duration - c->warmup);
  double *m = s->out->metric;
  const struct lsim_hist *w = &s->out->wait;

  s->now = c->duration;
  lsim_upstream_settle(&s->up, c->duration);
  in_use_change(s, 0);

  m[LSIM_M_OVERSHOOT_EVENTS] = (double)s->up.overshoot_events;
  m[LSIM_M_OVERSHOOT_MAX] =
      s->up.count_max > c->cap ? (double)(s->up.count_max - c->cap) : 0;
  m[LSIM_M_TIME_OVER_LIMIT] = lsim_time_to_s(s->up.over_ns);
  m[LSIM_M_REJECTED] = (double)s->rejected;
  m[LSIM_M_COMPLETED] = (double)s->completed;
  m[LSIM_M_THROUGHPUT] = (double)s->completed / span;
  m[LSIM_M_UPSTREAM_MEAN] = s->up.count_integral_ns / 1e9 / span;
  m[LSIM_M_UTILIZATION] =
      s->in_use_integral_ns / 1e9 / span / (double)(c->limit * c->instances);
  m[LSIM_M_WAIT_MEAN] = lsim_hist_mean(w);
  m[LSIM_M_WAIT_P50] = lsim_hist_quantile(w, 0.50);
  m[LSIM_M_WAIT_P95] = lsim_hist_quantile(w, 0.95);
  m[LSIM_M_WAIT_P99] = lsim_hist_quantile(w, 0.99);
  m[LSIM_M_WAIT_MAX] = w->max;
  m[LSIM_M_POLLS] = (double)s->polls;
  m[LSIM_M_POLL_FAILURES] = (double)s->poll_failures;
}

static int event_loop(struct sim *s, char *errbuf, size_t errlen)
{
  const struct lsim_sim_config *c = s->cfg;
  struct lsim_event ev;

  uint64_t same_time = 0;

  while (s->failed == 0 && lsim_eventq_pop(&s->q, &ev) == 0) {
    if (s->out->events++ >= c->max_events) {
      snprintf(errbuf, errlen,
               "event bound %llu reached at t=%.3f s before the end",
               (unsigned long long)c->max_events, lsim_time_to_s(ev.at));
      return LSIM_SIM_EEVENTS;
    }
    same_time = ev.at == s->now ? same_time + 1 : 0;
    if (same_time >= LSIM_SIM_MAX_SAME_TIME) {
      snprintf(errbuf, errlen,
               "time stands still at t=%.3f s: %llu events without it "
               "moving (sessions, think times and cooldown all 0?)",
               lsim_time_to_s(ev.at), (unsigned long long)same_time);
      return LSIM_SIM_EEVENTS;
    }
    s->now = ev.at;
    dispatch_event(s, &ev);
    note_timeline(s);
  }
  if (s->failed == LSIM_SIM_ECORE)
    snprintf(errbuf, errlen, "the limiter core returned an error");
  else if (s->failed != 0)
    snprintf(errbuf, errlen, "out of memory");
  return s->failed;
}

int lsim_sim_run(const struct lsim_sim_config *cfg, struct lsim_sim_result *out,
                 char *errbuf, size_t errlen)
{
  struct sim s;
  int rc;

  memset(out, 0, sizeof(*out));
  lsim_hist_init(&out->wait);
  if (sim_init(&s, cfg, out) != 0) {
    sim_release(&s);
    snprintf(errbuf, errlen, "out of memory");
    return LSIM_SIM_ENOMEM;
  }
  s.last_row.upstream = -1; /* so that t = 0 is recorded */
  note_timeline(&s);

  rc = event_loop(&s, errbuf, errlen);
  finish_metrics(&s);
  out->sessions = s.sessions;
  out->dropped = s.dropped;
  sim_release(&s);
  return rc;
}
