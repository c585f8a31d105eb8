/*
 * cmd_check.c - `limsim check`: runs scenario files and checks their
 * expectations, for CI. docs/CHECK.md is its manual.
 *
 * Every file is loaded and its expectations checked before anything
 * runs, so a typo in the tenth file fails in a second rather than after
 * nine simulations.
 */
#include "cli.h"

#include "expect.h"
#include "output.h"
#include "runner.h"
#include "scenario.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct check_args {
  struct lsim_strv files; /* folders expanded, in order */
  struct lsim_strv sets;  /* --replications, as a --set */
  const char *junit;
  const char *out;
  long jobs;
};

/* One scenario file and what became of it. */
struct checked {
  const char *file;
  char *name; /* the file's base name without ".json" */
  struct lsim_scenario_set *set;
  struct lsim_expect *ex; /* NULL: no expectations */
  struct lsim_expect_verdicts verdicts;
  bool ran;
  char error[1024]; /* the run's failure; "" when none */
  double wall_s;
};

static void check_usage(FILE *out)
{
  fprintf(out,
          "usage: limsim check PATH... [--junit FILE] [--out DIR] [-j N]\n"
          "                    [--replications R]\n"
          "\n"
          "Runs each scenario file (a folder: every *.json in it, sorted)\n"
          "and checks its \"expect\" block, printing a PASS or FAIL line per\n"
          "expectation and sweep point. Scenarios without expectations are\n"
          "skipped. --junit writes a JUnit XML report; --out writes each\n"
          "scenario's results to DIR/NAME/.\n"
          "\n"
          "Exit status: 0 all held, 1 an expectation failed, 2 bad input\n"
          "(nothing is run), 3 a run failed.\n");
}

/* ---- arguments ---- */

static int compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_json_name(const char *name)
{
  size_t n = strlen(name);

  return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Every *.json of `dir`, sorted by name so the order is the same on
 * every machine. */
static int add_folder(struct check_args *a, const char *dir)
{
  struct lsim_strv names = {0};
  struct dirent *e;
  DIR *d = opendir(dir);
  size_t slash = strlen(dir) > 0 && dir[strlen(dir) - 1] == '/';
  int rc = 0;

  if (d == NULL) {
    lsim_cli_error("check", "%s: %s", dir, strerror(errno));
    return -1;
  }
  while (rc == 0 && (e = readdir(d)) != NULL)
    if (is_json_name(e->d_name))
      rc = lsim_strv_push(&names, e->d_name);
  closedir(d);
  if (rc == 0 && names.n == 0) {
    lsim_cli_error("check", "%s: expected *.json scenario files, found none",
                   dir);
    rc = -1;
  }

  if (names.n > 0)
    qsort(names.v, names.n, sizeof(char *), compare_names);
  for (size_t i = 0; rc == 0 && i < names.n; i++) {
    char path[4096];

    snprintf(path, sizeof(path), "%s%s%s", dir, slash ? "" : "/", names.v[i]);
    rc = lsim_strv_push(&a->files, path);
  }
  lsim_strv_release(&names);
  return rc;
}

/* A folder is expanded; anything else is a file for the scenario loader,
 * which says what is wrong with it. */
static int add_path(struct check_args *a, const char *path)
{
  struct stat st;

  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return add_folder(a, path);
  return lsim_strv_push(&a->files, path);
}

static int parse_check_option(struct check_args *a, int opt, const char *arg)
{
  long reps;

  switch (opt) {
  case 'J':
    a->junit = arg;
    return 0;
  case 'o':
    a->out = arg;
    return 0;
  case 'j':
    return lsim_cli_int("check", "-j", arg, 1, 256, &a->jobs);
  case 'r': {
    char set[64];

    if (lsim_cli_int("check", "--replications", arg, 1,
                     LSIM_SCENARIO_MAX_REPLICATIONS, &reps) != 0)
      return -1;
    snprintf(set, sizeof(set), "replications=%ld", reps);
    return lsim_strv_push(&a->sets, set);
  }
  default:
    return -1;
  }
}

static int parse_check_args(int argc, char **argv, struct check_args *a)
{
  static const struct option options[] = {
      {"junit", required_argument, NULL, 'J'},
      {"out", required_argument, NULL, 'o'},
      {"replications", required_argument, NULL, 'r'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;

  while ((opt = getopt_long(argc, argv, "o:j:h", options, NULL)) != -1) {
    if (opt == 'h') {
      check_usage(stdout);
      exit(LSIM_EXIT_OK);
    }
    if (opt == '?' || parse_check_option(a, opt, optarg) != 0)
      return -1;
  }
  if (optind >= argc) {
    lsim_cli_error("check", "expected a scenario file or folder");
    return -1;
  }
  for (; optind < argc; optind++)
    if (add_path(a, argv[optind]) != 0)
      return -1;
  return 0;
}

/* ---- loading: everything, before anything runs ---- */

static char *base_name(const char *file)
{
  const char *base = strrchr(file, '/');
  size_t len;
  char *name;

  base = base ? base + 1 : file;
  len = strlen(base);
  if (len > 5 && strcmp(base + len - 5, ".json") == 0)
    len -= 5;
  name = malloc(len + 1);
  if (name != NULL)
    snprintf(name, len + 1, "%.*s", (int)len, base);
  return name;
}

static int load_one(const struct check_args *a, struct checked *c)
{
  char err[1024];
  int rc;

  c->name = base_name(c->file);
  if (c->name == NULL) {
    lsim_cli_error("check", "out of memory");
    return -1;
  }
  rc = lsim_scenario_load(c->file, (const char *const *)a->sets.v, a->sets.n,
                          &c->set, err, sizeof(err));
  if (rc == 0)
    rc = lsim_expect_parse(c->set, &c->ex, err, sizeof(err));
  if (rc != 0)
    fprintf(stderr, "%s\n", err);
  return rc;
}

/* With --out, two files of one base name would write the same folder. */
static int check_names_unique(const struct checked *all, size_t n)
{
  for (size_t i = 0; i < n; i++)
    for (size_t k = i + 1; k < n; k++)
      if (strcmp(all[i].name, all[k].name) == 0) {
        lsim_cli_error("check",
                       "--out: %s and %s would both write %s/, expected "
                       "files of different names",
                       all[i].file, all[k].file, all[i].name);
        return -1;
      }
  return 0;
}

/* ---- running ---- */

static int write_results(const struct check_args *a, struct checked *c,
                         const struct lsim_results *res, char **argv, int argc)
{
  struct lsim_provenance prov = {LIMSIM_VERSION, LIMSIM_GIT_COMMIT, argc, argv};
  cJSON *verdicts = lsim_expect_verdicts_json(c->ex, c->set, &c->verdicts);
  char *json =
      verdicts ? lsim_results_json(c->set, res, &prov, verdicts) : NULL;
  char dir[4096];
  int rc = -1;

  snprintf(dir, sizeof(dir), "%s/%s", a->out, c->name);
  if (json == NULL)
    snprintf(c->error, sizeof(c->error), "%s: out of memory", c->file);
  else
    rc = lsim_results_write(dir, json, c->set, res, c->error, sizeof(c->error));
  cJSON_free(json);
  cJSON_Delete(verdicts);
  return rc;
}

static void print_verdicts(const struct checked *c)
{
  size_t points = c->set->npoints;
  int reps = c->set->points[0].scenario->replications;
  char line[1024];

  printf("%s: %zu expectation%s, %zu point%s x %d replication%s, %.2f s\n",
         c->file, c->verdicts.n, c->verdicts.n == 1 ? "" : "s", points,
         points == 1 ? "" : "s", reps, reps == 1 ? "" : "s", c->wall_s);
  for (size_t i = 0; i < c->verdicts.n; i++) {
    lsim_expect_verdict_format(c->ex, c->set, &c->verdicts.v[i], line,
                               sizeof(line));
    printf("  %s\n", line);
  }
  if (c->ex->finding != NULL)
    printf("  finding: %s\n", c->ex->finding);
}

/* Runs one scenario and judges it; c->error says why when it cannot. */
static int run_one(const struct check_args *a, struct checked *c, int argc,
                   char **argv)
{
  struct lsim_run_options opt = {.jobs = (int)a->jobs,
                                 .timeline = a->out != NULL};
  struct lsim_results *res = NULL;
  double start = lsim_cli_monotonic_s();
  int rc;

  rc = lsim_run_set(c->set, &opt, &res, c->error, sizeof(c->error));
  c->wall_s = lsim_cli_monotonic_s() - start;
  if (rc == 0 && lsim_expect_evaluate(c->ex, res, &c->verdicts) != 0) {
    snprintf(c->error, sizeof(c->error), "%s: cannot evaluate expect", c->file);
    rc = -1;
  }
  if (rc == 0 && a->out != NULL)
    rc = write_results(a, c, res, argv, argc);
  lsim_results_free(res);
  c->ran = rc == 0;
  return rc;
}

static int write_junit(const char *file, const struct checked *all, size_t n)
{
  struct lsim_expect_suite *suites = calloc(n, sizeof(*suites));
  FILE *f = suites ? fopen(file, "w") : NULL;
  int rc;

  if (f == NULL) {
    lsim_cli_error("check", "--junit: %s: %s", file, strerror(errno));
    free(suites);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    suites[i] =
        (struct lsim_expect_suite){all[i].name,
                                   all[i].file,
                                   all[i].set,
                                   all[i].ex,
                                   all[i].ran ? &all[i].verdicts : NULL,
                                   all[i].error[0] ? all[i].error : NULL,
                                   all[i].wall_s};
  rc = lsim_expect_junit_write(f, suites, n);
  if (fclose(f) != 0 || rc != 0) {
    lsim_cli_error("check", "--junit: %s: write failed", file);
    rc = -1;
  }
  free(suites);
  return rc;
}

/* ---- the command ---- */

struct tally {
  size_t passed, failed, skipped, errors;
};

static void run_all(const struct check_args *a, struct checked *all, size_t n,
                    struct tally *t, int argc, char **argv)
{
  for (size_t i = 0; i < n; i++) {
    struct checked *c = &all[i];

    if (c->ex == NULL) {
      printf("%s: no expectations, skipped\n", c->file);
      t->skipped++;
      continue;
    }
    if (run_one(a, c, argc, argv) != 0) {
      fflush(stdout);
      fprintf(stderr, "%s\n", c->error);
      t->errors++;
      continue;
    }
    print_verdicts(c);
    t->failed += c->verdicts.failed;
    t->passed += c->verdicts.n - c->verdicts.failed;
    /* A CI log shows each scenario as it finishes, not at exit. */
    fflush(stdout);
  }
}

static int exit_status(const struct tally *t)
{
  if (t->errors > 0)
    return LSIM_EXIT_FAILURE;
  return t->failed > 0 ? LSIM_EXIT_EXPECT : LSIM_EXIT_OK;
}

static int check_loaded(const struct check_args *a, struct checked *all,
                        size_t n, int argc, char **argv)
{
  struct tally t = {0, 0, 0, 0};
  double start = lsim_cli_monotonic_s();
  int rc;

  run_all(a, all, n, &t, argc, argv);
  printf("limsim check: %zu passed, %zu failed, %zu scenarios skipped, "
         "%zu runs failed, %.1f s\n",
         t.passed, t.failed, t.skipped, t.errors,
         lsim_cli_monotonic_s() - start);
  rc = exit_status(&t);
  if (a->junit != NULL && write_junit(a->junit, all, n) != 0)
    rc = LSIM_EXIT_FAILURE;
  return rc;
}

static void release_all(struct checked *all, size_t n)
{
  for (size_t i = 0; all != NULL && i < n; i++) {
    free(all[i].name);
    lsim_scenario_set_free(all[i].set);
    lsim_expect_free(all[i].ex);
    lsim_expect_verdicts_release(&all[i].verdicts);
  }
  free(all);
}

int lsim_cmd_check(int argc, char **argv)
{
  struct check_args a = {.jobs = 0};
  struct checked *all = NULL;
  size_t bad = 0;
  int rc = LSIM_EXIT_USAGE;

  if (parse_check_args(argc, argv, &a) != 0)
    goto done;
  all = calloc(a.files.n, sizeof(*all));
  if (all == NULL) {
    lsim_cli_error("check", "out of memory");
    goto done;
  }
  for (size_t i = 0; i < a.files.n; i++) {
    all[i].file = a.files.v[i];
    bad += load_one(&a, &all[i]) != 0;
  }
  if (bad == 0 && (a.out == NULL || check_names_unique(all, a.files.n) == 0))
    rc = check_loaded(&a, all, a.files.n, argc + 1, argv - 1);
done:
  release_all(all, a.files.n);
  lsim_strv_release(&a.files);
  lsim_strv_release(&a.sets);
  return rc;
}
