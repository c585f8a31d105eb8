/*
 * cmd_merge.c - `limsim merge DIR... --out DIR`: joins the shard.json
 * files of a run made with --shard K/N into the results the unsharded run
 * would have written (the perf block and command_line aside).
 */
#include "cli.h"

#include "shard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void merge_usage(FILE *out)
{
  fprintf(out, "usage: limsim merge SHARD_DIR... --out DIR [--no-plots]\n"
               "                    [--format table|json]\n"
               "\n"
               "Joins the SHARD_DIR/shard.json files written by\n"
               "'limsim run --shard K/N' (every K from 1 to N, once) into\n"
               "DIR/results.json, the CSVs, plots and report.html.\n");
}

static int parse_merge_args(int argc, char **argv, struct lsim_publish *pub)
{
  static const struct option options[] = {
      {"out", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, 'f'},
      {"no-plots", no_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;

  while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
    if (opt == 'h') {
      merge_usage(stdout);
      exit(LSIM_EXIT_OK);
    } else if (opt == 'o') {
      pub->out = optarg;
    } else if (opt == 'n') {
      pub->plots = false;
    } else if (opt == 'f' &&
               (strcmp(optarg, "table") == 0 || strcmp(optarg, "json") == 0)) {
      pub->format = optarg;
    } else {
      if (opt == 'f')
        lsim_cli_error("merge", "--format: expected table or json, got '%s'",
                       optarg);
      return -1;
    }
  }
  if (pub->out == NULL || optind >= argc) {
    lsim_cli_error("merge", "expected shard folders and --out DIR");
    return -1;
  }
  return 0;
}

int lsim_cmd_merge(int argc, char **argv)
{
  /* The shards were checked when they ran, perhaps with --policy. */
  struct lsim_publish pub = {NULL, "table", true, true};
  struct lsim_scenario_set *set;
  struct lsim_results *res;
  struct lsim_provenance prov = {LIMSIM_VERSION, LIMSIM_GIT_COMMIT, 0, NULL};
  char err[1024];
  int rc;

  if (parse_merge_args(argc, argv, &pub) != 0)
    return LSIM_EXIT_USAGE;
  if (lsim_shard_merge((const char *const *)argv + optind,
                       (size_t)(argc - optind), &set, &res, &prov.argv,
                       &prov.argc, err, sizeof(err)) != 0) {
    lsim_cli_error("merge", "%s", err);
    return LSIM_EXIT_USAGE;
  }
  rc = lsim_cli_publish(&pub, set, res, &prov);
  lsim_shard_argv_free(prov.argv, prov.argc);
  lsim_results_free(res);
  lsim_scenario_set_free(set);
  return rc;
}
