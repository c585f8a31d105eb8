/*
 * usage_load.c - a small load generator for the mock provider, on
 * libcurl's multi interface: one thread, no dependency beyond libcurl.
 *
 *   usage_load usage BASE_URL [connections [seconds [max_requests]]]
 *       Keeps `connections` keep-alive GET BASE_URL/v1/usage requests in
 *       flight, each started again as soon as it ends, until `seconds`
 *       (default 5) have passed or max_requests (default 2000000) have
 *       ended. Prints requests per second and latency percentiles.
 *
 *   usage_load streams BASE_URL [max_streams [seconds]]
 *       Opens 500, 1000, 2000... up to max_streams (default 8000) streamed
 *       completions at once (POST BASE_URL/v1/chat/completions with
 *       "stream": true), and counts those still receiving chunks after
 *       `seconds` (default 3). Stops at the first step the server does
 *       not hold whole. The server's sessions must outlast the step and
 *       its limit exceed max_streams (bench/run sets both).
 *
 * Output is "key value" lines, for bench/run to read. Every loop ends by
 * count and by time; a request has a 10 s timeout.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define LOAD_TIMEOUT_MS 10000L
#define LOAD_MAX_CONNECTIONS 1024
#define LOAD_FIRST_STEP 500

static double load_now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bodies are counted, not kept. */
static size_t load_discard(char *data, size_t size, size_t n, void *user)
{
  return size * n;
}

/* ---------------------------------------------------------------- */
/* usage: requests per second                                       */
/* ---------------------------------------------------------------- */

struct load_usage {
  CURLM *multi;
  double deadline;
  uint64_t max_requests, started, ok, failed;
  long in_flight;
  uint32_t *latency_us; /* one per ended request, max_requests of them */
};

static CURL *load_usage_easy(const char *url)
{
  CURL *e = curl_easy_init();

  if (e == NULL)
    return NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, load_discard);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, LOAD_TIMEOUT_MS);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  return e;
}

static void load_usage_start(struct load_usage *u, CURL *e)
{
  u->started++;
  u->in_flight++;
  curl_multi_add_handle(u->multi, e);
}

static bool load_usage_more(const struct load_usage *u)
{
  return u->started < u->max_requests && load_now_s() < u->deadline;
}

/* Records one ended request, and starts its handle again. */
static void load_usage_ended(struct load_usage *u, CURLMsg *msg)
{
  CURL *e = msg->easy_handle;
  curl_off_t total_us = 0;
  long status = 0;

  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
  curl_multi_remove_handle(u->multi, e);
  u->in_flight--;
  if (msg->data.result == CURLE_OK && status == 200) {
    u->latency_us[u->ok++] =
        total_us > UINT32_MAX ? UINT32_MAX : (uint32_t)total_us;
  } else {
    u->failed++;
  }

  if (load_usage_more(u))
    load_usage_start(u, e);
  else
    curl_easy_cleanup(e);
}

static int load_compare_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

  return (x > y) - (x < y);
}

static double load_percentile_ms(const uint32_t *sorted, uint64_t n, double q)
{
  uint64_t i = (uint64_t)(q * (double)(n - 1) + 0.5);

  return n == 0 ? 0 : sorted[i] / 1000.0;
}

static void load_usage_report(struct load_usage *u, double wall)
{
  qsort(u->latency_us, u->ok, sizeof(*u->latency_us), load_compare_u32);
  printf("requests_ok %llu\n", (unsigned long long)u->ok);
  printf("requests_failed %llu\n", (unsigned long long)u->failed);
  printf("wall_s %.3f\n", wall);
  printf("requests_per_s %.0f\n", (double)u->ok / wall);
  printf("latency_p50_ms %.3f\n", load_percentile_ms(u->latency_us, u->ok, .5));
  printf("latency_p99_ms %.3f\n",
         load_percentile_ms(u->latency_us, u->ok, .99));
  printf("latency_max_ms %.3f\n",
         load_percentile_ms(u->latency_us, u->ok, 1.0));
}

static int load_usage_run(const char *base, long conns, double seconds,
                          uint64_t max_requests)
{
  struct load_usage u = {.max_requests = max_requests};
  char url[512];
  double start;
  int running, left;

  snprintf(url, sizeof(url), "%s/v1/usage", base);
  u.latency_us = malloc(max_requests * sizeof(*u.latency_us));
  u.multi = curl_multi_init();
  if (u.latency_us == NULL || u.multi == NULL)
    return 1;
  curl_multi_setopt(u.multi, CURLMOPT_MAXCONNECTS, conns);

  start = load_now_s();
  u.deadline = start + seconds;
  for (long i = 0; i < conns && load_usage_more(&u); i++) {
    CURL *e = load_usage_easy(url);

    if (e == NULL)
      return 1;
    load_usage_start(&u, e);
  }
  /* Counted here rather than by libcurl's `running`, which falls to 0
   * between a transfer's end and its handle's restart. */
  while (u.in_flight > 0) {
    CURLMsg *msg;

    curl_multi_perform(u.multi, &running);
    while ((msg = curl_multi_info_read(u.multi, &left)) != NULL)
      if (msg->msg == CURLMSG_DONE)
        load_usage_ended(&u, msg);
    if (u.in_flight > 0)
      curl_multi_poll(u.multi, NULL, 0, 100, NULL);
  }

  load_usage_report(&u, load_now_s() - start);
  curl_multi_cleanup(u.multi);
  free(u.latency_us);
  return u.ok == 0;
}

/* ---------------------------------------------------------------- */
/* streams: how many the server holds at once                       */
/* ---------------------------------------------------------------- */

struct load_stream {
  CURL *easy;
  double last_chunk; /* 0: none yet */
  bool ended;
};

static size_t load_stream_chunk(char *data, size_t size, size_t n, void *user)
{
  struct load_stream *s = user;

  s->last_chunk = load_now_s();
  return size * n;
}

static CURL *load_stream_easy(const char *url, struct curl_slist *headers,
                              struct load_stream *s)
{
  static const char body[] = "{\"model\":\"limsim-mock\",\"stream\":true,"
                             "\"messages\":[{\"role\":\"user\","
                             "\"content\":\"bench\"}]}";
  CURL *e = curl_easy_init();

  if (e == NULL)
    return NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, load_stream_chunk);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, LOAD_TIMEOUT_MS);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PRIVATE, s);
  return e;
}

/* Drives the transfers until `until`; marks those that end. */
static void load_streams_pump(CURLM *multi, double until)
{
  int running, left;
  CURLMsg *msg;

  while (load_now_s() < until) {
    curl_multi_perform(multi, &running);
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
      struct load_stream *s;

      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
      if (msg->msg == CURLMSG_DONE)
        s->ended = true;
    }
    curl_multi_poll(multi, NULL, 0, 50, NULL);
  }
}

/* Streams that got a chunk in the last second and have not ended. */
static long load_streams_alive(const struct load_stream *s, long n)
{
  double since = load_now_s() - 1.0;
  long alive = 0;

  for (long i = 0; i < n; i++)
    alive += !s[i].ended && s[i].last_chunk > since;
  return alive;
}

/* Opens n streams, holds them `seconds`, returns how many are alive. */
static long load_streams_step(const char *url, long n, double seconds)
{
  struct curl_slist *headers =
      curl_slist_append(NULL, "Content-Type: application/json");
  struct load_stream *s = calloc((size_t)n, sizeof(*s));
  CURLM *multi = curl_multi_init();
  long alive = -1;

  if (headers == NULL || s == NULL || multi == NULL)
    goto done;
  for (long i = 0; i < n; i++) {
    s[i].easy = load_stream_easy(url, headers, &s[i]);
    if (s[i].easy == NULL)
      goto done;
    curl_multi_add_handle(multi, s[i].easy);
  }
  load_streams_pump(multi, load_now_s() + seconds);
  alive = load_streams_alive(s, n);

done:
  for (long i = 0; s != NULL && i < n && s[i].easy != NULL; i++) {
    curl_multi_remove_handle(multi, s[i].easy);
    curl_easy_cleanup(s[i].easy);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  free(s);
  return alive;
}

/* Each stream is a socket here too: raise our own descriptor limit. */
static void load_raise_fd_limit(void)
{
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int load_streams_run(const char *base, long max_streams, double seconds)
{
  char url[512];
  long held = 0;

  snprintf(url, sizeof(url), "%s/v1/chat/completions", base);
  load_raise_fd_limit();
  for (long n = LOAD_FIRST_STEP; n <= max_streams; n *= 2) {
    long alive = load_streams_step(url, n, seconds);

    printf("streams.%ld.alive %ld\n", n, alive);
    fflush(stdout);
    if (alive < n)
      break;
    held = n;
  }
  printf("streams_held %ld\n", held);
  return 0;
}

/* ---------------------------------------------------------------- */

static int load_usage_message(void)
{
  fprintf(stderr,
          "usage: usage_load usage BASE_URL [connections [seconds "
          "[max_requests]]]\n"
          "       usage_load streams BASE_URL [max_streams [seconds]]\n");
  return 2;
}

static int load_usage_main(int argc, char **argv)
{
  long conns = argc > 3 ? atol(argv[3]) : 32;
  double seconds = argc > 4 ? atof(argv[4]) : 5;
  long long max = argc > 5 ? atoll(argv[5]) : 2000000;

  if (argc > 6 || conns < 1 || conns > LOAD_MAX_CONNECTIONS ||
      !(seconds > 0 && seconds <= 600) || max < 1 || max > 100000000)
    return load_usage_message();
  return load_usage_run(argv[2], conns, seconds, (uint64_t)max);
}

static int load_streams_main(int argc, char **argv)
{
  long max = argc > 3 ? atol(argv[3]) : 8000;
  double seconds = argc > 4 ? atof(argv[4]) : 3;

  if (argc > 5 || max < LOAD_FIRST_STEP || max > 100000 ||
      !(seconds > 1 && seconds <= 600))
    return load_usage_message();
  return load_streams_run(argv[2], max, seconds);
}

int main(int argc, char **argv)
{
  int rc;

  if (argc < 3)
    return load_usage_message();
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
    return 1;
  if (strcmp(argv[1], "usage") == 0)
    rc = load_usage_main(argc, argv);
  else if (strcmp(argv[1], "streams") == 0)
    rc = load_streams_main(argc, argv);
  else
    rc = load_usage_message();
  curl_global_cleanup();
  return rc;
}
