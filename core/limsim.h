/*
 * limsim.h - the limiter core: a concurrency limiter in front of an API that
 * caps the sessions an account may have in flight.
 *
 * This header is the whole public interface of core/. Read it top to bottom
 * and you can drive the limiter.
 *
 * THE CLOCK MODEL
 *
 * The core never reads a clock, sleeps, does I/O, prints or starts threads,
 * and it allocates only in lsim_limiter_new(). Every call that changes state
 * takes `now`, an lsim_time (nanoseconds on any monotonic clock the driver
 * likes). Time only moves forward: a call whose `now` is earlier than the
 * latest one seen returns LSIM_ETIME and changes nothing. The core tells its
 * driver when it next needs to be called (lsim_limiter_next_deadline()); the
 * driver calls lsim_limiter_advance() once that time has come. The
 * simulator drives it with virtual time, live mode with CLOCK_MONOTONIC, and
 * both run this very code.
 *
 * DRIVING IT
 *
 *   struct lsim_limiter_config cfg;
 *   struct lsim_limiter *lim;
 *   lsim_ticket t;
 *
 *   lsim_limiter_config_init(&cfg);
 *   cfg.limit = 4;
 *   cfg.cooldown = lsim_time_from_s(1.0);
 *   cfg.has_usage = true;
 *   cfg.policy = lsim_policy_find("usage-gate");
 *   cfg.cb = (struct lsim_callbacks){.granted = on_granted,
 *                                    .poll_usage = on_poll, .user = me};
 *   lsim_limiter_new(&cfg, now(), &lim);
 *
 *   if (lsim_limiter_acquire(lim, now(), agent, LSIM_TIME_NEVER, &t) ==
 *       LSIM_GRANTED)
 *     start_session(agent, t);        (else on_granted will say so)
 *   ...
 *   lsim_limiter_release(lim, now(), t);      when the session ends
 *   lsim_limiter_usage(lim, now(), &answer);  when a poll on_poll asked
 *                                             for is answered
 *   sleep_until(lsim_limiter_next_deadline(lim));
 *   lsim_limiter_advance(lim, now());
 *
 * Everything happens inside those calls; between them the limiter is
 * inert. For threads, use the front at the end of this header instead.
 *
 * THE REFERENCE BEHAVIOUR
 *
 *   - The limiter owns `limit` slots (N). A slot released at time t is
 *     usable again at t + cooldown (the release cooldown C).
 *   - An agent that asks for a slot (lsim_limiter_acquire()) is granted at
 *     once when a slot is usable, nobody waits and the policy admits it;
 *     otherwise it joins a FIFO queue.
 *   - When a usable slot meets a queued agent the policy decides: admit it,
 *     poll the provider's usage first, or hold and look again after
 *     `poll_interval`. Only the agent at the head of the queue is ever
 *     admitted: the queue is strictly first in, first out.
 *   - A usage poll is asynchronous. The core asks for one through the
 *     poll_usage callback and is later handed the answer, or the news that
 *     usage is unavailable, with lsim_limiter_usage(). At most one poll is
 *     in flight at a time; while one is, no queued agent is admitted.
 *   - A queued agent may cancel (lsim_limiter_cancel()) or time out (its
 *     deadline passes; the timed_out callback says so). A waiter whose
 *     deadline is at or before `now` times out before any grant at `now`.
 *   - A grant is released exactly once (lsim_limiter_release()). Releasing
 *     twice returns LSIM_EALREADY, releasing an unknown ticket LSIM_ENOENT;
 *     neither changes any state.
 *
 * THE POLICIES (lsim_policy_find() knows them by these names)
 *
 *   "cooldown"        cooldown-only recycling, never asks for usage.
 *   "usage-gate"      before admitting a QUEUED agent it polls usage and
 *                     admits only when concurrent_sessions < limit; an
 *                     unavailable answer admits (cooldown-only for that
 *                     poll); concurrent_sessions >= limit holds and polls
 *                     again after poll_interval. An agent that finds a
 *                     usable slot and nobody waiting is granted at once.
 *   "usage-gate-all"  as usage-gate, but the gate also holds an agent that
 *                     arrives to an empty queue.
 *   "headroom"        this project's own policy; see below.
 *
 * Without a usage source (has_usage = false) every policy that would poll
 * admits instead: the limiter runs cooldown-only.
 *
 * HEADROOM
 *
 * The usage gate is right only when its answer is fresh. It is not: the
 * provider reads its counter some time after the poll was asked for, a
 * session the limiter granted reaches the counter only after a start delay,
 * and several grants can be made on the strength of one answer. headroom
 * treats an answer as an upper bound that decays only one way: sessions
 * that end after the read make the real count smaller, never larger, while
 * sessions the limiter granted after the read (or shortly before it, within
 * `start_window`) are missing from it. So it keeps the latest answer c and
 * counts its own grants made since (poll requested - start_window); call
 * that u. It admits without polling while c + u < limit, and polls only
 * when the estimate reaches the limit. One answer thus admits as many
 * agents as it has room for (throughput near the ceiling limit / (mean
 * session + mean release lag)), and grants racing one answer are counted
 * against it, so its own grants never take the upstream past the limit
 * unless something it cannot see (another client of the account, a start
 * delay longer than start_window) adds sessions. Unavailable usage falls
 * back to cooldown-only for that poll, as in usage-gate.
 *
 * POLICIES OF YOUR OWN
 *
 * A policy is a struct lsim_policy of function pointers. Build one into a
 * shared object that exports `lsim_policy_entry` (see LSIM_PLUGIN_SYMBOL)
 * and load it with lsim_policy_load(); examples/plugin/ has one.
 *
 * ERRORS
 *
 * Functions return 0 (or a documented non-negative result) on success and a
 * negative enum lsim_error on failure. lsim_strerror() names each one. A
 * failed call changes no state of its own, with one exception: a call
 * that got as far as moving the clock to `now` (LSIM_EFULL from acquire,
 * LSIM_ENOENT from cancel when the waiter had just timed out) has also
 * done what fell due by then, as lsim_limiter_advance() would have.
 */
#ifndef LIMSIM_H
#define LIMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Time in nanoseconds. Only differences matter; the origin is the
 * driver's. */
typedef int64_t lsim_time;

#define LSIM_NS_PER_S INT64_C(1000000000)
#define LSIM_TIME_NEVER INT64_MAX

/* Seconds (a double) to lsim_time, rounded to the nearest nanosecond
 * (halves away from zero). Out of range means never (or its negative); NaN
 * is 0. Inline: the simulator converts at every draw. */
static inline lsim_time lsim_time_from_s(double seconds)
{
  double ns = seconds * (double)LSIM_NS_PER_S;

  if (ns != ns)
    return 0;
  if (!(ns < 9.2e18))
    return LSIM_TIME_NEVER;
  if (ns <= -9.2e18)
    return -LSIM_TIME_NEVER;
  return (lsim_time)(ns >= 0 ? ns + 0.5 : ns - 0.5);
}

/* lsim_time to seconds. */
static inline double lsim_time_to_s(lsim_time t)
{
  return (double)t / (double)LSIM_NS_PER_S;
}

enum lsim_error {
  LSIM_OK = 0,
  LSIM_EINVAL = -1,    /* an argument is out of range */
  LSIM_ENOMEM = -2,    /* allocation failed */
  LSIM_ETIME = -3,     /* now is earlier than a time already seen */
  LSIM_EFULL = -4,     /* max_agents tickets are in use */
  LSIM_ENOENT = -5,    /* no such ticket */
  LSIM_EALREADY = -6,  /* the grant was released already */
  LSIM_ESTATE = -7,    /* the ticket is not in the state the call needs */
  LSIM_ENOPOLL = -8,   /* a usage answer arrived with no poll in flight */
  LSIM_EPLUGIN = -9,   /* a plugin could not be opened or lacks its entry */
  LSIM_EABI = -10,     /* a plugin was built for another ABI version */
  LSIM_ETIMEDOUT = -11 /* lsim_front_acquire(): the deadline passed */
};

/* A static string naming the error code `err`. Never NULL. */
const char *lsim_strerror(int err);

/*
 * A ticket names one agent's request for a slot, from acquire to release.
 * It holds a generation in its high bits, so a stale ticket is told apart
 * from the one that reused its storage. 0 is never a valid ticket.
 */
typedef uint64_t lsim_ticket;

/* ---------------------------------------------------------------- */
/* The policy interface                                             */
/* ---------------------------------------------------------------- */

/* What a policy tells the limiter to do with a usable slot. */
enum lsim_verdict {
  LSIM_ADMIT, /* grant the slot to the agent */
  LSIM_POLL,  /* ask the provider for usage first */
  LSIM_HOLD   /* grant nothing; ask again after poll_interval */
};

/* What a policy may read of the limiter; valid only during the call. */
struct lsim_view {
  lsim_time now;
  int limit;              /* N */
  int in_use;             /* grants held now */
  int usable;             /* slots usable now (cooled down and free) */
  int queued;             /* agents waiting, the one asked about included */
  bool has_usage;         /* the provider offers a usage source */
  lsim_time poll_interval;
};

/* A usage answer, as handed to lsim_limiter_usage(). */
struct lsim_usage {
  bool available;          /* false: non-200, bad shape, timeout... */
  int concurrent_sessions; /* the provider's count; valid if available */
  lsim_time requested_at;  /* when the core asked for this poll */
};

/* Settings a policy may use; the limiter passes its own. */
struct lsim_policy_params {
  int limit;
  lsim_time cooldown;
  lsim_time poll_interval;
  lsim_time start_window; /* headroom: see HEADROOM above */
};

#define LSIM_POLICY_ABI_VERSION 1

/*
 * A policy. The limiter reserves state_size(params) bytes for it, zeroed,
 * aligned for any type, and passes them to every hook. Hooks must not call
 * back into the limiter. Any hook but `admit` and `usage` may be NULL.
 */
struct lsim_policy {
  uint32_t abi_version; /* LSIM_POLICY_ABI_VERSION */
  const char *name;

  size_t (*state_size)(const struct lsim_policy_params *params);

  /* Called once when the limiter is made. Returns 0 or LSIM_EINVAL. */
  int (*init)(void *state, const struct lsim_policy_params *params);

  /* A usable slot meets an agent; `queued` says whether the agent had to
   * wait (false: it arrived to an empty queue). POLL without a usage
   * source, or while a poll is in flight, is taken as ADMIT or as a wait
   * for that poll respectively. */
  enum lsim_verdict (*admit)(void *state, const struct lsim_view *view,
                             bool queued);

  /* A usage answer arrived. ADMIT grants the head of the queue (if a slot
   * is usable), HOLD waits poll_interval and asks `admit` again. Called
   * even when nobody waits any more, so a policy can keep the answer. */
  enum lsim_verdict (*usage)(void *state, const struct lsim_view *view,
                             const struct lsim_usage *answer);

  /* A grant was made / released at view->now. */
  void (*granted)(void *state, const struct lsim_view *view);
  void (*released)(void *state, const struct lsim_view *view);
};

/* The built-in policy named `name`, or NULL. */
const struct lsim_policy *lsim_policy_find(const char *name);

/* The names of the built-in policies, NULL-terminated. */
extern const char *const lsim_policy_names[];

/* The symbol a plugin exports: `const struct lsim_policy lsim_policy_entry`
 */
#define LSIM_PLUGIN_SYMBOL "lsim_policy_entry"

/*
 * Loads a policy from the shared object at `path` (dlopen). On success
 * *policy points into the loaded object, which stays loaded for the life of
 * the process. On failure a one-line message goes to errbuf (errlen bytes,
 * NUL-terminated) and the result is LSIM_EPLUGIN (missing file or symbol,
 * or a policy without admit/usage) or LSIM_EABI (another ABI version).
 * This is the one function of the core that touches the file system.
 */
int lsim_policy_load(const char *path, const struct lsim_policy **policy,
                     char *errbuf, size_t errlen);

/* ---------------------------------------------------------------- */
/* The limiter                                                      */
/* ---------------------------------------------------------------- */

/*
 * What the limiter tells its driver. Callbacks run inside the limiter call
 * that caused them and must not call back into the limiter.
 */
struct lsim_callbacks {
  /* A queued agent got its slot. `agent` is what was passed to acquire. */
  void (*granted)(void *user, lsim_ticket ticket, void *agent, lsim_time now);
  /* A queued agent's deadline passed; its ticket is gone. */
  void (*timed_out)(void *user, lsim_ticket ticket, void *agent,
                    lsim_time now);
  /* Ask the provider for usage; answer with lsim_limiter_usage(). */
  void (*poll_usage)(void *user, lsim_time now);
  /* Optional diagnostics; level 0 is the most important. */
  void (*log)(void *user, int level, const char *msg);
  void *user;
};

struct lsim_limiter_config {
  int limit;               /* N, at least 1 */
  lsim_time cooldown;      /* C, at least 0 */
  lsim_time poll_interval; /* at least 1 ns when has_usage */
  lsim_time start_window;  /* see HEADROOM; at least 0 */
  int max_agents;          /* tickets: agents waiting + holding, >= limit */
  bool has_usage;          /* the provider offers get_usage */
  const struct lsim_policy *policy; /* NULL means "cooldown" */
  struct lsim_callbacks cb;
};

struct lsim_limiter;

/* Fills `config` with defaults: limit 1, no cooldown, poll_interval 250 ms,
 * start_window 0, max_agents 1024, no usage, the cooldown policy. */
void lsim_limiter_config_init(struct lsim_limiter_config *config);

/*
 * Makes a limiter; every allocation it will ever make happens here. `now`
 * is the time it starts at. Returns 0 and sets *out, or LSIM_EINVAL (a
 * setting out of range, a policy without admit/usage, a policy init that
 * failed) or LSIM_ENOMEM.
 */
int lsim_limiter_new(const struct lsim_limiter_config *config, lsim_time now,
                     struct lsim_limiter **out);

/* Frees the limiter. NULL is fine. Outstanding tickets simply vanish. */
void lsim_limiter_free(struct lsim_limiter *lim);

enum lsim_acquire_result {
  LSIM_GRANTED = 1, /* the slot is the agent's now */
  LSIM_QUEUED = 2   /* wait for granted or timed_out */
};

/*
 * An agent asks for a slot. `agent` is the caller's and is handed back in
 * callbacks. `deadline` is the time after which a waiting agent gives up
 * (LSIM_TIME_NEVER: never). Returns LSIM_GRANTED or LSIM_QUEUED and sets
 * *ticket; or LSIM_ETIME, LSIM_EFULL (max_agents tickets in use).
 */
int lsim_limiter_acquire(struct lsim_limiter *lim, lsim_time now, void *agent,
                         lsim_time deadline, lsim_ticket *ticket);

/*
 * Gives back a granted slot; it becomes usable at now + cooldown. Returns
 * 0, or LSIM_ETIME, LSIM_ENOENT (unknown ticket), LSIM_EALREADY (released
 * before), LSIM_ESTATE (the agent is still waiting: cancel it instead).
 */
int lsim_limiter_release(struct lsim_limiter *lim, lsim_time now,
                         lsim_ticket ticket);

/*
 * A waiting agent leaves the queue. Returns 0, or LSIM_ETIME, LSIM_ENOENT,
 * LSIM_ESTATE (the ticket holds a grant: release it instead).
 */
int lsim_limiter_cancel(struct lsim_limiter *lim, lsim_time now,
                        lsim_ticket ticket);

/*
 * Hands the core the answer to the poll it asked for. answer->requested_at
 * is ignored (the core fills it in). Returns 0, or LSIM_ETIME, LSIM_ENOPOLL.
 */
int lsim_limiter_usage(struct lsim_limiter *lim, lsim_time now,
                       const struct lsim_usage *answer);

/* Processes whatever is due at `now`: timeouts, cooled slots, holds.
 * Returns 0 or LSIM_ETIME. */
int lsim_limiter_advance(struct lsim_limiter *lim, lsim_time now);

/* The earliest time at which advance() has work, or LSIM_TIME_NEVER. */
lsim_time lsim_limiter_next_deadline(const struct lsim_limiter *lim);

/* A snapshot of the limiter's counters. */
struct lsim_limiter_stats {
  int in_use;            /* grants held */
  int usable;            /* slots free and cooled down, as of the last call */
  int cooling;           /* slots free but in cooldown */
  int queued;            /* agents waiting */
  bool poll_in_flight;
  uint64_t grants;       /* all grants ever made */
  uint64_t polls;        /* polls asked for */
  uint64_t poll_failures; /* answers that said unavailable */
  uint64_t timeouts;
  uint64_t cancels;
};

void lsim_limiter_stats(const struct lsim_limiter *lim,
                        struct lsim_limiter_stats *stats);

/* The policy the limiter runs. */
const struct lsim_policy *lsim_limiter_policy(const struct lsim_limiter *lim);

/* ---------------------------------------------------------------- */
/* The threaded front (live mode)                                   */
/* ---------------------------------------------------------------- */

/*
 * The same state machine behind a mutex, for programs whose agents are
 * threads. It reads CLOCK_MONOTONIC and blocks on a condition variable;
 * that is why it lives beside the core rather than in it.
 *
 * Usage polls: when the core asks for one, the thread that caused the
 * request runs `get_usage` with the mutex released and hands the answer
 * in. get_usage may block (an HTTP call); NULL means no usage source.
 */
typedef struct lsim_usage (*lsim_get_usage_fn)(void *user);

struct lsim_front;

/*
 * Makes a front over a new limiter made from `config` (its callbacks are
 * the front's own; config->cb is ignored). Returns 0, LSIM_EINVAL or
 * LSIM_ENOMEM.
 */
int lsim_front_new(const struct lsim_limiter_config *config,
                   lsim_get_usage_fn get_usage, void *usage_user,
                   struct lsim_front **out);

void lsim_front_free(struct lsim_front *front);

/*
 * Blocks until a slot is granted or `timeout` nanoseconds pass. Returns 0
 * and sets *ticket, or LSIM_ETIMEDOUT, LSIM_EFULL.
 */
int lsim_front_acquire(struct lsim_front *front, lsim_time timeout,
                       lsim_ticket *ticket);

/* Releases a grant. Returns 0, LSIM_ENOENT, LSIM_EALREADY or LSIM_ESTATE. */
int lsim_front_release(struct lsim_front *front, lsim_ticket ticket);

void lsim_front_stats(struct lsim_front *front,
                      struct lsim_limiter_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* LIMSIM_H */
