/*
 * usage.c - reading the provider's count out of a usage answer; see
 * live.h.
 *
 * The answer comes from outside, so nothing about it is trusted: any
 * status but 200, a body that is not a JSON object, a missing field or a
 * value that is not a whole number in [0, LSIM_LIVE_USAGE_MAX] makes the
 * answer "unavailable", and the limiter falls back to its cooldown for
 * that poll.
 */
#include "jsonmsg.h"
#include "live.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_MAX 40

static int reason(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reason(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (err != NULL && errlen > 0) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    lsim_json_one_line(err); /* a header value may hold a raw newline */
  }
  return LSIM_EINVAL;
}

/* Follows a dot path ("a.b.c") through nested objects. */
static const cJSON *find_path(const cJSON *root, const char *path)
{
  char key[256];
  const cJSON *at = root;

  while (at != NULL && *path != '\0') {
    size_t n = strcspn(path, ".");

    if (n >= sizeof(key) || !cJSON_IsObject(at))
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    at = cJSON_GetObjectItemCaseSensitive(at, key);
    path += n + (path[n] == '.');
  }
  return at;
}

static int check_count(double v, const char *name, const char *shown,
                       int *count, char *err, size_t errlen)
{
  if (!isfinite(v) || v < 0 || v > LSIM_LIVE_USAGE_MAX || v != floor(v))
    return reason(err, errlen, "%s: expected an integer from 0 to %d, got %.*s",
                  name, LSIM_LIVE_USAGE_MAX, SHOWN_MAX, shown);
  *count = (int)v;
  return 0;
}

static int count_of(const cJSON *item, const char *field, int *count, char *err,
                    size_t errlen)
{
  char *text = cJSON_PrintUnformatted(item);
  int rc;

  /* cJSON reads 1e400 as infinity and would print it as null. */
  if (cJSON_IsNumber(item) && !isfinite(item->valuedouble))
    rc = check_count(item->valuedouble, field,
                     "a number too large to represent", count, err, errlen);
  else if (!cJSON_IsNumber(item))
    rc = reason(err, errlen, "%s: expected an integer from 0 to %d, got %.*s",
                field, LSIM_LIVE_USAGE_MAX, SHOWN_MAX, text ? text : "a value");
  else
    rc = check_count(item->valuedouble, field, text ? text : "a number", count,
                     err, errlen);
  cJSON_free(text);
  return rc;
}

int lsim_live_usage_parse_body(long status, const char *body, size_t len,
                               const char *field, int *count, char *err,
                               size_t errlen)
{
  cJSON *root;
  const cJSON *item;
  int rc;

  if (status != 200)
    return reason(err, errlen, "HTTP %ld", status);
  root = cJSON_ParseWithLength(body, len);
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return reason(err, errlen, "body is not a JSON object");
  }

  item = find_path(root, field);
  if (item == NULL)
    rc = reason(err, errlen, "no field %s", field);
  else
    rc = count_of(item, field, count, err, errlen);
  cJSON_Delete(root);
  return rc;
}

/* Header values carry optional white space around them (RFC 9110). */
static void trim(const char *value, char *buf, size_t len)
{
  size_t n;

  while (*value == ' ' || *value == '\t')
    value++;
  n = strlen(value);
  while (n > 0 && isspace((unsigned char)value[n - 1]))
    n--;
  if (n >= len)
    n = len - 1;
  memcpy(buf, value, n);
  buf[n] = '\0';
}

int lsim_live_usage_parse_header(long status, const char *value,
                                 const char *name, int *count, char *err,
                                 size_t errlen)
{
  char text[64], shown[80];
  char *end;
  long v;

  if (status != 200)
    return reason(err, errlen, "HTTP %ld", status);
  if (value == NULL)
    return reason(err, errlen, "no header %s", name);

  trim(value, text, sizeof(text));
  snprintf(shown, sizeof(shown), "'%.*s'", SHOWN_MAX, text);
  errno = 0;
  v = strtol(text, &end, 10);
  if (text[0] == '\0' || !isdigit((unsigned char)text[0]) || *end != '\0' ||
      errno != 0)
    v = -1; /* not a count: check_count says so */
  return check_count((double)v, name, shown, count, err, errlen);
}
