/*
 * cmd_mock.c - `limsim mock-provider`: serves a scenario's provider model
 * over HTTP until SIGINT or SIGTERM, then writes its metrics.
 */
#include "cli.h"

#include "mockserver.h"
#include "scenario.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define CMD "mock-provider"

/* File descriptors kept for everything but client connections. */
#define MOCK_FD_RESERVE 64

/* What the command line says; a negative number or NULL: not given. */
struct mock_args {
  const char *scenario;
  const char *bind;
  long port;
  long limit;
  double release_lag, session, start_delay, usage_latency;
  double error_rate, malformed_rate, stall_rate, stall_s;
  double stream_interval;
  const char *api_key_env;
  const char *metrics_out;
  struct lsim_strv sets;
};

static void mock_usage(FILE *out)
{
  fprintf(out,
          "usage: limsim mock-provider [SCENARIO.json] [--port P]\n"
          "         [--bind ADDR] [--limit N] [--release-lag SECONDS]\n"
          "         [--session SECONDS] [--start-delay SECONDS]\n"
          "         [--usage-latency SECONDS] [--usage-error-rate R]\n"
          "         [--usage-malformed-rate R] [--usage-stall-rate R]\n"
          "         [--usage-stall SECONDS] [--stream-interval SECONDS]\n"
          "         [--api-key-env NAME] [--set KEY.PATH=VALUE ...]\n"
          "         [--metrics-out FILE]\n"
          "\n"
          "Serves the provider model of SCENARIO.json (default: %s)\n"
          "over HTTP in real time: /v1/chat/completions, /v1/usage,\n"
          "/v1/models and /metrics. Port 0 picks a free port. Flags\n"
          "override the file. SIGINT or SIGTERM stops it and writes the\n"
          "metrics as JSON to FILE. docs/MOCK_PROVIDER.md tells more.\n",
          LSIM_DEFAULT_SCENARIO);
}

static int parse_number(const char *flag, const char *text, double max,
                        double *out)
{
  char *end;
  double v;

  errno = 0;
  v = strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v < 0 ||
      v > max) {
    lsim_cli_error(CMD, "%s: expected a number from 0 to %g, got '%s'", flag,
                   max, text);
    return -1;
  }
  *out = v;
  return 0;
}

/* The flags that take seconds or rates, by getopt code. */
static double *number_flag(struct mock_args *a, int opt, double *max)
{
  *max = 86400;
  switch (opt) {
  case 'R':
    return &a->release_lag;
  case 'T':
    return &a->session;
  case 'D':
    return &a->start_delay;
  case 'L':
    return &a->usage_latency;
  case 'S':
    return &a->stall_s;
  case 'I':
    return &a->stream_interval;
  }
  *max = 1;
  switch (opt) {
  case 'e':
    return &a->error_rate;
  case 'm':
    return &a->malformed_rate;
  case 's':
    return &a->stall_rate;
  }
  return NULL;
}

static int parse_mock_option(struct mock_args *a, int opt, const char *flag,
                             const char *arg)
{
  double max;
  double *number = number_flag(a, opt, &max);

  if (number != NULL)
    return parse_number(flag, arg, max, number);
  switch (opt) {
  case 'p':
    return lsim_cli_int(CMD, "--port", arg, 0, 65535, &a->port);
  case 'b':
    a->bind = arg;
    return 0;
  case 'n':
    return lsim_cli_int(CMD, "--limit", arg, 1, 1000000, &a->limit);
  case 'k':
    a->api_key_env = arg;
    return 0;
  case 'o':
    a->metrics_out = arg;
    return 0;
  case 'x':
    return lsim_strv_push(&a->sets, arg);
  default:
    return -1;
  }
}

static const struct option mock_options[] = {
    {"port", required_argument, NULL, 'p'},
    {"bind", required_argument, NULL, 'b'},
    {"limit", required_argument, NULL, 'n'},
    {"release-lag", required_argument, NULL, 'R'},
    {"session", required_argument, NULL, 'T'},
    {"start-delay", required_argument, NULL, 'D'},
    {"usage-latency", required_argument, NULL, 'L'},
    {"usage-error-rate", required_argument, NULL, 'e'},
    {"usage-malformed-rate", required_argument, NULL, 'm'},
    {"usage-stall-rate", required_argument, NULL, 's'},
    {"usage-stall", required_argument, NULL, 'S'},
    {"stream-interval", required_argument, NULL, 'I'},
    {"api-key-env", required_argument, NULL, 'k'},
    {"metrics-out", required_argument, NULL, 'o'},
    {"set", required_argument, NULL, 'x'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static const char *flag_name(int opt)
{
  for (size_t i = 0; mock_options[i].name != NULL; i++)
    if (mock_options[i].val == opt)
      return mock_options[i].name;
  return "?";
}

static int parse_mock_args(int argc, char **argv, struct mock_args *a)
{
  char flag[48];
  int opt;

  while ((opt = getopt_long(argc, argv, "h", mock_options, NULL)) != -1) {
    if (opt == 'h') {
      mock_usage(stdout);
      exit(LSIM_EXIT_OK);
    }
    snprintf(flag, sizeof(flag), "--%s", flag_name(opt));
    if (opt == '?' || parse_mock_option(a, opt, flag, optarg) != 0)
      return -1;
  }
  if (optind < argc)
    a->scenario = argv[optind++];
  if (optind < argc) {
    lsim_cli_error(CMD, "unexpected argument '%s'", argv[optind]);
    return -1;
  }
  return 0;
}

/* ---- the settings ---- */

static void set_constant(struct lsim_dist *d, double value)
{
  if (value < 0)
    return;
  memset(d, 0, sizeof(*d));
  d->kind = LSIM_DIST_CONSTANT;
  d->a = value;
}

static void set_number(double *field, double value)
{
  if (value >= 0)
    *field = value;
}

static void apply_flags(const struct mock_args *a, struct lsim_mock_config *c)
{
  if (a->bind != NULL)
    c->bind_addr = a->bind;
  c->port = (uint16_t)a->port;
  if (a->limit > 0)
    c->limit = (int)a->limit;
  set_constant(&c->release_lag, a->release_lag);
  if (a->release_lag >= 0) /* a 429 says: retry once the lag has passed */
    c->retry_after_s = a->release_lag < 1 ? 1 : (int)ceil(a->release_lag);
  set_constant(&c->session, a->session);
  set_constant(&c->start_delay, a->start_delay);
  set_constant(&c->usage_latency, a->usage_latency);
  set_number(&c->usage_error_rate, a->error_rate);
  set_number(&c->usage_malformed_rate, a->malformed_rate);
  set_number(&c->usage_stall_rate, a->stall_rate);
  set_number(&c->usage_stall_s, a->stall_s);
  set_number(&c->stream_interval_s, a->stream_interval);
}

/* --api-key-env NAME must name a set variable; without it the default
 * variable is used when set. The key itself is never printed. */
static int find_api_key(const struct mock_args *a, const char **key)
{
  const char *name = a->api_key_env ? a->api_key_env : LSIM_MOCK_API_KEY_ENV;
  const char *value = getenv(name);

  *key = value != NULL && value[0] != '\0' ? value : NULL;
  if (a->api_key_env != NULL && *key == NULL) {
    lsim_cli_error(CMD, "--api-key-env: %s is not set or empty", name);
    return -1;
  }
  return 0;
}

/* Thousands of streams need thousands of descriptors: take the hard
 * limit, and never accept more connections than the descriptors left. */
static unsigned raise_fd_limit(void)
{
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 1024 - MOCK_FD_RESERVE;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 10000 + MOCK_FD_RESERVE)
    return 10000;
  return rl.rlim_cur > 2 * MOCK_FD_RESERVE
             ? (unsigned)(rl.rlim_cur - MOCK_FD_RESERVE)
             : (unsigned)rl.rlim_cur / 2;
}

/* ---- running ---- */

static void log_line(void *user, const char *line)
{
  fprintf(stderr, "limsim %s: %s\n", CMD, line);
}

static int write_metrics(const char *path, const struct lsim_mock_metrics *m)
{
  char *json = lsim_mock_metrics_json(m);
  FILE *f = json ? fopen(path, "w") : NULL;
  int rc = f != NULL && fprintf(f, "%s\n", json) >= 0 ? 0 : -1;

  if (f != NULL && fclose(f) != 0)
    rc = -1;
  if (rc != 0)
    lsim_cli_error(CMD, "%s: cannot write metrics: %s", path,
                   json ? strerror(errno) : "out of memory");
  free(json);
  return rc;
}

static void announce(const struct lsim_mock_config *c, uint16_t port,
                     bool keyed)
{
  const char *addr = c->bind_addr ? c->bind_addr : "127.0.0.1";
  bool v6 = strchr(addr, ':') != NULL;

  printf("limsim mock-provider: listening on http://%s%s%s:%u\n", v6 ? "[" : "",
         addr, v6 ? "]" : "", (unsigned)port);
  printf("limit %d, overflow %s, session mean %.3g s, release lag mean "
         "%.3g s%s\n",
         c->limit, c->overflow == LSIM_OVERFLOW_REJECT ? "reject" : "admit",
         lsim_dist_mean(&c->session), lsim_dist_mean(&c->release_lag),
         keyed ? ", API key required" : "");
  fflush(stdout);
}

/* Blocks SIGINT and SIGTERM before any thread starts, so that every
 * thread inherits the mask and sigwait() here is the one to see them. */
static void block_stop_signals(sigset_t *set)
{
  sigemptyset(set);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, set, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static int serve(const struct mock_args *a, struct lsim_mock_config *c)
{
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  char err[512];
  sigset_t stop;
  int sig, rc;

  block_stop_signals(&stop);
  rc = lsim_mockserver_start(c, &srv, err, sizeof(err));
  if (rc != 0) {
    lsim_cli_error(CMD, "%s", err);
    return rc == LSIM_EINVAL ? LSIM_EXIT_USAGE : LSIM_EXIT_FAILURE;
  }
  announce(c, lsim_mockserver_port(srv), c->api_key != NULL);

  while (sigwait(&stop, &sig) != 0)
    ;
  fprintf(stderr, "limsim %s: %s, stopping\n", CMD,
          sig == SIGINT ? "SIGINT" : "SIGTERM");
  lsim_mockserver_metrics(srv, &m);
  lsim_mockserver_stop(srv);
  if (a->metrics_out != NULL && write_metrics(a->metrics_out, &m) != 0)
    return LSIM_EXIT_FAILURE;
  return LSIM_EXIT_OK;
}

static int configure(struct mock_args *a, const struct lsim_scenario_set *set,
                     struct lsim_mock_config *c)
{
  if (set->npoints > 1)
    fprintf(stderr,
            "limsim %s: %s sweeps %zu points; serving the first (--set "
            "the swept keys to choose another)\n",
            CMD, set->path, set->npoints);

  lsim_mock_config_init(c);
  lsim_mock_config_from_scenario(set->points[0].scenario, c);
  apply_flags(a, c);
  c->max_connections = raise_fd_limit();
  c->log = log_line;
  return find_api_key(a, &c->api_key);
}

int lsim_cmd_mock_provider(int argc, char **argv)
{
  struct mock_args a = {.scenario = LSIM_DEFAULT_SCENARIO,
                        .port = 8080,
                        .limit = -1,
                        .release_lag = -1,
                        .session = -1,
                        .start_delay = -1,
                        .usage_latency = -1,
                        .error_rate = -1,
                        .malformed_rate = -1,
                        .stall_rate = -1,
                        .stall_s = -1,
                        .stream_interval = -1};
  struct lsim_scenario_set *set = NULL;
  struct lsim_mock_config cfg;
  char err[1024];
  int rc = LSIM_EXIT_USAGE;

  if (parse_mock_args(argc, argv, &a) != 0)
    goto done;
  if (lsim_scenario_load(a.scenario, (const char *const *)a.sets.v, a.sets.n,
                         &set, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    goto done;
  }
  if (configure(&a, set, &cfg) == 0)
    rc = serve(&a, &cfg);
done:
  lsim_scenario_set_free(set);
  lsim_strv_release(&a.sets);
  return rc;
}
