/*
 * rfile.c - see rfile.h.
 *
 * A report is re-rendered often, sometimes while a browser shows the old
 * one; renaming a finished temporary file means a reader never sees half
 * a file, and a failed render leaves the previous version intact.
 */
#include "rfile.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lsim_rfile_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
  va_list ap;

  if (errlen == 0)
    return code;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return code;
}

char *lsim_rfile_join(const char *dir, const char *name)
{
  size_t dlen = strlen(dir);
  int slash = dlen > 0 && dir[dlen - 1] != '/';
  char *path = malloc(dlen + (size_t)slash + strlen(name) + 1);

  if (path == NULL)
    return NULL;
  memcpy(path, dir, dlen);
  if (slash)
    path[dlen++] = '/';
  strcpy(path + dlen, name);
  return path;
}

/* Reads all of f into a buffer that doubles as it fills. Returns 0 or
 * -errno. */
static int read_stream(FILE *f, char **text, size_t *len)
{
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap), *grown;

  while (buf != NULL) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n < cap - 1)
      break;
    grown = realloc(buf, cap * 2);
    if (grown == NULL)
      free(buf);
    buf = grown;
    cap *= 2;
  }
  if (buf == NULL)
    return -ENOMEM;

  if (ferror(f)) {
    free(buf);
    return -EIO;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return 0;
}

int lsim_rfile_read(const char *path, char **text, size_t *len)
{
  FILE *f = fopen(path, "rb");
  int rc;

  if (f == NULL)
    return -errno;
  rc = read_stream(f, text, len);
  fclose(f);
  return rc;
}

/* Creates the temporary file "path.tmpXXXXXX" and opens it as out->f. */
static int open_temporary(struct lsim_rfile *out, char *err, size_t errlen)
{
  int fd = mkstemp(out->tmp);

  if (fd < 0) {
    int e = errno;
    free(out->tmp);
    out->tmp = NULL;
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_EIO,
                           "%s: cannot create: %s", out->path, strerror(e));
  }

  /* mkstemp makes the file private; results are meant to be shared. */
  fchmod(fd, 0644);
  out->f = fdopen(fd, "w");
  if (out->f == NULL) {
    close(fd);
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "%s: out of memory",
                           out->path);
  }
  return 0;
}

int lsim_rfile_open(struct lsim_rfile *out, const char *path, char *err,
                    size_t errlen)
{
  int rc;

  memset(out, 0, sizeof *out);
  out->path = strdup(path);
  out->tmp = malloc(strlen(path) + sizeof ".tmpXXXXXX");
  if (out->path == NULL || out->tmp == NULL) {
    lsim_rfile_abort(out);
    return lsim_rfile_fail(err, errlen, LSIM_REPORT_ENOMEM, "%s: out of memory",
                           path);
  }
  sprintf(out->tmp, "%s.tmpXXXXXX", path);

  rc = open_temporary(out, err, errlen);
  if (rc != 0)
    lsim_rfile_abort(out);
  return rc;
}

int lsim_rfile_commit(struct lsim_rfile *out, char *err, size_t errlen)
{
  int failed = ferror(out->f) != 0;
  int e = errno;

  if (fclose(out->f) != 0 && !failed) {
    failed = 1;
    e = errno;
  }
  out->f = NULL;
  if (!failed && rename(out->tmp, out->path) != 0) {
    failed = 1;
    e = errno;
  }

  if (failed) {
    lsim_rfile_fail(err, errlen, LSIM_REPORT_EIO, "%s: cannot write: %s",
                    out->path, strerror(e));
    lsim_rfile_abort(out);
    return LSIM_REPORT_EIO;
  }
  free(out->tmp);
  free(out->path);
  out->tmp = out->path = NULL;
  return 0;
}

void lsim_rfile_abort(struct lsim_rfile *out)
{
  if (out->f != NULL)
    fclose(out->f);
  if (out->tmp != NULL)
    unlink(out->tmp);
  free(out->tmp);
  free(out->path);
  memset(out, 0, sizeof *out);
}
