/*
 * stats.h - what the simulator measures, with bounded memory.
 *
 * lsim_hist: a log-bucketed histogram of non-negative values (waits in
 * seconds): fixed memory whatever the run length, relative error of a
 * percentile below 1%. lsim_summary: mean, and a 95% Student t interval
 * over replications; paired differences are summaries of differences.
 */
#ifndef LIMSIM_SIM_STATS_H
#define LIMSIM_SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The buckets split [LSIM_HIST_MIN, LSIM_HIST_MAX) seconds (1 us to about
 * 11.6 days) into LSIM_HIST_BUCKETS ranges whose bounds grow by a factor
 * g = (MAX / MIN)^(1 / BUCKETS) = 1.01358. A quantile is reported as the
 * geometric middle of its bucket, so it is within sqrt(g) - 1 = 0.68% of
 * the exact sample quantile. Values below MIN count as zeros (an error
 * below 1 us); values at or above MAX go to the last bucket, and a
 * quantile that falls there is reported as the exact maximum.
 */
#define LSIM_HIST_BUCKETS 2048
#define LSIM_HIST_MIN 1e-6
#define LSIM_HIST_MAX 1e6

struct lsim_hist {
  uint64_t count;  /* all values added */
  uint64_t zeros;  /* values below LSIM_HIST_MIN */
  double sum, max; /* exact */
  uint64_t bucket[LSIM_HIST_BUCKETS];
};

/* Empties the histogram (storage is the caller's; nothing to release). */
void lsim_hist_init(struct lsim_hist *h);

/* Counts `value` (seconds, >= 0). A negative or NaN value counts as a
 * zero: the simulator never produces one, and a histogram must not fail. */
void lsim_hist_add(struct lsim_hist *h, double value);

/* Adds every value counted in `src` to `dst`, as if added one by one. */
void lsim_hist_merge(struct lsim_hist *dst, const struct lsim_hist *src);

/* The q-quantile (0 <= q <= 1, clamped): the value of rank ceil(q * count)
 * (at least 1) in ascending order, within the error above; 0 when empty.
 * q = 1 gives the exact maximum. */
double lsim_hist_quantile(const struct lsim_hist *h, double q);

/* The exact mean of the values added; 0 when empty. */
double lsim_hist_mean(const struct lsim_hist *h);

/* Mean, sample sd (n - 1 in the denominator) and 95% Student t interval
 * (mean -+ t(0.975, n - 1) sd / sqrt(n)) of n values. With n == 1 the sd is
 * 0 and the interval is the value itself; with n == 0 every field is 0. */
struct lsim_summary {
  double mean, ci95_lo, ci95_hi, sd;
  size_t n;
};
void lsim_summarize(const double *values, size_t n, struct lsim_summary *out);

/* The summary of the paired differences a[i] - b[i], i < n (e.g. one
 * policy against another over the same replications). */
void lsim_summarize_paired(const double *a, const double *b, size_t n,
                           struct lsim_summary *out);

#endif
