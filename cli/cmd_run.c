/*
 * cmd_run.c - `limsim run`: simulates a scenario file, prints the policies
 * side by side and writes results.json, the CSVs and the plots.
 */
#include "cli.h"

#include "expect.h"
#include "output.h"
#include "runner.h"
#include "scenario.h"
#include "shard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct run_args {
  const char *scenario;
  const char *out;
  const char *format; /* "table" or "json" */
  struct lsim_strv sets;
  struct lsim_strv policies;
  long jobs;
  int shard, nshards; /* --shard K/N; nshards 0: not sharded */
  bool plots;
};

static void run_usage(FILE *out)
{
  fprintf(out,
          "usage: limsim run [SCENARIO.json] [--out DIR] [--seed N]\n"
          "                  [--replications R] [--set KEY.PATH=VALUE ...]\n"
          "                  [--policy NAME ...] [-j N]\n"
          "                  [--format table|json] [--no-plots]\n"
          "                  [--shard K/N]\n"
          "\n"
          "Simulates SCENARIO.json (default: %s) and writes\n"
          "DIR/results.json, summary.csv, timeline.csv, wait_cdf.csv,\n"
          "plots/ and report.html (DIR defaults to results/NAME).\n"
          "With --shard K/N it runs only the K-th of N shares of the\n"
          "work and writes DIR/shard.json; 'limsim merge' joins them.\n",
          LSIM_DEFAULT_SCENARIO);
}

static int check_int_flag(const char *flag, const char *value, long max)
{
  long ignored;

  return lsim_cli_int("run", flag, value, 0, max, &ignored);
}

/* K/N with 1 <= K <= N <= 100000. */
static int parse_shard(struct run_args *a, const char *arg)
{
  int k, n, used = 0;

  if (sscanf(arg, "%d/%d%n", &k, &n, &used) != 2 || arg[used] != '\0' ||
      n < 1 || n > 100000 || k < 1 || k > n) {
    lsim_cli_error("run", "--shard: expected K/N with 1 <= K <= N, got '%s'",
                   arg);
    return -1;
  }
  a->shard = k;
  a->nshards = n;
  return 0;
}

static int parse_run_option(struct run_args *a, int opt, const char *arg)
{
  switch (opt) {
  case 'o':
    a->out = arg;
    return 0;
  case 's':
    return check_int_flag("--seed", arg, 4294967295L) ||
           lsim_cli_push_set(&a->sets, "seed", arg);
  case 'r':
    return check_int_flag("--replications", arg, 10000) ||
           lsim_cli_push_set(&a->sets, "replications", arg);
  case 'S':
    return lsim_strv_push(&a->sets, arg);
  case 'p':
    return lsim_strv_push(&a->policies, arg);
  case 'j':
    return lsim_cli_int("run", "-j", arg, 1, 256, &a->jobs);
  case 'f':
    if (strcmp(arg, "table") != 0 && strcmp(arg, "json") != 0) {
      lsim_cli_error("run", "--format: expected table or json, got '%s'", arg);
      return -1;
    }
    a->format = arg;
    return 0;
  case 'n':
    a->plots = false;
    return 0;
  case 'k':
    return parse_shard(a, arg);
  default:
    return -1;
  }
}

static int parse_run_args(int argc, char **argv, struct run_args *a)
{
  static const struct option options[] = {
      {"out", required_argument, NULL, 'o'},
      {"seed", required_argument, NULL, 's'},
      {"replications", required_argument, NULL, 'r'},
      {"set", required_argument, NULL, 'S'},
      {"policy", required_argument, NULL, 'p'},
      {"format", required_argument, NULL, 'f'},
      {"no-plots", no_argument, NULL, 'n'},
      {"shard", required_argument, NULL, 'k'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;

  while ((opt = getopt_long(argc, argv, "o:j:h", options, NULL)) != -1) {
    if (opt == 'h') {
      run_usage(stdout);
      exit(LSIM_EXIT_OK);
    }
    if (opt == '?' || parse_run_option(a, opt, optarg) != 0)
      return -1;
  }
  if (optind < argc)
    a->scenario = argv[optind++];
  if (optind < argc) {
    lsim_cli_error("run", "unexpected argument '%s'", argv[optind]);
    return -1;
  }
  if (a->policies.n > 0 && lsim_cli_push_policies(&a->sets, &a->policies) != 0)
    return -1;
  return 0;
}

/* ---- progress on a terminal ---- */

struct progress {
  double start;
};

static void show_progress(void *user, size_t done, size_t total)
{
  struct progress *p = user;
  double elapsed = lsim_cli_monotonic_s() - p->start;
  double rate = elapsed > 0 ? (double)done / elapsed : 0;
  double eta = rate > 0 ? (double)(total - done) / rate : 0;
  int width = 30, filled = (int)((double)width * (double)done / (double)total);

  fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs, %.1f runs/s, ETA %.0f s ", filled,
          "##############################", width - filled, "", done, total,
          rate, eta);
  if (done == total)
    fputc('\n', stderr);
}

/* ---- the command ---- */

/* Whether the command line chose the policies (--policy, or a --set of
 * limiter.policies): then expectations about other policies are left
 * out. */
static bool policies_narrowed(const struct run_args *a)
{
  for (size_t i = 0; i < a->sets.n; i++)
    if (strncmp(a->sets.v[i], "limiter.policies=", 17) == 0)
      return true;
  return false;
}

static int write_shard(struct run_args *a, const struct lsim_scenario_set *set,
                       const struct lsim_results *res,
                       const struct lsim_provenance *prov)
{
  char *json = lsim_shard_json(set, res, prov, a->shard, a->nshards);
  char err[512] = "out of memory";
  int rc = json ? lsim_output_write_file(a->out, "shard.json", json, err,
                                         sizeof(err))
                : -1;

  cJSON_free(json);
  if (rc != 0) {
    lsim_cli_error("run", "%s", err);
    return LSIM_EXIT_FAILURE;
  }
  printf("shard %d/%d written to %s/shard.json\n", a->shard, a->nshards,
         a->out);
  return LSIM_EXIT_OK;
}

static int simulate(struct run_args *a, const struct lsim_scenario_set *set,
                    int argc, char **argv)
{
  struct progress prog = {lsim_cli_monotonic_s()};
  struct lsim_run_options opt = {.jobs = (int)a->jobs,
                                 .shard = a->shard,
                                 .nshards = a->nshards,
                                 .timeline = true};
  struct lsim_provenance prov = {LIMSIM_VERSION, LIMSIM_GIT_COMMIT, argc, argv};
  struct lsim_publish pub = {a->out, a->format, a->plots, policies_narrowed(a)};
  struct lsim_results *res;
  char err[512];
  int rc;

  if (isatty(STDERR_FILENO)) {
    opt.progress = show_progress;
    opt.progress_user = &prog;
  }
  if (lsim_run_set(set, &opt, &res, err, sizeof(err)) != 0) {
    lsim_cli_error("run", "%s", err);
    return LSIM_EXIT_FAILURE;
  }
  if (a->nshards > 0)
    rc = write_shard(a, set, res, &prov);
  else
    rc = lsim_cli_publish(&pub, set, res, &prov);
  lsim_results_free(res);
  return rc;
}

/* A mistake in "expect" is bad input: found before hours of simulation,
 * not after. publish.c evaluates the expectations once the runs are done. */
static int check_expect(const struct lsim_scenario_set *set, bool narrowed,
                        char *err, size_t errlen)
{
  struct lsim_expect *ex;
  int rc = lsim_expect_parse_run(set, narrowed, &ex, err, errlen);

  lsim_expect_free(ex);
  return rc;
}

int lsim_cmd_run(int argc, char **argv)
{
  struct run_args a = {
      .scenario = LSIM_DEFAULT_SCENARIO, .format = "table", .plots = true};
  struct lsim_scenario_set *set = NULL;
  char *out = NULL;
  char err[1024];
  int rc = LSIM_EXIT_USAGE;

  if (parse_run_args(argc, argv, &a) != 0)
    goto done;
  if (lsim_scenario_load(a.scenario, (const char *const *)a.sets.v, a.sets.n,
                         &set, err, sizeof(err)) != 0 ||
      check_expect(set, policies_narrowed(&a), err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    goto done;
  }
  if (a.out == NULL)
    a.out = out = lsim_cli_default_out(a.scenario, "");
  rc = a.out ? simulate(&a, set, argc + 1, argv - 1) : LSIM_EXIT_FAILURE;
done:
  lsim_scenario_set_free(set);
  lsim_strv_release(&a.sets);
  lsim_strv_release(&a.policies);
  free(out);
  return rc;
}
