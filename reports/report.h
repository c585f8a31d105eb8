/*
 * report.h - turns a results directory written by `limsim run` into plots
 * and one self-contained HTML report.
 *
 * A results directory DIR holds results.json, summary.csv, timeline.csv
 * and wait_cdf.csv (their schema is docs/RESULTS.md). lsim_report_render()
 * reads them and writes:
 *
 *   DIR/plots/NAME.dat  the numbers each figure draws, as gnuplot data
 *   DIR/plots/NAME.gp   gnuplot scripts, meant to be edited and re-run by
 *                       hand:  cd DIR && gnuplot plots/timeline.gp
 *   DIR/plots/NAME.png  each figure as PNG (pngcairo) and as SVG, made
 *   DIR/plots/NAME.svg  by running gnuplot on every script
 *   DIR/report.html     the tables, the figures as inline SVG, the
 *                       scenario as run and the verdict on its
 *                       expectations; it needs no other file, network
 *                       or script to display
 *
 * Every file is written to a temporary name and renamed into place, and
 * all input is checked before anything is written: a file is either the
 * previous version or a complete new one. The library prints nothing and
 * keeps no global state; messages go to a buffer the caller owns.
 */
#ifndef LIMSIM_REPORT_H
#define LIMSIM_REPORT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The errors of this module. Negative, and apart from the core's
 * enum lsim_error so that the two never mean different things. */
enum lsim_report_error {
  LSIM_REPORT_OK = 0,
  LSIM_REPORT_EINPUT = -100,  /* results.json or a CSV is missing/invalid */
  LSIM_REPORT_EIO = -101,     /* an output file could not be written */
  LSIM_REPORT_ENOMEM = -102,  /* allocation failed */
  LSIM_REPORT_EGNUPLOT = -103 /* gnuplot ran but failed on a script */
};

/* A static string naming `code`. Never NULL. */
const char *lsim_report_strerror(int code);

/*
 * Renders the results in directory `dir` (as the user typed it; messages
 * name files as dir/results.json and so on).
 *
 * gnuplot is looked up on PATH and run once per script, in `dir`, with its
 * stderr kept in dir/plots/gnuplot.log. When it is not on PATH the call
 * still writes the data, the scripts and the report (whose figures are
 * replaced by a note) and succeeds: *gnuplot_missing is set to 1 and `err`
 * holds the one line to show the user. Otherwise *gnuplot_missing is 0.
 * gnuplot_missing may be NULL.
 *
 * `err` (errlen bytes, may be 0) receives one line without a newline,
 * e.g. "out/results.json: points: missing, expected a non-empty array".
 *
 * Returns 0, or:
 *   LSIM_REPORT_EINPUT    an input file is missing or breaks the schema;
 *                         nothing was written
 *   LSIM_REPORT_EIO       creating dir/plots or writing a file failed
 *   LSIM_REPORT_ENOMEM    allocation failed
 *   LSIM_REPORT_EGNUPLOT  gnuplot exited non-zero on a script (the message
 *                         names it; details in dir/plots/gnuplot.log);
 *                         report.html was not written
 */
int lsim_report_render(const char *dir, char *err, size_t errlen,
                       int *gnuplot_missing);

#ifdef __cplusplus
}
#endif

#endif
