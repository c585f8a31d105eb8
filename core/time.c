/* time.c - the error names of the core (time conversions are inline in
 * limsim.h). */
#include "limsim.h"


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
