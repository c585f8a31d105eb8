/*
 * http.h - the transfers of live mode over one libcurl multi handle
 * (internal to live/).
 *
 * Two kinds: a session (POST of the scenario's request) and a usage
 * request (GET of the usage URL). The multi handle's connection cache
 * keeps connections open between transfers. The rules that protect the
 * user live here: TLS verified unless insecure, response bodies bounded
 * (the transfer is aborted past max_body_bytes), the API key only in a
 * request header, and every failure one line without the key.
 */
#ifndef LIMSIM_LIVE_HTTP_H
#define LIMSIM_LIVE_HTTP_H

#include "live.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

struct lsim_live_http {
  bool curl_started; /* curl_global_init() succeeded: clean up once */
  CURLM *multi;
  const struct lsim_live_config *cfg;
  bool insecure;
  char *auth_line; /* "Header: Scheme KEY", secret; NULL without auth */
  char request_url[2048];
  char usage_url[2048];
};

enum lsim_live_xfer_kind { LSIM_XFER_SESSION, LSIM_XFER_USAGE };

/* One transfer; owned by the driver from start to free. */
struct lsim_live_xfer {
  CURL *easy;
  struct lsim_live_http *http;
  enum lsim_live_xfer_kind kind;
  void *owner; /* the driver's: an agent, a limiter instance... */
  lsim_time started;

  struct curl_slist *headers;
  char *request_body;
  char *body; /* usage transfers keep their body, NUL-terminated */
  size_t body_len, body_cap;
  size_t received;
  bool too_big;
  bool has_usage_header;
  char usage_header[64];
  bool has_retry_after;
  double retry_after_s;
  char errbuf[CURL_ERROR_SIZE];
};

/* How a finished transfer went. */
struct lsim_live_outcome {
  CURLcode code;
  long status;          /* 0 when no response arrived */
  double retry_after_s; /* < 0: no usable Retry-After */
  char msg[320];        /* one line when it failed, "" when 2xx */
};

/*
 * Prepares the multi handle and the URLs, and reads the API key from the
 * environment (cfg->auth_env). Returns 0, LSIM_ENOMEM, or LSIM_EINVAL with
 * "FILE: live.auth.env: the environment variable NAME is not set" (or
 * empty),
 * or a URL too long. Release with lsim_live_http_release() in any case.
 */
int lsim_live_http_init(struct lsim_live_http *h,
                        const struct lsim_live_config *cfg, bool insecure,
                        char *err, size_t errlen);

/* Frees the multi handle and wipes the key. Transfers must be freed
 * first. */
void lsim_live_http_release(struct lsim_live_http *h);

/*
 * Starts a session transfer. Returns 0 and sets *out, or LSIM_ENOMEM /
 * LSIM_ESTATE (libcurl refused) with one line in err.
 */
int lsim_live_xfer_session(struct lsim_live_http *h, void *owner, lsim_time now,
                           struct lsim_live_xfer **out, char *err,
                           size_t errlen);

/* Starts a usage transfer; as lsim_live_xfer_session(). */
int lsim_live_xfer_usage(struct lsim_live_http *h, void *owner, lsim_time now,
                         struct lsim_live_xfer **out, char *err, size_t errlen);

/* Runs the multi handle without waiting and hands each finished transfer
 * to `done` (which must not free another transfer than the one it is
 * given). Returns 0 or LSIM_ESTATE (libcurl's multi handle failed). */
int lsim_live_http_pump(struct lsim_live_http *h,
                        void (*done)(void *user, struct lsim_live_xfer *x,
                                     CURLcode code),
                        void *user);

/* Waits for socket activity or timeout_ms, whichever comes first. */
int lsim_live_http_wait(struct lsim_live_http *h, int timeout_ms);

/* What a finished transfer amounted to; `code` is what pump handed on. */
void lsim_live_xfer_outcome(const struct lsim_live_xfer *x, CURLcode code,
                            struct lsim_live_outcome *o);

/* The provider's count from a finished usage transfer. Returns 0, or
 * LSIM_EINVAL with the reason in err ("GET URL: ..."). */
int lsim_live_xfer_usage_count(const struct lsim_live_xfer *x, CURLcode code,
                               int *count, char *err, size_t errlen);

/* Removes the transfer from the multi handle (aborting it if running) and
 * frees it. NULL is fine. */
void lsim_live_xfer_free(struct lsim_live_xfer *x);

/* CLOCK_MONOTONIC in nanoseconds. */
lsim_time lsim_live_clock(void);

/* Sleeps `seconds` (for the waits between policies and probes). */
void lsim_live_sleep(double seconds);

#endif
