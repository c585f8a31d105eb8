/* bad_abi.c - a test plugin built for an ABI version limsim does not
 * know; lsim_policy_load() must refuse it with LSIM_EABI. */
#include "limsim.h"

static enum lsim_verdict
bad_abi_admit(void *state, const struct lsim_view *view, bool queued)
{
  return LSIM_ADMIT;
}

static enum lsim_verdict bad_abi_usage(void *state,
                                       const struct lsim_view *view,
                                       const struct lsim_usage *answer)
{
  return LSIM_ADMIT;
}

const struct lsim_policy lsim_policy_entry = {
    .abi_version = 7,
    .name = "bad-abi",
    .admit = bad_abi_admit,
    .usage = bad_abi_usage,
};
