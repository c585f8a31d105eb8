/* jsonmsg.c - quoting user JSON in messages; see jsonmsg.h. */
#include "jsonmsg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void lsim_json_describe(const cJSON *item, char *buf, size_t len)
{
  char *text;

  if (item == NULL) {
    snprintf(buf, len, "nothing");
    return;
  }
  if (cJSON_IsNumber(item) && !isfinite(item->valuedouble)) {
    snprintf(buf, len, "a number too large to represent");
    return;
  }

  text = cJSON_PrintUnformatted(item);
  if (text == NULL)
    snprintf(buf, len, "a value");
  else if (strlen(text) > LSIM_JSON_SHOWN_MAX)
    snprintf(buf, len, "%.*s...", LSIM_JSON_SHOWN_MAX, text);
  else
    snprintf(buf, len, "%s", text);
  lsim_json_one_line(buf);
  cJSON_free(text);
}

void lsim_json_one_line(char *msg)
{
  for (; *msg != '\0'; msg++)
    if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
      *msg = '?';
}
