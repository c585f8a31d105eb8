/*
 * usage.c - GET /v1/usage with its latency and faults, GET /v1/models
 * and GET /metrics.
 */
#include "mock_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* One uniform draw a poll, taken whether or not faults are configured, so
 * that the same seed gives the same faults at any rates. The interval
 * [0, 1) is cut into error, malformed, stall and success, in that order.
 */
static enum mock_fault draw_fault(struct lsim_mockserver *srv)
{
  const struct lsim_mock_config *c = &srv->cfg;
  double u = gsl_rng_uniform(srv->rng[MOCK_RNG_USAGE_FAULT]);

  if (u < c->usage_error_rate)
    return MOCK_FAULT_ERROR;
  u -= c->usage_error_rate;
  if (u < c->usage_malformed_rate)
    return MOCK_FAULT_MALFORMED;
  u -= c->usage_malformed_rate;
  if (u < c->usage_stall_rate)
    return MOCK_FAULT_STALL;
  return MOCK_FAULT_NONE;
}

static void count_poll(struct lsim_mockserver *srv, enum mock_fault fault)
{
  struct lsim_mock_metrics *c = &srv->counters;
  uint64_t *by_fault[] = {
      [MOCK_FAULT_NONE] = &c->usage_ok,
      [MOCK_FAULT_ERROR] = &c->usage_error,
      [MOCK_FAULT_MALFORMED] = &c->usage_malformed,
      [MOCK_FAULT_STALL] = &c->usage_stalled,
  };

  (*by_fault[fault])++;
}

/* The poll waits out the latency (or the stall) suspended; the timer
 * reads the counter when it wakes it. Under the lock. */
static int plan_poll(struct lsim_mockserver *srv, struct mock_req *req)
{
  const struct lsim_mock_config *c = &srv->cfg;
  lsim_time delay;

  req->fault = draw_fault(srv);
  delay = req->fault == MOCK_FAULT_STALL
              ? lsim_time_from_s(c->usage_stall_s)
              : lsim_mock_draw(srv, MOCK_RNG_USAGE_LATENCY, &c->usage_latency);
  if (lsim_mock_suspend_until(srv, req, lsim_mock_now() + delay,
                              MOCK_EV_WAKE) != 0)
    return LSIM_ENOMEM;

  count_poll(srv, req->fault);
  req->phase = MOCK_USAGE_WAIT;
  return 0;
}

static enum MHD_Result answer_poll(struct mock_req *req, int limit)
{
  char body[128];

  switch (req->fault) {
  case MOCK_FAULT_NONE:
    snprintf(body, sizeof(body), "{\"concurrent_sessions\": %d, \"limit\": %d}",
             req->usage_count, limit);
    return lsim_mock_reply(req->conn, MHD_HTTP_OK, "application/json", body,
                           -1);
  case MOCK_FAULT_MALFORMED:
    /* Cut off mid-object, as a proxy that dropped the connection would. */
    snprintf(body, sizeof(body), "{\"concurrent_sessions\": %d, \"lim",
             req->usage_count);
    return lsim_mock_reply(req->conn, MHD_HTTP_OK, "application/json", body,
                           -1);
  default:
    return lsim_mock_reply_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                 "usage is unavailable", "server_error",
                                 "usage_unavailable", -1);
  }
}

/* Called first with the request new, then again once the timer resumed
 * it with the counter read (or the server stopping). */
enum MHD_Result lsim_mock_serve_usage(struct lsim_mockserver *srv,
                                      struct mock_req *req)
{
  bool enabled = srv->cfg.usage_enabled;
  enum mock_phase phase;
  bool stopping;
  int rc = 0;

  pthread_mutex_lock(&srv->lock);
  phase = req->phase;
  stopping = srv->stopping;
  if (phase == MOCK_NEW && enabled && !stopping)
    rc = plan_poll(srv, req);
  else if (phase == MOCK_USAGE_DUE)
    req->phase = MOCK_ANSWERED;
  pthread_mutex_unlock(&srv->lock);

  if (phase == MOCK_NEW && !enabled)
    return lsim_mock_reply_error(req->conn, MHD_HTTP_NOT_FOUND,
                                 "this provider has no usage endpoint",
                                 "invalid_request_error", "not_found", -1);
  if (phase == MOCK_NEW && !stopping && rc == 0)
    return MHD_YES; /* suspended until the latency has passed */
  if (phase != MOCK_USAGE_DUE)
    return lsim_mock_reply_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                 stopping ? "the server is stopping"
                                          : "out of memory",
                                 "server_error", "unavailable", -1);
  return answer_poll(req, srv->cfg.limit);
}

enum MHD_Result lsim_mock_serve_models(struct lsim_mockserver *srv,
                                       struct mock_req *req)
{
  static const char body[] =
      "{\"object\": \"list\", \"data\": [{\"id\": \"" LSIM_MOCK_MODEL
      "\", \"object\": \"model\", \"created\": 0, \"owned_by\": \"limsim\"}]}";

  req->phase = MOCK_ANSWERED;
  return lsim_mock_reply(req->conn, MHD_HTTP_OK, "application/json", body, -1);
}

enum MHD_Result lsim_mock_serve_metrics(struct lsim_mockserver *srv,
                                        struct mock_req *req)
{
  struct lsim_mock_metrics m;
  enum MHD_Result rc;
  char *text;

  pthread_mutex_lock(&srv->lock);
  lsim_mock_metrics_fill(srv, &m);
  pthread_mutex_unlock(&srv->lock);

  text = lsim_mock_metrics_text(&m);
  if (text == NULL)
    return MHD_NO;
  req->phase = MOCK_ANSWERED;
  rc = lsim_mock_reply(req->conn, MHD_HTTP_OK,
                       "text/plain; version=0.0.4; charset=utf-8", text, -1);
  free(text);
  return rc;
}
