/* test_eventq.c - events come out by (at, seq): sorted, FIFO on ties. */
#include "eventq.h"
#include "rng.h"
#include "runner.h"

#include <stdlib.h>

#define NEVENTS 100000

/* The ENOMEM test asks for 2^63 bytes; under AddressSanitizer that must
 * fail like malloc does rather than abort the program. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "allocator_may_return_null=1";
}

static int compare_event(const void *pa, const void *pb)
{
  const struct lsim_event *a = pa, *b = pb;

  if (a->at != b->at)
    return a->at < b->at ? -1 : 1;
  return (a->seq > b->seq) - (a->seq < b->seq);
}

static struct lsim_event event_at(lsim_time at, uint32_t id)
{
  struct lsim_event ev = {.at = at, .seq = 999, .kind = 3, .id = id};

  ev.data = (uint64_t)id * 7;
  return ev;
}

static void test_empty(void)
{
  struct lsim_eventq q;
  struct lsim_event ev;

  LSIM_ASSERT_EQ_INT(lsim_eventq_init(&q, 0), 0);
  LSIM_ASSERT_EQ_INT(lsim_eventq_pop(&q, &ev), -1);
  CU_ASSERT_PTR_NULL(lsim_eventq_peek(&q));
  LSIM_ASSERT_EQ_INT(lsim_eventq_len(&q), 0);
  lsim_eventq_release(&q);
}

/* 10 distinct times, 10000 events: among equal times, push order. */
static void test_fifo_on_ties(void)
{
  struct lsim_eventq q;
  struct lsim_event ev, prev = {.at = -1};
  gsl_rng *rng = lsim_rng_new(1, 0, "ties");

  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  LSIM_ASSERT_EQ_INT(lsim_eventq_init(&q, 0), 0);
  for (uint32_t i = 0; i < 10000; i++) {
    ev = event_at((lsim_time)gsl_rng_uniform_int(rng, 10), i);
    LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &ev), 0);
  }

  while (lsim_eventq_pop(&q, &ev) == 0) {
    CU_ASSERT(ev.at >= prev.at);
    if (ev.at == prev.at)
      CU_ASSERT(ev.id > prev.id && ev.seq > prev.seq);
    LSIM_ASSERT_EQ_INT(ev.seq, ev.id); /* seq is the push order */
    prev = ev;
  }
  lsim_eventq_release(&q);
  gsl_rng_free(rng);
}

/* Random times (with repeats): pops equal the qsort of what was pushed. */
static void test_random_sorted(void)
{
  struct lsim_event *pushed = malloc(NEVENTS * sizeof *pushed);
  struct lsim_eventq q;
  struct lsim_event ev;
  gsl_rng *rng = lsim_rng_new(1, 0, "random");
  size_t mismatches = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(pushed);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  LSIM_ASSERT_EQ_INT(lsim_eventq_init(&q, 4), 0);
  for (uint32_t i = 0; i < NEVENTS; i++) {
    pushed[i] = event_at((lsim_time)gsl_rng_uniform_int(rng, NEVENTS), i);
    LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &pushed[i]), 0);
    pushed[i].seq = i;
  }
  qsort(pushed, NEVENTS, sizeof *pushed, compare_event);

  for (size_t i = 0; i < NEVENTS; i++) {
    CU_ASSERT_FATAL(lsim_eventq_pop(&q, &ev) == 0);
    mismatches += ev.at != pushed[i].at || ev.seq != pushed[i].seq ||
                  ev.id != pushed[i].id || ev.data != pushed[i].data;
  }
  LSIM_ASSERT_EQ_INT(mismatches, 0);
  LSIM_ASSERT_EQ_INT(lsim_eventq_len(&q), 0);
  lsim_eventq_release(&q);
  free(pushed);
  gsl_rng_free(rng);
}

/* The index of the earliest of n events, by a plain scan. */
static size_t earliest(const struct lsim_event *evs, size_t n)
{
  size_t best = 0;

  for (size_t i = 1; i < n; i++)
    if (compare_event(&evs[i], &evs[best]) < 0)
      best = i;
  return best;
}

/* Pushes and pops interleaved as in a simulation, each pop checked
 * against a linear scan of what is pending. */
static void test_interleaved(void)
{
  struct lsim_event ref[600], ev;
  struct lsim_eventq q;
  gsl_rng *rng = lsim_rng_new(1, 0, "interleaved");
  size_t nref = 0, mismatches = 0;
  lsim_time now = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
  LSIM_ASSERT_EQ_INT(lsim_eventq_init(&q, 0), 0);
  for (uint32_t i = 0; i < 20000; i++) {
    if (nref < 600 && (nref == 0 || gsl_rng_uniform(rng) < 0.52)) {
      ev = event_at(now + (lsim_time)gsl_rng_uniform_int(rng, 50), i);
      LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &ev), 0);
      ref[nref] = ev;
      ref[nref++].seq = q.next_seq - 1;
      continue;
    }
    size_t k = earliest(ref, nref);

    CU_ASSERT_FATAL(lsim_eventq_peek(&q) != NULL);
    CU_ASSERT(lsim_eventq_peek(&q)->seq == ref[k].seq);
    CU_ASSERT_FATAL(lsim_eventq_pop(&q, &ev) == 0);
    mismatches += ev.seq != ref[k].seq || ev.at != ref[k].at;
    now = ev.at;
    ref[k] = ref[--nref];
  }
  LSIM_ASSERT_EQ_INT(mismatches, 0);
  LSIM_ASSERT_EQ_INT(lsim_eventq_len(&q), nref);
  lsim_eventq_release(&q);
  gsl_rng_free(rng);
}

static void test_grows(void)
{
  struct lsim_eventq q;
  struct lsim_event ev = event_at(5, 0);

  LSIM_ASSERT_EQ_INT(lsim_eventq_init(&q, 1), 0);
  for (uint32_t i = 0; i < 1000; i++)
    LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &ev), 0);
  LSIM_ASSERT_EQ_INT(lsim_eventq_len(&q), 1000);
  CU_ASSERT(q.cap >= 1000 && q.cap < 4000);
  lsim_eventq_release(&q);
  CU_ASSERT_PTR_NULL(q.heap);
}

/* A full queue whose doubled array could not be addressed: push fails,
 * and nothing changes (no allocation is attempted). */
static void test_push_enomem(void)
{
  struct lsim_eventq q;
  struct lsim_event ev = event_at(1, 0), top;

  LSIM_ASSERT_EQ_INT(lsim_eventq_init(&q, 0), 0);
  LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &ev), 0);
  top = *lsim_eventq_peek(&q);

  q.len = q.cap = SIZE_MAX / sizeof(struct lsim_event) / 2 + 1;
  LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &ev), LSIM_ENOMEM);
  q.len = q.cap = SIZE_MAX / 2 + 1;
  LSIM_ASSERT_EQ_INT(lsim_eventq_push(&q, &ev), LSIM_ENOMEM);
  LSIM_ASSERT_EQ_INT(q.next_seq, 1);

  q.len = q.cap = 1;
  CU_ASSERT(lsim_eventq_peek(&q)->seq == top.seq);
  lsim_eventq_release(&q);
}

/* An array malloc cannot give (2^63 bytes). */
static void test_init_enomem(void)
{
  struct lsim_eventq q;

  LSIM_ASSERT_EQ_INT(
      lsim_eventq_init(&q, SIZE_MAX / sizeof(struct lsim_event) / 2),
      LSIM_ENOMEM);
  CU_ASSERT_PTR_NULL(q.heap);
  lsim_eventq_release(&q);
}

int lsim_test_register(void)
{
  static const struct lsim_test_case tests[] = {
      {"empty", test_empty},
      {"fifo on ties", test_fifo_on_ties},
      {"random sorted", test_random_sorted},
      {"interleaved", test_interleaved},
      {"grows", test_grows},
      {"push enomem", test_push_enomem},
      {"init enomem", test_init_enomem},
      {NULL, NULL}};

  return lsim_test_add_suite("eventq", tests);
}
