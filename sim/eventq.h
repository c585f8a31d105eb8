/*
 * eventq.h - the simulator's pending events, ordered by time, then by the
 * order they were scheduled in (a sequence number), so that ties break the
 * same way on every run.
 */
#ifndef LIMSIM_SIM_EVENTQ_H
#define LIMSIM_SIM_EVENTQ_H

#include "limsim.h"

#include <stddef.h>
#include <stdint.h>

struct lsim_event {
  lsim_time at;
  uint64_t seq;    /* set by lsim_eventq_push */
  int kind;        /* the driver's */
  uint32_t id;     /* the driver's: an agent, a session... */
  uint64_t data;   /* the driver's */
};

struct lsim_eventq {
  struct lsim_event *heap;
  size_t len, cap;
  uint64_t next_seq;
};

int lsim_eventq_init(struct lsim_eventq *q, size_t initial_cap);
void lsim_eventq_release(struct lsim_eventq *q);
/* Returns 0 or LSIM_ENOMEM. */
int lsim_eventq_push(struct lsim_eventq *q, const struct lsim_event *ev);
/* Removes the earliest event into *ev; returns 0, or -1 when empty. */
int lsim_eventq_pop(struct lsim_eventq *q, struct lsim_event *ev);
static inline size_t lsim_eventq_len(const struct lsim_eventq *q)
{
  return q->len;
}

#endif
