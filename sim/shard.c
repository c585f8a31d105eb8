/* shard.c - writing and merging shards of a run; see shard.h. */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_FORMAT 1

/* ---- writing ---- */

/* cJSON prints a number with 15 digits when that reads back to within a
 * relative epsilon, which loses the last bits. A shard must read back the
 * very same doubles, so its numbers are strings of 17 digits. */
static cJSON *exact_json(double v)
{
  char buf[40];

  snprintf(buf, sizeof(buf), "%.17g", v);
  return cJSON_CreateString(buf);
}

static int exact_value(const cJSON *item, double *out)
{
  char *end;

  if (!cJSON_IsString(item))
    return -1;
  *out = strtod(item->valuestring, &end);
  return end != item->valuestring && *end == '\0' ? 0 : -1;
}

static cJSON *numbers_json(const double *v, size_t n)
{
  cJSON *a = cJSON_CreateArray();

  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, exact_json(v[i]));
  return a;
}

/* The n numbers of array `a` into v; -1 unless there are exactly n. */
static int numbers_value(const cJSON *a, double *v, int n)
{
  const cJSON *item;
  int k = 0;

  if (cJSON_GetArraySize(a) != n)
    return -1;
  cJSON_ArrayForEach(item, a)
  {
    if (exact_value(item, &v[k++]) != 0)
      return -1;
  }
  return 0;
}

static cJSON *run_json(const struct lsim_results *res, size_t p, size_t r,
                       size_t i)
{
  cJSON *o = cJSON_CreateObject();
  const struct lsim_cell *cell = lsim_results_cell(res, p, i);

  cJSON_AddNumberToObject(o, "point", (double)p);
  cJSON_AddNumberToObject(o, "replication", (double)r);
  cJSON_AddNumberToObject(o, "policy", (double)i);
  cJSON_AddItemToObject(
    o, "metrics",
    numbers_json(&cell->values[r * LSIM_METRIC_COUNT], LSIM_METRIC_COUNT));
  return o;
}

/* Only the buckets in use, as [index, count] pairs. */
static cJSON *hist_json(const struct lsim_hist *h)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *buckets = cJSON_CreateArray();

  cJSON_AddNumberToObject(o, "count", (double)h->count);
  cJSON_AddNumberToObject(o, "zeros", (double)h->zeros);
  cJSON_AddItemToObject(o, "sum", exact_json(h->sum));
  cJSON_AddItemToObject(o, "max", exact_json(h->max));
  for (size_t b = 0; b < LSIM_HIST_BUCKETS; b++) {
    double pair[2] = {(double)b, (double)h->bucket[b]};

    if (h->bucket[b] != 0)
      cJSON_AddItemToArray(buckets, numbers_json(pair, 2));
  }
  cJSON_AddItemToObject(o, "buckets", buckets);
  return o;
}

static cJSON *timeline_json(const struct lsim_timeline *tl)
{
  cJSON *rows = cJSON_CreateArray();

  for (size_t k = 0; k < tl->len; k++) {
    const struct lsim_timeline_row *row = &tl->rows[k];
    double v[5] = {(double)row->t, row->upstream, row->in_use, row->queued,
                   (double)row->overshoots};

    cJSON_AddItemToArray(rows, numbers_json(v, 5));
  }
  return rows;
}

static cJSON *cell_json(const struct lsim_results *res, size_t p, size_t i)
{
  const struct lsim_cell *cell = lsim_results_cell(res, p, i);
  cJSON *o = cJSON_CreateObject();

  cJSON_AddNumberToObject(o, "point", (double)p);
  cJSON_AddNumberToObject(o, "policy", (double)i);
  cJSON_AddItemToObject(o, "wait", hist_json(&cell->wait));
  cJSON_AddBoolToObject(o, "timeline_truncated", cell->timeline.truncated);
  cJSON_AddItemToObject(o, "timeline", timeline_json(&cell->timeline));
  return o;
}

static void add_runs(cJSON *root, const struct lsim_results *res, int shard,
                     int nshards)
{
  cJSON *runs = cJSON_AddArrayToObject(root, "runs");
  cJSON *cells = cJSON_AddArrayToObject(root, "cells");
  size_t reps = (size_t)res->replications;

  for (size_t p = 0; p < res->npoints; p++) {
    for (size_t r = 0; r < reps; r++) {
      if (!lsim_results_unit_in_shard(p * reps + r, shard, nshards))
        continue;
      for (size_t i = 0; i < res->npolicies; i++)
        cJSON_AddItemToArray(runs, run_json(res, p, r, i));
    }
    for (size_t i = 0; i < res->npolicies; i++)
      cJSON_AddItemToArray(cells, cell_json(res, p, i));
  }
}

static cJSON *strings_json(char **strings, int n)
{
  cJSON *a = cJSON_CreateArray();

  for (int i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(strings[i]));
  return a;
}

static cJSON *shard_perf_json(const struct lsim_results *res)
{
  cJSON *o = cJSON_CreateObject();

  cJSON_AddNumberToObject(o, "events", (double)res->events);
  cJSON_AddNumberToObject(o, "sessions", (double)res->sessions);
  cJSON_AddNumberToObject(o, "dropped_arrivals", (double)res->dropped);
  cJSON_AddNumberToObject(o, "wall_s", res->wall_s);
  return o;
}

char *lsim_shard_json(const struct lsim_scenario_set *set,
                      const struct lsim_results *res,
                      const struct lsim_provenance *prov, int shard,
                      int nshards)
{
  cJSON *root = cJSON_CreateObject();
  char *text;

  cJSON_AddNumberToObject(root, "limsim_shard", SHARD_FORMAT);
  cJSON_AddNumberToObject(root, "shard", shard);
  cJSON_AddNumberToObject(root, "nshards", nshards);
  cJSON_AddStringToObject(root, "limsim_version", prov->version);
  cJSON_AddStringToObject(root, "git_commit", prov->git_commit);
  cJSON_AddItemToObject(root, "command_line",
                        strings_json(prov->argv, prov->argc));
  cJSON_AddStringToObject(root, "scenario_path", set->path);
  cJSON_AddItemToObject(root, "scenario", cJSON_Duplicate(set->as_run, 1));
  add_runs(root, res, shard, nshards);
  cJSON_AddItemToObject(root, "perf", shard_perf_json(res));

  text = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  return text;
}

/* ---- reading ---- */

struct merge {
  const char *file; /* for messages */
  char *err;
  size_t errlen;
  struct lsim_results *res;
  unsigned char *seen; /* [point][replication][policy] */
};

static int fail(struct merge *m, const char *what)
{
  snprintf(m->err, m->errlen, "%s: %s", m->file, what);
  return -1;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
  FILE *f = fopen(path, "rb");
  char *text = NULL;
  long len;

  if (f == NULL) {
    snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)len + 1)) &&
      fread(text, 1, (size_t)len, f) == (size_t)len)
    text[len] = '\0';
  else {
    free(text);
    text = NULL;
    snprintf(err, errlen, "%s: cannot read", path);
  }
  fclose(f);
  return text;
}

static cJSON *load_shard(const char *dir, char *path, size_t pathlen,
                         char *err, size_t errlen)
{
  char *text;
  cJSON *root;

  snprintf(path, pathlen, "%s/shard.json", dir);
  text = read_file(path, err, errlen);
  if (text == NULL)
    return NULL;
  root = cJSON_Parse(text);
  free(text);
  if (!cJSON_IsObject(root)) {
    snprintf(err, errlen, "%s: not a shard file (invalid JSON)", path);
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

/* A whole number in [0, max) from obj[key]; -1 when it is not one. */
static long whole(const cJSON *obj, const char *key, double max)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  double d;

  if (!cJSON_IsNumber(v))
    return -1;
  d = v->valuedouble;
  if (!(d >= 0 && d < max && d == (double)(long)d))
    return -1;
  return (long)d;
}

static int take_run(struct merge *m, const cJSON *run)
{
  struct lsim_results *res = m->res;
  long p = whole(run, "point", (double)res->npoints);
  long r = whole(run, "replication", res->replications);
  long i = whole(run, "policy", (double)res->npolicies);
  const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(run, "metrics");
  size_t at;

  if (p < 0 || r < 0 || i < 0)
    return fail(m, "runs: a run that does not fit the scenario");
  at = ((size_t)p * (size_t)res->replications + (size_t)r) * res->npolicies +
       (size_t)i;
  if (m->seen[at]++)
    return fail(m, "runs: a run appears in two shards");
  if (numbers_value(metrics,
                    &lsim_results_cell(res, (size_t)p, (size_t)i)
                       ->values[(size_t)r * LSIM_METRIC_COUNT],
                    LSIM_METRIC_COUNT) != 0)
    return fail(m, "runs: metrics: expected 15 numbers as strings");
  return 0;
}

static int take_hist(struct merge *m, const cJSON *o, struct lsim_hist *dst)
{
  struct lsim_hist h;
  const cJSON *pair;

  lsim_hist_init(&h);
  if (whole(o, "count", 9e15) < 0 || whole(o, "zeros", 9e15) < 0)
    return fail(m, "cells: a wait histogram without counts");
  h.count = (uint64_t)whole(o, "count", 9e15);
  h.zeros = (uint64_t)whole(o, "zeros", 9e15);
  if (exact_value(cJSON_GetObjectItemCaseSensitive(o, "sum"), &h.sum) ||
      exact_value(cJSON_GetObjectItemCaseSensitive(o, "max"), &h.max))
    return fail(m, "cells: a wait histogram without sum and max");
  cJSON_ArrayForEach(pair, cJSON_GetObjectItemCaseSensitive(o, "buckets"))
  {
    double v[2];

    if (numbers_value(pair, v, 2) != 0 || !(v[0] >= 0) ||
        v[0] >= LSIM_HIST_BUCKETS || !(v[1] >= 0))
      return fail(m, "cells: a bad wait histogram bucket");
    h.bucket[(size_t)v[0]] = (uint64_t)v[1];
  }
  lsim_hist_merge(dst, &h);
  return 0;
}

static int take_timeline(struct merge *m, const cJSON *rows,
                         struct lsim_timeline *tl)
{
  int n = cJSON_GetArraySize(rows);
  const cJSON *row;

  if (n == 0)
    return 0;
  if (tl->len != 0)
    return fail(m, "cells: two shards hold the same timeline");
  tl->rows = calloc((size_t)n, sizeof(*tl->rows));
  if (tl->rows == NULL)
    return fail(m, "out of memory");
  cJSON_ArrayForEach(row, rows)
  {
    struct lsim_timeline_row *t = &tl->rows[tl->len++];
    double v[5];

    if (numbers_value(row, v, 5) != 0)
      return fail(m, "cells: a timeline row without 5 numbers");
    t->t = (lsim_time)v[0];
    t->upstream = (int)v[1];
    t->in_use = (int)v[2];
    t->queued = (int)v[3];
    t->overshoots = (uint64_t)v[4];
  }
  tl->cap = tl->len;
  return 0;
}

static int take_cell(struct merge *m, const cJSON *o)
{
  long p = whole(o, "point", (double)m->res->npoints);
  long i = whole(o, "policy", (double)m->res->npolicies);
  struct lsim_cell *cell;

  if (p < 0 || i < 0)
    return fail(m, "cells: a cell that does not fit the scenario");
  cell = lsim_results_cell(m->res, (size_t)p, (size_t)i);
  if (take_hist(m, cJSON_GetObjectItemCaseSensitive(o, "wait"),
                &cell->wait) != 0)
    return -1;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "timeline_truncated")))
    cell->timeline.truncated = true;
  return take_timeline(m, cJSON_GetObjectItemCaseSensitive(o, "timeline"),
                       &cell->timeline);
}

static void take_perf(struct lsim_results *res, const cJSON *perf)
{
  res->events += (uint64_t)whole(perf, "events", 9e15);
  res->sessions += (uint64_t)whole(perf, "sessions", 9e15);
  res->dropped += (uint64_t)whole(perf, "dropped_arrivals", 9e15);
  res->wall_s +=
    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(perf, "wall_s"));
}

static int take_shard(struct merge *m, const cJSON *root)
{
  const cJSON *item;

  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "runs"))
  {
    if (take_run(m, item) != 0)
      return -1;
  }
  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "cells"))
  {
    if (take_cell(m, item) != 0)
      return -1;
  }
  take_perf(m->res, cJSON_GetObjectItemCaseSensitive(root, "perf"));
  return 0;
}

/* ---- merging ---- */

/* The scenario the shards ran, rebuilt from the first one's copy. */
static int rebuild_set(const cJSON *root, const char *file,
                       struct lsim_scenario_set **set, char *err,
                       size_t errlen)
{
  const cJSON *path = cJSON_GetObjectItemCaseSensitive(root, "scenario_path");
  char *text =
    cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "scenario"));
  int rc;

  if (!cJSON_IsString(path) || text == NULL) {
    snprintf(err, errlen, "%s: not a shard file (no scenario)", file);
    cJSON_free(text);
    return -1;
  }
  rc = lsim_scenario_load_text(text, strlen(text), path->valuestring, NULL,
                               0, set, err, errlen);
  cJSON_free(text);
  return rc == 0 ? 0 : -1;
}

static int check_shard(const cJSON *root, const cJSON *first, int nshards,
                       unsigned char *shards_seen, const char *file,
                       char *err, size_t errlen)
{
  long k = whole(root, "shard", (double)nshards + 1);
  const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");

  if (whole(root, "limsim_shard", 1e9) != SHARD_FORMAT ||
      whole(root, "nshards", 1e9) != nshards || k < 1) {
    snprintf(err, errlen, "%s: not a shard of the same %d-shard run", file,
             nshards);
    return -1;
  }
  if (!cJSON_Compare(sc, cJSON_GetObjectItemCaseSensitive(first, "scenario"),
                     1)) {
    snprintf(err, errlen, "%s: a shard of another scenario", file);
    return -1;
  }
  if (shards_seen[k]++) {
    snprintf(err, errlen, "%s: shard %ld of %d appears twice", file, k,
             nshards);
    return -1;
  }
  return 0;
}

static int copy_argv(const cJSON *root, char ***argv, int *argc)
{
  const cJSON *line = cJSON_GetObjectItemCaseSensitive(root, "command_line");
  int n = cJSON_GetArraySize(line);
  const cJSON *s;

  *argc = 0;
  *argv = calloc((size_t)n + 1, sizeof(char *));
  if (*argv == NULL)
    return -1;
  cJSON_ArrayForEach(s, line)
  {
    if (cJSON_IsString(s) && ((*argv)[*argc] = strdup(s->valuestring)))
      (*argc)++;
  }
  return 0;
}

void lsim_shard_argv_free(char **argv, int argc)
{
  for (int i = 0; argv != NULL && i < argc; i++)
    free(argv[i]);
  free(argv);
}

static int check_complete(struct merge *m)
{
  size_t total = m->res->npoints * (size_t)m->res->replications *
                 m->res->npolicies;

  for (size_t i = 0; i < total; i++)
    if (!m->seen[i])
      return fail(m, "the shards do not cover every run: one is missing");
  return 0;
}

static int merge_all(cJSON **roots, char paths[][4096], size_t n,
                     struct merge *m)
{
  int nshards = (int)whole(roots[0], "nshards", 1e9);
  unsigned char *shards_seen = calloc((size_t)n + 2, 1);
  int rc = 0;

  if (shards_seen == NULL)
    return fail(m, "out of memory");
  if (nshards != (int)n) {
    m->file = paths[0];
    snprintf(m->err, m->errlen, "%s: a shard of %d shards, but %zu given",
             paths[0], nshards, n);
    rc = -1;
  }
  for (size_t i = 0; rc == 0 && i < n; i++) {
    m->file = paths[i];
    rc = check_shard(roots[i], roots[0], nshards, shards_seen, paths[i],
                     m->err, m->errlen);
    if (rc == 0)
      rc = take_shard(m, roots[i]);
  }
  free(shards_seen);
  if (rc == 0 && check_complete(m) == 0)
    lsim_results_summarize(m->res);
  else
    rc = -1;
  return rc;
}

int lsim_shard_merge(const char *const *dirs, size_t n,
                     struct lsim_scenario_set **set,
                     struct lsim_results **res, char ***argv, int *argc,
                     char *err, size_t errlen)
{
  cJSON **roots = calloc(n, sizeof(cJSON *));
  char(*paths)[4096] = calloc(n, sizeof(*paths));
  struct merge m = {.file = "merge", .err = err, .errlen = errlen};
  int rc = -1;

  *set = NULL;
  if (roots == NULL || paths == NULL) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    if ((roots[i] = load_shard(dirs[i], paths[i], sizeof(paths[i]), err,
                               errlen)) == NULL)
      goto done;
  if (rebuild_set(roots[0], paths[0], set, err, errlen) != 0)
    goto done;

  m.res = lsim_results_new(*set);
  m.seen = m.res ? calloc(m.res->npoints * (size_t)m.res->replications *
                            m.res->npolicies,
                          1)
                 : NULL;
  if (m.seen == NULL)
    snprintf(err, errlen, "out of memory");
  else if (merge_all(roots, paths, n, &m) == 0 &&
           copy_argv(roots[0], argv, argc) == 0)
    rc = 0;
done:
  for (size_t i = 0; roots != NULL && i < n; i++)
    cJSON_Delete(roots[i]);
  free(roots);
  free(paths);
  free(m.seen);
  if (rc == 0) {
    *res = m.res;
    return 0;
  }
  lsim_results_free(m.res);
  lsim_scenario_set_free(*set);
  *set = NULL;
  return -1;
}
