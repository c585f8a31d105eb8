/*
 * calibrate.c - measuring the endpoint's release lag; see live.h.
 *
 * A probe: wait for a quiet provider, note its count (the baseline),
 * make one request, and from the moment its response ends poll the usage
 * count until it is back at the baseline. The provider read its counter
 * somewhere inside each poll; we take the middle. The fall happened
 * between the last read that still saw the session and the first that
 * did not, so the lag is taken as the middle of those two reads, minus
 * the response's end: an error of at most half a poll interval plus half
 * a poll's round trip.
 */
#include "run.h"

#include <stdio.h>
#include <string.h>

struct probe {
  int baseline;
  lsim_time ended_at;
  lsim_time last_high; /* the last read that still counted the session */
};

/* Polls until the count is back at the baseline; *lag in seconds. */
static int watch_fall(struct lsim_live_http *h, struct probe *p,
                      double poll_interval_s, double *lag, char *err,
                      size_t errlen)
{
  const struct lsim_live_config *cfg = h->cfg;
  lsim_time bound = p->ended_at + lsim_time_from_s(cfg->drain_s);
  char why[320];
  lsim_time at;
  int count;

  for (;;) {
    if (lsim_live_usage_now(h, &count, &at, why, sizeof(why)) == 0) {
      if (count <= p->baseline) {
        *lag = lsim_time_to_s((p->last_high + at) / 2 - p->ended_at);
        return 0;
      }
      p->last_high = at;
    }
    if (lsim_live_clock() >= bound)
      break;
    lsim_live_sleep(poll_interval_s);
  }
  snprintf(err, errlen,
           "the usage count did not fall back to %d within %g s of the "
           "response's end (live.drain_s)",
           p->baseline, cfg->drain_s);
  return LSIM_ESTATE;
}

static int probe_once(struct lsim_live_http *h, double poll_interval_s,
                      double *lag, char *err, size_t errlen)
{
  struct probe p;
  char why[320] = "";
  int rc;

  lsim_live_drain(h, &p.baseline, why, sizeof(why));
  if (p.baseline < 0) {
    snprintf(err, errlen, "usage unavailable: %s", why);
    return LSIM_ESTATE;
  }
  rc = lsim_live_session_now(h, &p.ended_at, err, errlen);
  if (rc != 0)
    return rc;
  p.last_high = p.ended_at;
  return watch_fall(h, &p, poll_interval_s, lag, err, errlen);
}

static int check_args(const struct lsim_live_config *cfg, int probes,
                      double poll_interval_s, char *err, size_t errlen)
{
  if (cfg->usage_mode == LSIM_LIVE_USAGE_NONE) {
    snprintf(err, errlen,
             "%s: live.usage: calibrate needs a usage source, got nothing",
             cfg->file);
    return LSIM_EINVAL;
  }
  if (probes < 1 || !(poll_interval_s > 0)) {
    snprintf(err, errlen,
             "calibrate: expected probes >= 1 and a poll "
             "interval > 0");
    return LSIM_EINVAL;
  }
  return 0;
}

int lsim_live_calibrate(const struct lsim_live_config *cfg,
                        const struct lsim_live_options *opt, int probes,
                        double poll_interval_s, double *lags, char *err,
                        size_t errlen)
{
  struct lsim_live_http http;
  char line[128];
  int rc = check_args(cfg, probes, poll_interval_s, err, errlen);

  if (rc != 0)
    return rc;
  rc = lsim_live_http_init(&http, cfg, opt->insecure, err, errlen);
  if (rc == 0)
    rc = lsim_live_preflight(&http, err, errlen);
  for (int i = 0; rc == 0 && i < probes; i++) {
    rc = probe_once(&http, poll_interval_s, &lags[i], err, errlen);
    if (rc == 0 && opt->log != NULL) {
      snprintf(line, sizeof(line), "probe %d/%d: release lag %.3f s", i + 1,
               probes, lags[i]);
      opt->log(opt->log_user, line);
    }
  }
  lsim_live_http_release(&http);
  return rc;
}
