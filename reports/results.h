/*
 * results.h - a results directory read into memory and checked against
 * the schema of docs/RESULTS.md. Internal to reports/.
 *
 * Everything a figure or table needs is checked here, before a single
 * output file is written, so that bad input never leaves a half-updated
 * report behind.
 */
#ifndef LIMSIM_REPORTS_RESULTS_H
#define LIMSIM_REPORTS_RESULTS_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Columns of one timeline row and one wait CDF row, as in the CSVs. */
enum {
  LSIM_TL_TIME,
  LSIM_TL_UPSTREAM,
  LSIM_TL_LIMIT,
  LSIM_TL_IN_USE,
  LSIM_TL_QUEUED,
  LSIM_TL_OVERSHOOTS, /* overshoot events since time 0, warm-up included */
  LSIM_TL_COLS
};
enum { LSIM_CDF_WAIT, LSIM_CDF_FRACTION, LSIM_CDF_COLS };

/* A metric over replications: mean and 95% interval. `defined` is 0 when
 * results.json gave null (nothing to measure, e.g. no session waited). */
struct lsim_stat {
  double mean, lo, hi;
  int defined;
};

/* The rows of one CSV for one (point, policy), ncols numbers a row. */
struct lsim_series {
  double *v;
  size_t nrows, cap;
};

struct lsim_results {
  cJSON *doc; /* results.json; every pointer below into it is borrowed */

  const char **policies;
  size_t npolicies;
  const char **metrics; /* in the order of the first point's first policy */
  size_t nmetrics;
  const char **sweep_keys;
  size_t nkeys;
  const char **pairs; /* "B - A" names, in the order of the first point */
  size_t npairs;
  size_t npoints;
  long replications;

  const cJSON **params;     /* [point]: the point's "params" object */
  struct lsim_stat *stats;  /* [(point * npolicies + policy) * nmetrics + m] */
  struct lsim_stat *paired; /* [(point * npairs + pair) * nmetrics + m] */

  /* Shown as found; NULL when absent. */
  const cJSON *scenario, *expect, *perf, *command_line;
  const char *version, *commit;
  double warmup_s; /* scenario.warmup_s; 0 when absent */

  struct lsim_series *timeline; /* [point * npolicies + policy] */
  struct lsim_series *cdf;      /* [point * npolicies + policy] */
};

/*
 * Reads dir/results.json, dir/timeline.csv and dir/wait_cdf.csv into r.
 * Returns 0, LSIM_REPORT_EINPUT (err names the file, the key path or line
 * and what was expected) or LSIM_REPORT_ENOMEM. On failure r holds
 * nothing to release.
 */
int lsim_results_load(struct lsim_results *r, const char *dir, char *err,
                      size_t errlen);

void lsim_results_release(struct lsim_results *r);

/* The index of metric `name`, or -1 when the results lack it. */
long lsim_results_metric(const struct lsim_results *r, const char *name);

/* Index of policy `name`, or -1. */
long lsim_results_policy(const struct lsim_results *r, const char *name);

const struct lsim_stat *lsim_results_stat(const struct lsim_results *r,
                                          size_t point, size_t policy,
                                          size_t metric);

const struct lsim_stat *lsim_results_pair(const struct lsim_results *r,
                                          size_t point, size_t pair,
                                          size_t metric);

/* The value of sweep key `key` at `point` as text: numbers with %.10g,
 * strings as they are, anything else as JSON; into buf (len bytes). */
void lsim_results_param(const struct lsim_results *r, size_t point, size_t key,
                        char *buf, size_t len);

/* The text of a point's parameters, "key = value, key = value", or
 * "no sweep" when there are none; into buf (len bytes). */
void lsim_results_point_label(const struct lsim_results *r, size_t point,
                              char *buf, size_t len);

/* The CSV half of lsim_results_load(), in results_csv.c. */
int lsim_results_load_csvs(struct lsim_results *r, const char *dir, char *err,
                           size_t errlen);

#endif
