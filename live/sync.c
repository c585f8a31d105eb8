/*
 * sync.c - single requests, waited for: the drain between policies and
 * calibrate's probes; see run.h.
 *
 * They run on the same multi handle as the policies, so the connections
 * they open are the ones the next run reuses.
 */
#include "run.h"

#include <stdio.h>
#include <string.h>

/* How often the drain looks at the upstream count. */
#define DRAIN_POLL_S 0.05

struct waited {
  struct lsim_live_xfer *x;
  CURLcode code;
  bool done;
  lsim_time done_at;
};

static void on_done(void *user, struct lsim_live_xfer *x, CURLcode code)
{
  struct waited *w = user;

  if (x != w->x)
    return;
  w->code = code;
  w->done = true;
  w->done_at = lsim_live_clock();
}

/* Runs the multi handle until w->x is done. curl's own timeouts bound the
 * wait. */
static int wait_done(struct lsim_live_http *h, struct waited *w, char *err,
                     size_t errlen)
{
  while (!w->done) {
    if (lsim_live_http_pump(h, on_done, w) != 0 ||
        (!w->done && lsim_live_http_wait(h, 100) != 0)) {
      snprintf(err, errlen, "libcurl's multi handle failed");
      return LSIM_ESTATE;
    }
  }
  return 0;
}

int lsim_live_usage_now(struct lsim_live_http *h, int *count,
                        lsim_time *read_at, char *err, size_t errlen)
{
  struct waited w = {0};
  lsim_time started = lsim_live_clock();
  int rc = lsim_live_xfer_usage(h, NULL, started, &w.x, err, errlen);

  if (rc == 0)
    rc = wait_done(h, &w, err, errlen);
  if (rc == 0)
    rc = lsim_live_xfer_usage_count(w.x, w.code, count, err, errlen);
  if (rc == 0)
    *read_at = started + (w.done_at - started) / 2;
  lsim_live_xfer_free(w.x);
  return rc;
}

int lsim_live_session_now(struct lsim_live_http *h, lsim_time *ended_at,
                          char *err, size_t errlen)
{
  struct waited w = {0};
  struct lsim_live_outcome o;
  int rc =
      lsim_live_xfer_session(h, NULL, lsim_live_clock(), &w.x, err, errlen);

  if (rc == 0)
    rc = wait_done(h, &w, err, errlen);
  if (rc == 0) {
    lsim_live_xfer_outcome(w.x, w.code, &o);
    *ended_at = w.done_at;
    if (o.msg[0] != '\0') {
      snprintf(err, errlen, "%s", o.msg);
      rc = LSIM_ESTATE;
    }
  }
  lsim_live_xfer_free(w.x);
  return rc;
}

double lsim_live_drain(struct lsim_live_http *h, int *count, char *why,
                       size_t whylen)
{
  const struct lsim_live_config *cfg = h->cfg;
  lsim_time start = lsim_live_clock();
  lsim_time bound = start + lsim_time_from_s(cfg->drain_s);
  lsim_time at;

  *count = -1;
  if (cfg->usage_mode == LSIM_LIVE_USAGE_NONE) {
    lsim_live_sleep(cfg->drain_s);
    return cfg->drain_s;
  }
  for (;;) {
    if (lsim_live_usage_now(h, count, &at, why, whylen) != 0)
      *count = -1;
    if (*count == 0 || lsim_live_clock() >= bound)
      break;
    lsim_live_sleep(DRAIN_POLL_S);
  }
  return lsim_time_to_s(lsim_live_clock() - start);
}

/* Failures that waiting will not cure: nothing listens, the name does
 * not resolve, TLS does not verify. */
static bool unreachable(CURLcode code)
{
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_COULDNT_RESOLVE_PROXY ||
         code == CURLE_PEER_FAILED_VERIFICATION ||
         code == CURLE_SSL_CONNECT_ERROR || code == CURLE_UNSUPPORTED_PROTOCOL;
}

int lsim_live_preflight(struct lsim_live_http *h, char *err, size_t errlen)
{
  struct waited w = {0};
  struct lsim_live_outcome o;
  int rc;

  if (h->cfg->usage_mode == LSIM_LIVE_USAGE_NONE)
    return 0;
  rc = lsim_live_xfer_usage(h, NULL, lsim_live_clock(), &w.x, err, errlen);
  if (rc == 0)
    rc = wait_done(h, &w, err, errlen);
  if (rc == 0) {
    lsim_live_xfer_outcome(w.x, w.code, &o);
    if (unreachable(o.code)) {
      snprintf(err, errlen, "%s", o.msg);
      rc = LSIM_ESTATE;
    }
  }
  lsim_live_xfer_free(w.x);
  return rc;
}
