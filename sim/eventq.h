/*
 * eventq.h - the simulator's pending events, ordered by time, then by the
 * order they were scheduled in (a sequence number), so that ties break the
 * same way on every run: events at the same `at` come out first in, first
 * out.
 *
 * The queue is an implicit binary min-heap in one growing array: O(log n)
 * push and pop, no allocation once the array has grown to the largest
 * number of pending events. It was chosen over a 4-ary heap by
 * measurement (bench/eventq_bench.c).
 */
#ifndef LIMSIM_SIM_EVENTQ_H
#define LIMSIM_SIM_EVENTQ_H

#include "limsim.h"

#include <stddef.h>
#include <stdint.h>

struct lsim_event {
  lsim_time at;
  uint64_t seq;  /* set by lsim_eventq_push */
  int kind;      /* the driver's */
  uint32_t id;   /* the driver's: an agent, a session... */
  uint64_t data; /* the driver's */
};

struct lsim_eventq {
  struct lsim_event *heap;
  size_t len, cap;
  uint64_t next_seq;
};

/* Makes an empty queue in caller-owned storage, with room for
 * initial_cap events (0: allocate on the first push). Returns 0 or
 * LSIM_ENOMEM. */
int lsim_eventq_init(struct lsim_eventq *q, size_t initial_cap);

/* Frees the array; the queue is empty and may be initialised again. */
void lsim_eventq_release(struct lsim_eventq *q);

/* Schedules a copy of *ev, giving it the next sequence number (ev->seq is
 * ignored). Doubles the array when full. Returns 0, or LSIM_ENOMEM with
 * the queue unchanged. */
int lsim_eventq_push(struct lsim_eventq *q, const struct lsim_event *ev);

/* Removes the earliest event (smallest at, then smallest seq) into *ev;
 * returns 0, or -1 when empty. */
int lsim_eventq_pop(struct lsim_eventq *q, struct lsim_event *ev);

/* The earliest event, left in the queue; NULL when empty. Valid until the
 * next push or pop. */
static inline const struct lsim_event *
lsim_eventq_peek(const struct lsim_eventq *q)
{
  return q->len > 0 ? &q->heap[0] : NULL;
}

static inline size_t lsim_eventq_len(const struct lsim_eventq *q)
{
  return q->len;
}

#endif
