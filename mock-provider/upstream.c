/* upstream.c - the provider's in-flight counter; see upstream.h. */
#include "upstream.h"

#include <string.h>

void lsim_upstream_init(struct lsim_upstream *u, int cap,
                        enum lsim_overflow overflow, lsim_time now)
{
  memset(u, 0, sizeof(*u));
  u->cap = cap;
  u->overflow = overflow;
  u->since = u->last_change = now;
}

void lsim_upstream_settle(struct lsim_upstream *u, lsim_time now)
{
  lsim_time dt = now - u->last_change;

  if (u->measuring && dt > 0) {
    u->count_integral_ns += (double)u->count * (double)dt;
    if (u->count > u->cap)
      u->over_ns += dt;
  }
  u->last_change = now;
}

void lsim_upstream_measure_from(struct lsim_upstream *u, lsim_time now)
{
  lsim_upstream_settle(u, now);
  u->measuring = true;
  u->since = now;
  u->starts = u->overshoot_events = u->rejected = 0;
  u->count_max = u->count;
  u->count_integral_ns = 0;
  u->over_ns = 0;
}

static void count_change(struct lsim_upstream *u, lsim_time now, int delta)
{
  lsim_upstream_settle(u, now);
  u->count += delta;
  if (u->count > u->count_max)
    u->count_max = u->count;
}

bool lsim_upstream_start(struct lsim_upstream *u, lsim_time now)
{
  bool over = u->count >= u->cap;

  u->starts++;
  if (over) {
    u->overshoot_events++;
    u->overshoot_total++;
  }
  if (over && u->overflow == LSIM_OVERFLOW_REJECT) {
    u->rejected++;
    return false;
  }
  count_change(u, now, +1);
  return true;
}

void lsim_upstream_fall(struct lsim_upstream *u, lsim_time now)
{
  count_change(u, now, -1);
}
