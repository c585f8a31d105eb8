/*
 * mockserver.h - the mock provider as a real HTTP server.
 *
 * It serves the provider model of upstream.h in real time over HTTP
 * (libmicrohttpd), with an OpenAI-compatible surface, so that live mode,
 * curl or any OpenAI client can be run against a provider whose counter
 * lags the way the scenario says.
 *
 * THE MODEL IN REAL TIME
 *
 *   - POST /v1/chat/completions: the session reaches the counter
 *     start_delay after the request arrived. At or over the cap it is
 *     answered 429 (overflow "reject") or counted anyway ("admit").
 *     Otherwise it runs for a session length drawn from `session`: one
 *     chat.completion body at the end, or with "stream": true a chunk
 *     every stream_interval and "data: [DONE]" at the end. When the
 *     response has ended, or the client went away, the session leaves the
 *     counter a release lag later.
 *   - GET /v1/usage answers {"concurrent_sessions": n, "limit": N} after
 *     the usage latency, n read when the latency has passed. A poll fails
 *     with probability usage_error_rate (503), usage_malformed_rate (200
 *     with a broken JSON body) or usage_stall_rate (no answer before
 *     usage_stall seconds have passed, then 503).
 *   - GET /v1/models lists the one model, "limsim-mock".
 *   - GET /metrics: the counters below in Prometheus text format.
 *   - With an api_key, every /v1/ path needs "Authorization: Bearer KEY"
 *     (401 otherwise); /metrics stays open for scrapers.
 *
 * Random draws come from GSL streams seeded by lsim_rng_new(seed, 0,
 * "mock/<source>"), one per source, so one seed gives the same sequence of
 * session lengths, lags and faults whatever else happens.
 *
 * THREADS
 *
 * One libmicrohttpd polling thread (poll()) serves every connection; a
 * connection that waits (start delay, session, next chunk, usage latency)
 * is suspended, never blocked. One timer thread fires the model's events
 * and resumes connections. Both share one mutex. None of this reads or
 * changes process-wide state: raising the file descriptor limit for
 * thousands of connections is the program's business.
 *
 * ERRORS
 *
 * Functions return 0 or a negative enum lsim_error, with one line in err
 * (errlen bytes, NUL-terminated; err may be NULL). Nothing here prints.
 */
#ifndef LIMSIM_MOCKSERVER_H
#define LIMSIM_MOCKSERVER_H

#include "dist.h"
#include "limsim.h"
#include "upstream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lsim_scenario;

/* The model name /v1/models lists and completions answer with. */
#define LSIM_MOCK_MODEL "limsim-mock"

/* The environment variable an API key is read from by default. */
#define LSIM_MOCK_API_KEY_ENV "LIMSIM_MOCK_API_KEY"

struct lsim_mock_config {
  /* Where to listen. bind_addr is an IPv4 or IPv6 literal; port 0 picks
   * a free port (lsim_mockserver_port() tells which). */
  const char *bind_addr; /* default "127.0.0.1" */
  uint16_t port;         /* default 8080 */

  /* The provider model. The dists are copied at start; an empirical
   * one's samples are borrowed until then only. */
  int limit; /* the cap, >= 1 */
  enum lsim_overflow overflow;
  struct lsim_dist session;
  struct lsim_dist release_lag;
  struct lsim_dist start_delay;
  struct lsim_dist usage_latency;
  bool usage_enabled; /* false: /v1/usage answers 404 */

  /* Usage faults: probabilities, each in [0, 1], summing to <= 1. */
  double usage_error_rate;
  double usage_malformed_rate;
  double usage_stall_rate;
  double usage_stall_s; /* how long a stalled poll hangs, > 0 */

  /* Other clients of the account: sessions arriving as a Poisson process
   * at external_rate_per_s (0: none), lasting external_session. */
  double external_rate_per_s;
  struct lsim_dist external_session;

  uint64_t seed;
  double stream_interval_s; /* time between stream chunks, > 0 */
  int retry_after_s;        /* the Retry-After of a 429, >= 0 */

  /* Bearer token the /v1/ paths need, or NULL for none. Copied. */
  const char *api_key;

  /* Connections served at once (libmicrohttpd's connection limit). */
  unsigned max_connections; /* default 10000 */

  /* Diagnostics at run time (libmicrohttpd's complaints), one line each
   * without a newline; NULL drops them. Called from the server's
   * threads. */
  void (*log)(void *user, const char *line);
  void *log_user;
};

/* Fills `cfg` with defaults: 127.0.0.1:8080, limit 4, reject, constant
 * session 1 s, release lag 2 s, start delay 0, usage latency 0, usage on,
 * no faults, stall 30 s, no external load, seed 1, stream interval 0.25 s,
 * Retry-After 1, no key, 10000 connections, no log. */
void lsim_mock_config_init(struct lsim_mock_config *cfg);

/*
 * Fills `cfg` from scenario point `sc`: limiter.limit, provider.overflow,
 * release_lag, start_delay, usage.enabled, usage.latency, external_load,
 * workload.session (a trace workload's session lengths as an empirical
 * distribution), seed. provider.usage.failure_rate f is split evenly:
 * error, malformed and stall f/3 each. Retry-After is the mean release lag
 * rounded up, at least 1. Other fields keep what cfg held, so call
 * lsim_mock_config_init() first. The dists borrow sc's memory: sc must
 * outlive lsim_mockserver_start(). Returns 0.
 */
int lsim_mock_config_from_scenario(const struct lsim_scenario *sc,
                                   struct lsim_mock_config *cfg);

/* The counters of a running server. */
struct lsim_mock_metrics {
  int upstream_sessions; /* counted now */
  int upstream_sessions_max;
  int limit;
  uint64_t session_starts;   /* sessions that reached the counter */
  uint64_t overshoot_events; /* starts that found count >= limit */
  uint64_t rejected;         /* of those, answered 429 */
  uint64_t sessions_ended;   /* counted sessions whose lag has passed */
  uint64_t external_starts;  /* sessions of other clients */
  uint64_t req_usage, req_chat, req_models, req_metrics, req_other;
  uint64_t usage_ok, usage_error, usage_malformed, usage_stalled;
  uint64_t unauthorized; /* 401 answers */
  uint64_t bad_requests; /* 400 answers */
  uint64_t streams_active;
};

struct lsim_mockserver;

/*
 * Starts a server with `cfg` (read during the call only). Returns 0 and
 * sets *out, or:
 *   LSIM_EINVAL  a setting is out of range; err names the field and
 *                what was expected, e.g. "limit: expected an integer >= 1,
 *                got 0", or bind_addr is not an address literal
 *   LSIM_ENOMEM  an allocation or a thread could not be made
 *   LSIM_ESTATE  libmicrohttpd could not start (err gives its reason,
 *                e.g. the port is in use)
 */
int lsim_mockserver_start(const struct lsim_mock_config *cfg,
                          struct lsim_mockserver **out, char *err,
                          size_t errlen);

/* The port the server listens on (the one picked when cfg->port was 0).
 */
uint16_t lsim_mockserver_port(const struct lsim_mockserver *srv);

/* A snapshot of the counters, consistent with itself. */
void lsim_mockserver_metrics(struct lsim_mockserver *srv,
                             struct lsim_mock_metrics *m);

/*
 * Blocks until the upstream count equals `count` or `timeout` nanoseconds
 * pass: for tests and for drivers that wait for a quiet provider. Returns
 * 0 or LSIM_ETIMEDOUT.
 */
int lsim_mockserver_wait_count(struct lsim_mockserver *srv, int count,
                               lsim_time timeout);

/*
 * Stops the server: connections still waiting are closed, pending
 * release lags are dropped (the counter stays as it was), and all memory
 * is freed. NULL is fine.
 */
void lsim_mockserver_stop(struct lsim_mockserver *srv);

/*
 * The counters as Prometheus text, or as a JSON object (indented). The
 * caller frees the string with free(). NULL when out of memory.
 */
char *lsim_mock_metrics_text(const struct lsim_mock_metrics *m);
char *lsim_mock_metrics_json(const struct lsim_mock_metrics *m);

#endif
