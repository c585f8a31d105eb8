/*
 * expect.c - expectations and their verdicts; see expect.h.
 *
 * Parsing is strict, like the scenario parser's: an unknown key, a metric
 * or policy that does not exist, or a sweep value no point has is an
 * error before anything runs, because a check that silently matches
 * nothing passes for ever.
 */
#include "expect.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WHERE_MAX 256 /* key paths longer than this are cut in messages */
#define SHOWN_MAX 48  /* how much of a bad value a message quotes */
#define PARAMS_MAX 256

const char *const lsim_expect_stat_names[LSIM_EXPECT_STAT_COUNT] = {
    [LSIM_EXPECT_MEAN] = "mean",
    [LSIM_EXPECT_CI95_LO] = "ci95_lo",
    [LSIM_EXPECT_CI95_HI] = "ci95_hi",
};

/* ---------------------------------------------------------------- */
/* Messages                                                         */
/* ---------------------------------------------------------------- */

struct ctx {
  const struct lsim_scenario_set *set;
  const char *const *policies; /* point 0's policy names */
  size_t npolicies;
  char *err;
  size_t errlen;
  bool skip_absent; /* drop checks on policies not run (see expect.h) */
};

static int fail(const struct ctx *c, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const struct ctx *c, const char *where, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->err != NULL && c->errlen > 0)
    snprintf(c->err, c->errlen, "%s: %s: %s", c->set->path, where, msg);
  return LSIM_EINVAL;
}

static int nomem(const struct ctx *c)
{
  if (c->err != NULL && c->errlen > 0)
    snprintf(c->err, c->errlen, "%s: out of memory", c->set->path);
  return LSIM_ENOMEM;
}

/* `item` as the user wrote it, cut to SHOWN_MAX; "nothing" for NULL. */
static void shown(const cJSON *item, char *buf, size_t len)
{
  char *text = item ? cJSON_PrintUnformatted(item) : NULL;

  if (item == NULL)
    snprintf(buf, len, "nothing");
  else if (text == NULL)
    snprintf(buf, len, "a value");
  else if (strlen(text) > SHOWN_MAX)
    snprintf(buf, len, "%.*s...", SHOWN_MAX, text);
  else
    snprintf(buf, len, "%s", text);
  cJSON_free(text);
}

/* WHERE.KEY into out; a path too long for messages is cut. */
static void join(char *out, size_t len, const char *where, const char *key)
{
  int n = snprintf(out, len, "%s.%s", where, key);

  if (n < 0 && len > 0)
    out[0] = '\0';
}

static int expected(const struct ctx *c, const char *where, const char *what,
                    const cJSON *got)
{
  char text[SHOWN_MAX + 8];

  shown(got, text, sizeof text);
  return fail(c, where, "expected %s, got %s", what, text);
}

/* A key as the user wrote it, for a message that must stay one line:
 * control characters become '?', and a long key is cut. */
static void printable(const char *key, char *buf, size_t len)
{
  size_t i = 0;

  for (; key[i] != '\0' && i + 1 < len; i++)
    buf[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f ? '?' : key[i];
  buf[i] = '\0';
}

/* Every key of `obj` must be one of the NULL-terminated `keys`. */
static int check_keys(const struct ctx *c, const char *where, const cJSON *obj,
                      const char *const *keys)
{
  const cJSON *item;

  cJSON_ArrayForEach(item, obj)
  {
    size_t k = 0;

    while (keys[k] != NULL && strcmp(keys[k], item->string) != 0)
      k++;
    if (keys[k] == NULL) {
      char path[WHERE_MAX], key[SHOWN_MAX + 1];

      printable(item->string, key, sizeof key);
      join(path, sizeof path, where, key);
      return fail(c, path, "unknown key");
    }
  }
  return 0;
}

/* The scenario's policies, "a, b, c", for messages. */
static void policy_list(const struct ctx *c, char *buf, size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < c->npolicies && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                             c->policies[i]);
}

/* ---------------------------------------------------------------- */
/* Parsing one check                                                */
/* ---------------------------------------------------------------- */

static int find_policy(const struct ctx *c, const char *name, size_t len)
{
  for (size_t i = 0; i < c->npolicies; i++)
    if (strlen(c->policies[i]) == len &&
        strncmp(c->policies[i], name, len) == 0)
      return (int)i;
  return -1;
}

static int get_string(const struct ctx *c, const char *where, const cJSON *item,
                      char **out)
{
  if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
    return expected(c, where, "a non-empty string", item);

  *out = strdup(item->valuestring);
  return *out != NULL ? 0 : nomem(c);
}

static int parse_policy(const struct ctx *c, const char *where,
                        const cJSON *item, struct lsim_expect_check *ck)
{
  char what[512], list[400];

  policy_list(c, list, sizeof list);
  snprintf(what, sizeof what, "one of the scenario's policies (%s)", list);
  if (!cJSON_IsString(item))
    return expected(c, where, what, item);

  ck->policy = find_policy(c, item->valuestring, strlen(item->valuestring));
  if (ck->policy < 0)
    return expected(c, where, what, item);
  return get_string(c, where, item, &ck->subject);
}

/* "B - A": a policy name may hold " - " itself, so every split is tried
 * and the one that names two policies wins. */
static int split_paired(const struct ctx *c, const char *text,
                        struct lsim_expect_check *ck)
{
  for (const char *dash = strstr(text, " - "); dash != NULL;
       dash = strstr(dash + 1, " - ")) {
    int b = find_policy(c, text, (size_t)(dash - text));
    int a = find_policy(c, dash + 3, strlen(dash + 3));

    if (a >= 0 && b >= 0 && a != b) {
      ck->minuend = b;
      ck->subtrahend = a;
      return 0;
    }
  }
  return -1;
}

static int parse_paired(const struct ctx *c, const char *where,
                        const cJSON *item, struct lsim_expect_check *ck)
{
  char what[512], list[400];

  policy_list(c, list, sizeof list);
  snprintf(what, sizeof what,
           "\"B - A\" naming two different policies of the scenario (%s)",
           list);
  if (!cJSON_IsString(item) || split_paired(c, item->valuestring, ck) != 0)
    return expected(c, where, what, item);

  ck->policy = -1;
  return get_string(c, where, item, &ck->subject);
}

static int parse_subject(const struct ctx *c, const char *where,
                         const cJSON *obj, struct lsim_expect_check *ck)
{
  const cJSON *policy = cJSON_GetObjectItemCaseSensitive(obj, "policy");
  const cJSON *paired = cJSON_GetObjectItemCaseSensitive(obj, "paired");
  char path[WHERE_MAX];

  if (policy != NULL && paired != NULL)
    return fail(c, where, "expected either \"policy\" or \"paired\", got both");
  if (policy == NULL && paired == NULL)
    return fail(c, where,
                "expected a \"policy\" or a \"paired\" key, got neither");

  join(path, sizeof path, where, policy ? "policy" : "paired");
  if (policy != NULL)
    return parse_policy(c, path, policy, ck);
  return parse_paired(c, path, paired, ck);
}

static int parse_metric(const struct ctx *c, const char *where,
                        const cJSON *obj, struct lsim_expect_check *ck)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "metric");
  char path[WHERE_MAX];

  join(path, sizeof path, where, "metric");
  ck->metric = cJSON_IsString(item) ? lsim_metric_find(item->valuestring) : -1;
  if (ck->metric < 0)
    return expected(c, path, "a metric name", item);
  return 0;
}

static int parse_limit(const struct ctx *c, const char *where, const cJSON *obj,
                       const char *key, bool *has, double *value)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
  char path[WHERE_MAX];

  if (item == NULL)
    return 0;
  join(path, sizeof path, where, key);
  if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
    return expected(c, path, "a finite number", item);

  *has = true;
  *value = item->valuedouble;
  return 0;
}

/* {"min": x, "max": y}, at least one of them, min <= max. */
static int parse_bound(const struct ctx *c, const char *where,
                       const cJSON *item, struct lsim_expect_bound *b)
{
  static const char *const keys[] = {"min", "max", NULL};
  int rc;

  if (!cJSON_IsObject(item))
    return expected(c, where, "an object with \"min\" and/or \"max\"", item);
  rc = check_keys(c, where, item, keys);
  if (rc == 0)
    rc = parse_limit(c, where, item, "min", &b->has_min, &b->min);
  if (rc == 0)
    rc = parse_limit(c, where, item, "max", &b->has_max, &b->max);
  if (rc != 0)
    return rc;

  if (!b->has_min && !b->has_max)
    return expected(c, where, "an object with \"min\" and/or \"max\"", item);
  if (b->has_min && b->has_max && b->min > b->max)
    return expected(c, where, "min <= max", item);
  return 0;
}

static int parse_bounds(const struct ctx *c, const char *where,
                        const cJSON *obj, struct lsim_expect_check *ck)
{
  char path[WHERE_MAX];
  int found = 0;

  for (int s = 0; s < LSIM_EXPECT_STAT_COUNT; s++) {
    const char *name = lsim_expect_stat_names[s];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    int rc;

    if (item == NULL)
      continue;
    join(path, sizeof path, where, name);
    rc = parse_bound(c, path, item, &ck->bound[s]);
    if (rc != 0)
      return rc;
    found++;
  }
  if (found == 0)
    return fail(c, where,
                "expected a bound on mean, ci95_lo or ci95_hi, got none");
  return 0;
}

/* ---------------------------------------------------------------- */
/* Which points a check applies to                                  */
/* ---------------------------------------------------------------- */

static bool is_sweep_key(const struct lsim_scenario_set *set, const char *key)
{
  for (size_t k = 0; k < set->nsweep_keys; k++)
    if (strcmp(set->sweep_keys[k], key) == 0)
      return true;
  return false;
}

/* A value, or an array of values any of which may match. */
static bool value_matches(const cJSON *want, const cJSON *have)
{
  const cJSON *one;

  if (!cJSON_IsArray(want))
    return have != NULL && cJSON_Compare(want, have, true);
  cJSON_ArrayForEach(one, want)
  {
    if (have != NULL && cJSON_Compare(one, have, true))
      return true;
  }
  return false;
}

static bool some_point_has(const struct lsim_scenario_set *set, const char *key,
                           const cJSON *value)
{
  for (size_t p = 0; p < set->npoints; p++) {
    const cJSON *have =
        cJSON_GetObjectItemCaseSensitive(set->points[p].params, key);

    if (have != NULL && cJSON_Compare(value, have, true))
      return true;
  }
  return false;
}

static int not_swept_value(const struct ctx *c, const char *where,
                           const char *key, const cJSON *value)
{
  const cJSON *sweep =
      cJSON_GetObjectItemCaseSensitive(c->set->as_run, "sweep");
  char what[SHOWN_MAX + 64], list[SHOWN_MAX + 8];

  shown(cJSON_GetObjectItemCaseSensitive(sweep, key), list, sizeof list);
  snprintf(what, sizeof what, "one of the sweep's values %s", list);
  return expected(c, where, what, value);
}

/* Every value named must be one that some point has: a typo would
 * otherwise select nothing, and a check on nothing never fails. */
static int check_values_exist(const struct ctx *c, const char *where,
                              const char *key, const cJSON *want)
{
  const cJSON *one;

  if (cJSON_IsArray(want) && cJSON_GetArraySize(want) == 0)
    return expected(c, where, "a value or a non-empty array of values", want);
  if (!cJSON_IsArray(want))
    return some_point_has(c->set, key, want)
               ? 0
               : not_swept_value(c, where, key, want);

  cJSON_ArrayForEach(one, want)
  {
    if (!some_point_has(c->set, key, one))
      return not_swept_value(c, where, key, one);
  }
  return 0;
}

static void sweep_key_list(const struct lsim_scenario_set *set, char *buf,
                           size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t k = 0; k < set->nsweep_keys && used < len; k++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
                             set->sweep_keys[k]);
}

static int check_point_keys(const struct ctx *c, const char *where,
                            const cJSON *obj)
{
  const cJSON *item;
  char path[WHERE_MAX], what[400], keys[300];

  if (c->set->nsweep_keys == 0)
    return expected(c, where, "\"all\" (the scenario has no sweep)", obj);
  sweep_key_list(c->set, keys, sizeof keys);
  snprintf(what, sizeof what, "a sweep key (%s)", keys);
  cJSON_ArrayForEach(item, obj)
  {
    cJSON key = {.type = cJSON_String, .valuestring = item->string};
    int rc;

    if (!is_sweep_key(c->set, item->string))
      return expected(c, where, what, &key);
    join(path, sizeof path, where, item->string);
    rc = check_values_exist(c, path, item->string, item);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Whether point p's swept values match every key of `select`. */
static bool point_selected(const struct lsim_scenario_set *set, size_t p,
                           const cJSON *select)
{
  const cJSON *item;

  cJSON_ArrayForEach(item, select)
  {
    const cJSON *have =
        cJSON_GetObjectItemCaseSensitive(set->points[p].params, item->string);

    if (!value_matches(item, have))
      return false;
  }
  return true;
}

static int parse_points(const struct ctx *c, const char *where,
                        const cJSON *obj, struct lsim_expect_check *ck)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, "points");
  size_t n = c->set->npoints, chosen = 0;
  char path[WHERE_MAX];
  int rc = 0;

  join(path, sizeof path, where, "points");
  ck->applies = calloc(n, sizeof *ck->applies);
  if (ck->applies == NULL)
    return nomem(c);
  if (item == NULL ||
      (cJSON_IsString(item) && strcmp(item->valuestring, "all") == 0)) {
    for (size_t p = 0; p < n; p++)
      ck->applies[p] = true;
    return 0;
  }
  if (!cJSON_IsObject(item) || cJSON_GetArraySize(item) == 0)
    return expected(c, path, "\"all\" or an object of sweep keys to values",
                    item);

  rc = check_point_keys(c, path, item);
  for (size_t p = 0; rc == 0 && p < n; p++) {
    ck->applies[p] = point_selected(c->set, p, item);
    chosen += ck->applies[p];
  }
  /* Each value exists, but together they may still select nothing. */
  if (rc == 0 && chosen == 0)
    return expected(c, path, "values that some sweep point has together", item);
  return rc;
}

/* ---------------------------------------------------------------- */
/* Parsing the object                                               */
/* ---------------------------------------------------------------- */

static int parse_check(const struct ctx *c, const char *where, const cJSON *obj,
                       struct lsim_expect_check *ck)
{
  static const char *const keys[] = {"policy", "paired",  "metric",
                                     "mean",   "ci95_lo", "ci95_hi",
                                     "points", "finding", NULL};
  const cJSON *finding = cJSON_GetObjectItemCaseSensitive(obj, "finding");
  char path[WHERE_MAX];
  int rc;

  if (!cJSON_IsObject(obj))
    return expected(c, where, "an object", obj);
  rc = check_keys(c, where, obj, keys);
  if (rc == 0)
    rc = parse_subject(c, where, obj, ck);
  if (rc == 0)
    rc = parse_metric(c, where, obj, ck);
  if (rc == 0)
    rc = parse_bounds(c, where, obj, ck);
  if (rc == 0)
    rc = parse_points(c, where, obj, ck);

  join(path, sizeof path, where, "finding");
  if (rc == 0 && finding != NULL)
    rc = get_string(c, path, finding, &ck->finding);
  return rc;
}

/* Whether a check's subject names policies of this run. A subject that
 * is not a string is left for parse_check() to report. */
static bool subject_runs(const struct ctx *c, const cJSON *check)
{
  const cJSON *policy = cJSON_GetObjectItemCaseSensitive(check, "policy");
  const cJSON *paired = cJSON_GetObjectItemCaseSensitive(check, "paired");
  struct lsim_expect_check scratch;

  if (cJSON_IsString(policy))
    return find_policy(c, policy->valuestring, strlen(policy->valuestring)) >=
           0;
  if (cJSON_IsString(paired))
    return split_paired(c, paired->valuestring, &scratch) == 0;
  return true;
}

static int parse_checks(const struct ctx *c, const cJSON *list,
                        struct lsim_expect *ex)
{
  const cJSON *item;
  char where[WHERE_MAX];
  size_t written = 0; /* the check's index in the file */

  if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
    return expected(c, "expect.checks", "a non-empty array of checks", list);
  ex->checks = calloc((size_t)cJSON_GetArraySize(list), sizeof *ex->checks);
  if (ex->checks == NULL)
    return nomem(c);

  cJSON_ArrayForEach(item, list)
  {
    int rc;

    snprintf(where, sizeof where, "expect.checks[%zu]", written++);
    if (c->skip_absent && !subject_runs(c, item))
      continue;
    /* counted first, so that lsim_expect_free() frees this one too */
    rc = parse_check(c, where, item, &ex->checks[ex->nchecks++]);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Every point must carry point 0's expectations: a sweep over a key under
 * expect would make the checks differ from point to point. */
static int check_not_swept(const struct ctx *c)
{
  for (size_t k = 0; k < c->set->nsweep_keys; k++) {
    const char *key = c->set->sweep_keys[k];

    if (strncmp(key, "expect", 6) == 0 && (key[6] == '.' || key[6] == '\0'))
      return fail(c, "sweep", "expected keys outside expect, got \"%.*s\"",
                  SHOWN_MAX, key);
  }
  return 0;
}

static int parse_expect(const struct ctx *c, const cJSON *obj,
                        struct lsim_expect *ex)
{
  static const char *const keys[] = {"finding", "checks", NULL};
  const cJSON *finding = cJSON_GetObjectItemCaseSensitive(obj, "finding");
  int rc = check_not_swept(c);

  if (rc == 0)
    rc = check_keys(c, "expect", obj, keys);
  if (rc == 0 && finding != NULL)
    rc = get_string(c, "expect.finding", finding, &ex->finding);
  if (rc == 0)
    rc = parse_checks(c, cJSON_GetObjectItemCaseSensitive(obj, "checks"), ex);
  return rc;
}

int lsim_expect_parse(const struct lsim_scenario_set *set,
                      struct lsim_expect **out, char *err, size_t errlen)
{
  return lsim_expect_parse_run(set, false, out, err, errlen);
}

int lsim_expect_parse_run(const struct lsim_scenario_set *set, bool skip_absent,
                          struct lsim_expect **out, char *err, size_t errlen)
{
  const struct lsim_scenario *sc0 = set->points[0].scenario;
  struct ctx c = {set, NULL, sc0->limiter.npolicies, err, errlen, skip_absent};
  const char **names;
  struct lsim_expect *ex;
  int rc;

  *out = NULL;
  if (sc0->expect == NULL)
    return 0;

  names = calloc(c.npolicies, sizeof *names);
  ex = calloc(1, sizeof *ex);
  if (names == NULL || ex == NULL) {
    free(names);
    free(ex);
    return nomem(&c);
  }
  for (size_t i = 0; i < c.npolicies; i++)
    names[i] = sc0->limiter.policies[i].name;
  c.policies = names;
  ex->npoints = set->npoints;

  rc = parse_expect(&c, sc0->expect, ex);
  free(names);
  if (rc != 0 || ex->nchecks == 0)
    lsim_expect_free(ex); /* no check left: as if there were none */
  else
    *out = ex;
  return rc;
}

void lsim_expect_free(struct lsim_expect *ex)
{
  if (ex == NULL)
    return;
  for (size_t i = 0; i < ex->nchecks; i++) {
    free(ex->checks[i].subject);
    free(ex->checks[i].applies);
    free(ex->checks[i].finding);
  }
  free(ex->checks);
  free(ex->finding);
  free(ex);
}

/* ---------------------------------------------------------------- */
/* Evaluation                                                       */
/* ---------------------------------------------------------------- */

static const struct lsim_pair *find_pair(const struct lsim_results *res,
                                         size_t point, int a, int b)
{
  for (size_t k = 0; k < res->npairs; k++) {
    const struct lsim_pair *pair = &res->pairs[point * res->npairs + k];

    if (pair->a == a && pair->b == b)
      return pair;
  }
  return NULL;
}

/* The check's summary at point p. The runner keeps "B - A" with B the
 * later policy; a check written the other way round gets its negation. */
static int measure(const struct lsim_expect_check *ck,
                   const struct lsim_results *res, size_t p,
                   struct lsim_summary *out)
{
  int lo = ck->minuend < ck->subtrahend ? ck->minuend : ck->subtrahend;
  int hi = ck->minuend < ck->subtrahend ? ck->subtrahend : ck->minuend;
  const struct lsim_pair *pair;
  double mean;

  if (ck->policy >= 0) {
    *out = lsim_results_cell(res, p, (size_t)ck->policy)->summary[ck->metric];
    return 0;
  }
  pair = find_pair(res, p, lo, hi);
  if (pair == NULL)
    return LSIM_EINVAL;

  *out = pair->summary[ck->metric];
  if (ck->minuend == lo) {
    mean = out->mean;
    out->mean = -mean;
    mean = out->ci95_lo;
    out->ci95_lo = -out->ci95_hi;
    out->ci95_hi = -mean;
  }
  return 0;
}

static double stat_of(const struct lsim_summary *s, int stat)
{
  if (stat == LSIM_EXPECT_CI95_LO)
    return s->ci95_lo;
  if (stat == LSIM_EXPECT_CI95_HI)
    return s->ci95_hi;
  return s->mean;
}

/* Written so that a NaN fails every bound it meets. */
static bool bound_holds(const struct lsim_expect_bound *b, double v)
{
  if (b->has_min && !(v >= b->min))
    return false;
  if (b->has_max && !(v <= b->max))
    return false;
  return true;
}

static bool check_holds(const struct lsim_expect_check *ck,
                        const struct lsim_summary *s)
{
  for (int stat = 0; stat < LSIM_EXPECT_STAT_COUNT; stat++)
    if (!bound_holds(&ck->bound[stat], stat_of(s, stat)))
      return false;
  return true;
}

static size_t count_verdicts(const struct lsim_expect *ex)
{
  size_t n = 0;

  for (size_t i = 0; i < ex->nchecks; i++)
    for (size_t p = 0; p < ex->npoints; p++)
      n += ex->checks[i].applies[p];
  return n;
}

static bool shapes_agree(const struct lsim_expect *ex,
                         const struct lsim_results *res)
{
  if (res->npoints != ex->npoints)
    return false;
  for (size_t i = 0; i < ex->nchecks; i++) {
    const struct lsim_expect_check *ck = &ex->checks[i];
    int top = ck->policy >= 0                ? ck->policy
              : ck->minuend > ck->subtrahend ? ck->minuend
                                             : ck->subtrahend;

    if ((size_t)top >= res->npolicies)
      return false;
  }
  return true;
}

int lsim_expect_evaluate(const struct lsim_expect *ex,
                         const struct lsim_results *res,
                         struct lsim_expect_verdicts *out)
{
  memset(out, 0, sizeof *out);
  if (!shapes_agree(ex, res))
    return LSIM_EINVAL;
  out->v = calloc(count_verdicts(ex), sizeof *out->v);
  if (out->v == NULL)
    return LSIM_ENOMEM;

  for (size_t i = 0; i < ex->nchecks; i++)
    for (size_t p = 0; p < ex->npoints; p++) {
      struct lsim_expect_verdict *v = &out->v[out->n];

      if (!ex->checks[i].applies[p])
        continue;
      v->check = i;
      v->point = p;
      if (measure(&ex->checks[i], res, p, &v->measured) != 0)
        return LSIM_EINVAL;
      v->pass = check_holds(&ex->checks[i], &v->measured);
      out->failed += !v->pass;
      out->n++;
    }
  return 0;
}

void lsim_expect_verdicts_release(struct lsim_expect_verdicts *v)
{
  free(v->v);
  memset(v, 0, sizeof *v);
}

/* ---------------------------------------------------------------- */
/* Text                                                             */
/* ---------------------------------------------------------------- */

/* Appends to buf (len bytes) at *used, never past the end. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (*used >= len)
    return;
  va_start(ap, fmt);
  n = vsnprintf(buf + *used, len - *used, fmt, ap);
  va_end(ap);
  if (n > 0)
    *used += (size_t)n;
}

/* "mean <= 0 and 0.4 <= ci95_lo". */
static void bounds_text(const struct lsim_expect_check *ck, char *buf,
                        size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (int s = 0; s < LSIM_EXPECT_STAT_COUNT; s++) {
    const struct lsim_expect_bound *b = &ck->bound[s];

    if (!b->has_min && !b->has_max)
      continue;
    append(buf, len, &used, "%s", used ? " and " : "");
    if (b->has_min && b->has_max)
      append(buf, len, &used, "%.6g <= %s <= %.6g", b->min,
             lsim_expect_stat_names[s], b->max);
    else if (b->has_min)
      append(buf, len, &used, "%s >= %.6g", lsim_expect_stat_names[s], b->min);
    else
      append(buf, len, &used, "%s <= %.6g", lsim_expect_stat_names[s], b->max);
  }
}

/* " (key=value, key=value)", or "" without a sweep. */
static void params_text(const struct lsim_scenario_set *set, size_t p,
                        char *buf, size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t k = 0; k < set->nsweep_keys; k++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->points[p].params,
                                                      set->sweep_keys[k]);
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;

    append(buf, len, &used, "%s%s=%s", k ? ", " : " (", set->sweep_keys[k],
           text ? text : "?");
    cJSON_free(text);
  }
  if (used > 0)
    append(buf, len, &used, ")");
}

/* "headroom overshoot_events: want mean <= 0 (lag=4)": names a verdict
 * without its outcome (a JUnit test case). */
static void verdict_name(const struct lsim_expect *ex,
                         const struct lsim_scenario_set *set,
                         const struct lsim_expect_verdict *v, char *buf,
                         size_t len)
{
  const struct lsim_expect_check *ck = &ex->checks[v->check];
  char bounds[256], params[PARAMS_MAX];
  size_t used = 0;

  bounds_text(ck, bounds, sizeof bounds);
  params_text(set, v->point, params, sizeof params);
  append(buf, len, &used, "%s %s: want %s%s", ck->subject,
         lsim_metric_names[ck->metric], bounds, params);
}

void lsim_expect_verdict_format(const struct lsim_expect *ex,
                                const struct lsim_scenario_set *set,
                                const struct lsim_expect_verdict *v, char *buf,
                                size_t len)
{
  const struct lsim_expect_check *ck = &ex->checks[v->check];
  const struct lsim_summary *m = &v->measured;
  char bounds[256], params[PARAMS_MAX];
  size_t used = 0;

  bounds_text(ck, bounds, sizeof bounds);
  params_text(set, v->point, params, sizeof params);
  append(buf, len, &used, "%s %s %s %.6g [%.6g, %.6g]: want %s%s",
         v->pass ? "PASS" : "FAIL", ck->subject, lsim_metric_names[ck->metric],
         m->mean, m->ci95_lo, m->ci95_hi, bounds, params);
}

/* ---------------------------------------------------------------- */
/* results.json                                                     */
/* ---------------------------------------------------------------- */

/* cJSON's Add functions return NULL or false when out of memory; each
 * builder below keeps going and reports whether everything went in. */

static bool add_bound(cJSON *o, const char *name,
                      const struct lsim_expect_bound *b)
{
  cJSON *one = cJSON_AddObjectToObject(o, name);
  bool ok = one != NULL;

  if (ok && b->has_min)
    ok = cJSON_AddNumberToObject(one, "min", b->min) != NULL;
  if (ok && b->has_max)
    ok = cJSON_AddNumberToObject(one, "max", b->max) != NULL;
  return ok;
}

static bool add_bounds(cJSON *o, const struct lsim_expect_check *ck)
{
  cJSON *bounds = cJSON_AddObjectToObject(o, "bounds");
  bool ok = bounds != NULL;

  for (int s = 0; ok && s < LSIM_EXPECT_STAT_COUNT; s++)
    if (ck->bound[s].has_min || ck->bound[s].has_max)
      ok = add_bound(bounds, lsim_expect_stat_names[s], &ck->bound[s]);
  return ok;
}

static bool add_measured(cJSON *o, const struct lsim_summary *s)
{
  cJSON *m = cJSON_AddObjectToObject(o, "measured");

  return m != NULL && cJSON_AddNumberToObject(m, "mean", s->mean) != NULL &&
         cJSON_AddNumberToObject(m, "ci95_lo", s->ci95_lo) != NULL &&
         cJSON_AddNumberToObject(m, "ci95_hi", s->ci95_hi) != NULL;
}

static bool add_what(cJSON *o, const struct lsim_expect_check *ck)
{
  bool ok = cJSON_AddStringToObject(o, ck->policy >= 0 ? "policy" : "paired",
                                    ck->subject) != NULL;

  ok = ok && cJSON_AddStringToObject(o, "metric",
                                     lsim_metric_names[ck->metric]) != NULL;
  ok = ok && add_bounds(o, ck);
  if (ok && ck->finding != NULL)
    ok = cJSON_AddStringToObject(o, "finding", ck->finding) != NULL;
  return ok;
}

static cJSON *verdict_json(const struct lsim_expect *ex,
                           const struct lsim_scenario_set *set,
                           const struct lsim_expect_verdict *v)
{
  cJSON *o = cJSON_CreateObject();
  char text[512];
  bool ok = o != NULL;

  lsim_expect_verdict_format(ex, set, v, text, sizeof text);
  ok = ok && cJSON_AddNumberToObject(o, "check", (double)v->check) != NULL;
  ok = ok && cJSON_AddNumberToObject(o, "point", (double)v->point) != NULL;
  ok = ok && cJSON_AddItemToObject(
                 o, "params", cJSON_Duplicate(set->points[v->point].params, 1));
  ok = ok && add_what(o, &ex->checks[v->check]);
  ok = ok && add_measured(o, &v->measured);
  ok = ok && cJSON_AddBoolToObject(o, "pass", v->pass) != NULL;
  ok = ok && cJSON_AddStringToObject(o, "text", text) != NULL;
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

cJSON *lsim_expect_verdicts_json(const struct lsim_expect *ex,
                                 const struct lsim_scenario_set *set,
                                 const struct lsim_expect_verdicts *v)
{
  cJSON *list = cJSON_CreateArray();

  for (size_t i = 0; list != NULL && i < v->n; i++) {
    cJSON *one = verdict_json(ex, set, &v->v[i]);

    if (one == NULL || !cJSON_AddItemToArray(list, one)) {
      cJSON_Delete(one);
      cJSON_Delete(list);
      return NULL;
    }
  }
  return list;
}

int lsim_expect_results_json(const struct lsim_expect *ex,
                             const struct lsim_scenario_set *set,
                             const struct lsim_results *res, cJSON **out,
                             size_t *failed)
{
  struct lsim_expect_verdicts v;
  int rc;

  *out = NULL;
  if (failed != NULL)
    *failed = 0;
  if (ex == NULL)
    return 0;

  rc = lsim_expect_evaluate(ex, res, &v);
  if (rc == 0) {
    *out = lsim_expect_verdicts_json(ex, set, &v);
    rc = *out != NULL ? 0 : LSIM_ENOMEM;
  }
  if (rc == 0 && failed != NULL)
    *failed = v.failed;
  lsim_expect_verdicts_release(&v);
  return rc;
}

/* ---------------------------------------------------------------- */
/* JUnit XML                                                        */
/* ---------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s of a character XML 1.0
 * allows, or 0 (an overlong form, a surrogate, U+FFFE, U+FFFF, past
 * U+10FFFF, or a cut sequence: the NUL ends it). */
static size_t utf8_len(const unsigned char *s)
{
  size_t n;
  unsigned long cp;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    n = 2, cp = s[0] & 0x1Fu;
  else if ((s[0] & 0xF0) == 0xE0)
    n = 3, cp = s[0] & 0x0Fu;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    n = 4, cp = s[0] & 0x07u;
  else
    return 0;

  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
    return 0;
  return n;
}

/* Escapes for text and attribute values alike; whitespace other than a
 * space is a character reference so attributes keep it. */
static const char *xml_entity(unsigned char ch)
{
  switch (ch) {
  case '&':
    return "&amp;";
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '"':
    return "&quot;";
  case '\'':
    return "&apos;";
  case '\t':
    return "&#9;";
  case '\n':
    return "&#10;";
  case '\r':
    return "&#13;";
  default:
    return NULL;
  }
}

static void xml_put(FILE *f, const char *text)
{
  const unsigned char *s = (const unsigned char *)text;

  while (*s != '\0') {
    const char *entity = xml_entity(*s);
    size_t n = utf8_len(s);

    if (entity != NULL)
      fputs(entity, f);
    else if (n == 0 || *s < 0x20)
      fputc('?', f);
    else
      fwrite(s, 1, n, f);
    s += n ? n : 1;
  }
}

static void junit_skipped(FILE *f, const struct lsim_expect_suite *s)
{
  fputs("    <testcase classname=\"", f);
  xml_put(f, s->name);
  fputs("\" name=\"expectations\">\n"
        "      <skipped message=\"no expectations\"/>\n"
        "    </testcase>\n",
        f);
}

static void junit_error(FILE *f, const struct lsim_expect_suite *s)
{
  fputs("    <testcase classname=\"", f);
  xml_put(f, s->name);
  fputs("\" name=\"run\">\n      <error message=\"", f);
  xml_put(f, s->error);
  fputs("\"/>\n    </testcase>\n", f);
}

static void junit_case(FILE *f, const struct lsim_expect_suite *s,
                       const struct lsim_expect_verdict *v)
{
  const char *finding = s->ex->checks[v->check].finding;
  char name[512], text[512];

  verdict_name(s->ex, s->set, v, name, sizeof name);
  lsim_expect_verdict_format(s->ex, s->set, v, text, sizeof text);
  fputs("    <testcase classname=\"", f);
  xml_put(f, s->name);
  fputs("\" name=\"", f);
  xml_put(f, name);
  if (v->pass) {
    fputs("\"/>\n", f);
    return;
  }
  fputs("\">\n      <failure message=\"", f);
  xml_put(f, text);
  fputs("\">", f);
  xml_put(f, text);
  if (finding != NULL) {
    fputs("&#10;finding: ", f);
    xml_put(f, finding);
  }
  fputs("</failure>\n    </testcase>\n", f);
}

struct junit_counts {
  size_t tests, failures, errors, skipped;
};

static struct junit_counts junit_count(const struct lsim_expect_suite *s)
{
  struct junit_counts c = {0, 0, 0, 0};

  if (s->error != NULL)
    c.tests = c.errors = 1;
  else if (s->ex == NULL || s->verdicts == NULL)
    c.tests = c.skipped = 1;
  else
    c.tests = s->verdicts->n, c.failures = s->verdicts->failed;
  return c;
}

static void junit_suite(FILE *f, const struct lsim_expect_suite *s)
{
  struct junit_counts c = junit_count(s);

  fputs("  <testsuite name=\"", f);
  xml_put(f, s->name);
  fputs("\" file=\"", f);
  xml_put(f, s->file);
  fprintf(f,
          "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\""
          " time=\"%.3f\">\n",
          c.tests, c.failures, c.errors, c.skipped, s->wall_s);
  if (s->ex != NULL && s->ex->finding != NULL) {
    fputs("    <properties>\n      <property name=\"finding\" value=\"", f);
    xml_put(f, s->ex->finding);
    fputs("\"/>\n    </properties>\n", f);
  }
  if (c.errors > 0)
    junit_error(f, s);
  else if (c.skipped > 0)
    junit_skipped(f, s);
  else
    for (size_t i = 0; i < s->verdicts->n; i++)
      junit_case(f, s, &s->verdicts->v[i]);
  fputs("  </testsuite>\n", f);
}

int lsim_expect_junit_write(FILE *f, const struct lsim_expect_suite *suites,
                            size_t n)
{
  struct junit_counts all = {0, 0, 0, 0};

  for (size_t i = 0; i < n; i++) {
    struct junit_counts c = junit_count(&suites[i]);

    all.tests += c.tests;
    all.failures += c.failures;
    all.errors += c.errors;
    all.skipped += c.skipped;
  }
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<testsuites name=\"limsim check\" tests=\"%zu\" failures=\"%zu\""
          " errors=\"%zu\" skipped=\"%zu\">\n",
          all.tests, all.failures, all.errors, all.skipped);
  for (size_t i = 0; i < n; i++)
    junit_suite(f, &suites[i]);
  fputs("</testsuites>\n", f);
  return ferror(f) ? -1 : 0;
}
