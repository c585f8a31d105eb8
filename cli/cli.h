/*
 * cli.h - what the commands of the limsim program share.
 *
 * Exit status, for every command: 0 done, 1 an expectation failed (check),
 * 2 bad input (a flag, a scenario file), 3 a failure while running.
 */
#ifndef LIMSIM_CLI_H
#define LIMSIM_CLI_H

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

/* Renders DIR's plots and report.html; returns an exit status. A missing
 * gnuplot is one line on stderr and no failure. */
int lsim_render_plots(const char *dir);

/* Parses a whole decimal integer in [min, max] for `flag`. On error
 * prints "limsim CMD: FLAG: expected an integer from MIN to MAX, got 'S'"
 * and returns -1. */
int lsim_cli_int(const char *cmd, const char *flag, const char *text,
                 long min, long max, long *out);

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

#endif
