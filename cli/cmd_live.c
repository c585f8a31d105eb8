/*
 * cmd_live.c - `limsim live`: runs a scenario's limiter and workload with
 * the real clock against the endpoint of its "live" block, one policy
 * after the other, and writes the same files as `limsim run`.
 */
#include "cli.h"

#include "live.h"
#include "output.h"
#include "scenario.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct live_args {
  const char *scenario;
  const char *out;
  const char *base_url;
  const char *format;
  struct lsim_strv sets;
  struct lsim_strv policies;
  bool insecure;
  bool plots;
};

static void live_usage(FILE *out)
{
  fprintf(out,
          "usage: limsim live [SCENARIO.json] [--base-url URL] [--agents A]\n"
          "                   [--duration S] [--policy NAME ...]\n"
          "                   [--set KEY.PATH=VALUE ...] [--out DIR]\n"
          "                   [--format table|json] [--no-plots] "
          "[--insecure]\n"
          "\n"
          "Runs each policy of SCENARIO.json (default: %s) for\n"
          "duration_s seconds of real time against the endpoint of its\n"
          "\"live\" block, and writes DIR/results.json, summary.csv,\n"
          "timeline.csv, wait_cdf.csv and the plots (DIR defaults to\n"
          "results/NAME-live). The API key comes from the environment\n"
          "variable named in live.auth.env. docs/LIVE.md tells more.\n",
          LSIM_LIVE_DEFAULT_SCENARIO);
}

/* --duration is a --set of duration_s, checked as a number first so the
 * message names the flag. */
static int duration_to_set(struct live_args *a, const char *arg)
{
  char *end;
  double v = strtod(arg, &end);

  if (end == arg || *end != '\0' || !isfinite(v) || v <= 0) {
    lsim_cli_error("live",
                   "--duration: expected a number of seconds > 0, "
                   "got '%s'",
                   arg);
    return -1;
  }
  return lsim_cli_push_set(&a->sets, "duration_s", arg);
}

static int parse_live_option(struct live_args *a, int opt, const char *arg)
{
  long ignored;

  switch (opt) {
  case 'o':
    a->out = arg;
    return 0;
  case 'b':
    a->base_url = arg;
    return 0;
  case 'a':
    return lsim_cli_int("live", "--agents", arg, 1, 100000, &ignored) ||
           lsim_cli_push_set(&a->sets, "workload.agents", arg);
  case 'd':
    return duration_to_set(a, arg);
  case 'S':
    return lsim_strv_push(&a->sets, arg);
  case 'p':
    return lsim_strv_push(&a->policies, arg);
  case 'f':
    if (strcmp(arg, "table") != 0 && strcmp(arg, "json") != 0) {
      lsim_cli_error("live", "--format: expected table or json, got '%s'", arg);
      return -1;
    }
    a->format = arg;
    return 0;
  case 'k':
    a->insecure = true;
    return 0;
  case 'n':
    a->plots = false;
    return 0;
  default:
    return -1;
  }
}

static int parse_live_args(int argc, char **argv, struct live_args *a)
{
  static const struct option options[] = {
      {"out", required_argument, NULL, 'o'},
      {"base-url", required_argument, NULL, 'b'},
      {"agents", required_argument, NULL, 'a'},
      {"duration", required_argument, NULL, 'd'},
      {"set", required_argument, NULL, 'S'},
      {"policy", required_argument, NULL, 'p'},
      {"format", required_argument, NULL, 'f'},
      {"insecure", no_argument, NULL, 'k'},
      {"no-plots", no_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;

  while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
    if (opt == 'h') {
      live_usage(stdout);
      exit(LSIM_EXIT_OK);
    }
    if (opt == '?' || parse_live_option(a, opt, optarg) != 0)
      return -1;
  }
  if (optind < argc)
    a->scenario = argv[optind++];
  if (optind < argc) {
    lsim_cli_error("live", "unexpected argument '%s'", argv[optind]);
    return -1;
  }
  if (a->policies.n > 0 && lsim_cli_push_policies(&a->sets, &a->policies) != 0)
    return -1;
  return 0;
}

/* ---- the command ---- */

static void log_to_stderr(void *user, const char *line)
{
  fprintf(stderr, "limsim live: %s\n", line);
}

static void print_report(const struct lsim_live_report *rep, const char *out)
{
  printf("\nlive: %llu request errors, %llu usage samples (%llu failed), "
         "longest drain %.2f s\n",
         (unsigned long long)rep->errors, (unsigned long long)rep->samples,
         (unsigned long long)rep->sample_failures, rep->drain_s_max);
  if (rep->first_error[0] != '\0')
    printf("first error: %s\n", rep->first_error);
  printf("one run per policy: each interval is the measured value\n");
  printf("results in %s/\n", out);
}

static int write_results(struct live_args *a,
                         const struct lsim_scenario_set *set,
                         const struct lsim_live_config *cfg,
                         const struct lsim_results *res,
                         const struct lsim_live_report *rep, int argc,
                         char **argv)
{
  struct lsim_provenance prov = {LIMSIM_VERSION, LIMSIM_GIT_COMMIT, argc, argv};
  char *json = lsim_live_results_json(set, res, cfg, rep, &prov);
  char err[512];
  int rc;

  rc = json ? lsim_results_write(a->out, json, set, res, err, sizeof(err)) : -1;
  if (rc != 0) {
    lsim_cli_error("live", "%s", json ? err : "out of memory");
  } else if (strcmp(a->format, "json") == 0) {
    printf("%s\n", json);
  } else {
    lsim_results_print_table(stdout, set, res);
    print_report(rep, a->out);
  }
  cJSON_free(json);
  if (rc != 0)
    return LSIM_EXIT_FAILURE;
  return a->plots ? lsim_render_plots(a->out) : LSIM_EXIT_OK;
}

static int run_live(struct live_args *a, const struct lsim_scenario_set *set,
                    const struct lsim_live_config *cfg, int argc, char **argv)
{
  struct lsim_live_options opt = {.insecure = a->insecure,
                                  .log = log_to_stderr};
  struct lsim_live_report rep;
  struct lsim_results *res = NULL;
  char err[1024];
  int rc;

  if (a->insecure)
    lsim_cli_error("live", "--insecure: TLS certificates are not checked");
  rc = lsim_live_run(set, cfg, &opt, &res, &rep, err, sizeof(err));
  if (rc != 0) {
    fprintf(stderr, "%s%s\n", rc == LSIM_EINVAL ? "" : "limsim live: ", err);
    return rc == LSIM_EINVAL ? LSIM_EXIT_USAGE : LSIM_EXIT_FAILURE;
  }
  rc = write_results(a, set, cfg, res, &rep, argc, argv);
  lsim_results_free(res);
  return rc;
}

/* Loads the scenario and its live block; one line on stderr when either
 * is wrong. Shared with `limsim calibrate`. */
int lsim_cli_load_live(const char *cmd, const char *scenario,
                       const struct lsim_strv *sets, const char *base_url,
                       struct lsim_scenario_set **set,
                       struct lsim_live_config *cfg)
{
  char err[1024];

  memset(cfg, 0, sizeof(*cfg));
  if (lsim_scenario_load(scenario, (const char *const *)sets->v, sets->n, set,
                         err, sizeof(err)) != 0 ||
      lsim_live_config_parse((*set)->points[0].scenario->live, (*set)->path,
                             cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  if (base_url != NULL &&
      lsim_live_config_set_base_url(cfg, base_url, err, sizeof(err)) != 0) {
    lsim_cli_error(cmd, "%s", err);
    return -1;
  }
  return 0;
}

int lsim_cmd_live(int argc, char **argv)
{
  struct live_args a = {
      .scenario = LSIM_LIVE_DEFAULT_SCENARIO, .format = "table", .plots = true};
  struct lsim_scenario_set *set = NULL;
  struct lsim_live_config cfg = {0};
  char *out = NULL;
  int rc = LSIM_EXIT_USAGE;

  if (parse_live_args(argc, argv, &a) != 0 ||
      lsim_cli_load_live("live", a.scenario, &a.sets, a.base_url, &set, &cfg) !=
          0)
    goto done;
  if (a.out == NULL)
    a.out = out = lsim_cli_default_out(a.scenario, "-live");
  rc = a.out ? run_live(&a, set, &cfg, argc + 1, argv - 1) : LSIM_EXIT_FAILURE;
done:
  lsim_live_config_release(&cfg);
  lsim_scenario_set_free(set);
  lsim_strv_release(&a.sets);
  lsim_strv_release(&a.policies);
  free(out);
  return rc;
}
