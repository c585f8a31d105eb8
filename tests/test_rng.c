/* test_rng.c - the seed hash and the streams it gives. */
#include "rng.h"
#include "runner.h"

#include <string.h>

#define DRAWS 1000

/* True when the next DRAWS numbers of a and b are all equal. */
static int same_stream(gsl_rng *a, gsl_rng *b)
{
  int same = 1;

  for (int i = 0; i < DRAWS; i++)
    if (gsl_rng_get(a) != gsl_rng_get(b))
      same = 0;
  return same;
}

static int same_stream_for(uint64_t seed_a, uint32_t rep_a, const char *a,
                           uint64_t seed_b, uint32_t rep_b, const char *b)
{
  gsl_rng *ra = lsim_rng_new(seed_a, rep_a, a);
  gsl_rng *rb = lsim_rng_new(seed_b, rep_b, b);
  int same;

  CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rb);
  same = same_stream(ra, rb);
  gsl_rng_free(ra);
  gsl_rng_free(rb);
  return same;
}

/* Values computed by an independent implementation of the hash in rng.h
 * (Python, arbitrary precision masked to 64 bits); its splitmix64 step
 * gives 0xe220a8397b1dcdaf for 0 and its FNV-1a 0xaf63dc4c8601ec8c for
 * "a", the published reference values. */
static void test_seed_pinned(void)
{
  CU_ASSERT(lsim_rng_seed(42, 0, "arrivals") == UINT64_C(0xf6406249caaabb89));
  CU_ASSERT(lsim_rng_seed(42, 1, "arrivals") == UINT64_C(0xe51ab72981c7faf4));
  CU_ASSERT(lsim_rng_seed(0, 0, "") == UINT64_C(0x7dc2c42b173ebf65));
  LSIM_ASSERT_EQ_INT(lsim_rng_gsl_seed(UINT64_C(0xf6406249caaabb89)),
                     1022024128);
}

static void test_gsl_seed_fold(void)
{
  LSIM_ASSERT_EQ_INT(lsim_rng_gsl_seed(0), 1);
  LSIM_ASSERT_EQ_INT(lsim_rng_gsl_seed(UINT64_C(0x1234567812345678)), 1);
  LSIM_ASSERT_EQ_INT(lsim_rng_gsl_seed(UINT64_C(0x00000001ffffffff)),
                     0xfffffffe);
  CU_ASSERT(lsim_rng_gsl_seed(UINT64_MAX) <= UINT32_MAX);
}

/* lsim_rng_new is mt19937 set with the folded seed, nothing else. */
static void test_new_is_seeded_mt19937(void)
{
  gsl_rng *got = lsim_rng_new(7, 3, "session_length");
  gsl_rng *want = gsl_rng_alloc(gsl_rng_mt19937);

  CU_ASSERT_PTR_NOT_NULL_FATAL(got);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  CU_ASSERT_STRING_EQUAL(gsl_rng_name(got), "mt19937");
  gsl_rng_set(want, lsim_rng_gsl_seed(lsim_rng_seed(7, 3, "session_length")));
  CU_ASSERT(same_stream(got, want));
  gsl_rng_free(got);
  gsl_rng_free(want);
}

static void test_same_inputs_same_stream(void)
{
  CU_ASSERT(same_stream_for(42, 5, "release_lag", 42, 5, "release_lag"));
}

static void test_inputs_change_stream(void)
{
  CU_ASSERT(!same_stream_for(42, 0, "arrivals", 42, 0, "sessions"));
  CU_ASSERT(!same_stream_for(42, 0, "arrivals", 42, 1, "arrivals"));
  CU_ASSERT(!same_stream_for(42, 0, "arrivals", 43, 0, "arrivals"));
  CU_ASSERT(!same_stream_for(0, 0, "a", 0, 0, "b"));
}

/* Swapping seed and replication, or shifting a name's bytes, must not
 * collide: the hash is not a plain sum. */
static void test_seed_no_easy_collisions(void)
{
  CU_ASSERT(lsim_rng_seed(1, 2, "x") != lsim_rng_seed(2, 1, "x"));
  CU_ASSERT(lsim_rng_seed(0, 0, "ab") != lsim_rng_seed(0, 0, "ba"));
  CU_ASSERT(lsim_rng_seed(0, 0, "") != lsim_rng_seed(0, 1, ""));
}

/* A stream's numbers do not depend on which streams were made before. */
static void test_creation_order_irrelevant(void)
{
  gsl_rng *first = lsim_rng_new(9, 0, "arrivals");
  gsl_rng *other = lsim_rng_new(9, 0, "lags");
  gsl_rng *again;
  unsigned long head[4];

  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  CU_ASSERT_PTR_NOT_NULL_FATAL(other);
  for (int i = 0; i < 4; i++)
    head[i] = gsl_rng_get(first);
  for (int i = 0; i < 100; i++)
    gsl_rng_get(other);

  again = lsim_rng_new(9, 0, "arrivals");
  CU_ASSERT_PTR_NOT_NULL_FATAL(again);
  for (int i = 0; i < 4; i++)
    CU_ASSERT(gsl_rng_get(again) == head[i]);
  gsl_rng_free(first);
  gsl_rng_free(other);
  gsl_rng_free(again);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"seed pinned", test_seed_pinned},
      {"gsl seed fold", test_gsl_seed_fold},
      {"new is seeded mt19937", test_new_is_seeded_mt19937},
      {"same inputs same stream", test_same_inputs_same_stream},
      {"inputs change stream", test_inputs_change_stream},
      {"no easy collisions", test_seed_no_easy_collisions},
      {"creation order irrelevant", test_creation_order_irrelevant},
      {NULL, NULL}};

  return lsim_test_add_suite("rng", tests);
}
