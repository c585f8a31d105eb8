/* no_usage.c - a test plugin whose policy lacks the usage hook every
 * policy must have; lsim_policy_load() must refuse it. */
#include "limsim.h"

static enum lsim_verdict
no_usage_admit(void *state, const struct lsim_view *view, bool queued)
{
  return LSIM_ADMIT;
}

const struct lsim_policy lsim_policy_entry = {
    .abi_version = LSIM_POLICY_ABI_VERSION,
    .name = "no-usage",
    .admit = no_usage_admit,
};
