/*
 * cli.h - what the commands of the limsim program share.
 *
 * Exit status, for every command: 0 done, 1 an expectation failed (check),
 * 2 bad input (a flag, a scenario file), 3 a failure while running.
 */
#ifndef LIMSIM_CLI_H
#define LIMSIM_CLI_H

#include "limsim_commit.h" /* LIMSIM_GIT_COMMIT, made at build time */

#include <stdbool.h>
#include <stddef.h>

enum lsim_exit {
  LSIM_EXIT_OK = 0,
  LSIM_EXIT_EXPECT = 1,
  LSIM_EXIT_USAGE = 2,
  LSIM_EXIT_FAILURE = 3
};

/* The scenario `limsim run` and friends use when none is named. */
#define LSIM_DEFAULT_SCENARIO "scenarios/default.json"

int lsim_cmd_run(int argc, char **argv);
int lsim_cmd_plot(int argc, char **argv);
int lsim_cmd_merge(int argc, char **argv);
int lsim_cmd_check(int argc, char **argv);
int lsim_cmd_mock_provider(int argc, char **argv);
int lsim_cmd_live(int argc, char **argv);
int lsim_cmd_calibrate(int argc, char **argv);

/* The scenario `limsim live` and `limsim calibrate` use when none is
 * named: the mock provider on 127.0.0.1. */
#define LSIM_LIVE_DEFAULT_SCENARIO "scenarios/live-mock.json"

/* Renders DIR's plots and report.html; returns an exit status. A missing
 * gnuplot is one line on stderr and no failure. */
int lsim_render_plots(const char *dir);

struct lsim_scenario_set;
struct lsim_results;
struct lsim_provenance;

/* Where and how a command puts its results. */
struct lsim_publish {
  const char *out;    /* the output folder */
  const char *format; /* "table" or "json": what goes to stdout */
  bool plots;         /* render plots and report.html */
  bool narrowed;      /* the command line chose the policies: checks on
                         other policies are left out, not refused */
};

/* Writes results.json and the CSVs into pub->out, prints the table or the
 * JSON, renders the plots. Returns an exit status. */
int lsim_cli_publish(const struct lsim_publish *pub,
                     const struct lsim_scenario_set *set,
                     const struct lsim_results *res,
                     const struct lsim_provenance *prov);

/* Parses a whole decimal integer in [min, max] for `flag`. On error
 * prints "limsim CMD: FLAG: expected an integer from MIN to MAX, got 'S'"
 * and returns -1. */
int lsim_cli_int(const char *cmd, const char *flag, const char *text, long min,
                 long max, long *out);

/* Prints "limsim CMD: MESSAGE" to stderr. */
void lsim_cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growable list of strings that the list owns. */
struct lsim_strv {
  char **v;
  size_t n, cap;
};
int lsim_strv_push(struct lsim_strv *sv, const char *s);
void lsim_strv_release(struct lsim_strv *sv);

/* Appends the --set override "KEY=VALUE". 0 or -1 (out of memory). */
int lsim_cli_push_set(struct lsim_strv *sets, const char *key,
                      const char *value);

/* --policy A --policy B becomes the override limiter.policies=["A","B"],
 * so the scenario parser checks the names. 0 or -1. */
int lsim_cli_push_policies(struct lsim_strv *sets,
                           const struct lsim_strv *policies);

/* results/NAME<suffix> for scenario file DIR/NAME.json; the caller frees
 * it. NULL when out of memory. */
char *lsim_cli_default_out(const char *scenario, const char *suffix);

/* Seconds on CLOCK_MONOTONIC, for progress and timings. */
double lsim_cli_monotonic_s(void);

/* Loads SCENARIO with the --set overrides and checks its "live" block,
 * then applies --base-url (NULL: none). On failure prints one line and
 * returns -1; the caller frees *set and releases *cfg either way. */
struct lsim_scenario_set;
struct lsim_live_config;
int lsim_cli_load_live(const char *cmd, const char *scenario,
                       const struct lsim_strv *sets, const char *base_url,
                       struct lsim_scenario_set **set,
                       struct lsim_live_config *cfg);

#endif
