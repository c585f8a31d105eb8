/*
 * policy.c - the built-in policies: cooldown, usage-gate, usage-gate-all
 * and headroom. Their rules are in limsim.h; the reasons are here.
 */
#include "limsim.h"

#include <string.h>

/* ---- cooldown: the slot pool alone decides ---- */

static enum lsim_verdict cooldown_admit(void *state,
                                        const struct lsim_view *view,
                                        bool queued)
{
  return LSIM_ADMIT;
}

static enum lsim_verdict cooldown_usage(void *state,
                                        const struct lsim_view *view,
                                        const struct lsim_usage *answer)
{
  return LSIM_ADMIT;
}

/* ---- usage-gate and usage-gate-all ---- */

/* Shared by both gates: admit below the limit, and admit when usage is
 * unavailable, so a broken usage endpoint degrades to cooldown-only
 * instead of stalling every agent. */
static enum lsim_verdict gate_usage(void *state, const struct lsim_view *view,
                                    const struct lsim_usage *answer)
{
  if (!answer->available)
    return LSIM_ADMIT;
  return answer->concurrent_sessions < view->limit ? LSIM_ADMIT : LSIM_HOLD;
}

static enum lsim_verdict gate_admit(void *state, const struct lsim_view *view,
                                    bool queued)
{
  return queued ? LSIM_POLL : LSIM_ADMIT;
}

static enum lsim_verdict gate_all_admit(void *state,
                                        const struct lsim_view *view,
                                        bool queued)
{
  return LSIM_POLL;
}

/* ---- headroom ---- */

/*
 * The state keeps the latest usable answer and the times of recent grants
 * in a ring. The ring needs only limit + 1 entries: headroom admits only
 * while answer + grants-in-window < limit, so once limit + 1 grants are in
 * the window the estimate is past the limit however many more there are.
 */
struct headroom {
  int limit;
  lsim_time start_window;
  bool have_answer;
  int answer_sessions;
  lsim_time answer_asked_at;
  int ring_len, ring_next;
  lsim_time grants[]; /* the last ring_len grant times, a ring */
};

static size_t headroom_size(const struct lsim_policy_params *params)
{
  return sizeof(struct headroom) +
         sizeof(lsim_time) * ((size_t)params->limit + 1);
}

static int headroom_init(void *state, const struct lsim_policy_params *params)
{
  struct headroom *h = state;

  if (params->limit < 1 || params->start_window < 0)
    return LSIM_EINVAL;
  h->limit = params->limit;
  h->start_window = params->start_window;
  return 0;
}

/* Own grants the answer may not include: those made after the poll was
 * asked for, or within start_window before (still starting upstream). */
static int headroom_unseen(const struct headroom *h)
{
  lsim_time since = h->answer_asked_at - h->start_window;
  int n = 0;

  for (int i = 0; i < h->ring_len; i++)
    if (h->grants[i] >= since)
      n++;
  return n;
}

static bool headroom_has_room(const struct headroom *h)
{
  return h->have_answer &&
         h->answer_sessions + headroom_unseen(h) < h->limit;
}

static enum lsim_verdict headroom_admit(void *state,
                                        const struct lsim_view *view,
                                        bool queued)
{
  return headroom_has_room(state) ? LSIM_ADMIT : LSIM_POLL;
}

static enum lsim_verdict headroom_usage(void *state,
                                        const struct lsim_view *view,
                                        const struct lsim_usage *answer)
{
  struct headroom *h = state;

  if (!answer->available) {
    /* Forget the old answer too: after an outage it says nothing. */
    h->have_answer = false;
    return LSIM_ADMIT;
  }
  h->have_answer = true;
  h->answer_sessions = answer->concurrent_sessions;
  h->answer_asked_at = answer->requested_at;
  return headroom_has_room(h) ? LSIM_ADMIT : LSIM_HOLD;
}

static void headroom_granted(void *state, const struct lsim_view *view)
{
  struct headroom *h = state;
  int cap = h->limit + 1;

  h->grants[h->ring_next] = view->now;
  h->ring_next = (h->ring_next + 1) % cap;
  if (h->ring_len < cap)
    h->ring_len++;
}

/* ---- the table ---- */

static const struct lsim_policy builtin[] = {
  {.abi_version = LSIM_POLICY_ABI_VERSION,
   .name = "cooldown",
   .admit = cooldown_admit,
   .usage = cooldown_usage},
  {.abi_version = LSIM_POLICY_ABI_VERSION,
   .name = "usage-gate",
   .admit = gate_admit,
   .usage = gate_usage},
  {.abi_version = LSIM_POLICY_ABI_VERSION,
   .name = "usage-gate-all",
   .admit = gate_all_admit,
   .usage = gate_usage},
  {.abi_version = LSIM_POLICY_ABI_VERSION,
   .name = "headroom",
   .state_size = headroom_size,
   .init = headroom_init,
   .admit = headroom_admit,
   .usage = headroom_usage,
   .granted = headroom_granted},
};

const char *const lsim_policy_names[] = {"cooldown", "usage-gate",
                                         "usage-gate-all", "headroom", NULL};

const struct lsim_policy *lsim_policy_find(const char *name)
{
  size_t n = sizeof(builtin) / sizeof(builtin[0]);

  for (size_t i = 0; i < n; i++)
    if (strcmp(builtin[i].name, name) == 0)
      return &builtin[i];
  return NULL;
}
