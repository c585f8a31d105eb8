/*
 * html.h - writes report.html. Internal to reports/.
 */
#ifndef LIMSIM_REPORTS_HTML_H
#define LIMSIM_REPORTS_HTML_H

#include "results.h"

/*
 * Writes dir/report.html from r. With `rendered` set, each figure's SVG
 * (dir/plots/<figure>.svg) is read and put inline; otherwise a note takes
 * its place saying how to render it. Returns 0, LSIM_REPORT_EIO (a write
 * failed or a rendered SVG is missing) or LSIM_REPORT_ENOMEM, with err
 * filled.
 */
int lsim_html_write(const struct lsim_results *r, const char *dir, int rendered,
                    char *err, size_t errlen);

#endif
