/*
 * report.c - lsim_report_render(): results in, plots and report.html out.
 * See report.h.
 *
 * The order matters: all input is read and checked first, so bad input
 * writes nothing; the data and scripts come next, so that a user without
 * gnuplot still has everything needed to render elsewhere; report.html
 * comes last, because it embeds what gnuplot drew.
 */
#include "report.h"
#include "gnuplot.h"
#include "html.h"
#include "plots.h"
#include "results.h"
#include "rfile.h"

#include <stdlib.h>
#include <unistd.h>

const char *lsim_report_strerror(int code)
{
  switch (code) {
  case LSIM_REPORT_OK:
    return "success";
  case LSIM_REPORT_EINPUT:
    return "results are missing or invalid";
  case LSIM_REPORT_EIO:
    return "cannot write the report";
  case LSIM_REPORT_ENOMEM:
    return "out of memory";
  case LSIM_REPORT_EGNUPLOT:
    return "gnuplot failed";
  default:
    return "unknown error";
  }
}

/* Removes the images of an earlier render, so that plots/ never mixes
 * figures of old data with new data files. */
static void remove_images(const struct lsim_results *r, const char *dir)
{
  static const char *const exts[] = {"png", "svg"};
  char name[64], *path;

  for (int fig = 0; fig < LSIM_FIG_COUNT; fig++) {
    size_t n = lsim_figures[fig].per_point ? r->npoints : 1;
    for (size_t p = 0; p < n; p++) {
      for (size_t e = 0; e < 2; e++) {
        lsim_plots_file(fig, p, exts[e], name, sizeof name);
        path = lsim_rfile_join(dir, name);
        if (path != NULL)
          unlink(path);
        free(path);
      }
    }
  }
}

/* Runs gnuplot on every script, stopping at the first failure. */
static int render_figures(const char *gnuplot, const char *dir, char *err,
                          size_t errlen)
{
  char *log = lsim_rfile_join(dir, "plots/gnuplot.log");
  char script[64];
  int rc = 0;

  if (log == NULL)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "out of memory");
  for (int fig = 0; rc == 0 && fig < LSIM_FIG_COUNT; fig++) {
    snprintf(script, sizeof script, "plots/%s.gp", lsim_figures[fig].name);
    rc = lsim_gnuplot_run(gnuplot, dir, script, log, err, errlen);
  }
  free(log);
  return rc;
}

static int render(const struct lsim_results *r, const char *dir, char *err,
                  size_t errlen, int *gnuplot_missing)
{
  char *gnuplot = lsim_gnuplot_find(), *plots;
  int rc = lsim_plots_write(r, dir, err, errlen);

  if (rc == 0)
    remove_images(r, dir);
  if (rc == 0 && gnuplot != NULL)
    rc = render_figures(gnuplot, dir, err, errlen);
  if (rc == 0)
    rc = lsim_html_write(r, dir, gnuplot != NULL, err, errlen);

  if (rc == 0 && gnuplot == NULL) {
    *gnuplot_missing = 1;
    plots = lsim_rfile_join(dir, "plots");
    lsim_rfile_fail(err, errlen, 0,
                    "gnuplot not found: plots not rendered; data and "
                    "scripts are in %s",
                    plots != NULL ? plots : "plots");
    free(plots);
  }
  free(gnuplot);
  return rc;
}

int lsim_report_render(const char *dir, char *err, size_t errlen,
                       int *gnuplot_missing)
{
  struct lsim_results r;
  int missing = 0, rc;

  if (errlen > 0)
    err[0] = '\0';
  rc = lsim_results_load(&r, dir, err, errlen);
  if (rc == 0) {
    rc = render(&r, dir, err, errlen, &missing);
    lsim_results_release(&r);
  }
  if (gnuplot_missing != NULL)
    *gnuplot_missing = missing;
  return rc;
}
