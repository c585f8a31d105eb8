/*
 * core_bench.c - what one acquire + release costs: on the bare core, and
 * through the threaded front with 1 and 8 threads.
 *
 * The core runs on virtual time (one nanosecond per call), so it measures
 * the state machine alone; the front adds the mutex, the clock and, with
 * 8 threads on 3 slots, the waits. Figures are wall-clock ns per
 * acquire + release pair and their ratio to the core's; nothing here
 * passes or fails.
 *
 * Usage: core_bench [pairs]   (default 2000000)
 */
#include "limsim.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define THREADS 8

static lsim_time wall_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (lsim_time)ts.tv_sec * LSIM_NS_PER_S + ts.tv_nsec;
}

static void config(struct lsim_limiter_config *cfg, int limit)
{
  lsim_limiter_config_init(cfg);
  cfg->limit = limit;
  cfg->max_agents = THREADS * 2;
}

/* ns per pair on the core, uncontended; negative on error. */
static double bench_core(long pairs)
{
  struct lsim_limiter_config cfg;
  struct lsim_limiter *lim;
  lsim_time now = 0, start;
  lsim_ticket t;
  long done = 0;

  config(&cfg, 1);
  if (lsim_limiter_new(&cfg, 0, &lim) != 0)
    return -1;

  start = wall_now();
  for (; done < pairs; done++) {
    if (lsim_limiter_acquire(lim, ++now, NULL, LSIM_TIME_NEVER, &t) !=
            LSIM_GRANTED ||
        lsim_limiter_release(lim, ++now, t) != 0)
      break;
  }
  start = wall_now() - start;
  lsim_limiter_free(lim);
  return done < pairs ? -1 : (double)start / (double)pairs;
}

struct front_run {
  struct lsim_front *front;
  long pairs;
  int failures; /* this thread's own */
};

static void *front_agent(void *arg)
{
  struct front_run *run = arg;
  lsim_ticket t;

  for (long i = 0; i < run->pairs; i++) {
    if (lsim_front_acquire(run->front, LSIM_NS_PER_S, &t) != 0 ||
        lsim_front_release(run->front, t) != 0)
      run->failures++;
  }
  return NULL;
}

/* ns per pair through the front: `threads` threads share `pairs` pairs
 * on `limit` slots. Negative on error. */
static double bench_front(int threads, int limit, long pairs)
{
  struct lsim_limiter_config cfg;
  struct lsim_front *front;
  struct front_run runs[THREADS];
  pthread_t ids[THREADS];
  lsim_time start;
  int failures = 0;

  config(&cfg, limit);
  if (lsim_front_new(&cfg, NULL, NULL, &front) != 0)
    return -1;

  start = wall_now();
  for (int i = 0; i < threads; i++) {
    runs[i] = (struct front_run){front, pairs / threads, 0};
    pthread_create(&ids[i], NULL, front_agent, &runs[i]);
  }
  for (int i = 0; i < threads; i++) {
    pthread_join(ids[i], NULL);
    failures += runs[i].failures;
  }
  start = wall_now() - start;

  lsim_front_free(front);
  return failures ? -1 : (double)start / (double)(pairs / threads * threads);
}

static void report(const char *what, double ns, double core)
{
  if (ns < 0)
    printf("%-34s failed\n", what);
  else
    printf("%-34s %9.1f ns/op  %6.1fx core\n", what, ns, ns / core);
}

int main(int argc, char **argv)
{
  long pairs = argc > 1 ? atol(argv[1]) : 2000000;
  double core;

  if (pairs < THREADS) {
    fprintf(stderr, "core_bench: pairs: expected an integer >= %d\n", THREADS);
    return 2;
  }

  core = bench_core(pairs);
  printf("acquire + release, %ld pairs\n", pairs);
  report("core, uncontended", core, core);
  report("front, 1 thread, limit 1", bench_front(1, 1, pairs), core);
  report("front, 8 threads, limit 8", bench_front(8, 8, pairs), core);
  report("front, 8 threads, limit 3", bench_front(8, 3, pairs / 4), core);
  return core < 0 ? 1 : 0;
}
