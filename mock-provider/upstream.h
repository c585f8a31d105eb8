/*
 * upstream.h - the provider's in-flight counter, as the provider sees it.
 *
 * The model is the counter and what it measures: the simulator (virtual
 * time) and the mock HTTP server (real time) both decide WHEN a session
 * reaches the counter (start delay) and when it leaves it (release lag),
 * and tell the model. It never reads a clock.
 *
 * Measurements count only from lsim_upstream_measure_from() on (the
 * warm-up is left out).
 */
#ifndef LIMSIM_UPSTREAM_H
#define LIMSIM_UPSTREAM_H

#include "limsim.h"

#include <stdbool.h>
#include <stdint.h>

enum lsim_overflow {
  LSIM_OVERFLOW_REJECT, /* a start at or over the cap is answered 429 */
  LSIM_OVERFLOW_ADMIT   /* it is admitted and counted */
};

struct lsim_upstream {
  int cap;
  enum lsim_overflow overflow;
  int count; /* sessions counted now */
  uint64_t overshoot_total; /* overshoot events since init, warm-up too */

  /* measurements, since `since` */
  lsim_time since, last_change;
  bool measuring;
  uint64_t starts, overshoot_events, rejected;
  int count_max;
  double count_integral_ns; /* integral of count over time */
  lsim_time over_ns;        /* time with count > cap */
};

void lsim_upstream_init(struct lsim_upstream *u, int cap,
                        enum lsim_overflow overflow, lsim_time now);

/* Starts measuring at `now` (the end of the warm-up). */
void lsim_upstream_measure_from(struct lsim_upstream *u, lsim_time now);

/* A session reaches the provider at `now`. Returns true when it is
 * counted, false when it is rejected (429). A start that finds the count
 * at the cap or above is an overshoot event either way. */
bool lsim_upstream_start(struct lsim_upstream *u, lsim_time now);

/* A counted session leaves the counter (its release lag has passed). */
void lsim_upstream_fall(struct lsim_upstream *u, lsim_time now);

/* Brings the time integrals up to `now`; call before reading them. */
void lsim_upstream_settle(struct lsim_upstream *u, lsim_time now);

#endif
