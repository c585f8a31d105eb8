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

#define LSIM_HIST_BUCKETS 2048

struct lsim_hist {
  uint64_t count;
  uint64_t zeros;     /* values below the smallest bucket */
  double sum, max;
  uint32_t bucket[LSIM_HIST_BUCKETS];
};

void lsim_hist_init(struct lsim_hist *h);
void lsim_hist_add(struct lsim_hist *h, double value);
/* The q-quantile (0 <= q <= 1); 0 when empty. */
double lsim_hist_quantile(const struct lsim_hist *h, double q);
double lsim_hist_mean(const struct lsim_hist *h);

/* Mean and 95% interval of n values (n >= 1; with n == 1 the interval is
 * the value itself). */
struct lsim_summary {
  double mean, ci95_lo, ci95_hi, sd;
  size_t n;
};
void lsim_summarize(const double *values, size_t n, struct lsim_summary *out);

#endif
