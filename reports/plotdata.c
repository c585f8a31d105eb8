/*
 * plotdata.c - the gnuplot data files under dir/plots; see plots.h.
 *
 * Each file has one block per policy, in the order of results.json's
 * "policies", separated by two blank lines so that gnuplot's `index i`
 * selects policy i. A comment header names every column: the files are
 * meant to be read and re-plotted by people, not only by our scripts.
 */
#include "plots.h"

#include <string.h>

/* A value for gnuplot after a space: '?' (set datafile missing '?')
 * when undefined. */
static void put_number(FILE *f, double v)
{
  if (v != v)
    fputs(" ?", f);
  else
    fprintf(f, " %.10g", v);
}

/* The same, first on its line. */
static void put_first_number(FILE *f, double v)
{
  if (v != v)
    fputc('?', f);
  else
    fprintf(f, "%.10g", v);
}

/* A label inside double quotes; gnuplot data has no escape for a quote,
 * so one becomes an apostrophe. */
static void put_label(FILE *f, const char *s)
{
  fputs(" \"", f);
  for (; *s != '\0'; s++)
    fputc(*s == '"' ? '\'' : (unsigned char)*s < ' ' ? ' ' : *s, f);
  fputc('"', f);
}

static void put_block_start(FILE *f, const struct lsim_results *r, size_t i)
{
  fprintf(f, "%s# index %zu: policy %s\n", i > 0 ? "\n\n" : "", i,
          r->policies[i]);
}

void lsim_plots_point_values(const struct lsim_results *r, size_t p, char *buf,
                             size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t k = 0; k < r->nkeys && used + 2 < len; k++) {
    if (k > 0) {
      strcpy(buf + used, ", ");
      used += 2;
    }
    lsim_results_param(r, p, k, buf + used, len - used);
    used += strlen(buf + used);
  }
}

static void summary_header(FILE *f, const struct lsim_plot_ctx *c)
{
  const struct lsim_results *r = c->r;

  fputs("# summary.dat - every metric of every point: mean and 95% CI\n"
        "# over replications. A block per policy (gnuplot `index`), a row "
        "per\n# point. '?' marks a value that is undefined.\n#\n",
        f);
  fprintf(f, "# column 1: point\n# column 2: x, %s\n# column 3: label\n",
          c->numeric_x ? r->sweep_keys[0] : "the point again");
  for (size_t m = 0; m < r->nmetrics; m++)
    fprintf(f, "# columns %zu-%zu: %s mean, ci95_lo, ci95_hi\n", 4 + 3 * m,
            6 + 3 * m, r->metrics[m]);
}

void lsim_plots_summary_dat(FILE *f, const struct lsim_plot_ctx *c)
{
  const struct lsim_results *r = c->r;
  char label[256];

  summary_header(f, c);
  for (size_t i = 0; i < r->npolicies; i++) {
    put_block_start(f, r, i);
    for (size_t p = 0; p < r->npoints; p++) {
      fprintf(f, "%zu", p);
      put_number(f, lsim_plots_x(c, p));
      lsim_plots_point_values(r, p, label, sizeof label);
      put_label(f, label);
      for (size_t m = 0; m < r->nmetrics; m++) {
        const struct lsim_stat *s = lsim_results_stat(r, p, i, m);
        put_number(f, s->mean);
        put_number(f, s->lo);
        put_number(f, s->hi);
      }
      fputc('\n', f);
    }
  }
}

static void put_row(FILE *f, const double *row, size_t ncols)
{
  put_first_number(f, row[0]);
  for (size_t k = 1; k < ncols; k++)
    put_number(f, row[k]);
  fputc('\n', f);
}

/*
 * The timeline as steps: before each change, a row at the new time with
 * the old values. `with lines` then draws a step function, and
 * `filledcurves above` can shade exactly the time spent over the limit.
 */
void lsim_plots_timeline_dat(FILE *f, const struct lsim_plot_ctx *c)
{
  const struct lsim_results *r = c->r;
  double step[LSIM_TL_COLS];

  fprintf(f,
          "# timeline_p%zu.dat - the first replication of point %zu, drawn "
          "as steps.\n# Columns: time_s upstream limit in_use queued "
          "overshoots\n",
          c->point, c->point);
  for (size_t i = 0; i < r->npolicies; i++) {
    const struct lsim_series *s = &r->timeline[c->point * r->npolicies + i];
    put_block_start(f, r, i);
    for (size_t j = 0; j < s->nrows; j++) {
      const double *row = &s->v[j * LSIM_TL_COLS];
      if (j > 0) {
        memcpy(step, row - LSIM_TL_COLS, sizeof step);
        step[LSIM_TL_TIME] = row[LSIM_TL_TIME];
        put_row(f, step, LSIM_TL_COLS);
      }
      put_row(f, row, LSIM_TL_COLS);
    }
  }
}

void lsim_plots_marks_file(size_t point, char *buf, size_t len)
{
  snprintf(buf, len, "plots/overshoot_marks_p%zu.dat", point);
}

/* The marks of one series: a row wherever the running count of
 * overshoot events rises. Returns how many rows it wrote. */
static size_t put_marks(FILE *f, const struct lsim_series *s)
{
  double before = 0, mark[4];
  size_t n = 0;

  for (size_t j = 0; j < s->nrows; j++) {
    const double *row = &s->v[j * LSIM_TL_COLS];
    if (row[LSIM_TL_OVERSHOOTS] > before) {
      mark[0] = row[LSIM_TL_TIME];
      mark[1] = lsim_plots_mark_y(row);
      mark[2] = row[LSIM_TL_OVERSHOOTS];
      mark[3] = row[LSIM_TL_OVERSHOOTS] - before;
      put_row(f, mark, 4);
      n++;
    }
    before = row[LSIM_TL_OVERSHOOTS];
  }
  return n;
}

/*
 * The overshoot marks. With the provider's default overflow "reject" a
 * start that finds the cap is refused and never counted upstream, so the
 * upstream line stays at the limit and only these marks show the event.
 * A policy without any keeps a row of '?': gnuplot drops an empty block
 * from its `index` count, which would shift every later policy's marks.
 */
void lsim_plots_marks_dat(FILE *f, const struct lsim_plot_ctx *c)
{
  const struct lsim_results *r = c->r;

  fprintf(f,
          "# overshoot_marks_p%zu.dat - the overshoot events of the first "
          "replication\n# of point %zu (session starts that found the "
          "upstream at the limit or\n# above), warm-up included: a row "
          "wherever the running count rises.\n# Columns: time_s mark_y "
          "(where the mark is drawn: one above the\n# limit, or above the "
          "upstream count when that is higher) overshoots (the\n# running "
          "count) new (events at this time)\n",
          c->point, c->point);
  for (size_t i = 0; i < r->npolicies; i++) {
    put_block_start(f, r, i);
    if (put_marks(f, &r->timeline[c->point * r->npolicies + i]) == 0)
      fputs("# no overshoot in this run\n? ? 0 0\n", f);
  }
}

void lsim_plots_cdf_dat(FILE *f, const struct lsim_plot_ctx *c)
{
  const struct lsim_results *r = c->r;

  fprintf(f,
          "# wait_cdf_p%zu.dat - queue wait CDF of point %zu, pooled over "
          "replications.\n# Columns: wait_s cdf\n",
          c->point, c->point);
  for (size_t i = 0; i < r->npolicies; i++) {
    const struct lsim_series *s = &r->cdf[c->point * r->npolicies + i];
    put_block_start(f, r, i);
    for (size_t j = 0; j < s->nrows; j++)
      put_row(f, &s->v[j * LSIM_CDF_COLS], LSIM_CDF_COLS);
  }
}
