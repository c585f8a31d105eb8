/*
 * cmd_plot.c - `limsim plot DIR`: re-renders the plots and report.html
 * from DIR/results.json without simulating again. `limsim run` calls the
 * same code after writing its results.
 */
#include "cli.h"

#include "report.h"

#include <stdio.h>
#include <string.h>

int lsim_render_plots(const char *dir)
{
  char err[1024] = "";
  int gnuplot_missing = 0;
  int rc = lsim_report_render(dir, err, sizeof(err), &gnuplot_missing);

  if (rc == LSIM_REPORT_EINPUT) {
    lsim_cli_error("plot", "%s", err);
    return LSIM_EXIT_USAGE;
  }
  if (rc != 0) {
    lsim_cli_error("plot", "%s", err);
    return LSIM_EXIT_FAILURE;
  }
  if (gnuplot_missing)
    lsim_cli_error("plot", "%s", err);
  return LSIM_EXIT_OK;
}

int lsim_cmd_plot(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    printf("usage: limsim plot DIR\n\n"
           "Renders DIR/plots/ and DIR/report.html from DIR/results.json\n"
           "and the CSVs beside it, without simulating again.\n");
    return LSIM_EXIT_OK;
  }
  if (argc != 2) {
    lsim_cli_error("plot", "expected one results folder, e.g. "
                           "'limsim plot results/default'");
    return LSIM_EXIT_USAGE;
  }
  return lsim_render_plots(argv[1]);
}
