/* reply.c - queuing whole answers, and OpenAI-style error bodies. */
#include "mock_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

enum MHD_Result lsim_mock_reply(struct MHD_Connection *conn, unsigned status,
                                const char *content_type, const char *body,
                                int retry_after)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result rc = MHD_NO;
  char seconds[24];

  if (resp == NULL)
    return MHD_NO;

  if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                              content_type) == MHD_YES)
    rc = MHD_YES;
  if (rc == MHD_YES && retry_after >= 0) {
    snprintf(seconds, sizeof(seconds), "%d", retry_after);
    rc = MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
  }
  if (rc == MHD_YES)
    rc = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return rc;
}

char *lsim_mock_error_body(const char *message, const char *type,
                           const char *code)
{
  cJSON *root = cJSON_CreateObject();
  cJSON *error = cJSON_AddObjectToObject(root, "error");
  char *body = NULL;

  if (error != NULL && cJSON_AddStringToObject(error, "message", message) &&
      cJSON_AddStringToObject(error, "type", type) &&
      cJSON_AddNullToObject(error, "param") &&
      cJSON_AddStringToObject(error, "code", code))
    body = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  return body;
}

enum MHD_Result lsim_mock_reply_error(struct MHD_Connection *conn,
                                      unsigned status, const char *message,
                                      const char *type, const char *code,
                                      int retry_after)
{
  char *body = lsim_mock_error_body(message, type, code);
  enum MHD_Result rc;

  if (body == NULL)
    return MHD_NO;

  rc = lsim_mock_reply(conn, status, "application/json", body, retry_after);
  cJSON_free(body);
  return rc;
}
