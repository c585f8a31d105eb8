/*
 * cmd_calibrate.c - `limsim calibrate`: measures the live endpoint's
 * release lag and prints a release_lag block ready to paste into a
 * scenario's provider section.
 */
#include "cli.h"

#include "live.h"
#include "scenario.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A lag whose sd is below this share of its mean is reported as a
 * constant: the probes' own timing error (a poll interval) is about
 * that size. */
#define CONSTANT_SD_SHARE 0.05

struct calibrate_args {
  const char *scenario;
  const char *base_url;
  struct lsim_strv sets;
  long probes;
  double interval_s;
  bool insecure;
};

static void calibrate_usage(FILE *out)
{
  fprintf(out,
          "usage: limsim calibrate [SCENARIO.json] [--probes K]\n"
          "                        [--interval S] [--base-url URL]\n"
          "                        [--set KEY.PATH=VALUE ...] [--insecure]\n"
          "\n"
          "Measures the release lag of the endpoint in SCENARIO.json's\n"
          "\"live\" block (default: %s): K times (default 5),\n"
          "one request with nothing else in flight, then the usage count\n"
          "polled every S seconds (default 0.01) until it falls back.\n"
          "Prints the mean, the sd and a release_lag block to paste.\n",
          LSIM_LIVE_DEFAULT_SCENARIO);
}

static int parse_interval(struct calibrate_args *a, const char *arg)
{
  char *end;
  double v = strtod(arg, &end);

  if (end == arg || *end != '\0' || !isfinite(v) || v <= 0 || v > 10) {
    lsim_cli_error("calibrate",
                   "--interval: expected a number of seconds "
                   "> 0 and <= 10, got '%s'",
                   arg);
    return -1;
  }
  a->interval_s = v;
  return 0;
}

static int parse_calibrate_option(struct calibrate_args *a, int opt,
                                  const char *arg)
{
  switch (opt) {
  case 'k':
    a->insecure = true;
    return 0;
  case 'b':
    a->base_url = arg;
    return 0;
  case 'K':
    return lsim_cli_int("calibrate", "--probes", arg, 1, 1000, &a->probes);
  case 'i':
    return parse_interval(a, arg);
  case 'S':
    return lsim_strv_push(&a->sets, arg);
  default:
    return -1;
  }
}

static int parse_calibrate_args(int argc, char **argv, struct calibrate_args *a)
{
  static const struct option options[] = {
      {"probes", required_argument, NULL, 'K'},
      {"interval", required_argument, NULL, 'i'},
      {"base-url", required_argument, NULL, 'b'},
      {"set", required_argument, NULL, 'S'},
      {"insecure", no_argument, NULL, 'k'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;

  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
    if (opt == 'h') {
      calibrate_usage(stdout);
      exit(LSIM_EXIT_OK);
    }
    if (opt == '?' || parse_calibrate_option(a, opt, optarg) != 0)
      return -1;
  }
  if (optind < argc)
    a->scenario = argv[optind++];
  if (optind < argc) {
    lsim_cli_error("calibrate", "unexpected argument '%s'", argv[optind]);
    return -1;
  }
  return 0;
}

/* ---- the figures ---- */

static void mean_sd(const double *x, int n, double *mean, double *sd)
{
  double sum = 0, sq = 0;

  for (int i = 0; i < n; i++)
    sum += x[i];
  *mean = sum / n;
  for (int i = 0; i < n; i++)
    sq += (x[i] - *mean) * (x[i] - *mean);
  *sd = n > 1 ? sqrt(sq / (n - 1)) : 0;
}

static void print_lags(const double *lags, int n)
{
  double mean, sd;

  mean_sd(lags, n, &mean, &sd);
  printf("release lag over %d probe%s: mean %.3f s, sd %.3f s\n", n,
         n == 1 ? "" : "s", mean, sd);
  printf("paste into \"provider\":\n");
  if (sd <= CONSTANT_SD_SHARE * mean)
    printf("\"release_lag\": {\"dist\": \"constant\", \"value\": %.3f}\n",
           mean);
  else
    printf("\"release_lag\": {\"dist\": \"lognormal\", \"mean\": %.3f, "
           "\"sd\": %.3f}\n",
           mean, sd);
}

static void log_to_stderr(void *user, const char *line)
{
  fprintf(stderr, "limsim calibrate: %s\n", line);
}

static int calibrate(const struct calibrate_args *a,
                     const struct lsim_live_config *cfg)
{
  struct lsim_live_options opt = {.insecure = a->insecure,
                                  .log = log_to_stderr};
  double *lags = calloc((size_t)a->probes, sizeof(double));
  char err[1024];
  int rc;

  if (lags == NULL) {
    lsim_cli_error("calibrate", "out of memory");
    return LSIM_EXIT_FAILURE;
  }
  rc = lsim_live_calibrate(cfg, &opt, (int)a->probes, a->interval_s, lags, err,
                           sizeof(err));
  if (rc == 0)
    print_lags(lags, (int)a->probes);
  else if (rc == LSIM_EINVAL)
    fprintf(stderr, "%s\n", err);
  else
    lsim_cli_error("calibrate", "%s", err);
  free(lags);
  if (rc == 0)
    return LSIM_EXIT_OK;
  return rc == LSIM_EINVAL ? LSIM_EXIT_USAGE : LSIM_EXIT_FAILURE;
}

int lsim_cmd_calibrate(int argc, char **argv)
{
  struct calibrate_args a = {
      .scenario = LSIM_LIVE_DEFAULT_SCENARIO, .probes = 5, .interval_s = 0.01};
  struct lsim_scenario_set *set = NULL;
  struct lsim_live_config cfg = {0};
  int rc = LSIM_EXIT_USAGE;

  if (parse_calibrate_args(argc, argv, &a) == 0 &&
      lsim_cli_load_live("calibrate", a.scenario, &a.sets, a.base_url, &set,
                         &cfg) == 0)
    rc = calibrate(&a, &cfg);
  lsim_live_config_release(&cfg);
  lsim_scenario_set_free(set);
  lsim_strv_release(&a.sets);
  return rc;
}
