/*
 * fuzz_usage.c - live mode's reading of a usage answer, on arbitrary
 * answers. The first byte picks the form (a JSON body or a header value)
 * and the field path; the rest is the answer. A count comes back within
 * 0..LSIM_LIVE_USAGE_MAX, or a reason in one line.
 */
#include "live.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fields[] = {"concurrent_sessions", "usage.current",
                                     "a.b.c.d", "x..y", ""};
#define NFIELDS (sizeof fields / sizeof fields[0])

static void check(int rc, int count, const char *err, size_t len)
{
  if (rc == 0 && (count < 0 || count > LSIM_LIVE_USAGE_MAX))
    abort();
  if (rc != 0 && (memchr(err, '\0', len) == NULL || strchr(err, '\n') != NULL))
    abort();
}

/* A header value arrives as one line of a C string: libcurl splits the
 * headers at CR LF, so the value ends at the first CR, LF or NUL. */
static void fuzz_header(const uint8_t *data, size_t size)
{
  char *value = malloc(size + 1);
  char err[256];
  int count = -1, rc;

  if (value == NULL)
    return;
  memcpy(value, data, size);
  value[size] = '\0';
  value[strcspn(value, "\r\n")] = '\0';
  rc = lsim_live_usage_parse_header(200, value, "x-concurrent-sessions", &count,
                                    err, sizeof err);
  check(rc, count, err, sizeof err);
  free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char err[256];
  int count = -1, rc;

  if (size == 0)
    return 0;
  if (data[0] & 0x80) {
    fuzz_header(data + 1, size - 1);
    return 0;
  }

  /* The body need not end in a NUL: pass exactly its bytes, so that
   * reading past them shows up under AddressSanitizer. */
  rc = lsim_live_usage_parse_body(200, (const char *)data + 1, size - 1,
                                  fields[data[0] % NFIELDS], &count, err,
                                  sizeof err);
  check(rc, count, err, sizeof err);
  return 0;
}
