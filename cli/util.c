/* util.c - small things the commands share; see cli.h. */
#include "cli.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void lsim_cli_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "limsim %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int lsim_cli_int(const char *cmd, const char *flag, const char *text, long min,
                 long max, long *out)
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

int lsim_cli_push_set(struct lsim_strv *sets, const char *key,
                      const char *value)
{
  char buf[512];

  snprintf(buf, sizeof(buf), "%s=%s", key, value);
  return lsim_strv_push(sets, buf);
}

int lsim_cli_push_policies(struct lsim_strv *sets,
                           const struct lsim_strv *policies)
{
  cJSON *list = cJSON_CreateArray();
  char *json;
  int rc;

  for (size_t i = 0; list != NULL && i < policies->n; i++)
    cJSON_AddItemToArray(list, cJSON_CreateString(policies->v[i]));
  json = list ? cJSON_PrintUnformatted(list) : NULL;
  rc = json ? lsim_cli_push_set(sets, "limiter.policies", json) : -1;
  cJSON_free(json);
  cJSON_Delete(list);
  return rc;
}

char *lsim_cli_default_out(const char *scenario, const char *suffix)
{
  const char *base = strrchr(scenario, '/');
  size_t len, size;
  char *out;

  base = base ? base + 1 : scenario;
  len = strcspn(base, ".");
  size = len + strlen(suffix) + sizeof("results/");
  out = malloc(size);
  if (out != NULL)
    snprintf(out, size, "results/%.*s%s", (int)len, base, suffix);
  return out;
}

double lsim_cli_monotonic_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
