/*
 * scenario.c - reads and checks scenario files; see scenario.h.
 *
 * The file is parsed once into a cJSON tree. Overrides and sweep values
 * are written into copies of that tree, their key paths checked against
 * the schema below on the way, and every point's tree is then read into a
 * struct lsim_scenario by the same code. So a value from --set or a sweep
 * is held to exactly the rules of a value written in the file, and the
 * tree after the overrides is what results.json records as run.
 */
#include "jsonmsg.h"
#include "scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_PATH_MAX 160 /* longer key paths are cut in messages */
#define MSG_MAX 512
#define SHOWN_MAX LSIM_JSON_SHOWN_MAX /* how much of a bad value is quoted */

/* JSON numbers are doubles: integers beyond 2^53 are not exact. */
#define EXACT_INT_MAX 9007199254740992.0

/* ---------------------------------------------------------------- */
/* The schema                                                       */
/* ---------------------------------------------------------------- */

/* What a key holds, as far as key paths (--set, sweep) need to know. */
enum key_type {
  KEY_VALUE,  /* a number, string, bool or array: a path ends here */
  KEY_OBJECT, /* a section, with children */
  KEY_DIST,   /* a distribution: a bare number or {"dist": ...} */
  KEY_OPAQUE, /* expect, live: below them, any path is their owner's */
  KEY_SWEEP   /* sweep: its keys are key paths themselves */
};

struct key {
  const char *name;
  enum key_type type;
  const struct key *children; /* KEY_OBJECT; ends with a NULL name */
};

static const struct key retry_keys[] = {
    {"max_attempts", KEY_VALUE, NULL},
    {"backoff", KEY_DIST, NULL},
    {NULL, KEY_VALUE, NULL},
};

static const struct key usage_keys[] = {
    {"enabled", KEY_VALUE, NULL},
    {"latency", KEY_DIST, NULL},
    {"failure_rate", KEY_VALUE, NULL},
    {NULL, KEY_VALUE, NULL},
};

static const struct key external_keys[] = {
    {"rate_per_s", KEY_VALUE, NULL},
    {"session", KEY_DIST, NULL},
    {NULL, KEY_VALUE, NULL},
};

static const struct key limiter_keys[] = {
    {"limit", KEY_VALUE, NULL},
    {"cooldown_s", KEY_VALUE, NULL},
    {"poll_interval_s", KEY_VALUE, NULL},
    {"start_window_s", KEY_VALUE, NULL},
    {"acquire_timeout_s", KEY_VALUE, NULL},
    {"policies", KEY_VALUE, NULL},
    {"instances", KEY_VALUE, NULL},
    {NULL, KEY_VALUE, NULL},
};

static const struct key provider_keys[] = {
    {"release_lag", KEY_DIST, NULL},
    {"start_delay", KEY_DIST, NULL},
    {"overflow", KEY_VALUE, NULL},
    {"retry", KEY_OBJECT, retry_keys},
    {"usage", KEY_OBJECT, usage_keys},
    {"external_load", KEY_OBJECT, external_keys},
    {NULL, KEY_VALUE, NULL},
};

/* Every key any workload kind uses; kind_keys says which kind uses what. */
static const struct key workload_keys[] = {
    {"kind", KEY_VALUE, NULL},       {"agents", KEY_VALUE, NULL},
    {"think", KEY_DIST, NULL},       {"session", KEY_DIST, NULL},
    {"rate_per_s", KEY_VALUE, NULL}, {"on_s", KEY_VALUE, NULL},
    {"off_s", KEY_VALUE, NULL},      {"file", KEY_VALUE, NULL},
    {NULL, KEY_VALUE, NULL},
};

static const struct key top_keys[] = {
    {"name", KEY_VALUE, NULL},
    {"description", KEY_VALUE, NULL},
    {"seed", KEY_VALUE, NULL},
    {"replications", KEY_VALUE, NULL},
    {"duration_s", KEY_VALUE, NULL},
    {"warmup_s", KEY_VALUE, NULL},
    {"max_events", KEY_VALUE, NULL},
    {"limiter", KEY_OBJECT, limiter_keys},
    {"provider", KEY_OBJECT, provider_keys},
    {"workload", KEY_OBJECT, workload_keys},
    {"sweep", KEY_SWEEP, NULL},
    {"expect", KEY_OPAQUE, NULL},
    {"live", KEY_OPAQUE, NULL},
    {NULL, KEY_VALUE, NULL},
};

static const char *const workload_kind_names[] = {
    [LSIM_WORKLOAD_CLOSED] = "closed",
    [LSIM_WORKLOAD_POISSON] = "poisson",
    [LSIM_WORKLOAD_BURST] = "burst",
    [LSIM_WORKLOAD_TRACE] = "trace",
    NULL,
};

static const char *const closed_keys[] = {"kind", "agents", "think", "session",
                                          NULL};
static const char *const poisson_keys[] = {"kind", "rate_per_s", "session",
                                           NULL};
static const char *const burst_keys[] = {"kind",       "on_s",    "off_s",
                                         "rate_per_s", "session", NULL};
static const char *const trace_keys[] = {"kind", "file", NULL};

static const char *const *const kind_keys[] = {
    [LSIM_WORKLOAD_CLOSED] = closed_keys,
    [LSIM_WORKLOAD_POISSON] = poisson_keys,
    [LSIM_WORKLOAD_BURST] = burst_keys,
    [LSIM_WORKLOAD_TRACE] = trace_keys,
};

static const char *const overflow_names[] = {
    [LSIM_OVERFLOW_REJECT] = "reject",
    [LSIM_OVERFLOW_ADMIT] = "admit",
    NULL,
};

static const char *const default_policies[] = {"cooldown", "usage-gate",
                                               "headroom", NULL};

/* The ranges of numeric keys, with the words a message uses for them. */
struct num_rule {
  double lo;
  bool lo_open; /* lo itself is out of range */
  double hi;
  const char *what;
};

static const struct num_rule num_any = {-HUGE_VAL, false, HUGE_VAL, "a number"};
static const struct num_rule num_nonneg = {0, false, HUGE_VAL, "a number >= 0"};
static const struct num_rule num_positive = {0, true, HUGE_VAL, "a number > 0"};
static const struct num_rule num_fraction = {0, false, 1,
                                             "a number from 0 to 1"};

#define DIST_WHAT "a number >= 0 or a distribution object"
static const struct num_rule num_dist = {0, false, HUGE_VAL, DIST_WHAT};

/* Integers. A value above hi is reported with the whole range. */
struct int_rule {
  double lo, hi;
  const char *what;
};

static const struct int_rule int_count = {1, 1e6, "an integer >= 1"};
static const struct int_rule int_instances = {1, 1000, "an integer >= 1"};
static const struct int_rule int_attempts = {0, 1e6, "an integer >= 0"};
static const struct int_rule int_replications = {
    1, LSIM_SCENARIO_MAX_REPLICATIONS, "an integer from 1 to 10000"};
static const struct int_rule int_seed = {0, EXACT_INT_MAX, "an integer >= 0"};
static const struct int_rule int_events = {1, EXACT_INT_MAX, "an integer >= 1"};

/* ---------------------------------------------------------------- */
/* Messages                                                         */
/* ---------------------------------------------------------------- */

/* Where messages go and what they are about. */
struct ctx {
  const char *file;   /* the scenario file, as given */
  const char *dir;    /* its directory; NULL: the working directory */
  const char *prefix; /* "sweep KEY=VALUE" while a sweep point is read */
  char *err;
  size_t errlen; /* at least 1 */
};

/* The part of a scenario being read: an object and its key path. */
struct sect {
  const cJSON *obj; /* NULL when absent: every key keeps its default */
  char path[KEY_PATH_MAX];
};

static int fail(const struct ctx *c, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "FILE: [PREFIX: ][WHERE: ]MESSAGE" and returns LSIM_EINVAL. */
static int fail(const struct ctx *c, const char *where, const char *fmt, ...)
{
  char msg[MSG_MAX];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);

  snprintf(c->err, c->errlen, "%s: %s%s%s%s%s", c->file,
           c->prefix != NULL ? c->prefix : "", c->prefix != NULL ? ": " : "",
           where != NULL ? where : "", where != NULL ? ": " : "", msg);
  return LSIM_EINVAL;
}

static int nomem(const struct ctx *c)
{
  snprintf(c->err, c->errlen, "%s: out of memory", c->file);
  return LSIM_ENOMEM;
}

static int expected(const struct ctx *c, const char *where, const char *what,
                    const cJSON *got)
{
  char shown[LSIM_JSON_SHOWN_MAX + 8];

  lsim_json_describe(got, shown, sizeof shown);
  return fail(c, where, "expected %s, got %s", what, shown);
}

/* "one of "a", "b", "c"" for a NULL-terminated list of names. */
static void choices(const char *const *names, char *buf, size_t len)
{
  size_t used = (size_t)snprintf(buf, len, "one of ");

  for (size_t i = 0; names[i] != NULL && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"",
                             i > 0 ? ", " : "", names[i]);
}

/* parent.key into buf. A path too long for it is cut, which only a
 * message ever shows; returns whether it fitted. */
static bool join(char *buf, size_t len, const char *parent, const char *key)
{
  int n;

  if (parent == NULL || parent[0] == '\0')
    n = snprintf(buf, len, "%s", key);
  else
    n = snprintf(buf, len, "%s.%s", parent, key);
  return n >= 0 && (size_t)n < len;
}

/* ---------------------------------------------------------------- */
/* Reading values                                                   */
/* ---------------------------------------------------------------- */

/* The first member of an object or array; NULL for NULL or a leaf. */
static const cJSON *first_child(const cJSON *item)
{
  return item != NULL ? item->child : NULL;
}

static const cJSON *member(const struct sect *s, const char *key)
{
  return cJSON_GetObjectItemCaseSensitive(s->obj, key);
}

static const struct key *find_key(const struct key *keys, const char *name)
{
  for (; keys->name != NULL; keys++)
    if (strcmp(keys->name, name) == 0)
      return keys;
  return NULL;
}

static bool in_list(const char *const *names, const char *name)
{
  for (; *names != NULL; names++)
    if (strcmp(*names, name) == 0)
      return true;
  return false;
}

/* cJSON keeps every copy of a repeated key; the reader would see only the
 * first, so a repeat is an error rather than a silent choice. */
static bool is_repeat(const cJSON *obj, const cJSON *item)
{
  for (const cJSON *prev = obj->child; prev != item; prev = prev->next)
    if (strcmp(prev->string, item->string) == 0)
      return true;
  return false;
}

static int check_keys(const struct ctx *c, const struct sect *s,
                      const struct key *keys)
{
  const cJSON *item;
  char where[KEY_PATH_MAX];

  for (item = first_child(s->obj); item != NULL; item = item->next) {
    join(where, sizeof where, s->path, item->string);
    if (find_key(keys, item->string) == NULL)
      return fail(c, where, "unknown key");
    if (is_repeat(s->obj, item))
      return fail(c, where, "duplicate key");
  }
  return 0;
}

static int require(const struct ctx *c, const struct sect *s, const char *key,
                   const char *what)
{
  char where[KEY_PATH_MAX];

  if (member(s, key) != NULL)
    return 0;

  join(where, sizeof where, s->path, key);
  return expected(c, where, what, NULL);
}

static int check_number(const struct ctx *c, const char *where,
                        const cJSON *item, const struct num_rule *rule,
                        double *out)
{
  double v = item->valuedouble;

  if (!cJSON_IsNumber(item))
    return expected(c, where, rule->what, item);
  if (!isfinite(v))
    return expected(c, where, "a finite number", item);
  if (v < rule->lo || (rule->lo_open && v == rule->lo) || v > rule->hi)
    return expected(c, where, rule->what, item);

  *out = v;
  return 0;
}

static int check_int(const struct ctx *c, const char *where, const cJSON *item,
                     const struct int_rule *rule, double *out)
{
  char range[64];
  double v = item->valuedouble;

  if (cJSON_IsNumber(item) && v > rule->hi) {
    snprintf(range, sizeof range, "an integer from %.0f to %.0f", rule->lo,
             rule->hi);
    return expected(c, where, range, item);
  }
  if (!cJSON_IsNumber(item) || v < rule->lo || v != floor(v))
    return expected(c, where, rule->what, item);

  *out = v;
  return 0;
}

static int get_number(const struct ctx *c, const struct sect *s,
                      const char *key, const struct num_rule *rule, double *out)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX];

  if (item == NULL)
    return 0;
  join(where, sizeof where, s->path, key);
  return check_number(c, where, item, rule, out);
}

static int need_number(const struct ctx *c, const struct sect *s,
                       const char *key, const struct num_rule *rule,
                       double *out)
{
  int rc = require(c, s, key, rule->what);

  return rc != 0 ? rc : get_number(c, s, key, rule, out);
}

static int get_int(const struct ctx *c, const struct sect *s, const char *key,
                   const struct int_rule *rule, int *out)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX];
  double v = 0;
  int rc;

  if (item == NULL)
    return 0;
  join(where, sizeof where, s->path, key);
  rc = check_int(c, where, item, rule, &v);
  if (rc == 0)
    *out = (int)v;
  return rc;
}

static int need_int(const struct ctx *c, const struct sect *s, const char *key,
                    const struct int_rule *rule, int *out)
{
  int rc = require(c, s, key, rule->what);

  return rc != 0 ? rc : get_int(c, s, key, rule, out);
}

static int get_u64(const struct ctx *c, const struct sect *s, const char *key,
                   const struct int_rule *rule, uint64_t *out)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX];
  double v = 0;
  int rc;

  if (item == NULL)
    return 0;
  join(where, sizeof where, s->path, key);
  rc = check_int(c, where, item, rule, &v);
  if (rc == 0)
    *out = (uint64_t)v;
  return rc;
}

static int get_bool(const struct ctx *c, const struct sect *s, const char *key,
                    bool *out)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX];

  if (item == NULL)
    return 0;
  join(where, sizeof where, s->path, key);
  if (!cJSON_IsBool(item))
    return expected(c, where, "true or false", item);

  *out = cJSON_IsTrue(item);
  return 0;
}

/* A string into *out (replacing what it held); `what` names the kind of
 * string for messages. An empty string is never what a key wants. */
static int get_string(const struct ctx *c, const struct sect *s,
                      const char *key, const char *what, char **out)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX];
  char *copy;

  if (item == NULL)
    return 0;
  join(where, sizeof where, s->path, key);
  if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
    return expected(c, where, what, item);

  copy = strdup(item->valuestring);
  if (copy == NULL)
    return nomem(c);
  free(*out);
  *out = copy;
  return 0;
}

/* The index in `names` (NULL-terminated) of the string at `key`. */
static int get_choice(const struct ctx *c, const struct sect *s,
                      const char *key, const char *const *names, bool required,
                      int *out)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX], what[256];

  for (int i = 0; cJSON_IsString(item) && names[i] != NULL; i++) {
    if (strcmp(names[i], item->valuestring) == 0) {
      *out = i;
      return 0;
    }
  }
  if (item == NULL && !required)
    return 0;

  join(where, sizeof where, s->path, key);
  choices(names, what, sizeof what);
  return expected(c, where, what, item);
}

/* A section: an object whose keys must all be in `keys`. */
static int get_section(const struct ctx *c, const struct sect *parent,
                       const char *key, bool required, const struct key *keys,
                       struct sect *out)
{
  const cJSON *item = member(parent, key);

  join(out->path, sizeof out->path, parent->path, key);
  out->obj = NULL;
  if (item == NULL)
    return required ? expected(c, out->path, "an object", NULL) : 0;
  if (!cJSON_IsObject(item))
    return expected(c, out->path, "an object", item);

  out->obj = item;
  return check_keys(c, out, keys);
}

/* expect and live: objects kept whole for their owners to read. */
static int get_opaque(const struct ctx *c, const struct sect *s,
                      const char *key, cJSON **out)
{
  const cJSON *item = member(s, key);

  if (item == NULL)
    return 0;
  if (!cJSON_IsObject(item))
    return expected(c, key, "an object", item);

  *out = cJSON_Duplicate(item, 1);
  return *out != NULL ? 0 : nomem(c);
}

/* `file` as the scenario names it, made relative to the scenario's
 * directory so a scenario can be run from anywhere. NULL: no memory. */
static char *resolve(const struct ctx *c, const char *file)
{
  size_t len;
  char *path;

  if (file[0] == '/' || c->dir == NULL)
    return strdup(file);

  len = strlen(c->dir) + 1 + strlen(file) + 1;
  path = malloc(len);
  if (path != NULL)
    snprintf(path, len, "%s/%s", c->dir, file);
  return path;
}

/* ---------------------------------------------------------------- */
/* Distributions                                                    */
/* ---------------------------------------------------------------- */

static void dist_constant(struct lsim_dist *d, double value)
{
  memset(d, 0, sizeof *d);
  d->kind = LSIM_DIST_CONSTANT;
  d->a = value;
}

/* Whether `name` is a parameter of some distribution, to tell "not for
 * this kind" from "no such key". */
static bool is_dist_param(const char *name)
{
  for (int k = LSIM_DIST_CONSTANT; k <= LSIM_DIST_EMPIRICAL; k++) {
    for (int i = 0; i < 2; i++) {
      const char *p = lsim_dist_param_name((enum lsim_dist_kind)k, i);

      if (p != NULL && strcmp(p, name) == 0)
        return true;
    }
  }
  return strcmp(name, "dist") == 0 || strcmp(name, "file") == 0;
}

static bool dist_uses(enum lsim_dist_kind kind, const char *name)
{
  const char *a = lsim_dist_param_name(kind, 0);
  const char *b = lsim_dist_param_name(kind, 1);

  if (strcmp(name, "dist") == 0)
    return true;
  if (kind == LSIM_DIST_EMPIRICAL)
    return strcmp(name, "file") == 0;
  return (a != NULL && strcmp(a, name) == 0) ||
         (b != NULL && strcmp(b, name) == 0);
}

static int dist_check_keys(const struct ctx *c, const struct sect *s,
                           enum lsim_dist_kind kind)
{
  const cJSON *item;
  char where[KEY_PATH_MAX];

  for (item = first_child(s->obj); item != NULL; item = item->next) {
    join(where, sizeof where, s->path, item->string);
    if (is_repeat(s->obj, item))
      return fail(c, where, "duplicate key");
    if (dist_uses(kind, item->string))
      continue;
    if (!is_dist_param(item->string))
      return fail(c, where, "unknown key");
    return fail(c, where, "unknown key for dist \"%s\"",
                lsim_dist_kind_name(kind));
  }
  return 0;
}

static int dist_kind(const struct ctx *c, const struct sect *s,
                     enum lsim_dist_kind *kind)
{
  const char *names[LSIM_DIST_EMPIRICAL + 2];
  int index = 0;
  int rc;

  for (int k = LSIM_DIST_CONSTANT; k <= LSIM_DIST_EMPIRICAL; k++)
    names[k] = lsim_dist_kind_name((enum lsim_dist_kind)k);
  names[LSIM_DIST_EMPIRICAL + 1] = NULL;

  rc = get_choice(c, s, "dist", names, true, &index);
  *kind = (enum lsim_dist_kind)index;
  return rc;
}

/* lsim_dist_prepare() names the parameter at the start of its message
 * ("mean: expected ..."), so the key path goes right before it. */
static int dist_prepare(const struct ctx *c, const char *where,
                        struct lsim_dist *d)
{
  char msg[MSG_MAX];

  if (lsim_dist_prepare(d, msg, sizeof msg) == 0)
    return 0;
  return fail(c, NULL, "%s.%s", where, msg);
}

static int dist_params(const struct ctx *c, const struct sect *s,
                       struct lsim_dist *d)
{
  const char *a = lsim_dist_param_name(d->kind, 0);
  const char *b = lsim_dist_param_name(d->kind, 1);
  int rc = 0;

  if (a != NULL)
    rc = need_number(c, s, a, &num_any, &d->a);
  if (rc == 0 && b != NULL)
    rc = need_number(c, s, b, &num_any, &d->b);
  return rc;
}

static int dist_samples(const struct ctx *c, const struct sect *s,
                        struct lsim_dist *d)
{
  char where[KEY_PATH_MAX], msg[MSG_MAX];
  char *file = NULL, *path;
  int rc = require(c, s, "file", "a path to a CSV file");

  if (rc == 0)
    rc = get_string(c, s, "file", "a path to a CSV file", &file);
  if (rc != 0)
    return rc;

  path = resolve(c, file);
  free(file);
  if (path == NULL)
    return nomem(c);
  rc = lsim_dist_load_csv(d, path, msg, sizeof msg);
  free(path);
  if (rc == LSIM_ENOMEM)
    return nomem(c);

  join(where, sizeof where, s->path, "file");
  return rc == 0 ? 0 : fail(c, where, "%s", msg);
}

static int dist_object(const struct ctx *c, const char *where,
                       const cJSON *item, struct lsim_dist *d)
{
  struct sect s = {.obj = item};
  int rc;

  snprintf(s.path, sizeof s.path, "%s", where);
  rc = dist_kind(c, &s, &d->kind);
  if (rc == 0)
    rc = dist_check_keys(c, &s, d->kind);
  if (rc == 0 && d->kind == LSIM_DIST_EMPIRICAL)
    rc = dist_samples(c, &s, d);
  else if (rc == 0)
    rc = dist_params(c, &s, d);
  return rc == 0 ? dist_prepare(c, where, d) : rc;
}

/* A distribution at `key`, replacing *d (its default) only on success. */
static int get_dist(const struct ctx *c, const struct sect *s, const char *key,
                    struct lsim_dist *d)
{
  const cJSON *item = member(s, key);
  char where[KEY_PATH_MAX];
  struct lsim_dist read;
  int rc;

  if (item == NULL)
    return 0;
  join(where, sizeof where, s->path, key);
  dist_constant(&read, 0);

  if (cJSON_IsObject(item))
    rc = dist_object(c, where, item, &read);
  else
    rc = check_number(c, where, item, &num_dist, &read.a);
  if (rc != 0) {
    lsim_dist_release(&read);
    return rc;
  }

  lsim_dist_release(d);
  *d = read;
  return 0;
}

static int need_dist(const struct ctx *c, const struct sect *s, const char *key,
                     struct lsim_dist *d)
{
  int rc = require(c, s, key, DIST_WHAT);

  return rc != 0 ? rc : get_dist(c, s, key, d);
}

/* ---------------------------------------------------------------- */
/* Trace files                                                      */
/* ---------------------------------------------------------------- */

struct trace_reader {
  const struct ctx *c;
  const char *where; /* workload.file */
  const char *path;  /* the CSV, resolved */
  unsigned long lineno;
  bool seen_line; /* a non-blank line was read: no header any more */
  size_t cap;
  struct lsim_trace *trace;
};

static int trace_fail(const struct trace_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int trace_fail(const struct trace_reader *r, const char *fmt, ...)
{
  char msg[MSG_MAX];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return fail(r->c, r->where, "%s:%lu: %s", r->path, r->lineno, msg);
}

static char *trim(char *text)
{
  char *end;

  while (*text == ' ' || *text == '\t')
    text++;
  end = text + strlen(text);
  while (end > text && strchr(" \t\r\n", end[-1]) != NULL)
    *--end = '\0';
  return text;
}

/* Splits `line` at its commas into at most two trimmed fields; returns how
 * many fields the line has. */
static int trace_split(char *line, char **fields)
{
  char *comma = strchr(line, ',');
  int n = 1;

  for (const char *p = line; (p = strchr(p, ',')) != NULL; p++)
    n++;
  if (n != 2)
    return n;

  *comma = '\0';
  fields[0] = trim(line);
  fields[1] = trim(comma + 1);
  return n;
}

static bool parse_nonneg(const char *text, double *out)
{
  char *end;

  errno = 0;
  *out = strtod(text, &end);
  return end != text && *end == '\0' && errno == 0 && isfinite(*out) &&
         *out >= 0;
}

static int trace_grow(struct trace_reader *r)
{
  struct lsim_trace *t = r->trace;
  size_t cap = r->cap != 0 ? 2 * r->cap : 256;
  double *grown = realloc(t->arrival_s, cap * sizeof *grown);

  if (grown == NULL)
    return nomem(r->c);
  t->arrival_s = grown;

  grown = realloc(t->session_s, cap * sizeof *grown);
  if (grown == NULL)
    return nomem(r->c);
  t->session_s = grown;
  r->cap = cap;
  return 0;
}

static int trace_append(struct trace_reader *r, double arrival, double session)
{
  struct lsim_trace *t = r->trace;

  if (t->n == r->cap && trace_grow(r) != 0)
    return LSIM_ENOMEM;

  t->arrival_s[t->n] = arrival;
  t->session_s[t->n] = session;
  t->n++;
  return 0;
}

static int trace_row(struct trace_reader *r, char **fields)
{
  const struct lsim_trace *t = r->trace;
  double arrival, session;

  if (!parse_nonneg(fields[0], &arrival))
    return trace_fail(r, "arrival_s: expected a number >= 0, got \"%.*s\"",
                      SHOWN_MAX, fields[0]);
  if (!parse_nonneg(fields[1], &session))
    return trace_fail(r, "session_s: expected a number >= 0, got \"%.*s\"",
                      SHOWN_MAX, fields[1]);
  if (t->n > 0 && arrival < t->arrival_s[t->n - 1])
    return trace_fail(r,
                      "arrival_s: expected a number >= %.15g (the arrival "
                      "before), got %.*s",
                      t->arrival_s[t->n - 1], SHOWN_MAX, fields[0]);
  return trace_append(r, arrival, session);
}

static int trace_line(struct trace_reader *r, char *line)
{
  bool first = !r->seen_line;
  char *fields[2];
  double ignored;
  int n;

  if (trim(line)[0] == '\0')
    return 0;
  r->seen_line = true;

  n = trace_split(line, fields);
  if (n != 2)
    return trace_fail(r, "expected 2 columns (arrival_s,session_s), got %d", n);
  if (!first || parse_nonneg(fields[0], &ignored))
    return trace_row(r, fields);

  if (strcmp(fields[0], "arrival_s") == 0 &&
      strcmp(fields[1], "session_s") == 0)
    return 0;
  return trace_fail(r,
                    "expected the header arrival_s,session_s or two "
                    "numbers, got \"%.*s,%.*s\"",
                    SHOWN_MAX, fields[0], SHOWN_MAX, fields[1]);
}

static int trace_read(struct trace_reader *r, FILE *fp)
{
  char *line = NULL;
  size_t linecap = 0;
  int rc = 0;

  while (rc == 0 && getline(&line, &linecap, fp) != -1) {
    r->lineno++;
    rc = trace_line(r, line);
  }
  free(line);
  if (rc != 0)
    return rc;

  if (ferror(fp))
    return fail(r->c, r->where, "%s: cannot read: %s", r->path,
                strerror(errno));
  if (r->trace->n == 0)
    return fail(r->c, r->where, "%s: expected at least one row, found none",
                r->path);
  return 0;
}

/* Reads the rows of trace CSV `path` into *trace, which owns them even on
 * failure (lsim_scenario_free() frees them). */
static int trace_load(const struct ctx *c, const char *where, const char *path,
                      struct lsim_trace *trace)
{
  struct trace_reader r = {.c = c, .where = where, .path = path};
  FILE *fp = fopen(path, "r");
  int rc;

  if (fp == NULL)
    return fail(c, where, "%s: cannot read: %s", path, strerror(errno));

  r.trace = trace;
  rc = trace_read(&r, fp);
  fclose(fp);
  return rc;
}

/* ---------------------------------------------------------------- */
/* The sections of a scenario                                       */
/* ---------------------------------------------------------------- */

static int parse_header(const struct ctx *c, const struct sect *top,
                        struct lsim_scenario *sc)
{
  int rc = require(c, top, "name", "a non-empty string");

  if (rc == 0)
    rc = get_string(c, top, "name", "a non-empty string", &sc->name);
  if (rc == 0)
    rc = get_string(c, top, "description", "a non-empty string",
                    &sc->description);
  if (rc == 0 && sc->description == NULL)
    sc->description = strdup("");
  if (rc == 0 && sc->description == NULL)
    rc = nomem(c);
  if (rc == 0)
    rc = get_u64(c, top, "seed", &int_seed, &sc->seed);
  if (rc == 0)
    rc = get_int(c, top, "replications", &int_replications, &sc->replications);
  if (rc == 0)
    rc = get_u64(c, top, "max_events", &int_events, &sc->max_events);
  return rc;
}

static int parse_run_time(const struct ctx *c, const struct sect *top,
                          struct lsim_scenario *sc)
{
  char what[128];
  int rc = need_number(c, top, "duration_s", &num_positive, &sc->duration_s);

  if (rc == 0)
    rc = get_number(c, top, "warmup_s", &num_nonneg, &sc->warmup_s);
  if (rc != 0 || sc->warmup_s < sc->duration_s)
    return rc;

  snprintf(what, sizeof what, "a number >= 0 and < duration_s (%.15g)",
           sc->duration_s);
  return expected(c, "warmup_s", what, member(top, "warmup_s"));
}

static bool has_policy(const struct lsim_scenario_limiter *lim,
                       const char *name)
{
  for (size_t i = 0; i < lim->npolicies; i++)
    if (strcmp(lim->policies[i].name, name) == 0)
      return true;
  return false;
}

static bool ends_with(const char *text, const char *suffix)
{
  size_t n = strlen(text), m = strlen(suffix);

  return n > m && strcmp(text + n - m, suffix) == 0;
}

static void policy_what(char *buf, size_t len)
{
  size_t used = (size_t)snprintf(buf, len, "a built-in policy (");

  for (size_t i = 0; lsim_policy_names[i] != NULL && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "",
                             lsim_policy_names[i]);
  if (used < len)
    snprintf(buf + used, len - used, ") or a path ending in .so");
}

/* A plugin is opened only when a run starts; here it must at least be a
 * file we can read, so that a typo fails before hours of simulation. */
static int add_plugin(const struct ctx *c, const char *where,
                      struct lsim_scenario_policy *p)
{
  p->plugin_path = resolve(c, p->name);
  if (p->plugin_path == NULL)
    return nomem(c);
  if (access(p->plugin_path, R_OK) != 0)
    return fail(c, where, "%s: cannot read: %s", p->plugin_path,
                strerror(errno));
  return 0;
}

static int add_policy(const struct ctx *c, const char *where, const cJSON *item,
                      struct lsim_scenario_limiter *lim)
{
  struct lsim_scenario_policy *p = &lim->policies[lim->npolicies];
  char what[256];
  const char *name;

  policy_what(what, sizeof what);
  if (!cJSON_IsString(item))
    return expected(c, where, what, item);
  name = item->valuestring;
  if (lsim_policy_find(name) == NULL && !ends_with(name, ".so"))
    return expected(c, where, what, item);
  if (has_policy(lim, name))
    return expected(c, where, "a policy not listed before", item);

  p->name = strdup(name);
  if (p->name == NULL)
    return nomem(c);
  lim->npolicies++;
  return lsim_policy_find(name) != NULL ? 0 : add_plugin(c, where, p);
}

static int set_default_policies(const struct ctx *c,
                                struct lsim_scenario_limiter *lim)
{
  size_t n = 0;

  while (default_policies[n] != NULL)
    n++;
  lim->policies = calloc(n, sizeof *lim->policies);
  if (lim->policies == NULL)
    return nomem(c);

  for (; lim->npolicies < n; lim->npolicies++) {
    lim->policies[lim->npolicies].name =
        strdup(default_policies[lim->npolicies]);
    if (lim->policies[lim->npolicies].name == NULL)
      return nomem(c);
  }
  return 0;
}

static int get_policies(const struct ctx *c, const struct sect *s,
                        struct lsim_scenario_limiter *lim)
{
  const cJSON *list = member(s, "policies");
  char where[KEY_PATH_MAX], at[KEY_PATH_MAX + 16];
  const cJSON *item;
  int rc = 0, n, i = 0;

  if (list == NULL)
    return set_default_policies(c, lim);
  join(where, sizeof where, s->path, "policies");
  n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
  if (n == 0)
    return expected(c, where, "a non-empty array of policy names", list);

  lim->policies = calloc((size_t)n, sizeof *lim->policies);
  if (lim->policies == NULL)
    return nomem(c);
  for (item = first_child(list); item != NULL; item = item->next) {
    snprintf(at, sizeof at, "%s[%d]", where, i++);
    rc = add_policy(c, at, item, lim);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static int parse_limiter(const struct ctx *c, const struct sect *top,
                         struct lsim_scenario_limiter *lim)
{
  struct sect s;
  int rc = get_section(c, top, "limiter", true, limiter_keys, &s);

  if (rc == 0)
    rc = need_int(c, &s, "limit", &int_count, &lim->limit);
  if (rc == 0)
    rc = get_number(c, &s, "cooldown_s", &num_nonneg, &lim->cooldown_s);
  if (rc == 0)
    rc = get_number(c, &s, "poll_interval_s", &num_positive,
                    &lim->poll_interval_s);
  if (rc == 0)
    rc = get_number(c, &s, "start_window_s", &num_nonneg, &lim->start_window_s);
  if (rc == 0)
    rc = get_number(c, &s, "acquire_timeout_s", &num_positive,
                    &lim->acquire_timeout_s);
  if (rc == 0)
    rc = get_int(c, &s, "instances", &int_instances, &lim->instances);
  if (rc == 0)
    rc = get_policies(c, &s, lim);
  return rc;
}

static int parse_retry(const struct ctx *c, const struct sect *provider,
                       struct lsim_scenario_provider *p)
{
  struct sect s;
  int rc = get_section(c, provider, "retry", false, retry_keys, &s);

  if (rc == 0)
    rc = get_int(c, &s, "max_attempts", &int_attempts, &p->retry_max_attempts);
  if (rc == 0)
    rc = get_dist(c, &s, "backoff", &p->retry_backoff);
  return rc;
}

static int parse_usage(const struct ctx *c, const struct sect *provider,
                       struct lsim_scenario_provider *p)
{
  struct sect s;
  int rc = get_section(c, provider, "usage", false, usage_keys, &s);

  if (rc == 0)
    rc = get_bool(c, &s, "enabled", &p->usage_enabled);
  if (rc == 0)
    rc = get_dist(c, &s, "latency", &p->usage_latency);
  if (rc == 0)
    rc = get_number(c, &s, "failure_rate", &num_fraction,
                    &p->usage_failure_rate);
  return rc;
}

/* Other clients' sessions need a length only when there are any. */
static int parse_external(const struct ctx *c, const struct sect *provider,
                          struct lsim_scenario_provider *p)
{
  struct sect s;
  int rc = get_section(c, provider, "external_load", false, external_keys, &s);

  if (rc == 0)
    rc = get_number(c, &s, "rate_per_s", &num_nonneg, &p->external_rate_per_s);
  if (rc == 0 && p->external_rate_per_s > 0)
    rc = need_dist(c, &s, "session", &p->external_session);
  else if (rc == 0)
    rc = get_dist(c, &s, "session", &p->external_session);
  return rc;
}

static int parse_provider(const struct ctx *c, const struct sect *top,
                          struct lsim_scenario_provider *p)
{
  struct sect s;
  int overflow = (int)p->overflow;
  int rc = get_section(c, top, "provider", false, provider_keys, &s);

  if (rc == 0)
    rc = get_dist(c, &s, "release_lag", &p->release_lag);
  if (rc == 0)
    rc = get_dist(c, &s, "start_delay", &p->start_delay);
  if (rc == 0)
    rc = get_choice(c, &s, "overflow", overflow_names, false, &overflow);
  p->overflow = (enum lsim_overflow)overflow;
  if (rc == 0)
    rc = parse_retry(c, &s, p);
  if (rc == 0)
    rc = parse_usage(c, &s, p);
  if (rc == 0)
    rc = parse_external(c, &s, p);
  return rc;
}

static int check_kind_keys(const struct ctx *c, const struct sect *s,
                           enum lsim_workload_kind kind)
{
  const cJSON *item;
  char where[KEY_PATH_MAX];

  for (item = first_child(s->obj); item != NULL; item = item->next) {
    if (in_list(kind_keys[kind], item->string))
      continue;
    join(where, sizeof where, s->path, item->string);
    return fail(c, where, "unknown key for kind \"%s\"",
                workload_kind_names[kind]);
  }
  return 0;
}

static int parse_closed(const struct ctx *c, const struct sect *s,
                        struct lsim_scenario_workload *w)
{
  int rc = need_int(c, s, "agents", &int_count, &w->agents);

  if (rc == 0)
    rc = get_dist(c, s, "think", &w->think);
  if (rc == 0)
    rc = need_dist(c, s, "session", &w->session);
  return rc;
}

static int parse_open(const struct ctx *c, const struct sect *s,
                      struct lsim_scenario_workload *w)
{
  int rc = 0;

  if (w->kind == LSIM_WORKLOAD_BURST)
    rc = need_number(c, s, "on_s", &num_positive, &w->on_s);
  if (rc == 0 && w->kind == LSIM_WORKLOAD_BURST)
    rc = need_number(c, s, "off_s", &num_nonneg, &w->off_s);
  if (rc == 0)
    rc = need_number(c, s, "rate_per_s", &num_positive, &w->rate_per_s);
  if (rc == 0)
    rc = need_dist(c, s, "session", &w->session);
  return rc;
}

static int parse_trace(const struct ctx *c, const struct sect *s,
                       struct lsim_scenario_workload *w)
{
  char where[KEY_PATH_MAX];
  char *file = NULL;
  int rc = require(c, s, "file", "a path to a CSV file");

  if (rc == 0)
    rc = get_string(c, s, "file", "a path to a CSV file", &file);
  if (rc != 0)
    return rc;

  w->file = resolve(c, file);
  free(file);
  if (w->file == NULL)
    return nomem(c);
  join(where, sizeof where, s->path, "file");
  return trace_load(c, where, w->file, &w->trace);
}

static int parse_workload(const struct ctx *c, const struct sect *top,
                          struct lsim_scenario_workload *w)
{
  struct sect s;
  int kind = 0;
  int rc = get_section(c, top, "workload", true, workload_keys, &s);

  if (rc == 0)
    rc = get_choice(c, &s, "kind", workload_kind_names, true, &kind);
  if (rc == 0)
    rc = check_kind_keys(c, &s, (enum lsim_workload_kind)kind);
  if (rc != 0)
    return rc;

  w->kind = (enum lsim_workload_kind)kind;
  if (w->kind == LSIM_WORKLOAD_CLOSED)
    return parse_closed(c, &s, w);
  if (w->kind == LSIM_WORKLOAD_TRACE)
    return parse_trace(c, &s, w);
  return parse_open(c, &s, w);
}

/* Reads a whole scenario tree into *sc, which holds the defaults. The
 * "sweep" key is left to expand(). */
static int parse_scenario(const struct ctx *c, const cJSON *tree,
                          struct lsim_scenario *sc)
{
  struct sect top = {.obj = tree, .path = ""};
  int rc = check_keys(c, &top, top_keys);

  if (rc == 0)
    rc = parse_header(c, &top, sc);
  if (rc == 0)
    rc = parse_run_time(c, &top, sc);
  if (rc == 0)
    rc = parse_limiter(c, &top, &sc->limiter);
  if (rc == 0)
    rc = parse_provider(c, &top, &sc->provider);
  if (rc == 0)
    rc = parse_workload(c, &top, &sc->workload);
  if (rc == 0)
    rc = get_opaque(c, &top, "expect", &sc->expect);
  if (rc == 0)
    rc = get_opaque(c, &top, "live", &sc->live);
  return rc;
}

static struct lsim_scenario *scenario_new(void)
{
  struct lsim_scenario *sc = calloc(1, sizeof *sc);

  if (sc == NULL)
    return NULL;

  sc->seed = 1;
  sc->replications = 10;
  sc->max_events = 1000000000;
  sc->limiter.poll_interval_s = 0.25;
  sc->limiter.start_window_s = 0.1;
  sc->limiter.instances = 1;

  dist_constant(&sc->provider.release_lag, 0);
  dist_constant(&sc->provider.start_delay, 0);
  sc->provider.overflow = LSIM_OVERFLOW_REJECT;
  sc->provider.retry_max_attempts = 3;
  dist_constant(&sc->provider.retry_backoff, 1);
  sc->provider.usage_enabled = true;
  dist_constant(&sc->provider.usage_latency, 0);
  dist_constant(&sc->provider.external_session, 0);

  dist_constant(&sc->workload.think, 0);
  dist_constant(&sc->workload.session, 0);
  return sc;
}

static void provider_release(struct lsim_scenario_provider *p)
{
  lsim_dist_release(&p->release_lag);
  lsim_dist_release(&p->start_delay);
  lsim_dist_release(&p->retry_backoff);
  lsim_dist_release(&p->usage_latency);
  lsim_dist_release(&p->external_session);
}

static void workload_release(struct lsim_scenario_workload *w)
{
  lsim_dist_release(&w->think);
  lsim_dist_release(&w->session);
  free(w->file);
  free(w->trace.arrival_s);
  free(w->trace.session_s);
}

void lsim_scenario_free(struct lsim_scenario *sc)
{
  if (sc == NULL)
    return;

  free(sc->name);
  free(sc->description);
  for (size_t i = 0; i < sc->limiter.npolicies; i++) {
    free(sc->limiter.policies[i].name);
    free(sc->limiter.policies[i].plugin_path);
  }
  free(sc->limiter.policies);
  provider_release(&sc->provider);
  workload_release(&sc->workload);
  cJSON_Delete(sc->expect);
  cJSON_Delete(sc->live);
  free(sc);
}

/* ---------------------------------------------------------------- */
/* Key paths: --set and sweep                                       */
/* ---------------------------------------------------------------- */

/* Where a key path leads in a tree. */
struct walk {
  const char *label;      /* "--set KEY" or "sweep.KEY", for messages */
  bool allow_sweep;       /* --set may write sweep keys; a sweep may not */
  cJSON *parent;          /* out: the object the value goes in */
  char key[KEY_PATH_MAX]; /* out: its name there */
  char at[KEY_PATH_MAX];  /* the path walked so far */
};

/* Copies the segment of `path` before the first dot into `seg`; returns
 * what follows the dot, or NULL when this was the last segment. */
static const char *next_segment(const char *path, char *seg, size_t len)
{
  const char *dot = strchr(path, '.');
  size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);

  snprintf(seg, len, "%.*s", (int)n, path);
  if (n >= len)
    seg[0] = '\0'; /* too long to be a key: make it unknown */
  return dot != NULL ? dot + 1 : NULL;
}

/* Adds w->key to the path walked so far. */
static bool walk_note(struct walk *w)
{
  size_t used = strlen(w->at);
  int n = snprintf(w->at + used, sizeof w->at - used, "%s%s",
                   used > 0 ? "." : "", w->key);

  return n >= 0 && (size_t)n < sizeof w->at - used;
}

/* Steps into the object at w->key, making it when it is absent. */
static int descend(const struct ctx *c, struct walk *w)
{
  cJSON *child = cJSON_GetObjectItemCaseSensitive(w->parent, w->key);
  char shown[LSIM_JSON_SHOWN_MAX + 8];

  walk_note(w);
  if (child == NULL)
    child = cJSON_AddObjectToObject(w->parent, w->key);
  if (child == NULL)
    return nomem(c);
  if (!cJSON_IsObject(child)) {
    lsim_json_describe(child, shown, sizeof shown);
    return fail(c, w->label, "expected %s to be an object, got %s", w->at,
                shown);
  }

  w->parent = child;
  return 0;
}

/* "provider.release_lag.mean": a parameter of a distribution written as
 * an object; a bare number has no parameters to set. */
static int walk_dist(const struct ctx *c, const char *rest, struct walk *w)
{
  cJSON *dist = cJSON_GetObjectItemCaseSensitive(w->parent, w->key);
  char shown[LSIM_JSON_SHOWN_MAX + 8];

  if (strchr(rest, '.') != NULL || !is_dist_param(rest))
    return fail(c, w->label, "unknown key");

  walk_note(w);
  if (!cJSON_IsObject(dist)) {
    lsim_json_describe(dist, shown, sizeof shown);
    return fail(c, w->label,
                "expected %s in the object form {\"dist\": ...}, got %s", w->at,
                shown);
  }

  w->parent = dist;
  snprintf(w->key, sizeof w->key, "%s", rest);
  return 0;
}

/* "sweep.limiter.limit": the rest of the path is one key of the sweep. */
static int walk_sweep(const struct ctx *c, const char *rest, struct walk *w)
{
  int rc;

  if (rest[0] == '\0' || strlen(rest) >= sizeof w->key)
    return fail(c, w->label, "unknown key");

  rc = descend(c, w);
  if (rc == 0)
    snprintf(w->key, sizeof w->key, "%s", rest);
  return rc;
}

/* expect and live: every segment is an object made on demand. */
static int walk_opaque(const struct ctx *c, const char *rest, struct walk *w)
{
  int rc = 0;

  while (rc == 0 && rest != NULL) {
    rc = descend(c, w);
    rest = next_segment(rest, w->key, sizeof w->key);
    if (rc == 0 && w->key[0] == '\0')
      rc = fail(c, w->label, "unknown key");
  }
  return rc;
}

/* Follows `path` through the schema and the tree at w->parent. */
static int walk(const struct ctx *c, const char *path, struct walk *w)
{
  const struct key *keys = top_keys;
  const char *rest = path;
  int rc = 0;

  for (;;) {
    const struct key *k;

    rest = next_segment(rest, w->key, sizeof w->key);
    k = find_key(keys, w->key);
    if (k == NULL || (k->type == KEY_SWEEP && !w->allow_sweep) ||
        (rest != NULL && k->type == KEY_VALUE))
      return fail(c, w->label, "unknown key");
    if (rest == NULL)
      return 0;

    if (k->type == KEY_DIST)
      return walk_dist(c, rest, w);
    if (k->type == KEY_SWEEP)
      return walk_sweep(c, rest, w);
    if (k->type == KEY_OPAQUE)
      return walk_opaque(c, rest, w);
    rc = descend(c, w);
    if (rc != 0)
      return rc;
    keys = k->children;
  }
}

/* Puts `value` (owned, consumed even on failure) at `path` of `root`. */
static int tree_set(const struct ctx *c, cJSON *root, const char *path,
                    cJSON *value, const char *label, bool allow_sweep)
{
  struct walk w = {.label = label, .allow_sweep = allow_sweep};
  bool ok;
  int rc;

  w.parent = root;
  rc = walk(c, path, &w);
  if (rc != 0) {
    cJSON_Delete(value);
    return rc;
  }

  if (cJSON_GetObjectItemCaseSensitive(w.parent, w.key) != NULL)
    ok = cJSON_ReplaceItemInObjectCaseSensitive(w.parent, w.key, value);
  else
    ok = cJSON_AddItemToObject(w.parent, w.key, value);
  if (!ok)
    cJSON_Delete(value);
  return ok ? 0 : nomem(c);
}

/* A --set value: JSON when it parses as JSON, the text itself otherwise,
 * so that --set workload.kind=closed needs no quotes. */
static cJSON *set_value(const char *text)
{
  cJSON *value = cJSON_ParseWithOpts(text, NULL, 1);

  return value != NULL ? value : cJSON_CreateString(text);
}

static int apply_set(const struct ctx *c, cJSON *root, const char *set)
{
  const char *eq = strchr(set, '=');
  char path[KEY_PATH_MAX], label[KEY_PATH_MAX + 8];
  cJSON *value, *sweep;
  int rc;

  if (eq == NULL || eq == set)
    return fail(c, NULL, "--set %.*s: expected KEY.PATH=VALUE", SHOWN_MAX, set);
  if ((size_t)(eq - set) >= sizeof path)
    return fail(c, NULL, "--set %.*s...: unknown key", SHOWN_MAX, set);
  snprintf(path, sizeof path, "%.*s", (int)(eq - set), set);
  snprintf(label, sizeof label, "--set %s", path);

  value = set_value(eq + 1);
  if (value == NULL)
    return nomem(c);
  rc = tree_set(c, root, path, value, label, true);
  if (rc != 0 || strcmp(path, "sweep") == 0 || strncmp(path, "sweep.", 6) == 0)
    return rc;

  /* The user asked for this value: a sweep over the key would undo it. */
  sweep = cJSON_GetObjectItemCaseSensitive(root, "sweep");
  if (cJSON_IsObject(sweep))
    cJSON_DeleteItemFromObjectCaseSensitive(sweep, path);
  return 0;
}

/* ---------------------------------------------------------------- */
/* Sweep points                                                     */
/* ---------------------------------------------------------------- */

/* Checks the sweep's shape; sets *npoints to the size of the product.
 * Its key paths are checked when the first point is made. */
static int check_sweep(const struct ctx *c, const cJSON *sweep, size_t *npoints)
{
  const cJSON *values;
  char where[KEY_PATH_MAX];
  double product = 1;

  *npoints = 1;
  if (sweep == NULL)
    return 0;
  if (!cJSON_IsObject(sweep))
    return expected(c, "sweep", "an object of key paths to arrays", sweep);

  for (values = first_child(sweep); values != NULL; values = values->next) {
    join(where, sizeof where, "sweep", values->string);
    if (is_repeat(sweep, values))
      return fail(c, where, "duplicate key");
    if (!cJSON_IsArray(values) || cJSON_GetArraySize(values) == 0)
      return expected(c, where, "a non-empty array", values);
    product *= cJSON_GetArraySize(values);
  }
  if (product > LSIM_SCENARIO_MAX_POINTS)
    return fail(c, "sweep", "expected at most %d points, got %.0f",
                LSIM_SCENARIO_MAX_POINTS, product);

  *npoints = (size_t)product;
  return 0;
}

static int list_sweep_keys(const struct ctx *c, const cJSON *sweep,
                           struct lsim_scenario_set *set)
{
  const cJSON *values;
  int n = cJSON_GetArraySize(sweep);

  if (n == 0)
    return 0;
  set->sweep_keys = calloc((size_t)n, sizeof *set->sweep_keys);
  if (set->sweep_keys == NULL)
    return nomem(c);

  for (values = first_child(sweep); values != NULL; values = values->next) {
    set->sweep_keys[set->nsweep_keys] = strdup(values->string);
    if (set->sweep_keys[set->nsweep_keys] == NULL)
      return nomem(c);
    set->nsweep_keys++;
  }
  return 0;
}

/* Writes point `index`'s values into `tree` and records them in
 * `params`. The last key varies fastest: `span` is how many points one
 * value of the current key covers. */
static int point_values(const struct ctx *c, const cJSON *sweep, size_t index,
                        size_t npoints, cJSON *tree, cJSON *params)
{
  const cJSON *values;
  size_t span = npoints;
  char label[KEY_PATH_MAX];

  for (values = first_child(sweep); values != NULL; values = values->next) {
    size_t n = (size_t)cJSON_GetArraySize(values);
    const cJSON *v = cJSON_GetArrayItem(values, (int)(index / (span / n) % n));
    cJSON *copy = cJSON_Duplicate(v, 1);
    int rc;

    span /= n;
    join(label, sizeof label, "sweep", values->string);
    if (copy == NULL || !cJSON_AddItemToObject(params, values->string, copy)) {
      cJSON_Delete(copy);
      return nomem(c);
    }
    rc = tree_set(c, tree, values->string, cJSON_Duplicate(v, 1), label, false);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* "sweep limiter.limit=0, workload.agents=4", to prefix a point's
 * messages with. */
static void point_prefix(const cJSON *params, char *buf, size_t len)
{
  const cJSON *v;
  size_t used = (size_t)snprintf(buf, len, "sweep ");
  char shown[LSIM_JSON_SHOWN_MAX + 8];

  for (v = first_child(params); v != NULL; v = v->next) {
    if (used >= len)
      break;
    lsim_json_describe(v, shown, sizeof shown);
    used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
                             v != params->child ? ", " : "", v->string, shown);
  }
}

/* A point failed. When the file is wrong whatever the sweep sets, say
 * that without blaming the sweep. */
static int point_failed(const struct ctx *c, const cJSON *base, int rc)
{
  char msg[MSG_MAX];
  struct ctx plain = *c;
  struct lsim_scenario *sc = scenario_new();

  plain.prefix = NULL;
  plain.err = msg;
  plain.errlen = sizeof msg;
  if (rc == LSIM_EINVAL && sc != NULL &&
      parse_scenario(&plain, base, sc) == LSIM_EINVAL)
    snprintf(c->err, c->errlen, "%s", msg);
  lsim_scenario_free(sc);
  return rc;
}

static int point_read(const struct ctx *c, const struct lsim_scenario_set *set,
                      const cJSON *tree, struct lsim_scenario_point *pt)
{
  char prefix[MSG_MAX / 2];
  struct ctx pc = *c;
  int rc;

  if (set->nsweep_keys > 0) {
    point_prefix(pt->params, prefix, sizeof prefix);
    pc.prefix = prefix;
  }
  pt->scenario = scenario_new();
  if (pt->scenario == NULL)
    return nomem(c);

  rc = parse_scenario(&pc, tree, pt->scenario);
  if (rc != 0 && set->nsweep_keys > 0)
    return point_failed(c, set->as_run, rc);
  return rc;
}

static int make_point(const struct ctx *c, struct lsim_scenario_set *set,
                      const cJSON *sweep, size_t index)
{
  struct lsim_scenario_point *pt = &set->points[index];
  cJSON *tree = cJSON_Duplicate(set->as_run, 1);
  int rc;

  pt->params = cJSON_CreateObject();
  if (tree == NULL || pt->params == NULL) {
    cJSON_Delete(tree);
    return nomem(c);
  }
  cJSON_DeleteItemFromObjectCaseSensitive(tree, "sweep");

  rc = point_values(c, sweep, index, set->npoints, tree, pt->params);
  if (rc == 0)
    rc = point_read(c, set, tree, pt);
  cJSON_Delete(tree);
  return rc;
}

static bool same_policies(const struct lsim_scenario_limiter *a,
                          const struct lsim_scenario_limiter *b)
{
  if (a->npolicies != b->npolicies)
    return false;
  for (size_t i = 0; i < a->npolicies; i++)
    if (strcmp(a->policies[i].name, b->policies[i].name) != 0)
      return false;
  return true;
}

/* Results are a table of points x policies, each cell summarising the
 * same number of replications: a sweep may not vary either. */
static int check_same_shape(const struct ctx *c,
                            const struct lsim_scenario_set *set, size_t index)
{
  const struct lsim_scenario *first = set->points[0].scenario;
  const struct lsim_scenario *sc = set->points[index].scenario;
  char prefix[MSG_MAX / 2];
  struct ctx pc = *c;

  point_prefix(set->points[index].params, prefix, sizeof prefix);
  pc.prefix = prefix;
  if (sc->replications != first->replications)
    return fail(&pc, "replications",
                "expected the same value at every sweep point (%d), got %d",
                first->replications, sc->replications);
  if (!same_policies(&sc->limiter, &first->limiter))
    return fail(&pc, "limiter.policies",
                "expected the same policies at every sweep point");
  return 0;
}

static int expand(const struct ctx *c, struct lsim_scenario_set *set)
{
  const cJSON *sweep = cJSON_GetObjectItemCaseSensitive(set->as_run, "sweep");
  size_t npoints;
  int rc = check_sweep(c, sweep, &npoints);

  if (rc == 0)
    rc = list_sweep_keys(c, sweep, set);
  if (rc != 0)
    return rc;

  set->points = calloc(npoints, sizeof *set->points);
  if (set->points == NULL)
    return nomem(c);
  set->npoints = npoints;

  for (size_t i = 0; rc == 0 && i < npoints; i++)
    rc = make_point(c, set, sweep, i);
  for (size_t i = 1; rc == 0 && i < npoints; i++)
    rc = check_same_shape(c, set, i);
  return rc;
}

/* ---------------------------------------------------------------- */
/* Files and JSON                                                   */
/* ---------------------------------------------------------------- */

static int read_all(const struct ctx *c, FILE *fp, char **text, size_t *len)
{
  size_t cap = 4096, n = 0, got;
  char *buf = malloc(cap);

  if (buf == NULL)
    return nomem(c);
  while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
    n += got;
    if (n == cap) {
      char *grown = realloc(buf, 2 * cap);

      if (grown == NULL) {
        free(buf);
        return nomem(c);
      }
      buf = grown;
      cap *= 2;
    }
  }

  if (ferror(fp)) {
    free(buf);
    return fail(c, NULL, "cannot read: %s", strerror(errno));
  }
  *text = buf;
  *len = n;
  return 0;
}

static int read_file(const struct ctx *c, char **text, size_t *len)
{
  FILE *fp = fopen(c->file, "rb");
  int rc;

  if (fp == NULL)
    return fail(c, NULL, "cannot read: %s", strerror(errno));
  rc = read_all(c, fp, text, len);
  fclose(fp);
  return rc;
}

/* "FILE:LINE:COL: syntax error", counting from 1, columns in bytes. */
static int syntax_error(const struct ctx *c, const char *text, const char *at)
{
  unsigned long line = 1, col = 1;

  for (const char *p = text; at != NULL && p < at; p++) {
    col++;
    if (*p == '\n') {
      line++;
      col = 1;
    }
  }
  snprintf(c->err, c->errlen, "%s:%lu:%lu: syntax error", c->file, line, col);
  return LSIM_EINVAL;
}

static bool is_blank(const char *text, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (strchr(" \t\r\n", text[i]) == NULL || text[i] == '\0')
      return false;
  return true;
}

/* cJSON wants a NUL-terminated buffer whose length counts the NUL (else
 * require_null_terminated always fails), and would stop quietly at a NUL
 * inside the text. */
static int parse_json(const struct ctx *c, const char *text, size_t len,
                      cJSON **out)
{
  const char *nul = memchr(text, '\0', len);
  const char *end = NULL;
  char *buf;

  if (is_blank(text, len))
    return fail(c, NULL, "empty file");
  if (nul != NULL)
    return syntax_error(c, text, nul);

  buf = malloc(len + 1);
  if (buf == NULL)
    return nomem(c);
  memcpy(buf, text, len);
  buf[len] = '\0';
  *out = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
  if (*out == NULL)
    syntax_error(c, buf, end);
  free(buf);
  if (*out == NULL)
    return LSIM_EINVAL;

  if (!cJSON_IsObject(*out))
    return expected(c, NULL, "a JSON object", *out);
  return 0;
}

/* The directory relative paths in the file start from: NULL for the
 * working directory. Returns 0 or LSIM_ENOMEM. */
static int scenario_dir(const char *path, char **dir)
{
  const char *slash = strrchr(path, '/');

  *dir = NULL;
  if (slash == NULL)
    return 0;
  *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
  return *dir != NULL ? 0 : LSIM_ENOMEM;
}

static int load_set(const struct ctx *c, const char *text, size_t len,
                    const char *const *sets, size_t nsets,
                    struct lsim_scenario_set *set)
{
  int rc;

  set->path = strdup(c->file);
  if (set->path == NULL)
    return nomem(c);

  rc = parse_json(c, text, len, &set->as_run);
  for (size_t i = 0; rc == 0 && i < nsets; i++)
    rc = apply_set(c, set->as_run, sets[i]);
  if (rc == 0)
    rc = expand(c, set);
  return rc;
}

int lsim_scenario_load_text(const char *text, size_t len, const char *path,
                            const char *const *sets, size_t nsets,
                            struct lsim_scenario_set **out, char *err,
                            size_t errlen)
{
  char local[MSG_MAX];
  bool own_err = err == NULL || errlen == 0;
  struct ctx c = {.file = path,
                  .err = own_err ? local : err,
                  .errlen = own_err ? sizeof local : errlen};
  struct lsim_scenario_set *set = NULL;
  char *dir;
  int rc;

  c.err[0] = '\0';
  rc = scenario_dir(path, &dir) == 0 ? 0 : nomem(&c);
  c.dir = dir;
  if (rc == 0)
    set = calloc(1, sizeof *set);
  if (rc == 0 && set == NULL)
    rc = nomem(&c);
  if (rc == 0)
    rc = load_set(&c, text, len, sets, nsets, set);
  free(dir);

  if (rc != 0) {
    lsim_json_one_line(c.err);
    lsim_scenario_set_free(set);
    return rc;
  }
  *out = set;
  return 0;
}

int lsim_scenario_load(const char *path, const char *const *sets, size_t nsets,
                       struct lsim_scenario_set **out, char *err, size_t errlen)
{
  char local[MSG_MAX];
  bool own_err = err == NULL || errlen == 0;
  struct ctx c = {.file = path,
                  .err = own_err ? local : err,
                  .errlen = own_err ? sizeof local : errlen};
  char *text = NULL;
  size_t len = 0;
  int rc = read_file(&c, &text, &len);

  if (rc != 0) {
    lsim_json_one_line(c.err);
    return rc;
  }
  rc = lsim_scenario_load_text(text, len, path, sets, nsets, out, err, errlen);
  free(text);
  return rc;
}

void lsim_scenario_set_free(struct lsim_scenario_set *set)
{
  if (set == NULL)
    return;

  for (size_t i = 0; i < set->npoints; i++) {
    cJSON_Delete(set->points[i].params);
    lsim_scenario_free(set->points[i].scenario);
  }
  free(set->points);
  for (size_t i = 0; i < set->nsweep_keys; i++)
    free(set->sweep_keys[i]);
  free(set->sweep_keys);
  cJSON_Delete(set->as_run);
  free(set->path);
  free(set);
}

char *lsim_scenario_set_json(const struct lsim_scenario_set *set)
{
  return cJSON_Print(set->as_run);
}
