/* publish.c - what `run` and `merge` do with finished results. */
#include "cli.h"

#include "output.h"

#include <stdio.h>
#include <string.h>

int lsim_cli_publish(const struct lsim_publish *pub,
                     const struct lsim_scenario_set *set,
                     const struct lsim_results *res,
                     const struct lsim_provenance *prov)
{
  char *json = lsim_results_json(set, res, prov, NULL);
  char err[512] = "out of memory";
  int rc = json ? lsim_results_write(pub->out, json, set, res, err,
                                     sizeof(err))
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
