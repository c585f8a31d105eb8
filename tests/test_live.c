/*
 * test_live.c - live mode: its input checks, and whole runs against the
 * mock provider on a loopback port.
 *
 * The parsers are checked against data files in tests/data/live/:
 * every bad "live" object with its exact message, every usage answer
 * with its count or its reason. The runs start the mock provider
 * in-process on port 0 with the scenario's provider settings, run live
 * mode against it with the real clock for a few seconds, and check what
 * a live run is for: overshoot under cooldown and none under headroom,
 * the fallback when usage fails, the key kept out of every file, the
 * release lag found by calibrate, and the simulation agreeing with the
 * live run (docs/LIVE.md gives the tolerance and why).
 */
#include "runner.h"

#include "live.h"
#include "mockserver.h"
#include "output.h"
#include "scenario.h"

#include <arpa/inet.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DATA LIMSIM_SOURCE_DIR "/tests/data/live/"

/* ---- helpers ---- */

static char *read_text(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *text = NULL;
  long len;

  if (f == NULL)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)len + 1)) != NULL)
    text[fread(text, 1, (size_t)len, f)] = '\0';
  fclose(f);
  return text;
}

static cJSON *read_json(const char *path)
{
  char *text = read_text(path);
  cJSON *json = text ? cJSON_Parse(text) : NULL;

  free(text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(json);
  return json;
}

static void assert_same(const char *got, const char *want)
{
  if (strcmp(got, want) != 0)
    fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
  CU_ASSERT_STRING_EQUAL(got, want);
}

/* A scenario, its live block and a mock provider serving it. */
struct fixture {
  struct lsim_scenario_set *set;
  const struct lsim_scenario *sc;
  struct lsim_live_config cfg;
  struct lsim_mock_config mock;
  struct lsim_mockserver *srv;
};

static void fixture_load(struct fixture *f, const char *name)
{
  char err[512] = "";

  memset(f, 0, sizeof(*f));
  if (lsim_scenario_load(name, NULL, 0, &f->set, err, sizeof(err)) != 0)
    fprintf(stderr, "\n  %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f->set);
  f->sc = f->set->points[0].scenario;
  if (lsim_live_config_parse(f->sc->live, f->set->path, &f->cfg, err,
                             sizeof(err)) != 0)
    fprintf(stderr, "\n  %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f->cfg.base_url);
  lsim_mock_config_init(&f->mock);
  lsim_mock_config_from_scenario(f->sc, &f->mock);
  f->mock.port = 0;
}

/* Starts the mock and points the live block at it. */
static void fixture_serve(struct fixture *f)
{
  char err[512] = "", url[64];

  if (lsim_mockserver_start(&f->mock, &f->srv, err, sizeof(err)) != 0)
    fprintf(stderr, "\n  %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f->srv);
  snprintf(url, sizeof(url), "http://127.0.0.1:%u",
           (unsigned)lsim_mockserver_port(f->srv));
  CU_ASSERT_EQUAL_FATAL(
      lsim_live_config_set_base_url(&f->cfg, url, err, sizeof(err)), 0);
}

static void fixture_release(struct fixture *f)
{
  lsim_mockserver_stop(f->srv);
  lsim_live_config_release(&f->cfg);
  lsim_scenario_set_free(f->set);
}

static struct lsim_results *run_live(struct fixture *f,
                                     const struct lsim_live_options *opt,
                                     struct lsim_live_report *rep)
{
  struct lsim_results *res = NULL;
  char err[512] = "";

  if (lsim_live_run(f->set, &f->cfg, opt, &res, rep, err, sizeof(err)) != 0)
    fprintf(stderr, "\n  live run failed: %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(res);
  return res;
}

static double metric(const struct lsim_results *res, size_t policy, int m)
{
  return res->cells[policy].values[m];
}

/* ---- the live block ---- */

static void test_config_errors(void)
{
  cJSON *cases = read_json(DATA "invalid.json");
  const cJSON *c;
  int n = 0;

  cJSON_ArrayForEach(c, cases)
  {
    const cJSON *want = cJSON_GetObjectItem(c, "error");
    struct lsim_live_config cfg;
    char err[512] = "";
    int rc = lsim_live_config_parse(cJSON_GetObjectItem(c, "live"), "x.json",
                                    &cfg, err, sizeof(err));

    LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
    assert_same(err, want->valuestring);
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
    CU_ASSERT_PTR_NULL(strstr(err, "sk-do-not-echo"));
    lsim_live_config_release(&cfg);
    n++;
  }
  CU_ASSERT(n >= 20);
  cJSON_Delete(cases);
}

static void test_config_defaults(void)
{
  cJSON *live =
      cJSON_Parse("{\"base_url\": \"https://api.example.com/\", "
                  "\"request\": {\"path\": \"/v1/chat/completions\"}, "
                  "\"usage\": {\"url\": \"https://usage.example.com/n\"}, "
                  "\"auth\": {\"env\": \"K\"}}");
  struct lsim_live_config cfg;
  char err[256] = "", url[256];

  LSIM_ASSERT_EQ_INT(
      lsim_live_config_parse(live, "x.json", &cfg, err, sizeof(err)), 0);
  CU_ASSERT_STRING_EQUAL(cfg.base_url, "https://api.example.com");
  CU_ASSERT(cfg.stream);
  CU_ASSERT_EQUAL(cfg.usage_mode, LSIM_LIVE_USAGE_FIELD);
  CU_ASSERT_STRING_EQUAL(cfg.usage_field, "concurrent_sessions");
  CU_ASSERT_STRING_EQUAL(cfg.auth_header, "Authorization");
  CU_ASSERT_STRING_EQUAL(cfg.auth_scheme, "Bearer");
  CU_ASSERT_EQUAL(cfg.max_body_bytes, 1 << 20);

  CU_ASSERT_EQUAL(lsim_live_url(&cfg, cfg.request_path, url, sizeof(url)), 0);
  CU_ASSERT_STRING_EQUAL(url, "https://api.example.com/v1/chat/completions");
  CU_ASSERT_EQUAL(lsim_live_url(&cfg, cfg.usage_url, url, sizeof(url)), 0);
  CU_ASSERT_STRING_EQUAL(url, "https://usage.example.com/n");
  CU_ASSERT_EQUAL(lsim_live_url(&cfg, cfg.usage_url, url, 8), LSIM_EINVAL);

  CU_ASSERT_EQUAL(
      lsim_live_config_set_base_url(&cfg, "http://a:b@h", err, sizeof(err)),
      LSIM_EINVAL);
  CU_ASSERT_PTR_NULL(strstr(err, "a:b"));
  lsim_live_config_release(&cfg);
  cJSON_Delete(live);
}

/* ---- usage answers ---- */

static int parse_case(const cJSON *c, int *count, char *err, size_t errlen)
{
  long status = (long)cJSON_GetObjectItem(c, "status")->valuedouble;
  const cJSON *body = cJSON_GetObjectItem(c, "body");
  const cJSON *header = cJSON_GetObjectItem(c, "header");
  const cJSON *field = cJSON_GetObjectItem(c, "field");

  if (header != NULL)
    return lsim_live_usage_parse_header(
        status, cJSON_IsString(header) ? header->valuestring : NULL,
        "x-concurrent-sessions", count, err, errlen);
  return lsim_live_usage_parse_body(
      status, body->valuestring, strlen(body->valuestring),
      field ? field->valuestring : "concurrent_sessions", count, err, errlen);
}

static void test_usage_answers(void)
{
  cJSON *cases = read_json(DATA "usage_answers.json");
  const cJSON *c;
  int good = 0, bad = 0;

  cJSON_ArrayForEach(c, cases)
  {
    const cJSON *want_count = cJSON_GetObjectItem(c, "count");
    const cJSON *want_error = cJSON_GetObjectItem(c, "error");
    char err[256] = "";
    int count = -1;
    int rc = parse_case(c, &count, err, sizeof(err));

    if (want_count != NULL) {
      LSIM_ASSERT_EQ_INT(rc, 0);
      LSIM_ASSERT_EQ_INT(count, want_count->valueint);
      good++;
    } else {
      LSIM_ASSERT_EQ_INT(rc, LSIM_EINVAL);
      LSIM_ASSERT_EQ_INT(count, -1);
      assert_same(err, want_error->valuestring);
      bad++;
    }
  }
  CU_ASSERT(good >= 5 && bad >= 15);
  cJSON_Delete(cases);
}

/* A body cut short by its length is not JSON, even if the bytes after it
 * would have completed it. */
static void test_usage_body_length(void)
{
  const char *body = "{\"concurrent_sessions\": 3}";
  char err[128];
  int count = -1;

  CU_ASSERT_EQUAL(lsim_live_usage_parse_body(200, body, 10,
                                             "concurrent_sessions", &count, err,
                                             sizeof(err)),
                  LSIM_EINVAL);
  CU_ASSERT_EQUAL(lsim_live_usage_parse_body(200, body, strlen(body),
                                             "concurrent_sessions", &count, err,
                                             sizeof(err)),
                  0);
  LSIM_ASSERT_EQ_INT(count, 3);
}

/* ---- runs against the mock provider ---- */

static const struct lsim_live_options quiet;

/* Lag 0.5 s, cooldown 0.1 s: cooldown recycles slots the provider still
 * counts and gets 429s; headroom waits for the provider's own count. */
static void test_overshoot_cooldown_not_headroom(void)
{
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_mock_metrics mm;
  struct lsim_results *res;

  fixture_load(&f, DATA "overshoot.json");
  fixture_serve(&f);
  res = run_live(&f, &quiet, &rep);
  lsim_mockserver_metrics(f.srv, &mm);

  fprintf(stderr,
          "\n  cooldown: %g overshoots, %g completed; headroom: %g, "
          "%g; mock rejected %llu",
          metric(res, 0, LSIM_M_OVERSHOOT_EVENTS),
          metric(res, 0, LSIM_M_COMPLETED),
          metric(res, 1, LSIM_M_OVERSHOOT_EVENTS),
          metric(res, 1, LSIM_M_COMPLETED), (unsigned long long)mm.rejected);
  CU_ASSERT(metric(res, 0, LSIM_M_OVERSHOOT_EVENTS) >= 3);
  CU_ASSERT(metric(res, 0, LSIM_M_REJECTED) >= 3);
  LSIM_ASSERT_EQ_INT(metric(res, 1, LSIM_M_OVERSHOOT_EVENTS), 0);
  CU_ASSERT(metric(res, 0, LSIM_M_COMPLETED) > 0);
  CU_ASSERT(metric(res, 1, LSIM_M_COMPLETED) > 0);
  CU_ASSERT(metric(res, 1, LSIM_M_POLLS) > 0);
  CU_ASSERT(metric(res, 1, LSIM_M_UPSTREAM_MEAN) > 0);
  /* Every 429 we counted was sent by the provider; it may have sent one
   * or two more to requests cut off by the end of a run. */
  CU_ASSERT(mm.rejected >= metric(res, 0, LSIM_M_REJECTED));
  CU_ASSERT(mm.rejected <= metric(res, 0, LSIM_M_REJECTED) + 6);
  LSIM_ASSERT_EQ_INT(rep.errors, 0);
  lsim_results_free(res);
  fixture_release(&f);
}

/* Every usage poll fails; the gate falls back to its cooldown. */
static void test_usage_faults_fall_back(void)
{
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_mock_metrics mm;
  struct lsim_results *res;

  fixture_load(&f, DATA "faults.json");
  f.mock.usage_stall_s = 0.5;
  fixture_serve(&f);
  res = run_live(&f, &quiet, &rep);
  lsim_mockserver_metrics(f.srv, &mm);

  /* A poll asked for just before the end may not have been answered. */
  CU_ASSERT(metric(res, 0, LSIM_M_POLL_FAILURES) > 0);
  CU_ASSERT(metric(res, 0, LSIM_M_POLL_FAILURES) <=
            metric(res, 0, LSIM_M_POLLS));
  CU_ASSERT(metric(res, 0, LSIM_M_POLL_FAILURES) >=
            metric(res, 0, LSIM_M_POLLS) - 1);
  CU_ASSERT(metric(res, 0, LSIM_M_COMPLETED) > 0);
  LSIM_ASSERT_EQ_INT(mm.usage_ok, 0);
  CU_ASSERT(mm.usage_error > 0 && mm.usage_malformed > 0);
  LSIM_ASSERT_EQ_INT(rep.samples, 0);
  lsim_results_free(res);
  fixture_release(&f);
}

static bool file_holds(const char *path, const char *needle)
{
  char *text = read_text(path);
  bool found = text != NULL && strstr(text, needle) != NULL;

  CU_ASSERT_PTR_NOT_NULL(text);
  free(text);
  return found;
}

/* The key reaches the provider (no 401s) and no file of the results. */
static void test_key_stays_out_of_results(void)
{
  static const char *const key = "sk-limsim-test-9d2f41c07be3";
  static const char *const files[] = {"results.json", "summary.csv",
                                      "timeline.csv", "wait_cdf.csv"};
  struct lsim_provenance prov = {"test", "test", 0, NULL};
  char dir[] = "/tmp/limsim-live-XXXXXX", path[128], err[256];
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_results *res;
  char *json;

  fixture_load(&f, DATA "auth.json");
  f.mock.api_key = key;
  setenv("LIMSIM_TEST_LIVE_KEY", key, 1);
  fixture_serve(&f);
  res = run_live(&f, &quiet, &rep);
  CU_ASSERT(metric(res, 0, LSIM_M_COMPLETED) > 0);
  LSIM_ASSERT_EQ_INT(rep.errors, 0);

  json = lsim_live_results_json(f.set, res, &f.cfg, &rep, &prov);
  CU_ASSERT_PTR_NOT_NULL_FATAL(json);
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  LSIM_ASSERT_EQ_INT(
      lsim_results_write(dir, json, f.set, res, err, sizeof(err)), 0);
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
    CU_ASSERT(!file_holds(path, key));
    remove(path);
  }
  /* Not vacuous: the live block, with the variable's name, is there. */
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "LIMSIM_TEST_LIVE_KEY"));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"mode\":\t\"live\""));
  rmdir(dir);
  cJSON_free(json);
  lsim_results_free(res);
  unsetenv("LIMSIM_TEST_LIVE_KEY");
  fixture_release(&f);
}

/* A wrong key: every request is a 401, reported without the key. */
static void test_wrong_key_is_reported(void)
{
  static const struct lsim_live_options short_run = {.duration_s = 0.3};
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_results *res;

  fixture_load(&f, DATA "auth.json");
  f.cfg.drain_s = 0.2; /* usage answers 401 too: nothing to wait for */
  f.mock.api_key = "sk-the-right-one";
  setenv("LIMSIM_TEST_LIVE_KEY", "sk-a-wrong-one", 1);
  fixture_serve(&f);
  res = run_live(&f, &short_run, &rep);
  CU_ASSERT(rep.errors > 0);
  LSIM_ASSERT_EQ_INT(metric(res, 0, LSIM_M_COMPLETED), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(rep.first_error, ": HTTP 401"));
  CU_ASSERT_PTR_NULL(strstr(rep.first_error, "sk-a-wrong-one"));
  lsim_results_free(res);
  unsetenv("LIMSIM_TEST_LIVE_KEY");
  fixture_release(&f);
}

static void test_unset_key_variable(void)
{
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_results *res = NULL;
  char err[256] = "";

  fixture_load(&f, DATA "auth.json");
  unsetenv("LIMSIM_TEST_LIVE_KEY");
  LSIM_ASSERT_EQ_INT(
      lsim_live_run(f.set, &f.cfg, &quiet, &res, &rep, err, sizeof(err)),
      LSIM_EINVAL);
  assert_same(err, LIMSIM_SOURCE_DIR "/tests/data/live/auth.json: "
                                     "live.auth.env: the environment "
                                     "variable LIMSIM_TEST_LIVE_KEY is not "
                                     "set");
  CU_ASSERT_PTR_NULL(res);
  fixture_release(&f);
}

/* A port with nothing listening: one line from libcurl, before anything
 * else is tried. */
static void test_unreachable_endpoint(void)
{
  struct sockaddr_in addr = {.sin_family = AF_INET};
  socklen_t len = sizeof(addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_results *res = NULL;
  char err[512] = "", url[64], want[128];

  /* Bound but not listening: connecting is refused at once. */
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CU_ASSERT_FATAL(fd >= 0 &&
                  bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
                  getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
  fixture_load(&f, DATA "overshoot.json");
  snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(addr.sin_port));
  lsim_live_config_set_base_url(&f.cfg, url, err, sizeof(err));

  LSIM_ASSERT_EQ_INT(
      lsim_live_run(f.set, &f.cfg, &quiet, &res, &rep, err, sizeof(err)),
      LSIM_ESTATE);
  snprintf(want, sizeof(want), "GET %s/v1/usage: Couldn't connect to server",
           url);
  CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
  CU_ASSERT_PTR_NULL(strchr(err, '\n'));
  CU_ASSERT_PTR_NULL(res);
  close(fd);
  fixture_release(&f);
}

/* Streams longer than max_body_bytes are cut off and counted as errors. */
static void test_body_bound(void)
{
  static const struct lsim_live_options short_run = {.duration_s = 0.6};
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_results *res;

  fixture_load(&f, DATA "compare.json");
  f.cfg.max_body_bytes = 1024;
  f.mock.stream_interval_s = 0.005;
  fixture_serve(&f);
  res = run_live(&f, &short_run, &rep);
  CU_ASSERT(rep.errors > 0);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(rep.first_error, "response body larger than 1024 bytes"));
  LSIM_ASSERT_EQ_INT(metric(res, 0, LSIM_M_COMPLETED), 0);
  lsim_results_free(res);
  fixture_release(&f);
}

static void test_calibrate_finds_the_lag(void)
{
  struct fixture f;
  double lags[3], sum = 0;
  char err[512] = "";

  fixture_load(&f, DATA "calibrate.json");
  fixture_serve(&f);
  if (lsim_live_calibrate(&f.cfg, &quiet, 3, 0.01, lags, err, sizeof(err)) != 0)
    fprintf(stderr, "\n  calibrate failed: %s\n", err);
  for (int i = 0; i < 3; i++) {
    LSIM_ASSERT_NEAR(lags[i], 0.3, 0.03);
    sum += lags[i];
  }
  fprintf(stderr, "\n  calibrate: mean lag %.4f s (configured 0.3)", sum / 3);
  fixture_release(&f);
}

/* ---- simulation against reality ---- */

/* Live timing is not virtual time: each session's end reaches the client
 * a little after the mock's timer fires, the loop sleeps in whole
 * milliseconds, a usage answer is a loopback round trip old. docs/LIVE.md
 * explains these figures. */
#define TOL_THROUGHPUT_SHARE 0.08
#define TOL_OVERSHOOT_EVENTS 3.0

/* Half the 95% interval of ONE more run: a live run is one replication,
 * so it scatters like one, not like the mean of n. */
static double one_run_half_width(const struct lsim_summary *s)
{
  double t = gsl_cdf_tdist_Pinv(0.975, (double)s->n - 1);

  return t * s->sd * sqrt(1.0 + 1.0 / (double)s->n);
}

/* Replication 0 of the simulation draws the agents' think times from
 * the very streams live mode uses, so it is printed beside the live value
 * for whoever reads a failure; the check is the interval. */
static void compare_metric(const char *policy, int m,
                           const struct lsim_cell *sim, double live, double tol)
{
  const struct lsim_summary *s = &sim->summary[m];
  double half = one_run_half_width(s);
  bool inside = fabs(live - s->mean) <= half + tol;

  fprintf(stderr,
          "\n  %-8s %-16s sim %.3f (95%% [%.3f, %.3f], one run +-%.3f, "
          "rep 0 %.3f) live %.3f tol %.3f %s",
          policy, lsim_metric_names[m], s->mean, s->ci95_lo, s->ci95_hi, half,
          sim->values[m], live, tol, inside ? "ok" : "OUTSIDE");
  CU_ASSERT(inside);
}

static void test_simulation_matches_live(void)
{
  struct lsim_run_options ropt = {.jobs = 0};
  struct fixture f;
  struct lsim_live_report rep;
  struct lsim_results *sim = NULL, *live;
  char err[512] = "";

  fixture_load(&f, DATA "compare.json");
  LSIM_ASSERT_EQ_INT(lsim_run_set(f.set, &ropt, &sim, err, sizeof(err)), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
  fixture_serve(&f);
  live = run_live(&f, &quiet, &rep);

  for (size_t i = 0; i < live->npolicies; i++) {
    const struct lsim_cell *c = lsim_results_cell(sim, 0, i);
    double tput = c->summary[LSIM_M_THROUGHPUT].mean;

    compare_metric(live->policy_names[i], LSIM_M_OVERSHOOT_EVENTS, c,
                   metric(live, i, LSIM_M_OVERSHOOT_EVENTS),
                   TOL_OVERSHOOT_EVENTS);
    compare_metric(live->policy_names[i], LSIM_M_THROUGHPUT, c,
                   metric(live, i, LSIM_M_THROUGHPUT),
                   TOL_THROUGHPUT_SHARE * tput);
  }
  fprintf(stderr, "\n");
  lsim_results_free(sim);
  lsim_results_free(live);
  fixture_release(&f);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case parsing[] = {
      {"live block errors", test_config_errors},
      {"live block defaults", test_config_defaults},
      {"usage answers", test_usage_answers},
      {"usage body length", test_usage_body_length},
      {NULL, NULL}};
  static const struct lsim_test_case runs[] = {
      {"overshoot under cooldown, not headroom",
       test_overshoot_cooldown_not_headroom},
      {"usage faults fall back", test_usage_faults_fall_back},
      {"key stays out of results", test_key_stays_out_of_results},
      {"wrong key is reported", test_wrong_key_is_reported},
      {"unset key variable", test_unset_key_variable},
      {"unreachable endpoint", test_unreachable_endpoint},
      {"body bound", test_body_bound},
      {"calibrate finds the lag", test_calibrate_finds_the_lag},
      {"simulation matches live", test_simulation_matches_live},
      {NULL, NULL}};

  return lsim_test_add_suite("live parsing", parsing) ||
         lsim_test_add_suite("live runs", runs);
}
