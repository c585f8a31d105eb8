/*
 * fuzz_dist_csv.c - the empirical distribution's CSV reader on arbitrary
 * bytes: samples come back sorted, finite and >= 0, or there is one error
 * line and no samples.
 */
#include "csv_file.h"
#include "dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_samples(const struct lsim_dist *d)
{
  if (d->nsamples == 0 || d->kind != LSIM_DIST_EMPIRICAL)
    abort();
  for (size_t i = 0; i < d->nsamples; i++)
    if (!isfinite(d->samples[i]) || d->samples[i] < 0 ||
        (i > 0 && d->samples[i] < d->samples[i - 1]))
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct lsim_dist d;
  char err[512];

  memset(&d, 0, sizeof d);
  if (lsim_dist_load_csv(&d, fuzz_csv_write(data, size), err, sizeof err) !=
      0) {
    if (d.samples != NULL || d.nsamples != 0 ||
        memchr(err, '\0', sizeof err) == NULL || strchr(err, '\n') != NULL)
      abort();
    return 0;
  }

  check_samples(&d);
  if (lsim_dist_prepare(&d, err, sizeof err) != 0)
    abort();
  lsim_dist_release(&d);
  return 0;
}
