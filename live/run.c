/*
 * run.c - one policy of a live run: the limiter core under
 * CLOCK_MONOTONIC, in front of a real endpoint; see run.h.
 *
 * ONE THREAD, ONE LOOP. Each turn reads the clock once, then:
 *
 *   finished transfers -> release slots, hand usage answers to the core
 *   due timers         -> agents ask for slots, arrivals, usage samples
 *   due limiters       -> lsim_limiter_advance()
 *   settle             -> start the requests the core's callbacks asked
 *                         for (callbacks must not call back into the
 *                         core, so they only note what to do)
 *   wait               -> curl_multi_poll() until a socket is ready or
 *                         the earliest timer or limiter deadline
 *
 * The life of a job is the simulator's (docs/SIMULATOR.md), with a real
 * request in place of START..END: a 429 releases the slot and retries
 * after Retry-After (or the scenario's backoff); the provider's counter
 * falls whenever the provider decides, and we only see it through usage
 * answers.
 */
#include "run.h"

#include "eventq.h"
#include "rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest curl_multi_poll() sleeps without a deadline: the loop
 * looks at the end of the run at least this often. */
#define WAIT_MAX_MS 200

enum timer_kind { T_ASK, T_ARRIVAL, T_SAMPLE, T_WARMUP_END };

enum job_state { JOB_IDLE, JOB_QUEUED, JOB_GRANTED, JOB_RUNNING };

struct run;

struct job {
  struct run *run;
  int instance;
  enum job_state state;
  bool taken; /* open workloads: the slot of the pool is in use */
  lsim_ticket ticket;
  lsim_time asked_at;
  int attempts;
  struct lsim_live_xfer *xfer;
  gsl_rng *think; /* closed loop: this agent's own stream */
};

struct instance {
  struct run *run;
  struct lsim_limiter *lim;
  bool poll_wanted; /* the core asked; the request is not out yet */
  struct lsim_live_xfer *poll;
};

/* The upstream count as usage samples show it, held between samples. */
struct upstream_track {
  int last; /* -1 until the first sample */
  lsim_time last_at;
  double integral_ns; /* of the held count, while measuring */
  lsim_time covered_ns;
  lsim_time over_ns; /* held count above the limit */
  int max;
  uint64_t episodes; /* samples that went above the limit */
};

struct run {
  const struct lsim_live_policy_run *p;
  const struct lsim_scenario *sc;
  struct lsim_cell *cell;
  struct lsim_live_report *report;
  struct lsim_live_policy_stats *stats;

  int limit, ninst;
  lsim_time start, end, measure_from, now, acquire_timeout;
  bool measuring;
  struct lsim_eventq timers;
  struct instance *inst;
  struct job *jobs;
  uint32_t njobs;
  struct job **to_start; /* granted, request not started yet */
  size_t nto_start;
  gsl_rng *arrivals, *backoff;
  size_t next_trace;
  struct lsim_live_xfer *sample;
  struct upstream_track up;

  int in_use, queued;
  double in_use_integral_ns;
  lsim_time in_use_at;
  uint64_t completed, rejected, polls, poll_failures;
  uint64_t overshoots;              /* 429s and episodes, warm-up included */
  struct lsim_timeline_row tl_last; /* the timeline's last row */

  int failed;
  char *err;
  size_t errlen;
};

/* ---- failures and logging ---- */

static void fail(struct run *r, int code, const char *msg)
{
  if (r->failed != 0)
    return;
  r->failed = code;
  snprintf(r->err, r->errlen, "%s", msg);
}

static void check_core(struct run *r, int rc, const char *call)
{
  char msg[160];

  if (rc >= 0)
    return;
  snprintf(msg, sizeof(msg), "the limiter core refused %s: %s", call,
           lsim_strerror(rc));
  fail(r, LSIM_ESTATE, msg);
}

/* A failed request: counted, the first one of the run kept and logged. */
static void request_error(struct run *r, const char *msg)
{
  struct lsim_live_report *rep = r->report;

  if (rep->errors++ == 0)
    snprintf(rep->first_error, sizeof(rep->first_error), "%s", msg);
  if (rep->errors <= 3)
    lsim_live_log(r->p->opt, "%s: %s", r->p->policy_name, msg);
}

/* ---- timers ---- */

static void schedule(struct run *r, lsim_time at, enum timer_kind kind,
                     uint32_t id)
{
  struct lsim_event ev = {.at = at, .kind = (int)kind, .id = id};

  if (at >= r->end)
    return; /* past the end: it would never fire */
  if (lsim_eventq_push(&r->timers, &ev) != 0)
    fail(r, LSIM_ENOMEM, "out of memory");
}

static lsim_time draw(const struct lsim_dist *d, gsl_rng *rng)
{
  return lsim_time_from_s(lsim_dist_sample(d, rng));
}

/* ---- what the run measures ---- */

static void in_use_change(struct run *r, int delta)
{
  if (r->measuring)
    r->in_use_integral_ns +=
        (double)r->in_use * (double)(r->now - r->in_use_at);
  r->in_use_at = r->now;
  r->in_use += delta;
}

/* Sample and hold: the count seen at `at` holds until the next sample.
 * Samples may finish out of order (a poll and a sample overlap); an older
 * one is not allowed to rewrite the past. */
static void track_upstream(struct run *r, lsim_time at, int count)
{
  struct upstream_track *u = &r->up;
  lsim_time from = u->last_at > r->measure_from ? u->last_at : r->measure_from;

  if (u->last >= 0 && at < u->last_at)
    return;
  if (u->last >= 0 && r->measuring && at > from) {
    u->integral_ns += (double)u->last * (double)(at - from);
    u->covered_ns += at - from;
    if (u->last > r->limit)
      u->over_ns += at - from;
  }
  if (count > r->limit && u->last <= r->limit) {
    r->overshoots++;
    if (r->measuring)
      u->episodes++;
  }
  if (r->measuring && count > u->max)
    u->max = count;
  u->last = count;
  u->last_at = at;
}

static void timeline_add(struct lsim_timeline *tl,
                         const struct lsim_timeline_row *row)
{
  struct lsim_timeline_row *rows;
  size_t cap;

  if (tl->len == tl->cap) {
    cap = tl->cap ? tl->cap * 2 : 1024;
    if (tl->len >= LSIM_TIMELINE_MAX_ROWS ||
        (rows = realloc(tl->rows, sizeof(*rows) * cap)) == NULL) {
      tl->truncated = true;
      return;
    }
    tl->rows = rows;
    tl->cap = cap;
  }
  tl->rows[tl->len++] = *row;
}

static void note_timeline(struct run *r)
{
  struct lsim_timeline_row *last = &r->tl_last;
  int up = r->up.last > 0 ? r->up.last : 0;

  if (up == last->upstream && r->in_use == last->in_use &&
      r->queued == last->queued && r->overshoots == last->overshoots)
    return;
  last->t = r->now - r->start;
  last->upstream = up;
  last->in_use = r->in_use;
  last->queued = r->queued;
  last->overshoots = r->overshoots;
  timeline_add(&r->cell->timeline, last);
}

/* ---- jobs ---- */

static uint32_t job_id(const struct run *r, const struct job *j)
{
  return (uint32_t)(j - r->jobs);
}

static bool closed_loop(const struct run *r)
{
  return r->sc->workload.kind == LSIM_WORKLOAD_CLOSED;
}

/* The job is over: a closed-loop agent thinks and asks again, an open
 * job leaves the system. */
static void job_done(struct run *r, struct job *j)
{
  j->state = JOB_IDLE;
  j->attempts = 0;
  if (closed_loop(r))
    schedule(r, r->now + draw(&r->sc->workload.think, j->think), T_ASK,
             job_id(r, j));
  else
    j->taken = false;
}

static void on_grant(struct run *r, struct job *j)
{
  struct job **list = r->to_start;

  j->state = JOB_GRANTED;
  in_use_change(r, +1);
  if (r->measuring)
    lsim_hist_add(&r->cell->wait, lsim_time_to_s(r->now - j->asked_at));
  list[r->nto_start++] = j;
}

static void ask(struct run *r, struct job *j)
{
  struct instance *in = &r->inst[j->instance];
  lsim_time deadline = r->acquire_timeout == LSIM_TIME_NEVER
                           ? LSIM_TIME_NEVER
                           : r->now + r->acquire_timeout;
  int rc;

  j->asked_at = r->now;
  rc = lsim_limiter_acquire(in->lim, r->now, j, deadline, &j->ticket);
  if (rc == LSIM_GRANTED) {
    on_grant(r, j);
  } else if (rc == LSIM_QUEUED) {
    j->state = JOB_QUEUED;
    r->queued++;
  } else {
    check_core(r, rc, "an acquire");
  }
}

static void release(struct run *r, struct job *j)
{
  struct instance *in = &r->inst[j->instance];

  in_use_change(r, -1);
  check_core(r, lsim_limiter_release(in->lim, r->now, j->ticket), "a release");
}

/* After a 429: retry after Retry-After, or the scenario's backoff. */
static void retry_or_give_up(struct run *r, struct job *j, double after_s)
{
  const struct lsim_scenario_provider *p = &r->sc->provider;
  lsim_time wait;

  if (j->attempts++ >= p->retry_max_attempts) {
    job_done(r, j);
    return;
  }
  wait = after_s >= 0 ? lsim_time_from_s(after_s)
                      : draw(&p->retry_backoff, r->backoff);
  j->state = JOB_IDLE;
  schedule(r, r->now + wait, T_ASK, job_id(r, j));
}

/* ---- the core's callbacks: they only take note ---- */

static void cb_granted(void *user, lsim_ticket t, void *agent, lsim_time now)
{
  struct instance *in = user;

  in->run->queued--;
  on_grant(in->run, agent);
}

static void cb_timed_out(void *user, lsim_ticket t, void *agent, lsim_time now)
{
  struct instance *in = user;

  in->run->queued--;
  job_done(in->run, agent);
}

static void cb_poll(void *user, lsim_time now)
{
  struct instance *in = user;

  in->poll_wanted = true;
  if (in->run->measuring)
    in->run->polls++;
}

/* ---- starting what the core asked for ---- */

static void start_session(struct run *r, struct job *j)
{
  char msg[320];

  if (lsim_live_xfer_session(r->p->http, j, r->now, &j->xfer, msg,
                             sizeof(msg)) != 0) {
    request_error(r, msg);
    release(r, j);
    job_done(r, j);
    return;
  }
  j->state = JOB_RUNNING;
  r->stats->sessions++;
}

static void usage_unavailable(struct run *r, struct instance *in)
{
  struct lsim_usage answer = {.available = false};

  if (r->measuring)
    r->poll_failures++;
  check_core(r, lsim_limiter_usage(in->lim, r->now, &answer), "a usage");
}

static void start_poll(struct run *r, struct instance *in)
{
  char msg[320];

  in->poll_wanted = false;
  if (lsim_live_xfer_usage(r->p->http, in, r->now, &in->poll, msg,
                           sizeof(msg)) != 0) {
    request_error(r, msg);
    usage_unavailable(r, in);
  }
}

/* Starts every request the callbacks noted. Starting one can fail and
 * release a slot, which can grant another: loop until nothing is left. */
static void settle(struct run *r)
{
  bool again = true;

  while (again && r->failed == 0) {
    again = false;
    while (r->nto_start > 0) {
      struct job *j = r->to_start[--r->nto_start];

      start_session(r, j);
      again = true;
    }
    for (int i = 0; i < r->ninst; i++)
      if (r->inst[i].poll_wanted) {
        start_poll(r, &r->inst[i]);
        again = true;
      }
  }
}

/* ---- finished transfers ---- */

static void on_session_done(struct run *r, struct job *j, CURLcode code)
{
  struct lsim_live_outcome o;

  lsim_live_xfer_outcome(j->xfer, code, &o);
  lsim_live_xfer_free(j->xfer);
  j->xfer = NULL;
  release(r, j);

  if (o.msg[0] == '\0') {
    if (r->measuring)
      r->completed++;
    job_done(r, j);
  } else if (o.status == 429 && o.code == CURLE_OK) {
    r->overshoots++;
    if (r->measuring)
      r->rejected++;
    retry_or_give_up(r, j, o.retry_after_s);
  } else {
    request_error(r, o.msg);
    job_done(r, j);
  }
}

static void on_poll_done(struct run *r, struct instance *in, CURLcode code)
{
  struct lsim_usage answer = {.available = true};
  lsim_time read_at = in->poll->started + (r->now - in->poll->started) / 2;
  char why[320];

  if (lsim_live_xfer_usage_count(in->poll, code, &answer.concurrent_sessions,
                                 why, sizeof(why)) != 0)
    answer.available = false;
  lsim_live_xfer_free(in->poll);
  in->poll = NULL;

  if (!answer.available) {
    if (r->measuring && r->poll_failures == 0)
      lsim_live_log(r->p->opt,
                    "%s: usage unavailable (%s); the limiter falls back",
                    r->p->policy_name, why);
    if (r->measuring)
      r->poll_failures++;
  } else {
    track_upstream(r, read_at, answer.concurrent_sessions);
  }
  check_core(r, lsim_limiter_usage(in->lim, r->now, &answer), "a usage");
}

static void on_sample_done(struct run *r, CURLcode code)
{
  lsim_time read_at = r->sample->started + (r->now - r->sample->started) / 2;
  char why[320];
  int count;

  if (lsim_live_xfer_usage_count(r->sample, code, &count, why, sizeof(why)) ==
      0) {
    r->report->samples++;
    track_upstream(r, read_at, count);
  } else {
    r->report->sample_failures++;
  }
  lsim_live_xfer_free(r->sample);
  r->sample = NULL;
}

static void on_done(void *user, struct lsim_live_xfer *x, CURLcode code)
{
  struct run *r = user;

  if (x->kind == LSIM_XFER_SESSION)
    on_session_done(r, x->owner, code);
  else if (x == r->sample)
    on_sample_done(r, code);
  else
    on_poll_done(r, x->owner, code);
}

/* ---- open workloads ---- */

/* The next arrival of a burst workload after `t`: Poisson at the rate
 * during the first on_s of each on_s + off_s period, a draw that lands
 * past the window starting again from the next one (memoryless). */
static lsim_time next_burst_arrival(struct run *r, lsim_time t)
{
  const struct lsim_scenario_workload *w = &r->sc->workload;
  lsim_time on = lsim_time_from_s(w->on_s);
  lsim_time period = on + lsim_time_from_s(w->off_s);

  while (t < r->end) {
    lsim_time rel = t - r->start;
    lsim_time window_end = t - rel % period + on;
    lsim_time next =
        t +
        lsim_time_from_s(lsim_dist_exponential(r->arrivals, 1 / w->rate_per_s));

    if (rel % period < on && next < window_end)
      return next;
    t = window_end - on + period;
  }
  return LSIM_TIME_NEVER;
}

static lsim_time next_arrival(struct run *r)
{
  const struct lsim_scenario_workload *w = &r->sc->workload;

  switch (w->kind) {
  case LSIM_WORKLOAD_BURST:
    return next_burst_arrival(r, r->now);
  case LSIM_WORKLOAD_TRACE:
    if (r->next_trace >= w->trace.n)
      return LSIM_TIME_NEVER;
    return r->start + lsim_time_from_s(w->trace.arrival_s[r->next_trace++]);
  default:
    return r->now + lsim_time_from_s(
                        lsim_dist_exponential(r->arrivals, 1 / w->rate_per_s));
  }
}

static void on_arrival(struct run *r)
{
  lsim_time next = next_arrival(r);
  struct job *j = NULL;

  if (next != LSIM_TIME_NEVER)
    schedule(r, next, T_ARRIVAL, 0);
  for (uint32_t i = 0; i < r->njobs && j == NULL; i++)
    if (!r->jobs[i].taken)
      j = &r->jobs[i];
  if (j == NULL) {
    r->stats->dropped++;
    return;
  }
  j->taken = true;
  j->attempts = 0;
  j->instance = (int)(job_id(r, j) % (uint32_t)r->ninst);
  ask(r, j);
}

/* ---- timers and limiters ---- */

static void on_sample_timer(struct run *r)
{
  char msg[320];

  schedule(r, r->now + lsim_time_from_s(r->p->cfg->sample_interval_s), T_SAMPLE,
           0);
  if (r->sample != NULL)
    return; /* the last one is still out: skip a beat */
  if (lsim_live_xfer_usage(r->p->http, &r->up, r->now, &r->sample, msg,
                           sizeof(msg)) != 0) {
    r->report->sample_failures++;
    r->sample = NULL;
  }
}

static void on_warmup_end(struct run *r)
{
  r->measuring = true;
  r->measure_from = r->now;
  r->in_use_at = r->now;
  r->in_use_integral_ns = 0;
}

static void fire_timers(struct run *r)
{
  const struct lsim_event *top;
  struct lsim_event ev;

  while (r->failed == 0 && (top = lsim_eventq_peek(&r->timers)) != NULL &&
         top->at <= r->now) {
    lsim_eventq_pop(&r->timers, &ev);
    if (ev.kind == T_ASK)
      ask(r, &r->jobs[ev.id]);
    else if (ev.kind == T_ARRIVAL)
      on_arrival(r);
    else if (ev.kind == T_SAMPLE)
      on_sample_timer(r);
    else
      on_warmup_end(r);
    settle(r);
  }
}

static void advance_limiters(struct run *r)
{
  for (int i = 0; i < r->ninst && r->failed == 0; i++)
    if (lsim_limiter_next_deadline(r->inst[i].lim) <= r->now)
      check_core(r, lsim_limiter_advance(r->inst[i].lim, r->now), "an advance");
}

/* Milliseconds until the earliest timer, limiter deadline or the end. */
static int wait_ms(const struct run *r)
{
  const struct lsim_event *top = lsim_eventq_peek(&r->timers);
  lsim_time next = r->end;
  double ms;

  if (top != NULL && top->at < next)
    next = top->at;
  for (int i = 0; i < r->ninst; i++) {
    lsim_time t = lsim_limiter_next_deadline(r->inst[i].lim);

    if (t < next)
      next = t;
  }
  ms = ceil((double)(next - lsim_live_clock()) / 1e6);
  return ms < 0 ? 0 : ms > WAIT_MAX_MS ? WAIT_MAX_MS : (int)ms;
}

static void loop(struct run *r)
{
  struct lsim_live_http *http = r->p->http;

  while (r->failed == 0) {
    r->now = lsim_live_clock();
    if (r->now >= r->end)
      break;
    r->stats->steps++;
    if (lsim_live_http_pump(http, on_done, r) != 0)
      fail(r, LSIM_ESTATE, "libcurl's multi handle failed");
    fire_timers(r);
    advance_limiters(r);
    settle(r);
    note_timeline(r);
    if (r->failed == 0 && lsim_live_http_wait(http, wait_ms(r)) != 0)
      fail(r, LSIM_ESTATE, "libcurl's multi handle failed to poll");
  }
}

/* ---- set-up ---- */

static int make_instances(struct run *r)
{
  const struct lsim_scenario_limiter *l = &r->sc->limiter;
  struct lsim_limiter_config lc;

  lsim_limiter_config_init(&lc);
  lc.limit = l->limit;
  lc.cooldown = lsim_time_from_s(l->cooldown_s);
  lc.poll_interval = lsim_time_from_s(l->poll_interval_s);
  lc.start_window = lsim_time_from_s(l->start_window_s);
  lc.has_usage = r->p->cfg->usage_mode != LSIM_LIVE_USAGE_NONE &&
                 r->sc->provider.usage_enabled;
  lc.policy = r->p->policy;
  lc.max_agents = (int)r->njobs / r->ninst + l->limit + 1;
  lc.cb = (struct lsim_callbacks){
      .granted = cb_granted, .timed_out = cb_timed_out, .poll_usage = cb_poll};

  for (int i = 0; i < r->ninst; i++) {
    r->inst[i].run = r;
    lc.cb.user = &r->inst[i];
    if (lsim_limiter_new(&lc, r->now, &r->inst[i].lim) != 0)
      return LSIM_EINVAL;
  }
  return 0;
}

static gsl_rng *agent_stream(const struct run *r, uint32_t agent)
{
  char name[64];

  snprintf(name, sizeof(name), "think/%u", agent);
  return lsim_rng_new(r->sc->seed, 0, name);
}

/* Closed loop: each agent thinks first, as in the simulator. Open: the
 * first arrival. The sampler starts at once. */
static int make_workload(struct run *r)
{
  for (uint32_t a = 0; a < r->njobs; a++) {
    struct job *j = &r->jobs[a];

    j->run = r;
    j->instance = (int)(a % (uint32_t)r->ninst);
    if (!closed_loop(r))
      continue;
    if ((j->think = agent_stream(r, a)) == NULL)
      return LSIM_ENOMEM;
    schedule(r, r->now + draw(&r->sc->workload.think, j->think), T_ASK, a);
  }
  if (!closed_loop(r)) {
    lsim_time first = next_arrival(r);

    if (first != LSIM_TIME_NEVER)
      schedule(r, first, T_ARRIVAL, 0);
  }
  if (r->p->cfg->usage_mode != LSIM_LIVE_USAGE_NONE)
    schedule(r, r->now, T_SAMPLE, 0);
  return 0;
}

static int run_init(struct run *r)
{
  const struct lsim_scenario *sc = r->sc;
  double timeout = sc->limiter.acquire_timeout_s;

  r->now = r->start = lsim_live_clock();
  r->end = r->start + lsim_time_from_s(r->p->duration_s);
  r->measure_from = r->start + lsim_time_from_s(sc->warmup_s);
  r->acquire_timeout =
      timeout > 0 ? lsim_time_from_s(timeout) : LSIM_TIME_NEVER;
  r->limit = sc->limiter.limit;
  r->ninst = sc->limiter.instances;
  r->njobs = closed_loop(r) ? (uint32_t)r->p->agents : LSIM_LIVE_MAX_OPEN_JOBS;
  r->up.last = -1;
  r->tl_last.upstream = r->tl_last.in_use = r->tl_last.queued = -1;

  r->inst = calloc((size_t)r->ninst, sizeof(*r->inst));
  r->jobs = calloc(r->njobs, sizeof(*r->jobs));
  r->to_start = calloc(r->njobs, sizeof(*r->to_start));
  r->arrivals = lsim_rng_new(sc->seed, 0, "arrivals");
  r->backoff = lsim_rng_new(sc->seed, 0, "backoff");
  if (r->inst == NULL || r->jobs == NULL || r->to_start == NULL ||
      r->arrivals == NULL || r->backoff == NULL ||
      lsim_eventq_init(&r->timers, r->njobs + 4) != 0)
    return LSIM_ENOMEM;
  if (make_instances(r) != 0)
    return LSIM_EINVAL;
  if (sc->warmup_s <= 0)
    on_warmup_end(r);
  else
    schedule(r, r->measure_from, T_WARMUP_END, 0);
  return make_workload(r);
}

/* Transfers still out at the end are aborted; their slots die with the
 * limiter. */
static void run_release(struct run *r)
{
  for (uint32_t i = 0; r->jobs != NULL && i < r->njobs; i++) {
    lsim_live_xfer_free(r->jobs[i].xfer);
    if (r->jobs[i].think != NULL)
      gsl_rng_free(r->jobs[i].think);
  }
  for (int i = 0; r->inst != NULL && i < r->ninst; i++) {
    lsim_live_xfer_free(r->inst[i].poll);
    lsim_limiter_free(r->inst[i].lim);
  }
  lsim_live_xfer_free(r->sample);
  free(r->jobs);
  free(r->inst);
  free(r->to_start);
  if (r->arrivals != NULL)
    gsl_rng_free(r->arrivals);
  if (r->backoff != NULL)
    gsl_rng_free(r->backoff);
  lsim_eventq_release(&r->timers);
}

/* ---- metrics ---- */

static void finish_upstream(struct run *r, double *m)
{
  struct upstream_track *u = &r->up;

  if (u->last >= 0)
    track_upstream(r, r->end, u->last);
  m[LSIM_M_OVERSHOOT_EVENTS] = (double)(r->rejected + u->episodes);
  m[LSIM_M_OVERSHOOT_MAX] = u->max > r->limit ? u->max - r->limit : 0;
  m[LSIM_M_TIME_OVER_LIMIT] = lsim_time_to_s(u->over_ns);
  m[LSIM_M_UPSTREAM_MEAN] =
      u->covered_ns > 0 ? u->integral_ns / (double)u->covered_ns : 0;
}

static void finish_metrics(struct run *r)
{
  double span = lsim_time_to_s(r->end - r->measure_from);
  double *m = r->cell->values;
  const struct lsim_hist *w = &r->cell->wait;

  r->now = r->end;
  in_use_change(r, 0);
  finish_upstream(r, m);
  m[LSIM_M_REJECTED] = (double)r->rejected;
  m[LSIM_M_COMPLETED] = (double)r->completed;
  m[LSIM_M_THROUGHPUT] = (double)r->completed / span;
  m[LSIM_M_UTILIZATION] =
      r->in_use_integral_ns / 1e9 / span / (double)(r->limit * r->ninst);
  m[LSIM_M_WAIT_MEAN] = lsim_hist_mean(w);
  m[LSIM_M_WAIT_P50] = lsim_hist_quantile(w, 0.50);
  m[LSIM_M_WAIT_P95] = lsim_hist_quantile(w, 0.95);
  m[LSIM_M_WAIT_P99] = lsim_hist_quantile(w, 0.99);
  m[LSIM_M_WAIT_MAX] = w->max;
  m[LSIM_M_POLLS] = (double)r->polls;
  m[LSIM_M_POLL_FAILURES] = (double)r->poll_failures;
}

int lsim_live_run_policy(const struct lsim_live_policy_run *run,
                         struct lsim_cell *cell,
                         struct lsim_live_report *report,
                         struct lsim_live_policy_stats *stats, char *err,
                         size_t errlen)
{
  struct run r;
  int rc;

  memset(&r, 0, sizeof(r));
  r.p = run;
  r.sc = run->sc;
  r.cell = cell;
  r.report = report;
  r.stats = stats;
  r.err = err;
  r.errlen = errlen;

  rc = run_init(&r);
  if (rc != 0)
    snprintf(err, errlen, "%s",
             rc == LSIM_ENOMEM ? "out of memory"
                               : "the limiter core refused the settings");
  else
    loop(&r);
  if (rc == 0 && r.failed == 0)
    finish_metrics(&r);
  run_release(&r);
  return rc != 0 ? rc : r.failed;
}
