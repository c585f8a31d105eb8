/*
 * rng.c - per-source random streams; the hash is documented in rng.h.
 *
 * Why a hash and not a counter of streams made so far: a counter would make
 * a stream's numbers depend on how many streams were made before it, so
 * adding a source would reshuffle every other one.
 */
#include "rng.h"

/* splitmix64's output step: every input bit reaches every output bit, so
 * nearby inputs (replication 3 and 4) give unrelated seeds. */
static uint64_t rng_mix(uint64_t x)
{
  uint64_t z = x + UINT64_C(0x9e3779b97f4a7c15);

  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static uint64_t rng_fnv1a(const char *name)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);

  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    h ^= *p;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

uint64_t lsim_rng_seed(uint64_t seed, uint32_t replication, const char *name)
{
  uint64_t h = rng_mix(seed);

  h = rng_mix(h ^ replication);
  return rng_mix(h ^ rng_fnv1a(name));
}

unsigned long lsim_rng_gsl_seed(uint64_t stream_seed)
{
  uint32_t folded = (uint32_t)(stream_seed ^ (stream_seed >> 32));

  /* gsl_rng_set(r, 0) silently seeds mt19937 with its default 4357. */
  return folded == 0 ? 1UL : (unsigned long)folded;
}

gsl_rng *lsim_rng_new(uint64_t seed, uint32_t replication, const char *name)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

  if (rng == NULL)
    return NULL;

  gsl_rng_set(rng, lsim_rng_gsl_seed(lsim_rng_seed(seed, replication, name)));
  return rng;
}
