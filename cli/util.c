/* util.c - small things the commands share; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lsim_cli_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "limsim %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int lsim_cli_int(const char *cmd, const char *flag, const char *text,
                 long min, long max, long *out)
{
  char *end;
  long v;

  errno = 0;
  v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
    lsim_cli_error(cmd, "%s: expected an integer from %ld to %ld, got '%s'",
                   flag, min, max, text);
    return -1;
  }
  *out = v;
  return 0;
}

int lsim_strv_push(struct lsim_strv *sv, const char *s)
{
  char *copy = strdup(s);

  if (copy == NULL)
    return -1;
  if (sv->n == sv->cap) {
    size_t cap = sv->cap ? sv->cap * 2 : 8;
    char **v = realloc(sv->v, sizeof(char *) * cap);

    if (v == NULL) {
      free(copy);
      return -1;
    }
    sv->v = v;
    sv->cap = cap;
  }
  sv->v[sv->n++] = copy;
  return 0;
}

void lsim_strv_release(struct lsim_strv *sv)
{
  for (size_t i = 0; i < sv->n; i++)
    free(sv->v[i]);
  free(sv->v);
  memset(sv, 0, sizeof(*sv));
}
