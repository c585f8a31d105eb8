/*
 * test_scenario.c - scenario files: values, defaults, sweeps, --set and
 * the exact one-line message of every kind of mistake.
 *
 * The scenarios are files in tests/data/scenarios/; tests run from the
 * repository root, so messages name them by that relative path.
 */
#include "runner.h"
#include "scenario.h"

#include <math.h>
#include <string.h>

#define DATA "tests/data/scenarios/"

static struct lsim_scenario_set *load_ok(const char *file,
                                         const char *const *sets, size_t nsets)
{
  struct lsim_scenario_set *set = NULL;
  char err[512] = "";
  int rc = lsim_scenario_load(file, sets, nsets, &set, err, sizeof err);

  if (rc != 0)
    fprintf(stderr, "\n  %s: unexpected error: %s\n", file, err);
  LSIM_ASSERT_EQ_INT(rc, 0);
  return set;
}

static void expect_error_sets(const char *file, const char *const *sets,
                              size_t nsets, const char *message)
{
  struct lsim_scenario_set *set = NULL;
  char err[512] = "";
  int rc = lsim_scenario_load(file, sets, nsets, &set, err, sizeof err);

  LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(set);
  if (strcmp(err, message) != 0)
    fprintf(stderr, "\n  got:      %s\n  expected: %s\n", err, message);
  CU_ASSERT_STRING_EQUAL(err, message);
  lsim_scenario_set_free(set);
}

static void expect_error(const char *file, const char *message)
{
  expect_error_sets(file, NULL, 0, message);
}

/* ---------------------------------------------------------------- */
/* Good files                                                       */
/* ---------------------------------------------------------------- */

static void test_full_values(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "full.json", NULL, 0);
  const struct lsim_scenario *sc;

  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(set->npoints, 1);
  LSIM_ASSERT_EQ_INT(set->nsweep_keys, 0);
  sc = set->points[0].scenario;

  CU_ASSERT_STRING_EQUAL(sc->name, "full");
  CU_ASSERT_STRING_EQUAL(sc->description,
                         "every key set to a value other than its default");
  LSIM_ASSERT_EQ_INT(sc->seed, 42);
  LSIM_ASSERT_EQ_INT(sc->replications, 5);
  LSIM_ASSERT_NEAR(sc->duration_s, 600, 0);
  LSIM_ASSERT_NEAR(sc->warmup_s, 30, 0);
  LSIM_ASSERT_EQ_INT(sc->max_events, 5000000);
  CU_ASSERT_PTR_NOT_NULL(
      cJSON_GetObjectItemCaseSensitive(sc->expect, "overshoot_events"));
  CU_ASSERT_STRING_EQUAL(
      cJSON_GetObjectItemCaseSensitive(sc->live, "url")->valuestring,
      "http://127.0.0.1:8080");
  lsim_scenario_set_free(set);
}

static void test_full_limiter(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "full.json", NULL, 0);
  const struct lsim_scenario_limiter *lim;

  if (set == NULL)
    return;
  lim = &set->points[0].scenario->limiter;

  LSIM_ASSERT_EQ_INT(lim->limit, 4);
  LSIM_ASSERT_NEAR(lim->cooldown_s, 1.5, 0);
  LSIM_ASSERT_NEAR(lim->poll_interval_s, 0.5, 0);
  LSIM_ASSERT_NEAR(lim->start_window_s, 0.2, 0);
  LSIM_ASSERT_NEAR(lim->acquire_timeout_s, 30, 0);
  LSIM_ASSERT_EQ_INT(lim->instances, 2);
  LSIM_ASSERT_EQ_INT(lim->npolicies, 3);
  CU_ASSERT_STRING_EQUAL(lim->policies[1].name, "usage-gate-all");
  CU_ASSERT_PTR_NULL(lim->policies[1].plugin_path);
  lsim_scenario_set_free(set);
}

static void test_full_provider(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "full.json", NULL, 0);
  const struct lsim_scenario_provider *p;

  if (set == NULL)
    return;
  p = &set->points[0].scenario->provider;

  LSIM_ASSERT_EQ_INT(p->release_lag.kind, LSIM_DIST_LOGNORMAL);
  LSIM_ASSERT_NEAR(p->release_lag.a, 2, 0);
  LSIM_ASSERT_NEAR(p->release_lag.b, 1, 0);
  /* prepared: the underlying normal's sigma^2 = ln(1 + sd^2/mean^2) */
  LSIM_ASSERT_NEAR(p->release_lag.sigma, sqrt(log(1.25)), 1e-12);
  LSIM_ASSERT_EQ_INT(p->start_delay.kind, LSIM_DIST_CONSTANT);
  LSIM_ASSERT_NEAR(p->start_delay.a, 0.05, 0);
  LSIM_ASSERT_EQ_INT(p->overflow, LSIM_OVERFLOW_ADMIT);
  LSIM_ASSERT_EQ_INT(p->retry_max_attempts, 5);
  LSIM_ASSERT_EQ_INT(p->retry_backoff.kind, LSIM_DIST_EXPONENTIAL);
  CU_ASSERT_FALSE(p->usage_enabled);
  LSIM_ASSERT_EQ_INT(p->usage_latency.kind, LSIM_DIST_UNIFORM);
  LSIM_ASSERT_NEAR(p->usage_latency.b, 0.3, 0);
  LSIM_ASSERT_NEAR(p->usage_failure_rate, 0.1, 0);
  LSIM_ASSERT_NEAR(p->external_rate_per_s, 0.5, 0);
  LSIM_ASSERT_EQ_INT(p->external_session.kind, LSIM_DIST_GAMMA);
  LSIM_ASSERT_NEAR(p->external_session.b, 3, 0);
  lsim_scenario_set_free(set);
}

static void test_full_workload(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "full.json", NULL, 0);
  const struct lsim_scenario_workload *w;

  if (set == NULL)
    return;
  w = &set->points[0].scenario->workload;

  LSIM_ASSERT_EQ_INT(w->kind, LSIM_WORKLOAD_CLOSED);
  LSIM_ASSERT_EQ_INT(w->agents, 16);
  LSIM_ASSERT_EQ_INT(w->think.kind, LSIM_DIST_EXPONENTIAL);
  LSIM_ASSERT_NEAR(w->think.a, 5, 0);
  LSIM_ASSERT_EQ_INT(w->session.kind, LSIM_DIST_WEIBULL);
  LSIM_ASSERT_NEAR(w->session.a, 1.5, 0);
  LSIM_ASSERT_NEAR(w->session.b, 20, 0);
  lsim_scenario_set_free(set);
}

static void test_defaults(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "minimal.json", NULL, 0);
  const struct lsim_scenario *sc;

  if (set == NULL)
    return;
  sc = set->points[0].scenario;

  CU_ASSERT_STRING_EQUAL(sc->description, "");
  LSIM_ASSERT_EQ_INT(sc->seed, 1);
  LSIM_ASSERT_EQ_INT(sc->replications, 10);
  LSIM_ASSERT_NEAR(sc->warmup_s, 0, 0);
  LSIM_ASSERT_EQ_INT(sc->max_events, 1000000000);
  LSIM_ASSERT_NEAR(sc->limiter.cooldown_s, 0, 0);
  LSIM_ASSERT_NEAR(sc->limiter.poll_interval_s, 0.25, 0);
  LSIM_ASSERT_NEAR(sc->limiter.start_window_s, 0.1, 0);
  LSIM_ASSERT_NEAR(sc->limiter.acquire_timeout_s, 0, 0);
  LSIM_ASSERT_EQ_INT(sc->limiter.instances, 1);
  LSIM_ASSERT_EQ_INT(sc->limiter.npolicies, 3);
  CU_ASSERT_STRING_EQUAL(sc->limiter.policies[0].name, "cooldown");
  CU_ASSERT_STRING_EQUAL(sc->limiter.policies[1].name, "usage-gate");
  CU_ASSERT_STRING_EQUAL(sc->limiter.policies[2].name, "headroom");
  CU_ASSERT_PTR_NULL(sc->expect);
  CU_ASSERT_PTR_NULL(sc->live);
  lsim_scenario_set_free(set);
}

static void test_provider_defaults(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "minimal.json", NULL, 0);
  const struct lsim_scenario_provider *p;

  if (set == NULL)
    return;
  p = &set->points[0].scenario->provider;

  LSIM_ASSERT_EQ_INT(p->release_lag.kind, LSIM_DIST_CONSTANT);
  LSIM_ASSERT_NEAR(p->release_lag.a, 0, 0);
  LSIM_ASSERT_NEAR(p->start_delay.a, 0, 0);
  LSIM_ASSERT_EQ_INT(p->overflow, LSIM_OVERFLOW_REJECT);
  LSIM_ASSERT_EQ_INT(p->retry_max_attempts, 3);
  LSIM_ASSERT_NEAR(p->retry_backoff.a, 1, 0);
  CU_ASSERT_TRUE(p->usage_enabled);
  LSIM_ASSERT_NEAR(p->usage_latency.a, 0, 0);
  LSIM_ASSERT_NEAR(p->usage_failure_rate, 0, 0);
  LSIM_ASSERT_NEAR(p->external_rate_per_s, 0, 0);
  LSIM_ASSERT_EQ_INT(set->points[0].scenario->workload.kind,
                     LSIM_WORKLOAD_POISSON);
  LSIM_ASSERT_NEAR(set->points[0].scenario->workload.rate_per_s, 2, 0);
  lsim_scenario_set_free(set);
}

static void test_burst(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "burst.json", NULL, 0);
  const struct lsim_scenario *sc;

  if (set == NULL)
    return;
  sc = set->points[0].scenario;

  LSIM_ASSERT_EQ_INT(sc->workload.kind, LSIM_WORKLOAD_BURST);
  LSIM_ASSERT_NEAR(sc->workload.on_s, 10, 0);
  LSIM_ASSERT_NEAR(sc->workload.off_s, 50, 0);
  LSIM_ASSERT_NEAR(sc->workload.rate_per_s, 4, 0);
  LSIM_ASSERT_EQ_INT(sc->workload.session.kind, LSIM_DIST_NORMAL);
  LSIM_ASSERT_EQ_INT(sc->provider.release_lag.kind, LSIM_DIST_PARETO);
  LSIM_ASSERT_NEAR(sc->provider.release_lag.b, 0.5, 0);
  lsim_scenario_set_free(set);
}

/* The CSV has a header, a blank line, blanks around a field and two rows
 * at the same time: all allowed. */
static void test_trace(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "trace.json", NULL, 0);
  const struct lsim_scenario_workload *w;

  if (set == NULL)
    return;
  w = &set->points[0].scenario->workload;

  LSIM_ASSERT_EQ_INT(w->kind, LSIM_WORKLOAD_TRACE);
  CU_ASSERT_STRING_EQUAL(w->file, DATA "trace.csv");
  LSIM_ASSERT_EQ_INT(w->trace.n, 4);
  LSIM_ASSERT_NEAR(w->trace.arrival_s[1], 1.5, 0);
  LSIM_ASSERT_NEAR(w->trace.session_s[1], 2, 0);
  LSIM_ASSERT_NEAR(w->trace.arrival_s[2], 1.5, 0);
  LSIM_ASSERT_NEAR(w->trace.session_s[2], 0, 0);
  LSIM_ASSERT_NEAR(w->trace.arrival_s[3], 10, 0);
  LSIM_ASSERT_NEAR(w->trace.session_s[3], 7.25, 0);
  lsim_scenario_set_free(set);
}

static void test_empirical(void)
{
  struct lsim_scenario_set *set = load_ok(DATA "empirical.json", NULL, 0);
  const struct lsim_dist *lag;

  if (set == NULL)
    return;
  lag = &set->points[0].scenario->provider.release_lag;

  LSIM_ASSERT_EQ_INT(lag->kind, LSIM_DIST_EMPIRICAL);
  LSIM_ASSERT_EQ_INT(lag->nsamples, 3);
  LSIM_ASSERT_NEAR(lag->samples[0], 0.5, 0);
  LSIM_ASSERT_NEAR(lag->samples[2], 3, 0);
  lsim_scenario_set_free(set);
}

/* ---------------------------------------------------------------- */
/* Sweeps                                                           */
/* ---------------------------------------------------------------- */

static double param(const struct lsim_scenario_point *pt, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(pt->params, key);

  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* 3 lags x 2 limits, the first key outermost. */
static void test_sweep_product(void)
{
  static const double lag[] = {0.5, 0.5, 2, 2, 8, 8};
  static const int limit[] = {1, 4, 1, 4, 1, 4};
  struct lsim_scenario_set *set = load_ok(DATA "sweep.json", NULL, 0);

  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(set->nsweep_keys, 2);
  CU_ASSERT_STRING_EQUAL(set->sweep_keys[0], "provider.release_lag.mean");
  CU_ASSERT_STRING_EQUAL(set->sweep_keys[1], "limiter.limit");
  LSIM_ASSERT_EQ_INT(set->npoints, 6);

  for (size_t i = 0; i < set->npoints && i < 6; i++) {
    const struct lsim_scenario *sc = set->points[i].scenario;

    LSIM_ASSERT_NEAR(param(&set->points[i], "provider.release_lag.mean"),
                     lag[i], 0);
    LSIM_ASSERT_NEAR(param(&set->points[i], "limiter.limit"), limit[i], 0);
    LSIM_ASSERT_NEAR(sc->provider.release_lag.a, lag[i], 0);
    LSIM_ASSERT_EQ_INT(sc->provider.release_lag.kind, LSIM_DIST_EXPONENTIAL);
    LSIM_ASSERT_EQ_INT(sc->limiter.limit, limit[i]);
    LSIM_ASSERT_NEAR(sc->limiter.cooldown_s, 1, 0); /* from the base */
  }
  lsim_scenario_set_free(set);
}

static void test_sweep_errors(void)
{
  expect_error(DATA "sweep_path.json",
               DATA "sweep_path.json: sweep.limiter.cooldown: unknown key");
  expect_error(DATA "sweep_value.json",
               DATA "sweep_value.json: sweep limiter.limit=0: "
                    "limiter.limit: expected an integer >= 1, got 0");
  expect_error(DATA "sweep_bare.json",
               DATA "sweep_bare.json: sweep.provider.release_lag.mean: "
                    "expected provider.release_lag in the object form "
                    "{\"dist\": ...}, got 2");
  expect_error(DATA "sweep_empty.json",
               DATA "sweep_empty.json: sweep.limiter.limit: expected a "
                    "non-empty array, got []");
}

/* A point that fails only through the combination names all its values;
 * a file that is wrong whatever the sweep sets does not blame the sweep. */
static void test_sweep_blame(void)
{
  expect_error(DATA "sweep_cross.json",
               DATA "sweep_cross.json: sweep limiter.limit=2, "
                    "duration_s=10: warmup_s: expected a number >= 0 and < "
                    "duration_s (10), got 20");
  expect_error(DATA "sweep_base.json",
               DATA "sweep_base.json: limiter.cooldown_s: expected a "
                    "number >= 0, got -1");
}

/* Results are a points x policies table of equal replications. */
static void test_sweep_shape(void)
{
  static const char *const policies[] = {
      "sweep={\"limiter.policies\": [[\"cooldown\"], [\"headroom\"]]}"};
  static const char *const replications[] = {
      "sweep={\"replications\": [5, 10]}"};

  expect_error_sets(DATA "minimal.json", policies, 1,
                    DATA "minimal.json: sweep limiter.policies=[\"headroom\"]: "
                         "limiter.policies: expected the same policies at "
                         "every sweep point");
  expect_error_sets(DATA "minimal.json", replications, 1,
                    DATA "minimal.json: sweep replications=10: "
                         "replications: expected the same value at every "
                         "sweep point (5), got 10");
}

/* A sweep into a bare-number distribution sets the constant. */
static void test_sweep_bare_dist(void)
{
  static const char *const sets[] = {
      "sweep={\"provider.release_lag\": [0, 3]}"};
  struct lsim_scenario_set *set = load_ok(DATA "minimal.json", sets, 1);

  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(set->npoints, 2);
  LSIM_ASSERT_EQ_INT(set->points[1].scenario->provider.release_lag.kind,
                     LSIM_DIST_CONSTANT);
  LSIM_ASSERT_NEAR(set->points[1].scenario->provider.release_lag.a, 3, 0);
  lsim_scenario_set_free(set);
}

/* ---------------------------------------------------------------- */
/* --set                                                            */
/* ---------------------------------------------------------------- */

/* Values that parse as JSON are JSON; others are strings. A whole
 * section may be replaced, and missing sections are made on the way. */
static void test_set_overrides(void)
{
  static const char *const good[] = {
      "limiter.limit=7",
      "name=renamed run",
      "provider.overflow=admit",
      "workload={\"kind\": \"closed\", \"agents\": 3, \"session\": 4}",
      "provider.retry.max_attempts=9",
      "expect.throughput.min=0.5",
  };
  struct lsim_scenario_set *set = load_ok(DATA "minimal.json", good, 6);
  const struct lsim_scenario *sc;

  if (set == NULL)
    return;
  sc = set->points[0].scenario;

  LSIM_ASSERT_EQ_INT(sc->limiter.limit, 7);
  CU_ASSERT_STRING_EQUAL(sc->name, "renamed run");
  LSIM_ASSERT_EQ_INT(sc->provider.overflow, LSIM_OVERFLOW_ADMIT);
  LSIM_ASSERT_EQ_INT(sc->workload.kind, LSIM_WORKLOAD_CLOSED);
  LSIM_ASSERT_EQ_INT(sc->workload.agents, 3);
  LSIM_ASSERT_EQ_INT(sc->provider.retry_max_attempts, 9);
  CU_ASSERT_PTR_NOT_NULL(
      cJSON_GetObjectItemCaseSensitive(sc->expect, "throughput"));
  lsim_scenario_set_free(set);
}

/* The tree as run (results.json) holds the overrides. */
static void test_set_as_run(void)
{
  static const char *const sets[] = {"limiter.cooldown_s=2.5"};
  struct lsim_scenario_set *set = load_ok(DATA "minimal.json", sets, 1);
  cJSON *back;
  char *json;

  if (set == NULL)
    return;
  json = lsim_scenario_set_json(set);
  back = cJSON_Parse(json);

  CU_ASSERT_STRING_EQUAL(set->path, DATA "minimal.json");
  LSIM_ASSERT_NEAR(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(back, "limiter"), "cooldown_s")
          ->valuedouble,
      2.5, 0);
  cJSON_Delete(back);
  cJSON_free(json);
  lsim_scenario_set_free(set);
}

/* --set on a swept key fixes it: the sweep no longer varies it. A --set
 * into the sweep replaces that key's values. */
static void test_set_and_sweep(void)
{
  static const char *const sets[] = {"limiter.limit=3",
                                     "sweep.provider.release_lag.mean=[9]"};
  struct lsim_scenario_set *set = load_ok(DATA "sweep.json", sets, 2);

  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(set->nsweep_keys, 1);
  LSIM_ASSERT_EQ_INT(set->npoints, 1);
  LSIM_ASSERT_EQ_INT(set->points[0].scenario->limiter.limit, 3);
  LSIM_ASSERT_NEAR(set->points[0].scenario->provider.release_lag.a, 9, 0);
  lsim_scenario_set_free(set);
}

static void test_set_errors(void)
{
  static const char *const unknown[] = {"limiter.limitt=3"};
  static const char *const malformed[] = {"limiter.limit"};
  static const char *const too_deep[] = {"limiter.limit.max=3"};
  static const char *const bad_value[] = {"limiter.limit=0"};
  char long_text[400] = "";
  const char *long_path = long_text;
  static const char *const not_object[] = {"limiter=4", "limiter.limit=2"};

  for (int i = 0; i < 150; i++)
    strcat(long_text, "a.");
  strcat(long_text, "b=1");
  expect_error_sets(DATA "minimal.json", unknown, 1,
                    DATA "minimal.json: --set limiter.limitt: unknown key");
  expect_error_sets(DATA "minimal.json", malformed, 1,
                    DATA "minimal.json: --set limiter.limit: expected "
                         "KEY.PATH=VALUE");
  expect_error_sets(DATA "minimal.json", too_deep, 1,
                    DATA "minimal.json: --set limiter.limit.max: unknown "
                         "key");
  expect_error_sets(DATA "minimal.json", bad_value, 1,
                    DATA "minimal.json: limiter.limit: expected an integer "
                         ">= 1, got 0");
  expect_error_sets(DATA "minimal.json", &long_path, 1,
                    DATA "minimal.json: --set "
                         "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
                         "...: unknown key");
  expect_error_sets(DATA "minimal.json", not_object, 2,
                    DATA "minimal.json: --set limiter.limit: expected "
                         "limiter to be an object, got 4");
}

/* ---------------------------------------------------------------- */
/* Errors, one line each                                            */
/* ---------------------------------------------------------------- */

static void test_file_errors(void)
{
  expect_error(DATA "nope.json",
               DATA "nope.json: cannot read: No such file or directory");
  /* Unreadable: a folder (tests run as root, so file modes stop nothing). */
  expect_error(DATA, DATA ": cannot read: Is a directory");
  expect_error(DATA "empty.json", DATA "empty.json: empty file");
  expect_error(DATA "blank.json", DATA "blank.json: empty file");
  expect_error(DATA "not_object.json",
               DATA "not_object.json: expected a JSON object, got "
                    "[\"name\",\"duration_s\"]");
}

/* Line and column count from 1. cJSON stops one past a "}" where it
 * wanted a key (after the trailing comma), and at the N of NaN, which
 * JSON does not have. */
static void test_syntax_errors(void)
{
  expect_error(DATA "syntax.json", DATA "syntax.json:4:27: syntax error");
  expect_error(DATA "nan.json", DATA "nan.json:3:17: syntax error");
}

static void test_text_errors(void)
{
  static const char with_nul[] = "{\"name\": \"x\"}\0{}";
  struct lsim_scenario_set *set = NULL;
  char err[256];
  int rc = lsim_scenario_load_text(with_nul, sizeof with_nul - 1, "t.json",
                                   NULL, 0, &set, err, sizeof err);

  LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "t.json:1:14: syntax error");

  /* cJSON takes a raw newline in a key; the message stays one line */
  rc = lsim_scenario_load_text("{\"na\nme\": 1}", 12, "t.json", NULL, 0, &set,
                               err, sizeof err);
  LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "t.json: na?me: unknown key");

  rc = lsim_scenario_load_text("{\"a\": 1", 7, "t.json", NULL, 0, &set, err,
                               sizeof err);
  LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "t.json:1:8: syntax error");
  CU_ASSERT_PTR_NULL(set);
}

static void test_key_errors(void)
{
  expect_error(DATA "unknown_key.json",
               DATA "unknown_key.json: workload.kindd: unknown key");
  expect_error(DATA "kind_key.json",
               DATA "kind_key.json: workload.agents: unknown key for kind "
                    "\"poisson\"");
  expect_error(DATA "duplicate.json",
               DATA "duplicate.json: limiter.limit: duplicate key");
  expect_error(DATA "no_name.json",
               DATA "no_name.json: name: expected a non-empty string, got "
                    "nothing");
}

static void test_value_errors(void)
{
  expect_error(DATA "wrong_type.json",
               DATA "wrong_type.json: limiter.cooldown_s: expected a number "
                    ">= 0, got \"1\"");
  expect_error(DATA "range.json",
               DATA "range.json: limiter.limit: expected an integer >= 1, "
                    "got 0");
  expect_error(DATA "huge.json",
               DATA "huge.json: duration_s: expected a finite number, got a "
                    "number too large to represent");
  expect_error(DATA "huge_int.json",
               DATA "huge_int.json: workload.agents: expected an integer "
                    "from 1 to 1000000, got 1e+20");
  expect_error(DATA "warmup.json",
               DATA "warmup.json: warmup_s: expected a number >= 0 and < "
                    "duration_s (100), got 100");
}

/* Range checks of keys no file above covers, by --set on a good file. */
static void test_value_ranges(void)
{
  static const struct {
    const char *set, *message;
  } cases[] = {
      {"seed=-1", "seed: expected an integer >= 0, got -1"},
      {"replications=10001",
       "replications: expected an integer from 1 to 10000, got 10001"},
      {"replications=2.5",
       "replications: expected an integer from 1 to 10000, got 2.5"},
      {"duration_s=0", "duration_s: expected a number > 0, got 0"},
      {"limiter.poll_interval_s=0",
       "limiter.poll_interval_s: expected a number > 0, got 0"},
      {"limiter.acquire_timeout_s=0",
       "limiter.acquire_timeout_s: expected a number > 0, got 0"},
      {"limiter.instances=0",
       "limiter.instances: expected an integer >= 1, got 0"},
      {"limiter.policies=[]", "limiter.policies: expected a non-empty array "
                              "of policy names, got []"},
      {"provider.overflow=drop",
       "provider.overflow: expected one of \"reject\", \"admit\", got "
       "\"drop\""},
      {"provider.usage.enabled=1",
       "provider.usage.enabled: expected true or false, got 1"},
      {"provider.usage.failure_rate=1.5",
       "provider.usage.failure_rate: expected a number from 0 to 1, got "
       "1.5"},
      {"provider.external_load.rate_per_s=1",
       "provider.external_load.session: expected a number >= 0 or a "
       "distribution object, got nothing"},
      {"provider.release_lag=-1", "provider.release_lag: expected a number "
                                  ">= 0 or a distribution object, got -1"},
      {"provider.retry.max_attempts=-1",
       "provider.retry.max_attempts: expected an integer >= 0, got -1"},
      {"workload.rate_per_s=0",
       "workload.rate_per_s: expected a number > 0, got 0"},
      {"workload.kind=open", "workload.kind: expected one of \"closed\", "
                             "\"poisson\", \"burst\", \"trace\", got "
                             "\"open\""},
      {"expect=[]", "expect: expected an object, got []"},
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char message[512];

    snprintf(message, sizeof message, "%s: %s", DATA "minimal.json",
             cases[i].message);
    expect_error_sets(DATA "minimal.json", &cases[i].set, 1, message);
  }
}

static void test_dist_errors(void)
{
  expect_error(DATA "dist_kind.json",
               DATA "dist_kind.json: provider.release_lag.dist: expected "
                    "one of \"constant\", \"uniform\", \"exponential\", "
                    "\"normal\", \"lognormal\", \"gamma\", \"weibull\", "
                    "\"pareto\", \"empirical\", got \"lognorml\"");
  expect_error(DATA "dist_param.json",
               DATA "dist_param.json: provider.release_lag.mean: expected a "
                    "number > 0, got -1");
  expect_error(DATA "dist_extra.json",
               DATA "dist_extra.json: workload.session.sd: unknown key for "
                    "dist \"exponential\"");
}

static void test_dist_set_errors(void)
{
  static const char *const missing[] = {
      "provider.release_lag={\"dist\": \"gamma\", \"shape\": 2}"};
  static const char *const unknown[] = {
      "provider.release_lag={\"dist\": \"constant\", \"valeu\": 2}"};
  static const char *const no_file[] = {
      "provider.release_lag={\"dist\": \"empirical\", \"file\": \"x.csv\"}"};

  expect_error_sets(DATA "minimal.json", missing, 1,
                    DATA "minimal.json: provider.release_lag.scale: "
                         "expected a number, got nothing");
  expect_error_sets(DATA "minimal.json", unknown, 1,
                    DATA "minimal.json: provider.release_lag.valeu: unknown "
                         "key");
  expect_error_sets(DATA "minimal.json", no_file, 1,
                    DATA "minimal.json: provider.release_lag.file: " DATA
                         "x.csv: cannot open: No such file or directory");
}

static void test_policy_errors(void)
{
  static const char *const twice[] = {
      "limiter.policies=[\"headroom\", \"headroom\"]"};

  expect_error(DATA "policy.json",
               DATA "policy.json: limiter.policies[1]: expected a built-in "
                    "policy (cooldown, usage-gate, usage-gate-all, "
                    "headroom) or a path ending in .so, got \"coldown\"");
  expect_error(DATA "plugin.json",
               DATA "plugin.json: limiter.policies[1]: " DATA
                    "plugins/missing.so: cannot read: No such file or "
                    "directory");
  expect_error_sets(DATA "minimal.json", twice, 1,
                    DATA "minimal.json: limiter.policies[1]: expected a "
                         "policy not listed before, got \"headroom\"");
}

static void test_trace_errors(void)
{
  expect_error(DATA "trace_missing.json",
               DATA "trace_missing.json: workload.file: " DATA
                    "trace_missing.csv: cannot read: No such file or "
                    "directory");
  expect_error(DATA "trace_number.json",
               DATA "trace_number.json: workload.file: " DATA
                    "trace_number.csv:2: session_s: expected a number >= 0, "
                    "got \"-2\"");
  expect_error(DATA "trace_order.json",
               DATA "trace_order.json: workload.file: " DATA
                    "trace_order.csv:4: arrival_s: expected a number >= 3 "
                    "(the arrival before), got 2");
  expect_error(DATA "trace_columns.json",
               DATA "trace_columns.json: workload.file: " DATA
                    "trace_columns.csv:2: expected 2 columns "
                    "(arrival_s,session_s), got 3");
  expect_error(DATA "trace_header.json",
               DATA "trace_header.json: workload.file: " DATA
                    "trace_header.csv:1: expected the header "
                    "arrival_s,session_s or two numbers, got "
                    "\"arrival,session\"");
  expect_error(DATA "trace_empty.json",
               DATA "trace_empty.json: workload.file: " DATA
                    "trace_empty.csv: expected at least one row, found "
                    "none");
}

/* A NULL err is allowed: the caller only wants the code. */
static void test_null_err(void)
{
  struct lsim_scenario_set *set = NULL;

  LSIM_ASSERT_EQ_INT(
      lsim_scenario_load(DATA "range.json", NULL, 0, &set, NULL, 0),
      LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(set);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case good[] = {
      {"full file: top-level values", test_full_values},
      {"full file: limiter", test_full_limiter},
      {"full file: provider", test_full_provider},
      {"full file: workload", test_full_workload},
      {"defaults", test_defaults},
      {"provider defaults", test_provider_defaults},
      {"burst workload", test_burst},
      {"trace workload", test_trace},
      {"empirical distribution", test_empirical},
      {NULL, NULL},
  };
  static const struct lsim_test_case sweep[] = {
      {"product in order", test_sweep_product},
      {"bad path, value, shape", test_sweep_errors},
      {"which point to blame", test_sweep_blame},
      {"into a bare-number dist", test_sweep_bare_dist},
      {"same policies and replications", test_sweep_shape},
      {"--set overrides", test_set_overrides},
      {"--set shows in the tree as run", test_set_as_run},
      {"--set and the sweep", test_set_and_sweep},
      {"--set errors", test_set_errors},
      {NULL, NULL},
  };
  static const struct lsim_test_case errors[] = {
      {"file", test_file_errors},
      {"syntax", test_syntax_errors},
      {"text with NUL, truncated text", test_text_errors},
      {"keys", test_key_errors},
      {"values", test_value_errors},
      {"value ranges", test_value_ranges},
      {"distributions", test_dist_errors},
      {"distributions via --set", test_dist_set_errors},
      {"policies", test_policy_errors},
      {"trace files", test_trace_errors},
      {"NULL err", test_null_err},
      {NULL, NULL},
  };

  if (lsim_test_add_suite("scenario: good files", good) != 0 ||
      lsim_test_add_suite("scenario: sweep and --set", sweep) != 0 ||
      lsim_test_add_suite("scenario: errors", errors) != 0)
    return -1;
  return 0;
}
