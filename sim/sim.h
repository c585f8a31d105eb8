/*
 * sim.h - one simulated run: the real limiter core, under virtual time,
 * against the lagging upstream model of mock-provider/.
 *
 * A run is one (scenario point, replication, policy). The caller fills a
 * struct lsim_sim_config (sim/runner.c does it from a scenario file) and
 * gets the run's metrics. Everything random is drawn from streams named
 * after their source (see rng.h), and the random attributes of a piece of
 * work (its session length, release lag, start delay) are drawn when the
 * work is created, not when the limiter lets it run. So every policy of a
 * replication sees the same arrivals, sessions and lags, and the paired
 * differences between policies measure the policies, not the dice.
 */
#ifndef LIMSIM_SIM_H
#define LIMSIM_SIM_H

#include "dist.h"
#include "limsim.h"
#include "stats.h"
#include "upstream.h"

#include <stdbool.h>
#include <stdint.h>

/* The metrics of a run. Their names are an interface (results.json,
 * summary.csv, expectations): keep them. */
enum lsim_metric {
  LSIM_M_OVERSHOOT_EVENTS, /* starts that found the upstream at cap+ */
  LSIM_M_OVERSHOOT_MAX,    /* highest upstream count minus cap, >= 0 */
  LSIM_M_TIME_OVER_LIMIT,  /* seconds with the upstream above the cap */
  LSIM_M_REJECTED,         /* 429s our agents got */
  LSIM_M_COMPLETED,        /* sessions that ran to their end */
  LSIM_M_THROUGHPUT,       /* completed per second */
  LSIM_M_UPSTREAM_MEAN,    /* time-averaged upstream count */
  LSIM_M_UTILIZATION,      /* time-averaged share of our slots in use */
  LSIM_M_WAIT_MEAN,        /* seconds from asking for a slot to the grant */
  LSIM_M_WAIT_P50,
  LSIM_M_WAIT_P95,
  LSIM_M_WAIT_P99,
  LSIM_M_WAIT_MAX,
  LSIM_M_POLLS,         /* usage polls asked for */
  LSIM_M_POLL_FAILURES, /* polls answered "unavailable" */
  LSIM_METRIC_COUNT
};

extern const char *const lsim_metric_names[LSIM_METRIC_COUNT];

/* The metric named `name`, or -1. */
int lsim_metric_find(const char *name);

enum lsim_workload_kind {
  LSIM_WORKLOAD_CLOSED,  /* agents: think, ask, run, release, again */
  LSIM_WORKLOAD_POISSON, /* open: Poisson arrivals */
  LSIM_WORKLOAD_BURST,   /* open: Poisson arrivals during on periods */
  LSIM_WORKLOAD_TRACE    /* open: arrivals and sessions from a file */
};

struct lsim_trace {
  double *arrival_s; /* non-decreasing */
  double *session_s;
  size_t n;
};

/* A point of the timeline: the upstream count, the grants in use and the
 * queue length (summed over instances), and the overshoot events so far
 * (warm-up included). */
struct lsim_timeline_row {
  lsim_time t;
  int upstream, in_use, queued;
  uint64_t overshoots;
};

/* Called at the start and whenever a field of the row changes. */
typedef void (*lsim_timeline_fn)(void *user,
                                 const struct lsim_timeline_row *row);

struct lsim_sim_config {
  uint64_t seed;
  uint32_t replication;
  lsim_time duration, warmup;
  uint64_t max_events; /* a bound, so a stuck run ends */

  /* the limiter: `instances` limiters of `limit` slots each */
  const struct lsim_policy *policy;
  int limit, instances;
  lsim_time cooldown, poll_interval, start_window;
  lsim_time acquire_timeout; /* LSIM_TIME_NEVER: wait for ever */

  /* the provider */
  int cap; /* the account's cap on the upstream count */
  enum lsim_overflow overflow;
  int retry_max; /* retries after a 429 before an agent gives up */
  const struct lsim_dist *backoff, *release_lag, *start_delay;
  bool usage_enabled;
  const struct lsim_dist *usage_latency;
  double usage_failure_rate;
  double external_rate; /* other clients' sessions per second, or 0 */
  const struct lsim_dist *external_session;

  /* the workload */
  enum lsim_workload_kind kind;
  int agents;                      /* closed */
  const struct lsim_dist *think;   /* closed */
  const struct lsim_dist *session; /* all but trace */
  double rate;                     /* poisson, burst: per second */
  double on_s, off_s;              /* burst */
  const struct lsim_trace *trace;  /* trace */

  lsim_timeline_fn timeline; /* optional */
  void *timeline_user;
};

struct lsim_sim_result {
  double metric[LSIM_METRIC_COUNT];
  struct lsim_hist wait; /* this run's waits, for pooling */
  uint64_t events;
  uint64_t sessions; /* sessions started upstream, warm-up included */
  uint64_t dropped;  /* arrivals dropped: too many jobs in the system */
};

/* A run whose virtual time does not move for this many events in a row is
 * stuck (a cycle of zero-length steps) and ends with LSIM_SIM_EEVENTS long
 * before max_events would end it. */
#define LSIM_SIM_MAX_SAME_TIME UINT64_C(10000000)

enum lsim_sim_error {
  LSIM_SIM_OK = 0,
  LSIM_SIM_ENOMEM = -1,
  LSIM_SIM_EEVENTS = -2, /* max_events reached before duration, or time
                            stood still (LSIM_SIM_MAX_SAME_TIME) */
  LSIM_SIM_ECORE = -3    /* the core returned an error: a bug */
};

/*
 * Runs one simulation. *out is filled; on LSIM_SIM_EEVENTS it holds what
 * was measured until the bound. errbuf gets a one-line reason on failure.
 */
int lsim_sim_run(const struct lsim_sim_config *cfg, struct lsim_sim_result *out,
                 char *errbuf, size_t errlen);

#endif
