/*
 * html.c - report.html: one self-contained page, readable offline and
 * attachable to an issue. See html.h.
 *
 * Everything taken from the input (names, labels, the scenario, messages)
 * goes through put_text(), which escapes it; literal markup is written
 * only from this file's strings. Figures are gnuplot's SVG, put inline
 * with their element ids prefixed, since every gnuplot SVG defines the
 * same ids and an HTML page must not repeat one.
 */
#include "html.h"
#include "plots.h"
#include "report.h"
#include "rfile.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What the writers share while the page is written. */
struct html {
  FILE *f;
  const struct lsim_results *r;
  const char *dir;
  int rendered;
  int nfigures; /* figures put so far: the id prefix of the next */
  int rc;       /* the first error, 0 when none */
  char *err;
  size_t errlen;
};

/* What a metric means and its unit, for the tables. */
struct metric_info {
  const char *name, *meaning, *unit;
};

static const struct metric_info metric_infos[] = {
    {"overshoot_events",
     "session starts that found the upstream at the limit (N+1)", "per run"},
    {"overshoot_max", "most sessions above the limit (overflow admit)",
     "sessions"},
    {"time_over_limit_s", "time the upstream spent above the limit", "s"},
    {"rejected", "sessions rejected (HTTP 429)", "per run"},
    {"completed", "sessions completed", "per run"},
    {"throughput_per_s", "completed sessions per second", "sessions/s"},
    {"upstream_mean", "mean upstream count", "sessions"},
    {"utilization", "mean share of the limit in use", "fraction"},
    {"wait_mean_s", "queue wait, mean", "s"},
    {"wait_p50_s", "queue wait, median", "s"},
    {"wait_p95_s", "queue wait, 95th percentile", "s"},
    {"wait_p99_s", "queue wait, 99th percentile", "s"},
    {"wait_max_s", "queue wait, longest", "s"},
    {"polls", "usage polls", "per run"},
    {"poll_failures", "usage polls that failed", "per run"},
};

static const char style_sheet[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "color:#1d2125;background:#fff;margin:0 auto;padding:1.5em 2em 4em;"
    "max-width:1180px}\n"
    "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin-top:2em;"
    "border-bottom:2px solid #e3e6ea;padding-bottom:.2em}\n"
    "h3{font-size:1.05em;margin:1.4em 0 .4em}\n"
    "p.lead{color:#4a525a;margin-top:0}\n"
    "table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}\n"
    "th,td{border:1px solid #d5d9de;padding:.3em .6em;text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:#f1f3f5}tbody tr:nth-child(even){background:#fafbfc}"
    "\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "td.sig{font-weight:700}\n"
    "td.unit,span.meaning{color:#5b636b}span.meaning{display:block;"
    "font-weight:400;font-size:.88em}\n"
    "table.meta th{background:#f1f3f5;width:10em}\n"
    "code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:.9em}\n"
    "pre{background:#f6f8fa;border:1px solid #e3e6ea;padding:1em;"
    "overflow:auto;tab-size:2}\n"
    "figure{margin:1em 0 2em}figure svg{max-width:100%;height:auto;"
    "display:block}\n"
    "figcaption{color:#4a525a;font-size:.9em;margin-top:.3em}\n"
    ".note{background:#fff8e1;border-left:4px solid #E69F00;"
    "padding:.6em 1em}\n"
    ".pass{color:#00695c;font-weight:700}.fail{color:#b3261e;"
    "font-weight:700}\n"
    "nav a{margin-right:1em}\n";

/* c with &, <, >, " and ' escaped. */
static void put_char(struct html *h, char c)
{
  switch (c) {
  case '&':
    fputs("&amp;", h->f);
    break;
  case '<':
    fputs("&lt;", h->f);
    break;
  case '>':
    fputs("&gt;", h->f);
    break;
  case '"':
    fputs("&quot;", h->f);
    break;
  case '\'':
    fputs("&#39;", h->f);
    break;
  default:
    fputc(c, h->f);
  }
}

static void put_text(struct html *h, const char *s)
{
  for (; *s != '\0'; s++)
    put_char(h, *s);
}

static void put(struct html *h, const char *markup)
{
  fputs(markup, h->f);
}

static const struct metric_info *metric_info(const char *name)
{
  size_t n = sizeof metric_infos / sizeof metric_infos[0];

  for (size_t i = 0; i < n; i++)
    if (strcmp(metric_infos[i].name, name) == 0)
      return &metric_infos[i];
  return NULL;
}

/* A number for a table: 3 significant digits, but whole numbers from
 * 1000 up (no exponents for event counts), a dash when undefined. */
static void format_number(double v, char *buf, size_t len)
{
  if (isnan(v))
    snprintf(buf, len, "\xe2\x80\x93");
  else if (fabs(v) >= 1000)
    snprintf(buf, len, "%.0f", v);
  else
    snprintf(buf, len, "%.3g", v);
}

/* "mean [lo, hi]" in a numeric cell; bold when `mark_sign` and the
 * interval excludes zero. */
static void put_stat_cell(struct html *h, const struct lsim_stat *s,
                          int mark_sign)
{
  char mean[32], lo[32], hi[32];
  int sig = mark_sign && s->defined && (s->lo > 0 || s->hi < 0);

  put(h, sig ? "<td class=\"num sig\">" : "<td class=\"num\">");
  format_number(s->mean, mean, sizeof mean);
  if (!s->defined) {
    put_text(h, mean);
  } else {
    format_number(s->lo, lo, sizeof lo);
    format_number(s->hi, hi, sizeof hi);
    fprintf(h->f, "%s [%s, %s]", mean, lo, hi);
  }
  put(h, "</td>");
}

/* The first column of a metric row: name, meaning and unit. */
static void put_metric_head(struct html *h, const char *name)
{
  const struct metric_info *info = metric_info(name);

  put(h, "<tr><th><code>");
  put_text(h, name);
  put(h, "</code>");
  if (info != NULL) {
    put(h, "<span class=\"meaning\">");
    put_text(h, info->meaning);
    put(h, "</span>");
  }
  put(h, "</th><td class=\"unit\">");
  put_text(h, info != NULL ? info->unit : "");
  put(h, "</td>");
}

/* ---- the page's parts, top to bottom ---- */

static const char *scenario_string(const struct lsim_results *r,
                                   const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->scenario, key);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void put_head(struct html *h)
{
  const char *name = scenario_string(h->r, "name");
  const char *description = scenario_string(h->r, "description");

  put(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
         "\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
         "<title>limsim report: ");
  put_text(h, name != NULL ? name : "unnamed scenario");
  put(h, "</title>\n<style>\n");
  put(h, style_sheet);
  put(h, "</style>\n</head>\n<body>\n<header>\n<h1>limsim report: ");
  put_text(h, name != NULL ? name : "unnamed scenario");
  put(h, "</h1>\n");
  if (description != NULL) {
    put(h, "<p class=\"lead\">");
    put_text(h, description);
    put(h, "</p>\n");
  }
  put(h, "<nav><a href=\"#run\">Run</a><a href=\"#expect\">Expectations</a>"
         "<a href=\"#overview\">Overshoot and throughput</a>"
         "<a href=\"#points\">Points</a>"
         "<a href=\"#scenario\">Scenario</a></nav>\n</header>\n");
}

static void put_meta_row(struct html *h, const char *name, const char *value)
{
  put(h, "<tr><th>");
  put_text(h, name);
  put(h, "</th><td>");
  put_text(h, value);
  put(h, "</td></tr>\n");
}

/* An argument as a shell would need it: quoted when it holds anything
 * beyond a safe set of characters. */
static void put_argument(struct html *h, const char *arg)
{
  int plain = arg[0] != '\0';

  for (const char *c = arg; *c != '\0'; c++)
    if (!isalnum((unsigned char)*c) && strchr("-_./=:,+@%", *c) == NULL)
      plain = 0;
  if (plain) {
    put_text(h, arg);
    return;
  }
  put(h, "&#39;");
  for (; *arg != '\0'; arg++) {
    if (*arg == '\'')
      put(h, "&#39;\\&#39;"); /* close the quote, a quoted quote, reopen */
    put_char(h, *arg);
  }
  put(h, "&#39;");
}

static void put_command_line(struct html *h)
{
  const cJSON *arg;
  int first = 1;

  if (h->r->command_line == NULL)
    return;
  put(h, "<tr><th>command</th><td><code>");
  cJSON_ArrayForEach(arg, h->r->command_line)
  {
    put(h, first ? "" : " ");
    put_argument(h, cJSON_IsString(arg) ? arg->valuestring : "?");
    first = 0;
  }
  put(h, "</code></td></tr>\n");
}

/* The numbers of "perf", each as it comes, on one row. */
static void put_perf(struct html *h)
{
  const cJSON *item;
  char value[64];
  int first = 1;

  if (h->r->perf == NULL)
    return;
  put(h, "<tr><th>performance</th><td>");
  cJSON_ArrayForEach(item, h->r->perf)
  {
    if (!cJSON_IsNumber(item))
      continue;
    snprintf(value, sizeof value, "%.6g", item->valuedouble);
    put(h, first ? "<code>" : " &#183; <code>");
    put_text(h, item->string);
    put(h, "</code> ");
    put_text(h, value);
    first = 0;
  }
  put(h, "</td></tr>\n");
}

/* "key: v1, v2, v3" per sweep key, or "none". */
static void put_sweep(struct html *h)
{
  const struct lsim_results *r = h->r;
  char value[128];

  put(h, "<tr><th>sweep</th><td>");
  if (r->nkeys == 0)
    put(h, "none");
  for (size_t k = 0; k < r->nkeys; k++) {
    put(h, k > 0 ? "<br><code>" : "<code>");
    put_text(h, r->sweep_keys[k]);
    put(h, "</code>: ");
    for (size_t p = 0; p < r->npoints; p++) {
      lsim_results_param(r, p, k, value, sizeof value);
      put(h, p > 0 ? ", " : "");
      put_text(h, value);
    }
  }
  put(h, "</td></tr>\n");
}

static void put_run(struct html *h)
{
  const struct lsim_results *r = h->r;
  char text[160];

  put(h, "<section id=\"run\">\n<h2>Run</h2>\n<table class=\"meta\">\n");
  snprintf(text, sizeof text, "%s (commit %s)",
           r->version != NULL ? r->version : "unknown version",
           r->commit != NULL ? r->commit : "unknown");
  put_meta_row(h, "limsim", text);
  put_command_line(h);
  put(h, "<tr><th>policies</th><td>");
  for (size_t i = 0; i < r->npolicies; i++) {
    put(h, i > 0 ? ", <code>" : "<code>");
    put_text(h, r->policies[i]);
    put(h, "</code>");
  }
  put(h, "</td></tr>\n");
  snprintf(text, sizeof text, "%ld per point and policy", r->replications);
  put_meta_row(h, "replications", text);
  put_sweep(h);
  put_perf(h);
  put(h, "</table>\n</section>\n");
}

/* A value or bound of an expectation: a number, or its JSON. */
/* A verdict's text, less the "PASS " or "FAIL " that `limsim check`
 * puts in front: the verdict has a column of its own here. */
static const char *verdict_text(const char *text)
{
  if (strncmp(text, "PASS ", 5) == 0 || strncmp(text, "FAIL ", 5) == 0)
    return text + 5;
  return text;
}

static void put_expectation(struct html *h, const cJSON *item)
{
  int pass = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "pass"));
  const cJSON *finding = cJSON_GetObjectItemCaseSensitive(item, "finding");

  put(h, "<tr><td>");
  put_text(h, verdict_text(
                cJSON_GetObjectItemCaseSensitive(item, "text")->valuestring));
  put(h, pass ? "</td><td class=\"pass\">PASS</td><td>"
              : "</td><td class=\"fail\">FAIL</td><td>");
  if (cJSON_IsString(finding))
    put_text(h, finding->valuestring);
  put(h, "</td></tr>\n");
}

/* The scenario's own one-line finding (expect.finding), when it has one. */
static void put_scenario_finding(struct html *h)
{
  const cJSON *expect =
    cJSON_GetObjectItemCaseSensitive(h->r->scenario, "expect");
  const cJSON *finding = cJSON_GetObjectItemCaseSensitive(expect, "finding");

  if (!cJSON_IsString(finding))
    return;
  put(h, "<p><strong>Finding:</strong> ");
  put_text(h, finding->valuestring);
  put(h, "</p>\n");
}

static void put_expect(struct html *h)
{
  const cJSON *item;
  int total = 0, passed = 0;

  put(h, "<section id=\"expect\">\n<h2>Expectations</h2>\n");
  if (h->r->expect == NULL) {
    put(h, "<p>The scenario states no expectations.</p>\n</section>\n");
    return;
  }
  cJSON_ArrayForEach(item, h->r->expect)
  {
    total++;
    passed += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "pass"));
  }
  fprintf(h->f, "<p class=\"%s\">%d of %d expectations hold.</p>\n",
          passed == total ? "pass" : "fail", passed, total);
  put_scenario_finding(h);
  put(h, "<table>\n<thead><tr><th>expectation: measured mean [95% "
         "interval], what it must be (point)</th><th>verdict</th>"
         "<th>finding</th></tr></thead>\n<tbody>\n");
  cJSON_ArrayForEach(item, h->r->expect)
  {
    put_expectation(h, item);
  }
  put(h, "</tbody>\n</table>\n</section>\n");
}

/* ---- figures ---- */

/* Whether s starts with pattern, at a word boundary. */
static int starts_attribute(const char *start, const char *s,
                            const char *pattern)
{
  if (s > start &&
      (isalnum((unsigned char)s[-1]) || s[-1] == '_' || s[-1] == '-'))
    return 0;
  return strncmp(s, pattern, strlen(pattern)) == 0;
}

/* The length of the id-bearing pattern at s, or 0. */
static size_t id_reference(const char *start, const char *s)
{
  static const char *const patterns[] = {"id='", "id=\"", "href='#", "href=\"#",
                                         "url(#"};

  for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
    if (starts_attribute(start, s, patterns[i]))
      return strlen(patterns[i]);
  return 0;
}

/* Copies the svg element from text, every id and reference to one
 * prefixed with "f<n>-", and the root labelled for screen readers. */
static void put_svg(struct html *h, const char *text, const char *label)
{
  const char *s = strstr(text, "<svg"), *start = s;
  size_t n;

  if (s == NULL)
    return;
  put(h, "<svg role=\"img\" aria-label=\"");
  put_text(h, label);
  put(h, "\"");
  for (s += 4; *s != '\0'; s++) {
    n = id_reference(start, s);
    if (n == 0) {
      fputc(*s, h->f);
      continue;
    }
    fwrite(s, 1, n, h->f);
    fprintf(h->f, "f%d-", h->nfigures);
    s += n - 1;
  }
}

/* Reads the rendered SVG of fig at point and puts it. */
static void put_rendered(struct html *h, enum lsim_figure_id fig, size_t point,
                         const char *caption)
{
  char name[64], *path, *text = NULL;
  size_t len;
  int rc;

  lsim_plots_file(fig, point, "svg", name, sizeof name);
  path = lsim_rfile_join(h->dir, name);
  rc = path != NULL ? lsim_rfile_read(path, &text, &len) : -1;
  if (rc == 0 && strstr(text, "<svg") != NULL)
    put_svg(h, text, caption);
  else if (h->rc == 0)
    h->rc = lsim_rfile_fail(h->err, h->errlen, LSIM_REPORT_EIO,
                            "%s: cannot read the rendered figure",
                            path != NULL ? path : name);
  free(text);
  free(path);
}

static void put_figure(struct html *h, enum lsim_figure_id fig, size_t point,
                       const char *caption)
{
  char script[64];

  snprintf(script, sizeof script, "plots/%s.gp", lsim_figures[fig].name);
  put(h, "<figure>\n");
  if (h->rendered) {
    put_rendered(h, fig, point, caption);
  } else {
    put(h, "<p class=\"note\">Not rendered: gnuplot was not found. The data "
           "and the script are in the results directory; render them with "
           "<code>gnuplot ");
    put_text(h, script);
    put(h, "</code> run there.</p>");
  }
  put(h, "\n<figcaption>");
  put_text(h, caption);
  put(h, " (script: <code>");
  put_text(h, script);
  put(h, "</code>)</figcaption>\n</figure>\n");
  h->nfigures++;
}

static void put_overview(struct html *h)
{
  char caption[512];

  put(h, "<section id=\"overview\">\n<h2>Overshoot and throughput</h2>\n");
  if (h->r->npoints == 1)
    put(h, "<p>Nothing was swept: the overshoot figure has one bar per "
           "policy.</p>\n");
  snprintf(caption, sizeof caption,
           "Overshoot events and time over the limit per run%s, mean and "
           "95%% CI over %ld replications. An overshoot event is a session "
           "start that found the upstream at the limit; the upstream only "
           "goes above the limit, and time over it is only above 0, when "
           "the provider admits such a start (overflow \"admit\") rather "
           "than rejecting it with HTTP 429.",
           h->r->npoints > 1 ? " against the sweep" : "", h->r->replications);
  put_figure(h, LSIM_FIG_OVERSHOOT, 0, caption);
  put_figure(h, LSIM_FIG_TRADEOFF, 0,
             "Throughput against overshoot events, a point per policy and "
             "sweep point, with 95% CI bars both ways.");
  put(h, "</section>\n");
}

/* ---- per point ---- */

static void put_table_head(struct html *h, const char *const *columns, size_t n)
{
  put(h, "<table>\n<thead><tr><th>metric</th><th>unit</th>");
  for (size_t i = 0; i < n; i++) {
    put(h, "<th>");
    put_text(h, columns[i]);
    put(h, "</th>");
  }
  put(h, "</tr></thead>\n<tbody>\n");
}

static void put_metrics_table(struct html *h, size_t p)
{
  const struct lsim_results *r = h->r;

  fprintf(h->f, "<h3>Metrics: mean [95%% CI] over %ld replications</h3>\n",
          r->replications);
  put_table_head(h, r->policies, r->npolicies);
  for (size_t m = 0; m < r->nmetrics; m++) {
    put_metric_head(h, r->metrics[m]);
    for (size_t i = 0; i < r->npolicies; i++)
      put_stat_cell(h, lsim_results_stat(r, p, i, m), 0);
    put(h, "</tr>\n");
  }
  put(h, "</tbody>\n</table>\n");
}

static void put_pairs_table(struct html *h, size_t p)
{
  const struct lsim_results *r = h->r;

  if (r->npairs == 0)
    return;
  put(h, "<h3>Paired differences B &#8722; A: mean [95% CI]</h3>\n"
         "<p>Each column is one policy's metric minus another's, paired "
         "replication by replication. <b>Bold</b>: the interval excludes "
         "zero.</p>\n");
  put_table_head(h, r->pairs, r->npairs);
  for (size_t m = 0; m < r->nmetrics; m++) {
    put_metric_head(h, r->metrics[m]);
    for (size_t i = 0; i < r->npairs; i++)
      put_stat_cell(h, lsim_results_pair(r, p, i, m), 1);
    put(h, "</tr>\n");
  }
  put(h, "</tbody>\n</table>\n");
}

/* The two timeline figures, the whole run and its detail window, one
 * above the other: side by side, each would be half as wide and its
 * text too small to read. */
static void put_timelines(struct html *h, size_t p, const char *label)
{
  struct lsim_detail_window w;
  char caption[900], why[256];

  snprintf(caption, sizeof caption,
           "Upstream sessions (the provider's count) against the limit over "
           "the whole run, first replication, %s. Each triangle above the "
           "limit is an overshoot event: a session start that found the "
           "upstream at the limit (HTTP 429 when the provider rejects). "
           "Time above the limit (overflow \"admit\" only) is shaded%s.",
           label, h->r->warmup_s > 0 ? "; the warm-up is grey" : "");
  put_figure(h, LSIM_FIG_TIMELINE, p, caption);

  lsim_plots_detail_window(h->r, p, &w);
  lsim_plots_detail_why(h->r, &w, why, sizeof why);
  snprintf(caption, sizeof caption,
           "Detail of the figure above: %g s to %g s, where single sessions "
           "and overshoot events can be told apart. The window %s.",
           w.from, w.to, why);
  put_figure(h, LSIM_FIG_DETAIL, p, caption);
}

static void put_point(struct html *h, size_t p)
{
  char label[512], caption[700];

  lsim_results_point_label(h->r, p, label, sizeof label);
  fprintf(h->f, "<section id=\"point-%zu\">\n<h2>Point %zu of %zu: ", p, p + 1,
          h->r->npoints);
  put_text(h, label);
  put(h, "</h2>\n");
  put_metrics_table(h, p);
  put_pairs_table(h, p);

  put_timelines(h, p, label);
  snprintf(caption, sizeof caption,
           "Queue wait CDF, all replications pooled, %s.", label);
  put_figure(h, LSIM_FIG_CDF, p, caption);
  put(h, "</section>\n");
}

static void put_scenario(struct html *h)
{
  char *json = cJSON_Print(h->r->scenario);

  put(h, "<section id=\"scenario\">\n<h2>Scenario as run</h2>\n<pre>");
  put_text(h, json != NULL ? json : "(out of memory)");
  put(h, "</pre>\n</section>\n");
  if (json == NULL && h->rc == 0)
    h->rc =
        lsim_rfile_fail(h->err, h->errlen, LSIM_REPORT_ENOMEM, "out of memory");
  free(json);
}

static void put_body(struct html *h)
{
  put_head(h);
  put_run(h);
  put_expect(h);
  put_overview(h);
  put(h, "<div id=\"points\"></div>\n");
  for (size_t p = 0; p < h->r->npoints; p++)
    put_point(h, p);
  put_scenario(h);
  put(h, "<footer><p>Written by <code>limsim plot</code>. The numbers are "
         "in results.json and the CSVs beside this file; each figure's "
         "data and gnuplot script are in plots/.</p></footer>\n"
         "</body>\n</html>\n");
}

int lsim_html_write(const struct lsim_results *r, const char *dir, int rendered,
                    char *err, size_t errlen)
{
  struct lsim_rfile out;
  struct html h = {NULL, r, dir, rendered, 0, 0, err, errlen};
  char *path = lsim_rfile_join(dir, "report.html");
  int rc;

  if (path == NULL)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "out of memory");
  rc = lsim_rfile_open(&out, path, err, errlen);
  free(path);
  if (rc != 0)
    return rc;

  h.f = out.f;
  put_body(&h);
  if (h.rc != 0) {
    lsim_rfile_abort(&out);
    return h.rc;
  }
  return lsim_rfile_commit(&out, err, errlen);
}
