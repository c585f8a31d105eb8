/*
 * timer.c - the mock server's clock: one thread fires the model's events.
 *
 * Why a thread of its own rather than libmicrohttpd's external-select loop
 * with MHD_get_timeout(): the internal polling thread is libmicrohttpd's
 * best-tested mode, and it only needs to be told "resume this connection",
 * which MHD_resume_connection() does from any thread. The timers are an
 * lsim_eventq (the simulator's heap, O(log n) per event, ties first in
 * first out), so thousands of paced streams cost a few heap operations a
 * chunk, and the thread sleeps on a condition variable until the earliest
 * one is due: nothing polls, nothing sleeps in a handler.
 */
#include "mock_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

lsim_time lsim_mock_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (lsim_time)ts.tv_sec * LSIM_NS_PER_S + ts.tv_nsec;
}

/* A heavy tail (pareto) can draw more seconds than lsim_time holds; no
 * real-time wait needs more than a day anyway. */
#define MOCK_DRAW_MAX_S 86400.0

lsim_time lsim_mock_draw(struct lsim_mockserver *srv, enum mock_source src,
                         const struct lsim_dist *d)
{
  double s = lsim_dist_sample(d, srv->rng[src]);

  return lsim_time_from_s(s < MOCK_DRAW_MAX_S ? s : MOCK_DRAW_MAX_S);
}

int lsim_mock_schedule(struct lsim_mockserver *srv, lsim_time at,
                       enum mock_event_kind kind, struct mock_req *req)
{
  struct lsim_event ev = {
      .at = at, .kind = (int)kind, .data = (uint64_t)(uintptr_t)req};
  const struct lsim_event *head = lsim_eventq_peek(&srv->timers);
  bool earlier = head == NULL || at < head->at;

  if (lsim_eventq_push(&srv->timers, &ev) != 0)
    return LSIM_ENOMEM;

  /* The thread sleeps until the earliest event: wake it only when that
   * changed. */
  if (earlier)
    pthread_cond_signal(&srv->timer_cond);
  return 0;
}

int lsim_mock_suspend_until(struct lsim_mockserver *srv, struct mock_req *req,
                            lsim_time at, enum mock_event_kind kind)
{
  if (lsim_mock_schedule(srv, at, kind, req) != 0)
    return LSIM_ENOMEM;

  req->suspended = true;
  MHD_suspend_connection(req->conn);
  return 0;
}

int lsim_mock_resume_later(struct lsim_mockserver *srv, struct mock_req *req)
{
  if (srv->nresume == srv->resume_cap) {
    size_t cap = srv->resume_cap ? srv->resume_cap * 2 : 64;
    struct mock_req **grown = realloc(srv->resume, cap * sizeof(*grown));

    if (grown == NULL)
      return LSIM_ENOMEM;
    srv->resume = grown;
    srv->resume_cap = cap;
  }
  req->suspended = false;
  srv->resume[srv->nresume++] = req;
  return 0;
}

void lsim_mock_resume_pending(struct lsim_mockserver *srv)
{
  struct mock_req **batch = srv->resume;
  size_t n = srv->nresume;

  if (n == 0)
    return;

  srv->resume = NULL;
  srv->nresume = srv->resume_cap = 0;
  pthread_mutex_unlock(&srv->lock);
  for (size_t i = 0; i < n; i++)
    MHD_resume_connection(batch[i]->conn);
  free(batch);
  pthread_mutex_lock(&srv->lock);
}

bool lsim_mock_count_start(struct lsim_mockserver *srv, lsim_time now)
{
  bool counted = lsim_upstream_start(&srv->up, now);

  if (counted)
    pthread_cond_broadcast(&srv->count_cond);
  return counted;
}

void lsim_mock_count_fall(struct lsim_mockserver *srv, lsim_time now)
{
  lsim_upstream_fall(&srv->up, now);
  srv->counters.sessions_ended++;
  pthread_cond_broadcast(&srv->count_cond);
}

/* ---- the events ---- */

/* A request that cannot be resumed through the list (no memory) is
 * resumed at once: holding the lock a moment longer beats a connection
 * stuck for ever. */
void lsim_mock_wake(struct lsim_mockserver *srv, struct mock_req *req)
{
  if (lsim_mock_resume_later(srv, req) != 0) {
    req->suspended = false;
    MHD_resume_connection(req->conn);
  }
}

static void chat_running(struct lsim_mockserver *srv, struct mock_req *req,
                         lsim_time now)
{
  req->start = now;
  req->end = now + lsim_mock_draw(srv, MOCK_RNG_SESSION, &srv->cfg.session);
  if (req->stream) {
    req->phase = MOCK_STREAM_READY;
    lsim_mock_wake(srv, req);
    return;
  }

  req->phase = MOCK_CHAT_RUNNING;
  if (lsim_mock_schedule(srv, req->end, MOCK_EV_WAKE, req) != 0) {
    req->phase = MOCK_CHAT_DUE; /* end early rather than hang */
    lsim_mock_wake(srv, req);
  }
}

static void on_arrive(struct lsim_mockserver *srv, struct mock_req *req,
                      lsim_time now)
{
  req->counted = lsim_mock_count_start(srv, now);
  if (req->counted) {
    chat_running(srv, req, now);
    return;
  }
  req->phase = MOCK_CHAT_REJECTED;
  lsim_mock_wake(srv, req);
}

static void on_wake(struct lsim_mockserver *srv, struct mock_req *req)
{
  if (req->phase == MOCK_USAGE_WAIT) {
    req->usage_count = srv->up.count;
    req->phase = MOCK_USAGE_DUE;
  } else if (req->phase == MOCK_CHAT_RUNNING) {
    req->phase = MOCK_CHAT_DUE;
  }
  lsim_mock_wake(srv, req);
}

/* Another client of the account: counted like ours, invisible to the
 * limiter; the next arrival is drawn at once (a Poisson process). */
static void on_external(struct lsim_mockserver *srv, lsim_time now)
{
  const struct lsim_mock_config *c = &srv->cfg;
  gsl_rng *rng = srv->rng[MOCK_RNG_EXTERNAL_ARRIVAL];
  double gap = -log1p(-gsl_rng_uniform(rng)) / c->external_rate_per_s;
  lsim_time ends;

  srv->counters.external_starts++;
  if (lsim_mock_count_start(srv, now)) {
    ends =
        now +
        lsim_mock_draw(srv, MOCK_RNG_EXTERNAL_SESSION, &c->external_session) +
        lsim_mock_draw(srv, MOCK_RNG_RELEASE_LAG, &c->release_lag);
    if (lsim_mock_schedule(srv, ends, MOCK_EV_FALL, NULL) != 0)
      lsim_mock_count_fall(srv, now); /* no memory: never leave it counted */
  }
  /* Without memory for the next arrival the other clients go quiet; the
   * server itself goes on. */
  (void)lsim_mock_schedule(srv, now + lsim_time_from_s(gap), MOCK_EV_EXTERNAL,
                           NULL);
}

static void fire(struct lsim_mockserver *srv, const struct lsim_event *ev,
                 lsim_time now)
{
  struct mock_req *req = (struct mock_req *)(uintptr_t)ev->data;

  switch ((enum mock_event_kind)ev->kind) {
  case MOCK_EV_ARRIVE:
    on_arrive(srv, req, now);
    break;
  case MOCK_EV_WAKE:
    on_wake(srv, req);
    break;
  case MOCK_EV_FALL:
    lsim_mock_count_fall(srv, now);
    break;
  case MOCK_EV_EXTERNAL:
    on_external(srv, now);
    break;
  }
}

/* ---- the thread ---- */

static struct timespec abs_monotonic(lsim_time t)
{
  struct timespec ts = {.tv_sec = (time_t)(t / LSIM_NS_PER_S),
                        .tv_nsec = (long)(t % LSIM_NS_PER_S)};

  return ts;
}

/* Fires what is due at `now`, then resumes the connections it woke. The
 * counter is told `now`, not the events' own times, so that its clock
 * never runs backwards whatever order events were pushed in. */
static void fire_due(struct lsim_mockserver *srv, lsim_time now)
{
  const struct lsim_event *head;
  struct lsim_event ev;

  while ((head = lsim_eventq_peek(&srv->timers)) != NULL && head->at <= now) {
    lsim_eventq_pop(&srv->timers, &ev);
    fire(srv, &ev, now);
  }
  lsim_mock_resume_pending(srv);
}

static void *timer_main(void *arg)
{
  struct lsim_mockserver *srv = arg;
  const struct lsim_event *head;
  struct timespec until;

  pthread_mutex_lock(&srv->lock);
  while (!srv->stopping) {
    head = lsim_eventq_peek(&srv->timers);
    if (head == NULL) {
      pthread_cond_wait(&srv->timer_cond, &srv->lock);
    } else if (head->at > lsim_mock_now()) {
      until = abs_monotonic(head->at);
      pthread_cond_timedwait(&srv->timer_cond, &srv->lock, &until);
    } else {
      fire_due(srv, lsim_mock_now());
    }
  }
  pthread_mutex_unlock(&srv->lock);
  return NULL;
}

int lsim_mock_timer_start(struct lsim_mockserver *srv)
{
  const struct lsim_mock_config *c = &srv->cfg;
  int rc = 0;

  pthread_mutex_lock(&srv->lock);
  if (c->external_rate_per_s > 0)
    rc = lsim_mock_schedule(srv, lsim_mock_now(), MOCK_EV_EXTERNAL, NULL);
  pthread_mutex_unlock(&srv->lock);
  if (rc != 0 || pthread_create(&srv->timer_thread, NULL, timer_main, srv))
    return LSIM_ENOMEM;
  srv->timer_started = true;
  return 0;
}

void lsim_mock_timer_stop(struct lsim_mockserver *srv)
{
  pthread_mutex_lock(&srv->lock);
  srv->stopping = true;
  pthread_cond_signal(&srv->timer_cond);
  pthread_mutex_unlock(&srv->lock);
  if (!srv->timer_started)
    return;

  pthread_join(srv->timer_thread, NULL);
  srv->timer_started = false;
}
