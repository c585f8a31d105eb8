/* config.c - the mock server's settings and where they come from. */
#include "mock_internal.h"

#include "scenario.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The longest wait a setting may ask for: a day, far inside lsim_time. */
#define MOCK_SECONDS_MAX 86400.0

/* The longest Retry-After taken from a scenario: a heavy-tailed lag may
 * have an infinite mean. */
#define MOCK_RETRY_AFTER_MAX 3600

static struct lsim_dist constant_dist(double value)
{
  struct lsim_dist d = {.kind = LSIM_DIST_CONSTANT, .a = value};

  return d;
}

void lsim_mock_config_init(struct lsim_mock_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->bind_addr = "127.0.0.1";
  cfg->port = 8080;

  cfg->limit = 4;
  cfg->overflow = LSIM_OVERFLOW_REJECT;
  cfg->session = constant_dist(1.0);
  cfg->release_lag = constant_dist(2.0);
  cfg->start_delay = constant_dist(0.0);
  cfg->usage_latency = constant_dist(0.0);
  cfg->usage_enabled = true;
  cfg->usage_stall_s = 30.0;
  cfg->external_session = constant_dist(1.0);

  cfg->seed = 1;
  cfg->stream_interval_s = 0.25;
  cfg->retry_after_s = 1;
  cfg->max_connections = 10000;
}

/* A trace has no session distribution: its rows' lengths become an
 * empirical one, borrowed from the trace. */
static struct lsim_dist trace_sessions(const struct lsim_trace *trace)
{
  struct lsim_dist d = {.kind = LSIM_DIST_EMPIRICAL,
                        .samples = trace->session_s,
                        .nsamples = trace->n};

  return d;
}

static int retry_after_from_lag(const struct lsim_dist *lag)
{
  double mean = lsim_dist_mean(lag);

  if (!(mean < MOCK_RETRY_AFTER_MAX))
    return MOCK_RETRY_AFTER_MAX;
  return mean < 1 ? 1 : (int)ceil(mean);
}

int lsim_mock_config_from_scenario(const struct lsim_scenario *sc,
                                   struct lsim_mock_config *cfg)
{
  const struct lsim_scenario_provider *p = &sc->provider;

  cfg->limit = sc->limiter.limit;
  cfg->overflow = p->overflow;
  cfg->release_lag = p->release_lag;
  cfg->start_delay = p->start_delay;
  cfg->usage_enabled = p->usage_enabled;
  cfg->usage_latency = p->usage_latency;
  cfg->external_rate_per_s = p->external_rate_per_s;
  cfg->external_session = p->external_session;
  cfg->seed = sc->seed;

  if (sc->workload.kind == LSIM_WORKLOAD_TRACE)
    cfg->session = trace_sessions(&sc->workload.trace);
  else
    cfg->session = sc->workload.session;

  /* One rate in the file, three kinds of failure: an even split keeps
   * each kind in play without a key the simulator would not read. */
  cfg->usage_error_rate = p->usage_failure_rate / 3;
  cfg->usage_malformed_rate = p->usage_failure_rate / 3;
  cfg->usage_stall_rate = p->usage_failure_rate / 3;
  cfg->retry_after_s = retry_after_from_lag(&p->release_lag);
  return 0;
}

/* ---- checks ---- */

/* "FIELD: expected WHAT, got GOT", as every bad setting is reported. */
static int bad(char *err, size_t errlen, const char *field, const char *what,
               double got)
{
  if (err != NULL)
    snprintf(err, errlen, "%s: expected %s, got %g", field, what, got);
  return LSIM_EINVAL;
}

static int check_rate(const char *field, double rate, char *err, size_t errlen)
{
  if (rate >= 0 && rate <= 1)
    return 0;
  return bad(err, errlen, field, "a number from 0 to 1", rate);
}

static int check_seconds(const char *field, double value, char *err,
                         size_t errlen)
{
  if (value > 0 && value <= MOCK_SECONDS_MAX)
    return 0;
  return bad(err, errlen, field, "a number > 0 and <= 86400", value);
}

static int check_dist(const char *field, const struct lsim_dist *d, char *err,
                      size_t errlen)
{
  struct lsim_dist copy = *d;
  char why[160];

  if (lsim_dist_prepare(&copy, why, sizeof(why)) == 0)
    return 0;
  if (err != NULL)
    snprintf(err, errlen, "%s.%s", field, why);
  return LSIM_EINVAL;
}

static int check_faults(const struct lsim_mock_config *cfg, char *err,
                        size_t errlen)
{
  double sum =
      cfg->usage_error_rate + cfg->usage_malformed_rate + cfg->usage_stall_rate;
  int rc = check_rate("usage_error_rate", cfg->usage_error_rate, err, errlen);

  if (rc == 0)
    rc = check_rate("usage_malformed_rate", cfg->usage_malformed_rate, err,
                    errlen);
  if (rc == 0)
    rc = check_rate("usage_stall_rate", cfg->usage_stall_rate, err, errlen);
  if (rc == 0 && sum > 1 + 1e-9)
    rc = bad(err, errlen, "usage fault rates", "a sum <= 1", sum);
  if (rc == 0)
    rc = check_seconds("usage_stall_s", cfg->usage_stall_s, err, errlen);
  return rc;
}

static int check_dists(const struct lsim_mock_config *cfg, char *err,
                       size_t errlen)
{
  int rc = check_dist("session", &cfg->session, err, errlen);

  if (rc == 0)
    rc = check_dist("release_lag", &cfg->release_lag, err, errlen);
  if (rc == 0)
    rc = check_dist("start_delay", &cfg->start_delay, err, errlen);
  if (rc == 0)
    rc = check_dist("usage_latency", &cfg->usage_latency, err, errlen);
  if (rc == 0 && cfg->external_rate_per_s > 0)
    rc = check_dist("external_session", &cfg->external_session, err, errlen);
  return rc;
}

static int check_scalars(const struct lsim_mock_config *cfg, char *err,
                         size_t errlen)
{
  if (cfg->limit < 1)
    return bad(err, errlen, "limit", "an integer >= 1", cfg->limit);
  if (cfg->retry_after_s < 0)
    return bad(err, errlen, "retry_after_s", "an integer >= 0",
               cfg->retry_after_s);
  if (cfg->max_connections < 1)
    return bad(err, errlen, "max_connections", "an integer >= 1",
               cfg->max_connections);
  if (!(cfg->external_rate_per_s >= 0 && isfinite(cfg->external_rate_per_s)))
    return bad(err, errlen, "external_rate_per_s", "a number >= 0",
               cfg->external_rate_per_s);
  return check_seconds("stream_interval_s", cfg->stream_interval_s, err,
                       errlen);
}

int lsim_mock_config_check(const struct lsim_mock_config *cfg, char *err,
                           size_t errlen)
{
  int rc = check_scalars(cfg, err, errlen);

  if (rc == 0)
    rc = check_faults(cfg, err, errlen);
  if (rc == 0)
    rc = check_dists(cfg, err, errlen);
  return rc;
}
