/*
 * live.c - a live run: every policy in turn, a drain between them, the
 * results in the simulator's shape; see live.h.
 */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lsim_live_log(const struct lsim_live_options *opt, const char *fmt, ...)
{
  char line[400];
  va_list ap;

  if (opt->log == NULL)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  opt->log(opt->log_user, line);
}

/* ---- checks before anything is sent ---- */

static int check_set(const struct lsim_scenario_set *set,
                     const struct lsim_live_options *opt, char *err,
                     size_t errlen)
{
  const struct lsim_scenario *sc = set->points[0].scenario;
  double duration = opt->duration_s > 0 ? opt->duration_s : sc->duration_s;

  if (set->npoints != 1) {
    snprintf(err, errlen,
             "%s: sweep: live mode runs one point, this sweep makes %zu "
             "(pin its keys with --set or remove it)",
             set->path, set->npoints);
    return LSIM_EINVAL;
  }
  if (duration <= sc->warmup_s) {
    snprintf(err, errlen,
             "%s: duration_s: expected more than warmup_s (%g), got %g",
             set->path, sc->warmup_s, duration);
    return LSIM_EINVAL;
  }
  return 0;
}

static int load_policies(const struct lsim_scenario *sc,
                         const struct lsim_policy **policies, char *err,
                         size_t errlen)
{
  for (size_t i = 0; i < sc->limiter.npolicies; i++) {
    const struct lsim_scenario_policy *p = &sc->limiter.policies[i];

    if (p->plugin_path == NULL)
      policies[i] = lsim_policy_find(p->name);
    else if (lsim_policy_load(p->plugin_path, &policies[i], err, errlen) != 0)
      return LSIM_EINVAL;
  }
  return 0;
}

/* ---- results in the simulator's shape ---- */

static struct lsim_results *results_new(const struct lsim_scenario *sc)
{
  size_t npol = sc->limiter.npolicies;
  struct lsim_results *res = calloc(1, sizeof(*res));

  if (res == NULL)
    return NULL;
  res->npoints = 1;
  res->npolicies = npol;
  res->npairs = npol * (npol - 1) / 2;
  res->replications = 1;
  res->policy_names = calloc(npol, sizeof(char *));
  res->cells = calloc(npol, sizeof(*res->cells));
  res->pairs = calloc(res->npairs + 1, sizeof(*res->pairs));
  if (res->policy_names == NULL || res->cells == NULL || res->pairs == NULL)
    goto fail;
  for (size_t i = 0; i < npol; i++) {
    res->policy_names[i] = sc->limiter.policies[i].name;
    res->cells[i].values = calloc(LSIM_METRIC_COUNT, sizeof(double));
    if (res->cells[i].values == NULL)
      goto fail;
    lsim_hist_init(&res->cells[i].wait);
  }
  return res;
fail:
  lsim_results_free(res);
  return NULL;
}

/* One replication: each interval collapses to the value itself, and a
 * paired difference is just B - A. */
static void summarize(struct lsim_results *res)
{
  size_t k = 0;

  for (size_t i = 0; i < res->npolicies; i++)
    for (int m = 0; m < LSIM_METRIC_COUNT; m++)
      lsim_summarize(&res->cells[i].values[m], 1, &res->cells[i].summary[m]);
  for (size_t a = 0; a < res->npolicies; a++)
    for (size_t b = a + 1; b < res->npolicies; b++, k++) {
      res->pairs[k].a = (int)a;
      res->pairs[k].b = (int)b;
      for (int m = 0; m < LSIM_METRIC_COUNT; m++)
        lsim_summarize_paired(&res->cells[b].values[m],
                              &res->cells[a].values[m], 1,
                              &res->pairs[k].summary[m]);
    }
}

/* ---- between policies ---- */

static double drain(struct lsim_live_http *h,
                    const struct lsim_live_options *opt)
{
  char why[320] = "";
  int count;
  double waited = lsim_live_drain(h, &count, why, sizeof(why));

  if (count != 0 && h->cfg->usage_mode != LSIM_LIVE_USAGE_NONE)
    lsim_live_log(opt,
                  "the upstream count did not drain in %g s (%s); going on",
                  h->cfg->drain_s, count < 0 ? why : "still above 0");
  return waited;
}

static int
run_policies(const struct lsim_scenario *sc, struct lsim_live_policy_run *run,
             const struct lsim_policy **policies, struct lsim_results *res,
             struct lsim_live_report *report, char *err, size_t errlen)
{
  for (size_t i = 0; i < res->npolicies; i++) {
    struct lsim_live_policy_stats stats = {0};
    double waited = drain(run->http, run->opt);
    int rc;

    if (waited > report->drain_s_max)
      report->drain_s_max = waited;
    run->policy = policies[i];
    run->policy_name = res->policy_names[i];
    lsim_live_log(run->opt, "policy %s: %g s against %s", run->policy_name,
                  run->duration_s, run->cfg->base_url);
    rc = lsim_live_run_policy(run, &res->cells[i], report, &stats, err, errlen);
    res->sessions += stats.sessions;
    res->dropped += stats.dropped;
    res->events += stats.steps;
    if (rc != 0)
      return rc;
  }
  return 0;
}

int lsim_live_run(const struct lsim_scenario_set *set,
                  const struct lsim_live_config *cfg,
                  const struct lsim_live_options *opt,
                  struct lsim_results **out, struct lsim_live_report *report,
                  char *err, size_t errlen)
{
  const struct lsim_scenario *sc = set->points[0].scenario;
  const struct lsim_policy **policies = NULL;
  struct lsim_live_http http;
  struct lsim_live_policy_run run = {.sc = sc, .cfg = cfg, .opt = opt};
  struct lsim_results *res = NULL;
  lsim_time started = lsim_live_clock();
  int rc;

  memset(report, 0, sizeof(*report));
  rc = check_set(set, opt, err, errlen);
  if (rc != 0)
    return rc;
  rc = lsim_live_http_init(&http, cfg, opt->insecure, err, errlen);
  run.http = &http;
  run.duration_s = opt->duration_s > 0 ? opt->duration_s : sc->duration_s;
  run.agents = opt->agents > 0 ? opt->agents : sc->workload.agents;
  if (rc == 0) {
    policies = calloc(sc->limiter.npolicies, sizeof(*policies));
    res = results_new(sc);
    rc = policies && res ? load_policies(sc, policies, err, errlen)
                         : LSIM_ENOMEM;
  }
  if (rc == 0)
    rc = lsim_live_preflight(&http, err, errlen);
  if (rc == 0)
    rc = run_policies(sc, &run, policies, res, report, err, errlen);
  lsim_live_http_release(&http);
  free(policies);
  if (rc == LSIM_ENOMEM)
    snprintf(err, errlen, "out of memory");
  if (rc != 0) {
    lsim_results_free(res);
    return rc;
  }
  summarize(res);
  res->wall_s = lsim_time_to_s(lsim_live_clock() - started);
  *out = res;
  return 0;
}

/* ---- results.json ---- */

static cJSON *report_json(const struct lsim_live_config *cfg,
                          const struct lsim_live_report *report)
{
  cJSON *o = cJSON_CreateObject();

  cJSON_AddStringToObject(o, "mode", "live");
  cJSON_AddStringToObject(o, "base_url", cfg->base_url);
  cJSON_AddStringToObject(o, "note",
                          "one run per policy (replications = 1): each "
                          "interval is the measured value itself");
  cJSON_AddNumberToObject(o, "request_errors", (double)report->errors);
  cJSON_AddStringToObject(o, "first_error", report->first_error);
  cJSON_AddNumberToObject(o, "usage_samples", (double)report->samples);
  cJSON_AddNumberToObject(o, "usage_sample_failures",
                          (double)report->sample_failures);
  cJSON_AddNumberToObject(o, "drain_s_max", report->drain_s_max);
  return o;
}

char *lsim_live_results_json(const struct lsim_scenario_set *set,
                             const struct lsim_results *res,
                             const struct lsim_live_config *cfg,
                             const struct lsim_live_report *report,
                             const struct lsim_provenance *prov)
{
  char *text = lsim_results_json(set, res, prov, NULL);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  cJSON *live = report_json(cfg, report);

  cJSON_free(text);
  text = NULL;
  if (root != NULL && live != NULL &&
      cJSON_AddItemToObject(root, "live", live)) {
    live = NULL;
    text = cJSON_Print(root);
  }
  cJSON_Delete(live);
  cJSON_Delete(root);
  return text;
}
