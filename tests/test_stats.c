/* test_stats.c - histogram quantiles against exact ones, summaries
 * against hand-computed values. */
#include "rng.h"
#include "runner.h"
#include "stats.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NVALUES 100000

static const double quantiles[] = {0.0,  0.001, 0.01, 0.1,   0.25,   0.5,
                                   0.75, 0.9,   0.99, 0.999, 0.9999, 1.0};
#define NQUANTILES (sizeof quantiles / sizeof quantiles[0])

static int compare_double(const void *pa, const void *pb)
{
  double a = *(const double *)pa, b = *(const double *)pb;

  return (a > b) - (a < b);
}

/* The exact sample quantile by the histogram's definition: the value of
 * rank ceil(q n), at least 1, in the sorted values. */
static double exact_quantile(const double *sorted, size_t n, double q)
{
  size_t rank = (size_t)ceil(q * (double)n);

  return sorted[rank < 1 ? 0 : rank - 1];
}

/* Every quantile of the histogram of values is within 1% of the exact
 * one. Sorts values in place. */
static void check_quantiles(double *values, size_t n)
{
  struct lsim_hist *h = malloc(sizeof *h);

  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  lsim_hist_init(h);
  for (size_t i = 0; i < n; i++)
    lsim_hist_add(h, values[i]);
  qsort(values, n, sizeof *values, compare_double);

  for (size_t i = 0; i < NQUANTILES; i++) {
    double want = exact_quantile(values, n, quantiles[i]);

    LSIM_ASSERT_NEAR(lsim_hist_quantile(h, quantiles[i]), want, 0.01 * want);
  }
  LSIM_ASSERT_EQ_INT(h->count, n);
  free(h);
}

static double *exponential_values(size_t n, double mean, const char *name)
{
  double *values = malloc(n * sizeof *values);
  gsl_rng *rng = lsim_rng_new(5, 0, name);

  CU_ASSERT_PTR_NOT_NULL_FATAL(values);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  for (size_t i = 0; i < n; i++)
    values[i] = gsl_ran_exponential(rng, mean);
  gsl_rng_free(rng);
  return values;
}

static void test_quantiles_exponential(void)
{
  double *values = exponential_values(NVALUES, 2.0, "hist");

  check_quantiles(values, NVALUES);
  free(values);
}

/* Log-uniform over 1e-5 .. 1e5 s: every part of the bucket range. */
static void test_quantiles_wide_range(void)
{
  double *values = malloc(NVALUES * sizeof *values);
  gsl_rng *rng = lsim_rng_new(5, 0, "wide");

  CU_ASSERT_PTR_NOT_NULL_FATAL(values);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  for (size_t i = 0; i < NVALUES; i++)
    values[i] = pow(10, gsl_ran_flat(rng, -5, 5));
  check_quantiles(values, NVALUES);
  gsl_rng_free(rng);
  free(values);
}

static void test_empty(void)
{
  struct lsim_hist h;

  lsim_hist_init(&h);
  CU_ASSERT_EQUAL(lsim_hist_quantile(&h, 0.5), 0);
  CU_ASSERT_EQUAL(lsim_hist_mean(&h), 0);
}

/* Below 1 us is a zero; negative and NaN values too. The mean stays
 * exact. */
static void test_zeros(void)
{
  struct lsim_hist h;

  lsim_hist_init(&h);
  lsim_hist_add(&h, 0);
  lsim_hist_add(&h, 5e-7);
  lsim_hist_add(&h, -1);
  lsim_hist_add(&h, NAN);
  lsim_hist_add(&h, 3);
  LSIM_ASSERT_EQ_INT(h.zeros, 4);
  LSIM_ASSERT_EQ_INT(h.count, 5);
  CU_ASSERT_EQUAL(lsim_hist_quantile(&h, 0.8), 0);
  LSIM_ASSERT_NEAR(lsim_hist_quantile(&h, 0.81), 3, 0.03);
  LSIM_ASSERT_NEAR(lsim_hist_mean(&h), (5e-7 + 3) / 5, 1e-15);
}

/* Past the top the bucket clamps, but the maximum stays exact. */
static void test_clamp_keeps_max(void)
{
  struct lsim_hist h;

  lsim_hist_init(&h);
  lsim_hist_add(&h, 1);
  lsim_hist_add(&h, 5e6);
  CU_ASSERT_EQUAL(h.max, 5e6);
  LSIM_ASSERT_EQ_INT(h.bucket[LSIM_HIST_BUCKETS - 1], 1);
  CU_ASSERT_EQUAL(lsim_hist_quantile(&h, 1), 5e6);
  LSIM_ASSERT_NEAR(lsim_hist_quantile(&h, 0.5), 1, 0.01);
}

/* A quantile never exceeds the maximum, even inside its bucket. */
static void test_quantile_capped_by_max(void)
{
  struct lsim_hist h;

  lsim_hist_init(&h);
  lsim_hist_add(&h, 1.0);
  CU_ASSERT(lsim_hist_quantile(&h, 0.5) <= 1.0);
  LSIM_ASSERT_NEAR(lsim_hist_quantile(&h, 0.5), 1.0, 0.01);
}

static void test_merge(void)
{
  double *values = exponential_values(1000, 1.0, "merge");
  struct lsim_hist *all = malloc(sizeof *all), *part = malloc(2 * sizeof *part);

  CU_ASSERT_PTR_NOT_NULL_FATAL(all);
  CU_ASSERT_PTR_NOT_NULL_FATAL(part);
  lsim_hist_init(all);
  lsim_hist_init(&part[0]);
  lsim_hist_init(&part[1]);
  for (size_t i = 0; i < 1000; i++) {
    lsim_hist_add(all, values[i]);
    lsim_hist_add(&part[i % 2], values[i]);
  }
  lsim_hist_merge(&part[0], &part[1]);

  CU_ASSERT(memcmp(all->bucket, part[0].bucket, sizeof all->bucket) == 0);
  LSIM_ASSERT_EQ_INT(part[0].count, 1000);
  CU_ASSERT_EQUAL(part[0].max, all->max);
  LSIM_ASSERT_NEAR(part[0].sum, all->sum, 1e-9 * all->sum);
  free(values);
  free(all);
  free(part);
}

/* ---------------------------------------------------------------- */
/* Summaries                                                        */
/* ---------------------------------------------------------------- */

/* {1..5}: mean 3, sd sqrt(2.5) = 1.5811388, t(0.975, 4) = 2.7764451, half
 * width 2.7764451 * 1.5811388 / sqrt(5) = 1.9632432. */
static void test_summary_hand(void)
{
  const double values[] = {1, 2, 3, 4, 5};
  struct lsim_summary s;

  lsim_summarize(values, 5, &s);
  LSIM_ASSERT_EQ_INT(s.n, 5);
  LSIM_ASSERT_NEAR(s.mean, 3, 1e-12);
  LSIM_ASSERT_NEAR(s.sd, 1.5811388301, 1e-9);
  LSIM_ASSERT_NEAR(s.ci95_lo, 1.0367568385, 1e-8);
  LSIM_ASSERT_NEAR(s.ci95_hi, 4.9632431615, 1e-8);
}

static void test_summary_one(void)
{
  const double value = 7.5;
  struct lsim_summary s;

  lsim_summarize(&value, 1, &s);
  CU_ASSERT(s.mean == 7.5 && s.ci95_lo == 7.5 && s.ci95_hi == 7.5);
  CU_ASSERT_EQUAL(s.sd, 0);
}

static void test_summary_none(void)
{
  struct lsim_summary s;

  memset(&s, 0xff, sizeof s);
  lsim_summarize(NULL, 0, &s);
  LSIM_ASSERT_EQ_INT(s.n, 0);
  CU_ASSERT(s.mean == 0 && s.sd == 0 && s.ci95_lo == 0 && s.ci95_hi == 0);
}

/* Differences {2, 3, 3}: mean 8/3, sd sqrt(1/3), t(0.975, 2) = 4.3026527,
 * half width 1.4342176. */
static void test_summary_paired(void)
{
  const double a[] = {3, 5, 7}, b[] = {1, 2, 4};
  struct lsim_summary s;

  lsim_summarize_paired(a, b, 3, &s);
  LSIM_ASSERT_NEAR(s.mean, 8.0 / 3, 1e-12);
  LSIM_ASSERT_NEAR(s.sd, 0.5773502692, 1e-9);
  LSIM_ASSERT_NEAR(s.ci95_hi - s.mean, 1.4342175766, 1e-8);
  LSIM_ASSERT_NEAR(s.mean - s.ci95_lo, 1.4342175766, 1e-8);
}

/* A tiny spread on a large mean: the two-pass sd keeps it. */
static void test_summary_large_offset(void)
{
  const double values[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  struct lsim_summary s;

  lsim_summarize(values, 3, &s);
  LSIM_ASSERT_NEAR(s.sd, 1, 1e-9);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"quantiles exponential", test_quantiles_exponential},
      {"quantiles wide range", test_quantiles_wide_range},
      {"empty", test_empty},
      {"zeros", test_zeros},
      {"clamp keeps max", test_clamp_keeps_max},
      {"quantile capped by max", test_quantile_capped_by_max},
      {"merge", test_merge},
      {"summary hand", test_summary_hand},
      {"summary one", test_summary_one},
      {"summary none", test_summary_none},
      {"summary paired", test_summary_paired},
      {"summary large offset", test_summary_large_offset},
      {NULL, NULL}};

  return lsim_test_add_suite("stats", tests);
}
