/*
 * plots.h - the figures of a report: their gnuplot data files and
 * scripts under dir/plots. Internal to reports/.
 *
 * Every script renders its figure twice, as plots/<name>.png (pngcairo)
 * and plots/<name>.svg; figures drawn once per sweep point are named
 * <name>_p<point>. Scripts use paths relative to the results directory,
 * so gnuplot runs there.
 */
#ifndef LIMSIM_REPORTS_PLOTS_H
#define LIMSIM_REPORTS_PLOTS_H

#include "results.h"

#include <stdio.h>

enum lsim_figure_id {
  LSIM_FIG_OVERSHOOT, /* overshoot against the first sweep key */
  LSIM_FIG_TRADEOFF,  /* throughput against overshoot */
  LSIM_FIG_TIMELINE,  /* upstream sessions over the run, per point */
  LSIM_FIG_DETAIL,    /* the same over a short window, per point */
  LSIM_FIG_CDF,       /* queue wait CDF, per point */
  LSIM_FIG_COUNT
};

struct lsim_figure {
  const char *name; /* plots/<name>.gp */
  int per_point;    /* one image per sweep point */
};

extern const struct lsim_figure lsim_figures[LSIM_FIG_COUNT];

/* "plots/<name>.<ext>", or "plots/<name>_p<point>.<ext>" for a per-point
 * figure, into buf (len bytes). */
void lsim_plots_file(enum lsim_figure_id fig, size_t point, const char *ext,
                     char *buf, size_t len);

/* What the writers of data and scripts share. */
struct lsim_plot_ctx {
  const struct lsim_results *r;
  size_t point;  /* the point a per-point data file is for */
  int numeric_x; /* one sweep key, all its values numbers: x is the value */
  double jitter; /* x shift between policies, so error bars stay apart */
  long c_overshoot, c_time_over, c_throughput; /* summary.dat columns */
};

/*
 * Creates dir/plots if needed and writes every data file and script.
 * Returns 0, LSIM_REPORT_EIO or LSIM_REPORT_ENOMEM with err filled.
 */
int lsim_plots_write(const struct lsim_results *r, const char *dir, char *err,
                     size_t errlen);

/* "plots/overshoot_marks_p<point>.dat" into buf (len bytes): the
 * overshoot marks both timeline figures draw. */
void lsim_plots_marks_file(size_t point, char *buf, size_t len);

/* The data files (plotdata.c) and scripts (plotscript.c, and
 * plottimeline.c for the two timeline figures). */
void lsim_plots_summary_dat(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_timeline_dat(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_marks_dat(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_cdf_dat(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_overshoot_gp(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_tradeoff_gp(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_timeline_gp(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_detail_gp(FILE *f, const struct lsim_plot_ctx *c);
void lsim_plots_cdf_gp(FILE *f, const struct lsim_plot_ctx *c);

/* What every script shares (plotscript.c). */

/* s as a gnuplot single-quoted string. */
void lsim_plots_put_string(FILE *f, const char *s);

/* The comment at the top of script `name`: what it draws (`what`), the
 * data it reads and the images (`writes`.png and .svg) it writes. */
void lsim_plots_put_header(FILE *f, const char *name, const char *what,
                           const char *reads, const char *writes);

/* Item i of an n-item array literal `name`, one item to a line. */
void lsim_plots_put_array_item(FILE *f, const char *name, size_t i, size_t n,
                               const char *item);

/* The arrays of policy and point names, the line styles and defaults. */
void lsim_plots_put_start(FILE *f, const struct lsim_plot_ctx *c);

/* Opens the loop over the two formats, the terminal width x height
 * pixels; lsim_plots_put_format_loop_end() closes it. */
void lsim_plots_put_format_loop(FILE *f, int width, int height);
void lsim_plots_put_format_loop_end(FILE *f);

/* Opens a loop over points p inside the format loop: `data` is
 * plots/<data>_p<p>.dat and the output plots/<name>_p<p>.<fmt>. The
 * caller closes it with "  }". */
void lsim_plots_put_point_loop(FILE *f, const char *name, const char *data);

/* ---- what the timeline figures show beyond the rows (plottimeline.c) ---- */

/* The detail figure's span in seconds, and how much of it goes before
 * the first overshoot it is placed on. */
#define LSIM_DETAIL_SPAN_S 120.0
#define LSIM_DETAIL_LEAD_S 10.0

/*
 * The window of a point's detail figure, the same for every policy so
 * that the panels compare. It starts at the end of the warm-up, or
 * LSIM_DETAIL_LEAD_S before the first overshoot at or after the warm-up
 * in any policy, whichever is later, and spans LSIM_DETAIL_SPAN_S; at
 * the end of the timeline it is moved back (never before 0) to keep
 * its span.
 */
enum lsim_detail_reason {
  LSIM_DETAIL_AT_WARMUP, /* at the warm-up's end: the first overshoot
                            after it is within the lead, or none is */
  LSIM_DETAIL_AT_EVENT,  /* placed on the first overshoot after it */
  LSIM_DETAIL_AT_END     /* moved back to end with the timeline */
};

struct lsim_detail_window {
  double from, to; /* whole seconds, except `to` at the timeline's end */
  double first;    /* the first overshoot after the warm-up; -1: none */
  enum lsim_detail_reason reason;
};

void lsim_plots_detail_window(const struct lsim_results *r, size_t point,
                              struct lsim_detail_window *w);

/* Where w is and why, in words for a title or caption, into buf. */
void lsim_plots_detail_why(const struct lsim_results *r,
                           const struct lsim_detail_window *w, char *buf,
                           size_t len);

/* Overshoot events of (point, policy) from `from` to `to` (inclusive),
 * counted from the rows' running count. */
double lsim_plots_events(const struct lsim_results *r, size_t point,
                         size_t policy, double from, double to);

/* Whether any upstream count of the point goes above its limit (the
 * provider admitted the session that overshot). */
int lsim_plots_over_limit(const struct lsim_results *r, size_t point);

/* Where the overshoot mark of a timeline row is drawn: one above the
 * limit, or above the upstream count when that is higher. */
double lsim_plots_mark_y(const double *row);

/* The highest upstream count, grant count, limit + 1 or mark in any
 * timeline: the top of the y range, less the room above it. */
double lsim_plots_timeline_top(const struct lsim_results *r);

/* The swept values of point p, "0.5" or "0.5, 4", into buf: labels
 * where there is no room for the key names. */
void lsim_plots_point_values(const struct lsim_results *r, size_t p, char *buf,
                             size_t len);

/* The x value of point p in summary.dat: the swept value when numeric_x,
 * otherwise the point's index. */
double lsim_plots_x(const struct lsim_plot_ctx *c, size_t p);

#endif
