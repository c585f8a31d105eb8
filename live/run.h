/*
 * run.h - one policy of a live run, and the blocking requests between
 * runs (internal to live/).
 */
#ifndef LIMSIM_LIVE_RUN_H
#define LIMSIM_LIVE_RUN_H

#include "http.h"
#include "live.h"

/* Open workloads keep at most this many jobs in the system; arrivals
 * beyond it are dropped and counted, as in the simulator. */
#define LSIM_LIVE_MAX_OPEN_JOBS 4096

/* What one policy's run needs, borrowed for its length. */
struct lsim_live_policy_run {
  const struct lsim_scenario *sc;
  const struct lsim_live_config *cfg;
  const struct lsim_live_options *opt;
  struct lsim_live_http *http;
  const struct lsim_policy *policy;
  const char *policy_name;
  double duration_s;
  int agents; /* closed workloads */
};

/* What it measured beyond the cell (metrics, waits, timeline). */
struct lsim_live_policy_stats {
  uint64_t sessions; /* requests made, warm-up included */
  uint64_t dropped;  /* open arrivals dropped */
  uint64_t steps;    /* turns of the event loop */
};

/*
 * Runs `run->policy` for run->duration_s of real time and fills
 * cell->values[0..LSIM_METRIC_COUNT), cell->wait and cell->timeline, and
 * adds to *report and *stats. Transfers still running at the end are
 * aborted (they count as neither completed nor failed). Returns 0,
 * LSIM_ENOMEM, or LSIM_ESTATE (libcurl's multi handle or the core failed)
 * with one line in err.
 */
int lsim_live_run_policy(const struct lsim_live_policy_run *run,
                         struct lsim_cell *cell,
                         struct lsim_live_report *report,
                         struct lsim_live_policy_stats *stats, char *err,
                         size_t errlen);

/*
 * One usage request, waited for: *count and *read_at (the middle of the
 * request, when the provider most likely read its counter). Returns 0,
 * LSIM_EINVAL (the answer was unusable: reason in err) or LSIM_ESTATE.
 */
int lsim_live_usage_now(struct lsim_live_http *h, int *count,
                        lsim_time *read_at, char *err, size_t errlen);

/*
 * One session request, waited for; *ended_at is when its response ended.
 * Returns 0 for a 2xx answer, or LSIM_ESTATE with one line in err.
 */
int lsim_live_session_now(struct lsim_live_http *h, lsim_time *ended_at,
                          char *err, size_t errlen);

/*
 * One usage request, to fail early when the endpoint cannot be reached at
 * all (nothing listens, the name does not resolve, TLS does not verify);
 * any other answer, even an unusable one, passes. Returns 0 or
 * LSIM_ESTATE with curl's one line in err. Without a usage source: 0.
 */
int lsim_live_preflight(struct lsim_live_http *h, char *err, size_t errlen);

/*
 * Waits, at most cfg->drain_s, for the upstream count to reach 0, so that
 * what comes next does not inherit earlier sessions. Without a usage
 * source there is nothing to look at and it waits drain_s. *count is the
 * last count seen (-1: none, the reason in why). Returns the seconds
 * waited.
 */
double lsim_live_drain(struct lsim_live_http *h, int *count, char *why,
                       size_t whylen);

/* One line to opt->log, when there is one (printf-style). Shared by the
 * policy runs and the loop over them. */
void lsim_live_log(const struct lsim_live_options *opt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
