/*
 * mock_internal.h - what the files of the mock server share; not public.
 *
 * LOCKING
 *
 * One mutex (srv->lock) guards everything below that changes: the
 * counter, the timers, the random streams, every request's phase and the
 * counters. A connection is suspended only under the lock, by the thread
 * that owns it (libmicrohttpd's), and marked so in req->suspended; it is
 * resumed by whoever clears that mark under the lock, after dropping it.
 * So each suspension is resumed exactly once and never before it began.
 */
#ifndef LIMSIM_MOCK_INTERNAL_H
#define LIMSIM_MOCK_INTERNAL_H

#include "eventq.h"
#include "mockserver.h"

#include <gsl/gsl_rng.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

enum mock_endpoint {
  MOCK_EP_USAGE,
  MOCK_EP_CHAT,
  MOCK_EP_MODELS,
  MOCK_EP_METRICS,
  MOCK_EP_OTHER
};

/* Where a request stands; the timer thread moves it along. */
enum mock_phase {
  MOCK_NEW,           /* reading the body, not yet answered */
  MOCK_USAGE_WAIT,    /* suspended for the usage latency (or a stall) */
  MOCK_USAGE_DUE,     /* the latency passed: answer */
  MOCK_CHAT_ARRIVING, /* suspended for the start delay */
  MOCK_CHAT_REJECTED, /* found the counter at the cap: answer 429 */
  MOCK_CHAT_RUNNING,  /* counted, not streamed: suspended to the end */
  MOCK_CHAT_DUE,      /* the session is over: answer the body */
  MOCK_STREAM_READY,  /* counted and streamed: queue the stream */
  MOCK_STREAMING,     /* the stream is queued; its reader paces it */
  MOCK_ANSWERED       /* a response is queued; nothing left to do */
};

enum mock_fault {
  MOCK_FAULT_NONE,
  MOCK_FAULT_ERROR,     /* 503 */
  MOCK_FAULT_MALFORMED, /* 200 with a broken body */
  MOCK_FAULT_STALL      /* 503 after usage_stall_s */
};

enum mock_event_kind {
  MOCK_EV_ARRIVE,  /* a chat session reaches the counter */
  MOCK_EV_WAKE,    /* a suspended request has work to do */
  MOCK_EV_FALL,    /* a counted session leaves the counter */
  MOCK_EV_EXTERNAL /* another client's session arrives */
};

/* One random stream per source, so that sources never shift each other.
 */
enum mock_source {
  MOCK_RNG_SESSION,
  MOCK_RNG_RELEASE_LAG,
  MOCK_RNG_START_DELAY,
  MOCK_RNG_USAGE_LATENCY,
  MOCK_RNG_USAGE_FAULT,
  MOCK_RNG_EXTERNAL_ARRIVAL,
  MOCK_RNG_EXTERNAL_SESSION,
  MOCK_RNG_COUNT
};

#define MOCK_BODY_MAX (1024 * 1024) /* a chat request body, in bytes */
#define MOCK_MODEL_MAX 64

struct mock_req {
  struct lsim_mockserver *srv;
  struct MHD_Connection *conn;
  enum mock_endpoint endpoint;
  enum mock_phase phase;
  bool method_ok; /* false: a known path asked with the wrong method */
  int refs;       /* the connection's, and the stream response's */
  bool suspended;
  bool counted; /* on the counter: falls a release lag after the end */
  bool stream;
  enum mock_fault fault;
  int usage_count; /* read when the usage latency passed */

  char *body; /* the request body, NUL-terminated */
  size_t body_len;
  bool body_too_large;
  char model[MOCK_MODEL_MAX];

  uint64_t id; /* names the completion: chatcmpl-mock-ID */
  lsim_time start, end;

  /* A stream: chunk k of 0..nchunks is due at start + k/nchunks of the
   * session; 0 names the role, nchunks ends it with [DONE]. An event is
   * written out across as many reads as the buffer needs. */
  int chunk, nchunks;
  bool done;
  char pending[512];
  size_t pending_len, pending_off;
};

struct lsim_mockserver {
  struct lsim_mock_config cfg; /* owns its dists' samples */
  char *api_key;               /* cfg.api_key's storage */
  struct MHD_Daemon *daemon;
  uint16_t port;

  pthread_mutex_t lock;
  pthread_cond_t timer_cond; /* the timer thread waits on it */
  pthread_cond_t count_cond; /* lsim_mockserver_wait_count() waits */
  pthread_t timer_thread;
  bool timer_started;
  bool sync_ready; /* lock and conds made */
  bool stopping;   /* answer what is left, suspend nothing new */

  struct lsim_upstream up;
  struct lsim_eventq timers; /* data: a struct mock_req *, or 0 */
  struct mock_req **resume;  /* to resume once the lock is dropped */
  size_t nresume, resume_cap;
  gsl_rng *rng[MOCK_RNG_COUNT];

  uint64_t next_id;
  struct lsim_mock_metrics counters; /* the parts the counter lacks */
  char mhd_error[256];               /* libmicrohttpd's latest complaint */
  /* Set once the daemon runs: from then on libmicrohttpd's complaints go
   * to cfg.log; before, the latest becomes start()'s error. Atomic: the
   * polling thread may log while start() returns. */
  atomic_bool log_live;
};

/* CLOCK_MONOTONIC as lsim_time. */
lsim_time lsim_mock_now(void);

/* A draw from `d` on stream `src`, as lsim_time. Under the lock. */
lsim_time lsim_mock_draw(struct lsim_mockserver *srv, enum mock_source src,
                         const struct lsim_dist *d);

/* Schedules an event; signals the timer thread. Under the lock. Returns
 * 0 or LSIM_ENOMEM. */
int lsim_mock_schedule(struct lsim_mockserver *srv, lsim_time at,
                       enum mock_event_kind kind, struct mock_req *req);

/* Suspends req's connection until event `kind` (ARRIVE or WAKE) fires
 * at `at`. Under the lock, from libmicrohttpd's thread. Returns 0 or
 * LSIM_ENOMEM (nothing suspended). */
int lsim_mock_suspend_until(struct lsim_mockserver *srv, struct mock_req *req,
                            lsim_time at, enum mock_event_kind kind);

/* Marks a suspended req to be resumed when the lock is dropped. Under
 * the lock. Returns 0 or LSIM_ENOMEM (the lock holder must then resume
 * it itself). */
int lsim_mock_resume_later(struct lsim_mockserver *srv, struct mock_req *req);

/* lsim_mock_resume_later(), or at once when that fails: a connection
 * resumed under the lock beats one stuck for ever. Under the lock. */
void lsim_mock_wake(struct lsim_mockserver *srv, struct mock_req *req);

/* Resumes what lsim_mock_resume_later() collected, with the lock dropped
 * for the while (libmicrohttpd takes its own lock to resume). Called and
 * returns with the lock held. */
void lsim_mock_resume_pending(struct lsim_mockserver *srv);

/* Starts the timer thread / sets `stopping` and joins it. */
int lsim_mock_timer_start(struct lsim_mockserver *srv);
void lsim_mock_timer_stop(struct lsim_mockserver *srv);

/* A session reached the counter or left it: counter updates that wake
 * lsim_mockserver_wait_count(). Under the lock. */
bool lsim_mock_count_start(struct lsim_mockserver *srv, lsim_time now);
void lsim_mock_count_fall(struct lsim_mockserver *srv, lsim_time now);

/* Drops one reference to req; the last frees it. Under the lock. */
void lsim_mock_req_unref(struct mock_req *req);

/* Queues `body` (copied) with `status` and a JSON content type, and
 * Retry-After when retry_after >= 0. Returns MHD_YES or MHD_NO. WITHOUT
 * the lock. */
enum MHD_Result lsim_mock_reply(struct MHD_Connection *conn, unsigned status,
                                const char *content_type, const char *body,
                                int retry_after);

/* An OpenAI-style error body {"error": {message, type, code}}; the
 * caller frees it. NULL when out of memory. */
char *lsim_mock_error_body(const char *message, const char *type,
                           const char *code);

/* Replies with an OpenAI-style error. WITHOUT the lock. */
enum MHD_Result lsim_mock_reply_error(struct MHD_Connection *conn,
                                      unsigned status, const char *message,
                                      const char *type, const char *code,
                                      int retry_after);

/* The handlers of the endpoints, each called on the final call of the
 * access handler (the body is in), WITHOUT the lock. */
enum MHD_Result lsim_mock_serve_chat(struct lsim_mockserver *srv,
                                     struct mock_req *req);
enum MHD_Result lsim_mock_serve_usage(struct lsim_mockserver *srv,
                                      struct mock_req *req);
enum MHD_Result lsim_mock_serve_models(struct lsim_mockserver *srv,
                                       struct mock_req *req);
enum MHD_Result lsim_mock_serve_metrics(struct lsim_mockserver *srv,
                                        struct mock_req *req);

/* libmicrohttpd's callbacks (server.c); cls is the server. */
enum MHD_Result lsim_mock_on_request(void *cls, struct MHD_Connection *conn,
                                     const char *url, const char *method,
                                     const char *version, const char *upload,
                                     size_t *upload_size, void **con_cls);
void lsim_mock_on_completed(void *cls, struct MHD_Connection *conn,
                            void **con_cls,
                            enum MHD_RequestTerminationCode why);
void lsim_mock_on_log(void *cls, const char *fmt, va_list ap);

/* Fills m from the server's state. Under the lock. */
void lsim_mock_metrics_fill(struct lsim_mockserver *srv,
                            struct lsim_mock_metrics *m);

/* Checks cfg; one line in err on failure. Returns 0 or LSIM_EINVAL. */
int lsim_mock_config_check(const struct lsim_mock_config *cfg, char *err,
                           size_t errlen);

#endif
