/*
 * plottimeline.c - the two timeline figures of every point: the whole
 * run, and a short detail window where single sessions and overshoot
 * events can be told apart. See plots.h.
 *
 * A run of an hour has thousands of changes: drawn whole on 1000
 * pixels, the upstream line becomes a solid band and says little more
 * than "near the limit". The whole-run figure keeps the overview (where
 * the events cluster, how many there are); the detail figure shows what
 * one event looks like. Both draw every overshoot as a mark above the
 * limit, because with overflow "reject" a refused start never reaches
 * the upstream count and the line alone cannot show it.
 */
#include "plots.h"

#include <math.h>
#include <string.h>

/* The marks' colour: the Okabe-Ito vermillion, like the shading of
 * time above the limit, since both mean "the provider saw N+1". */
#define MARK_COLOUR "#D55E00"
#define WARMUP_COLOUR "#ebebeb"

static const struct lsim_series *series(const struct lsim_results *r,
                                        size_t point, size_t policy)
{
  return &r->timeline[point * r->npolicies + policy];
}

/* The time of the first overshoot at or after t, or -1. */
static double first_event_from(const struct lsim_series *s, double t)
{
  double before = 0;

  for (size_t j = 0; j < s->nrows; j++) {
    const double *row = &s->v[j * LSIM_TL_COLS];
    if (row[LSIM_TL_OVERSHOOTS] > before && row[LSIM_TL_TIME] >= t)
      return row[LSIM_TL_TIME];
    before = row[LSIM_TL_OVERSHOOTS];
  }
  return -1;
}

/* The time of the last row in any policy of the point. */
static double timeline_end(const struct lsim_results *r, size_t point)
{
  double end = 0;

  for (size_t i = 0; i < r->npolicies; i++) {
    const struct lsim_series *s = series(r, point, i);
    double t = s->v[(s->nrows - 1) * LSIM_TL_COLS + LSIM_TL_TIME];
    end = t > end ? t : end;
  }
  return end;
}

void lsim_plots_detail_window(const struct lsim_results *r, size_t point,
                              struct lsim_detail_window *w)
{
  double warm = r->warmup_s, end = timeline_end(r, point), t;

  w->first = -1;
  for (size_t i = 0; i < r->npolicies; i++) {
    t = first_event_from(series(r, point, i), warm);
    if (t >= 0 && (w->first < 0 || t < w->first))
      w->first = t;
  }

  /* Whole seconds make tidy tic labels. */
  w->reason = LSIM_DETAIL_AT_WARMUP;
  w->from = floor(warm);
  if (w->first - LSIM_DETAIL_LEAD_S > warm) {
    w->reason = LSIM_DETAIL_AT_EVENT;
    w->from = floor(w->first - LSIM_DETAIL_LEAD_S);
  }
  w->to = w->from + LSIM_DETAIL_SPAN_S;

  /* Past the end: keep the span, ending with the timeline. */
  if (w->to > end && end > 0) {
    w->reason = LSIM_DETAIL_AT_END;
    w->to = end;
    w->from = end > LSIM_DETAIL_SPAN_S ? floor(end - LSIM_DETAIL_SPAN_S) : 0;
  }
}

/* Where the warm-up ends, and the first overshoot after it, in words. */
static void describe_start(const struct lsim_results *r,
                           const struct lsim_detail_window *w, char *buf,
                           size_t len)
{
  int n = r->warmup_s > 0
              ? snprintf(buf, len, "the warm-up ends at %g s", r->warmup_s)
              : snprintf(buf, len, "there is no warm-up");

  if (n < 0 || (size_t)n >= len)
    return;
  if (w->first >= 0)
    snprintf(buf + n, len - (size_t)n,
             "; the first overshoot after it is "
             "at %.1f s",
             w->first);
  else
    snprintf(buf + n, len - (size_t)n, "; no overshoot after it");
}

void lsim_plots_detail_why(const struct lsim_results *r,
                           const struct lsim_detail_window *w, char *buf,
                           size_t len)
{
  char start[128];

  describe_start(r, w, start, sizeof start);
  if (w->reason == LSIM_DETAIL_AT_EVENT)
    snprintf(buf, len,
             "starts %g s before the first overshoot after the "
             "warm-up (at %.1f s)",
             LSIM_DETAIL_LEAD_S, w->first);
  else if (w->reason == LSIM_DETAIL_AT_WARMUP)
    snprintf(buf, len, "starts where %s", start);
  else if (w->from > 0)
    snprintf(buf, len, "is the last %g s of the timeline: %s",
             LSIM_DETAIL_SPAN_S, start);
  else
    snprintf(buf, len, "is the whole timeline, shorter than %g s: %s",
             LSIM_DETAIL_SPAN_S, start);
}

double lsim_plots_events(const struct lsim_results *r, size_t point,
                         size_t policy, double from, double to)
{
  const struct lsim_series *s = series(r, point, policy);
  double at_from = 0, at_to = 0;

  for (size_t j = 0; j < s->nrows; j++) {
    const double *row = &s->v[j * LSIM_TL_COLS];
    if (row[LSIM_TL_TIME] < from)
      at_from = row[LSIM_TL_OVERSHOOTS];
    if (row[LSIM_TL_TIME] <= to)
      at_to = row[LSIM_TL_OVERSHOOTS];
  }
  return at_to - at_from;
}

int lsim_plots_over_limit(const struct lsim_results *r, size_t point)
{
  for (size_t i = 0; i < r->npolicies; i++) {
    const struct lsim_series *s = series(r, point, i);
    for (size_t j = 0; j < s->nrows; j++) {
      const double *row = &s->v[j * LSIM_TL_COLS];
      if (row[LSIM_TL_UPSTREAM] > row[LSIM_TL_LIMIT])
        return 1;
    }
  }
  return 0;
}

static double max3(double a, double b, double c)
{
  double m = a > b ? a : b;

  return m > c ? m : c;
}

/* Under overflow "admit" the upstream line itself goes to the limit + 1
 * at an overshoot; a mark there would hide on the line's corner. */
double lsim_plots_mark_y(const double *row)
{
  double upstream = row[LSIM_TL_UPSTREAM], limit = row[LSIM_TL_LIMIT];

  return (upstream > limit ? upstream : limit) + 1;
}

double lsim_plots_timeline_top(const struct lsim_results *r)
{
  double top = 1;

  for (size_t k = 0; k < r->npoints * r->npolicies; k++) {
    const struct lsim_series *s = &r->timeline[k];
    for (size_t j = 0; j < s->nrows; j++) {
      const double *row = &s->v[j * LSIM_TL_COLS];
      top = max3(top, row[LSIM_TL_UPSTREAM], row[LSIM_TL_IN_USE]);
      top = max3(top, row[LSIM_TL_LIMIT] + 1, lsim_plots_mark_y(row));
    }
  }
  return top;
}

/* ---- the scripts ---- */

/* "array name[n] = [ a, b, ... ]" of the events of every point and
 * policy, index p * npol + i as the scripts count; from..to, or the
 * detail window of each point when `detail`. */
static void put_events(FILE *f, const struct lsim_plot_ctx *c, int detail)
{
  const struct lsim_results *r = c->r;
  struct lsim_detail_window w = {0, INFINITY, -1, LSIM_DETAIL_AT_WARMUP};

  fprintf(f,
          "# Overshoot events %s, per point p and policy i\n"
          "# (index p * npol + i), for the panel titles.\n"
          "array events[%zu] = [",
          detail ? "in the window" : "in the run (warm-up included)",
          r->npoints * r->npolicies);
  for (size_t p = 0; p < r->npoints; p++) {
    if (detail)
      lsim_plots_detail_window(r, p, &w);
    for (size_t i = 0; i < r->npolicies; i++)
      fprintf(f, "%s%.0f", p + i > 0 ? ", " : " ",
              lsim_plots_events(r, p, i, w.from, w.to));
  }
  fputs(" ]\n", f);
}

/* Per point, whether the upstream line ever goes above the limit: the
 * shading's key entry is shown only then, so that a legend never names
 * something the figure cannot show. */
static void put_over_limit(FILE *f, const struct lsim_results *r)
{
  fprintf(f,
          "# Per point: 1 when the upstream count went above the limit "
          "(overflow\n# \"admit\"), which is when the shading shows.\n"
          "array over_limit[%zu] = [",
          r->npoints);
  for (size_t p = 0; p < r->npoints; p++)
    fprintf(f, "%s%d", p > 0 ? ", " : " ", lsim_plots_over_limit(r, p));
  fputs(" ]\n\n", f);
}

/* The axes every panel shares; integer tics while they fit. */
static void put_axes(FILE *f, const struct lsim_results *r)
{
  double top = lsim_plots_timeline_top(r) + 1;

  fprintf(f,
          "# One y range for every panel and point, so that they compare; "
          "the marks\n# sit one above the limit or the upstream line.\n"
          "set yrange [0:%g]\n",
          top);
  if (top <= 16)
    fputs("set ytics 1\n", f);
  fputs("set xlabel 'time (s)'\nset ylabel 'sessions'\n"
        "set key outside right top\n",
        f);
  if (r->warmup_s > 0)
    fprintf(f,
            "# The warm-up, left out of every metric, shaded grey.\n"
            "warmup = %g\n"
            "set object 1 rectangle from 0, graph 0 to warmup, graph 1 "
            "behind \\\n  fc rgb '%s' fs solid noborder\n",
            r->warmup_s, WARMUP_COLOUR);
  fputc('\n', f);
}

/* The multiplot and each panel's title, with its count of events. */
static void put_panel_titles(FILE *f, const char *title, int detail)
{
  fprintf(f,
          "    set multiplot layout npol,1 title %s\n"
          "    do for [i=1:npol] {\n"
          "      n = events[p * npol + i]\n"
          "      set title sprintf('%%s: %%d overshoot event%%s %s', "
          "policy[i], n, \\\n"
          "        n == 1 ? '' : 's')\n",
          title, detail ? "in this window" : "in the run");
}

/*
 * A panel per policy: the shading under everything, the limiter's
 * grants, the policy's own line, the limit over it (the upstream line
 * spends most of its time at the limit and would hide it) and the marks
 * on top. The warm-up's key entry only where the warm-up can show.
 */
static void put_panel_plot(FILE *f, const struct lsim_results *r, int detail)
{
  fputs("      plot data index (i-1) using 1:2:3 with filledcurves above \\\n"
        "             fc rgb '" MARK_COLOUR "' fs transparent solid 0.3 "
        "noborder \\\n"
        "             title (over_limit[p+1] ? 'upstream above the limit' "
        ": ''), \\\n"
        "           data index (i-1) using 1:4 with lines lc rgb '#999999' "
        "dt 1 lw 1 \\\n"
        "             title 'limiter: slots in use', \\\n"
        "           data index (i-1) using 1:2 with lines lt i dt 1 \\\n"
        "             title 'upstream (provider count)', \\\n"
        "           data index (i-1) using 1:3 with lines lc rgb '#000000' "
        "dt 2 lw 1.5 \\\n"
        "             title 'limit', \\\n",
        f);
  fprintf(f,
          "           marks index (i-1) using 1:2 with points pt 11 ps %g \\\n"
          "             lc rgb '" MARK_COLOUR "' title 'start found the cap "
          "(N+1 / 429)'",
          detail ? 1.2 : 0.7);
  if (r->warmup_s > 0)
    fprintf(f,
            ", \\\n           keyentry with boxes fc rgb '" WARMUP_COLOUR
            "' fs solid \\\n             title %s",
            detail ? "(detail_from[p+1] < warmup ? 'warm-up (not measured)' "
                     ": '')"
                   : "'warm-up (not measured)'");
  fputs("\n    }\n    unset multiplot\n  }\n", f);
}

/* What both scripts read, and their loop over points. */
static void put_point_loop(FILE *f, const char *name)
{
  lsim_plots_put_point_loop(f, name, "timeline");
  fputs("    marks = sprintf('plots/overshoot_marks_p%d.dat', p)\n", f);
}

static const char timeline_reads[] =
    "plots/timeline_p<N>.dat (a block per policy;\n# columns time_s "
    "upstream limit in_use queued overshoots, already as\n# steps) and "
    "plots/overshoot_marks_p<N>.dat (the overshoot events)";

void lsim_plots_timeline_gp(FILE *f, const struct lsim_plot_ctx *c)
{
  lsim_plots_put_header(
      f, "timeline",
      "upstream sessions (the provider's count) over the whole\n# run "
      "against the limit, a panel per policy, first replication of every\n"
      "# point. Each overshoot event (a session start that found the "
      "upstream at\n# the limit or above: HTTP 429 under overflow "
      "\"reject\") is a mark above\n# the limit; time above the limit is "
      "shaded. timeline_detail.gp draws\n# a short window of the same "
      "data.",
      timeline_reads, "plots/timeline_p<N>");
  lsim_plots_put_start(f, c);
  put_events(f, c, 0);
  put_over_limit(f, c->r);
  put_axes(f, c->r);
  fputs("set xrange [0:*]\nset autoscale xfix\n", f);

  lsim_plots_put_format_loop(f, 1000, 80 + 220 * (int)c->r->npolicies);
  put_point_loop(f, "timeline");
  put_panel_titles(f,
                   "\\\n      'Upstream sessions against the limit, whole "
                   "run (first replication), ' \\\n      . "
                   "point_label[p+1]",
                   0);
  put_panel_plot(f, c->r, 0);
  lsim_plots_put_format_loop_end(f);
}

/* The window of every point, and why it is there, as arrays. */
static void put_windows(FILE *f, const struct lsim_results *r)
{
  struct lsim_detail_window w;
  char why[256];

  fputs("# The window of every point (s): edit these to look elsewhere.\n", f);
  for (size_t p = 0; p < r->npoints; p++) {
    lsim_plots_detail_window(r, p, &w);
    fprintf(f, "%s%g", p == 0 ? "array detail_from[npoints] = [ " : ", ",
            w.from);
  }
  for (size_t p = 0; p < r->npoints; p++) {
    lsim_plots_detail_window(r, p, &w);
    fprintf(f, "%s%g", p == 0 ? " ]\narray detail_to[npoints] = [ " : ", ",
            w.to);
  }
  fputs(" ]\n", f);
  for (size_t p = 0; p < r->npoints; p++) {
    lsim_plots_detail_window(r, p, &w);
    lsim_plots_detail_why(r, &w, why, sizeof why);
    if (p == 0)
      fputs("# Where each window is, and why (for the titles).\n", f);
    lsim_plots_put_array_item(f, "detail_why", p, r->npoints, why);
  }
}

void lsim_plots_detail_gp(FILE *f, const struct lsim_plot_ctx *c)
{
  char span[256];

  snprintf(span, sizeof span,
           "upstream sessions against the limit over a\n# short window "
           "(%g s) of the run, where single sessions and overshoot\n# "
           "events can be told apart: the same data as timeline.gp.",
           LSIM_DETAIL_SPAN_S);
  lsim_plots_put_header(f, "timeline_detail", span, timeline_reads,
                        "plots/timeline_detail_p<N>");
  lsim_plots_put_start(f, c);
  put_windows(f, c->r);
  put_events(f, c, 1);
  put_over_limit(f, c->r);
  put_axes(f, c->r);
  fputs("set mxtics 2\n", f);

  lsim_plots_put_format_loop(f, 1000, 100 + 220 * (int)c->r->npolicies);
  put_point_loop(f, "timeline_detail");
  fputs("    set xrange [detail_from[p+1]:detail_to[p+1]]\n", f);
  put_panel_titles(f,
                   "\\\n      sprintf('Detail: %g s to %g s of the first "
                   "replication, %s', \\\n        detail_from[p+1], "
                   "detail_to[p+1], point_label[p+1]) \\\n      . "
                   "\"\\nThe window \" . detail_why[p+1]",
                   1);
  put_panel_plot(f, c->r, 1);
  lsim_plots_put_format_loop_end(f);
}
