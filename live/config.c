/*
 * config.c - the scenario's "live" object, checked key by key; see live.h.
 *
 * Every mistake is one line naming the file and the key path, in the same
 * words as the scenario parser's: "FILE: live.KEY: expected WHAT, got X".
 */
#include "jsonmsg.h"
#include "live.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 128

struct check {
  const char *file;
  char *err;
  size_t errlen;
};

/* One object being read, and its key path ("live.request"). */
struct section {
  const cJSON *obj;
  char path[PATH_MAX_LEN];
};

static int fail(const struct check *c, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const struct check *c, const char *where, const char *fmt, ...)
{
  char msg[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (c->err != NULL && c->errlen > 0)
    snprintf(c->err, c->errlen, "%s: %s: %s", c->file, where, msg);
  if (c->err != NULL && c->errlen > 0)
    lsim_json_one_line(c->err);
  return LSIM_EINVAL;
}

static int expected(const struct check *c, const char *where, const char *what,
                    const cJSON *got)
{
  char shown[LSIM_JSON_SHOWN_MAX + 8];

  lsim_json_describe(got, shown, sizeof(shown));
  return fail(c, where, "expected %s, got %s", what, shown);
}

static void join(char *buf, size_t len, const char *path, const char *key)
{
  snprintf(buf, len, "%s.%s", path, key);
}

static const cJSON *member(const struct section *s, const char *key)
{
  return cJSON_GetObjectItemCaseSensitive(s->obj, key);
}

/* ---- keys ---- */

static bool listed(const char *const *keys, const char *key)
{
  for (size_t i = 0; keys[i] != NULL; i++)
    if (strcmp(keys[i], key) == 0)
      return true;
  return false;
}

/* A key that looks like it holds a secret gets told where secrets go. */
static bool secret_like(const char *key)
{
  static const char *const names[] = {"key",    "api_key",  "token", "value",
                                      "secret", "password", NULL};

  return listed(names, key);
}

static int check_keys(const struct check *c, const struct section *s,
                      const char *const *keys)
{
  const cJSON *item;
  char where[PATH_MAX_LEN + 64];

  cJSON_ArrayForEach(item, s->obj)
  {
    join(where, sizeof(where), s->path, item->string);
    if (listed(keys, item->string))
      continue;
    if (strcmp(s->path, "live.auth") == 0 && secret_like(item->string))
      return fail(c, where,
                  "unknown key (keys are never written in a scenario: name "
                  "the environment variable that holds it in live.auth.env)");
    return fail(c, where, "unknown key");
  }
  return 0;
}

/* s->obj = the object at parent.key; absent is fine unless required. */
static int get_section(const struct check *c, const struct section *parent,
                       const char *key, bool required, struct section *s)
{
  s->obj = member(parent, key);
  join(s->path, sizeof(s->path), parent->path, key);
  if (s->obj == NULL && !required)
    return 0;
  if (!cJSON_IsObject(s->obj))
    return expected(c, s->path, "an object", s->obj);
  return 0;
}

/* ---- values ---- */

typedef bool (*string_rule)(const char *s);

static int dup_string(const char *s, char **out)
{
  char *copy = strdup(s);

  if (copy == NULL)
    return LSIM_ENOMEM;
  free(*out);
  *out = copy;
  return 0;
}

/* A string at s.key obeying `rule` (described by `what`) into *out; an
 * absent key leaves *out alone unless required. */
static int get_string(const struct check *c, const struct section *s,
                      const char *key, bool required, string_rule rule,
                      const char *what, char **out)
{
  const cJSON *item = member(s, key);
  char where[PATH_MAX_LEN + 64];

  join(where, sizeof(where), s->path, key);
  if (item == NULL && !required)
    return 0;
  if (!cJSON_IsString(item) || !rule(item->valuestring))
    return expected(c, where, what, item);
  return dup_string(item->valuestring, out);
}

/* A number at s.key in (0, hi], or [0, hi] when zero_ok; an absent key
 * leaves *out alone. */
static int get_number(const struct check *c, const struct section *s,
                      const char *key, bool zero_ok, double hi,
                      const char *what, double *out)
{
  const cJSON *item = member(s, key);
  char where[PATH_MAX_LEN + 64];

  join(where, sizeof(where), s->path, key);
  if (item == NULL)
    return 0;
  if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
      item->valuedouble < 0 || (item->valuedouble == 0 && !zero_ok) ||
      item->valuedouble > hi)
    return expected(c, where, what, item);
  *out = item->valuedouble;
  return 0;
}

static int get_bool(const struct check *c, const struct section *s,
                    const char *key, bool *out)
{
  const cJSON *item = member(s, key);
  char where[PATH_MAX_LEN + 64];

  join(where, sizeof(where), s->path, key);
  if (item == NULL)
    return 0;
  if (!cJSON_IsBool(item))
    return expected(c, where, "true or false", item);
  *out = cJSON_IsTrue(item);
  return 0;
}

/* ---- string rules ---- */

/* An http(s) URL curl can parse, and no "user:password@" (checked
 * again, in case curl sees one has_userinfo() missed). */
static bool is_http_url(const char *s)
{
  CURLU *u;
  char *user = NULL;
  bool ok;

  if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
    return false;
  for (const char *p = s; *p != '\0'; p++)
    if (!isgraph((unsigned char)*p))
      return false;
  u = curl_url();
  ok = u != NULL && curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
       curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER;
  curl_free(user);
  curl_url_cleanup(u);
  return ok;
}

static bool is_abs_path(const char *s)
{
  if (s[0] != '/')
    return false;
  for (const char *p = s; *p != '\0'; p++)
    if (!isgraph((unsigned char)*p))
      return false;
  return true;
}

static bool is_dot_path(const char *s)
{
  bool segment_empty = true;

  for (const char *p = s; *p != '\0'; p++) {
    if (*p == '.' && segment_empty)
      return false;
    if (!isgraph((unsigned char)*p))
      return false;
    segment_empty = *p == '.';
  }
  return !segment_empty;
}

/* An HTTP header name: RFC 9110 token characters. */
static bool is_header_name(const char *s)
{
  if (*s == '\0')
    return false;
  for (const char *p = s; *p != '\0'; p++)
    if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
      return false;
  return true;
}

/* An auth scheme goes into a header line: no control characters. */
static bool is_scheme(const char *s)
{
  for (const char *p = s; *p != '\0'; p++)
    if (!isgraph((unsigned char)*p))
      return false;
  return true;
}

static bool is_env_name(const char *s)
{
  if (!isalpha((unsigned char)s[0]) && s[0] != '_')
    return false;
  for (const char *p = s; *p != '\0'; p++)
    if (!isalnum((unsigned char)*p) && *p != '_')
      return false;
  return true;
}

static bool is_nonempty(const char *s)
{
  return s[0] != '\0';
}

/* Credentials in a URL would be shown in messages and written into
 * results.json with the scenario, so such a URL is refused unseen. */
static bool has_userinfo(const char *s)
{
  const char *host = strstr(s, "://");
  size_t end;

  if (host == NULL)
    return false;
  host += 3;
  end = strcspn(host, "/?#");
  return memchr(host, '@', end) != NULL;
}

/* A URL at s.key: http(s)://..., or also "/path" when path_ok. */
static int get_url(const struct check *c, const struct section *s,
                   const char *key, bool path_ok, char **out)
{
  const cJSON *item = member(s, key);
  const char *what = path_ok ? "a path starting with / or an http(s):// URL"
                             : "an http:// or https:// URL";
  char where[PATH_MAX_LEN + 64];

  join(where, sizeof(where), s->path, key);
  if (cJSON_IsString(item) && has_userinfo(item->valuestring))
    return fail(c, where,
                "expected %s without user:password@, got a URL with "
                "credentials (not shown)",
                what);
  if (cJSON_IsString(item) && (is_http_url(item->valuestring) ||
                               (path_ok && is_abs_path(item->valuestring))))
    return dup_string(item->valuestring, out);
  return expected(c, where, what, item);
}

/* ---- sections ---- */

static int parse_request(const struct check *c, const struct section *top,
                         struct lsim_live_config *cfg)
{
  static const char *const keys[] = {"path", "model", "stream", "body", NULL};
  struct section s;
  const cJSON *body;
  int rc = get_section(c, top, "request", true, &s);

  if (rc == 0)
    rc = check_keys(c, &s, keys);
  if (rc == 0)
    rc = get_string(c, &s, "path", true, is_abs_path,
                    "a string starting with /", &cfg->request_path);
  if (rc == 0)
    rc = get_string(c, &s, "model", false, is_nonempty, "a non-empty string",
                    &cfg->model);
  if (rc == 0)
    rc = get_bool(c, &s, "stream", &cfg->stream);
  if (rc != 0)
    return rc;

  body = member(&s, "body");
  if (body != NULL && !cJSON_IsObject(body))
    return expected(c, "live.request.body", "an object", body);
  if (body != NULL && (cfg->body = cJSON_Duplicate(body, true)) == NULL)
    return LSIM_ENOMEM;
  return 0;
}

static int parse_usage_source(const struct check *c, const struct section *s,
                              struct lsim_live_config *cfg)
{
  bool has_field = member(s, "field") != NULL;
  bool has_header = member(s, "header") != NULL;
  int rc;

  if (has_field && has_header)
    return fail(c, s->path, "expected either field or header, got both");
  cfg->usage_mode = has_header ? LSIM_LIVE_USAGE_HEADER : LSIM_LIVE_USAGE_FIELD;
  if (has_header)
    return get_string(c, s, "header", true, is_header_name,
                      "a header name such as \"x-concurrent-sessions\"",
                      &cfg->usage_header);
  rc = dup_string("concurrent_sessions", &cfg->usage_field);
  if (rc == 0)
    rc = get_string(c, s, "field", false, is_dot_path,
                    "a dot path such as \"usage.concurrent_sessions\"",
                    &cfg->usage_field);
  return rc;
}

static int parse_usage(const struct check *c, const struct section *top,
                       struct lsim_live_config *cfg)
{
  static const char *const keys[] = {"url", "field", "header",
                                     "sample_interval_s", NULL};
  struct section s;
  int rc = get_section(c, top, "usage", false, &s);

  if (rc != 0 || s.obj == NULL)
    return rc;
  rc = check_keys(c, &s, keys);
  if (rc == 0)
    rc = get_url(c, &s, "url", true, &cfg->usage_url);
  if (rc == 0)
    rc = parse_usage_source(c, &s, cfg);
  if (rc == 0)
    rc = get_number(c, &s, "sample_interval_s", false, 60,
                    "a number > 0 and <= 60", &cfg->sample_interval_s);
  return rc;
}

static int parse_auth(const struct check *c, const struct section *top,
                      struct lsim_live_config *cfg)
{
  static const char *const keys[] = {"header", "scheme", "env", NULL};
  struct section s;
  int rc = get_section(c, top, "auth", false, &s);

  if (rc != 0 || s.obj == NULL)
    return rc;
  rc = check_keys(c, &s, keys);
  if (rc == 0)
    rc = dup_string("Authorization", &cfg->auth_header);
  if (rc == 0)
    rc = dup_string("Bearer", &cfg->auth_scheme);
  if (rc == 0)
    rc = get_string(c, &s, "header", false, is_header_name,
                    "a header name such as \"Authorization\"",
                    &cfg->auth_header);
  if (rc == 0)
    rc = get_string(c, &s, "scheme", false, is_scheme,
                    "a string without spaces or control characters",
                    &cfg->auth_scheme);
  if (rc == 0)
    rc = get_string(c, &s, "env", true, is_env_name,
                    "the name of an environment variable", &cfg->auth_env);
  return rc;
}

static int parse_timeouts(const struct check *c, const struct section *top,
                          struct lsim_live_config *cfg)
{
  static const char *const keys[] = {"connect_s", "request_s", "usage_s", NULL};
  static const char *const what = "a number > 0 and <= 86400";
  struct section s;
  int rc = get_section(c, top, "timeouts", false, &s);

  if (rc != 0 || s.obj == NULL)
    return rc;
  rc = check_keys(c, &s, keys);
  if (rc == 0)
    rc = get_number(c, &s, "connect_s", false, 86400, what,
                    &cfg->connect_timeout_s);
  if (rc == 0)
    rc = get_number(c, &s, "request_s", false, 86400, what,
                    &cfg->request_timeout_s);
  if (rc == 0)
    rc =
        get_number(c, &s, "usage_s", false, 86400, what, &cfg->usage_timeout_s);
  return rc;
}

static int parse_limits(const struct check *c, const struct section *top,
                        struct lsim_live_config *cfg)
{
  const cJSON *item = member(top, "max_body_bytes");
  double v = item != NULL ? item->valuedouble : 0;

  if (item != NULL &&
      (!cJSON_IsNumber(item) || v != floor(v) || v < 1024 || v > 1073741824.0))
    return expected(c, "live.max_body_bytes",
                    "an integer from 1024 to 1073741824", item);
  if (item != NULL)
    cfg->max_body_bytes = (long)v;
  return get_number(c, top, "drain_s", true, 3600, "a number >= 0 and <= 3600",
                    &cfg->drain_s);
}

static void set_defaults(struct lsim_live_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->stream = true;
  cfg->sample_interval_s = 0.1;
  cfg->connect_timeout_s = 5;
  cfg->request_timeout_s = 300;
  cfg->usage_timeout_s = 2;
  cfg->max_body_bytes = 1 << 20;
  cfg->drain_s = 30;
}

static void strip_slashes(char *url)
{
  size_t len = strlen(url);

  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
}

int lsim_live_config_parse(const cJSON *live, const char *file,
                           struct lsim_live_config *cfg, char *err,
                           size_t errlen)
{
  static const char *const keys[] = {"base_url",       "request",  "usage",
                                     "auth",           "timeouts", "drain_s",
                                     "max_body_bytes", NULL};
  struct check c = {file, err, errlen};
  struct section top = {live, "live"};
  int rc;

  set_defaults(cfg);
  if ((cfg->file = strdup(file)) == NULL) {
    snprintf(err, errlen, "%s: out of memory", file);
    return LSIM_ENOMEM;
  }
  if (!cJSON_IsObject(live))
    return expected(&c, "live", "an object", live);
  rc = check_keys(&c, &top, keys);
  if (rc == 0)
    rc = get_url(&c, &top, "base_url", false, &cfg->base_url);
  if (rc == 0)
    rc = parse_request(&c, &top, cfg);
  if (rc == 0)
    rc = parse_usage(&c, &top, cfg);
  if (rc == 0)
    rc = parse_auth(&c, &top, cfg);
  if (rc == 0)
    rc = parse_timeouts(&c, &top, cfg);
  if (rc == 0)
    rc = parse_limits(&c, &top, cfg);
  if (rc == LSIM_ENOMEM)
    snprintf(err, errlen, "%s: out of memory", file);
  if (rc == 0)
    strip_slashes(cfg->base_url);
  return rc;
}

void lsim_live_config_release(struct lsim_live_config *cfg)
{
  free(cfg->file);
  free(cfg->base_url);
  free(cfg->request_path);
  free(cfg->model);
  cJSON_Delete(cfg->body);
  free(cfg->usage_url);
  free(cfg->usage_field);
  free(cfg->usage_header);
  free(cfg->auth_header);
  free(cfg->auth_scheme);
  free(cfg->auth_env);
  memset(cfg, 0, sizeof(*cfg));
}

int lsim_live_config_set_base_url(struct lsim_live_config *cfg, const char *url,
                                  char *err, size_t errlen)
{
  int rc;

  if (has_userinfo(url)) {
    snprintf(err, errlen,
             "--base-url: expected an http:// or https:// URL without "
             "user:password@, got a URL with credentials (not shown)");
    return LSIM_EINVAL;
  }
  if (!is_http_url(url)) {
    snprintf(err, errlen,
             "--base-url: expected an http:// or https:// URL, got '%.*s'",
             LSIM_JSON_SHOWN_MAX, url);
    return LSIM_EINVAL;
  }
  rc = dup_string(url, &cfg->base_url);
  if (rc != 0) {
    snprintf(err, errlen, "out of memory");
    return rc;
  }
  strip_slashes(cfg->base_url);
  return 0;
}

int lsim_live_url(const struct lsim_live_config *cfg, const char *path_or_url,
                  char *buf, size_t len)
{
  int n;

  if (path_or_url[0] == '/')
    n = snprintf(buf, len, "%s%s", cfg->base_url, path_or_url);
  else
    n = snprintf(buf, len, "%s", path_or_url);
  return n < 0 || (size_t)n >= len ? LSIM_EINVAL : 0;
}
