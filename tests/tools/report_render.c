/*
 * report_render.c - renders a results directory with the reports library:
 * `report_render DIR`. A test helper for tests/report_browser.sh until the
 * CLI's `limsim plot DIR` does the same; it prints what the CLI would.
 */
#include "report.h"

#include <stdio.h>

int main(int argc, char **argv)
{
  char err[1024];
  int missing = 0, rc;

  if (argc != 2) {
    fprintf(stderr, "usage: report_render DIR\n");
    return 2;
  }
  rc = lsim_report_render(argv[1], err, sizeof err, &missing);
  if (rc != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  if (missing)
    fprintf(stderr, "%s\n", err);
  return 0;
}
