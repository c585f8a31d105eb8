/*
 * rfile.h - files for the reports module: whole-file reads, outputs that
 * appear only when complete, and the one-line error messages.
 * Internal to reports/.
 */
#ifndef LIMSIM_REPORTS_RFILE_H
#define LIMSIM_REPORTS_RFILE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats one line into err (errlen bytes, may be 0) and returns code. */
int lsim_rfile_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "dir/name" in a new string (no doubled slash); NULL when out of memory.
 * The caller frees it. */
char *lsim_rfile_join(const char *dir, const char *name);

/* Reads the file at path into *text (NUL-terminated, caller frees) and
 * its length into *len. Returns 0 or -errno. */
int lsim_rfile_read(const char *path, char **text, size_t *len);

/*
 * An output file under construction. lsim_rfile_open() creates a
 * temporary file beside `path`; lsim_rfile_commit() closes it and renames
 * it onto `path` only when every write succeeded; lsim_rfile_abort()
 * removes it. Exactly one of the two must follow a successful open.
 */
struct lsim_rfile {
  FILE *f;
  char *path;
  char *tmp;
};

/* Returns 0 or LSIM_REPORT_EIO / LSIM_REPORT_ENOMEM with err filled. */
int lsim_rfile_open(struct lsim_rfile *out, const char *path, char *err,
                    size_t errlen);
int lsim_rfile_commit(struct lsim_rfile *out, char *err, size_t errlen);
void lsim_rfile_abort(struct lsim_rfile *out);

#endif
