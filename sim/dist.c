/*
 * dist.c - scenario distributions over GSL's samplers.
 *
 * Parameters are checked once, at prepare time, against a table of ranges,
 * so sampling never meets a value GSL would reject.
 */
#include "dist.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_erf.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The range a parameter must lie in. */
enum dist_range {
  DIST_NONE,     /* the kind has no such parameter */
  DIST_ANY,      /* any finite number */
  DIST_NONNEG,   /* >= 0 */
  DIST_POSITIVE, /* > 0 */
};

struct dist_param {
  const char *name;
  enum dist_range range;
};

struct dist_spec {
  const char *name;
  struct dist_param a, b;
};

/* {0}: no such parameter (DIST_NONE). */
static const struct dist_spec dist_specs[] = {
    [LSIM_DIST_CONSTANT] = {"constant", {"value", DIST_NONNEG}, {0}},
    [LSIM_DIST_UNIFORM] = {"uniform",
                           {"min", DIST_NONNEG},
                           {"max", DIST_NONNEG}},
    [LSIM_DIST_EXPONENTIAL] = {"exponential", {"mean", DIST_POSITIVE}, {0}},
    [LSIM_DIST_NORMAL] = {"normal", {"mean", DIST_ANY}, {"sd", DIST_POSITIVE}},
    [LSIM_DIST_LOGNORMAL] = {"lognormal",
                             {"mean", DIST_POSITIVE},
                             {"sd", DIST_NONNEG}},
    [LSIM_DIST_GAMMA] = {"gamma",
                         {"shape", DIST_POSITIVE},
                         {"scale", DIST_POSITIVE}},
    [LSIM_DIST_WEIBULL] = {"weibull",
                           {"shape", DIST_POSITIVE},
                           {"scale", DIST_POSITIVE}},
    [LSIM_DIST_PARETO] = {"pareto",
                          {"shape", DIST_POSITIVE},
                          {"scale", DIST_POSITIVE}},
    [LSIM_DIST_EMPIRICAL] = {"empirical", {0}, {0}},
};

#define DIST_NKINDS (sizeof dist_specs / sizeof dist_specs[0])

static const struct dist_spec *dist_spec(enum lsim_dist_kind kind)
{
  if ((size_t)kind >= DIST_NKINDS)
    return NULL;
  return &dist_specs[kind];
}

int lsim_dist_kind_parse(const char *name, enum lsim_dist_kind *kind)
{
  for (size_t i = 0; i < DIST_NKINDS; i++) {
    if (strcmp(dist_specs[i].name, name) == 0) {
      *kind = (enum lsim_dist_kind)i;
      return 0;
    }
  }
  return LSIM_EINVAL;
}

const char *lsim_dist_kind_name(enum lsim_dist_kind kind)
{
  const struct dist_spec *spec = dist_spec(kind);

  return spec != NULL ? spec->name : "?";
}

const char *lsim_dist_param_name(enum lsim_dist_kind kind, int index)
{
  const struct dist_spec *spec = dist_spec(kind);

  if (spec == NULL || index < 0 || index > 1)
    return NULL;
  return index == 0 ? spec->a.name : spec->b.name;
}

/* ---------------------------------------------------------------- */
/* Checking parameters                                              */
/* ---------------------------------------------------------------- */

static bool dist_in_range(enum dist_range range, double value)
{
  switch (range) {
  case DIST_NONNEG:
    return value >= 0;
  case DIST_POSITIVE:
    return value > 0;
  default:
    return true;
  }
}

static int dist_check_param(const struct dist_param *p, double value,
                            char *errbuf, size_t errlen)
{
  if (p->range == DIST_NONE)
    return 0;

  if (!isfinite(value)) {
    snprintf(errbuf, errlen, "%s: expected a finite number, got %g", p->name,
             value);
    return LSIM_EINVAL;
  }
  if (dist_in_range(p->range, value))
    return 0;

  snprintf(errbuf, errlen, "%s: expected a number %s 0, got %g", p->name,
           p->range == DIST_POSITIVE ? ">" : ">=", value);
  return LSIM_EINVAL;
}

static int dist_check_uniform(const struct lsim_dist *d, char *errbuf,
                              size_t errlen)
{
  if (d->b >= d->a)
    return 0;

  snprintf(errbuf, errlen, "max: expected a number >= min (%g), got %g", d->a,
           d->b);
  return LSIM_EINVAL;
}

static int dist_check_empirical(const struct lsim_dist *d, char *errbuf,
                                size_t errlen)
{
  if (d->samples != NULL && d->nsamples > 0)
    return 0;

  snprintf(errbuf, errlen, "samples: expected at least one, found none");
  return LSIM_EINVAL;
}

/* The underlying normal of a lognormal with mean m and sd s:
 * sigma^2 = ln(1 + s^2/m^2), mu = ln(m) - sigma^2/2, which equals
 * ln(m^2 / sqrt(m^2 + s^2)) but does not overflow for large m. */
static void dist_derive_lognormal(struct lsim_dist *d)
{
  double ratio = d->b / d->a;
  double var = log1p(ratio * ratio);

  d->sigma = sqrt(var);
  d->mu = log(d->a) - var / 2;
}

int lsim_dist_prepare(struct lsim_dist *d, char *errbuf, size_t errlen)
{
  const struct dist_spec *spec = dist_spec(d->kind);
  int rc;

  if (spec == NULL) {
    snprintf(errbuf, errlen, "kind: unknown distribution %d", (int)d->kind);
    return LSIM_EINVAL;
  }
  if (d->kind == LSIM_DIST_EMPIRICAL)
    return dist_check_empirical(d, errbuf, errlen);

  rc = dist_check_param(&spec->a, d->a, errbuf, errlen);
  if (rc == 0)
    rc = dist_check_param(&spec->b, d->b, errbuf, errlen);
  if (rc == 0 && d->kind == LSIM_DIST_UNIFORM)
    rc = dist_check_uniform(d, errbuf, errlen);
  if (rc != 0)
    return rc;

  if (d->kind == LSIM_DIST_LOGNORMAL)
    dist_derive_lognormal(d);
  return 0;
}

/* ---------------------------------------------------------------- */
/* Sampling and moments                                             */
/* ---------------------------------------------------------------- */

/* N(mean, sd) conditioned on x >= 0 is mean + Y, Y ~ N(0, sd) conditioned
 * on Y >= -mean: GSL samples that tail exactly, by plain resampling when
 * the cut is below one sd and by Marsaglia's tail method beyond, so the
 * expected number of tries stays below 7 for any mean. The fmax guards the
 * rounding of mean + Y. */
static double dist_sample_normal(const struct lsim_dist *d, gsl_rng *rng)
{
  return fmax(0.0, d->a + gsl_ran_gaussian_tail(rng, -d->a, d->b));
}

static double dist_sample_empirical(const struct lsim_dist *d, gsl_rng *rng)
{
  return d->samples[gsl_rng_uniform_int(rng, d->nsamples)];
}

double lsim_dist_exponential(gsl_rng *rng, double mean)
{
  return -mean * log(gsl_rng_uniform_pos(rng));
}

double lsim_dist_sample(const struct lsim_dist *d, gsl_rng *rng)
{
  switch (d->kind) {
  case LSIM_DIST_CONSTANT:
    return d->a;
  case LSIM_DIST_UNIFORM:
    return gsl_ran_flat(rng, d->a, d->b);
  case LSIM_DIST_EXPONENTIAL:
    return lsim_dist_exponential(rng, d->a);
  case LSIM_DIST_NORMAL:
    return dist_sample_normal(d, rng);
  case LSIM_DIST_LOGNORMAL:
    return gsl_ran_lognormal(rng, d->mu, d->sigma);
  case LSIM_DIST_GAMMA:
    return gsl_ran_gamma(rng, d->a, d->b);
  case LSIM_DIST_WEIBULL:
    return gsl_ran_weibull(rng, d->b, d->a); /* GSL: scale, then shape */
  case LSIM_DIST_PARETO:
    return gsl_ran_pareto(rng, d->a, d->b); /* GSL: alpha, then x_m */
  case LSIM_DIST_EMPIRICAL:
    return dist_sample_empirical(d, rng);
  }
  return 0;
}

/* The moments of N(m, s) truncated to [0, inf): with alpha = -m/s and
 * lambda = phi(alpha) / (1 - Phi(alpha)) (GSL's hazard function, accurate
 * far into the tail), mean = m + s lambda and
 * var = s^2 (1 + alpha lambda - lambda^2). */
static double dist_normal_lambda(const struct lsim_dist *d)
{
  return gsl_sf_hazard(-d->a / d->b);
}

static double dist_normal_mean(const struct lsim_dist *d)
{
  return d->a + d->b * dist_normal_lambda(d);
}

static double dist_normal_sd(const struct lsim_dist *d)
{
  double alpha = -d->a / d->b;
  double lambda = dist_normal_lambda(d);

  return d->b * sqrt(fmax(0.0, 1 + alpha * lambda - lambda * lambda));
}

/* tgamma rather than gsl_sf_gamma: it overflows to HUGE_VAL instead of
 * calling GSL's error handler (which aborts by default). */
static double dist_weibull_moment(const struct lsim_dist *d, double order)
{
  return pow(d->b, order) * tgamma(1 + order / d->a);
}

static double dist_pareto_mean(const struct lsim_dist *d)
{
  if (d->a <= 1)
    return INFINITY;
  return d->a * d->b / (d->a - 1);
}

static double dist_pareto_sd(const struct lsim_dist *d)
{
  if (d->a <= 2)
    return INFINITY;
  return d->b / (d->a - 1) * sqrt(d->a / (d->a - 2));
}

static double dist_empirical_mean(const struct lsim_dist *d)
{
  double sum = 0;

  for (size_t i = 0; i < d->nsamples; i++)
    sum += d->samples[i];
  return d->nsamples > 0 ? sum / (double)d->nsamples : 0;
}

/* The population sd: a draw is uniform over the samples. */
static double dist_empirical_sd(const struct lsim_dist *d)
{
  double mean = dist_empirical_mean(d);
  double ss = 0;

  for (size_t i = 0; i < d->nsamples; i++)
    ss += (d->samples[i] - mean) * (d->samples[i] - mean);
  return d->nsamples > 0 ? sqrt(ss / (double)d->nsamples) : 0;
}

double lsim_dist_mean(const struct lsim_dist *d)
{
  switch (d->kind) {
  case LSIM_DIST_CONSTANT:
    return d->a;
  case LSIM_DIST_UNIFORM:
    return (d->a + d->b) / 2;
  case LSIM_DIST_EXPONENTIAL:
  case LSIM_DIST_LOGNORMAL:
    return d->a;
  case LSIM_DIST_NORMAL:
    return dist_normal_mean(d);
  case LSIM_DIST_GAMMA:
    return d->a * d->b;
  case LSIM_DIST_WEIBULL:
    return dist_weibull_moment(d, 1);
  case LSIM_DIST_PARETO:
    return dist_pareto_mean(d);
  case LSIM_DIST_EMPIRICAL:
    return dist_empirical_mean(d);
  }
  return 0;
}

static double dist_weibull_sd(const struct lsim_dist *d)
{
  double m1 = dist_weibull_moment(d, 1);

  return sqrt(fmax(0.0, dist_weibull_moment(d, 2) - m1 * m1));
}

double lsim_dist_sd(const struct lsim_dist *d)
{
  switch (d->kind) {
  case LSIM_DIST_CONSTANT:
    return 0;
  case LSIM_DIST_UNIFORM:
    return (d->b - d->a) / sqrt(12);
  case LSIM_DIST_EXPONENTIAL:
    return d->a;
  case LSIM_DIST_NORMAL:
    return dist_normal_sd(d);
  case LSIM_DIST_LOGNORMAL:
    return d->b;
  case LSIM_DIST_GAMMA:
    return sqrt(d->a) * d->b;
  case LSIM_DIST_WEIBULL:
    return dist_weibull_sd(d);
  case LSIM_DIST_PARETO:
    return dist_pareto_sd(d);
  case LSIM_DIST_EMPIRICAL:
    return dist_empirical_sd(d);
  }
  return 0;
}

void lsim_dist_release(struct lsim_dist *d)
{
  free(d->samples);
  d->samples = NULL;
  d->nsamples = 0;
}

/* ---------------------------------------------------------------- */
/* Empirical samples from CSV                                       */
/* ---------------------------------------------------------------- */

struct dist_csv {
  const char *path;
  FILE *file;
  char *line;
  size_t linecap;
  unsigned long lineno;
  bool seen_first; /* a non-blank line was read: no header any more */
  double *samples;
  size_t n, cap;
  char *errbuf;
  size_t errlen;
};

/* The first field of `line`, trimmed of blanks, in place. */
static char *dist_csv_field(char *line)
{
  char *end;

  line[strcspn(line, ",\r\n")] = '\0';
  while (*line == ' ' || *line == '\t')
    line++;
  end = line + strlen(line);
  while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
    *--end = '\0';
  return line;
}

/* A finite number >= 0 spanning the whole field. */
static bool dist_csv_number(const char *field, double *value)
{
  char *end;

  errno = 0;
  *value = strtod(field, &end);
  return end != field && *end == '\0' && errno == 0 && isfinite(*value) &&
         *value >= 0;
}

static int dist_csv_append(struct dist_csv *csv, double value)
{
  if (csv->n == csv->cap) {
    size_t cap = csv->cap ? csv->cap * 2 : 256;
    double *grown = realloc(csv->samples, cap * sizeof *grown);

    if (grown == NULL) {
      snprintf(csv->errbuf, csv->errlen, "%s: out of memory", csv->path);
      return LSIM_ENOMEM;
    }
    csv->samples = grown;
    csv->cap = cap;
  }

  csv->samples[csv->n++] = value;
  return 0;
}

static bool dist_csv_blank(const char *line)
{
  return line[strspn(line, " \t\r\n")] == '\0';
}

static int dist_csv_line(struct dist_csv *csv)
{
  bool first = !csv->seen_first;
  char *field;
  double value;

  if (dist_csv_blank(csv->line))
    return 0;
  csv->seen_first = true;

  field = dist_csv_field(csv->line);

  if (dist_csv_number(field, &value))
    return dist_csv_append(csv, value);
  if (first)
    return 0; /* a header */

  snprintf(csv->errbuf, csv->errlen,
           "%s:%lu: expected a number >= 0, got '%.40s'", csv->path,
           csv->lineno, field);
  return LSIM_EINVAL;
}

static int dist_csv_read(struct dist_csv *csv)
{
  int rc = 0;

  while (rc == 0 && getline(&csv->line, &csv->linecap, csv->file) != -1) {
    csv->lineno++;
    rc = dist_csv_line(csv);
  }
  if (rc != 0)
    return rc;

  if (ferror(csv->file)) {
    snprintf(csv->errbuf, csv->errlen, "%s: cannot read: %s", csv->path,
             strerror(errno));
    return LSIM_EINVAL;
  }
  if (csv->n == 0) {
    snprintf(csv->errbuf, csv->errlen,
             "%s: expected at least one sample, found none", csv->path);
    return LSIM_EINVAL;
  }
  return 0;
}

static int dist_compare_double(const void *pa, const void *pb)
{
  double a = *(const double *)pa, b = *(const double *)pb;

  return (a > b) - (a < b);
}

int lsim_dist_load_csv(struct lsim_dist *d, const char *path, char *errbuf,
                       size_t errlen)
{
  struct dist_csv csv = {.path = path, .errbuf = errbuf, .errlen = errlen};
  int rc;

  lsim_dist_release(d);
  csv.file = fopen(path, "r");
  if (csv.file == NULL) {
    snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
    return LSIM_EINVAL;
  }

  rc = dist_csv_read(&csv);
  fclose(csv.file);
  free(csv.line);
  if (rc != 0) {
    free(csv.samples);
    return rc;
  }

  qsort(csv.samples, csv.n, sizeof *csv.samples, dist_compare_double);
  d->kind = LSIM_DIST_EMPIRICAL;
  d->samples = csv.samples;
  d->nsamples = csv.n;
  return 0;
}
