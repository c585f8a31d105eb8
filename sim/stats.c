/*
 * stats.c - histograms and replication summaries; see stats.h.
 *
 * The histogram trades a fixed 16 KB for exact quantiles: a run of any
 * length costs the same memory, and merging replications is a sum.
 */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

/* ln(g): the log of the factor between bucket bounds. */
static double hist_log_growth(void)
{
  return log(LSIM_HIST_MAX / LSIM_HIST_MIN) / LSIM_HIST_BUCKETS;
}

/* The bucket of value (>= LSIM_HIST_MIN); values past the top clamp. */
static size_t hist_bucket_of(double value)
{
  double index = log(value / LSIM_HIST_MIN) / hist_log_growth();

  if (index >= LSIM_HIST_BUCKETS - 1)
    return LSIM_HIST_BUCKETS - 1;
  return index > 0 ? (size_t)index : 0;
}

/* The geometric middle of bucket i. */
static double hist_bucket_middle(size_t i)
{
  return LSIM_HIST_MIN * exp(((double)i + 0.5) * hist_log_growth());
}

void lsim_hist_init(struct lsim_hist *h)
{
  memset(h, 0, sizeof *h);
}

void lsim_hist_add(struct lsim_hist *h, double value)
{
  h->count++;
  if (!(value >= LSIM_HIST_MIN)) { /* NaN lands here too */
    h->zeros++;
    if (value > 0)
      h->sum += value;
    return;
  }

  h->bucket[hist_bucket_of(value)]++;
  h->sum += value;
  if (value > h->max)
    h->max = value;
}

void lsim_hist_merge(struct lsim_hist *dst, const struct lsim_hist *src)
{
  dst->count += src->count;
  dst->zeros += src->zeros;
  dst->sum += src->sum;
  if (src->max > dst->max)
    dst->max = src->max;

  for (size_t i = 0; i < LSIM_HIST_BUCKETS; i++)
    dst->bucket[i] += src->bucket[i];
}

/* The 1-based rank of the q-quantile among count values. */
static uint64_t hist_rank(uint64_t count, double q)
{
  double rank = ceil(fmin(fmax(q, 0.0), 1.0) * (double)count);

  if (rank < 1)
    return 1;
  return rank > (double)count ? count : (uint64_t)rank;
}

double lsim_hist_quantile(const struct lsim_hist *h, double q)
{
  uint64_t rank, seen;

  if (h->count == 0)
    return 0;
  rank = hist_rank(h->count, q);
  if (rank <= h->zeros)
    return 0;

  seen = h->zeros;
  for (size_t i = 0; i < LSIM_HIST_BUCKETS - 1; i++) {
    seen += h->bucket[i];
    if (seen >= rank)
      return fmin(hist_bucket_middle(i), h->max);
  }
  return h->max; /* the last bucket holds clamped values: only max is sure */
}

double lsim_hist_mean(const struct lsim_hist *h)
{
  return h->count > 0 ? h->sum / (double)h->count : 0;
}

/* ---------------------------------------------------------------- */
/* Summaries over replications                                      */
/* ---------------------------------------------------------------- */

/* values[i] - (minus ? minus[i] : 0): one code path for plain and paired
 * summaries, without a temporary array. */
static double stats_value(const double *values, const double *minus, size_t i)
{
  return minus != NULL ? values[i] - minus[i] : values[i];
}

static double stats_mean(const double *values, const double *minus, size_t n)
{
  double sum = 0;

  for (size_t i = 0; i < n; i++)
    sum += stats_value(values, minus, i);
  return sum / (double)n;
}

/* Sums squares about the mean in a second pass, which stays accurate when
 * the spread is small next to the mean. n >= 2. */
static double stats_sd(const double *values, const double *minus, size_t n,
                       double mean)
{
  double ss = 0;

  for (size_t i = 0; i < n; i++) {
    double dev = stats_value(values, minus, i) - mean;

    ss += dev * dev;
  }
  return sqrt(ss / (double)(n - 1));
}

static void stats_summarize(const double *values, const double *minus, size_t n,
                            struct lsim_summary *out)
{
  double half;

  memset(out, 0, sizeof *out);
  out->n = n;
  if (n == 0)
    return;

  out->mean = stats_mean(values, minus, n);
  out->ci95_lo = out->ci95_hi = out->mean;
  if (n == 1)
    return;

  out->sd = stats_sd(values, minus, n, out->mean);
  half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * out->sd / sqrt((double)n);
  out->ci95_lo = out->mean - half;
  out->ci95_hi = out->mean + half;
}

void lsim_summarize(const double *values, size_t n, struct lsim_summary *out)
{
  stats_summarize(values, NULL, n, out);
}

void lsim_summarize_paired(const double *a, const double *b, size_t n,
                           struct lsim_summary *out)
{
  stats_summarize(a, b, n, out);
}
