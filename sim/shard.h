/*
 * shard.h - sweeps larger than one machine: `limsim run --shard K/N`
 * writes DIR/shard.json with the raw values of its share of the runs, and
 * `limsim merge` joins N of them into the results the unsharded run would
 * have written.
 *
 * A shard file holds, for each of its runs, every metric as run (numbers
 * print exactly, so they read back to the same bits), the pooled wait
 * histograms of its cells and the timelines of replication 0. Merging
 * adds the histograms (integer counts: the order cannot matter) and
 * summarizes the values in the same order the unsharded run does, so the
 * summaries come out byte for byte the same.
 */
#ifndef LIMSIM_SIM_SHARD_H
#define LIMSIM_SIM_SHARD_H

#include "output.h"
#include "runner.h"
#include "scenario.h"

/* shard.json for shard `shard` of `nshards`, as a string to free with
 * cJSON_free(); NULL when out of memory. */
char *lsim_shard_json(const struct lsim_scenario_set *set,
                      const struct lsim_results *res,
                      const struct lsim_provenance *prov, int shard,
                      int nshards);

/*
 * Reads DIR/shard.json of each of the n folders and merges them. They
 * must be the shards 1..N of one run of one scenario, each once. Sets
 * *set (the scenario, rebuilt from the shards' copy) and *res (summarized;
 * perf is the sum of the shards'), and *argv, *argc to the first shard's
 * command line (free with lsim_shard_argv_free()). Returns 0, or -1 with a
 * one-line reason in err ("DIR/shard.json: shard 2 of 3 appears twice").
 */
int lsim_shard_merge(const char *const *dirs, size_t n,
                     struct lsim_scenario_set **set,
                     struct lsim_results **res, char ***argv, int *argc,
                     char *err, size_t errlen);

void lsim_shard_argv_free(char **argv, int argc);

#endif
