/* test_dist.c - scenario distributions: ranges, moments, CSV samples. */
#include "dist.h"
#include "rng.h"
#include "runner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRAWS 200000
#define ERRLEN 256

/* A prepared distribution; fails the test when prepare does. */
static struct lsim_dist make(enum lsim_dist_kind kind, double a, double b)
{
  struct lsim_dist d = {.kind = kind, .a = a, .b = b};
  char err[ERRLEN] = "";

  if (lsim_dist_prepare(&d, err, sizeof err) != 0)
    fprintf(stderr, "\n  prepare %s failed: %s\n", lsim_dist_kind_name(kind),
            err);
  return d;
}

struct moments {
  double mean, sd, min;
};

static struct moments draw(const struct lsim_dist *d, const char *stream)
{
  gsl_rng *rng = lsim_rng_new(2024, 0, stream);
  double sum = 0, ss = 0, min = INFINITY;
  struct moments m;

  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  for (int i = 0; i < DRAWS; i++) {
    double x = lsim_dist_sample(d, rng);

    sum += x;
    ss += x * x;
    min = fmin(min, x);
  }
  gsl_rng_free(rng);

  m.mean = sum / DRAWS;
  m.sd = sqrt((ss - sum * sum / DRAWS) / (DRAWS - 1));
  m.min = min;
  return m;
}

/* The sample mean of DRAWS draws lies within 4 standard errors of the
 * analytic mean, and no draw is negative. */
static void check_mean(enum lsim_dist_kind kind, double a, double b)
{
  struct lsim_dist d = make(kind, a, b);
  struct moments m = draw(&d, lsim_dist_kind_name(kind));
  double se = lsim_dist_sd(&d) / sqrt(DRAWS);

  CU_ASSERT(m.min >= 0);
  LSIM_ASSERT_NEAR(m.mean, lsim_dist_mean(&d), 4 * se);
}

static void test_kind_names(void)
{
  enum lsim_dist_kind kind;

  for (int k = LSIM_DIST_CONSTANT; k <= LSIM_DIST_EMPIRICAL; k++) {
    CU_ASSERT_EQUAL(lsim_dist_kind_parse(
                        lsim_dist_kind_name((enum lsim_dist_kind)k), &kind),
                    0);
    LSIM_ASSERT_EQ_INT(kind, k);
  }
  LSIM_ASSERT_EQ_INT(lsim_dist_kind_parse("poisson", &kind), LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(lsim_dist_kind_name(LSIM_DIST_WEIBULL), "weibull");
  CU_ASSERT_STRING_EQUAL(lsim_dist_kind_name((enum lsim_dist_kind)99), "?");
}

static void test_param_names(void)
{
  CU_ASSERT_STRING_EQUAL(lsim_dist_param_name(LSIM_DIST_LOGNORMAL, 0), "mean");
  CU_ASSERT_STRING_EQUAL(lsim_dist_param_name(LSIM_DIST_LOGNORMAL, 1), "sd");
  CU_ASSERT_STRING_EQUAL(lsim_dist_param_name(LSIM_DIST_PARETO, 0), "shape");
  CU_ASSERT_STRING_EQUAL(lsim_dist_param_name(LSIM_DIST_UNIFORM, 1), "max");
  CU_ASSERT_PTR_NULL(lsim_dist_param_name(LSIM_DIST_CONSTANT, 1));
  CU_ASSERT_PTR_NULL(lsim_dist_param_name(LSIM_DIST_EMPIRICAL, 0));
  CU_ASSERT_PTR_NULL(lsim_dist_param_name(LSIM_DIST_GAMMA, 2));
}

/* Means computed by hand (Python's math module) from the textbook
 * formulas, not from dist.c: they catch a swapped GSL argument order. */
static void test_analytic_means(void)
{
  struct lsim_dist d;

  d = make(LSIM_DIST_NORMAL, 1, 1);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 1.2875999709, 1e-9);
  LSIM_ASSERT_NEAR(lsim_dist_sd(&d), 0.7935277473, 1e-9);
  d = make(LSIM_DIST_NORMAL, -2, 1);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 0.3732155328, 1e-9);
  LSIM_ASSERT_NEAR(lsim_dist_sd(&d), 0.3380519197, 1e-9);
  d = make(LSIM_DIST_WEIBULL, 1.5, 2);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 1.8054905859, 1e-9);
  d = make(LSIM_DIST_PARETO, 3.5, 1);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 1.4, 1e-12);
  d = make(LSIM_DIST_PARETO, 1, 1);
  CU_ASSERT(isinf(lsim_dist_mean(&d)));
  d = make(LSIM_DIST_GAMMA, 2.5, 1.5);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 3.75, 1e-12);
  d = make(LSIM_DIST_UNIFORM, 2, 5);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 3.5, 1e-12);
}

static void test_lognormal_derived(void)
{
  struct lsim_dist d = make(LSIM_DIST_LOGNORMAL, 2, 1);

  LSIM_ASSERT_NEAR(d.sigma, 0.4723807271, 1e-9);
  LSIM_ASSERT_NEAR(d.mu, 0.5815754049, 1e-9);
}

static void test_sample_means(void)
{
  check_mean(LSIM_DIST_UNIFORM, 2, 5);
  check_mean(LSIM_DIST_EXPONENTIAL, 3, 0);
  check_mean(LSIM_DIST_NORMAL, 10, 2);
  check_mean(LSIM_DIST_NORMAL, 1, 1);
  check_mean(LSIM_DIST_NORMAL, -2, 1);
  check_mean(LSIM_DIST_LOGNORMAL, 2, 3);
  check_mean(LSIM_DIST_GAMMA, 2.5, 1.5);
  check_mean(LSIM_DIST_WEIBULL, 1.5, 2);
  check_mean(LSIM_DIST_PARETO, 3.5, 1);
}

static void test_constant(void)
{
  struct lsim_dist d = make(LSIM_DIST_CONSTANT, 0.25, 0);
  struct moments m = draw(&d, "constant");

  CU_ASSERT_EQUAL(m.mean, 0.25);
  CU_ASSERT_EQUAL(m.min, 0.25);
}

/* A mean far below 0 must neither loop nor pile up at 0: the draws
 * follow the normal's tail beyond 0, whose mean is sd^2 / |mean| -
 * 2 sd^4 / |mean|^3 + ... (the Mills ratio series). */
static void test_normal_deep_tail(void)
{
  struct lsim_dist d = make(LSIM_DIST_NORMAL, -50, 1);
  struct moments m = draw(&d, "tail");

  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 0.019984, 1e-6);
  CU_ASSERT(m.min > 0);
  LSIM_ASSERT_NEAR(m.mean, lsim_dist_mean(&d),
                   4 * lsim_dist_sd(&d) / sqrt(DRAWS));
}

/* The sd of a sample sd is about sd * sqrt((kurtosis - 1) / n) / 2; the
 * lognormal's kurtosis is e^(4s2) + 2e^(3s2) + 3e^(2s2) - 3, s2 = sigma^2.
 */
static double lognormal_sd_se(const struct lsim_dist *d)
{
  double s2 = d->sigma * d->sigma;
  double kurt = exp(4 * s2) + 2 * exp(3 * s2) + 3 * exp(2 * s2) - 3;

  return d->b * sqrt((kurt - 1) / DRAWS) / 2;
}

static void test_lognormal_sd(void)
{
  struct lsim_dist mild = make(LSIM_DIST_LOGNORMAL, 2, 1);
  struct lsim_dist wide = make(LSIM_DIST_LOGNORMAL, 2, 3);

  LSIM_ASSERT_NEAR(draw(&mild, "ln1").sd, 1, 4 * lognormal_sd_se(&mild));
  LSIM_ASSERT_NEAR(draw(&wide, "ln3").sd, 3, 4 * lognormal_sd_se(&wide));
}

static void expect_prepare_error(enum lsim_dist_kind kind, double a, double b,
                                 const char *message)
{
  struct lsim_dist d = {.kind = kind, .a = a, .b = b};
  char err[ERRLEN] = "";

  LSIM_ASSERT_EQ_INT(lsim_dist_prepare(&d, err, sizeof err), LSIM_EINVAL);
  if (strcmp(err, message) != 0)
    fprintf(stderr, "\n  got \"%s\", expected \"%s\"\n", err, message);
  CU_ASSERT_STRING_EQUAL(err, message);
}

static void test_range_errors(void)
{
  expect_prepare_error(LSIM_DIST_EXPONENTIAL, -1, 0,
                       "mean: expected a number > 0, got -1");
  expect_prepare_error(LSIM_DIST_EXPONENTIAL, 0, 0,
                       "mean: expected a number > 0, got 0");
  expect_prepare_error(LSIM_DIST_CONSTANT, -0.5, 0,
                       "value: expected a number >= 0, got -0.5");
  expect_prepare_error(LSIM_DIST_UNIFORM, 3, 1,
                       "max: expected a number >= min (3), got 1");
  expect_prepare_error(LSIM_DIST_NORMAL, 1, 0,
                       "sd: expected a number > 0, got 0");
  expect_prepare_error(LSIM_DIST_LOGNORMAL, 1, -1,
                       "sd: expected a number >= 0, got -1");
  expect_prepare_error(LSIM_DIST_WEIBULL, NAN, 1,
                       "shape: expected a finite number, got nan");
  expect_prepare_error(LSIM_DIST_PARETO, 2, 0,
                       "scale: expected a number > 0, got 0");
  expect_prepare_error(LSIM_DIST_GAMMA, INFINITY, 1,
                       "shape: expected a finite number, got inf");
  expect_prepare_error(LSIM_DIST_EMPIRICAL, 0, 0,
                       "samples: expected at least one, found none");
}

/* ---------------------------------------------------------------- */
/* Empirical samples                                                */
/* ---------------------------------------------------------------- */

/* Writes `text` to a new file under /tmp; its name goes to path. */
static void write_temp(char *path, size_t len, const char *text)
{
  int fd;

  snprintf(path, len, "/tmp/limsim-test-dist-XXXXXX");
  fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
}

/* Loads `text` as CSV; returns the result, the message in err. */
static int load_text(struct lsim_dist *d, const char *text, char *err,
                     char *path)
{
  int rc;

  write_temp(path, 64, text);
  rc = lsim_dist_load_csv(d, path, err, ERRLEN);
  unlink(path);
  return rc;
}

static void expect_csv_error(const char *text, const char *fmt)
{
  struct lsim_dist d = {0};
  char err[ERRLEN] = "", path[64], want[ERRLEN];

  LSIM_ASSERT_EQ_INT(load_text(&d, text, err, path), LSIM_EINVAL);
  snprintf(want, sizeof want, fmt, path);
  if (strcmp(err, want) != 0)
    fprintf(stderr, "\n  got \"%s\", expected \"%s\"\n", err, want);
  CU_ASSERT_STRING_EQUAL(err, want);
  CU_ASSERT_PTR_NULL(d.samples);
  LSIM_ASSERT_EQ_INT(d.nsamples, 0);
}

static void test_csv_loads(void)
{
  struct lsim_dist d = {0};
  char err[ERRLEN] = "", path[64];
  const char *text = "wait_s,note\n2.5 , y\n\n0.5,x\r\n1.5\n";

  LSIM_ASSERT_EQ_INT(load_text(&d, text, err, path), 0);
  LSIM_ASSERT_EQ_INT(d.kind, LSIM_DIST_EMPIRICAL);
  LSIM_ASSERT_EQ_INT(d.nsamples, 3);
  CU_ASSERT(d.samples[0] == 0.5 && d.samples[1] == 1.5 && d.samples[2] == 2.5);
  LSIM_ASSERT_EQ_INT(lsim_dist_prepare(&d, err, sizeof err), 0);
  LSIM_ASSERT_NEAR(lsim_dist_mean(&d), 1.5, 1e-12);
  LSIM_ASSERT_NEAR(lsim_dist_sd(&d), sqrt(2.0 / 3), 1e-12);

  /* Loading again replaces the samples (ASan would see a leak). */
  LSIM_ASSERT_EQ_INT(load_text(&d, "7\n", err, path), 0);
  LSIM_ASSERT_EQ_INT(d.nsamples, 1);
  CU_ASSERT_EQUAL(d.samples[0], 7);
  lsim_dist_release(&d);
  CU_ASSERT_PTR_NULL(d.samples);
}

/* Draws are uniform over the samples: each of 4 is drawn a quarter of the
 * time, within 4 binomial standard errors. */
static void test_csv_draws_uniformly(void)
{
  struct lsim_dist d = {0};
  char err[ERRLEN] = "", path[64];
  gsl_rng *rng = lsim_rng_new(1, 0, "empirical");
  int count[4] = {0};

  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  LSIM_ASSERT_EQ_INT(load_text(&d, "3\n1\n0\n2\n", err, path), 0);
  for (int i = 0; i < DRAWS; i++) {
    double x = lsim_dist_sample(&d, rng);

    CU_ASSERT_FATAL(x == 0 || x == 1 || x == 2 || x == 3);
    count[(int)x]++;
  }
  for (int k = 0; k < 4; k++)
    LSIM_ASSERT_NEAR(count[k], DRAWS / 4.0, 4 * sqrt(DRAWS * 0.25 * 0.75));
  lsim_dist_release(&d);
  gsl_rng_free(rng);
}

static void test_csv_errors(void)
{
  expect_csv_error("1\n2\nabc\n", "%s:3: expected a number >= 0, got 'abc'");
  expect_csv_error("1\n-2\n", "%s:2: expected a number >= 0, got '-2'");
  expect_csv_error("value\nsecond\n",
                   "%s:2: expected a number >= 0, got 'second'");
  expect_csv_error("1\n2x,3\n", "%s:2: expected a number >= 0, got '2x'");
  expect_csv_error("1\n,3\n", "%s:2: expected a number >= 0, got ''");
  expect_csv_error("1\ninf\n", "%s:2: expected a number >= 0, got 'inf'");
  expect_csv_error("", "%s: expected at least one sample, found none");
  expect_csv_error("value\n\n", "%s: expected at least one sample, found none");
}

static void test_csv_missing_file(void)
{
  struct lsim_dist d = {0};
  char err[ERRLEN] = "";
  const char *path = "/tmp/limsim-test-dist-no-such-file.csv";

  unlink(path);
  LSIM_ASSERT_EQ_INT(lsim_dist_load_csv(&d, path, err, sizeof err),
                     LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "/tmp/limsim-test-dist-no-such-file.csv: "
                              "cannot open: No such file or directory");
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"kind names", test_kind_names},
      {"param names", test_param_names},
      {"analytic means", test_analytic_means},
      {"lognormal derived", test_lognormal_derived},
      {"sample means", test_sample_means},
      {"constant", test_constant},
      {"normal deep tail", test_normal_deep_tail},
      {"lognormal sd", test_lognormal_sd},
      {"range errors", test_range_errors},
      {"csv loads", test_csv_loads},
      {"csv draws uniformly", test_csv_draws_uniformly},
      {"csv errors", test_csv_errors},
      {"csv missing file", test_csv_missing_file},
      {NULL, NULL}};

  return lsim_test_add_suite("dist", tests);
}
