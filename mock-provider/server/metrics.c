/*
 * metrics.c - the mock server's counters, as Prometheus text (GET
 * /metrics) and as JSON (limsim mock-provider --metrics-out). Both are
 * written from one table, so the two never disagree on a name.
 */
#include "mock_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lsim_mock_metrics_fill(struct lsim_mockserver *srv,
                            struct lsim_mock_metrics *m)
{
  const struct lsim_upstream *up = &srv->up;

  *m = srv->counters;
  m->upstream_sessions = up->count;
  m->upstream_sessions_max = up->count_max;
  m->limit = up->cap;
  m->session_starts = up->starts;
  m->overshoot_events = up->overshoot_events;
  m->rejected = up->rejected;
}

enum metric_type { GAUGE, COUNTER };

/* One row: the Prometheus name (and label), the JSON path, the value. */
struct metric_row {
  const char *name;  /* limsim_mock_<name> */
  const char *label; /* e.g. endpoint="usage", or NULL */
  const char *group; /* JSON object the key goes in, or NULL */
  const char *key;   /* JSON key */
  enum metric_type type;
  const char *help; /* on the first row of each name */
  double value;
};

#define ROW(name, label, group, key, type, help, v)                            \
  {                                                                            \
    name, label, group, key, type, help, (double)(v)                           \
  }

static size_t metric_rows(const struct lsim_mock_metrics *m,
                          struct metric_row *rows)
{
  const struct metric_row all[] = {
      ROW("upstream_sessions", NULL, NULL, "upstream_sessions", GAUGE,
          "Sessions the provider counts now.", m->upstream_sessions),
      ROW("upstream_sessions_max", NULL, NULL, "upstream_sessions_max", GAUGE,
          "The most sessions counted at once.", m->upstream_sessions_max),
      ROW("limit", NULL, NULL, "limit", GAUGE,
          "Sessions the account may have in flight.", m->limit),
      ROW("session_starts_total", NULL, NULL, "session_starts", COUNTER,
          "Sessions that reached the counter.", m->session_starts),
      ROW("overshoot_events_total", NULL, NULL, "overshoot_events", COUNTER,
          "Starts that found the counter at the limit or over.",
          m->overshoot_events),
      ROW("rejected_total", NULL, NULL, "rejected", COUNTER,
          "Starts answered 429.", m->rejected),
      ROW("sessions_ended_total", NULL, NULL, "sessions_ended", COUNTER,
          "Sessions whose release lag has passed.", m->sessions_ended),
      ROW("external_starts_total", NULL, NULL, "external_starts", COUNTER,
          "Sessions of other clients of the account.", m->external_starts),
      ROW("streams_active", NULL, NULL, "streams_active", GAUGE,
          "Streamed completions being sent.", m->streams_active),
      ROW("requests_total", "endpoint=\"usage\"", "requests", "usage", COUNTER,
          "HTTP requests by endpoint.", m->req_usage),
      ROW("requests_total", "endpoint=\"chat_completions\"", "requests",
          "chat_completions", COUNTER, NULL, m->req_chat),
      ROW("requests_total", "endpoint=\"models\"", "requests", "models",
          COUNTER, NULL, m->req_models),
      ROW("requests_total", "endpoint=\"metrics\"", "requests", "metrics",
          COUNTER, NULL, m->req_metrics),
      ROW("requests_total", "endpoint=\"other\"", "requests", "other", COUNTER,
          NULL, m->req_other),
      ROW("usage_polls_total", "outcome=\"ok\"", "usage_polls", "ok", COUNTER,
          "Usage polls by the answer they were given.", m->usage_ok),
      ROW("usage_polls_total", "outcome=\"error\"", "usage_polls", "error",
          COUNTER, NULL, m->usage_error),
      ROW("usage_polls_total", "outcome=\"malformed\"", "usage_polls",
          "malformed", COUNTER, NULL, m->usage_malformed),
      ROW("usage_polls_total", "outcome=\"stalled\"", "usage_polls", "stalled",
          COUNTER, NULL, m->usage_stalled),
      ROW("unauthorized_total", NULL, NULL, "unauthorized", COUNTER,
          "Requests answered 401.", m->unauthorized),
      ROW("bad_requests_total", NULL, NULL, "bad_requests", COUNTER,
          "Requests answered 400 or 413.", m->bad_requests),
  };
  size_t n = sizeof(all) / sizeof(all[0]);

  if (rows != NULL)
    memcpy(rows, all, sizeof(all));
  return n;
}

/* ---- Prometheus text ---- */

static int text_row(char *buf, size_t len, const struct metric_row *r)
{
  char head[256] = "";

  if (r->help != NULL)
    snprintf(head, sizeof(head),
             "# HELP limsim_mock_%s %s\n# TYPE limsim_mock_%s %s\n", r->name,
             r->help, r->name, r->type == GAUGE ? "gauge" : "counter");
  return snprintf(buf, len, "%slimsim_mock_%s%s%s%s %.0f\n", head, r->name,
                  r->label ? "{" : "", r->label ? r->label : "",
                  r->label ? "}" : "", r->value);
}

char *lsim_mock_metrics_text(const struct lsim_mock_metrics *m)
{
  size_t n = metric_rows(m, NULL), used = 0, cap = 512 * n;
  struct metric_row *rows = malloc(n * sizeof(*rows));
  char *text = malloc(cap);
  int w;

  if (rows == NULL || text == NULL) {
    free(rows);
    free(text);
    return NULL;
  }

  metric_rows(m, rows);
  text[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    w = text_row(text + used, cap - used, &rows[i]);
    if (w < 0 || (size_t)w >= cap - used)
      break; /* a row longer than 512 bytes: keep the whole ones */
    used += (size_t)w;
  }
  free(rows);
  return text;
}

/* ---- JSON ---- */

static cJSON *json_parent(cJSON *root, const char *group)
{
  cJSON *parent;

  if (group == NULL)
    return root;
  parent = cJSON_GetObjectItemCaseSensitive(root, group);
  return parent ? parent : cJSON_AddObjectToObject(root, group);
}

char *lsim_mock_metrics_json(const struct lsim_mock_metrics *m)
{
  size_t n = metric_rows(m, NULL);
  struct metric_row *rows = malloc(n * sizeof(*rows));
  cJSON *root = cJSON_CreateObject();
  char *printed = NULL, *json = NULL;

  if (rows != NULL && root != NULL) {
    metric_rows(m, rows);
    for (size_t i = 0; i < n; i++)
      cJSON_AddNumberToObject(json_parent(root, rows[i].group), rows[i].key,
                              rows[i].value);
    printed = cJSON_Print(root);
  }
  /* The caller frees with free(), whatever cJSON's allocator is. */
  if (printed != NULL)
    json = strdup(printed);
  cJSON_free(printed);
  cJSON_Delete(root);
  free(rows);
  return json;
}
