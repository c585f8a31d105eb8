/*
 * expect.h - expectations: what a scenario claims about its own results,
 * and the verdicts of checking those claims after a run.
 *
 * A scenario file may carry an "expect" object (docs/CHECK.md is the
 * reference):
 *
 *   "expect": {
 *     "finding": "cooldown alone overshoots once the lag outlasts it",
 *     "checks": [
 *       {"policy": "headroom", "metric": "overshoot_events",
 *        "mean": {"max": 0}},
 *       {"paired": "headroom - cooldown", "metric": "overshoot_events",
 *        "ci95_hi": {"max": 0}, "finding": "headroom overshoots less"},
 *       {"policy": "cooldown", "metric": "overshoot_events",
 *        "mean": {"min": 1},
 *        "points": {"provider.release_lag.mean": [4, 8]}}
 *     ]
 *   }
 *
 * A check names one policy ("policy") or the paired difference of two
 * ("paired": "B - A", replication by replication, either order), one
 * metric, and bounds {"min": x, "max": y} (either or both, inclusive) on
 * any of the metric's mean, ci95_lo and ci95_hi. So "B - A is below 0
 * with 95% confidence" is "ci95_hi": {"max": 0}, strictly below being
 * what a bound at 0 cannot say, and "the interval covers 0.51" is
 * "ci95_lo": {"max": 0.51}, "ci95_hi": {"min": 0.51}. A check applies to
 * every sweep point, or with "points" to those whose swept values match
 * (a value, or an array of values any of which matches).
 *
 * Each (check, point) gives one verdict: pass when every bound holds.
 * Nothing here prints to a stream of its own or exits; the writers take
 * the FILE the caller chose.
 */
#ifndef LIMSIM_SIM_EXPECT_H
#define LIMSIM_SIM_EXPECT_H

#include "runner.h"
#include "scenario.h"
#include "stats.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What of a metric's summary a bound applies to. */
enum lsim_expect_stat {
  LSIM_EXPECT_MEAN,
  LSIM_EXPECT_CI95_LO,
  LSIM_EXPECT_CI95_HI,
  LSIM_EXPECT_STAT_COUNT
};

/* "mean", "ci95_lo", "ci95_hi": the keys of a check and of results.json. */
extern const char *const lsim_expect_stat_names[LSIM_EXPECT_STAT_COUNT];

struct lsim_expect_bound {
  bool has_min, has_max; /* both false: no bound on this stat */
  double min, max;       /* inclusive */
};

struct lsim_expect_check {
  char *subject;  /* "headroom", or "headroom - cooldown" as written */
  int policy;     /* the policy's index; -1 for a paired check */
  int minuend;    /* paired: B of "B - A" (a policy index) */
  int subtrahend; /* paired: A */
  int metric;     /* enum lsim_metric */
  struct lsim_expect_bound bound[LSIM_EXPECT_STAT_COUNT];
  bool *applies; /* [npoints]: the points the check applies to, >= 1 */
  char *finding; /* NULL when the check has none */
};

/* A scenario set's expectations, checked. Owns all its memory. */
struct lsim_expect {
  char *finding; /* the scenario's one-line finding; NULL when absent */
  struct lsim_expect_check *checks;
  size_t nchecks; /* >= 1 */
  size_t npoints; /* of the set it was parsed against */
};

/*
 * Reads and checks the "expect" object of `set` (every sweep point has
 * the same one: a sweep may not vary a key under expect) against the
 * set's policies, metrics and sweep values.
 *
 * Returns 0 and sets *out (free with lsim_expect_free()), or NULL when
 * the scenario has no "expect". On failure returns LSIM_ENOMEM or
 * LSIM_EINVAL, leaves *out NULL and writes one line to err (errlen bytes,
 * may be NULL) naming the file and the key path, e.g.
 *   "scenarios/x.json: expect.checks[2].metric: expected a metric name,
 *    got \"overshot\""
 */
int lsim_expect_parse(const struct lsim_scenario_set *set,
                      struct lsim_expect **out, char *err, size_t errlen);

/*
 * As lsim_expect_parse(), for a run whose policies were narrowed on the
 * command line (--policy): with skip_absent, a check whose policy (or
 * either side of whose difference) is not run is left out rather than
 * refused, and a set left with no check is treated as having none.
 */
int lsim_expect_parse_run(const struct lsim_scenario_set *set, bool skip_absent,
                          struct lsim_expect **out, char *err, size_t errlen);

/* Frees `ex` and everything in it. NULL is fine. */
void lsim_expect_free(struct lsim_expect *ex);

/* One (check, point): what was measured and whether every bound held. */
struct lsim_expect_verdict {
  size_t check, point;
  bool pass;
  struct lsim_summary measured; /* the metric's, or of the paired
                                   differences B - A as the check names
                                   them */
};

struct lsim_expect_verdicts {
  struct lsim_expect_verdict *v; /* check by check, each point in order */
  size_t n, failed;
};

/*
 * Evaluates every check of `ex` on `res`, which must come from the set
 * `ex` was parsed against. Fills *out (release with
 * lsim_expect_verdicts_release(), also after a failure). Returns 0,
 * LSIM_ENOMEM, or LSIM_EINVAL when res has another number of points or
 * fewer policies than the checks name.
 */
int lsim_expect_evaluate(const struct lsim_expect *ex,
                         const struct lsim_results *res,
                         struct lsim_expect_verdicts *out);

/* Frees the verdicts and zeroes *v. */
void lsim_expect_verdicts_release(struct lsim_expect_verdicts *v);

/*
 * One verdict as a line without newline, into buf (len bytes, cut to
 * fit), e.g.
 *   "FAIL cooldown overshoot_events 1937 [1915, 1959]: want mean <= 0
 *    (provider.release_lag.mean=4)"
 * The point's swept values end the line when the set has a sweep.
 */
void lsim_expect_verdict_format(const struct lsim_expect *ex,
                                const struct lsim_scenario_set *set,
                                const struct lsim_expect_verdict *v, char *buf,
                                size_t len);

/*
 * The verdicts as the "expect" array of results.json: per verdict the
 * check's index, the point and its params, the subject and metric, the
 * bounds, what was measured, pass and the text of lsim_expect_verdict_format().
 * NULL when out of memory. The caller frees it with cJSON_Delete().
 */
cJSON *lsim_expect_verdicts_json(const struct lsim_expect *ex,
                                 const struct lsim_scenario_set *set,
                                 const struct lsim_expect_verdicts *v);

/*
 * For `limsim run`: evaluates `ex` on `res` and sets *out to the "expect"
 * array of results.json (free with cJSON_Delete()), and *failed (may be
 * NULL) to the number of failed verdicts. With ex NULL (no expectations)
 * *out is NULL and *failed 0. Returns 0, LSIM_ENOMEM, or LSIM_EINVAL as
 * lsim_expect_evaluate() does; *out is NULL on failure.
 */
int lsim_expect_results_json(const struct lsim_expect *ex,
                             const struct lsim_scenario_set *set,
                             const struct lsim_results *res, cJSON **out,
                             size_t *failed);

/* One scenario of a check, for the JUnit report. */
struct lsim_expect_suite {
  const char *name; /* the testsuite's name (the file's base name) */
  const char *file; /* the scenario file */
  const struct lsim_scenario_set *set;
  const struct lsim_expect *ex; /* NULL: no expectations (skipped) */
  const struct lsim_expect_verdicts *verdicts; /* NULL with ex NULL, or when the
                                           run failed */
  const char *error;                           /* the run's failure, or NULL */
  double wall_s;
};

/*
 * Writes a JUnit XML report to f: a testsuite per scenario, a testcase per
 * verdict with a <failure> when it failed, an <error> testcase for a run
 * that failed, a <skipped> one for a scenario without expectations. Text
 * is XML-escaped; bytes that are not valid UTF-8 or not allowed in XML
 * become '?'. Returns 0, or -1 when writing failed (ferror(f)).
 */
int lsim_expect_junit_write(FILE *f, const struct lsim_expect_suite *suites,
                            size_t n);

#endif
