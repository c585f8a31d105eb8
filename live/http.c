/*
 * http.c - live mode's transfers over one libcurl multi handle; see
 * http.h.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The longest a Retry-After may make an agent wait: a larger value is
 * more likely a broken header than advice. */
#define RETRY_AFTER_MAX_S 3600.0

lsim_time lsim_live_clock(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (lsim_time)ts.tv_sec * LSIM_NS_PER_S + ts.tv_nsec;
}

void lsim_live_sleep(double seconds)
{
  struct timespec ts;

  if (!(seconds > 0))
    return;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    continue;
}

/* The key is wiped before the memory goes back to the allocator. */
static void wipe(char *s)
{
  volatile char *p = s;

  while (*p != '\0')
    *p++ = '\0';
}

/* ---- set-up ---- */

/* "Header: Scheme KEY" from the environment. The key is checked for
 * characters that would break the header line, without showing it. */
static int make_auth_line(struct lsim_live_http *h, char *err, size_t errlen)
{
  const struct lsim_live_config *cfg = h->cfg;
  const char *key = getenv(cfg->auth_env);
  size_t len;

  if (key == NULL || key[0] == '\0') {
    snprintf(err, errlen,
             "%s: live.auth.env: the environment variable %s is not set",
             cfg->file, cfg->auth_env);
    return LSIM_EINVAL;
  }
  for (const char *p = key; *p != '\0'; p++)
    if (!isprint((unsigned char)*p)) {
      snprintf(err, errlen,
               "%s: live.auth.env: the value of %s holds a control "
               "character",
               cfg->file, cfg->auth_env);
      return LSIM_EINVAL;
    }

  len = strlen(cfg->auth_header) + strlen(cfg->auth_scheme) + strlen(key) + 4;
  h->auth_line = malloc(len);
  if (h->auth_line == NULL)
    return LSIM_ENOMEM;
  snprintf(h->auth_line, len, "%s: %s%s%s", cfg->auth_header, cfg->auth_scheme,
           cfg->auth_scheme[0] != '\0' ? " " : "", key);
  return 0;
}

static int make_urls(struct lsim_live_http *h, char *err, size_t errlen)
{
  const struct lsim_live_config *cfg = h->cfg;

  if (lsim_live_url(cfg, cfg->request_path, h->request_url,
                    sizeof(h->request_url)) != 0 ||
      (cfg->usage_url != NULL &&
       lsim_live_url(cfg, cfg->usage_url, h->usage_url, sizeof(h->usage_url)) !=
           0)) {
    snprintf(err, errlen, "%s: live: a URL is longer than %zu bytes", cfg->file,
             sizeof(h->request_url) - 1);
    return LSIM_EINVAL;
  }
  return 0;
}

int lsim_live_http_init(struct lsim_live_http *h,
                        const struct lsim_live_config *cfg, bool insecure,
                        char *err, size_t errlen)
{
  int rc;

  memset(h, 0, sizeof(*h));
  h->cfg = cfg;
  h->insecure = insecure;
  rc = make_urls(h, err, errlen);
  if (rc == 0 && cfg->auth_header != NULL)
    rc = make_auth_line(h, err, errlen);
  if (rc != 0)
    return rc;

  h->curl_started = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!h->curl_started || (h->multi = curl_multi_init()) == NULL) {
    snprintf(err, errlen, "libcurl could not start");
    return LSIM_ENOMEM;
  }
  return 0;
}

void lsim_live_http_release(struct lsim_live_http *h)
{
  if (h->multi != NULL)
    curl_multi_cleanup(h->multi);
  if (h->curl_started)
    curl_global_cleanup();
  if (h->auth_line != NULL) {
    wipe(h->auth_line);
    free(h->auth_line);
  }
  memset(h, 0, sizeof(*h));
}

/* ---- callbacks ---- */

/* Counts the body and keeps it only for usage answers; past the bound
 * the transfer is aborted (returning less than given does that). */
static size_t on_body(char *data, size_t size, size_t n, void *user)
{
  struct lsim_live_xfer *x = user;
  size_t len = size * n;

  x->received += len;
  if (x->received > (size_t)x->http->cfg->max_body_bytes) {
    x->too_big = true;
    return 0;
  }
  if (x->kind != LSIM_XFER_USAGE)
    return len;

  if (x->body_len + len + 1 > x->body_cap) {
    size_t cap = (x->body_len + len + 1) * 2;
    char *body = realloc(x->body, cap);

    if (body == NULL)
      return 0;
    x->body = body;
    x->body_cap = cap;
  }
  memcpy(x->body + x->body_len, data, len);
  x->body_len += len;
  x->body[x->body_len] = '\0';
  return len;
}

/* Delay-seconds, with a fraction allowed; an HTTP-date or anything else
 * is not used (the scenario's backoff applies). */
static void parse_retry_after(struct lsim_live_xfer *x, const char *v,
                              size_t len)
{
  char text[32];
  char *end;
  double s;

  while (len > 0 && isspace((unsigned char)v[len - 1]))
    len--;
  if (len == 0 || len >= sizeof(text) || !isdigit((unsigned char)v[0]))
    return;
  memcpy(text, v, len);
  text[len] = '\0';
  s = strtod(text, &end);
  if (*end != '\0' || !isfinite(s) || s > RETRY_AFTER_MAX_S)
    return;
  x->has_retry_after = true;
  x->retry_after_s = s;
}

static bool header_is(const char *line, size_t len, const char *name,
                      const char **value, size_t *vlen)
{
  size_t n = strlen(name);

  if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
    return false;
  *value = line + n + 1;
  *vlen = len - n - 1;
  while (*vlen > 0 && (**value == ' ' || **value == '\t')) {
    (*value)++;
    (*vlen)--;
  }
  return true;
}

/* Headers of every response curl sees, redirects and 1xx included: the
 * last one of each name wins. */
static size_t on_header(char *line, size_t size, size_t n, void *user)
{
  struct lsim_live_xfer *x = user;
  const char *name = x->http->cfg->usage_header;
  size_t len = size * n;
  const char *v;
  size_t vlen;

  if (header_is(line, len, "Retry-After", &v, &vlen)) {
    parse_retry_after(x, v, vlen);
  } else if (name != NULL && x->kind == LSIM_XFER_USAGE &&
             header_is(line, len, name, &v, &vlen)) {
    while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
      vlen--;
    if (vlen >= sizeof(x->usage_header))
      vlen = sizeof(x->usage_header) - 1;
    memcpy(x->usage_header, v, vlen);
    x->usage_header[vlen] = '\0';
    x->has_usage_header = true;
  }
  return len;
}

/* ---- transfers ---- */

static long ms_of(double seconds)
{
  double ms = ceil(seconds * 1000.0);

  return ms > 2e9 ? 2000000000L : (long)ms;
}

static int add_header(struct lsim_live_xfer *x, const char *line)
{
  struct curl_slist *l = curl_slist_append(x->headers, line);

  if (l == NULL)
    return -1;
  x->headers = l;
  return 0;
}

/* What every transfer shares: timeouts, TLS, the body bound, headers. */
static int setup_common(struct lsim_live_xfer *x, const char *url,
                        double timeout_s)
{
  const struct lsim_live_config *cfg = x->http->cfg;
  CURL *e = x->easy;
  int bad = 0;

  bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                          ms_of(cfg->connect_timeout_s)) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms_of(timeout_s)) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                          (curl_off_t)cfg->max_body_bytes) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
  bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
  if (x->http->insecure) {
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
  }
  if (x->http->auth_line != NULL)
    bad |= add_header(x, x->http->auth_line) != 0;
  return bad ? -1 : 0;
}

static struct lsim_live_xfer *xfer_new(struct lsim_live_http *h,
                                       enum lsim_live_xfer_kind kind,
                                       void *owner, lsim_time now)
{
  struct lsim_live_xfer *x = calloc(1, sizeof(*x));

  if (x == NULL)
    return NULL;
  x->http = h;
  x->kind = kind;
  x->owner = owner;
  x->started = now;
  x->retry_after_s = -1;
  x->easy = curl_easy_init();
  if (x->easy == NULL) {
    free(x);
    return NULL;
  }
  return x;
}

/* Frees a transfer that is not (or no longer) on the multi handle. */
static void xfer_discard(struct lsim_live_xfer *x)
{
  curl_easy_cleanup(x->easy);
  for (struct curl_slist *h = x->headers; h != NULL; h = h->next)
    wipe(h->data);
  curl_slist_free_all(x->headers);
  free(x->request_body);
  free(x->body);
  free(x);
}

/* Adds the default "messages" an OpenAI-compatible endpoint needs when
 * the scenario's body has none. */
static int add_messages(cJSON *body)
{
  cJSON *list, *msg;

  if (cJSON_GetObjectItemCaseSensitive(body, "messages") != NULL)
    return 0;
  list = cJSON_AddArrayToObject(body, "messages");
  msg = cJSON_CreateObject();
  if (list == NULL || msg == NULL) {
    cJSON_Delete(msg);
    return -1;
  }
  cJSON_AddItemToArray(list, msg);
  if (cJSON_AddStringToObject(msg, "role", "user") == NULL ||
      cJSON_AddStringToObject(msg, "content", "Say hello.") == NULL)
    return -1;
  return 0;
}

static char *request_body(const struct lsim_live_config *cfg)
{
  cJSON *body =
      cfg->body ? cJSON_Duplicate(cfg->body, true) : cJSON_CreateObject();
  char *text = NULL;

  if (body == NULL)
    return NULL;
  cJSON_DeleteItemFromObjectCaseSensitive(body, "stream");
  if (cfg->model != NULL) {
    cJSON_DeleteItemFromObjectCaseSensitive(body, "model");
    if (cJSON_AddStringToObject(body, "model", cfg->model) == NULL)
      goto done;
  }
  if (cJSON_AddBoolToObject(body, "stream", cfg->stream) == NULL ||
      add_messages(body) != 0)
    goto done;
  text = cJSON_PrintUnformatted(body);
done:
  cJSON_Delete(body);
  return text;
}

static int start(struct lsim_live_xfer *x, const char *method,
                 struct lsim_live_xfer **out, char *err, size_t errlen)
{
  CURLMcode mc;

  if (curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK) {
    snprintf(err, errlen, "%s: libcurl refused the headers", method);
    xfer_discard(x);
    return LSIM_ESTATE;
  }
  mc = curl_multi_add_handle(x->http->multi, x->easy);
  if (mc != CURLM_OK) {
    snprintf(err, errlen, "%s: %s", method, curl_multi_strerror(mc));
    xfer_discard(x);
    return LSIM_ESTATE;
  }
  *out = x;
  return 0;
}

int lsim_live_xfer_session(struct lsim_live_http *h, void *owner, lsim_time now,
                           struct lsim_live_xfer **out, char *err,
                           size_t errlen)
{
  const struct lsim_live_config *cfg = h->cfg;
  struct lsim_live_xfer *x = xfer_new(h, LSIM_XFER_SESSION, owner, now);

  if (x == NULL || (x->request_body = request_body(cfg)) == NULL) {
    snprintf(err, errlen, "out of memory");
    if (x != NULL)
      xfer_discard(x);
    return LSIM_ENOMEM;
  }
  if (setup_common(x, h->request_url, cfg->request_timeout_s) != 0 ||
      curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->request_body) !=
          CURLE_OK ||
      add_header(x, "Content-Type: application/json") != 0 ||
      (cfg->stream && add_header(x, "Accept: text/event-stream") != 0)) {
    snprintf(err, errlen, "POST %s: libcurl refused the options",
             h->request_url);
    xfer_discard(x);
    return LSIM_ESTATE;
  }
  return start(x, "POST", out, err, errlen);
}

int lsim_live_xfer_usage(struct lsim_live_http *h, void *owner, lsim_time now,
                         struct lsim_live_xfer **out, char *err, size_t errlen)
{
  const struct lsim_live_config *cfg = h->cfg;
  struct lsim_live_xfer *x = xfer_new(h, LSIM_XFER_USAGE, owner, now);

  if (x == NULL) {
    snprintf(err, errlen, "out of memory");
    return LSIM_ENOMEM;
  }
  if (setup_common(x, h->usage_url, cfg->usage_timeout_s) != 0 ||
      add_header(x, "Accept: application/json") != 0) {
    snprintf(err, errlen, "GET %s: libcurl refused the options", h->usage_url);
    xfer_discard(x);
    return LSIM_ESTATE;
  }
  return start(x, "GET", out, err, errlen);
}

void lsim_live_xfer_free(struct lsim_live_xfer *x)
{
  if (x == NULL)
    return;
  curl_multi_remove_handle(x->http->multi, x->easy);
  xfer_discard(x);
}

/* ---- running ---- */

int lsim_live_http_pump(struct lsim_live_http *h,
                        void (*done)(void *user, struct lsim_live_xfer *x,
                                     CURLcode code),
                        void *user)
{
  int running, left;
  CURLMsg *msg;

  if (curl_multi_perform(h->multi, &running) != CURLM_OK)
    return LSIM_ESTATE;
  while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
    struct lsim_live_xfer *x = NULL;

    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    done(user, x, msg->data.result);
  }
  return 0;
}

int lsim_live_http_wait(struct lsim_live_http *h, int timeout_ms)
{
  if (timeout_ms < 0)
    timeout_ms = 0;
  return curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL) == CURLM_OK
             ? 0
             : LSIM_ESTATE;
}

/* ---- outcomes ---- */

static const char *method_of(const struct lsim_live_xfer *x)
{
  return x->kind == LSIM_XFER_SESSION ? "POST" : "GET";
}

static const char *url_of(const struct lsim_live_xfer *x)
{
  return x->kind == LSIM_XFER_SESSION ? x->http->request_url
                                      : x->http->usage_url;
}

/* One line for a transport failure: curl's name for it, and its detail
 * when it adds anything. */
static void transport_message(const struct lsim_live_xfer *x, CURLcode code,
                              char *buf, size_t len)
{
  const char *what = curl_easy_strerror(code);

  if (x->too_big)
    snprintf(buf, len,
             "%s %s: response body larger than %ld bytes "
             "(live.max_body_bytes)",
             method_of(x), url_of(x), x->http->cfg->max_body_bytes);
  else if (x->errbuf[0] != '\0')
    snprintf(buf, len, "%s %s: %s: %s", method_of(x), url_of(x), what,
             x->errbuf);
  else
    snprintf(buf, len, "%s %s: %s", method_of(x), url_of(x), what);
}

void lsim_live_xfer_outcome(const struct lsim_live_xfer *x, CURLcode code,
                            struct lsim_live_outcome *o)
{
  memset(o, 0, sizeof(*o));
  o->code = code;
  o->retry_after_s = x->has_retry_after ? x->retry_after_s : -1;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &o->status);
  if (code != CURLE_OK || x->too_big)
    transport_message(x, code, o->msg, sizeof(o->msg));
  else if (o->status < 200 || o->status > 299)
    snprintf(o->msg, sizeof(o->msg), "%s %s: HTTP %ld", method_of(x), url_of(x),
             o->status);
}

int lsim_live_xfer_usage_count(const struct lsim_live_xfer *x, CURLcode code,
                               int *count, char *err, size_t errlen)
{
  const struct lsim_live_config *cfg = x->http->cfg;
  struct lsim_live_outcome o;
  char why[200];
  int rc;

  lsim_live_xfer_outcome(x, code, &o);
  if (o.code != CURLE_OK || x->too_big) {
    snprintf(err, errlen, "%s", o.msg);
    return LSIM_EINVAL;
  }
  if (cfg->usage_mode == LSIM_LIVE_USAGE_HEADER)
    rc = lsim_live_usage_parse_header(
        o.status, x->has_usage_header ? x->usage_header : NULL,
        cfg->usage_header, count, why, sizeof(why));
  else
    rc = lsim_live_usage_parse_body(o.status, x->body ? x->body : "",
                                    x->body_len, cfg->usage_field, count, why,
                                    sizeof(why));
  if (rc != 0)
    snprintf(err, errlen, "GET %s: %s", url_of(x), why);
  return rc;
}
