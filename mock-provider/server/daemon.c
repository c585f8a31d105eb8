/*
 * daemon.c - the mock server's start and stop.
 *
 * libmicrohttpd runs one internal polling thread over poll() with suspend
 * and resume allowed. Thread per connection would need a thread for each
 * of thousands of streams and still a timer for the release lags; one
 * polling thread with suspended connections holds them for the price of a
 * socket and a request struct each (8000 streams measured).
 *
 * Why poll() and not epoll: with libmicrohttpd 0.9.75's epoll loop, exactly
 * 128 or 256 keep-alive clients (its event batch) stall: requests sit
 * unread until they time out (found by bench/usage_load; the test suite
 * now runs 128 clients). poll() serves 128 and 256 at the same rate.
 */
#include "mock_internal.h"

#include "rng.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Pending connections the kernel may queue: a burst of clients connecting
 * at once must not wait for SYN retries (the kernel caps it at somaxconn).
 */
#define MOCK_LISTEN_BACKLOG 4096

/* Seconds an idle keep-alive connection is kept (suspended ones never
 * time out). */
#define MOCK_IDLE_TIMEOUT_S 120

/* The stable names of the random streams, "mock/<source>". */
static const char *const rng_names[MOCK_RNG_COUNT] = {
    [MOCK_RNG_SESSION] = "mock/session",
    [MOCK_RNG_RELEASE_LAG] = "mock/release_lag",
    [MOCK_RNG_START_DELAY] = "mock/start_delay",
    [MOCK_RNG_USAGE_LATENCY] = "mock/usage_latency",
    [MOCK_RNG_USAGE_FAULT] = "mock/usage_fault",
    [MOCK_RNG_EXTERNAL_ARRIVAL] = "mock/external_arrival",
    [MOCK_RNG_EXTERNAL_SESSION] = "mock/external_session",
};

static void set_err(char *err, size_t errlen, const char *msg)
{
  if (err != NULL)
    snprintf(err, errlen, "%s", msg);
}

/* ---- owning a copy of the settings ---- */

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

/* An empirical dist's samples are borrowed in the config: the server
 * keeps its own, sorted as lsim_dist wants them. */
static int own_dist(struct lsim_dist *d)
{
  char why[160];
  double *copy;

  if (d->kind != LSIM_DIST_EMPIRICAL) {
    d->samples = NULL;
    d->nsamples = 0;
    return lsim_dist_prepare(d, why, sizeof(why));
  }

  copy = malloc(d->nsamples * sizeof(*copy));
  if (copy == NULL) {
    d->samples = NULL;
    return LSIM_ENOMEM;
  }
  memcpy(copy, d->samples, d->nsamples * sizeof(*copy));
  qsort(copy, d->nsamples, sizeof(*copy), compare_double);
  d->samples = copy;
  return 0;
}

#define MOCK_NDISTS 5

static void config_dists(struct lsim_mock_config *c,
                         struct lsim_dist *dists[MOCK_NDISTS])
{
  dists[0] = &c->session;
  dists[1] = &c->release_lag;
  dists[2] = &c->start_delay;
  dists[3] = &c->usage_latency;
  dists[4] = &c->external_session;
}

/* Copies cfg; on failure whatever was copied is left for server_free(). */
static int own_config(struct lsim_mockserver *srv,
                      const struct lsim_mock_config *cfg)
{
  struct lsim_dist *dists[MOCK_NDISTS];
  int rc = 0;

  srv->cfg = *cfg;
  srv->cfg.bind_addr = NULL; /* read once, by start_daemon() */
  config_dists(&srv->cfg, dists);
  for (size_t i = 0; i < MOCK_NDISTS; i++) {
    if (rc == 0)
      rc = own_dist(dists[i]);
    else
      dists[i]->samples = NULL; /* borrowed: never freed by the server */
  }
  srv->api_key = cfg->api_key ? strdup(cfg->api_key) : NULL;
  srv->cfg.api_key = srv->api_key;
  if (cfg->api_key != NULL && srv->api_key == NULL)
    rc = LSIM_ENOMEM;
  return rc;
}

/* ---- the server's parts ---- */

static int init_sync(struct lsim_mockserver *srv)
{
  pthread_condattr_t attr;
  int rc;

  if (pthread_condattr_init(&attr) != 0)
    return LSIM_ENOMEM;

  /* Deadlines are CLOCK_MONOTONIC times, like every lsim_time here. */
  rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (rc == 0)
    rc = pthread_cond_init(&srv->timer_cond, &attr);
  if (rc == 0 && pthread_cond_init(&srv->count_cond, &attr) != 0) {
    pthread_cond_destroy(&srv->timer_cond);
    rc = -1;
  }
  if (rc == 0 && pthread_mutex_init(&srv->lock, NULL) != 0) {
    pthread_cond_destroy(&srv->timer_cond);
    pthread_cond_destroy(&srv->count_cond);
    rc = -1;
  }
  pthread_condattr_destroy(&attr);
  srv->sync_ready = rc == 0;
  return rc == 0 ? 0 : LSIM_ENOMEM;
}

static int init_rngs(struct lsim_mockserver *srv)
{
  for (size_t i = 0; i < MOCK_RNG_COUNT; i++) {
    srv->rng[i] = lsim_rng_new(srv->cfg.seed, 0, rng_names[i]);
    if (srv->rng[i] == NULL)
      return LSIM_ENOMEM;
  }
  return 0;
}

static void server_free(struct lsim_mockserver *srv)
{
  struct lsim_dist *dists[MOCK_NDISTS];

  config_dists(&srv->cfg, dists);
  for (size_t i = 0; i < MOCK_NDISTS; i++)
    lsim_dist_release(dists[i]);
  for (size_t i = 0; i < MOCK_RNG_COUNT; i++)
    if (srv->rng[i] != NULL)
      gsl_rng_free(srv->rng[i]);
  lsim_eventq_release(&srv->timers);
  if (srv->sync_ready) {
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->timer_cond);
    pthread_cond_destroy(&srv->count_cond);
  }
  free(srv->resume);
  free(srv->api_key);
  free(srv);
}

static int server_new(const struct lsim_mock_config *cfg,
                      struct lsim_mockserver **out)
{
  struct lsim_mockserver *srv = calloc(1, sizeof(*srv));
  lsim_time now = lsim_mock_now();
  int rc;

  if (srv == NULL)
    return LSIM_ENOMEM;

  rc = own_config(srv, cfg);
  if (rc == 0)
    rc = init_sync(srv);
  if (rc == 0)
    rc = init_rngs(srv);
  if (rc == 0)
    rc = lsim_eventq_init(&srv->timers, 1024);
  if (rc != 0) {
    server_free(srv);
    return rc;
  }

  lsim_upstream_init(&srv->up, cfg->limit, cfg->overflow, now);
  lsim_upstream_measure_from(&srv->up, now);
  atomic_init(&srv->log_live, false);
  *out = srv;
  return 0;
}

/* ---- the daemon ---- */

struct mock_addr {
  struct sockaddr_storage ss;
  bool v6;
};

static int parse_bind(const char *text, uint16_t port, struct mock_addr *a,
                      char *err, size_t errlen)
{
  struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

  memset(a, 0, sizeof(*a));
  if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    return 0;
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    a->v6 = true;
    return 0;
  }
  if (err != NULL)
    snprintf(err, errlen,
             "bind_addr: expected an IPv4 or IPv6 address, got '%s'", text);
  return LSIM_EINVAL;
}

static struct MHD_Daemon *start_mhd(struct lsim_mockserver *srv,
                                    const struct mock_addr *a, uint16_t port)
{
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                   MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

  if (a->v6)
    flags |= MHD_USE_IPv6;
  return MHD_start_daemon(
      flags, port, NULL, NULL, lsim_mock_on_request, srv, MHD_OPTION_SOCK_ADDR,
      (const struct sockaddr *)&a->ss, MHD_OPTION_NOTIFY_COMPLETED,
      lsim_mock_on_completed, srv, MHD_OPTION_EXTERNAL_LOGGER, lsim_mock_on_log,
      srv, MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_connections,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)MOCK_LISTEN_BACKLOG,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)MOCK_IDLE_TIMEOUT_S,
      MHD_OPTION_END);
}

static int start_daemon(struct lsim_mockserver *srv, const char *bind_addr,
                        uint16_t port, char *err, size_t errlen)
{
  const union MHD_DaemonInfo *info;
  struct mock_addr a;
  int rc = parse_bind(bind_addr, port, &a, err, errlen);

  if (rc != 0)
    return rc;

  srv->daemon = start_mhd(srv, &a, port);
  if (srv->daemon == NULL) {
    if (err != NULL)
      snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s", a.v6 ? "[" : "",
               bind_addr, a.v6 ? "]" : "", (unsigned)port,
               srv->mhd_error[0] ? srv->mhd_error
                                 : "libmicrohttpd could not start");
    return LSIM_ESTATE;
  }

  info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
  srv->port = info != NULL && info->port != 0 ? info->port : port;
  return 0;
}

int lsim_mockserver_start(const struct lsim_mock_config *cfg,
                          struct lsim_mockserver **out, char *err,
                          size_t errlen)
{
  const char *bind_addr = cfg->bind_addr ? cfg->bind_addr : "127.0.0.1";
  struct lsim_mockserver *srv;
  int rc = lsim_mock_config_check(cfg, err, errlen);

  if (rc != 0)
    return rc;
  rc = server_new(cfg, &srv);
  if (rc != 0) {
    set_err(err, errlen, "out of memory");
    return rc;
  }

  rc = lsim_mock_timer_start(srv);
  if (rc != 0)
    set_err(err, errlen, "cannot start the timer thread");
  if (rc == 0)
    rc = start_daemon(srv, bind_addr, cfg->port, err, errlen);
  if (rc != 0) {
    lsim_mockserver_stop(srv);
    return rc;
  }

  atomic_store(&srv->log_live, true);
  *out = srv;
  return 0;
}

uint16_t lsim_mockserver_port(const struct lsim_mockserver *srv)
{
  return srv->port;
}

/* Every suspended connection has exactly one event pending, naming it:
 * resume them all, so that libmicrohttpd can close them (it must not be
 * stopped with a connection suspended). The handlers see `stopping` and
 * suspend nothing new. */
static void resume_all(struct lsim_mockserver *srv)
{
  pthread_mutex_lock(&srv->lock);
  for (size_t i = 0; i < srv->timers.len; i++) {
    struct mock_req *req =
        (struct mock_req *)(uintptr_t)srv->timers.heap[i].data;

    if (req != NULL && req->suspended)
      lsim_mock_wake(srv, req);
  }
  lsim_mock_resume_pending(srv);
  pthread_mutex_unlock(&srv->lock);
}

void lsim_mockserver_stop(struct lsim_mockserver *srv)
{
  if (srv == NULL)
    return;

  lsim_mock_timer_stop(srv);
  if (srv->daemon != NULL) {
    resume_all(srv);
    MHD_stop_daemon(srv->daemon);
  }
  server_free(srv);
}

void lsim_mockserver_metrics(struct lsim_mockserver *srv,
                             struct lsim_mock_metrics *m)
{
  pthread_mutex_lock(&srv->lock);
  lsim_mock_metrics_fill(srv, m);
  pthread_mutex_unlock(&srv->lock);
}

int lsim_mockserver_wait_count(struct lsim_mockserver *srv, int count,
                               lsim_time timeout)
{
  lsim_time deadline = lsim_mock_now() + timeout;
  struct timespec until = {.tv_sec = (time_t)(deadline / LSIM_NS_PER_S),
                           .tv_nsec = (long)(deadline % LSIM_NS_PER_S)};
  int rc = 0;

  pthread_mutex_lock(&srv->lock);
  while (srv->up.count != count && rc == 0)
    rc = pthread_cond_timedwait(&srv->count_cond, &srv->lock, &until);
  rc = srv->up.count == count ? 0 : LSIM_ETIMEDOUT;
  pthread_mutex_unlock(&srv->lock);
  return rc;
}
