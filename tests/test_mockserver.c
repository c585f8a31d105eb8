/*
 * test_mockserver.c - the mock provider's HTTP server, driven in-process
 * on a loopback port by libcurl.
 *
 * Sessions, lags and latencies are tens of milliseconds, so the whole
 * program runs in a few seconds. Nothing sleeps: the tests wait for the
 * server's counter with lsim_mockserver_wait_count(), bounded.
 */
#include "runner.h"

#include "mockserver.h"
#include "scenario.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#define MS (LSIM_NS_PER_S / 1000)
#define BODY_MAX (64 * 1024)
#define CHAT_BODY "{\"model\": \"m1\", \"messages\": []}"
#define STREAM_BODY "{\"messages\": [], \"stream\": true}"

/* ---- the server ---- */

/* Short sessions and lags; limit 2; a free port. */
static void quick_config(struct lsim_mock_config *c)
{
  lsim_mock_config_init(c);
  c->port = 0;
  c->limit = 2;
  c->session.a = 0.05;
  c->release_lag.a = 0.1;
  c->usage_latency.a = 0.01;
  c->stream_interval_s = 0.01;
  c->retry_after_s = 3;
}

static struct lsim_mockserver *start(const struct lsim_mock_config *c)
{
  struct lsim_mockserver *srv = NULL;
  char err[256] = "";
  int rc = lsim_mockserver_start(c, &srv, err, sizeof(err));

  if (rc != 0)
    fprintf(stderr, "\n  start: %s\n", err);
  LSIM_ASSERT_EQ_INT(rc, 0);
  return srv;
}

static double now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the client ---- */

struct reply {
  CURLcode rc;
  long status;
  char body[BODY_MAX];
  size_t len;
  char retry_after[32];
  double seconds;
  int abort_after_chunks; /* > 0: hang up once that many have come */
  int chunks;
};

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
  struct reply *r = user;
  size_t len = size * n, room = BODY_MAX - 1 - r->len;

  memcpy(r->body + r->len, data, len < room ? len : room);
  r->len += len < room ? len : room;
  r->body[r->len] = '\0';
  r->chunks++;
  if (r->abort_after_chunks > 0 && r->chunks >= r->abort_after_chunks)
    return 0; /* curl hangs up */
  return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
  struct reply *r = user;
  size_t len = size * n;

  if (len > 13 && strncasecmp(data, "Retry-After: ", 13) == 0)
    snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
             (int)strcspn(data + 13, "\r\n"), data + 13);
  return len;
}

/* An easy handle for `path`; POST when body is not NULL. */
static CURL *request(struct lsim_mockserver *srv, const char *path,
                     const char *body, const char *auth, struct reply *r,
                     struct curl_slist **headers)
{
  CURL *h = curl_easy_init();
  char url[128];

  snprintf(url, sizeof(url), "http://127.0.0.1:%u%s",
           (unsigned)lsim_mockserver_port(srv), path);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  *headers = curl_slist_append(NULL, "Content-Type: application/json");
  if (auth != NULL)
    *headers = curl_slist_append(*headers, auth);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
  if (body != NULL)
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  return h;
}

static void finish(CURL *h, struct reply *r, struct curl_slist *headers)
{
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_cleanup(h);
  curl_slist_free_all(headers);
}

static void http_auth(struct lsim_mockserver *srv, const char *path,
                      const char *body, const char *auth, long timeout_ms,
                      struct reply *r)
{
  struct curl_slist *headers;
  CURL *h = request(srv, path, body, auth, r, &headers);
  double t0 = now_s();

  if (timeout_ms > 0)
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  r->rc = curl_easy_perform(h);
  r->seconds = now_s() - t0;
  finish(h, r, headers);
}

static void http(struct lsim_mockserver *srv, const char *path,
                 const char *body, struct reply *r)
{
  http_auth(srv, path, body, NULL, 0, r);
}

static cJSON *json_at(cJSON *root, const char *a, const char *b)
{
  cJSON *x = cJSON_GetObjectItemCaseSensitive(root, a);

  return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

/* A request on its own thread, for one that must be in flight while the
 * test does something else. */
struct background {
  pthread_t thread;
  struct lsim_mockserver *srv;
  const char *body;
  struct reply r;
};

static void *background_main(void *arg)
{
  struct background *bg = arg;

  http(bg->srv, "/v1/chat/completions", bg->body, &bg->r);
  return NULL;
}

static void background_start(struct background *bg, struct lsim_mockserver *srv,
                             const char *body)
{
  memset(bg, 0, sizeof(*bg));
  bg->srv = srv;
  bg->body = body;
  CU_ASSERT_FATAL(pthread_create(&bg->thread, NULL, background_main, bg) == 0);
}

/* ---- settings ---- */

static void test_config_errors(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv = NULL;
  char err[256];

  quick_config(&c);
  c.limit = 0;
  LSIM_ASSERT_EQ_INT(lsim_mockserver_start(&c, &srv, err, sizeof(err)),
                     LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err, "limit: expected an integer >= 1, got 0");

  quick_config(&c);
  c.usage_error_rate = 0.6;
  c.usage_stall_rate = 0.6;
  LSIM_ASSERT_EQ_INT(lsim_mockserver_start(&c, &srv, err, sizeof(err)),
                     LSIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err,
                         "usage fault rates: expected a sum <= 1, got 1.2");

  quick_config(&c);
  c.bind_addr = "localhost";
  LSIM_ASSERT_EQ_INT(lsim_mockserver_start(&c, &srv, err, sizeof(err)),
                     LSIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "bind_addr"));
  CU_ASSERT_PTR_NULL(srv);
}

static void test_port_in_use(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *first, *second = NULL;
  char err[256] = "";

  quick_config(&c);
  first = start(&c);
  c.port = lsim_mockserver_port(first);
  CU_ASSERT(c.port != 0);
  LSIM_ASSERT_EQ_INT(lsim_mockserver_start(&c, &second, err, sizeof(err)),
                     LSIM_ESTATE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot listen on 127.0.0.1:"));
  CU_ASSERT_PTR_NULL(strchr(err, '\n'));
  lsim_mockserver_stop(first);
}

/* ---- endpoints ---- */

static void test_usage_shape(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};
  cJSON *root;

  quick_config(&c);
  c.usage_latency.a = 0.05;
  srv = start(&c);
  http(srv, "/v1/usage", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  CU_ASSERT(r.seconds >= 0.05);

  root = cJSON_Parse(r.body);
  CU_ASSERT(cJSON_IsNumber(json_at(root, "concurrent_sessions", NULL)));
  LSIM_ASSERT_EQ_INT(
      cJSON_GetNumberValue(json_at(root, "concurrent_sessions", NULL)), 0);
  LSIM_ASSERT_EQ_INT(cJSON_GetNumberValue(json_at(root, "limit", NULL)), 2);
  cJSON_Delete(root);
  lsim_mockserver_stop(srv);
}

static void test_models(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};
  cJSON *root, *data;

  quick_config(&c);
  srv = start(&c);
  http(srv, "/v1/models", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  root = cJSON_Parse(r.body);
  data = json_at(root, "data", NULL);
  LSIM_ASSERT_EQ_INT(cJSON_GetArraySize(data), 1);
  CU_ASSERT_STRING_EQUAL(
      cJSON_GetStringValue(json_at(cJSON_GetArrayItem(data, 0), "id", NULL)),
      LSIM_MOCK_MODEL);
  cJSON_Delete(root);

  memset(&r, 0, sizeof(r));
  http(srv, "/v1/nothing", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 404);
  memset(&r, 0, sizeof(r));
  http(srv, "/v1/usage", "{}", &r);
  LSIM_ASSERT_EQ_INT(r.status, 405);
  lsim_mockserver_stop(srv);
}

static void test_completion_takes_session(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};
  cJSON *root, *choice;

  quick_config(&c);
  c.session.a = 0.08;
  c.start_delay.a = 0.02;
  srv = start(&c);
  http(srv, "/v1/chat/completions", CHAT_BODY, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  LSIM_ASSERT_NEAR(r.seconds, 0.15, 0.05); /* delay + session, or a bit */

  root = cJSON_Parse(r.body);
  choice = cJSON_GetArrayItem(json_at(root, "choices", NULL), 0);
  CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(json_at(root, "object", NULL)),
                         "chat.completion");
  CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(json_at(root, "model", NULL)),
                         "m1");
  CU_ASSERT(cJSON_IsString(json_at(choice, "message", "content")));
  CU_ASSERT_STRING_EQUAL(
      cJSON_GetStringValue(json_at(choice, "finish_reason", NULL)), "stop");
  cJSON_Delete(root);
  lsim_mockserver_stop(srv);
}

static int count_of(const char *text, const char *what)
{
  int n = 0;

  for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
    n++;
  return n;
}

static void test_stream_ends_with_done(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};
  const char *done = "data: [DONE]\n\n";

  quick_config(&c);
  srv = start(&c);
  http(srv, "/v1/chat/completions", STREAM_BODY, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  CU_ASSERT(r.seconds >= 0.05);
  CU_ASSERT(strncmp(r.body, "data: {", 7) == 0);
  CU_ASSERT(r.len > strlen(done) &&
            strcmp(r.body + r.len - strlen(done), done) == 0);
  /* 0.05 s at 0.01 s a chunk: the role, four words, the end, [DONE] */
  LSIM_ASSERT_EQ_INT(count_of(r.body, "data: "), 7);
  LSIM_ASSERT_EQ_INT(count_of(r.body, "\"chat.completion.chunk\""), 6);
  LSIM_ASSERT_EQ_INT(count_of(r.body, "\"finish_reason\":\"stop\""), 1);
  lsim_mockserver_stop(srv);
}

static void test_counter_rises_and_falls(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  struct background bg;
  double ended;

  quick_config(&c);
  c.session.a = 0.2;
  c.release_lag.a = 0.5;
  srv = start(&c);
  background_start(&bg, srv, CHAT_BODY);
  LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 1, 2000 * MS), 0);
  pthread_join(bg.thread, NULL);
  ended = now_s();
  LSIM_ASSERT_EQ_INT(bg.r.status, 200);

  /* The answer is in, the provider still counts the session. */
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.upstream_sessions, 1);
  LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 0, 2000 * MS), 0);
  LSIM_ASSERT_NEAR(now_s() - ended, 0.5, 0.1);
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.session_starts, 1);
  LSIM_ASSERT_EQ_INT(m.sessions_ended, 1);
  lsim_mockserver_stop(srv);
}

static void test_over_cap_is_429(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  struct background bg;
  struct reply r = {0};
  cJSON *root;
  double t0;

  quick_config(&c);
  c.limit = 1;
  c.session.a = 5;
  srv = start(&c);
  background_start(&bg, srv, CHAT_BODY);
  LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 1, 2000 * MS), 0);

  http(srv, "/v1/chat/completions", CHAT_BODY, &r);
  LSIM_ASSERT_EQ_INT(r.status, 429);
  CU_ASSERT_STRING_EQUAL(r.retry_after, "3");
  root = cJSON_Parse(r.body);
  CU_ASSERT_STRING_EQUAL(
      cJSON_GetStringValue(json_at(json_at(root, "error", NULL), "type", NULL)),
      "rate_limit_exceeded");
  CU_ASSERT_STRING_EQUAL(
      cJSON_GetStringValue(json_at(json_at(root, "error", NULL), "code", NULL)),
      "concurrency_limit");
  cJSON_Delete(root);
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.overshoot_events, 1);
  LSIM_ASSERT_EQ_INT(m.rejected, 1);

  /* Stopping closes the session still waiting out its 5 s. */
  t0 = now_s();
  lsim_mockserver_stop(srv);
  pthread_join(bg.thread, NULL);
  CU_ASSERT(now_s() - t0 < 2);
  CU_ASSERT(bg.r.status != 200);
}

static void test_admit_counts_over_cap(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  struct reply r = {0};

  quick_config(&c);
  c.limit = 1;
  c.overflow = LSIM_OVERFLOW_ADMIT;
  c.session.a = 0.2;
  srv = start(&c);
  {
    struct background bg;

    background_start(&bg, srv, CHAT_BODY);
    LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 1, 2000 * MS), 0);
    http(srv, "/v1/chat/completions", CHAT_BODY, &r);
    pthread_join(bg.thread, NULL);
  }
  LSIM_ASSERT_EQ_INT(r.status, 200);
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.upstream_sessions_max, 2);
  LSIM_ASSERT_EQ_INT(m.overshoot_events, 1);
  LSIM_ASSERT_EQ_INT(m.rejected, 0);
  lsim_mockserver_stop(srv);
}

static void test_bad_json_is_400(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  struct reply r = {0};
  cJSON *root;

  quick_config(&c);
  srv = start(&c);
  http(srv, "/v1/chat/completions", "{\"messages\": [", &r);
  LSIM_ASSERT_EQ_INT(r.status, 400);
  root = cJSON_Parse(r.body);
  CU_ASSERT_STRING_EQUAL(
      cJSON_GetStringValue(json_at(json_at(root, "error", NULL), "type", NULL)),
      "invalid_request_error");
  cJSON_Delete(root);

  memset(&r, 0, sizeof(r));
  http(srv, "/v1/chat/completions", "{\"stream\": true}", &r);
  LSIM_ASSERT_EQ_INT(r.status, 400);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "messages"));
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.bad_requests, 2);
  LSIM_ASSERT_EQ_INT(m.session_starts, 0);
  lsim_mockserver_stop(srv);
}

static void test_api_key(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  struct reply r = {0};

  quick_config(&c);
  c.api_key = "s3cret-key";
  srv = start(&c);
  http(srv, "/v1/models", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 401);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "invalid_api_key"));
  CU_ASSERT_PTR_NULL(strstr(r.body, "s3cret"));

  memset(&r, 0, sizeof(r));
  http_auth(srv, "/v1/usage", NULL, "Authorization: Bearer s3cret-kez", 0, &r);
  LSIM_ASSERT_EQ_INT(r.status, 401);
  memset(&r, 0, sizeof(r));
  http_auth(srv, "/v1/usage", NULL, "Authorization: Bearer s3cret", 0, &r);
  LSIM_ASSERT_EQ_INT(r.status, 401);
  memset(&r, 0, sizeof(r));
  http_auth(srv, "/v1/usage", NULL, "Authorization: Bearer s3cret-key", 0, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  memset(&r, 0, sizeof(r));
  http(srv, "/metrics", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);

  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.unauthorized, 3);
  LSIM_ASSERT_EQ_INT(m.usage_ok, 1);
  lsim_mockserver_stop(srv);
}

static void test_metrics_text(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};

  quick_config(&c);
  srv = start(&c);
  http(srv, "/v1/usage", NULL, &r);
  memset(&r, 0, sizeof(r));
  http(srv, "/v1/chat/completions", CHAT_BODY, &r);
  memset(&r, 0, sizeof(r));
  http(srv, "/metrics", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.body,
                                "# TYPE limsim_mock_upstream_sessions gauge\n"
                                "limsim_mock_upstream_sessions 1\n"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(r.body, "# TYPE limsim_mock_overshoot_events_total counter\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\nlimsim_mock_rejected_total 0\n"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(r.body, "\nlimsim_mock_requests_total{endpoint=\"usage\"} 1\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(
      r.body,
      "\nlimsim_mock_requests_total{endpoint=\"chat_completions\"} 1\n"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(r.body, "\nlimsim_mock_requests_total{endpoint=\"metrics\"} 1\n"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(r.body, "\nlimsim_mock_usage_polls_total{outcome=\"ok\"} 1\n"));
  lsim_mockserver_stop(srv);
}

static void test_metrics_json(void)
{
  struct lsim_mock_metrics m = {.upstream_sessions = 3,
                                .limit = 4,
                                .overshoot_events = 7,
                                .req_chat = 11,
                                .usage_stalled = 2};
  char *json = lsim_mock_metrics_json(&m);
  cJSON *root = cJSON_Parse(json);

  LSIM_ASSERT_EQ_INT(
      cJSON_GetNumberValue(json_at(root, "upstream_sessions", NULL)), 3);
  LSIM_ASSERT_EQ_INT(
      cJSON_GetNumberValue(json_at(root, "overshoot_events", NULL)), 7);
  LSIM_ASSERT_EQ_INT(
      cJSON_GetNumberValue(json_at(root, "requests", "chat_completions")), 11);
  LSIM_ASSERT_EQ_INT(
      cJSON_GetNumberValue(json_at(root, "usage_polls", "stalled")), 2);
  cJSON_Delete(root);
  free(json);
}

/* The client hangs up after the first chunk of a 10 s stream: the server
 * finds out at the next chunk and the session falls a lag later. */
static void test_disconnect_ends_session(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {.abort_after_chunks = 1};
  double t0;

  quick_config(&c);
  c.session.a = 10;
  c.stream_interval_s = 0.02;
  srv = start(&c);
  http(srv, "/v1/chat/completions", STREAM_BODY, &r);
  LSIM_ASSERT_EQ_INT(r.rc, CURLE_WRITE_ERROR);
  t0 = now_s();
  LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 0, 2000 * MS), 0);
  CU_ASSERT(now_s() - t0 < 1);
  lsim_mockserver_stop(srv);
}

/* ---- usage faults ---- */

static void test_usage_error_and_malformed(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};
  cJSON *root;

  quick_config(&c);
  c.usage_error_rate = 1;
  srv = start(&c);
  http(srv, "/v1/usage", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 503);
  lsim_mockserver_stop(srv);

  c.usage_error_rate = 0;
  c.usage_malformed_rate = 1;
  srv = start(&c);
  memset(&r, 0, sizeof(r));
  http(srv, "/v1/usage", NULL, &r);
  LSIM_ASSERT_EQ_INT(r.status, 200);
  root = cJSON_Parse(r.body);
  CU_ASSERT_PTR_NULL(root);
  cJSON_Delete(root);
  lsim_mockserver_stop(srv);
}

static void test_usage_stall(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct reply r = {0};

  quick_config(&c);
  c.usage_stall_rate = 1;
  c.usage_stall_s = 0.5;
  srv = start(&c);
  http_auth(srv, "/v1/usage", NULL, NULL, 150, &r);
  LSIM_ASSERT_EQ_INT(r.rc, CURLE_OPERATION_TIMEDOUT);
  LSIM_ASSERT_NEAR(r.seconds, 0.15, 0.1);
  lsim_mockserver_stop(srv);
}

static const char fault_scenario[] =
    "{\"name\": \"faults\", \"seed\": 7, \"duration_s\": 10,"
    " \"limiter\": {\"limit\": 3},"
    " \"provider\": {\"release_lag\": 0.1, \"start_delay\": 0,"
    "   \"usage\": {\"latency\": 0.005, \"failure_rate\": 1}},"
    " \"workload\": {\"kind\": \"closed\", \"agents\": 4, \"think\": 1,"
    "   \"session\": {\"dist\": \"exponential\", \"mean\": 0.05}}}";

/* failure_rate 1 from a scenario: every poll fails, one of three ways. */
static void test_scenario_faults(void)
{
  struct lsim_scenario_set *set = NULL;
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  char err[256] = "";
  int valid = 0;

  CU_ASSERT_FATAL(lsim_scenario_load_text(
                      fault_scenario, strlen(fault_scenario), "faults.json",
                      NULL, 0, &set, err, sizeof(err)) == 0);
  lsim_mock_config_init(&c);
  LSIM_ASSERT_EQ_INT(
      lsim_mock_config_from_scenario(set->points[0].scenario, &c), 0);
  LSIM_ASSERT_EQ_INT(c.limit, 3);
  LSIM_ASSERT_NEAR(c.usage_stall_rate, 1.0 / 3, 1e-12);
  c.port = 0;
  c.usage_stall_s = 0.3;
  srv = start(&c);
  lsim_scenario_set_free(set); /* the server keeps its own copy */

  for (int i = 0; i < 9; i++) {
    struct reply r = {0};
    cJSON *root;

    http_auth(srv, "/v1/usage", NULL, NULL, 100, &r);
    root = r.status == 200 ? cJSON_Parse(r.body) : NULL;
    valid += root != NULL;
    cJSON_Delete(root);
  }
  LSIM_ASSERT_EQ_INT(valid, 0);
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.usage_ok, 0);
  LSIM_ASSERT_EQ_INT(m.usage_error + m.usage_malformed + m.usage_stalled, 9);
  CU_ASSERT(m.usage_error > 0 && m.usage_malformed > 0 && m.usage_stalled > 0);
  lsim_mockserver_stop(srv);
}

/* Other clients of the account: sessions on the counter that no request
 * of ours made. */
static void test_external_load(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;

  quick_config(&c);
  c.external_rate_per_s = 200;
  c.external_session.a = 0.05;
  c.release_lag.a = 0.05;
  srv = start(&c);
  LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 2, 2000 * MS), 0);
  lsim_mockserver_metrics(srv, &m);
  CU_ASSERT(m.external_starts >= 2);
  LSIM_ASSERT_EQ_INT(m.req_chat, 0);
  LSIM_ASSERT_EQ_INT(m.upstream_sessions_max, 2); /* the cap, reject */
  lsim_mockserver_stop(srv);
}

/* ---- load ---- */

/* LSIM_MOCK_LOAD_STREAMS raises the count for a manual load run. */
static int load_streams(void)
{
  const char *env = getenv("LSIM_MOCK_LOAD_STREAMS");
  int n = env ? atoi(env) : 0;
  struct rlimit rl;

  if (n <= 0)
    n = 300;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  return n;
}

struct load {
  int n;
  CURL **easy;
  struct reply *replies;
  struct curl_slist **headers;
};

static void load_run(struct lsim_mockserver *srv, struct load *l)
{
  CURLM *multi = curl_multi_init();
  int running = 1;

  for (int i = 0; i < l->n; i++) {
    l->easy[i] = request(srv, "/v1/chat/completions", STREAM_BODY, NULL,
                         &l->replies[i], &l->headers[i]);
    curl_easy_setopt(l->easy[i], CURLOPT_TIMEOUT_MS, 30000L);
    curl_multi_add_handle(multi, l->easy[i]);
  }
  while (running > 0) {
    curl_multi_perform(multi, &running);
    if (running > 0)
      curl_multi_poll(multi, NULL, 0, 100, NULL);
  }
  for (int i = 0; i < l->n; i++) {
    curl_multi_remove_handle(multi, l->easy[i]);
    finish(l->easy[i], &l->replies[i], l->headers[i]);
  }
  curl_multi_cleanup(multi);
}

static void test_many_streams(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;
  struct lsim_mock_metrics m;
  struct load l = {.n = load_streams()};
  int complete = 0;

  quick_config(&c);
  c.limit = 1000000;
  c.session.a = 1.5;
  c.stream_interval_s = 0.1;
  srv = start(&c);
  l.easy = calloc((size_t)l.n, sizeof(*l.easy));
  l.replies = calloc((size_t)l.n, sizeof(*l.replies));
  l.headers = calloc((size_t)l.n, sizeof(*l.headers));
  CU_ASSERT_FATAL(l.easy && l.replies && l.headers);

  load_run(srv, &l);
  for (int i = 0; i < l.n; i++)
    complete += l.replies[i].status == 200 &&
                strstr(l.replies[i].body, "data: [DONE]\n\n") != NULL;
  LSIM_ASSERT_EQ_INT(complete, l.n);
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.session_starts, l.n);
  LSIM_ASSERT_EQ_INT(m.upstream_sessions_max, l.n); /* all at once */
  LSIM_ASSERT_EQ_INT(lsim_mockserver_wait_count(srv, 0, 3000 * MS), 0);
  lsim_mockserver_metrics(srv, &m);
  LSIM_ASSERT_EQ_INT(m.sessions_ended, l.n);
  LSIM_ASSERT_EQ_INT(m.streams_active, 0);
  lsim_mockserver_stop(srv);
  free(l.easy);
  free(l.replies);
  free(l.headers);
}

/* Keeps n keep-alive clients busy: each asks for usage again as soon as
 * its answer is in, `each` times. Returns how many answers were 200. */
static int usage_clients(struct lsim_mockserver *srv, int n, int each)
{
  CURLM *multi = curl_multi_init();
  CURL *easy[128];
  struct reply *replies = calloc((size_t)n, sizeof(*replies));
  struct curl_slist *headers[128];
  int asked[128] = {0}, ok = 0, running = 1;
  double deadline = now_s() + 20;
  CURLMsg *msg;
  int left;

  for (int i = 0; i < n; i++) {
    easy[i] = request(srv, "/v1/usage", NULL, NULL, &replies[i],
                      &headers[i]);
    curl_easy_setopt(easy[i], CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(easy[i], CURLOPT_PRIVATE, &asked[i]);
    curl_multi_add_handle(multi, easy[i]);
    asked[i] = 1;
  }
  while (running > 0 && now_s() < deadline) {
    curl_multi_perform(multi, &running);
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
      CURL *h = msg->easy_handle;
      int i = 0;
      long status = 0;

      while (easy[i] != h)
        i++;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      ok += msg->data.result == CURLE_OK && status == 200;
      curl_multi_remove_handle(multi, h);
      if (asked[i]++ < each) {
        replies[i].len = 0;
        curl_multi_add_handle(multi, h);
        running++;
      }
    }
    if (running > 0)
      curl_multi_poll(multi, NULL, 0, 100, NULL);
  }
  for (int i = 0; i < n; i++) {
    curl_multi_remove_handle(multi, easy[i]);
    finish(easy[i], &replies[i], headers[i]);
  }
  curl_multi_cleanup(multi);
  free(replies);
  return ok;
}

/* libmicrohttpd 0.9.75's epoll loop stalled with exactly 128 keep-alive
 * clients (its event batch); the server must serve them all. */
static void test_128_keepalive_clients(void)
{
  struct lsim_mock_config c;
  struct lsim_mockserver *srv;

  quick_config(&c);
  c.usage_latency.a = 0;
  srv = start(&c);
  LSIM_ASSERT_EQ_INT(usage_clients(srv, 128, 100), 128 * 100);
  lsim_mockserver_stop(srv);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"config errors are one line", test_config_errors},
      {"a port in use is one line", test_port_in_use},
      {"usage has its shape and latency", test_usage_shape},
      {"models lists one; unknown paths 404", test_models},
      {"a completion takes its session", test_completion_takes_session},
      {"a stream ends with [DONE]", test_stream_ends_with_done},
      {"the counter rises, falls after the lag", test_counter_rises_and_falls},
      {"over the cap is 429 with Retry-After", test_over_cap_is_429},
      {"admit counts over the cap", test_admit_counts_over_cap},
      {"bad JSON is 400", test_bad_json_is_400},
      {"the API key is required", test_api_key},
      {"metrics text has the counters", test_metrics_text},
      {"metrics JSON has the counters", test_metrics_json},
      {"a hang-up ends the session", test_disconnect_ends_session},
      {"usage errors and malformed bodies", test_usage_error_and_malformed},
      {"a stalled usage poll times out", test_usage_stall},
      {"scenario failure_rate 1 fails every poll", test_scenario_faults},
      {"other clients fill the counter", test_external_load},
      {"hundreds of concurrent streams", test_many_streams},
      {"128 keep-alive clients are all served", test_128_keepalive_clients},
      {NULL, NULL}};

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return -1;
  return lsim_test_add_suite("mockserver", tests);
}
