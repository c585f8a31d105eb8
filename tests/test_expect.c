/*
 * test_expect.c - expectations: the exact message of every kind of
 * mistake, point selection, verdicts against hand-made results (paired
 * checks either way round, NaN), the results.json array, the JUnit XML
 * and its escaping, and one check of a real run end to end.
 */
#include "expect.h"
#include "runner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FILE_NAME "t/x.json"

/* Three policies, a sweep of three cooldowns; `expect` is spliced in. */
static const char scenario_head[] =
    "{\"name\": \"t\", \"duration_s\": 50, \"replications\": 3,"
    " \"limiter\": {\"limit\": 2,"
    "   \"policies\": [\"cooldown\", \"usage-gate\", \"headroom\"]},"
    " \"provider\": {\"release_lag\": 2},"
    " \"workload\": {\"kind\": \"poisson\", \"rate_per_s\": 1,"
    "   \"session\": 1},"
    " \"sweep\": {\"limiter.cooldown_s\": [0.5, 1, 2]},"
    " \"expect\": ";

static struct lsim_scenario_set *load_with(const char *expect)
{
  struct lsim_scenario_set *set = NULL;
  size_t len = strlen(scenario_head) + strlen(expect) + 2;
  char *text = malloc(len);
  char err[512] = "";
  int rc;

  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  snprintf(text, len, "%s%s}", scenario_head, expect);
  rc = lsim_scenario_load_text(text, strlen(text), FILE_NAME, NULL, 0, &set,
                               err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "\n  scenario did not load: %s\n", err);
  LSIM_ASSERT_EQ_INT(rc, 0);
  free(text);
  return set;
}

static struct lsim_expect *parse_ok(const struct lsim_scenario_set *set)
{
  struct lsim_expect *ex = NULL;
  char err[512] = "";
  int rc = lsim_expect_parse(set, &ex, err, sizeof err);

  if (rc != 0)
    fprintf(stderr, "\n  unexpected error: %s\n", err);
  LSIM_ASSERT_EQ_INT(rc, 0);
  return ex;
}

static void expect_error(const char *expect, const char *message)
{
  struct lsim_scenario_set *set = load_with(expect);
  struct lsim_expect *ex = NULL;
  char err[512] = "";
  int rc;

  if (set == NULL)
    return;
  rc = lsim_expect_parse(set, &ex, err, sizeof err);
  LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(ex);
  if (strcmp(err, message) != 0)
    fprintf(stderr, "\n  got:      %s\n  expected: %s\n", err, message);
  CU_ASSERT_STRING_EQUAL(err, message);
  lsim_scenario_set_free(set);
}

/* ---------------------------------------------------------------- */
/* Parsing                                                          */
/* ---------------------------------------------------------------- */

static void test_parse_fields(void)
{
  struct lsim_scenario_set *set = load_with(
      "{\"finding\": \"f\", \"checks\": ["
      " {\"policy\": \"headroom\", \"metric\": \"overshoot_events\","
      "  \"mean\": {\"max\": 0}},"
      " {\"paired\": \"cooldown - headroom\", \"metric\": \"wait_mean_s\","
      "  \"ci95_lo\": {\"min\": -1, \"max\": 2}, \"ci95_hi\": {\"min\": 3},"
      "  \"points\": {\"limiter.cooldown_s\": [1, 2]}, \"finding\": \"g\"}]}");
  struct lsim_expect *ex = set ? parse_ok(set) : NULL;
  const struct lsim_expect_check *a, *b;

  if (ex == NULL)
    goto done;
  CU_ASSERT_STRING_EQUAL(ex->finding, "f");
  LSIM_ASSERT_EQ_INT(ex->nchecks, 2);
  LSIM_ASSERT_EQ_INT(ex->npoints, 3);
  a = &ex->checks[0];
  b = &ex->checks[1];

  LSIM_ASSERT_EQ_INT(a->policy, 2);
  LSIM_ASSERT_EQ_INT(a->metric, LSIM_M_OVERSHOOT_EVENTS);
  CU_ASSERT(a->bound[LSIM_EXPECT_MEAN].has_max);
  CU_ASSERT(!a->bound[LSIM_EXPECT_MEAN].has_min);
  CU_ASSERT(!a->bound[LSIM_EXPECT_CI95_LO].has_max);
  CU_ASSERT(a->applies[0] && a->applies[1] && a->applies[2]);
  CU_ASSERT_PTR_NULL(a->finding);

  LSIM_ASSERT_EQ_INT(b->policy, -1);
  LSIM_ASSERT_EQ_INT(b->minuend, 0);
  LSIM_ASSERT_EQ_INT(b->subtrahend, 2);
  CU_ASSERT_STRING_EQUAL(b->subject, "cooldown - headroom");
  LSIM_ASSERT_NEAR(b->bound[LSIM_EXPECT_CI95_LO].min, -1, 0);
  LSIM_ASSERT_NEAR(b->bound[LSIM_EXPECT_CI95_LO].max, 2, 0);
  LSIM_ASSERT_NEAR(b->bound[LSIM_EXPECT_CI95_HI].min, 3, 0);
  CU_ASSERT(!b->applies[0] && b->applies[1] && b->applies[2]);
  CU_ASSERT_STRING_EQUAL(b->finding, "g");
done:
  lsim_expect_free(ex);
  lsim_scenario_set_free(set);
}

static void test_parse_absent(void)
{
  static const char text[] = "{\"name\": \"t\", \"duration_s\": 10,"
                             " \"limiter\": {\"limit\": 1},"
                             " \"workload\": {\"kind\": \"poisson\","
                             " \"rate_per_s\": 1, \"session\": 1}}";
  struct lsim_scenario_set *set = NULL;
  struct lsim_expect *ex = (struct lsim_expect *)&ex;

  LSIM_ASSERT_EQ_INT(lsim_scenario_load_text(text, strlen(text), FILE_NAME,
                                             NULL, 0, &set, NULL, 0),
                     0);
  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(lsim_expect_parse(set, &ex, NULL, 0), 0);
  CU_ASSERT_PTR_NULL(ex);
  lsim_scenario_set_free(set);
}

/* A point selector may combine keys; only points matching all apply. */
static void test_parse_points_select(void)
{
  struct lsim_scenario_set *set = load_with(
      "{\"checks\": [{\"policy\": \"cooldown\", \"metric\": \"completed\","
      " \"mean\": {\"min\": 0}, \"points\": {\"limiter.cooldown_s\": 2}}]}");
  struct lsim_expect *ex = set ? parse_ok(set) : NULL;

  if (ex != NULL)
    CU_ASSERT(!ex->checks[0].applies[0] && !ex->checks[0].applies[1] &&
              ex->checks[0].applies[2]);
  lsim_expect_free(ex);
  lsim_scenario_set_free(set);
}

#define CHECK(body) "{\"checks\": [" body "]}"
#define GOOD                                                                   \
  "{\"policy\": \"cooldown\", \"metric\": \"completed\", "                     \
  "\"mean\": {\"min\": 0}}"
#define AT FILE_NAME ": expect"

static const struct {
  const char *expect, *message;
} errors[] = {
    {"{}", AT ".checks: expected a non-empty array of checks, got nothing"},
    {CHECK(""), AT ".checks: expected a non-empty array of checks, got []"},
    {"{\"checks\": {}}",
     AT ".checks: expected a non-empty array of checks, got {}"},
    {"{\"check\": []}", AT ".check: unknown key"},
    {"{\"finding\": 3, \"checks\": [" GOOD "]}",
     AT ".finding: expected a non-empty string, got 3"},
    {CHECK("1"), AT ".checks[0]: expected an object, got 1"},
    {CHECK(GOOD ", {\"policy\": \"headroom\", \"metric\": \"overshot\", "
                "\"mean\": {\"max\": 0}}"),
     AT ".checks[1].metric: expected a metric name, got \"overshot\""},
    {CHECK("{\"policy\": \"cooldown\", \"mean\": {\"max\": 0}}"),
     AT ".checks[0].metric: expected a metric name, got nothing"},
    {CHECK("{\"policy\": \"headrom\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}}"),
     AT ".checks[0].policy: expected one of the scenario's policies "
        "(cooldown, usage-gate, headroom), got \"headrom\""},
    {CHECK("{\"policy\": 1, \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}}"),
     AT ".checks[0].policy: expected one of the scenario's policies "
        "(cooldown, usage-gate, headroom), got 1"},
    {CHECK("{\"policy\": \"cooldown\", \"paired\": \"a - b\", "
           "\"metric\": \"completed\", \"mean\": {\"max\": 0}}"),
     AT ".checks[0]: expected either \"policy\" or \"paired\", got both"},
    {CHECK("{\"metric\": \"completed\", \"mean\": {\"max\": 0}}"),
     AT ".checks[0]: expected a \"policy\" or a \"paired\" key, got "
        "neither"},
    {CHECK("{\"paired\": \"headroom - headroom\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}}"),
     AT ".checks[0].paired: expected \"B - A\" naming two different "
        "policies of the scenario (cooldown, usage-gate, headroom), got "
        "\"headroom - headroom\""},
    {CHECK("{\"paired\": \"headroom-cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}}"),
     AT ".checks[0].paired: expected \"B - A\" naming two different "
        "policies of the scenario (cooldown, usage-gate, headroom), got "
        "\"headroom-cooldown\""},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\"}"),
     AT ".checks[0]: expected a bound on mean, ci95_lo or ci95_hi, got "
        "none"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": 3}"),
     AT ".checks[0].mean: expected an object with \"min\" and/or \"max\", "
        "got 3"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"ci95_hi\": {}}"),
     AT ".checks[0].ci95_hi: expected an object with \"min\" and/or "
        "\"max\", got {}"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"mx\": 0}}"),
     AT ".checks[0].mean.mx: unknown key"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"ci95_lo\": {\"max\": \"0\"}}"),
     AT ".checks[0].ci95_lo.max: expected a finite number, got \"0\""},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"min\": 2, \"max\": 1}}"),
     AT ".checks[0].mean: expected min <= max, got {\"min\":2,\"max\":1}"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, \"colour\": 1}"),
     AT ".checks[0].colour: unknown key"},
    /* A key is quoted in a message that must stay one line. */
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, \"a\\nb\\u0001\": 1}"),
     AT ".checks[0].a?b?: unknown key"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, \"finding\": \"\"}"),
     AT ".checks[0].finding: expected a non-empty string, got \"\""},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, \"points\": \"some\"}"),
     AT ".checks[0].points: expected \"all\" or an object of sweep keys to "
        "values, got \"some\""},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, \"points\": {\"limiter.limit\": 2}}"),
     AT ".checks[0].points: expected a sweep key (limiter.cooldown_s), got "
        "\"limiter.limit\""},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, "
           "\"points\": {\"limiter.cooldown_s\": 3}}"),
     AT ".checks[0].points.limiter.cooldown_s: expected one of the sweep's "
        "values [0.5,1,2], got 3"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, "
           "\"points\": {\"limiter.cooldown_s\": [1, 1.5]}}"),
     AT ".checks[0].points.limiter.cooldown_s: expected one of the sweep's "
        "values [0.5,1,2], got 1.5"},
    {CHECK("{\"policy\": \"cooldown\", \"metric\": \"completed\", "
           "\"mean\": {\"max\": 0}, "
           "\"points\": {\"limiter.cooldown_s\": []}}"),
     AT ".checks[0].points.limiter.cooldown_s: expected a value or a "
        "non-empty array of values, got []"},
};

static void test_parse_errors(void)
{
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    expect_error(errors[i].expect, errors[i].message);
}

static void test_parse_points_without_sweep(void)
{
  static const char text[] =
      "{\"name\": \"t\", \"duration_s\": 10, \"limiter\": {\"limit\": 1},"
      " \"workload\": {\"kind\": \"poisson\", \"rate_per_s\": 1,"
      " \"session\": 1}, \"expect\": {\"checks\": [{\"policy\": "
      "\"cooldown\", \"metric\": \"completed\", \"mean\": {\"min\": 0},"
      " \"points\": {\"seed\": 1}}]}}";
  struct lsim_scenario_set *set = NULL;
  struct lsim_expect *ex = NULL;
  char err[512] = "";

  LSIM_ASSERT_EQ_INT(lsim_scenario_load_text(text, strlen(text), FILE_NAME,
                                             NULL, 0, &set, NULL, 0),
                     0);
  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(lsim_expect_parse(set, &ex, err, sizeof err), LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, AT ".checks[0].points: expected \"all\" (the "
                                 "scenario has no sweep), got {\"seed\":1}");
  lsim_scenario_set_free(set);
}

/* A sweep over a key under expect would give points different checks. */
static void test_parse_sweep_over_expect(void)
{
  static const char text[] =
      "{\"name\": \"t\", \"duration_s\": 10, \"limiter\": {\"limit\": 1},"
      " \"workload\": {\"kind\": \"poisson\", \"rate_per_s\": 1,"
      " \"session\": 1}, \"sweep\": {\"expect.finding\": [\"a\", \"b\"]},"
      " \"expect\": {\"checks\": [" GOOD "]}}";
  struct lsim_scenario_set *set = NULL;
  struct lsim_expect *ex = NULL;
  char err[512] = "";

  LSIM_ASSERT_EQ_INT(lsim_scenario_load_text(text, strlen(text), FILE_NAME,
                                             NULL, 0, &set, NULL, 0),
                     0);
  if (set == NULL)
    return;
  LSIM_ASSERT_EQ_INT(lsim_expect_parse(set, &ex, err, sizeof err), LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(ex);
  CU_ASSERT_STRING_EQUAL(err, FILE_NAME ": sweep: expected keys outside "
                                        "expect, got \"expect.finding\"");
  lsim_scenario_set_free(set);
}

/* ---------------------------------------------------------------- */
/* Verdicts against hand-made results                               */
/* ---------------------------------------------------------------- */

#define NPOINTS 3
#define NPOL 3
#define NPAIRS 3

struct fake {
  struct lsim_results res;
  struct lsim_cell cells[NPOINTS * NPOL];
  struct lsim_pair pairs[NPOINTS * NPAIRS];
  const char *names[NPOL];
};

static void set_summary(struct lsim_summary *s, double mean, double half)
{
  s->mean = mean;
  s->ci95_lo = mean - half;
  s->ci95_hi = mean + half;
}

/* Policy i at point p has completed = 10 p + i +- 1; each pair (a, b)
 * holds b - a = 10 (b - a) +- 5, by the runner's convention. */
static void fake_results(struct fake *f)
{
  static const int pa[NPAIRS] = {0, 0, 1}, pb[NPAIRS] = {1, 2, 2};

  memset(f, 0, sizeof *f);
  f->names[0] = "cooldown";
  f->names[1] = "usage-gate";
  f->names[2] = "headroom";
  f->res = (struct lsim_results){.npoints = NPOINTS,
                                 .npolicies = NPOL,
                                 .npairs = NPAIRS,
                                 .replications = 3,
                                 .policy_names = f->names,
                                 .cells = f->cells,
                                 .pairs = f->pairs};
  for (int p = 0; p < NPOINTS; p++) {
    for (int i = 0; i < NPOL; i++)
      set_summary(&f->cells[p * NPOL + i].summary[LSIM_M_COMPLETED],
                  10.0 * p + i, 1);
    for (int k = 0; k < NPAIRS; k++) {
      f->pairs[p * NPAIRS + k].a = pa[k];
      f->pairs[p * NPAIRS + k].b = pb[k];
      set_summary(&f->pairs[p * NPAIRS + k].summary[LSIM_M_COMPLETED],
                  10.0 * (pb[k] - pa[k]), 5);
    }
  }
}

struct judged {
  struct lsim_scenario_set *set;
  struct lsim_expect *ex;
  struct lsim_expect_verdicts v;
};

static int judge(const char *expect, struct fake *f, struct judged *j)
{
  memset(j, 0, sizeof *j);
  fake_results(f);
  j->set = load_with(expect);
  j->ex = j->set ? parse_ok(j->set) : NULL;
  if (j->ex == NULL)
    return -1;
  return lsim_expect_evaluate(j->ex, &f->res, &j->v);
}

static void judged_release(struct judged *j)
{
  lsim_expect_verdicts_release(&j->v);
  lsim_expect_free(j->ex);
  lsim_scenario_set_free(j->set);
}

static void test_verdict_policy(void)
{
  static struct fake f;
  struct judged j;

  /* completed of usage-gate is 1, 11, 21: mean <= 15 holds at two. */
  LSIM_ASSERT_EQ_INT(judge(CHECK("{\"policy\": \"usage-gate\", \"metric\": "
                                 "\"completed\", \"mean\": {\"max\": 15}}"),
                           &f, &j),
                     0);
  LSIM_ASSERT_EQ_INT(j.v.n, 3);
  LSIM_ASSERT_EQ_INT(j.v.failed, 1);
  if (j.v.n == 3) {
    CU_ASSERT(j.v.v[0].pass && j.v.v[1].pass && !j.v.v[2].pass);
    LSIM_ASSERT_EQ_INT(j.v.v[2].point, 2);
    LSIM_ASSERT_NEAR(j.v.v[2].measured.mean, 21, 0);
    LSIM_ASSERT_NEAR(j.v.v[2].measured.ci95_lo, 20, 0);
  }
  judged_release(&j);
}

/* "headroom - cooldown" is what the runner holds (+20 +- 5);
 * "cooldown - headroom" is its negation (-20, [-25, -15]). */
static void test_verdict_paired_both_ways(void)
{
  static struct fake f;
  struct judged j;

  LSIM_ASSERT_EQ_INT(
      judge(CHECK("{\"paired\": \"headroom - cooldown\", \"metric\": "
                  "\"completed\", \"ci95_lo\": {\"min\": 15}, "
                  "\"points\": {\"limiter.cooldown_s\": 0.5}},"
                  "{\"paired\": \"cooldown - headroom\", \"metric\": "
                  "\"completed\", \"ci95_hi\": {\"max\": -15.5}, "
                  "\"points\": {\"limiter.cooldown_s\": 0.5}}"),
            &f, &j),
      0);
  LSIM_ASSERT_EQ_INT(j.v.n, 2);
  if (j.v.n == 2) {
    CU_ASSERT(j.v.v[0].pass);
    LSIM_ASSERT_NEAR(j.v.v[0].measured.mean, 20, 0);
    LSIM_ASSERT_NEAR(j.v.v[1].measured.mean, -20, 0);
    LSIM_ASSERT_NEAR(j.v.v[1].measured.ci95_lo, -25, 0);
    LSIM_ASSERT_NEAR(j.v.v[1].measured.ci95_hi, -15, 0);
    CU_ASSERT(!j.v.v[1].pass); /* -15 > -15.5 */
  }
  LSIM_ASSERT_EQ_INT(j.v.failed, 1);
  judged_release(&j);
}

/* Bounds are inclusive, and a NaN fails every bound. */
static void test_verdict_edges(void)
{
  static struct fake f;
  struct judged j;

  LSIM_ASSERT_EQ_INT(judge(CHECK("{\"policy\": \"cooldown\", \"metric\": "
                                 "\"completed\", \"mean\": {\"min\": 0, "
                                 "\"max\": 0}, \"ci95_lo\": {\"max\": -1}, "
                                 "\"points\": {\"limiter.cooldown_s\": "
                                 "[0.5, 1]}}"),
                           &f, &j),
                     0);
  LSIM_ASSERT_EQ_INT(j.v.n, 2);
  if (j.v.n == 2) {
    CU_ASSERT(j.v.v[0].pass);
    CU_ASSERT(!j.v.v[1].pass);
  }
  lsim_expect_verdicts_release(&j.v);

  f.cells[0].summary[LSIM_M_COMPLETED].mean = NAN;
  LSIM_ASSERT_EQ_INT(lsim_expect_evaluate(j.ex, &f.res, &j.v), 0);
  CU_ASSERT(j.v.n == 2 && !j.v.v[0].pass);
  judged_release(&j);
}

static void test_verdict_shape_mismatch(void)
{
  static struct fake f;
  struct judged j;

  LSIM_ASSERT_EQ_INT(judge(CHECK(GOOD), &f, &j), 0);
  lsim_expect_verdicts_release(&j.v);
  f.res.npoints = 2;
  LSIM_ASSERT_EQ_INT(lsim_expect_evaluate(j.ex, &f.res, &j.v), LSIM_EINVAL);
  LSIM_ASSERT_EQ_INT(j.v.n, 0);
  judged_release(&j);
}

static void test_verdict_format(void)
{
  static struct fake f;
  struct judged j;
  char line[512];

  LSIM_ASSERT_EQ_INT(
      judge(CHECK("{\"paired\": \"cooldown - usage-gate\", \"metric\": "
                  "\"completed\", \"mean\": {\"min\": -20, \"max\": -5}, "
                  "\"ci95_hi\": {\"max\": 0}}"),
            &f, &j),
      0);
  if (j.v.n != 3)
    goto done;
  lsim_expect_verdict_format(j.ex, j.set, &j.v.v[1], line, sizeof line);
  CU_ASSERT_STRING_EQUAL(line,
                         "PASS cooldown - usage-gate completed -10 [-15, -5]: "
                         "want -20 <= mean <= -5 and ci95_hi <= 0 "
                         "(limiter.cooldown_s=1)");
  /* A short buffer cuts the line and still ends it. */
  lsim_expect_verdict_format(j.ex, j.set, &j.v.v[1], line, 10);
  CU_ASSERT_STRING_EQUAL(line, "PASS cool");
done:
  judged_release(&j);
}

static void test_verdicts_json(void)
{
  static struct fake f;
  struct judged j;
  cJSON *list, *one;

  LSIM_ASSERT_EQ_INT(
      judge(CHECK("{\"policy\": \"headroom\", \"metric\": \"completed\", "
                  "\"ci95_lo\": {\"min\": 12}, \"finding\": \"why\"}"),
            &f, &j),
      0);
  list = j.ex ? lsim_expect_verdicts_json(j.ex, j.set, &j.v) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(list);
  LSIM_ASSERT_EQ_INT(cJSON_GetArraySize(list), 3);
  one = cJSON_GetArrayItem(list, 1);
  LSIM_ASSERT_EQ_INT(cJSON_GetObjectItem(one, "point")->valueint, 1);
  CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(one, "policy")->valuestring,
                         "headroom");
  CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(one, "pass")));
  LSIM_ASSERT_NEAR(
      cJSON_GetObjectItem(cJSON_GetObjectItem(one, "measured"), "ci95_lo")
          ->valuedouble,
      11, 0);
  LSIM_ASSERT_NEAR(
      cJSON_GetObjectItem(
          cJSON_GetObjectItem(cJSON_GetObjectItem(one, "bounds"), "ci95_lo"),
          "min")
          ->valuedouble,
      12, 0);
  LSIM_ASSERT_NEAR(cJSON_GetObjectItem(cJSON_GetObjectItem(one, "params"),
                                       "limiter.cooldown_s")
                       ->valuedouble,
                   1, 0);
  CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(one, "finding")->valuestring,
                         "why");
  CU_ASSERT(
      cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 2), "pass")));
  cJSON_Delete(list);
  judged_release(&j);
}

/* What `limsim run` calls: the array and the count of failures, or
 * nothing without expectations. */
static void test_results_json(void)
{
  static struct fake f;
  struct judged j;
  cJSON *list = (cJSON *)&list;
  size_t failed = 99;

  LSIM_ASSERT_EQ_INT(judge(CHECK("{\"policy\": \"cooldown\", \"metric\": "
                                 "\"completed\", \"mean\": {\"max\": 15}}"),
                           &f, &j),
                     0);
  LSIM_ASSERT_EQ_INT(
      lsim_expect_results_json(NULL, j.set, &f.res, &list, &failed), 0);
  CU_ASSERT_PTR_NULL(list);
  LSIM_ASSERT_EQ_INT(failed, 0);

  LSIM_ASSERT_EQ_INT(
      lsim_expect_results_json(j.ex, j.set, &f.res, &list, &failed), 0);
  LSIM_ASSERT_EQ_INT(cJSON_GetArraySize(list), 3);
  LSIM_ASSERT_EQ_INT(failed, 1);
  cJSON_Delete(list);

  f.res.npoints = 1;
  LSIM_ASSERT_EQ_INT(lsim_expect_results_json(j.ex, j.set, &f.res, &list, NULL),
                     LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(list);
  judged_release(&j);
}

/* ---------------------------------------------------------------- */
/* JUnit XML                                                        */
/* ---------------------------------------------------------------- */

static char *junit_text(const struct lsim_expect_suite *suites, size_t n)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  LSIM_ASSERT_EQ_INT(lsim_expect_junit_write(f, suites, n), 0);
  fclose(f);
  return text;
}

static void test_junit(void)
{
  static struct fake f;
  struct judged j;
  struct lsim_expect_suite suites[3];
  char *xml;

  LSIM_ASSERT_EQ_INT(judge(CHECK("{\"policy\": \"cooldown\", \"metric\": "
                                 "\"completed\", \"mean\": {\"max\": 5}, "
                                 "\"finding\": \"a<b & \\\"c\\\"\"}"),
                           &f, &j),
                     0);
  suites[0] =
      (struct lsim_expect_suite){"x", "t/x.json", j.set, j.ex, &j.v, NULL, 1.5};
  suites[1] =
      (struct lsim_expect_suite){"y", "t/y.json", NULL, NULL, NULL, NULL, 0};
  suites[2] = (struct lsim_expect_suite){
      "z'", "t/z.json", NULL, NULL, NULL, "t/z.json: run \x01 failed \xff", 0};
  xml = junit_text(suites, 3);

  CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuites name=\"limsim check\" "
                                     "tests=\"5\" failures=\"2\" "
                                     "errors=\"1\" skipped=\"1\">"));
  CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuite name=\"x\" file=\"t/x.json\""
                                     " tests=\"3\" failures=\"2\" errors=\"0\""
                                     " skipped=\"0\" time=\"1.500\">"));
  CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testcase classname=\"x\" "
                                     "name=\"cooldown completed: want mean "
                                     "&lt;= 5 (limiter.cooldown_s=0.5)\"/>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(xml, "finding: a&lt;b &amp; &quot;c&quot;"
                                     "</failure>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<skipped message=\"no expectations\"/>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuite name=\"z&apos;\""));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(xml, "<error message=\"t/z.json: run ? failed ?\"/>"));
  CU_ASSERT_PTR_NULL(strchr(xml, '\x01'));
  free(xml);
  judged_release(&j);
}

/* Valid UTF-8 passes through; broken sequences, surrogates and overlong
 * forms become '?', one per byte. */
static void test_junit_utf8(void)
{
  struct lsim_expect_suite s = {
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc3 \xed\xa0\x80 \xc0\xaf",
      "f",
      NULL,
      NULL,
      NULL,
      NULL,
      0};
  char *xml = junit_text(&s, 1);

  CU_ASSERT_PTR_NOT_NULL(strstr(xml,
                                "<testsuite name=\"caf\xc3\xa9 "
                                "\xe2\x82\xac \xf0\x9f\x98\x80 ? ??? ??\""));
  free(xml);
}

/* ---------------------------------------------------------------- */
/* End to end                                                       */
/* ---------------------------------------------------------------- */

/* A real run: with a constant lag of 2 s, cooldown 0.5 s and the cap
 * reached, cooldown overshoots and headroom does not. */
static void test_real_run(void)
{
  struct lsim_scenario_set *set = load_with(
      CHECK("{\"policy\": \"headroom\", \"metric\": \"overshoot_events\", "
            "\"mean\": {\"max\": 0}},"
            "{\"paired\": \"cooldown - headroom\", \"metric\": "
            "\"overshoot_events\", \"ci95_lo\": {\"min\": 1}, "
            "\"points\": {\"limiter.cooldown_s\": 0.5}}"));
  struct lsim_run_options opt = {.jobs = 2};
  struct lsim_expect *ex = set ? parse_ok(set) : NULL;
  struct lsim_expect_verdicts v = {0};
  struct lsim_results *res = NULL;
  char err[512] = "";

  if (ex == NULL)
    goto done;
  LSIM_ASSERT_EQ_INT(lsim_run_set(set, &opt, &res, err, sizeof err), 0);
  if (res == NULL)
    goto done;
  LSIM_ASSERT_EQ_INT(lsim_expect_evaluate(ex, res, &v), 0);
  LSIM_ASSERT_EQ_INT(v.n, 4);
  LSIM_ASSERT_EQ_INT(v.failed, 0);
done:
  lsim_expect_verdicts_release(&v);
  lsim_results_free(res);
  lsim_expect_free(ex);
  lsim_scenario_set_free(set);
}

/* --policy narrows a run: checks on policies it leaves out are dropped
 * (and only then); a check left with a bad metric is still refused. */
static void test_parse_skip_absent(void)
{
  static const char *const sets[] = {
      "limiter.policies=[\"cooldown\", \"headroom\"]"};
  const char *text_tail =
      "{\"checks\": ["
      "{\"policy\": \"usage-gate\", \"metric\": \"polls\","
      " \"mean\": {\"min\": 1}},"
      "{\"paired\": \"usage-gate - cooldown\", \"metric\": \"polls\","
      " \"mean\": {\"min\": 1}},"
      "{\"policy\": \"headroom\", \"metric\": \"polls\","
      " \"mean\": {\"min\": 1}}]}}";
  size_t len = strlen(scenario_head) + strlen(text_tail) + 1;
  char *text = malloc(len);
  struct lsim_scenario_set *set = NULL;
  struct lsim_expect *ex = NULL;
  char err[512] = "";

  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  snprintf(text, len, "%s%s", scenario_head, text_tail);
  LSIM_ASSERT_EQ_INT(lsim_scenario_load_text(text, strlen(text), FILE_NAME,
                                             sets, 1, &set, err, sizeof err),
                     0);
  free(text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);

  LSIM_ASSERT_EQ_INT(lsim_expect_parse_run(set, false, &ex, err, sizeof err),
                     LSIM_EINVAL);
  CU_ASSERT(strstr(err, "expect.checks[0].policy") != NULL);
  LSIM_ASSERT_EQ_INT(lsim_expect_parse_run(set, true, &ex, err, sizeof err), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
  LSIM_ASSERT_EQ_INT(ex->nchecks, 1);
  CU_ASSERT_STRING_EQUAL(ex->checks[0].subject, "headroom");
  lsim_expect_free(ex);
  lsim_scenario_set_free(set);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case parse[] = {
      {"fields", test_parse_fields},
      {"no expect", test_parse_absent},
      {"points select", test_parse_points_select},
      {"every mistake, one line", test_parse_errors},
      {"points without a sweep", test_parse_points_without_sweep},
      {"no sweep over expect", test_parse_sweep_over_expect},
      {"--policy drops checks on others", test_parse_skip_absent},
      {NULL, NULL}};
  static const struct lsim_test_case verdict[] = {
      {"one policy", test_verdict_policy},
      {"paired either way", test_verdict_paired_both_ways},
      {"inclusive bounds, NaN", test_verdict_edges},
      {"results of another shape", test_verdict_shape_mismatch},
      {"the line", test_verdict_format},
      {"results.json", test_verdicts_json},
      {"for limsim run", test_results_json},
      {"a real run", test_real_run},
      {NULL, NULL}};
  static const struct lsim_test_case junit[] = {
      {"suites and escaping", test_junit},
      {"UTF-8", test_junit_utf8},
      {NULL, NULL}};

  if (lsim_test_add_suite("expect parse", parse) != 0 ||
      lsim_test_add_suite("expect verdicts", verdict) != 0 ||
      lsim_test_add_suite("expect junit", junit) != 0)
    return -1;
  return 0;
}
