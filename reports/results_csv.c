/*
 * results_csv.c - reads timeline.csv and wait_cdf.csv into per-(point,
 * policy) series; see results.h and docs/RESULTS.md.
 *
 * The files are small (the timeline of one replication, a CDF of at most a
 * few hundred rows per policy), so each is read whole and parsed in place.
 * Fields may be quoted as in RFC 4180, in case a policy name ever holds a
 * comma; the simulator writes plain fields.
 */
#include "report.h"
#include "results.h"
#include "rfile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

/* What one CSV holds: its columns after "point,policy". */
struct csv_spec {
  const char *name;
  const char *const *columns;
  size_t ncols;
  int fraction_last; /* the last column is a fraction in [0, 1] */
  int counter_last;  /* the last column is a count that never falls */
};

static const char *const timeline_columns[] = {
    "time_s", "upstream", "limit", "in_use", "queued", "overshoots"};
static const char *const cdf_columns[] = {"wait_s", "cdf"};

static const struct csv_spec timeline_spec = {"timeline.csv", timeline_columns,
                                              LSIM_TL_COLS, 0, 1};
static const struct csv_spec cdf_spec = {"wait_cdf.csv", cdf_columns,
                                         LSIM_CDF_COLS, 1, 0};

/* The state of reading one file. */
struct csv_reader {
  const struct lsim_results *r;
  const struct csv_spec *spec;
  struct lsim_series *series; /* [point * npolicies + policy] */
  char *file;
  size_t line;
  int header_seen;
  char *err;
  size_t errlen;
};

static int bad_row(const struct csv_reader *rd, const char *column,
                   const char *expected, const char *got)
{
  return lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_EINPUT,
                         "%s:%zu: %s: expected %s, got \"%.40s\"", rd->file,
                         rd->line, column, expected, got);
}

/*
 * Splits the line at *cursor into fields, in place, and moves *cursor to
 * the next line. A quoted field may hold commas and "" for a quote (not
 * newlines). Returns the number of fields, or -1 past MAX_FIELDS.
 */
static int split_line(char **cursor, char **fields)
{
  char *in = *cursor, *out = *cursor;
  int n = 0, quoted = 0;

  fields[n++] = out;
  for (; *in != '\0' && (*in != '\n' || quoted); in++) {
    if (*in == '"' && quoted && in[1] == '"') {
      *out++ = *in++;
    } else if (*in == '"') {
      quoted = !quoted;
    } else if (*in == ',' && !quoted) {
      *out++ = '\0';
      if (n == MAX_FIELDS)
        return -1;
      fields[n++] = out;
    } else if (*in != '\r') {
      *out++ = *in;
    }
  }
  *cursor = *in == '\0' ? in : in + 1;
  *out = '\0';
  return n;
}

/* Checks that fields are "point,policy,<spec columns>". */
static int check_header(struct csv_reader *rd, char **fields, int n)
{
  int ok = n == (int)rd->spec->ncols + 2 && strcmp(fields[0], "point") == 0 &&
           strcmp(fields[1], "policy") == 0;

  for (size_t c = 0; ok && c < rd->spec->ncols; c++)
    ok = strcmp(fields[c + 2], rd->spec->columns[c]) == 0;
  if (ok) {
    rd->header_seen = 1;
    return 0;
  }

  char want[160] = "point,policy";
  for (size_t c = 0; c < rd->spec->ncols; c++) {
    strcat(want, ",");
    strcat(want, rd->spec->columns[c]);
  }
  return lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_EINPUT,
                         "%s:%zu: expected the header %s", rd->file, rd->line,
                         want);
}

/* A finite number filling the whole field. */
static int parse_number(const char *text, double *out)
{
  char *end;

  *out = strtod(text, &end);
  return end != text && *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* The series that row's "point" and "policy" fields name. */
static int row_series(const struct csv_reader *rd, char **fields,
                      struct lsim_series **out)
{
  const struct lsim_results *r = rd->r;
  double point;
  long policy;
  char expected[64];

  snprintf(expected, sizeof expected, "an integer from 0 to %zu",
           r->npoints - 1);
  if (parse_number(fields[0], &point) != 0 || point < 0 ||
      point != floor(point) || point >= (double)r->npoints)
    return bad_row(rd, "point", expected, fields[0]);

  policy = lsim_results_policy(r, fields[1]);
  if (policy < 0)
    return bad_row(rd, "policy", "a policy listed in results.json", fields[1]);
  *out = &rd->series[(size_t)point * r->npolicies + (size_t)policy];
  return 0;
}

static int series_append(struct lsim_series *s, const double *row, size_t ncols)
{
  if (s->nrows == s->cap) {
    size_t cap = s->cap == 0 ? 64 : s->cap * 2;
    double *grown = realloc(s->v, cap * ncols * sizeof *grown);
    if (grown == NULL)
      return -1;
    s->v = grown;
    s->cap = cap;
  }
  memcpy(&s->v[s->nrows * ncols], row, ncols * sizeof *row);
  s->nrows++;
  return 0;
}

/* A running count in the last column: a whole number, never below the
 * previous row's of the same series (a count that fell would draw marks
 * for events that never happened). */
static int check_counter(const struct csv_reader *rd, char **fields,
                         const struct lsim_series *s, const double *row)
{
  const struct csv_spec *spec = rd->spec;
  size_t last = spec->ncols - 1;
  const char *text = fields[last + 2];

  if (row[last] != floor(row[last]))
    return bad_row(rd, spec->columns[last], "a whole number >= 0", text);
  if (s->nrows > 0 && row[last] < s->v[(s->nrows - 1) * spec->ncols + last])
    return bad_row(rd, spec->columns[last],
                   "a count no less than the previous row's of this point "
                   "and policy",
                   text);
  return 0;
}

/* The numbers of one row, checked: the first column never goes back
 * within a series, counts are >= 0, a fraction is within [0, 1], a
 * running count never falls. */
static int parse_values(const struct csv_reader *rd, char **fields,
                        const struct lsim_series *s, double *row)
{
  const struct csv_spec *spec = rd->spec;
  double previous = s->nrows > 0 ? s->v[(s->nrows - 1) * spec->ncols] : 0;

  for (size_t c = 0; c < spec->ncols; c++) {
    const char *text = fields[c + 2];
    if (parse_number(text, &row[c]) != 0 || row[c] < 0)
      return bad_row(rd, spec->columns[c], "a number >= 0", text);
  }

  if (row[0] < previous)
    return bad_row(rd, spec->columns[0],
                   "a value no less than the previous row's of this point "
                   "and policy",
                   fields[2]);
  if (spec->fraction_last && row[spec->ncols - 1] > 1)
    return bad_row(rd, spec->columns[spec->ncols - 1], "a fraction from 0 to 1",
                   fields[spec->ncols + 1]);
  return spec->counter_last ? check_counter(rd, fields, s, row) : 0;
}

static int read_row(struct csv_reader *rd, char **fields, int n)
{
  struct lsim_series *s = NULL;
  double row[LSIM_TL_COLS];
  char count[32];
  int rc;

  if (n != (int)rd->spec->ncols + 2) {
    snprintf(count, sizeof count, "%d fields", n);
    return bad_row(rd, "row", "one field per header column", count);
  }
  rc = row_series(rd, fields, &s);
  if (rc == 0)
    rc = parse_values(rd, fields, s, row);
  if (rc == 0 && series_append(s, row, rd->spec->ncols) != 0)
    rc = lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_ENOMEM,
                         "%s: out of memory", rd->file);
  return rc;
}

/* Every (point, policy) needs a row: a figure without one would be
 * empty, which more likely means a simulator bug than a real result. */
static int check_complete(const struct csv_reader *rd)
{
  const struct lsim_results *r = rd->r;

  for (size_t p = 0; p < r->npoints; p++)
    for (size_t i = 0; i < r->npolicies; i++)
      if (rd->series[p * r->npolicies + i].nrows == 0)
        return lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_EINPUT,
                               "%s: no rows for point %zu, policy %s", rd->file,
                               p, r->policies[i]);
  return 0;
}

static int parse_text(struct csv_reader *rd, char *text)
{
  char *cursor = text, *fields[MAX_FIELDS];
  int n, rc = 0;

  while (rc == 0 && *cursor != '\0') {
    rd->line++;
    n = split_line(&cursor, fields);
    if (n == 1 && fields[0][0] == '\0')
      continue; /* a blank line, as at the end of the file */
    if (!rd->header_seen)
      rc = check_header(rd, fields, n);
    else if (n < 0)
      rc = bad_row(rd, "row", "one field per header column", "too many");
    else
      rc = read_row(rd, fields, n);
  }
  if (rc == 0 && !rd->header_seen)
    rc =
        lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_EINPUT,
                        "%s: empty file, expected a header and rows", rd->file);
  return rc == 0 ? check_complete(rd) : rc;
}

static int read_csv(struct csv_reader *rd, const char *dir)
{
  char *text;
  size_t len;
  int rc;

  rd->file = lsim_rfile_join(dir, rd->spec->name);
  if (rd->file == NULL)
    return lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_ENOMEM,
                           "out of memory");
  rc = lsim_rfile_read(rd->file, &text, &len);
  if (rc != 0) {
    rc = lsim_rfile_fail(rd->err, rd->errlen, LSIM_REPORT_EINPUT,
                         "%s: cannot open: %s", rd->file, strerror(-rc));
  } else {
    rc = parse_text(rd, text);
    free(text);
  }
  free(rd->file);
  return rc;
}

int lsim_results_load_csvs(struct lsim_results *r, const char *dir, char *err,
                           size_t errlen)
{
  struct csv_reader timeline = {r,   &timeline_spec, r->timeline, NULL, 0, 0,
                                err, errlen};
  struct csv_reader cdf = {r, &cdf_spec, r->cdf, NULL, 0, 0, err, errlen};
  int rc = read_csv(&timeline, dir);

  return rc == 0 ? read_csv(&cdf, dir) : rc;
}
