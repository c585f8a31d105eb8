/*
 * gnuplot.h - finds gnuplot and runs a script with it. Internal to
 * reports/.
 */
#ifndef LIMSIM_REPORTS_GNUPLOT_H
#define LIMSIM_REPORTS_GNUPLOT_H

#include <stddef.h>

/* The absolute path of an executable "gnuplot" in a directory of PATH
 * (the default path when PATH is unset), in a new string the caller
 * frees; NULL when there is none. */
char *lsim_gnuplot_find(void);

/*
 * Runs `gnuplot script` with `dir` as its working directory; stdin reads
 * /dev/null, stdout and stderr go to `log` (a path, truncated first).
 * `script` is relative to dir. Returns 0 when gnuplot exits with status
 * 0, otherwise LSIM_REPORT_EGNUPLOT (or LSIM_REPORT_EIO when the log
 * cannot be opened) with err filled.
 */
int lsim_gnuplot_run(const char *gnuplot, const char *dir, const char *script,
                     const char *log, char *err, size_t errlen);

#endif
