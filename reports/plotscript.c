/*
 * plotscript.c - the gnuplot scripts under dir/plots; see plots.h.
 *
 * The scripts are for people as much as for `limsim plot`: the names of
 * the policies and points sit in arrays at the top, loops do the
 * repetition, and comments say what each file holds, so that changing a
 * title, a range or a size is a one-line edit. Each script loops over
 * the two formats; gnuplot cannot replot a multiplot into a second
 * terminal, so drawing twice is the simple way to get both.
 */
#include "plots.h"

#include <string.h>

/* Okabe-Ito colours: distinguishable with every common colour vision
 * deficiency. Yellow comes last: it is faint on white. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73",
                                      "#CC79A7", "#E69F00", "#56B4E9",
                                      "#000000", "#F0E442"};

/* A dash and a point type per line type, so that the figures also read
 * in grey: solid, dashes, dash-dot, dash-dot-dot, dots... and filled
 * circle, square, triangle, diamond, pentagon... */
static const char *const dashes[] = {"1",     "2",          "4",      "5",
                                     "(2,4)", "(12,4,2,4)", "(16,6)", "3"};
static const int points[] = {7, 5, 9, 13, 15, 11, 3, 1};

#define NSTYLES (sizeof palette / sizeof palette[0])

/* s as a gnuplot single-quoted string: a quote is doubled, control
 * characters become spaces. */
void lsim_plots_put_string(FILE *f, const char *s)
{
  fputc('\'', f);
  for (; *s != '\0'; s++) {
    if (*s == '\'')
      fputc('\'', f);
    fputc((unsigned char)*s < ' ' ? ' ' : *s, f);
  }
  fputc('\'', f);
}

void lsim_plots_put_header(FILE *f, const char *name, const char *what,
                           const char *reads, const char *writes)
{
  fprintf(f,
          "# %s.gp - %s\n#\n"
          "# Written by `limsim plot` from results.json. Edit it freely and "
          "run it\n# again from the results directory (paths here are "
          "relative to it):\n#   cd DIR && gnuplot plots/%s.gp\n"
          "# It reads %s\n# and writes %s.png and %s.svg.\n\n",
          name, what, name, reads, writes, writes);
}

/* Item i of an n-item gnuplot array literal, one item to a line. */
void lsim_plots_put_array_item(FILE *f, const char *name, size_t i, size_t n,
                               const char *item)
{
  if (i == 0)
    fprintf(f, "array %s[%zu] = [ \\\n", name, n);
  fputs("  ", f);
  lsim_plots_put_string(f, item);
  fputs(i + 1 < n ? ", \\\n" : "]\n", f);
}

/* The policies and points, as arrays the loops below index from 1. */
static void put_names(FILE *f, const struct lsim_results *r)
{
  char label[512];

  fprintf(f, "npol = %zu\n", r->npolicies);
  for (size_t i = 0; i < r->npolicies; i++)
    lsim_plots_put_array_item(f, "policy", i, r->npolicies, r->policies[i]);
  fprintf(f, "npoints = %zu\n", r->npoints);
  for (size_t p = 0; p < r->npoints; p++) {
    lsim_results_point_label(r, p, label, sizeof label);
    lsim_plots_put_array_item(f, "point_label", p, r->npoints, label);
  }
  fputc('\n', f);
}

static void put_styles(FILE *f)
{
  fputs("# Okabe-Ito colours (safe for colour-blind readers), and a dash "
        "type and\n# point type per policy so that the figures also read in "
        "grey.\n",
        f);
  for (size_t i = 0; i < NSTYLES; i++)
    fprintf(f, "set linetype %zu lc rgb '%s' lw 2 dt %s pt %d ps 1.3\n", i + 1,
            palette[i], dashes[i], points[i]);
  fprintf(f, "set linetype cycle %zu\n", NSTYLES);
  fputs("set datafile missing '?'\n"
        "set grid lc rgb '#dddddd' lw 1 dt 1\n"
        "set border lc rgb '#444444'\n\n",
        f);
}

/* Opens `do for [fmt ...]` and sets the terminal for width x height
 * pixels; lsim_plots_put_format_loop_end() closes it. */
void lsim_plots_put_format_loop(FILE *f, int width, int height)
{
  fprintf(f,
          "do for [fmt in 'png svg'] {\n"
          "  if (fmt eq 'png') {\n"
          "    set terminal pngcairo size %d,%d font 'sans,10' noenhanced \\\n"
          "      background '#ffffff'\n"
          "  } else {\n"
          "    set terminal svg size %d,%d font 'sans,11' noenhanced \\\n"
          "      background '#ffffff'\n"
          "  }\n",
          width, height, width, height);
}

void lsim_plots_put_format_loop_end(FILE *f)
{
  fputs("  unset output\n}\n", f);
}

void lsim_plots_put_start(FILE *f, const struct lsim_plot_ctx *c)
{
  put_names(f, c->r);
  put_styles(f);
}

/* ---- overshoot: against the first sweep key, or bars with no sweep ---- */

/* Shared by both forms: the metrics' columns and the two panels' labels. */
static void put_overshoot_columns(FILE *f, const struct lsim_plot_ctx *c)
{
  fprintf(f,
          "# Columns of summary.dat: mean, then ci95_lo and ci95_hi.\n"
          "c_overshoot = %ld  # overshoot_events\n"
          "c_time_over = %ld  # time_over_limit_s\n\n",
          c->c_overshoot, c->c_time_over);
}

static void put_overshoot_title(FILE *f, const struct lsim_plot_ctx *c,
                                const char *against)
{
  char title[512];

  snprintf(title, sizeof title,
           "Overshoot %s (mean and 95%% CI over %ld replications)", against,
           c->r->replications);
  fputs("  set multiplot layout 1,2 title ", f);
  lsim_plots_put_string(f, title);
  fputc('\n', f);
}

/* One panel: error bars drawn solid (dashed ones are hard to read), then
 * the policy's line in its own dash type, which also makes the key. */
static void put_sweep_panel(FILE *f, const char *column, const char *x)
{
  fprintf(f,
          "  plot for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
          "    using %s:(column(%s)):(column(%s+1)):(column(%s+2)) \\\n"
          "    with yerrorbars lt i dt 1 notitle, \\\n"
          "    for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
          "    using %s:(column(%s)) with linespoints lt i title policy[i]\n",
          x, column, column, column, x, column);
}

/* Without a numeric sweep, x is the point's number: a tic per point,
 * labelled with its swept values. */
static void put_point_tics(FILE *f, const struct lsim_results *r)
{
  char label[256];

  fputs("set xrange [-0.5:npoints - 0.5]\nset xtics rotate by -20 (", f);
  for (size_t p = 0; p < r->npoints; p++) {
    lsim_plots_point_values(r, p, label, sizeof label);
    fputs(p > 0 ? ", " : "", f);
    lsim_plots_put_string(f, label);
    fprintf(f, " %zu", p);
  }
  fputs(")\n", f);
}

static void put_overshoot_sweep(FILE *f, const struct lsim_plot_ctx *c)
{
  const char *key = c->r->sweep_keys[0];
  const char *x = c->numeric_x ? "($2 + shift(i))" : "($1 + shift(i))";
  char against[256];

  fprintf(f,
          "# Policies sit %g apart on x so that error bars do not hide "
          "each other.\nshift(i) = (i - (npol + 1) / 2.0) * %.6g\n",
          c->jitter, c->jitter);
  fputs("set xlabel ", f);
  lsim_plots_put_string(f, c->numeric_x ? key : "sweep point");
  fputs("\nset yrange [0:*]\nset key top left\n", f);
  if (!c->numeric_x)
    put_point_tics(f, c->r);

  lsim_plots_put_format_loop(f, 1100, 480);
  fputs("  set output 'plots/overshoot.' . fmt\n", f);
  snprintf(against, sizeof against, "against %s",
           c->numeric_x ? key : "the sweep");
  put_overshoot_title(f, c, against);
  fputs("  set ylabel 'overshoot events per run'\n", f);
  put_sweep_panel(f, "c_overshoot", x);
  fputs("  set ylabel 'time over the limit per run (s)'\n", f);
  put_sweep_panel(f, "c_time_over", x);
  fputs("  unset multiplot\n", f);
}

static void put_overshoot_bars(FILE *f, const struct lsim_plot_ctx *c)
{
  fputs("# One point, no sweep: a bar per policy (using x:y:ylow:yhigh:width)."
        "\n"
        "set style fill solid 0.8 border rgb '#444444'\n"
        "set xrange [0.4:npol + 0.6]\nset yrange [0:*]\n"
        "set xtics scale 0\nunset key\n",
        f);
  lsim_plots_put_format_loop(f, 1100, 480);
  fputs("  set output 'plots/overshoot.' . fmt\n", f);
  put_overshoot_title(f, c, "per policy");
  fputs("  set ylabel 'overshoot events per run'\n"
        "  plot for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
        "    using (i):(column(c_overshoot)):(column(c_overshoot+1)):"
        "(column(c_overshoot+2)):(0.6):xtic(policy[i]) \\\n"
        "    with boxerrorbars lt i dt 1\n"
        "  set ylabel 'time over the limit per run (s)'\n"
        "  plot for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
        "    using (i):(column(c_time_over)):(column(c_time_over+1)):"
        "(column(c_time_over+2)):(0.6):xtic(policy[i]) \\\n"
        "    with boxerrorbars lt i dt 1\n"
        "  unset multiplot\n",
        f);
}

void lsim_plots_overshoot_gp(FILE *f, const struct lsim_plot_ctx *c)
{
  lsim_plots_put_header(
      f, "overshoot",
      "overshoot events and time over the limit per\n# run, a line "
      "per policy against the swept parameter (a bar per\n# policy "
      "when nothing is swept).",
      "plots/summary.dat", "plots/overshoot");
  lsim_plots_put_start(f, c);
  put_overshoot_columns(f, c);
  if (c->r->npoints > 1)
    put_overshoot_sweep(f, c);
  else
    put_overshoot_bars(f, c);
  lsim_plots_put_format_loop_end(f);
}

/* ---- trade-off: throughput against overshoot ---- */

/* The plot command: error bars both ways, and with a sweep a line
 * through each policy's points in sweep order and the swept values. */
static void put_tradeoff_plot(FILE *f, int sweep)
{
  fputs("  plot for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
        "    using (column(c_overshoot)):(column(c_throughput)): \\\n"
        "      (column(c_overshoot+1)):(column(c_overshoot+2)): \\\n"
        "      (column(c_throughput+1)):(column(c_throughput+2)) \\\n"
        "    with xyerrorbars lt i dt 1 title policy[i]",
        f);
  if (sweep)
    fputs(", \\\n  for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
          "    using (column(c_overshoot)):(column(c_throughput)) with lines "
          "lt i lw 1 notitle, \\\n"
          "  for [i=1:npol] 'plots/summary.dat' index (i-1) \\\n"
          "    using (column(c_overshoot)):(column(c_throughput)):3 \\\n"
          "    with labels offset char 0.7,0.7 left font ',8' tc lt i "
          "notitle",
          f);
  fputc('\n', f);
}

/* The title names what the points' labels are: the swept key when
 * there is one, so that a reader need not look it up. */
static void put_tradeoff_title(FILE *f, const struct lsim_results *r)
{
  char title[512];

  if (r->npoints == 1)
    snprintf(title, sizeof title,
             "Throughput against overshoot events (mean and 95%% CI)");
  else
    snprintf(title, sizeof title,
             "Throughput against overshoot events (mean and 95%% CI; "
             "labels: %s)",
             r->nkeys == 1 ? r->sweep_keys[0] : "the swept values");
  lsim_plots_put_string(f, title);
}

void lsim_plots_tradeoff_gp(FILE *f, const struct lsim_plot_ctx *c)
{
  int sweep = c->r->npoints > 1;

  lsim_plots_put_header(
      f, "tradeoff",
      "throughput against overshoot events, a point per\n# policy "
      "and sweep point, with 95% CI bars both ways.",
      "plots/summary.dat", "plots/tradeoff");
  lsim_plots_put_start(f, c);
  fprintf(f,
          "c_overshoot = %ld  # overshoot_events mean; lo and hi follow\n"
          "c_throughput = %ld  # throughput_per_s mean; lo and hi follow\n\n"
          "set xlabel 'overshoot events per run'\n"
          "set ylabel 'throughput (sessions/s)'\n"
          "set autoscale fix\n"
          "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
          "set key outside right top\n",
          c->c_overshoot, c->c_throughput);

  lsim_plots_put_format_loop(f, 1000, 560);
  fputs("  set output 'plots/tradeoff.' . fmt\n  set title ", f);
  put_tradeoff_title(f, c->r);
  fputc('\n', f);
  put_tradeoff_plot(f, sweep);
  lsim_plots_put_format_loop_end(f);
}

/* ---- per point: the wait CDF (the timelines are plottimeline.c's) ---- */

void lsim_plots_put_point_loop(FILE *f, const char *name, const char *data)
{
  fprintf(f,
          "  do for [p=0:npoints-1] {\n"
          "    data = sprintf('plots/%s_p%%d.dat', p)\n"
          "    set output sprintf('plots/%s_p%%d.%%s', p, fmt)\n",
          data, name);
}

void lsim_plots_cdf_gp(FILE *f, const struct lsim_plot_ctx *c)
{
  lsim_plots_put_header(
      f, "wait_cdf",
      "the distribution of queue waits (CDF, pooled over\n# "
      "replications), a curve per policy, for every point.",
      "plots/wait_cdf_p<N>.dat (a block per policy;\n# columns "
      "wait_s cdf)",
      "plots/wait_cdf_p<N>");
  lsim_plots_put_start(f, c);
  fputs("set xlabel 'queue wait (s)'\n"
        "set ylabel 'fraction of sessions waiting at most this long'\n"
        "set xrange [0:*]\nset yrange [0:1.02]\nset key bottom right\n",
        f);
  lsim_plots_put_format_loop(f, 1000, 520);
  lsim_plots_put_point_loop(f, "wait_cdf", "wait_cdf");
  fputs("    set title 'Queue wait CDF (all replications), ' . "
        "point_label[p+1]\n"
        "    plot for [i=1:npol] data index (i-1) using 1:2 with steps lt i "
        "title policy[i]\n"
        "  }\n",
        f);
  lsim_plots_put_format_loop_end(f);
}
