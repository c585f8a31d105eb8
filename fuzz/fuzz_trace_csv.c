/*
 * fuzz_trace_csv.c - the trace workload's CSV reader, reached the way a
 * user reaches it: through a scenario file that names the CSV. Rows come
 * back with non-decreasing arrivals and sessions >= 0, or there is one
 * error line.
 */
#include "csv_file.h"
#include "scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_trace(const struct lsim_trace *t)
{
  if (t->n == 0)
    abort();
  for (size_t i = 0; i < t->n; i++)
    if (!isfinite(t->arrival_s[i]) || !isfinite(t->session_s[i]) ||
        t->arrival_s[i] < 0 || t->session_s[i] < 0 ||
        (i > 0 && t->arrival_s[i] < t->arrival_s[i - 1]))
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct lsim_scenario_set *set = NULL;
  char text[512], err[512];
  int rc;

  snprintf(text, sizeof text,
           "{\"name\": \"fuzz\", \"duration_s\": 100,"
           " \"limiter\": {\"limit\": 2},"
           " \"workload\": {\"kind\": \"trace\", \"file\": \"%s\"}}",
           fuzz_csv_write(data, size));
  rc = lsim_scenario_load_text(text, strlen(text), "/tmp/fuzz.json", NULL, 0,
                               &set, err, sizeof err);
  if (rc != 0) {
    if (set != NULL || memchr(err, '\0', sizeof err) == NULL ||
        strchr(err, '\n') != NULL)
      abort();
    return 0;
  }

  check_trace(&set->points[0].scenario->workload.trace);
  lsim_scenario_set_free(set);
  return 0;
}
