/*
 * runner.c - every run of a scenario set, over a pool of threads; see
 * runner.h.
 *
 * Work is a flat list of runs, (point, replication, policy), handed out
 * by an atomic-free counter under one mutex. A run takes milliseconds to
 * seconds, so the lock is never what limits the speed-up.
 */
#include "runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct work {
  const struct lsim_scenario_set *set;
  const struct lsim_run_options *opt;
  struct lsim_results *res;
  const struct lsim_policy **policies; /* [policy] */

  pthread_mutex_t lock;
  size_t next, done, total;
  int failed;
  char err[256];
};

struct lsim_cell *lsim_results_cell(const struct lsim_results *res,
                                    size_t point, size_t policy)
{
  return &res->cells[point * res->npolicies + policy];
}

void lsim_sim_config_from_scenario(const struct lsim_scenario *sc,
                                   const struct lsim_policy *policy,
                                   uint32_t replication,
                                   struct lsim_sim_config *cfg)
{
  const struct lsim_scenario_limiter *l = &sc->limiter;
  const struct lsim_scenario_provider *p = &sc->provider;
  const struct lsim_scenario_workload *w = &sc->workload;

  memset(cfg, 0, sizeof(*cfg));
  cfg->seed = sc->seed;
  cfg->replication = replication;
  cfg->duration = lsim_time_from_s(sc->duration_s);
  cfg->warmup = lsim_time_from_s(sc->warmup_s);
  cfg->max_events = sc->max_events;

  cfg->policy = policy;
  cfg->limit = l->limit;
  cfg->instances = l->instances;
  cfg->cooldown = lsim_time_from_s(l->cooldown_s);
  cfg->poll_interval = lsim_time_from_s(l->poll_interval_s);
  cfg->start_window = lsim_time_from_s(l->start_window_s);
  cfg->acquire_timeout = l->acquire_timeout_s > 0
                             ? lsim_time_from_s(l->acquire_timeout_s)
                             : LSIM_TIME_NEVER;

  cfg->cap = l->limit;
  cfg->overflow = p->overflow;
  cfg->retry_max = p->retry_max_attempts;
  cfg->backoff = &p->retry_backoff;
  cfg->release_lag = &p->release_lag;
  cfg->start_delay = &p->start_delay;
  cfg->usage_enabled = p->usage_enabled;
  cfg->usage_latency = &p->usage_latency;
  cfg->usage_failure_rate = p->usage_failure_rate;
  cfg->external_rate = p->external_rate_per_s;
  cfg->external_session = &p->external_session;

  cfg->kind = w->kind;
  cfg->agents = w->agents;
  cfg->think = &w->think;
  cfg->session = &w->session;
  cfg->rate = w->rate_per_s;
  cfg->on_s = w->on_s;
  cfg->off_s = w->off_s;
  cfg->trace = &w->trace;
}

/* ---- timelines ---- */

static void timeline_add(void *user, const struct lsim_timeline_row *row)
{
  struct lsim_timeline *tl = user;

  if (row->t > LSIM_TIMELINE_SPAN || tl->len >= LSIM_TIMELINE_MAX_ROWS ||
      tl->truncated) {
    tl->truncated = true;
    return;
  }

  if (tl->len == tl->cap) {
    size_t cap = tl->cap ? tl->cap * 2 : 1024;
    struct lsim_timeline_row *rows;

    rows = realloc(tl->rows, sizeof(*rows) * cap);
    if (rows == NULL) {
      tl->truncated = true;
      return;
    }
    tl->rows = rows;
    tl->cap = cap;
  }
  tl->rows[tl->len++] = *row;
}

/* ---- one run ---- */

static int run_one(struct work *w, size_t index, struct lsim_sim_result *r)
{
  struct lsim_results *res = w->res;
  size_t policy = index % res->npolicies;
  size_t rep = index / res->npolicies % (size_t)res->replications;
  size_t point = index / res->npolicies / (size_t)res->replications;
  const struct lsim_scenario *sc = w->set->points[point].scenario;
  struct lsim_cell *cell = lsim_results_cell(res, point, policy);
  struct lsim_sim_config cfg;
  char err[160];
  int rc;

  lsim_sim_config_from_scenario(sc, w->policies[policy], (uint32_t)rep, &cfg);
  if (rep == 0 && w->opt->timeline) {
    cfg.timeline = timeline_add;
    cfg.timeline_user = &cell->timeline;
  }
  rc = lsim_sim_run(&cfg, r, err, sizeof(err));
  if (rc != 0) {
    pthread_mutex_lock(&w->lock);
    if (w->failed == 0)
      snprintf(w->err, sizeof(w->err),
               "%s: point %zu, replication %zu, policy %s: %s", w->set->path,
               point, rep, res->policy_names[policy], err);
    w->failed = -1;
    pthread_mutex_unlock(&w->lock);
    return -1;
  }
  memcpy(&cell->values[rep * LSIM_METRIC_COUNT], r->metric, sizeof(r->metric));
  return 0;
}

/* Pooled histograms are sums of integer counts, so the order in which
 * threads merge them cannot change a byte of the output. */
static void record_run(struct work *w, size_t index,
                       const struct lsim_sim_result *r)
{
  struct lsim_results *res = w->res;
  size_t policy = index % res->npolicies;
  size_t point = index / res->npolicies / (size_t)res->replications;

  lsim_hist_merge(&lsim_results_cell(res, point, policy)->wait, &r->wait);
  res->events += r->events;
  res->sessions += r->sessions;
  res->dropped += r->dropped;
  w->done++;
  if (w->opt->progress != NULL)
    w->opt->progress(w->opt->progress_user, w->done, w->total);
}

bool lsim_results_unit_in_shard(size_t unit, int shard, int nshards)
{
  return nshards <= 1 || unit % (size_t)nshards == (size_t)(shard - 1);
}

/* The run that the n-th run of this shard is. */
static size_t run_index(const struct work *w, size_t n)
{
  size_t npol = w->res->npolicies;
  size_t nshards = w->opt->nshards > 1 ? (size_t)w->opt->nshards : 1;
  size_t first = nshards > 1 ? (size_t)(w->opt->shard - 1) : 0;
  size_t unit = n / npol * nshards + first;

  return unit * npol + n % npol;
}

/* How many runs this shard has. */
static size_t shard_runs(const struct work *w)
{
  size_t units = w->res->npoints * (size_t)w->res->replications;
  size_t mine = 0;

  for (size_t u = 0; u < units; u++)
    if (lsim_results_unit_in_shard(u, w->opt->shard, w->opt->nshards))
      mine++;
  return mine * w->res->npolicies;
}

static void *worker(void *arg)
{
  struct work *w = arg;
  struct lsim_sim_result *r = malloc(sizeof(*r));

  if (r == NULL)
    return NULL;
  pthread_mutex_lock(&w->lock);
  while (w->failed == 0 && w->next < w->total) {
    size_t index = run_index(w, w->next++);

    pthread_mutex_unlock(&w->lock);
    int rc = run_one(w, index, r);
    pthread_mutex_lock(&w->lock);
    if (rc == 0)
      record_run(w, index, r);
  }
  pthread_mutex_unlock(&w->lock);
  free(r);
  return NULL;
}

static int run_threads(struct work *w, int jobs)
{
  pthread_t threads[256];
  int started = 0;

  if (jobs > 256)
    jobs = 256;
  for (; started < jobs; started++)
    if (pthread_create(&threads[started], NULL, worker, w) != 0)
      break;
  if (started == 0)
    worker(w);
  for (int i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
  if (w->failed == 0 && w->done != w->total) {
    snprintf(w->err, sizeof(w->err), "%s: out of memory", w->set->path);
    w->failed = -1;
  }
  return w->failed;
}

/* ---- summaries ---- */

static void summarize_cell(struct lsim_results *res, struct lsim_cell *cell)
{
  size_t n = (size_t)res->replications;
  double column[LSIM_SCENARIO_MAX_REPLICATIONS];

  for (int m = 0; m < LSIM_METRIC_COUNT; m++) {
    for (size_t r = 0; r < n; r++)
      column[r] = cell->values[r * LSIM_METRIC_COUNT + m];
    lsim_summarize(column, n, &cell->summary[m]);
  }
}

static void summarize_pair(struct lsim_results *res, size_t point,
                           struct lsim_pair *pair)
{
  size_t n = (size_t)res->replications;
  const struct lsim_cell *a = lsim_results_cell(res, point, (size_t)pair->a);
  const struct lsim_cell *b = lsim_results_cell(res, point, (size_t)pair->b);
  double va[LSIM_SCENARIO_MAX_REPLICATIONS];
  double vb[LSIM_SCENARIO_MAX_REPLICATIONS];

  for (int m = 0; m < LSIM_METRIC_COUNT; m++) {
    for (size_t r = 0; r < n; r++) {
      va[r] = a->values[r * LSIM_METRIC_COUNT + m];
      vb[r] = b->values[r * LSIM_METRIC_COUNT + m];
    }
    lsim_summarize_paired(vb, va, n, &pair->summary[m]);
  }
}

void lsim_results_summarize(struct lsim_results *res)
{
  size_t k = 0;

  for (size_t p = 0; p < res->npoints; p++) {
    for (size_t i = 0; i < res->npolicies; i++)
      summarize_cell(res, lsim_results_cell(res, p, i));
    for (size_t a = 0; a < res->npolicies; a++)
      for (size_t b = a + 1; b < res->npolicies; b++, k++) {
        res->pairs[k].a = (int)a;
        res->pairs[k].b = (int)b;
        summarize_pair(res, p, &res->pairs[k]);
      }
  }
}

/* ---- set-up ---- */

struct lsim_results *lsim_results_new(const struct lsim_scenario_set *set)
{
  const struct lsim_scenario *sc0 = set->points[0].scenario;
  size_t npol = sc0->limiter.npolicies;
  size_t reps = (size_t)sc0->replications;
  struct lsim_results *res = calloc(1, sizeof(*res));

  if (res == NULL)
    return NULL;
  res->npoints = set->npoints;
  res->npolicies = npol;
  res->npairs = npol * (npol - 1) / 2;
  res->replications = sc0->replications;
  res->policy_names = calloc(npol, sizeof(char *));
  res->cells = calloc(set->npoints * npol, sizeof(*res->cells));
  res->pairs = calloc(set->npoints * res->npairs + 1, sizeof(*res->pairs));
  if (res->policy_names == NULL || res->cells == NULL || res->pairs == NULL)
    goto fail;
  for (size_t i = 0; i < npol; i++)
    res->policy_names[i] = sc0->limiter.policies[i].name;
  for (size_t c = 0; c < set->npoints * npol; c++) {
    res->cells[c].values = calloc(reps * LSIM_METRIC_COUNT, sizeof(double));
    if (res->cells[c].values == NULL)
      goto fail;
    lsim_hist_init(&res->cells[c].wait);
  }
  return res;
fail:
  lsim_results_free(res);
  return NULL;
}

static int load_policies(const struct lsim_scenario *sc,
                         const struct lsim_policy **policies, char *err,
                         size_t errlen)
{
  for (size_t i = 0; i < sc->limiter.npolicies; i++) {
    const struct lsim_scenario_policy *p = &sc->limiter.policies[i];

    if (p->plugin_path == NULL) {
      policies[i] = lsim_policy_find(p->name);
      continue;
    }
    if (lsim_policy_load(p->plugin_path, &policies[i], err, errlen) != 0)
      return -1;
  }
  return 0;
}

/* Every point must run the same policies, or the results table has no
 * shape; a sweep over limiter.policies is refused here. */
static int check_points(const struct lsim_scenario_set *set, char *err,
                        size_t errlen)
{
  const struct lsim_scenario *sc0 = set->points[0].scenario;

  for (size_t p = 1; p < set->npoints; p++) {
    const struct lsim_scenario *sc = set->points[p].scenario;

    if (sc->limiter.npolicies != sc0->limiter.npolicies ||
        sc->replications != sc0->replications) {
      snprintf(err, errlen,
               "%s: sweep: every point must have the same policies and "
               "replications",
               set->path);
      return -1;
    }
  }
  return 0;
}

static double wall_clock(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int lsim_run_set(const struct lsim_scenario_set *set,
                 const struct lsim_run_options *opt, struct lsim_results **out,
                 char *err, size_t errlen)
{
  struct work w = {.set = set, .opt = opt};
  int jobs = opt->jobs > 0 ? opt->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
  double start = wall_clock();
  int rc;

  if (check_points(set, err, errlen) != 0)
    return -1;
  w.res = lsim_results_new(set);
  w.policies = calloc(w.res ? w.res->npolicies : 1, sizeof(*w.policies));
  if (w.res == NULL || w.policies == NULL) {
    snprintf(err, errlen, "%s: out of memory", set->path);
    goto fail;
  }
  if (load_policies(set->points[0].scenario, w.policies, err, errlen) != 0)
    goto fail;

  w.total = shard_runs(&w);
  pthread_mutex_init(&w.lock, NULL);
  rc = run_threads(&w, jobs < 1 ? 1 : jobs);
  pthread_mutex_destroy(&w.lock);
  if (rc != 0) {
    snprintf(err, errlen, "%s", w.err);
    goto fail;
  }

  if (opt->nshards <= 1)
    lsim_results_summarize(w.res);
  w.res->wall_s = wall_clock() - start;
  free(w.policies);
  *out = w.res;
  return 0;
fail:
  free(w.policies);
  lsim_results_free(w.res);
  return -1;
}

void lsim_results_free(struct lsim_results *res)
{
  if (res == NULL)
    return;
  for (size_t c = 0; res->cells != NULL && c < res->npoints * res->npolicies;
       c++) {
    free(res->cells[c].values);
    free(res->cells[c].timeline.rows);
  }
  free(res->cells);
  free(res->pairs);
  free(res->policy_names);
  free(res);
}
