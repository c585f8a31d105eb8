/*
 * spare_slot.c - an example limsim policy plugin: "spare-slot".
 *
 * A usage gate with a margin. It keeps one of the N slots spare: at most
 * N - 1 grants are held at once (N = 1 keeps no spare, or it would never
 * grant). With a usage source it polls before admitting a queued agent and
 * admits only while the provider counts fewer than N - 1 sessions. The
 * spare absorbs one session the provider still counts after its release
 * lag, at the price of 1/N of the throughput.
 *
 * A hold lasts poll_interval, so an agent held at the cap waits at least
 * that long even when a slot is released sooner.
 *
 * It shows the parts of a policy: state the limiter reserves for it
 * (state_size, init) and the two hooks every policy needs (admit, usage).
 * Build it as a shared object exporting lsim_policy_entry, as
 * examples/plugin/CMakeLists.txt does.
 */
#include "limsim.h"

struct spare_slot {
  int cap; /* grants allowed at once: limit - 1, at least 1 */
};

static size_t spare_slot_size(const struct lsim_policy_params *params)
{
  return sizeof(struct spare_slot);
}

static int spare_slot_init(void *state, const struct lsim_policy_params *params)
{
  struct spare_slot *s = state;

  if (params->limit < 1)
    return LSIM_EINVAL;
  s->cap = params->limit > 1 ? params->limit - 1 : 1;
  return 0;
}

static enum lsim_verdict
spare_slot_admit(void *state, const struct lsim_view *view, bool queued)
{
  const struct spare_slot *s = state;

  if (view->in_use >= s->cap)
    return LSIM_HOLD;
  return queued && view->has_usage ? LSIM_POLL : LSIM_ADMIT;
}

static enum lsim_verdict spare_slot_usage(void *state,
                                          const struct lsim_view *view,
                                          const struct lsim_usage *answer)
{
  const struct spare_slot *s = state;

  if (view->in_use >= s->cap)
    return LSIM_HOLD;

  /* No answer: fall back to the slot count alone, as usage-gate does. */
  if (!answer->available)
    return LSIM_ADMIT;
  return answer->concurrent_sessions < s->cap ? LSIM_ADMIT : LSIM_HOLD;
}

const struct lsim_policy lsim_policy_entry = {
    .abi_version = LSIM_POLICY_ABI_VERSION,
    .name = "spare-slot",
    .state_size = spare_slot_size,
    .init = spare_slot_init,
    .admit = spare_slot_admit,
    .usage = spare_slot_usage,
};
