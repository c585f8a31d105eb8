/* time.c - the one time type, and the error names of the core. */
#include "limsim.h"

#include <math.h>

lsim_time lsim_time_from_s(double seconds)
{
  double ns = seconds * (double)LSIM_NS_PER_S;

  /* Clamp instead of overflowing: a huge timeout simply means never. */
  if (!(ns < 9.2e18))
    return ns != ns ? 0 : LSIM_TIME_NEVER;
  if (ns <= -9.2e18)
    return -LSIM_TIME_NEVER;
  return (lsim_time)llround(ns);
}

double lsim_time_to_s(lsim_time t)
{
  return (double)t / (double)LSIM_NS_PER_S;
}

const char *lsim_strerror(int err)
{
  switch (err) {
  case LSIM_OK:
    return "success";
  case LSIM_EINVAL:
    return "invalid argument";
  case LSIM_ENOMEM:
    return "out of memory";
  case LSIM_ETIME:
    return "time went backwards";
  case LSIM_EFULL:
    return "too many agents";
  case LSIM_ENOENT:
    return "unknown ticket";
  case LSIM_EALREADY:
    return "grant already released";
  case LSIM_ESTATE:
    return "ticket in the wrong state";
  case LSIM_ENOPOLL:
    return "usage answer without a poll in flight";
  case LSIM_EPLUGIN:
    return "plugin cannot be loaded";
  case LSIM_EABI:
    return "plugin ABI version mismatch";
  case LSIM_ETIMEDOUT:
    return "timed out";
  default:
    return "unknown error";
  }
}
