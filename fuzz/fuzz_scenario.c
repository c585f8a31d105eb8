/*
 * fuzz_scenario.c - the scenario parser and the expectations parser on
 * arbitrary bytes: any input must give 0 or one error line, never a crash,
 * a leak or undefined behaviour.
 */
#include "expect.h"
#include "scenario.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The message must be one NUL-terminated line. */
static void check_message(const char *err, size_t len)
{
  if (memchr(err, '\0', len) == NULL || strchr(err, '\n') != NULL)
    abort();
}

static void check_expect(const struct lsim_scenario_set *set)
{
  struct lsim_expect *ex = NULL;
  char err[512];

  err[0] = '\0';
  if (lsim_expect_parse(set, &ex, err, sizeof err) != 0) {
    check_message(err, sizeof err);
    if (ex != NULL || err[0] == '\0')
      abort();
  }
  lsim_expect_free(ex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct lsim_scenario_set *set = NULL;
  char err[512];
  char *json;

  err[0] = '\0';
  /* The path is never opened: relative CSV and plugin names resolve
   * against a folder that does not exist, so they fail cleanly. */
  if (lsim_scenario_load_text((const char *)data, size,
                              "/nonexistent/fuzz.json", NULL, 0, &set, err,
                              sizeof err) != 0) {
    check_message(err, sizeof err);
    if (set != NULL || err[0] == '\0')
      abort();
    return 0;
  }

  check_expect(set);
  json = lsim_scenario_set_json(set);
  cJSON_free(json);
  lsim_scenario_set_free(set);
  return 0;
}
