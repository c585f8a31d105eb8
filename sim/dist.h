/*
 * dist.h - the distributions of scenario files, sampled with GSL.
 *
 * All are of non-negative durations or counts in seconds. Parameters are
 * given the way a user thinks of them (lognormal by mean and sd) and turned
 * into GSL's at lsim_dist_prepare().
 *
 * Usage: zero a struct lsim_dist, set kind, a and b (or load samples with
 * lsim_dist_load_csv() for LSIM_DIST_EMPIRICAL), call lsim_dist_prepare(),
 * then sample; lsim_dist_release() when done.
 */
#ifndef LIMSIM_SIM_DIST_H
#define LIMSIM_SIM_DIST_H

#include "limsim.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

enum lsim_dist_kind {
  LSIM_DIST_CONSTANT,    /* value >= 0 */
  LSIM_DIST_UNIFORM,     /* min >= 0, max >= min */
  LSIM_DIST_EXPONENTIAL, /* mean > 0 */
  LSIM_DIST_NORMAL,      /* mean (any), sd > 0; truncated at 0 */
  LSIM_DIST_LOGNORMAL,   /* mean > 0, sd >= 0 of the variable itself */
  LSIM_DIST_GAMMA,       /* shape > 0, scale > 0 */
  LSIM_DIST_WEIBULL,     /* shape > 0, scale > 0 */
  LSIM_DIST_PARETO,      /* shape (alpha) > 0, scale (x_m) > 0 */
  LSIM_DIST_EMPIRICAL    /* samples from a CSV file, drawn uniformly */
};

struct lsim_dist {
  enum lsim_dist_kind kind;
  double a, b;      /* the two parameters named above, in that order */
  double mu, sigma; /* lognormal: the underlying normal's, derived */
  double *samples;  /* empirical: owned, sorted ascending */
  size_t nsamples;
};

/* The kind named `name` ("constant", "uniform", "exponential", "normal",
 * "lognormal", "gamma", "weibull", "pareto", "empirical"). Returns 0 and
 * sets *kind, or LSIM_EINVAL (-1) for an unknown name. */
int lsim_dist_kind_parse(const char *name, enum lsim_dist_kind *kind);

/* The name of `kind` as lsim_dist_kind_parse() knows it; "?" if unknown. */
const char *lsim_dist_kind_name(enum lsim_dist_kind kind);

/* The name of parameter `index` (0 for a, 1 for b) of `kind`, e.g.
 * "mean", "sd", "shape", "scale", as scenario files spell it; NULL when the
 * kind has no such parameter (constant has only "value", empirical none).
 */
const char *lsim_dist_param_name(enum lsim_dist_kind kind, int index);

/* Checks the parameters and derives mu/sigma (lognormal). Every parameter
 * must be finite and in the range given in enum lsim_dist_kind; an
 * empirical distribution must hold samples. Returns 0, or LSIM_EINVAL (-1)
 * with a one-line message without file or key path, naming the parameter
 * and what was expected, in errbuf (errlen bytes, NUL-terminated), e.g.
 * "mean: expected a number > 0, got -1", which the caller prefixes with
 * "FILE: KEY." to make the user's message. */
int lsim_dist_prepare(struct lsim_dist *d, char *errbuf, size_t errlen);

/* Reads an empirical CSV into d->samples (sorted) and sets d->kind to
 * LSIM_DIST_EMPIRICAL; samples already held are freed first. One sample a
 * line, or the first column of a comma-separated line; blank lines are
 * skipped; a first non-blank line that is not a number is a header. Every
 * sample must be a finite number >= 0. Returns 0, LSIM_ENOMEM, or
 * LSIM_EINVAL (-1) with one of these messages in errbuf:
 *   "FILE: cannot open: REASON" (REASON from strerror)
 *   "FILE:LINE: expected a number >= 0, got 'TEXT'"
 *   "FILE: expected at least one sample, found none"
 * On failure d holds no samples. */
int lsim_dist_load_csv(struct lsim_dist *d, const char *path, char *errbuf,
                       size_t errlen);

/* An exponential draw of mean `mean`, as -mean ln U with U uniform on
 * (0, 1). Every exponential in limsim comes from here, so the simulator
 * and live mode draw the same numbers from the same streams; it skips the
 * log1p that gsl_ran_exponential pays for, the simulator's biggest cost. */
double lsim_dist_exponential(gsl_rng *rng, double mean);

/* A draw, >= 0, from a prepared distribution. The normal is truncated at
 * 0 exactly: it draws from the normal conditioned on x >= 0 (GSL's
 * Gaussian tail sampler), so a mean far below 0 neither loops nor piles up
 * at 0. */
double lsim_dist_sample(const struct lsim_dist *d, gsl_rng *rng);

/* The mean of what lsim_dist_sample() draws: analytic (the normal's after
 * truncation), the sample mean for empirical, INFINITY for a pareto with
 * shape <= 1. */
double lsim_dist_mean(const struct lsim_dist *d);

/* The standard deviation of what lsim_dist_sample() draws, likewise;
 * INFINITY for a pareto with shape <= 2. */
double lsim_dist_sd(const struct lsim_dist *d);

/* Frees what the distribution owns (empirical samples). */
void lsim_dist_release(struct lsim_dist *d);

#endif
