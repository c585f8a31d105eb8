/*
 * eventq.c - a binary min-heap of events keyed by (at, seq).
 *
 * Why binary: under the hold model (bench/eventq_bench.c) it beat a 4-ary
 * heap by 2 to 25% (over several runs) at 16, 1000 and 100000 pending
 * events. The 4-ary heap walks half as many levels but makes as many
 * comparisons, and those comparisons are unpredictable branches, which is
 * what a pop costs.
 *
 * Both sifts move a hole rather than swapping, so each level costs one
 * copy of an event instead of three.
 */
#include "eventq.h"

#include <stdbool.h>
#include <stdlib.h>

#define EVENTQ_MIN_CAP 16

static bool eventq_before(const struct lsim_event *a,
                          const struct lsim_event *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static int eventq_reserve(struct lsim_eventq *q, size_t cap)
{
  struct lsim_event *heap;

  if (cap < EVENTQ_MIN_CAP)
    cap = EVENTQ_MIN_CAP;
  if (cap > SIZE_MAX / sizeof *heap)
    return LSIM_ENOMEM;

  heap = realloc(q->heap, cap * sizeof *heap);
  if (heap == NULL)
    return LSIM_ENOMEM;
  q->heap = heap;
  q->cap = cap;
  return 0;
}

int lsim_eventq_init(struct lsim_eventq *q, size_t initial_cap)
{
  q->heap = NULL;
  q->len = q->cap = 0;
  q->next_seq = 0;
  return initial_cap > 0 ? eventq_reserve(q, initial_cap) : 0;
}

void lsim_eventq_release(struct lsim_eventq *q)
{
  free(q->heap);
  q->heap = NULL;
  q->len = q->cap = 0;
}

/* Moves the hole at i up until ev fits there, then fills it. */
static void eventq_sift_up(struct lsim_eventq *q, size_t i,
                           const struct lsim_event *ev)
{
  while (i > 0) {
    size_t parent = (i - 1) / 2;

    if (!eventq_before(ev, &q->heap[parent]))
      break;
    q->heap[i] = q->heap[parent];
    i = parent;
  }
  q->heap[i] = *ev;
}

int lsim_eventq_push(struct lsim_eventq *q, const struct lsim_event *ev)
{
  struct lsim_event copy = *ev;

  if (q->len == q->cap && q->cap > SIZE_MAX / 2)
    return LSIM_ENOMEM;
  if (q->len == q->cap && eventq_reserve(q, q->cap * 2) != 0)
    return LSIM_ENOMEM;

  copy.seq = q->next_seq++;
  eventq_sift_up(q, q->len++, &copy);
  return 0;
}

/* Moves the hole at the root down until ev fits there, then fills it. */
static void eventq_sift_down(struct lsim_eventq *q, const struct lsim_event *ev)
{
  size_t i = 0, child;

  while ((child = 2 * i + 1) < q->len) {
    if (child + 1 < q->len &&
        eventq_before(&q->heap[child + 1], &q->heap[child]))
      child++;
    if (!eventq_before(&q->heap[child], ev))
      break;
    q->heap[i] = q->heap[child];
    i = child;
  }
  q->heap[i] = *ev;
}

int lsim_eventq_pop(struct lsim_eventq *q, struct lsim_event *ev)
{
  if (q->len == 0)
    return -1;

  *ev = q->heap[0];
  q->len--;
  if (q->len > 0) {
    struct lsim_event last = q->heap[q->len];

    eventq_sift_down(q, &last);
  }
  return 0;
}
