/* publish.c - what `run` and `merge` do with finished results. */
#include "cli.h"

#include "expect.h"
#include "output.h"

#include <stdio.h>
#include <string.h>

/* results.json, with the verdicts of the scenario's expectations (null
 * when it has none). `limsim check` is what fails on them; here they are
 * recorded. NULL with a reason in err. */
static char *results_json(const struct lsim_publish *pub,
                          const struct lsim_scenario_set *set,
                          const struct lsim_results *res,
                          const struct lsim_provenance *prov, char *err,
                          size_t errlen)
{
  struct lsim_expect *ex = NULL;
  cJSON *verdicts = NULL;
  char *json = NULL;

  if (lsim_expect_parse_run(set, pub->narrowed, &ex, err, errlen) == 0 &&
      lsim_expect_results_json(ex, set, res, &verdicts, NULL) == 0)
    json = lsim_results_json(set, res, prov, verdicts);
  cJSON_Delete(verdicts);
  lsim_expect_free(ex);
  return json;
}

int lsim_cli_publish(const struct lsim_publish *pub,
                     const struct lsim_scenario_set *set,
                     const struct lsim_results *res,
                     const struct lsim_provenance *prov)
{
  char err[512] = "out of memory";
  char *json = results_json(pub, set, res, prov, err, sizeof(err));
  int rc = json ? lsim_results_write(pub->out, json, set, res, err, sizeof(err))
                : -1;

  if (rc != 0)
    lsim_cli_error("run", "%s", err);
  else if (strcmp(pub->format, "json") == 0)
    printf("%s\n", json);
  else {
    lsim_results_print_table(stdout, set, res);
    printf("\nresults in %s/\n", pub->out);
  }
  cJSON_free(json);

  if (rc != 0)
    return LSIM_EXIT_FAILURE;
  return pub->plots ? lsim_render_plots(pub->out) : LSIM_EXIT_OK;
}
