/*
 * results.c - reads and checks results.json; see results.h and the schema
 * in docs/RESULTS.md.
 *
 * Each check names the key path of what it rejects, so that a user (or the
 * simulator's author) can go straight to the offending value. The metric
 * and pair names are taken from the file rather than from a list compiled
 * in here: a new metric in the simulator shows up in the report without a
 * change to this module. Only the metrics the figures draw are required.
 */
#include "results.h"
#include "report.h"
#include "rfile.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The metrics the figures draw; results.json must have them. */
static const char *const required_metrics[] = {
    "overshoot_events", "time_over_limit_s", "throughput_per_s"};

/* What a check needs to report a failure. */
struct loader {
  struct lsim_results *r;
  const char *file; /* dir/results.json, as the user will read it */
  char *err;
  size_t errlen;
};

/* A short description of a JSON value for "got ..." in messages. */
static void describe(const cJSON *v, char *buf, size_t len)
{
  if (cJSON_IsNull(v))
    snprintf(buf, len, "null");
  else if (cJSON_IsBool(v))
    snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
  else if (cJSON_IsNumber(v))
    snprintf(buf, len, "%.17g", v->valuedouble);
  else if (cJSON_IsString(v))
    snprintf(buf, len, "the string \"%.40s\"", v->valuestring);
  else if (cJSON_IsArray(v))
    snprintf(buf, len, "an array of %d", cJSON_GetArraySize(v));
  else
    snprintf(buf, len, "an object");
}

/* Fails with "file: path: expected what, got v" ("missing" when v is
 * NULL). Returns LSIM_REPORT_EINPUT. */
static int reject(const struct loader *ld, const char *path, const char *what,
                  const cJSON *v)
{
  char got[80];

  if (v == NULL)
    return lsim_rfile_fail(ld->err, ld->errlen, LSIM_REPORT_EINPUT,
                           "%s: %s: missing, expected %s", ld->file, path,
                           what);
  describe(v, got, sizeof got);
  return lsim_rfile_fail(ld->err, ld->errlen, LSIM_REPORT_EINPUT,
                         "%s: %s: expected %s, got %s", ld->file, path, what,
                         got);
}

static int nomem(const struct loader *ld)
{
  return lsim_rfile_fail(ld->err, ld->errlen, LSIM_REPORT_ENOMEM,
                         "%s: out of memory", ld->file);
}

/* Line and column (from 1) of position `at` in text. */
static void locate(const char *text, const char *at, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (; text < at && *text != '\0'; text++) {
    if (*text == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

/* Reads and parses the file into r->doc; the top level must be an
 * object. */
static int parse_document(struct loader *ld)
{
  const char *end = NULL;
  char *text;
  size_t len;
  int rc = lsim_rfile_read(ld->file, &text, &len), line, col;

  if (rc != 0)
    return lsim_rfile_fail(ld->err, ld->errlen, LSIM_REPORT_EINPUT,
                           "%s: cannot open: %s", ld->file, strerror(-rc));

  ld->r->doc = cJSON_ParseWithOpts(text, &end, 1);
  if (ld->r->doc == NULL) {
    locate(text, end != NULL ? end : text, &line, &col);
    free(text);
    return lsim_rfile_fail(ld->err, ld->errlen, LSIM_REPORT_EINPUT,
                           "%s: line %d, column %d: invalid JSON", ld->file,
                           line, col);
  }
  free(text);

  if (!cJSON_IsObject(ld->r->doc))
    return reject(ld, "(top level)", "an object", ld->r->doc);
  return 0;
}

/* An array of distinct strings at obj[key] into a new array *out of *n
 * borrowed strings. min is the least number of items allowed. */
static int string_array(const struct loader *ld, const cJSON *obj,
                        const char *key, size_t min, const char ***out,
                        size_t *n)
{
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
  const cJSON *item;
  char path[160];
  size_t i = 0;

  if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) < min)
    return reject(
        ld, key,
        min > 0 ? "a non-empty array of strings" : "an array of strings", arr);
  *n = (size_t)cJSON_GetArraySize(arr);
  *out = calloc(*n + 1, sizeof **out);
  if (*out == NULL)
    return nomem(ld);

  cJSON_ArrayForEach(item, arr)
  {
    snprintf(path, sizeof path, "%s[%zu]", key, i);
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
      return reject(ld, path, "a non-empty string", item);
    for (size_t j = 0; j < i; j++)
      if (strcmp((*out)[j], item->valuestring) == 0)
        return reject(ld, path, "a name not listed before", item);
    (*out)[i++] = item->valuestring;
  }
  return 0;
}

/* Keys that are shown when present but may be absent. */
static int load_optional(struct loader *ld)
{
  const cJSON *doc = ld->r->doc, *v;

  v = cJSON_GetObjectItemCaseSensitive(doc, "limsim_version");
  if (v != NULL && !cJSON_IsString(v))
    return reject(ld, "limsim_version", "a string", v);
  ld->r->version = v != NULL ? v->valuestring : NULL;

  v = cJSON_GetObjectItemCaseSensitive(doc, "git_commit");
  if (v != NULL && !cJSON_IsString(v))
    return reject(ld, "git_commit", "a string", v);
  ld->r->commit = v != NULL ? v->valuestring : NULL;

  v = cJSON_GetObjectItemCaseSensitive(doc, "command_line");
  if (v != NULL && !cJSON_IsArray(v))
    return reject(ld, "command_line", "an array of strings", v);
  ld->r->command_line = v;

  v = cJSON_GetObjectItemCaseSensitive(doc, "perf");
  if (v != NULL && !cJSON_IsObject(v) && !cJSON_IsNull(v))
    return reject(ld, "perf", "an object", v);
  ld->r->perf = cJSON_IsObject(v) ? v : NULL;
  return 0;
}

/* One item of "expect": {"text": string, "pass": bool, ...}. */
static int check_expectation(const struct loader *ld, const cJSON *item,
                             size_t i)
{
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(item, "text");
  const cJSON *pass = cJSON_GetObjectItemCaseSensitive(item, "pass");
  char path[64];

  snprintf(path, sizeof path, "expect[%zu]", i);
  if (!cJSON_IsObject(item))
    return reject(ld, path, "an object", item);
  snprintf(path, sizeof path, "expect[%zu].text", i);
  if (!cJSON_IsString(text))
    return reject(ld, path, "a string", text);
  snprintf(path, sizeof path, "expect[%zu].pass", i);
  if (!cJSON_IsBool(pass))
    return reject(ld, path, "true or false", pass);
  return 0;
}

static int load_expect(struct loader *ld)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(ld->r->doc, "expect");
  const cJSON *item;
  size_t i = 0;
  int rc;

  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsArray(v))
    return reject(ld, "expect", "null or an array", v);

  cJSON_ArrayForEach(item, v)
  {
    rc = check_expectation(ld, item, i++);
    if (rc != 0)
      return rc;
  }
  ld->r->expect = v;
  return 0;
}

/* scenario.warmup_s, which places the timeline's detail window; the
 * scenario is otherwise only shown, so nothing else in it is checked. */
static int load_warmup(struct loader *ld)
{
  const cJSON *v =
      cJSON_GetObjectItemCaseSensitive(ld->r->scenario, "warmup_s");

  if (v == NULL)
    return 0;
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || isinf(v->valuedouble))
    return reject(ld, "scenario.warmup_s", "a number >= 0", v);
  ld->r->warmup_s = v->valuedouble;
  return 0;
}

/* scenario, replications, policies and sweep_keys. */
static int load_header(struct loader *ld)
{
  struct lsim_results *r = ld->r;
  const cJSON *v;
  int rc;

  r->scenario = cJSON_GetObjectItemCaseSensitive(r->doc, "scenario");
  if (!cJSON_IsObject(r->scenario))
    return reject(ld, "scenario", "an object", r->scenario);
  rc = load_warmup(ld);
  if (rc != 0)
    return rc;

  v = cJSON_GetObjectItemCaseSensitive(r->doc, "replications");
  if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 ||
      v->valuedouble != floor(v->valuedouble))
    return reject(ld, "replications", "an integer >= 1", v);
  r->replications = (long)v->valuedouble;

  rc = string_array(ld, r->doc, "policies", 1, &r->policies, &r->npolicies);
  if (rc == 0)
    rc = string_array(ld, r->doc, "sweep_keys", 0, &r->sweep_keys, &r->nkeys);
  if (rc == 0)
    rc = load_optional(ld);
  if (rc == 0)
    rc = load_expect(ld);
  return rc;
}

/* A number or null; null reads as NaN. */
static int stat_field(const struct loader *ld, const cJSON *stat,
                      const char *path, const char *name, double *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(stat, name);
  char full[640]; /* path (< 512) and a field name */

  if (cJSON_IsNumber(v)) {
    *out = v->valuedouble;
    return 0;
  }
  if (cJSON_IsNull(v)) {
    *out = NAN;
    return 0;
  }
  snprintf(full, sizeof full, "%s.%s", path, name);
  return reject(ld, full, "a number or null", v);
}

/* {"mean": x, "ci95_lo": x, "ci95_hi": x} at path. */
static int load_stat(const struct loader *ld, const cJSON *v, const char *path,
                     struct lsim_stat *out)
{
  int rc;

  if (!cJSON_IsObject(v))
    return reject(ld, path, "an object with mean, ci95_lo and ci95_hi", v);
  rc = stat_field(ld, v, path, "mean", &out->mean);
  if (rc == 0)
    rc = stat_field(ld, v, path, "ci95_lo", &out->lo);
  if (rc == 0)
    rc = stat_field(ld, v, path, "ci95_hi", &out->hi);
  out->defined = !isnan(out->mean);
  return rc;
}

/* Every metric of r->metrics from obj (at path) into out[0..nmetrics). */
static int load_metric_set(const struct loader *ld, const cJSON *obj,
                           const char *path, struct lsim_stat *out)
{
  const struct lsim_results *r = ld->r;
  char full[512];
  int rc;

  if (!cJSON_IsObject(obj))
    return reject(ld, path, "an object of metrics", obj);
  for (size_t m = 0; m < r->nmetrics; m++) {
    snprintf(full, sizeof full, "%s.%s", path, r->metrics[m]);
    rc = load_stat(ld, cJSON_GetObjectItemCaseSensitive(obj, r->metrics[m]),
                   full, &out[m]);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* The names of obj's members in file order, into a new array. */
static int member_names(const struct loader *ld, const cJSON *obj,
                        const char ***out, size_t *n)
{
  const cJSON *item;

  *n = (size_t)cJSON_GetArraySize(obj);
  *out = calloc(*n + 1, sizeof **out);
  if (*out == NULL)
    return nomem(ld);
  *n = 0;
  cJSON_ArrayForEach(item, obj)
  {
    (*out)[(*n)++] = item->string;
  }
  return 0;
}

/* Looks up points[0] pieces, tolerating their absence: the per-point
 * checks that follow report it with the full path. */
static const cJSON *first_point_item(const cJSON *points, const char *a,
                                     const char *b, const char *c)
{
  const cJSON *v = cJSON_GetArrayItem(points, 0);

  v = cJSON_GetObjectItemCaseSensitive(v, a);
  if (b != NULL)
    v = cJSON_GetObjectItemCaseSensitive(v, b);
  return c != NULL ? cJSON_GetObjectItemCaseSensitive(v, c) : v;
}

/* The metrics the figures draw must be among those found at `path`. */
static int check_required_metrics(const struct loader *ld, const char *path)
{
  size_t n = sizeof required_metrics / sizeof required_metrics[0];
  char full[320];

  for (size_t i = 0; i < n; i++) {
    if (lsim_results_metric(ld->r, required_metrics[i]) >= 0)
      continue;
    snprintf(full, sizeof full, "%s.%s", path, required_metrics[i]);
    return reject(ld, full, "a metric (the figures draw it)", NULL);
  }
  return 0;
}

/* The metric and pair names, from the first point. */
static int load_names(struct loader *ld, const cJSON *points)
{
  struct lsim_results *r = ld->r;
  const cJSON *metrics, *paired;
  char path[256];
  int rc;

  metrics = first_point_item(points, "policies", r->policies[0], "metrics");
  snprintf(path, sizeof path, "points[0].policies.%s.metrics", r->policies[0]);
  if (!cJSON_IsObject(metrics))
    return reject(ld, path, "an object of metrics", metrics);
  rc = member_names(ld, metrics, &r->metrics, &r->nmetrics);
  if (rc == 0)
    rc = check_required_metrics(ld, path);

  paired = first_point_item(points, "paired", NULL, NULL);
  if (rc == 0 && !cJSON_IsObject(paired))
    return reject(ld, "points[0].paired", "an object", paired);
  if (rc == 0)
    rc = member_names(ld, paired, &r->pairs, &r->npairs);
  return rc;
}

/* points[p].params: an object with every sweep key. */
static int load_params(struct loader *ld, const cJSON *point, size_t p)
{
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(point, "params");
  char path[256];

  snprintf(path, sizeof path, "points[%zu].params", p);
  if (!cJSON_IsObject(params))
    return reject(ld, path, "an object", params);
  for (size_t k = 0; k < ld->r->nkeys; k++) {
    const char *key = ld->r->sweep_keys[k];
    if (!cJSON_HasObjectItem(params, key)) {
      snprintf(path, sizeof path, "points[%zu].params.%s", p, key);
      return reject(ld, path, "the value of this sweep key", NULL);
    }
  }
  ld->r->params[p] = params;
  return 0;
}

/* points[p].policies.<name>.metrics for every policy. */
static int load_policies(struct loader *ld, const cJSON *point, size_t p)
{
  struct lsim_results *r = ld->r;
  const cJSON *policies = cJSON_GetObjectItemCaseSensitive(point, "policies");
  const cJSON *entry;
  char path[256];
  int rc;

  snprintf(path, sizeof path, "points[%zu].policies", p);
  if (!cJSON_IsObject(policies))
    return reject(ld, path, "an object with one key per policy", policies);

  for (size_t i = 0; i < r->npolicies; i++) {
    entry = cJSON_GetObjectItemCaseSensitive(policies, r->policies[i]);
    snprintf(path, sizeof path, "points[%zu].policies.%s.metrics", p,
             r->policies[i]);
    rc = load_metric_set(ld, cJSON_GetObjectItemCaseSensitive(entry, "metrics"),
                         path, &r->stats[(p * r->npolicies + i) * r->nmetrics]);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* points[p].paired.<pair> for every pair named in the first point. */
static int load_pairs(struct loader *ld, const cJSON *point, size_t p)
{
  struct lsim_results *r = ld->r;
  const cJSON *paired = cJSON_GetObjectItemCaseSensitive(point, "paired");
  char path[256];
  int rc;

  snprintf(path, sizeof path, "points[%zu].paired", p);
  if (!cJSON_IsObject(paired))
    return reject(ld, path, "an object", paired);

  for (size_t i = 0; i < r->npairs; i++) {
    snprintf(path, sizeof path, "points[%zu].paired.%s", p, r->pairs[i]);
    rc = load_metric_set(ld,
                         cJSON_GetObjectItemCaseSensitive(paired, r->pairs[i]),
                         path, &r->paired[(p * r->npairs + i) * r->nmetrics]);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static int alloc_points(struct loader *ld)
{
  struct lsim_results *r = ld->r;
  size_t n = r->npoints;

  r->params = calloc(n, sizeof *r->params);
  r->stats = calloc(n * r->npolicies * r->nmetrics + 1, sizeof *r->stats);
  r->paired = calloc(n * r->npairs * r->nmetrics + 1, sizeof *r->paired);
  r->timeline = calloc(n * r->npolicies, sizeof *r->timeline);
  r->cdf = calloc(n * r->npolicies, sizeof *r->cdf);
  if (r->params == NULL || r->stats == NULL || r->paired == NULL ||
      r->timeline == NULL || r->cdf == NULL)
    return nomem(ld);
  return 0;
}

static int load_points(struct loader *ld)
{
  const cJSON *points = cJSON_GetObjectItemCaseSensitive(ld->r->doc, "points");
  const cJSON *point;
  char path[64];
  size_t p = 0;
  int rc;

  if (!cJSON_IsArray(points) || cJSON_GetArraySize(points) == 0)
    return reject(ld, "points", "a non-empty array", points);
  ld->r->npoints = (size_t)cJSON_GetArraySize(points);
  rc = load_names(ld, points);
  if (rc == 0)
    rc = alloc_points(ld);

  cJSON_ArrayForEach(point, points)
  {
    snprintf(path, sizeof path, "points[%zu]", p);
    if (rc == 0 && !cJSON_IsObject(point))
      rc = reject(ld, path, "an object", point);
    if (rc == 0)
      rc = load_params(ld, point, p);
    if (rc == 0)
      rc = load_policies(ld, point, p);
    if (rc == 0)
      rc = load_pairs(ld, point, p);
    p++;
  }
  return rc;
}

int lsim_results_load(struct lsim_results *r, const char *dir, char *err,
                      size_t errlen)
{
  struct loader ld = {r, NULL, err, errlen};
  char *file = lsim_rfile_join(dir, "results.json");
  int rc;

  memset(r, 0, sizeof *r);
  if (file == NULL)
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "out of memory");
  ld.file = file;

  rc = parse_document(&ld);
  if (rc == 0)
    rc = load_header(&ld);
  if (rc == 0)
    rc = load_points(&ld);
  if (rc == 0)
    rc = lsim_results_load_csvs(r, dir, err, errlen);

  free(file);
  if (rc != 0)
    lsim_results_release(r);
  return rc;
}

void lsim_results_release(struct lsim_results *r)
{
  size_t n = r->npoints * r->npolicies;

  for (size_t i = 0; r->timeline != NULL && i < n; i++)
    free(r->timeline[i].v);
  for (size_t i = 0; r->cdf != NULL && i < n; i++)
    free(r->cdf[i].v);
  free(r->timeline);
  free(r->cdf);
  free(r->params);
  free(r->stats);
  free(r->paired);
  free(r->policies);
  free(r->metrics);
  free(r->sweep_keys);
  free(r->pairs);
  cJSON_Delete(r->doc);
  memset(r, 0, sizeof *r);
}

static long find_name(const char *const *names, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0)
      return (long)i;
  return -1;
}

long lsim_results_metric(const struct lsim_results *r, const char *name)
{
  return find_name(r->metrics, r->nmetrics, name);
}

long lsim_results_policy(const struct lsim_results *r, const char *name)
{
  return find_name(r->policies, r->npolicies, name);
}

const struct lsim_stat *lsim_results_stat(const struct lsim_results *r,
                                          size_t point, size_t policy,
                                          size_t metric)
{
  return &r->stats[(point * r->npolicies + policy) * r->nmetrics + metric];
}

const struct lsim_stat *lsim_results_pair(const struct lsim_results *r,
                                          size_t point, size_t pair,
                                          size_t metric)
{
  return &r->paired[(point * r->npairs + pair) * r->nmetrics + metric];
}

void lsim_results_param(const struct lsim_results *r, size_t point, size_t key,
                        char *buf, size_t len)
{
  const cJSON *v =
      cJSON_GetObjectItemCaseSensitive(r->params[point], r->sweep_keys[key]);
  char *json;

  if (cJSON_IsNumber(v)) {
    snprintf(buf, len, "%.10g", v->valuedouble);
  } else if (cJSON_IsString(v)) {
    snprintf(buf, len, "%s", v->valuestring);
  } else {
    json = cJSON_PrintUnformatted(v);
    snprintf(buf, len, "%s", json != NULL ? json : "?");
    free(json);
  }
}

void lsim_results_point_label(const struct lsim_results *r, size_t point,
                              char *buf, size_t len)
{
  size_t used = 0;
  char value[128];

  snprintf(buf, len, "%s", r->nkeys == 0 ? "no sweep" : "");
  for (size_t k = 0; k < r->nkeys && used < len; k++) {
    lsim_results_param(r, point, k, value, sizeof value);
    snprintf(buf + used, len - used, "%s%s = %s", k > 0 ? ", " : "",
             r->sweep_keys[k], value);
    used += strlen(buf + used);
  }
}
