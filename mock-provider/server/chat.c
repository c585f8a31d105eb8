/*
 * chat.c - POST /v1/chat/completions: a session on the counter, answered
 * in one body at its end or streamed across it.
 */
#include "mock_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum MHD_Result bad_request(struct lsim_mockserver *srv,
                                   struct mock_req *req, unsigned status,
                                   const char *message)
{
  pthread_mutex_lock(&srv->lock);
  srv->counters.bad_requests++;
  req->phase = MOCK_ANSWERED;
  pthread_mutex_unlock(&srv->lock);

  return lsim_mock_reply_error(req->conn, status, message,
                               "invalid_request_error", "invalid_request", -1);
}

static enum MHD_Result unavailable(struct mock_req *req, const char *why)
{
  return lsim_mock_reply_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, why,
                               "server_error", "unavailable", -1);
}

/* Reads what the mock needs of an OpenAI request: it must be an object
 * with a "messages" array; "model" and "stream" are optional. Returns
 * NULL or what is wrong. */
static const char *read_request(struct mock_req *req)
{
  cJSON *root =
      req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
  const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
  const cJSON *stream = cJSON_GetObjectItemCaseSensitive(root, "stream");
  const char *wrong = NULL;

  if (!cJSON_IsObject(root))
    wrong = "the request body is not a JSON object";
  else if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "messages")))
    wrong = "'messages': expected an array";
  else if (model != NULL && !cJSON_IsString(model))
    wrong = "'model': expected a string";
  else if (stream != NULL && !cJSON_IsBool(stream))
    wrong = "'stream': expected a boolean";

  if (wrong == NULL) {
    snprintf(req->model, sizeof(req->model), "%s",
             model ? model->valuestring : LSIM_MOCK_MODEL);
    req->stream = cJSON_IsTrue(stream);
  }
  cJSON_Delete(root);
  return wrong;
}

/* The session reaches the counter start_delay from now; until then the
 * connection waits suspended. */
static enum MHD_Result chat_begin(struct lsim_mockserver *srv,
                                  struct mock_req *req)
{
  const char *wrong;
  lsim_time delay;
  int rc = LSIM_ESTATE;

  if (req->body_too_large)
    return bad_request(srv, req, MHD_HTTP_CONTENT_TOO_LARGE,
                       "the request body is too large");
  wrong = read_request(req);
  if (wrong != NULL)
    return bad_request(srv, req, MHD_HTTP_BAD_REQUEST, wrong);

  pthread_mutex_lock(&srv->lock);
  if (!srv->stopping) {
    delay = lsim_mock_draw(srv, MOCK_RNG_START_DELAY, &srv->cfg.start_delay);
    rc = lsim_mock_suspend_until(srv, req, lsim_mock_now() + delay,
                                 MOCK_EV_ARRIVE);
  }
  if (rc == 0)
    req->phase = MOCK_CHAT_ARRIVING;
  pthread_mutex_unlock(&srv->lock);

  return rc == 0 ? MHD_YES : unavailable(req, "the server is stopping");
}

static enum MHD_Result reject(struct lsim_mockserver *srv, struct mock_req *req)
{
  char message[160];

  snprintf(message, sizeof(message),
           "too many sessions in flight: this account may have %d",
           srv->cfg.limit);
  return lsim_mock_reply_error(req->conn, MHD_HTTP_TOO_MANY_REQUESTS, message,
                               "rate_limit_exceeded", "concurrency_limit",
                               srv->cfg.retry_after_s);
}

/* The assistant's text: what the session was, so a reader of a client's
 * log can match it to the server's. */
static void session_text(const struct mock_req *req, char *buf, size_t len)
{
  snprintf(buf, len, "limsim mock session %llu of %.3f s",
           (unsigned long long)req->id, lsim_time_to_s(req->end - req->start));
}

static cJSON *completion_json(const struct mock_req *req, const char *object)
{
  cJSON *root = cJSON_CreateObject();
  char id[48];

  snprintf(id, sizeof(id), "chatcmpl-mock-%llu", (unsigned long long)req->id);
  cJSON_AddStringToObject(root, "id", id);
  cJSON_AddStringToObject(root, "object", object);
  cJSON_AddNumberToObject(root, "created", (double)time(NULL));
  cJSON_AddStringToObject(root, "model", req->model);
  return root;
}

static char *completion_body(const struct mock_req *req)
{
  cJSON *root = completion_json(req, "chat.completion");
  cJSON *choice = cJSON_CreateObject();
  cJSON *message = cJSON_AddObjectToObject(choice, "message");
  cJSON *usage;
  char text[96], *body;

  session_text(req, text, sizeof(text));
  cJSON_AddNumberToObject(choice, "index", 0);
  cJSON_AddStringToObject(message, "role", "assistant");
  cJSON_AddStringToObject(message, "content", text);
  cJSON_AddStringToObject(choice, "finish_reason", "stop");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "choices"), choice);
  usage = cJSON_AddObjectToObject(root, "usage");
  cJSON_AddNumberToObject(usage, "prompt_tokens", 1);
  cJSON_AddNumberToObject(usage, "completion_tokens", 8);
  cJSON_AddNumberToObject(usage, "total_tokens", 9);

  body = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  return body;
}

static enum MHD_Result answer_completion(struct mock_req *req)
{
  char *body = completion_body(req);
  enum MHD_Result rc;

  if (body == NULL)
    return MHD_NO;
  rc = lsim_mock_reply(req->conn, MHD_HTTP_OK, "application/json", body, -1);
  cJSON_free(body);
  return rc;
}

/* ---- streaming ---- */

/* One event, "data: {chunk}\n\n": the role first, then words, then an
 * empty delta with finish_reason "stop" followed by [DONE]. */
static size_t stream_event(const struct mock_req *req, char *buf, size_t len)
{
  cJSON *root = completion_json(req, "chat.completion.chunk");
  cJSON *choice = cJSON_CreateObject();
  cJSON *delta = cJSON_AddObjectToObject(choice, "delta");
  bool last = req->chunk == req->nchunks;
  char word[32], *json;
  int n = 0;

  snprintf(word, sizeof(word), "word%d ", req->chunk);
  if (req->chunk == 0)
    cJSON_AddStringToObject(delta, "role", "assistant");
  if (req->chunk > 0 && !last)
    cJSON_AddStringToObject(delta, "content", word);
  cJSON_AddNumberToObject(choice, "index", 0);
  if (last)
    cJSON_AddStringToObject(choice, "finish_reason", "stop");
  else
    cJSON_AddNullToObject(choice, "finish_reason");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "choices"), choice);

  json = cJSON_PrintUnformatted(root);
  if (json != NULL)
    n = snprintf(buf, len, "data: %s\n\n%s", json,
                 last ? "data: [DONE]\n\n" : "");
  cJSON_free(json);
  cJSON_Delete(root);
  return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static lsim_time chunk_due(const struct mock_req *req)
{
  double share = (double)req->chunk / req->nchunks;

  return req->start + (lsim_time)(share * (double)(req->end - req->start));
}

/* Copies what is left of the current event into buf. */
static ssize_t drain(struct mock_req *req, char *buf, size_t max)
{
  size_t n = req->pending_len - req->pending_off;

  if (n > max)
    n = max;
  memcpy(buf, req->pending + req->pending_off, n);
  req->pending_off += n;
  return (ssize_t)n;
}

/* Under the lock: the next bytes of the stream, or 0 with the connection
 * suspended until the next chunk is due. */
static ssize_t stream_next(struct lsim_mockserver *srv, struct mock_req *req,
                           char *buf, size_t max)
{
  lsim_time due;

  if (req->pending_off < req->pending_len)
    return drain(req, buf, max);
  if (req->done)
    return MHD_CONTENT_READER_END_OF_STREAM;
  if (srv->stopping)
    return MHD_CONTENT_READER_END_WITH_ERROR;

  due = chunk_due(req);
  if (due > lsim_mock_now())
    return lsim_mock_suspend_until(srv, req, due, MOCK_EV_WAKE) == 0
               ? 0
               : MHD_CONTENT_READER_END_WITH_ERROR;

  req->pending_len = stream_event(req, req->pending, sizeof(req->pending));
  req->pending_off = 0;
  if (req->pending_len == 0)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  req->done = req->chunk == req->nchunks;
  req->chunk++;
  return drain(req, buf, max);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  struct mock_req *req = cls;
  struct lsim_mockserver *srv = req->srv;
  ssize_t n;

  pthread_mutex_lock(&srv->lock);
  n = stream_next(srv, req, buf, max);
  pthread_mutex_unlock(&srv->lock);
  return n;
}

static void stream_free(void *cls)
{
  struct mock_req *req = cls;
  struct lsim_mockserver *srv = req->srv;

  pthread_mutex_lock(&srv->lock);
  srv->counters.streams_active--;
  lsim_mock_req_unref(req);
  pthread_mutex_unlock(&srv->lock);
}

/* The stream response holds a reference to req: libmicrohttpd may free
 * the response after it reported the request complete. */
static enum MHD_Result start_stream(struct lsim_mockserver *srv,
                                    struct mock_req *req)
{
  double chunks = (double)(req->end - req->start) /
                  (double)lsim_time_from_s(srv->cfg.stream_interval_s);
  struct MHD_Response *resp;
  enum MHD_Result rc;

  req->nchunks = chunks < 1 ? 1 : (int)fmin(ceil(chunks), 1e6);
  resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read,
                                           req, stream_free);
  if (resp == NULL)
    return MHD_NO;

  pthread_mutex_lock(&srv->lock);
  req->refs++;
  srv->counters.streams_active++;
  pthread_mutex_unlock(&srv->lock);

  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "text/event-stream");
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  rc = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return rc;
}

enum MHD_Result lsim_mock_serve_chat(struct lsim_mockserver *srv,
                                     struct mock_req *req)
{
  enum mock_phase phase;

  pthread_mutex_lock(&srv->lock);
  phase = req->phase;
  if (phase != MOCK_NEW)
    req->phase = phase == MOCK_STREAM_READY ? MOCK_STREAMING : MOCK_ANSWERED;
  pthread_mutex_unlock(&srv->lock);

  switch (phase) {
  case MOCK_NEW:
    return chat_begin(srv, req);
  case MOCK_CHAT_REJECTED:
    return reject(srv, req);
  case MOCK_CHAT_DUE:
    return answer_completion(req);
  case MOCK_STREAM_READY:
    return start_stream(srv, req);
  default: /* resumed early: the server is stopping */
    return unavailable(req, "the server is stopping");
  }
}
