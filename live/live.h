/*
 * live.h - live mode: the limiter core, driven by the real clock, in front
 * of a real HTTP endpoint (the mock provider, or an OpenAI-compatible
 * service).
 *
 * A scenario file says what to run (limiter, workload, policies, duration);
 * its "live" object says where: the base URL, the request to make, how to
 * read the provider's usage count and where the API key comes from. This
 * module reads that object, runs each policy in turn with one thread and a
 * libcurl multi handle, and hands back a struct lsim_results shaped like
 * the simulator's (one point, one replication), so the simulator's writers
 * (sim/output.h) write results.json and the CSVs. It also measures the
 * endpoint's release lag (calibrate).
 *
 * THE "live" OBJECT (docs/LIVE.md is the reference)
 *
 *   {
 *     "base_url": "http://127.0.0.1:8080",
 *     "request": {"path": "/v1/chat/completions", "model": "m",
 *                 "stream": true, "body": {...}},
 *     "usage": {"url": "/v1/usage", "field": "concurrent_sessions",
 *               "sample_interval_s": 0.1}
 *           or {"url": "/v1/usage", "header": "x-concurrent-sessions"},
 *     "auth": {"header": "Authorization", "scheme": "Bearer",
 *              "env": "NAME_OF_ENV_VAR"},
 *     "timeouts": {"connect_s": 5, "request_s": 300, "usage_s": 2},
 *     "max_body_bytes": 1048576,
 *     "drain_s": 30
 *   }
 *
 * SECRETS
 *
 * The API key is read from the environment variable live.auth.env when a
 * run starts, and only the variable's name is kept in the configuration.
 * The key goes into request headers and nowhere else: no message, log line
 * or result holds it.
 *
 * Nothing here prints or exits. Errors are a negative enum lsim_error and
 * one line in a buffer the caller owns.
 */
#ifndef LIMSIM_LIVE_H
#define LIMSIM_LIVE_H

#include "limsim.h"
#include "output.h"
#include "runner.h"
#include "scenario.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* How the usage answer carries the provider's count. */
enum lsim_live_usage_mode {
  LSIM_LIVE_USAGE_NONE,  /* no usage source: the limiter runs cooldown-only */
  LSIM_LIVE_USAGE_FIELD, /* a number in the JSON body, at a dot path */
  LSIM_LIVE_USAGE_HEADER /* an integer in a response header */
};

/* The "live" object, checked, defaults filled in. Owns every string. */
struct lsim_live_config {
  char *file;         /* the scenario file, for messages */
  char *base_url;     /* http:// or https://, no trailing slash */
  char *request_path; /* starts with "/" */
  char *model;        /* NULL: the body has no "model" */
  bool stream;        /* default true */
  cJSON *body;        /* extra fields of every request body; NULL: none */

  enum lsim_live_usage_mode usage_mode;
  char *usage_url;          /* "/path" (against base_url) or absolute */
  char *usage_field;        /* FIELD mode: dot path, default
                               "concurrent_sessions" */
  char *usage_header;       /* HEADER mode: the header's name */
  double sample_interval_s; /* how often the upstream count is sampled for
                               upstream_mean and the timeline; default 0.1 */

  char *auth_header; /* NULL: no auth; else e.g. "Authorization" */
  char *auth_scheme; /* "Bearer" by default; "" sends the key alone */
  char *auth_env;    /* the environment variable holding the key */

  double connect_timeout_s; /* default 5 */
  double request_timeout_s; /* default 300 */
  double usage_timeout_s;   /* default 2 */
  long max_body_bytes;      /* default 1 MiB; larger bodies are aborted */
  double drain_s;           /* bound on the wait for the upstream count to drain
                               between policies; default 30 */
};

/*
 * Checks the "live" object `live` (NULL: absent) of scenario file `file`
 * and fills *cfg, which the caller releases with
 * lsim_live_config_release() (also after a failure: it is then empty).
 * Returns 0, LSIM_ENOMEM, or LSIM_EINVAL with one line in err, e.g.
 *   "FILE: live.request.path: expected a string starting with /, got 3"
 *   "FILE: live.usage.colour: unknown key"
 *   "FILE: live: expected an object, got nothing"
 */
int lsim_live_config_parse(const cJSON *live, const char *file,
                           struct lsim_live_config *cfg, char *err,
                           size_t errlen);

/* Frees what *cfg owns and zeroes it. */
void lsim_live_config_release(struct lsim_live_config *cfg);

/*
 * Replaces cfg->base_url with `url` (the --base-url flag), checked like
 * live.base_url. Returns 0, LSIM_ENOMEM, or LSIM_EINVAL with
 * "--base-url: expected an http:// or https:// URL, got 'x'" in err.
 */
int lsim_live_config_set_base_url(struct lsim_live_config *cfg, const char *url,
                                  char *err, size_t errlen);

/*
 * The URL of `path_or_url` (a "/path" is appended to cfg->base_url, an
 * absolute URL is taken as is) in buf (len bytes). Returns 0, or
 * LSIM_EINVAL when it does not fit.
 */
int lsim_live_url(const struct lsim_live_config *cfg, const char *path_or_url,
                  char *buf, size_t len);

/*
 * Reads the provider's count out of a usage answer in FIELD mode: HTTP
 * `status`, `body` of `len` bytes (need not be NUL-terminated), the count
 * at dot path `field`. Returns 0 and sets *count, or LSIM_EINVAL with the
 * reason in err (no file name: "HTTP 503", "body is not JSON", "no field
 * concurrent_sessions", "concurrent_sessions: expected an integer from 0
 * to 1000000, got \"3\""). Every such answer counts as "unavailable".
 */
int lsim_live_usage_parse_body(long status, const char *body, size_t len,
                               const char *field, int *count, char *err,
                               size_t errlen);

/* As above for HEADER mode: `value` is the header's value (NULL: the
 * header was missing), `name` its name for messages. */
int lsim_live_usage_parse_header(long status, const char *value,
                                 const char *name, int *count, char *err,
                                 size_t errlen);

/* The largest count a usage answer may hold; anything above is taken for
 * a broken answer rather than a real count. */
#define LSIM_LIVE_USAGE_MAX 1000000

/* What a live run is told by the command line. */
struct lsim_live_options {
  int agents;        /* > 0: overrides workload.agents (closed) */
  double duration_s; /* > 0: overrides duration_s, per policy */
  bool insecure;     /* skip TLS verification */
  /* Progress and diagnostics, one line each, no newline; optional. Never
   * receives the API key. */
  void (*log)(void *user, const char *line);
  void *log_user;
};

/* What results.json cannot say about a live run. */
struct lsim_live_report {
  uint64_t errors;  /* requests that failed (transport, HTTP other
                       than 2xx and 429, body too large) */
  uint64_t samples; /* usage samples taken for upstream_mean */
  uint64_t sample_failures;
  double drain_s_max;    /* the longest wait between policies */
  char first_error[256]; /* the first request error, "" when none */
};

/*
 * Runs every policy of `set` (one point: a sweep is refused) for the
 * scenario's duration_s (or opt->duration_s) against the endpoint `cfg`,
 * one after the other, waiting between policies for the upstream count to
 * drain. On success returns 0 and sets *out (free it with
 * lsim_results_free()) with replications = 1, so each metric's interval is
 * the value itself. Returns LSIM_EINVAL with one line in err (a sweep,
 * duration_s not above warmup_s, an unset auth environment variable, a
 * policy plugin that does not load), LSIM_ENOMEM, or LSIM_ESTATE: the
 * endpoint cannot be reached at all (checked with one usage request
 * before anything else), or libcurl or the core failed while running.
 */
int lsim_live_run(const struct lsim_scenario_set *set,
                  const struct lsim_live_config *cfg,
                  const struct lsim_live_options *opt,
                  struct lsim_results **out, struct lsim_live_report *report,
                  char *err, size_t errlen);

/*
 * results.json for a live run: lsim_results_json() with a "live" object
 * added (mode, base URL, per-run report). Never holds the API key. The
 * caller frees the string with cJSON_free(); NULL when out of memory.
 */
char *lsim_live_results_json(const struct lsim_scenario_set *set,
                             const struct lsim_results *res,
                             const struct lsim_live_config *cfg,
                             const struct lsim_live_report *report,
                             const struct lsim_provenance *prov);

/*
 * Measures the endpoint's release lag `probes` times: with nothing else
 * in flight, one short request; after its response ends the usage count
 * is polled every `poll_interval_s` until it falls back to what it was
 * before. lags[i] (probes entries, the caller's) gets each lag in seconds.
 * Needs a usage source. Returns 0, LSIM_EINVAL (no usage source, an unset
 * auth variable, probes < 1), or LSIM_ESTATE with one line in err (the
 * endpoint cannot be reached, a request failed, or the count did not
 * fall within cfg->drain_s).
 */
int lsim_live_calibrate(const struct lsim_live_config *cfg,
                        const struct lsim_live_options *opt, int probes,
                        double poll_interval_s, double *lags, char *err,
                        size_t errlen);

#endif
