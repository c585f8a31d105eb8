/*
 * jsonmsg.h - how a message about a JSON input quotes what the user wrote.
 *
 * Shared by every reader of user JSON (scenario files, expectations, the
 * live block) so that their one-line errors read alike.
 */
#ifndef LIMSIM_SIM_JSONMSG_H
#define LIMSIM_SIM_JSONMSG_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* How many characters of a bad value a message quotes. */
#define LSIM_JSON_SHOWN_MAX 48

/* What the user wrote, for "got ...": "nothing" when absent, words for a
 * number too large to represent (cJSON reads 1e400 as infinity and would
 * print null), else its JSON text cut at LSIM_JSON_SHOWN_MAX with "...".
 * buf should hold LSIM_JSON_SHOWN_MAX + 8 bytes. */
void lsim_json_describe(const cJSON *item, char *buf, size_t len);

/* Replaces control characters with '?': cJSON takes them raw in strings
 * and keys, and a message must stay one line whatever a key is called. */
void lsim_json_one_line(char *msg);

#endif
