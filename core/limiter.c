/*
 * limiter.c - the limiter state machine (see limsim.h for the rules).
 *
 * Storage is fixed at creation: a table of max_agents tickets, threaded
 * into a free list and a FIFO queue by index, and a ring of the slots in
 * cooldown. Because the cooldown is one constant and releases come in time
 * order, the cooling slots become usable in the order they were released,
 * so a ring is enough where a heap would otherwise be needed.
 *
 * Every public call first catches up with `now` (timeouts, cooled slots)
 * and ends by dispatching: matching usable slots with the head of the
 * queue as the policy allows. So a driver that calls late loses nothing.
 */
#include "limsim.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define NO_HOLD INT64_MIN

enum ticket_state { TICKET_FREE, TICKET_WAITING, TICKET_HOLDING };

struct ticket {
  uint32_t gen;      /* bumped each time the ticket returns to FREE */
  uint8_t state;
  bool released;     /* the last generation ended by release */
  uint32_t prev, next; /* queue links; `next` also links the free list */
  lsim_time deadline;
  void *agent;
};

struct lsim_limiter {
  struct lsim_limiter_config cfg;
  const struct lsim_policy *policy;
  void *policy_state;
  lsim_time now;

  struct ticket *tickets;
  uint32_t free_head;
  uint32_t head, tail; /* the FIFO queue of waiting tickets */
  int queued;

  int in_use, usable;
  lsim_time *cooling; /* usable-at times, oldest first, a ring of `limit` */
  int cool_first, cool_len;

  bool poll_in_flight;
  lsim_time poll_requested_at;
  lsim_time hold_until;

  int timed_waiters;     /* waiters with a finite deadline */
  lsim_time min_deadline;

  struct lsim_limiter_stats counters;
};

static int check_config(const struct lsim_limiter_config *c)
{
  if (c->limit < 1 || c->cooldown < 0 || c->start_window < 0)
    return LSIM_EINVAL;
  if (c->max_agents < c->limit || c->max_agents > INT32_MAX / 2)
    return LSIM_EINVAL;
  if (c->has_usage && c->poll_interval < 1)
    return LSIM_EINVAL;
  if (c->policy != NULL &&
      (c->policy->admit == NULL || c->policy->usage == NULL))
    return LSIM_EINVAL;
  return 0;
}

void lsim_limiter_config_init(struct lsim_limiter_config *config)
{
  memset(config, 0, sizeof(*config));
  config->limit = 1;
  config->poll_interval = LSIM_NS_PER_S / 4;
  config->max_agents = 1024;
  config->policy = lsim_policy_find("cooldown");
}

static void policy_params(const struct lsim_limiter_config *c,
                          struct lsim_policy_params *p)
{
  p->limit = c->limit;
  p->cooldown = c->cooldown;
  p->poll_interval = c->poll_interval;
  p->start_window = c->start_window;
}

static size_t round_up(size_t n)
{
  size_t a = alignof(max_align_t);

  return (n + a - 1) / a * a;
}

/* One allocation holds the limiter, its tickets, its cooling ring and the
 * policy's state, so that lsim_limiter_free() cannot half-fail. */
static struct lsim_limiter *alloc_limiter(const struct lsim_limiter_config *c,
                                          size_t policy_size)
{
  size_t head = round_up(sizeof(struct lsim_limiter));
  size_t tickets = round_up(sizeof(struct ticket) * (size_t)c->max_agents);
  size_t ring = round_up(sizeof(lsim_time) * (size_t)c->limit);
  char *mem = calloc(1, head + tickets + ring + round_up(policy_size));
  struct lsim_limiter *lim = (struct lsim_limiter *)mem;

  if (mem == NULL)
    return NULL;
  lim->tickets = (struct ticket *)(mem + head);
  lim->cooling = (lsim_time *)(mem + head + tickets);
  lim->policy_state = mem + head + tickets + ring;
  return lim;
}

static void init_tickets(struct lsim_limiter *lim)
{
  uint32_t n = (uint32_t)lim->cfg.max_agents;

  for (uint32_t i = 0; i < n; i++) {
    lim->tickets[i].next = i + 1 < n ? i + 1 : NIL;
    lim->tickets[i].gen = 1;
  }
  lim->free_head = 0;
  lim->head = lim->tail = NIL;
}

int lsim_limiter_new(const struct lsim_limiter_config *config, lsim_time now,
                     struct lsim_limiter **out)
{
  const struct lsim_policy *policy = config->policy;
  struct lsim_policy_params params;
  struct lsim_limiter *lim;
  size_t policy_size;
  int rc = check_config(config);

  if (rc != 0)
    return rc;
  if (policy == NULL)
    policy = lsim_policy_find("cooldown");
  policy_params(config, &params);
  policy_size = policy->state_size ? policy->state_size(&params) : 0;

  lim = alloc_limiter(config, policy_size);
  if (lim == NULL)
    return LSIM_ENOMEM;
  lim->cfg = *config;
  lim->policy = policy;
  lim->now = now;
  lim->usable = config->limit;
  lim->hold_until = NO_HOLD;
  lim->min_deadline = LSIM_TIME_NEVER;
  init_tickets(lim);

  if (policy->init != NULL && policy->init(lim->policy_state, &params) != 0) {
    free(lim);
    return LSIM_EINVAL;
  }
  *out = lim;
  return 0;
}

void lsim_limiter_free(struct lsim_limiter *lim)
{
  free(lim);
}

static void fill_view(const struct lsim_limiter *lim, struct lsim_view *v)
{
  v->now = lim->now;
  v->limit = lim->cfg.limit;
  v->in_use = lim->in_use;
  v->usable = lim->usable;
  v->queued = lim->queued;
  v->has_usage = lim->cfg.has_usage;
  v->poll_interval = lim->cfg.poll_interval;
}

static lsim_ticket ticket_id(const struct lsim_limiter *lim, uint32_t i)
{
  return (uint64_t)lim->tickets[i].gen << 32 | (uint64_t)(i + 1);
}

/* ---- the ticket table and the queue ---- */

static uint32_t ticket_take(struct lsim_limiter *lim)
{
  uint32_t i = lim->free_head;

  if (i != NIL)
    lim->free_head = lim->tickets[i].next;
  return i;
}

static void ticket_put(struct lsim_limiter *lim, uint32_t i, bool released)
{
  struct ticket *t = &lim->tickets[i];

  t->state = TICKET_FREE;
  t->gen++;
  t->released = released;
  t->agent = NULL;
  t->next = lim->free_head;
  lim->free_head = i;
}

static void queue_push(struct lsim_limiter *lim, uint32_t i)
{
  struct ticket *t = &lim->tickets[i];

  t->state = TICKET_WAITING;
  t->prev = lim->tail;
  t->next = NIL;
  if (lim->tail != NIL)
    lim->tickets[lim->tail].next = i;
  else
    lim->head = i;
  lim->tail = i;
  lim->queued++;

  if (t->deadline != LSIM_TIME_NEVER) {
    lim->timed_waiters++;
    if (t->deadline < lim->min_deadline)
      lim->min_deadline = t->deadline;
  }
}

/* The earliest deadline in the queue; a scan, made only when the waiter
 * that held the earliest one leaves. */
static void rescan_deadlines(struct lsim_limiter *lim)
{
  lim->min_deadline = LSIM_TIME_NEVER;
  if (lim->timed_waiters == 0)
    return;
  for (uint32_t i = lim->head; i != NIL; i = lim->tickets[i].next)
    if (lim->tickets[i].deadline < lim->min_deadline)
      lim->min_deadline = lim->tickets[i].deadline;
}

static void queue_unlink(struct lsim_limiter *lim, uint32_t i)
{
  struct ticket *t = &lim->tickets[i];

  if (t->prev != NIL)
    lim->tickets[t->prev].next = t->next;
  else
    lim->head = t->next;
  if (t->next != NIL)
    lim->tickets[t->next].prev = t->prev;
  else
    lim->tail = t->prev;
  lim->queued--;

  if (t->deadline != LSIM_TIME_NEVER) {
    lim->timed_waiters--;
    if (t->deadline <= lim->min_deadline)
      rescan_deadlines(lim);
  }
}

/* Finds the ticket `id` names; NIL when it names nothing alive. *stale
 * tells a ticket that was released from one never seen. */
static uint32_t ticket_find(const struct lsim_limiter *lim, lsim_ticket id,
                            bool *released)
{
  uint64_t index = (id & UINT32_MAX);
  uint32_t gen = (uint32_t)(id >> 32);
  const struct ticket *t;

  *released = false;
  if (index == 0 || index > (uint64_t)lim->cfg.max_agents)
    return NIL;
  t = &lim->tickets[index - 1];
  if (t->gen == gen && t->state != TICKET_FREE)
    return (uint32_t)(index - 1);
  *released = t->gen == gen + 1 && t->released;
  return NIL;
}

/* ---- slots ---- */

static void cool_slots(struct lsim_limiter *lim)
{
  int limit = lim->cfg.limit;

  while (lim->cool_len > 0 && lim->cooling[lim->cool_first] <= lim->now) {
    lim->cool_first = (lim->cool_first + 1) % limit;
    lim->cool_len--;
    lim->usable++;
  }
}

static void slot_release(struct lsim_limiter *lim)
{
  int limit = lim->cfg.limit;

  lim->in_use--;
  if (lim->cfg.cooldown == 0) {
    lim->usable++;
    return;
  }
  lim->cooling[(lim->cool_first + lim->cool_len) % limit] =
    lim->now + lim->cfg.cooldown;
  lim->cool_len++;
}

static void note_grant(struct lsim_limiter *lim)
{
  struct lsim_view v;

  lim->usable--;
  lim->in_use++;
  lim->counters.grants++;
  if (lim->policy->granted != NULL) {
    fill_view(lim, &v);
    lim->policy->granted(lim->policy_state, &v);
  }
}

static void grant_head(struct lsim_limiter *lim)
{
  uint32_t i = lim->head;
  struct ticket *t = &lim->tickets[i];

  queue_unlink(lim, i);
  t->state = TICKET_HOLDING;
  note_grant(lim);
  if (lim->cfg.cb.granted != NULL)
    lim->cfg.cb.granted(lim->cfg.cb.user, ticket_id(lim, i), t->agent,
                        lim->now);
}

/* ---- time ---- */

static void expire_waiters(struct lsim_limiter *lim)
{
  uint32_t i = lim->head;

  while (i != NIL) {
    struct ticket *t = &lim->tickets[i];
    uint32_t next = t->next;

    if (t->deadline <= lim->now) {
      lsim_ticket id = ticket_id(lim, i);
      void *agent = t->agent;

      queue_unlink(lim, i);
      ticket_put(lim, i, false);
      lim->counters.timeouts++;
      if (lim->cfg.cb.timed_out != NULL)
        lim->cfg.cb.timed_out(lim->cfg.cb.user, id, agent, lim->now);
    }
    i = next;
  }
}

/* Moves the clock to `now` and does what fell due on the way. */
static int catch_up(struct lsim_limiter *lim, lsim_time now)
{
  if (now < lim->now)
    return LSIM_ETIME;
  lim->now = now;

  if (lim->min_deadline <= now)
    expire_waiters(lim);
  cool_slots(lim);
  return 0;
}

/* ---- polls and dispatch ---- */

static void request_poll(struct lsim_limiter *lim)
{
  lim->poll_in_flight = true;
  lim->poll_requested_at = lim->now;
  lim->counters.polls++;
  if (lim->cfg.cb.poll_usage != NULL)
    lim->cfg.cb.poll_usage(lim->cfg.cb.user, lim->now);
}

static enum lsim_verdict ask_admit(struct lsim_limiter *lim, bool queued)
{
  struct lsim_view v;
  enum lsim_verdict verdict;

  fill_view(lim, &v);
  verdict = lim->policy->admit(lim->policy_state, &v, queued);
  if (verdict == LSIM_POLL && !lim->cfg.has_usage)
    return LSIM_ADMIT;
  return verdict;
}

static void hold(struct lsim_limiter *lim)
{
  lim->hold_until = lim->now + lim->cfg.poll_interval;
}

/* Matches usable slots with the head of the queue while the policy lets
 * it. Stops at a poll in flight or a hold. */
static void dispatch(struct lsim_limiter *lim)
{
  while (lim->queued > 0 && lim->usable > 0 && !lim->poll_in_flight &&
         lim->hold_until <= lim->now) {
    enum lsim_verdict verdict = ask_admit(lim, true);

    if (verdict == LSIM_POLL) {
      request_poll(lim);
      return;
    }
    if (verdict == LSIM_HOLD) {
      hold(lim);
      return;
    }
    grant_head(lim);
  }
}

/* ---- the public calls ---- */

static int admit_arrival(struct lsim_limiter *lim, uint32_t i)
{
  enum lsim_verdict verdict = ask_admit(lim, false);

  if (verdict == LSIM_ADMIT) {
    lim->tickets[i].state = TICKET_HOLDING;
    note_grant(lim);
    return LSIM_GRANTED;
  }

  queue_push(lim, i);
  if (verdict == LSIM_POLL && !lim->poll_in_flight)
    request_poll(lim);
  else if (verdict == LSIM_HOLD)
    hold(lim);
  return LSIM_QUEUED;
}

int lsim_limiter_acquire(struct lsim_limiter *lim, lsim_time now, void *agent,
                         lsim_time deadline, lsim_ticket *ticket)
{
  uint32_t i;
  int rc = catch_up(lim, now);

  if (rc != 0)
    return rc;
  i = ticket_take(lim);
  if (i == NIL) {
    dispatch(lim); /* catching up may have freed a slot for a waiter */
    return LSIM_EFULL;
  }
  lim->tickets[i].agent = agent;
  lim->tickets[i].deadline = deadline;
  *ticket = ticket_id(lim, i);

  if (lim->queued == 0 && lim->usable > 0)
    rc = admit_arrival(lim, i);
  else {
    queue_push(lim, i);
    rc = LSIM_QUEUED;
  }
  dispatch(lim);
  return rc;
}

/* Finds a live ticket for release or cancel, with the error for each way
 * the ticket can be wrong. */
static int find_live(struct lsim_limiter *lim, lsim_ticket ticket,
                     enum ticket_state want, uint32_t *index)
{
  bool released;
  uint32_t i = ticket_find(lim, ticket, &released);

  if (i == NIL)
    return released && want == TICKET_HOLDING ? LSIM_EALREADY : LSIM_ENOENT;
  if (lim->tickets[i].state != want)
    return LSIM_ESTATE;
  *index = i;
  return 0;
}

int lsim_limiter_release(struct lsim_limiter *lim, lsim_time now,
                         lsim_ticket ticket)
{
  uint32_t i;
  struct lsim_view v;
  int rc;

  if (now < lim->now)
    return LSIM_ETIME;
  rc = find_live(lim, ticket, TICKET_HOLDING, &i);
  if (rc != 0)
    return rc;
  catch_up(lim, now);

  ticket_put(lim, i, true);
  slot_release(lim);
  if (lim->policy->released != NULL) {
    fill_view(lim, &v);
    lim->policy->released(lim->policy_state, &v);
  }
  dispatch(lim);
  return 0;
}

int lsim_limiter_cancel(struct lsim_limiter *lim, lsim_time now,
                        lsim_ticket ticket)
{
  uint32_t i;
  int rc;

  if (now < lim->now)
    return LSIM_ETIME;
  rc = find_live(lim, ticket, TICKET_WAITING, &i);
  if (rc != 0)
    return rc;
  catch_up(lim, now);

  /* Catching up may have timed the waiter out: then it is gone, and what
   * fell due on the way must still be dispatched. */
  if (lim->tickets[i].state != TICKET_WAITING) {
    dispatch(lim);
    return LSIM_ENOENT;
  }
  queue_unlink(lim, i);
  ticket_put(lim, i, false);
  lim->counters.cancels++;
  dispatch(lim);
  return 0;
}

int lsim_limiter_usage(struct lsim_limiter *lim, lsim_time now,
                       const struct lsim_usage *answer)
{
  struct lsim_usage a = *answer;
  struct lsim_view v;
  enum lsim_verdict verdict;
  int rc;

  if (now < lim->now)
    return LSIM_ETIME;
  if (!lim->poll_in_flight)
    return LSIM_ENOPOLL;
  rc = catch_up(lim, now);
  if (rc != 0)
    return rc;

  lim->poll_in_flight = false;
  a.requested_at = lim->poll_requested_at;
  if (!a.available)
    lim->counters.poll_failures++;
  fill_view(lim, &v);
  verdict = lim->policy->usage(lim->policy_state, &v, &a);

  if (verdict == LSIM_HOLD)
    hold(lim);
  else if (lim->queued > 0 && lim->usable > 0)
    grant_head(lim);
  dispatch(lim);
  return 0;
}

int lsim_limiter_advance(struct lsim_limiter *lim, lsim_time now)
{
  int rc = catch_up(lim, now);

  if (rc != 0)
    return rc;
  dispatch(lim);
  return 0;
}

static lsim_time earliest(lsim_time a, lsim_time b)
{
  return a < b ? a : b;
}

lsim_time lsim_limiter_next_deadline(const struct lsim_limiter *lim)
{
  lsim_time t = lim->min_deadline;

  if (lim->queued == 0 || lim->poll_in_flight)
    return t;
  if (lim->usable == 0 && lim->cool_len > 0)
    t = earliest(t, lim->cooling[lim->cool_first]);
  if (lim->hold_until > lim->now)
    t = earliest(t, lim->hold_until);
  return t;
}

void lsim_limiter_stats(const struct lsim_limiter *lim,
                        struct lsim_limiter_stats *stats)
{
  *stats = lim->counters;
  stats->in_use = lim->in_use;
  stats->usable = lim->usable;
  stats->cooling = lim->cool_len;
  stats->queued = lim->queued;
  stats->poll_in_flight = lim->poll_in_flight;
}

const struct lsim_policy *lsim_limiter_policy(const struct lsim_limiter *lim)
{
  return lim->policy;
}
