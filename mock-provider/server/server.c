/*
 * server.c - a request's life: routing, the checks every endpoint shares,
 * and its end, when a counted session starts its release lag.
 */
#include "mock_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- requests ---- */

void lsim_mock_req_unref(struct mock_req *req)
{
  if (--req->refs > 0)
    return;

  free(req->body);
  free(req);
}

static enum mock_endpoint route(const char *url, const char *method,
                                bool *method_ok)
{
  static const struct {
    const char *url, *method;
    enum mock_endpoint endpoint;
  } routes[] = {
      {"/v1/usage", "GET", MOCK_EP_USAGE},
      {"/v1/chat/completions", "POST", MOCK_EP_CHAT},
      {"/v1/models", "GET", MOCK_EP_MODELS},
      {"/metrics", "GET", MOCK_EP_METRICS},
  };

  for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    if (strcmp(url, routes[i].url) == 0) {
      *method_ok = strcmp(method, routes[i].method) == 0;
      return routes[i].endpoint;
    }
  }
  *method_ok = true;
  return MOCK_EP_OTHER;
}

static void count_request(struct lsim_mockserver *srv,
                          enum mock_endpoint endpoint)
{
  struct lsim_mock_metrics *c = &srv->counters;
  uint64_t *by_endpoint[] = {
      [MOCK_EP_USAGE] = &c->req_usage,   [MOCK_EP_CHAT] = &c->req_chat,
      [MOCK_EP_MODELS] = &c->req_models, [MOCK_EP_METRICS] = &c->req_metrics,
      [MOCK_EP_OTHER] = &c->req_other,
  };

  (*by_endpoint[endpoint])++;
}

/* The first call for a request: its state, before any body arrives. */
static enum MHD_Result begin_request(struct lsim_mockserver *srv,
                                     struct MHD_Connection *conn,
                                     const char *url, const char *method,
                                     void **con_cls)
{
  struct mock_req *req = calloc(1, sizeof(*req));
  bool method_ok;

  if (req == NULL)
    return MHD_NO;

  req->srv = srv;
  req->conn = conn;
  req->refs = 1;
  req->endpoint = route(url, method, &method_ok);
  req->method_ok = method_ok;

  pthread_mutex_lock(&srv->lock);
  req->id = ++srv->next_id;
  count_request(srv, req->endpoint);
  pthread_mutex_unlock(&srv->lock);

  *con_cls = req;
  return MHD_YES;
}

static enum MHD_Result take_body(struct mock_req *req, const char *data,
                                 size_t *size)
{
  size_t n = *size;
  char *grown;

  *size = 0;
  if (req->endpoint != MOCK_EP_CHAT || req->body_too_large)
    return MHD_YES;
  if (req->body_len + n > MOCK_BODY_MAX) {
    req->body_too_large = true;
    return MHD_YES;
  }

  grown = realloc(req->body, req->body_len + n + 1);
  if (grown == NULL)
    return MHD_NO;
  memcpy(grown + req->body_len, data, n);
  req->body = grown;
  req->body_len += n;
  req->body[req->body_len] = '\0';
  return MHD_YES;
}

/* Compares in time that does not depend on where the key and the header
 * first differ, so the key cannot be guessed a byte at a time. */
static bool same_secret(const char *given, const char *key)
{
  size_t n = strlen(key), m = strlen(given);
  unsigned char diff = (unsigned char)(n != m);

  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char)(key[i] ^ given[i < m ? i : 0]);
  return diff == 0;
}

static bool authorized(const struct lsim_mockserver *srv,
                       struct MHD_Connection *conn)
{
  const char *auth;

  if (srv->cfg.api_key == NULL)
    return true;

  auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
    return false;
  return same_secret(auth + 7, srv->cfg.api_key);
}

static enum MHD_Result refuse(struct lsim_mockserver *srv, struct mock_req *req,
                              unsigned status, const char *message,
                              const char *code)
{
  pthread_mutex_lock(&srv->lock);
  if (status == MHD_HTTP_UNAUTHORIZED)
    srv->counters.unauthorized++;
  req->phase = MOCK_ANSWERED;
  pthread_mutex_unlock(&srv->lock);

  return lsim_mock_reply_error(req->conn, status, message,
                               "invalid_request_error", code, -1);
}

/* The final call (the body is in): checks what every endpoint shares,
 * then hands the request to its endpoint. Called again after each
 * resume, in a later phase. */
static enum MHD_Result serve(struct lsim_mockserver *srv, struct mock_req *req)
{
  bool first = req->phase == MOCK_NEW;

  if (first && req->endpoint == MOCK_EP_OTHER)
    return refuse(srv, req, MHD_HTTP_NOT_FOUND, "unknown path", "not_found");
  if (first && !req->method_ok)
    return refuse(srv, req, MHD_HTTP_METHOD_NOT_ALLOWED,
                  "method not allowed on this path", "method_not_allowed");
  if (first && req->endpoint != MOCK_EP_METRICS && !authorized(srv, req->conn))
    return refuse(srv, req, MHD_HTTP_UNAUTHORIZED, "missing or wrong API key",
                  "invalid_api_key");

  switch (req->endpoint) {
  case MOCK_EP_USAGE:
    return lsim_mock_serve_usage(srv, req);
  case MOCK_EP_CHAT:
    return lsim_mock_serve_chat(srv, req);
  case MOCK_EP_MODELS:
    return lsim_mock_serve_models(srv, req);
  default:
    return lsim_mock_serve_metrics(srv, req);
  }
}

enum MHD_Result lsim_mock_on_request(void *cls, struct MHD_Connection *conn,
                                     const char *url, const char *method,
                                     const char *version, const char *upload,
                                     size_t *upload_size, void **con_cls)
{
  struct lsim_mockserver *srv = cls;
  struct mock_req *req = *con_cls;

  if (req == NULL)
    return begin_request(srv, conn, url, method, con_cls);
  if (*upload_size > 0)
    return take_body(req, upload, upload_size);
  return serve(srv, req);
}

/* Whatever ended the request (the response sent, the client gone, the
 * server stopping), a counted session leaves the counter one release lag
 * later. */
void lsim_mock_on_completed(void *cls, struct MHD_Connection *conn,
                            void **con_cls, enum MHD_RequestTerminationCode why)
{
  struct lsim_mockserver *srv = cls;
  struct mock_req *req = *con_cls;
  lsim_time now = lsim_mock_now();
  lsim_time lag;

  if (req == NULL)
    return;

  pthread_mutex_lock(&srv->lock);
  if (req->counted) {
    req->counted = false;
    lag = lsim_mock_draw(srv, MOCK_RNG_RELEASE_LAG, &srv->cfg.release_lag);
    if (lsim_mock_schedule(srv, now + lag, MOCK_EV_FALL, NULL) != 0)
      lsim_mock_count_fall(srv, now); /* no memory: fall without lag */
  }
  lsim_mock_req_unref(req);
  pthread_mutex_unlock(&srv->lock);
  *con_cls = NULL;
}

/* ---- libmicrohttpd's complaints ---- */

void lsim_mock_on_log(void *cls, const char *fmt, va_list ap)
{
  struct lsim_mockserver *srv = cls;
  char line[sizeof(srv->mhd_error)];
  size_t len;

  vsnprintf(line, sizeof(line), fmt, ap);
  len = strcspn(line, "\r\n");
  line[len] = '\0';
  while (len > 0 && line[len - 1] == '.')
    line[--len] = '\0';

  if (!atomic_load(&srv->log_live)) {
    memcpy(srv->mhd_error, line, len + 1);
    return;
  }
  if (srv->cfg.log != NULL) {
    char msg[sizeof(line) + 32];

    snprintf(msg, sizeof(msg), "libmicrohttpd: %s", line);
    srv->cfg.log(srv->cfg.log_user, msg);
  }
}
