/*
 * plots.c - writes dir/plots: which files there are and in what order;
 * the contents come from plotdata.c and plotscript.c. See plots.h.
 */
#include "plots.h"
#include "report.h"
#include "rfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const struct lsim_figure lsim_figures[LSIM_FIG_COUNT] = {
    [LSIM_FIG_OVERSHOOT] = {"overshoot", 0},
    [LSIM_FIG_TRADEOFF] = {"tradeoff", 0},
    [LSIM_FIG_TIMELINE] = {"timeline", 1},
    [LSIM_FIG_DETAIL] = {"timeline_detail", 1},
    [LSIM_FIG_CDF] = {"wait_cdf", 1},
};

void lsim_plots_file(enum lsim_figure_id fig, size_t point, const char *ext,
                     char *buf, size_t len)
{
  if (lsim_figures[fig].per_point)
    snprintf(buf, len, "plots/%s_p%zu.%s", lsim_figures[fig].name, point, ext);
  else
    snprintf(buf, len, "plots/%s.%s", lsim_figures[fig].name, ext);
}

double lsim_plots_x(const struct lsim_plot_ctx *c, size_t p)
{
  const cJSON *v;

  if (!c->numeric_x)
    return (double)p;
  v = cJSON_GetObjectItemCaseSensitive(c->r->params[p], c->r->sweep_keys[0]);
  return v->valuedouble;
}

/* Whether x can be the swept value itself: one key, numbers only. */
static int sweep_is_numeric(const struct lsim_results *r)
{
  if (r->nkeys != 1)
    return 0;
  for (size_t p = 0; p < r->npoints; p++)
    if (!cJSON_IsNumber(
            cJSON_GetObjectItemCaseSensitive(r->params[p], r->sweep_keys[0])))
      return 0;
  return 1;
}

/* A shift of about 1% of the x range between neighbouring policies
 * (5% of the gap between points when x is the point's number). */
static double policy_jitter(const struct lsim_plot_ctx *c)
{
  double lo = lsim_plots_x(c, 0), hi = lo, x;

  if (!c->numeric_x)
    return 0.05;
  for (size_t p = 1; p < c->r->npoints; p++) {
    x = lsim_plots_x(c, p);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  return 0.012 * (hi - lo);
}

/* Column of metric m's mean in summary.dat (from 1, as gnuplot counts):
 * point, x and label come first, then mean, lo, hi of every metric. */
static long summary_column(const struct lsim_results *r, const char *name)
{
  return 4 + 3 * lsim_results_metric(r, name);
}

static void init_ctx(struct lsim_plot_ctx *c, const struct lsim_results *r)
{
  memset(c, 0, sizeof *c);
  c->r = r;
  c->numeric_x = sweep_is_numeric(r);
  c->jitter = policy_jitter(c);
  c->c_overshoot = summary_column(r, "overshoot_events");
  c->c_time_over = summary_column(r, "time_over_limit_s");
  c->c_throughput = summary_column(r, "throughput_per_s");
}

typedef void (*plot_writer)(FILE *f, const struct lsim_plot_ctx *c);

/* Writes dir/<name> with `write`, replacing the file only when whole. */
static int write_file(const char *dir, const char *name, plot_writer write,
                      const struct lsim_plot_ctx *c, char *err, size_t errlen)
{
  struct lsim_rfile out;
  char *path = lsim_rfile_join(dir, name);
  int rc;

  if (path == NULL)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "out of memory");
  rc = lsim_rfile_open(&out, path, err, errlen);
  free(path);
  if (rc != 0)
    return rc;

  write(out.f, c);
  return lsim_rfile_commit(&out, err, errlen);
}

static int make_plots_dir(const char *dir, char *err, size_t errlen)
{
  char *path = lsim_rfile_join(dir, "plots");
  int rc = 0;

  if (path == NULL)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "out of memory");
  if (mkdir(path, 0777) != 0 && errno != EEXIST)
    rc = lsim_rfile_fail(err, errlen, LSIM_REPORT_EIO, "%s: cannot create: %s",
                         path, strerror(errno));
  free(path);
  return rc;
}

/* The per-point data files: timeline_p<k>.dat, overshoot_marks_p<k>.dat
 * (both timeline figures read them) and wait_cdf_p<k>.dat. */
static int write_point_data(const char *dir, struct lsim_plot_ctx *c, char *err,
                            size_t errlen)
{
  char name[64];
  int rc = 0;

  for (size_t p = 0; rc == 0 && p < c->r->npoints; p++) {
    c->point = p;
    lsim_plots_file(LSIM_FIG_TIMELINE, p, "dat", name, sizeof name);
    rc = write_file(dir, name, lsim_plots_timeline_dat, c, err, errlen);
    lsim_plots_marks_file(p, name, sizeof name);
    if (rc == 0)
      rc = write_file(dir, name, lsim_plots_marks_dat, c, err, errlen);
    lsim_plots_file(LSIM_FIG_CDF, p, "dat", name, sizeof name);
    if (rc == 0)
      rc = write_file(dir, name, lsim_plots_cdf_dat, c, err, errlen);
  }
  return rc;
}

int lsim_plots_write(const struct lsim_results *r, const char *dir, char *err,
                     size_t errlen)
{
  static const plot_writer scripts[LSIM_FIG_COUNT] = {
      [LSIM_FIG_OVERSHOOT] = lsim_plots_overshoot_gp,
      [LSIM_FIG_TRADEOFF] = lsim_plots_tradeoff_gp,
      [LSIM_FIG_TIMELINE] = lsim_plots_timeline_gp,
      [LSIM_FIG_DETAIL] = lsim_plots_detail_gp,
      [LSIM_FIG_CDF] = lsim_plots_cdf_gp,
  };
  struct lsim_plot_ctx c;
  char name[64];
  int rc = make_plots_dir(dir, err, errlen);

  init_ctx(&c, r);
  if (rc == 0)
    rc = write_file(dir, "plots/summary.dat", lsim_plots_summary_dat, &c, err,
                    errlen);
  if (rc == 0)
    rc = write_point_data(dir, &c, err, errlen);

  for (int fig = 0; rc == 0 && fig < LSIM_FIG_COUNT; fig++) {
    snprintf(name, sizeof name, "plots/%s.gp", lsim_figures[fig].name);
    rc = write_file(dir, name, scripts[fig], &c, err, errlen);
  }
  return rc;
}
