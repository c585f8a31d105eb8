/* output.c - the files and the table of `limsim run`; see output.h. */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CDF_STEPS 200

/* ---- results.json ---- */

static cJSON *summary_json(const struct lsim_summary *s)
{
  cJSON *o = cJSON_CreateObject();

  cJSON_AddNumberToObject(o, "mean", s->mean);
  cJSON_AddNumberToObject(o, "ci95_lo", s->ci95_lo);
  cJSON_AddNumberToObject(o, "ci95_hi", s->ci95_hi);
  return o;
}

static cJSON *metrics_json(const struct lsim_summary *summary)
{
  cJSON *o = cJSON_CreateObject();

  for (int m = 0; m < LSIM_METRIC_COUNT; m++)
    cJSON_AddItemToObject(o, lsim_metric_names[m], summary_json(&summary[m]));
  return o;
}

static char *pair_name(const struct lsim_results *res,
                       const struct lsim_pair *pair, char *buf, size_t len)
{
  snprintf(buf, len, "%s - %s", res->policy_names[pair->b],
           res->policy_names[pair->a]);
  return buf;
}

static cJSON *point_json(const struct lsim_scenario_set *set,
                         const struct lsim_results *res, size_t p)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *policies = cJSON_AddObjectToObject(o, "policies");
  cJSON *paired;
  char name[256];

  cJSON_AddItemToObject(o, "params", cJSON_Duplicate(set->points[p].params, 1));
  for (size_t i = 0; i < res->npolicies; i++) {
    cJSON *pol = cJSON_AddObjectToObject(policies, res->policy_names[i]);

    cJSON_AddItemToObject(pol, "metrics",
                          metrics_json(lsim_results_cell(res, p, i)->summary));
  }
  /* cJSON_AddObjectToObject returns NULL on failure; the printer below
   * then simply fails, so the checks are left to it. */
  paired = cJSON_AddObjectToObject(o, "paired");
  for (size_t k = 0; k < res->npairs; k++) {
    const struct lsim_pair *pair = &res->pairs[p * res->npairs + k];

    cJSON_AddItemToObject(paired, pair_name(res, pair, name, sizeof(name)),
                          metrics_json(pair->summary));
  }
  return o;
}

static cJSON *strings_json(const char *const *strings, size_t n)
{
  cJSON *a = cJSON_CreateArray();

  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(strings[i]));
  return a;
}

static cJSON *perf_json(const struct lsim_results *res)
{
  cJSON *o = cJSON_CreateObject();
  double wall = res->wall_s > 0 ? res->wall_s : 1e-9;

  cJSON_AddNumberToObject(o, "events", (double)res->events);
  cJSON_AddNumberToObject(o, "sessions", (double)res->sessions);
  cJSON_AddNumberToObject(o, "wall_s", res->wall_s);
  cJSON_AddNumberToObject(o, "events_per_s", (double)res->events / wall);
  cJSON_AddNumberToObject(o, "sessions_per_s", (double)res->sessions / wall);
  cJSON_AddNumberToObject(o, "dropped_arrivals", (double)res->dropped);
  return o;
}

char *lsim_results_json(const struct lsim_scenario_set *set,
                        const struct lsim_results *res,
                        const struct lsim_provenance *prov, const cJSON *expect)
{
  cJSON *root = cJSON_CreateObject();
  cJSON *points;
  char *text;

  cJSON_AddStringToObject(root, "limsim_version", prov->version);
  cJSON_AddStringToObject(root, "git_commit", prov->git_commit);
  cJSON_AddItemToObject(
      root, "command_line",
      strings_json((const char *const *)prov->argv, (size_t)prov->argc));
  cJSON_AddItemToObject(root, "scenario", cJSON_Duplicate(set->as_run, 1));
  cJSON_AddItemToObject(
      root, "sweep_keys",
      strings_json((const char *const *)set->sweep_keys, set->nsweep_keys));
  cJSON_AddItemToObject(root, "policies",
                        strings_json(res->policy_names, res->npolicies));
  cJSON_AddNumberToObject(root, "replications", res->replications);

  points = cJSON_AddArrayToObject(root, "points");
  for (size_t p = 0; p < res->npoints; p++)
    cJSON_AddItemToArray(points, point_json(set, res, p));
  cJSON_AddItemToObject(
      root, "expect", expect ? cJSON_Duplicate(expect, 1) : cJSON_CreateNull());
  cJSON_AddItemToObject(root, "perf", perf_json(res));

  text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

/* ---- files, whole or not at all ---- */

struct out_file {
  FILE *f;
  char path[4096], tmp[4096];
};

static int out_open(struct out_file *o, const char *dir, const char *name,
                    char *err, size_t errlen)
{
  snprintf(o->path, sizeof(o->path), "%s/%s", dir, name);
  snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp", dir, name);
  o->f = fopen(o->tmp, "w");
  if (o->f == NULL) {
    snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
    return -1;
  }
  return 0;
}

static int out_close(struct out_file *o, char *err, size_t errlen)
{
  int bad = ferror(o->f);

  if (fclose(o->f) != 0 || bad || rename(o->tmp, o->path) != 0) {
    snprintf(err, errlen, "%s: %s", o->path,
             errno ? strerror(errno) : "write failed");
    remove(o->tmp);
    return -1;
  }
  return 0;
}

static void csv_params(FILE *f, const struct lsim_scenario_set *set, size_t p)
{
  for (size_t k = 0; k < set->nsweep_keys; k++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(set->points[p].params,
                                                      set->sweep_keys[k]);
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;

    fprintf(f, ",%s", text ? text : "");
    cJSON_free(text);
  }
}

static void write_summary(FILE *f, const struct lsim_scenario_set *set,
                          const struct lsim_results *res)
{
  fprintf(f, "point");
  for (size_t k = 0; k < set->nsweep_keys; k++)
    fprintf(f, ",%s", set->sweep_keys[k]);
  fprintf(f, ",policy,metric,mean,ci95_lo,ci95_hi\n");

  for (size_t p = 0; p < res->npoints; p++)
    for (size_t i = 0; i < res->npolicies; i++)
      for (int m = 0; m < LSIM_METRIC_COUNT; m++) {
        const struct lsim_summary *s =
            &lsim_results_cell(res, p, i)->summary[m];

        fprintf(f, "%zu", p);
        csv_params(f, set, p);
        fprintf(f, ",%s,%s,%.9g,%.9g,%.9g\n", res->policy_names[i],
                lsim_metric_names[m], s->mean, s->ci95_lo, s->ci95_hi);
      }
}

/* Times print from the integer nanoseconds: exact, and several times
 * faster than formatting a double, which matters for the serial tail of
 * a run. */
static void write_timeline_row(FILE *f, size_t point, const char *policy,
                               int limit, const struct lsim_timeline_row *row)
{
  long long s = (long long)(row->t / LSIM_NS_PER_S);
  long long ns = (long long)(row->t % LSIM_NS_PER_S);

  fprintf(f, "%zu,%s,%lld.%09lld,%d,%d,%d,%d,%llu\n", point, policy, s, ns,
          row->upstream, limit, row->in_use, row->queued,
          (unsigned long long)row->overshoots);
}

static void write_timeline(FILE *f, const struct lsim_scenario_set *set,
                           const struct lsim_results *res)
{
  fprintf(f, "point,policy,time_s,upstream,limit,in_use,queued,"
             "overshoots\n");
  for (size_t p = 0; p < res->npoints; p++) {
    int limit = set->points[p].scenario->limiter.limit;

    for (size_t i = 0; i < res->npolicies; i++) {
      const struct lsim_timeline *tl = &lsim_results_cell(res, p, i)->timeline;

      for (size_t r = 0; r < tl->len; r++)
        write_timeline_row(f, p, res->policy_names[i], limit,
                           &tl->rows[r]);
    }
  }
}

static void write_wait_cdf(FILE *f, const struct lsim_results *res)
{
  fprintf(f, "point,policy,wait_s,cdf\n");
  for (size_t p = 0; p < res->npoints; p++)
    for (size_t i = 0; i < res->npolicies; i++) {
      const struct lsim_hist *h = &lsim_results_cell(res, p, i)->wait;

      for (int k = 0; k <= CDF_STEPS; k++) {
        double q = (double)k / CDF_STEPS;

        fprintf(f, "%zu,%s,%.9g,%.4f\n", p, res->policy_names[i],
                lsim_hist_quantile(h, q), q);
      }
    }
}

/* mkdir -p: the default output folder is results/NAME. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
  char path[4096];

  snprintf(path, sizeof(path), "%s", dir);
  for (char *p = path + 1; *p != '\0'; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      break;
    *p = '/';
  }
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
    return -1;
  }
  return 0;
}

int lsim_results_write(const char *dir, const char *json,
                       const struct lsim_scenario_set *set,
                       const struct lsim_results *res, char *err, size_t errlen)
{
  struct out_file o[4];
  static const char *const names[4] = {"summary.csv", "timeline.csv",
                                       "wait_cdf.csv", "results.json"};
  int i;

  if (make_dir(dir, err, errlen) != 0)
    return -1;
  for (i = 0; i < 4; i++) {
    if (out_open(&o[i], dir, names[i], err, errlen) != 0)
      goto fail;
  }
  write_summary(o[0].f, set, res);
  write_timeline(o[1].f, set, res);
  write_wait_cdf(o[2].f, res);
  fprintf(o[3].f, "%s\n", json);

  /* results.json goes last: a reader that finds it finds the rest. */
  for (int k = 0; k < 4; k++)
    if (out_close(&o[k], err, errlen) != 0) {
      for (int rest = k + 1; rest < 4; rest++) {
        fclose(o[rest].f);
        remove(o[rest].tmp);
      }
      return -1;
    }
  return 0;
fail:
  while (i-- > 0) {
    fclose(o[i].f);
    remove(o[i].tmp);
  }
  return -1;
}

int lsim_output_write_file(const char *dir, const char *name,
                           const char *text, char *err, size_t errlen)
{
  struct out_file o;

  if (make_dir(dir, err, errlen) != 0 ||
      out_open(&o, dir, name, err, errlen) != 0)
    return -1;
  fputs(text, o.f);
  fputc('\n', o.f);
  return out_close(&o, err, errlen);
}

/* ---- the table ---- */

static void print_params(FILE *out, const struct lsim_scenario_set *set,
                         size_t p)
{
  char *text;

  if (set->nsweep_keys == 0)
    return;
  text = cJSON_PrintUnformatted(set->points[p].params);
  fprintf(out, "\npoint %zu: %s\n", p, text ? text : "");
  cJSON_free(text);
}

static void print_summary_cell(FILE *out, const struct lsim_summary *s)
{
  char buf[64];

  snprintf(buf, sizeof(buf), "%.4g [%.4g, %.4g]", s->mean, s->ci95_lo,
           s->ci95_hi);
  fprintf(out, " %-28s", buf);
}

/* The paired differences the table shows; results.json has them all. */
static const int paired_shown[] = {LSIM_M_OVERSHOOT_EVENTS, LSIM_M_THROUGHPUT,
                                   LSIM_M_WAIT_MEAN};

static void print_point(FILE *out, const struct lsim_results *res, size_t p)
{
  char name[256];

  fprintf(out, "%-18s", "metric");
  for (size_t i = 0; i < res->npolicies; i++)
    fprintf(out, " %-28s", res->policy_names[i]);
  fprintf(out, "\n");
  for (int m = 0; m < LSIM_METRIC_COUNT; m++) {
    fprintf(out, "%-18s", lsim_metric_names[m]);
    for (size_t i = 0; i < res->npolicies; i++)
      print_summary_cell(out, &lsim_results_cell(res, p, i)->summary[m]);
    fprintf(out, "\n");
  }
  for (size_t k = 0; k < res->npairs; k++) {
    const struct lsim_pair *pair = &res->pairs[p * res->npairs + k];

    fprintf(out, "paired %s:", pair_name(res, pair, name, sizeof(name)));
    for (size_t m = 0; m < sizeof(paired_shown) / sizeof(int); m++) {
      const struct lsim_summary *s = &pair->summary[paired_shown[m]];

      fprintf(out, " %s %.4g [%.4g, %.4g]", lsim_metric_names[paired_shown[m]],
              s->mean, s->ci95_lo, s->ci95_hi);
    }
    fprintf(out, "\n");
  }
}

void lsim_results_print_table(FILE *out, const struct lsim_scenario_set *set,
                              const struct lsim_results *res)
{
  const struct lsim_scenario *sc = set->points[0].scenario;

  fprintf(out, "%s: %d replications, 95%% intervals\n", sc->name,
          res->replications);
  for (size_t p = 0; p < res->npoints; p++) {
    print_params(out, set, p);
    print_point(out, res, p);
  }
}
