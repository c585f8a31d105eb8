/*
 * eventq_bench.c - the event queue under the hold model, against a 4-ary
 * heap.
 *
 * The hold model is the classic test of a simulator's pending-event set:
 * N events are pending; each operation pops the earliest and pushes a new
 * one at its time plus a random increment, so the size stays N. We time
 * lsim_eventq (a binary heap) and a 4-ary heap kept here for comparison,
 * on the same increments, and check that both pop the same events. A
 * ratio above 1 means the library's choice is the faster one.
 *
 *   usage: eventq_bench [ops [repeats]]   (defaults 10000000 and 3)
 *
 * Each figure is the best of `repeats` runs, in ns per hold operation.
 */
#include "eventq.h"
#include "rng.h"

#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_NINCREMENTS (1u << 20) /* a power of two, for the mask */

/* ---------------------------------------------------------------- */
/* The 4-ary heap compared against                                  */
/* ---------------------------------------------------------------- */

/* The same hole-moving sifts as sim/eventq.c, with four children a node:
 * half the levels, the same number of comparisons. */
struct bench_quad {
  struct lsim_event *heap;
  size_t len, cap;
  uint64_t next_seq;
};

static int bench_before(const struct lsim_event *a, const struct lsim_event *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* noinline: the library's calls cross a translation unit, so these must
 * too for the comparison to be fair. */
__attribute__((noinline)) static int
bench_quad_push(struct bench_quad *h, const struct lsim_event *ev)
{
  struct lsim_event copy = *ev;
  size_t i;

  if (h->len == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 16;
    struct lsim_event *grown = realloc(h->heap, cap * sizeof *grown);

    if (grown == NULL)
      return LSIM_ENOMEM;
    h->heap = grown;
    h->cap = cap;
  }

  copy.seq = h->next_seq++;
  for (i = h->len++; i > 0 && bench_before(&copy, &h->heap[(i - 1) / 4]);
       i = (i - 1) / 4)
    h->heap[i] = h->heap[(i - 1) / 4];
  h->heap[i] = copy;
  return 0;
}

static size_t bench_quad_earlier(const struct bench_quad *h, size_t a, size_t b)
{
  return bench_before(&h->heap[b], &h->heap[a]) ? b : a;
}

/* With all four children present: two independent comparisons, then one
 * between their winners (measured faster than a plain scan). */
static size_t bench_quad_least_child(const struct bench_quad *h, size_t i)
{
  size_t first = 4 * i + 1, least = first;

  if (first + 3 < h->len)
    return bench_quad_earlier(h, bench_quad_earlier(h, first, first + 1),
                              bench_quad_earlier(h, first + 2, first + 3));
  for (size_t c = first + 1; c < h->len; c++)
    least = bench_quad_earlier(h, least, c);
  return least;
}

__attribute__((noinline)) static int bench_quad_pop(struct bench_quad *h,
                                                    struct lsim_event *ev)
{
  struct lsim_event last;
  size_t i = 0;

  if (h->len == 0)
    return -1;
  *ev = h->heap[0];
  last = h->heap[--h->len];

  while (4 * i + 1 < h->len) {
    size_t child = bench_quad_least_child(h, i);

    if (!bench_before(&h->heap[child], &last))
      break;
    h->heap[i] = h->heap[child];
    i = child;
  }
  h->heap[i] = last;
  return 0;
}

/* ---------------------------------------------------------------- */
/* The hold model                                                   */
/* ---------------------------------------------------------------- */

struct bench_run {
  const lsim_time *increments; /* BENCH_NINCREMENTS of them */
  size_t pending;              /* N */
  size_t ops;
};

struct bench_result {
  double ns_per_op;
  lsim_time checksum; /* the sum of popped times: equal for both */
};

static double bench_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct bench_result bench_lsim(const struct bench_run *run)
{
  struct lsim_eventq q;
  struct lsim_event ev = {0};
  struct bench_result res = {0, 0};
  double start;

  if (lsim_eventq_init(&q, run->pending) != 0)
    abort();
  for (size_t i = 0; i < run->pending; i++) {
    ev.at = run->increments[i & (BENCH_NINCREMENTS - 1)];
    lsim_eventq_push(&q, &ev);
  }

  start = bench_now();
  for (size_t i = 0; i < run->ops; i++) {
    lsim_eventq_pop(&q, &ev);
    res.checksum += ev.at;
    ev.at += run->increments[(i + run->pending) & (BENCH_NINCREMENTS - 1)];
    lsim_eventq_push(&q, &ev);
  }
  res.ns_per_op = (bench_now() - start) / (double)run->ops;

  lsim_eventq_release(&q);
  return res;
}

static struct bench_result bench_quad(const struct bench_run *run)
{
  struct bench_quad h = {NULL, 0, 0, 0};
  struct lsim_event ev = {0};
  struct bench_result res = {0, 0};
  double start;

  for (size_t i = 0; i < run->pending; i++) {
    ev.at = run->increments[i & (BENCH_NINCREMENTS - 1)];
    if (bench_quad_push(&h, &ev) != 0)
      abort();
  }

  start = bench_now();
  for (size_t i = 0; i < run->ops; i++) {
    bench_quad_pop(&h, &ev);
    res.checksum += ev.at;
    ev.at += run->increments[(i + run->pending) & (BENCH_NINCREMENTS - 1)];
    bench_quad_push(&h, &ev);
  }
  res.ns_per_op = (bench_now() - start) / (double)run->ops;

  free(h.heap);
  return res;
}

/* Exponential increments with a mean of one second, fixed by the seed. */
static lsim_time *bench_increments(void)
{
  lsim_time *inc = malloc(BENCH_NINCREMENTS * sizeof *inc);
  gsl_rng *rng = lsim_rng_new(1, 0, "eventq_bench");

  if (inc == NULL || rng == NULL)
    abort();
  for (size_t i = 0; i < BENCH_NINCREMENTS; i++)
    inc[i] = (lsim_time)(gsl_ran_exponential(rng, 1.0) * 1e9);
  gsl_rng_free(rng);
  return inc;
}

/* Runs both structures `repeats` times, interleaved so that both see the
 * same machine noise, and prints the best of each. Returns 0, or 1 when
 * their pops differ. */
static int bench_size(struct bench_run *run, int repeats)
{
  struct bench_result best4 = {1e300, 0}, best2 = {1e300, 0};

  for (int r = 0; r < repeats; r++) {
    struct bench_result r2 = bench_lsim(run), r4 = bench_quad(run);

    if (r4.checksum != r2.checksum) {
      fprintf(stderr, "N=%zu: the two heaps popped different events\n",
              run->pending);
      return 1;
    }
    best4 = r4.ns_per_op < best4.ns_per_op ? r4 : best4;
    best2 = r2.ns_per_op < best2.ns_per_op ? r2 : best2;
  }

  printf("%8zu %14.1f %14.1f %12.3f\n", run->pending, best2.ns_per_op,
         best4.ns_per_op, best4.ns_per_op / best2.ns_per_op);
  return 0;
}

int main(int argc, char **argv)
{
  static const size_t sizes[] = {16, 1000, 100000};
  struct bench_run run = {bench_increments(), 0, 10000000};
  int repeats = argc > 2 ? atoi(argv[2]) : 3;
  int rc = 0;

  if (argc > 1)
    run.ops = strtoul(argv[1], NULL, 10);
  if (run.ops == 0 || repeats < 1) {
    fprintf(stderr, "usage: eventq_bench [ops [repeats]]\n");
    return 2;
  }

  printf("hold model, %zu ops, best of %d (ns per hold op)\n", run.ops,
         repeats);
  printf("%8s %14s %14s %12s\n", "N", "binary(lsim)", "4-ary", "4ary/binary");
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
    run.pending = sizes[i];
    rc = bench_size(&run, repeats);
  }

  free((void *)run.increments);
  return rc;
}
