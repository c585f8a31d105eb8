/*
 * scenario.h - scenario files: what a simulation runs, read from JSON.
 *
 * A scenario file describes one experiment: the limiter's settings, the
 * provider's behaviour (its release lag, its usage endpoint), the workload,
 * how many replications to run and, optionally, a sweep over some of those
 * settings. docs/SCENARIO.md is the reference of every key.
 *
 * Loading is all or nothing. lsim_scenario_load() reads the file, applies
 * the command line's --set overrides, checks every key of every sweep
 * point, reads the CSV files the scenario names, and only then hands back
 * a set of ready-to-run points. A mistake anywhere is one line naming the
 * file, the key path and what was expected:
 *
 *   scenarios/x.json: limiter.limit: expected an integer >= 1, got 0
 *
 * Nothing here prints, exits or keeps global state.
 */
#ifndef LIMSIM_SIM_SCENARIO_H
#define LIMSIM_SIM_SCENARIO_H

#include "dist.h"
#include "limsim.h"
#include "sim.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds a scenario file may not exceed. */
#define LSIM_SCENARIO_MAX_REPLICATIONS 10000
#define LSIM_SCENARIO_MAX_POINTS 10000 /* sweep points, all keys together */

/* One entry of limiter.policies. */
struct lsim_scenario_policy {
  char *name;        /* as written in the file: the name reports show */
  char *plugin_path; /* a ".so" entry resolved against the scenario's
                        directory; NULL for a built-in policy */
};

struct lsim_scenario_limiter {
  int limit;
  double cooldown_s;
  double poll_interval_s;
  double start_window_s;
  double acquire_timeout_s; /* 0: wait for ever */
  struct lsim_scenario_policy *policies;
  size_t npolicies; /* at least 1 */
  int instances;    /* limiters sharing one account, `limit` slots each */
};

struct lsim_scenario_provider {
  struct lsim_dist release_lag;
  struct lsim_dist start_delay;
  enum lsim_overflow overflow;

  int retry_max_attempts; /* retries after a 429 before giving up */
  struct lsim_dist retry_backoff;

  bool usage_enabled;
  struct lsim_dist usage_latency;
  double usage_failure_rate; /* 0..1 */

  double external_rate_per_s;        /* other clients of the account; 0: none */
  struct lsim_dist external_session; /* meaningful when the rate is > 0 */
};

struct lsim_scenario_workload {
  enum lsim_workload_kind kind;
  int agents;               /* closed */
  struct lsim_dist think;   /* closed */
  struct lsim_dist session; /* closed, poisson, burst */
  double rate_per_s;        /* poisson; burst, during on periods */
  double on_s, off_s;       /* burst */
  char *file;               /* trace: resolved path of the CSV */
  struct lsim_trace trace;  /* trace: its rows, at least one */
};

/*
 * Every setting of one scenario point, defaults filled in. Plain data that
 * owns all its memory (strings, dist samples, trace rows, the cJSON
 * copies); free it with lsim_scenario_free().
 */
struct lsim_scenario {
  char *name;
  char *description; /* "" when absent */
  uint64_t seed;
  int replications;
  double duration_s;
  double warmup_s;
  uint64_t max_events;

  struct lsim_scenario_limiter limiter;
  struct lsim_scenario_provider provider;
  struct lsim_scenario_workload workload;

  /* Deep copies of the "expect" and "live" objects, or NULL when absent.
   * Only their being objects is checked here; their owners check the
   * rest. */
  cJSON *expect;
  cJSON *live;
};

/* One point of the sweep: the swept keys' values and the scenario they
 * make. */
struct lsim_scenario_point {
  cJSON *params; /* object: sweep key -> value, in sweep order; {} when
                    there is no sweep */
  struct lsim_scenario *scenario;
};

/* A loaded scenario file: what was run and the points to run. */
struct lsim_scenario_set {
  char *path;        /* the file, as given to lsim_scenario_load() */
  cJSON *as_run;     /* the file's tree with the --set overrides applied */
  char **sweep_keys; /* key paths, in file order (the outermost first) */
  size_t nsweep_keys;
  struct lsim_scenario_point *points; /* the cartesian product of the
                                          sweep values, the last key
                                          varying fastest; one point when
                                          there is no sweep */
  size_t npoints;
};

/*
 * Loads the scenario file at `path`.
 *
 * `sets` holds nsets overrides "KEY.PATH=VALUE" (--set on the command
 * line), applied in order before anything is checked. VALUE is taken as
 * JSON when it parses as JSON and as a string otherwise. A --set on a key
 * that the sweep varies takes that key out of the sweep. "sweep.KEY=[...]"
 * adds or replaces a sweep key.
 *
 * Relative paths in the file (trace and empirical CSVs, ".so" policies)
 * are resolved against the directory of `path`.
 *
 * On success returns 0 and sets *out, which the caller frees with
 * lsim_scenario_set_free(). On failure returns a negative enum lsim_error,
 * leaves *out alone and writes one NUL-terminated line to err (errlen
 * bytes; err may be NULL):
 *
 *   LSIM_EINVAL  the file cannot be read, is empty, is not JSON
 *                ("FILE:LINE:COL: syntax error"), or a key is unknown,
 *                missing, of the wrong type or out of range, for the file
 *                itself, a --set or any sweep point, or the sweep makes
 *                points with different limiter.policies or replications
 *   LSIM_ENOMEM  an allocation failed ("FILE: out of memory")
 *
 * Nothing is left allocated on failure.
 */
int lsim_scenario_load(const char *path, const char *const *sets, size_t nsets,
                       struct lsim_scenario_set **out, char *err,
                       size_t errlen);

/*
 * As lsim_scenario_load(), but the file's content is `text` (len bytes,
 * need not be NUL-terminated). `path` names the file in messages and is
 * where relative paths are resolved from; it is not opened. For fuzzing
 * and for tests.
 */
int lsim_scenario_load_text(const char *text, size_t len, const char *path,
                            const char *const *sets, size_t nsets,
                            struct lsim_scenario_set **out, char *err,
                            size_t errlen);

/* Frees a set and everything in it. NULL is fine. */
void lsim_scenario_set_free(struct lsim_scenario_set *set);

/* Frees a scenario and everything it owns. NULL is fine. */
void lsim_scenario_free(struct lsim_scenario *sc);

/*
 * The scenario as run (set->as_run) as indented JSON, for results.json.
 * Returns a string the caller frees with cJSON_free(), or NULL when out of
 * memory.
 */
char *lsim_scenario_set_json(const struct lsim_scenario_set *set);

#endif
