/*
 * output.h - what `limsim run` writes: results.json, summary.csv,
 * timeline.csv and wait_cdf.csv (docs/RESULTS.md is their reference), and
 * the side-by-side table it prints.
 *
 * Files are written whole or not at all: each goes to a temporary name in
 * the output folder and is renamed into place once complete.
 */
#ifndef LIMSIM_SIM_OUTPUT_H
#define LIMSIM_SIM_OUTPUT_H

#include "runner.h"
#include "scenario.h"

#include <stdio.h>

/* What reproduces a run, for results.json. */
struct lsim_provenance {
  const char *version;
  const char *git_commit;
  int argc;
  char **argv;
};

/*
 * Builds results.json as a string (the caller frees it with cJSON_free()).
 * `expect` is the expectations verdict array, or NULL for null. NULL when
 * out of memory.
 */
char *lsim_results_json(const struct lsim_scenario_set *set,
                        const struct lsim_results *res,
                        const struct lsim_provenance *prov,
                        const cJSON *expect);

/*
 * Writes results.json (from `json`), summary.csv, timeline.csv and
 * wait_cdf.csv into `dir`, creating it if needed. Returns 0, or -1 with a
 * one-line reason ("DIR/summary.csv: No space left on device") in err.
 */
int lsim_results_write(const char *dir, const char *json,
                       const struct lsim_scenario_set *set,
                       const struct lsim_results *res, char *err,
                       size_t errlen);

/* Writes `text` to DIR/NAME whole or not at all, creating DIR (and its
 * parents) if needed. Returns 0, or -1 with a one-line reason in err. */
int lsim_output_write_file(const char *dir, const char *name,
                           const char *text, char *err, size_t errlen);

/* Prints the policies side by side, each metric as mean [lo, hi], then
 * the paired differences, for every point. */
void lsim_results_print_table(FILE *out, const struct lsim_scenario_set *set,
                              const struct lsim_results *res);

#endif
