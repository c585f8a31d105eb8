/*
 * sim_bench.c - how fast one simulated run goes, and whether its memory
 * stays flat as the simulated time grows.
 *
 *   sim_bench mmc [horizon_s]
 *       lsim_sim_run on M/M/c: Poisson arrivals at 3 per second,
 *       exponential sessions of mean 1 s, limit 4 (rho 0.75), no release
 *       lag, no start delay, no cooldown, policy cooldown. The same model
 *       as bench/mmc_floor.c and bench/mmc_simpy.py. Default horizon
 *       2000000 s (6 million sessions).
 *
 *   sim_bench memory SCENARIO.json
 *       Peak RSS of simulating 1 h and 24 h, each in its own child
 *       process so that the peaks are separate: the M/M/c run above, and
 *       replication 0 of every point and policy of SCENARIO, one run
 *       after the other.
 *
 * Output is "key value" lines, for bench/run to read.
 */
#define _DEFAULT_SOURCE /* wait4() */

#include "runner.h"
#include "scenario.h"
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MMC_SERVERS 4
#define MMC_LAMBDA 3.0 /* per second; sessions have a mean of 1 s */

static double bench_now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- M/M/c ---- */

/* Everything a run's config points at, kept alive for the run. */
struct mmc_setup {
  struct lsim_dist zero, session;
  struct lsim_sim_config cfg;
};

static void mmc_config(struct mmc_setup *m, double horizon_s)
{
  struct lsim_sim_config *c = &m->cfg;

  memset(m, 0, sizeof(*m));
  m->zero.kind = LSIM_DIST_CONSTANT;
  m->session.kind = LSIM_DIST_EXPONENTIAL;
  m->session.a = 1.0;

  c->seed = 1;
  c->duration = lsim_time_from_s(horizon_s);
  c->max_events = UINT64_C(1) << 40;
  c->policy = lsim_policy_find("cooldown");
  c->limit = c->cap = MMC_SERVERS;
  c->instances = 1;
  c->poll_interval = LSIM_NS_PER_S / 4;
  c->acquire_timeout = LSIM_TIME_NEVER;
  c->overflow = LSIM_OVERFLOW_REJECT;
  c->backoff = c->release_lag = c->start_delay = &m->zero;
  c->usage_latency = c->think = c->external_session = &m->zero;
  c->kind = LSIM_WORKLOAD_POISSON;
  c->rate = MMC_LAMBDA;
  c->session = &m->session;
}

/* Erlang C's mean wait in the queue, to show the run is the model. */
static double erlang_c_wait(int c, double lambda, double mu)
{
  double a = lambda / mu, rho = a / c, term = 1, sum = 0, pw;

  for (int k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  pw = term / (1 - rho) / (sum + term / (1 - rho));
  return pw / (c * mu - lambda);
}

static int run_or_complain(const struct lsim_sim_config *c,
                           struct lsim_sim_result *r)
{
  char err[256];
  int rc = lsim_sim_run(c, r, err, sizeof(err));

  if (rc != 0)
    fprintf(stderr, "sim_bench: %s\n", err);
  return rc;
}

static int bench_mmc(double horizon_s)
{
  static struct mmc_setup m;
  static struct lsim_sim_result r;
  double start, wall;

  mmc_config(&m, horizon_s);
  start = bench_now_s();
  if (run_or_complain(&m.cfg, &r) != 0)
    return 1;
  wall = bench_now_s() - start;

  printf("sessions %llu\n", (unsigned long long)r.sessions);
  printf("events %llu\n", (unsigned long long)r.events);
  printf("dropped %llu\n", (unsigned long long)r.dropped);
  printf("wall_s %.6f\n", wall);
  printf("sessions_per_s %.0f\n", (double)r.sessions / wall);
  printf("wait_mean_s %.6f\n", r.metric[LSIM_M_WAIT_MEAN]);
  printf("erlang_c_wait_s %.6f\n", erlang_c_wait(MMC_SERVERS, MMC_LAMBDA, 1.0));
  return 0;
}

/* ---- memory ---- */

static int child_mmc(double duration_s)
{
  static struct mmc_setup m;
  static struct lsim_sim_result r;

  mmc_config(&m, duration_s);
  return run_or_complain(&m.cfg, &r);
}

/* Replication 0 of every point and policy, one after the other. */
static int run_scenario_set(const struct lsim_scenario_set *set)
{
  static struct lsim_sim_result r;
  struct lsim_sim_config cfg;

  for (size_t p = 0; p < set->npoints; p++) {
    const struct lsim_scenario *sc = set->points[p].scenario;

    for (size_t k = 0; k < sc->limiter.npolicies; k++) {
      const struct lsim_policy *pol =
          lsim_policy_find(sc->limiter.policies[k].name);

      if (pol == NULL) {
        fprintf(stderr, "sim_bench: policy '%s': only built-in policies\n",
                sc->limiter.policies[k].name);
        return 1;
      }
      lsim_sim_config_from_scenario(sc, pol, 0, &cfg);
      if (run_or_complain(&cfg, &r) != 0)
        return 1;
    }
  }
  return 0;
}

static int child_scenario(const char *path, double duration_s)
{
  struct lsim_scenario_set *set;
  char set_duration[64], err[1024];
  const char *sets[1] = {set_duration};
  int rc;

  snprintf(set_duration, sizeof(set_duration), "duration_s=%.0f", duration_s);
  if (lsim_scenario_load(path, sets, 1, &set, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  rc = run_scenario_set(set);
  lsim_scenario_set_free(set);
  return rc;
}

/* Runs one simulation of `duration_s` in a child; prints its peak RSS
 * and wall time as "<what>.<hours>h.*" lines. */
static int measure_child(const char *what, const char *path, double duration_s)
{
  struct rusage ru;
  double start = bench_now_s();
  int status;
  pid_t pid;

  fflush(stdout);
  pid = fork();
  if (pid < 0) {
    perror("sim_bench: fork");
    return 1;
  }
  if (pid == 0)
    _exit(path ? child_scenario(path, duration_s) : child_mmc(duration_s));

  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    fprintf(stderr, "sim_bench: the %s child of %.0f s failed\n", what,
            duration_s);
    return 1;
  }
  printf("%s.%.0fh.peak_rss_kib %ld\n", what, duration_s / 3600, ru.ru_maxrss);
  printf("%s.%.0fh.wall_s %.3f\n", what, duration_s / 3600,
         bench_now_s() - start);
  return 0;
}

static int bench_memory(const char *path)
{
  static const double durations[] = {3600, 86400};
  int rc = 0;

  for (int i = 0; i < 2 && rc == 0; i++)
    rc = measure_child("mmc", NULL, durations[i]);
  for (int i = 0; i < 2 && rc == 0; i++)
    rc = measure_child("scenario", path, durations[i]);
  return rc;
}

static int usage(void)
{
  fprintf(stderr, "usage: sim_bench mmc [horizon_s]\n"
                  "       sim_bench memory SCENARIO.json\n");
  return 2;
}

int main(int argc, char **argv)
{
  if (argc >= 2 && argc <= 3 && strcmp(argv[1], "mmc") == 0) {
    double horizon = argc == 3 ? atof(argv[2]) : 2e6;

    return horizon > 0 ? bench_mmc(horizon) : usage();
  }
  if (argc == 3 && strcmp(argv[1], "memory") == 0)
    return bench_memory(argv[2]);
  return usage();
}
