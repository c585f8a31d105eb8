/*
 * runner.h - runs every (sweep point, replication, policy) of a scenario,
 * on several threads, and gathers the results.
 *
 * The results do not depend on the number of threads: each run writes
 * into its own place, and everything that combines runs (summaries,
 * pooled wait histograms, paired differences) is computed afterwards in a
 * fixed order.
 */
#ifndef LIMSIM_SIM_RUNNER_H
#define LIMSIM_SIM_RUNNER_H

#include "scenario.h"
#include "sim.h"
#include "stats.h"

#include <stdbool.h>
#include <stddef.h>

struct lsim_timeline {
  struct lsim_timeline_row *rows;
  size_t len, cap;
  bool truncated; /* the run went on past the span or the row bound */
};

/* The timeline of replication 0 covers the first hour of simulated time,
 * and at most this many changes, so that the memory of a run does not
 * grow with its length (a 24 h run keeps what a 1 h run keeps). */
#define LSIM_TIMELINE_SPAN (3600 * LSIM_NS_PER_S)
#define LSIM_TIMELINE_MAX_ROWS 100000

/* The results of one (point, policy): R replications. */
struct lsim_cell {
  double *values; /* [replication][metric] */
  struct lsim_summary summary[LSIM_METRIC_COUNT];
  struct lsim_hist wait;         /* pooled over replications */
  struct lsim_timeline timeline; /* replication 0 */
};

/* Paired difference B - A of two policies at one point. */
struct lsim_pair {
  int a, b; /* policy indexes, a < b */
  struct lsim_summary summary[LSIM_METRIC_COUNT];
};

struct lsim_results {
  size_t npoints, npolicies, npairs;
  int replications;
  const char **policy_names; /* borrowed from the scenario set */
  struct lsim_cell *cells;   /* [point][policy] */
  struct lsim_pair *pairs;   /* [point][pair] */

  /* perf */
  uint64_t events, sessions, dropped;
  double wall_s;
};

struct lsim_run_options {
  int jobs;          /* threads; <= 0: the number of cores */
  int shard, nshards; /* run only shard `shard` (1-based) of `nshards`;
                         nshards <= 1: everything */
  bool timeline;     /* record replication 0's timeline */
  /* Progress, called after each run from the thread that ran it, under
   * a lock; optional. */
  void (*progress)(void *user, size_t done, size_t total);
  void *progress_user;
};

/*
 * Sharding. The work is a list of units, (point, replication) in order;
 * a unit holds every policy, so paired differences stay within a shard.
 * Unit u belongs to shard u mod nshards + 1. A sharded run leaves the
 * other units' values zero and computes no summaries: shard.h writes and
 * merges the parts.
 */
bool lsim_results_unit_in_shard(size_t unit, int shard, int nshards);

/*
 * Runs the set. Returns 0 and sets *out (free with lsim_results_free()),
 * or -1 with a one-line reason in err: a plugin that does not load, a run that
 * failed (its point, replication and policy named), out of memory.
 */
int lsim_run_set(const struct lsim_scenario_set *set,
                 const struct lsim_run_options *opt, struct lsim_results **out,
                 char *err, size_t errlen);

void lsim_results_free(struct lsim_results *res);

/* Empty results shaped for `set` (cells zero, histograms empty); NULL
 * when out of memory. For merging shards. */
struct lsim_results *lsim_results_new(const struct lsim_scenario_set *set);

/* Computes every cell's summaries and the paired differences from the
 * values; lsim_run_set() does this itself for an unsharded run. */
void lsim_results_summarize(struct lsim_results *res);

/* The cell of (point, policy). */
struct lsim_cell *lsim_results_cell(const struct lsim_results *res,
                                    size_t point, size_t policy);

/* Fills a simulator config from one scenario point. */
void lsim_sim_config_from_scenario(const struct lsim_scenario *sc,
                                   const struct lsim_policy *policy,
                                   uint32_t replication,
                                   struct lsim_sim_config *cfg);

#endif
