/* main.c - the limsim program: dispatches to a command. */
#include "cli.h"

#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
    {"run", lsim_cmd_run, "simulate a scenario, write results and plots"},
    {"plot", lsim_cmd_plot, "render plots and report.html from DIR"},
    {"merge", lsim_cmd_merge, "join the shards of a --shard K/N run"},
    {"check", lsim_cmd_check, "run scenarios and check their expectations"},
    {"mock-provider", lsim_cmd_mock_provider, "serve a mock provider (HTTP)"},
    {"live", lsim_cmd_live, "run a scenario against a real endpoint"},
    {"calibrate", lsim_cmd_calibrate, "measure a live endpoint's release lag"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
  fprintf(out, "usage: limsim COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'limsim COMMAND --help' tells more.\n");
}

int main(int argc, char **argv)
{
  /* GSL aborts on errors by default; limsim checks its return values. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    usage(stderr);
    return LSIM_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return LSIM_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("limsim %s (%s)\n", LIMSIM_VERSION, LIMSIM_GIT_COMMIT);
    return LSIM_EXIT_OK;
  }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].fn(argc - 1, argv + 1);

  fprintf(stderr, "limsim: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return LSIM_EXIT_USAGE;
}
