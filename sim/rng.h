/*
 * rng.h - independent random streams for the simulator (GSL).
 *
 * Every source of randomness (arrivals, session lengths, release lags...)
 * has its own stream, seeded from (scenario seed, replication, the source's
 * stable name). Adding a policy, a source or a sweep point never shifts the
 * numbers another stream gives: the policies of one scenario see the same
 * arrivals and sessions (common random numbers).
 *
 * THE SEED HASH (fixed: changing it changes every published result)
 *
 *   mix(x)    = the splitmix64 output function of x + 0x9e3779b97f4a7c15:
 *               z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
 *               z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31
 *   fnv(name) = 64-bit FNV-1a of the bytes of name (offset basis
 *               0xcbf29ce484222325, prime 0x100000001b3)
 *   seed      = mix(mix(mix(seed) ^ replication) ^ fnv(name))
 *
 * All arithmetic is on uint64_t, so the value is the same on every machine.
 */
#ifndef LIMSIM_SIM_RNG_H
#define LIMSIM_SIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* The seed of stream `name` (a NUL-terminated string, not kept) for
 * (seed, replication): the hash above, the same on every machine and every
 * run, whatever order streams are made in. */
uint64_t lsim_rng_seed(uint64_t seed, uint32_t replication, const char *name);

/* The seed handed to gsl_rng_set() for a 64-bit stream seed. GSL's mt19937
 * keeps only the low 32 bits of its seed and treats 0 as "use the default
 * seed", so the two halves are xor-folded into 32 bits and a fold of 0
 * becomes 1. Never 0, always below 2^32. */
unsigned long lsim_rng_gsl_seed(uint64_t stream_seed);

/* A new GSL generator (gsl_rng_mt19937) seeded with
 * lsim_rng_gsl_seed(lsim_rng_seed(seed, replication, name)). NULL on
 * allocation failure. The caller owns it: free with gsl_rng_free(). */
gsl_rng *lsim_rng_new(uint64_t seed, uint32_t replication, const char *name);

#endif
