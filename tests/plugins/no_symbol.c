/* no_symbol.c - a test plugin that exports a policy under another name
 * than lsim_policy_entry; lsim_policy_load() must report the symbol. */
#include "limsim.h"

static enum lsim_verdict
no_symbol_admit(void *state, const struct lsim_view *view, bool queued)
{
  return LSIM_ADMIT;
}

static enum lsim_verdict no_symbol_usage(void *state,
                                         const struct lsim_view *view,
                                         const struct lsim_usage *answer)
{
  return LSIM_ADMIT;
}

const struct lsim_policy policy_entry_misspelt = {
    .abi_version = LSIM_POLICY_ABI_VERSION,
    .name = "no-symbol",
    .admit = no_symbol_admit,
    .usage = no_symbol_usage,
};
