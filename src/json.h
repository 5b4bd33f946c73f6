/*
 * json.h — writing JSON (RFC 8259) for machines that read postie's
 * state: mailq --json.  Only what is written is here; postie parses no
 * JSON of its own outside the OAuth module.
 *
 * Strings come from servers and files and may hold any bytes: what is
 * not valid UTF-8 becomes U+FFFD, control characters are escaped, so
 * the output is always valid JSON in valid UTF-8.
 */
#ifndef POSTIE_JSON_H
#define POSTIE_JSON_H

#include <stddef.h>

#include "util.h"

/* Append s (NUL-terminated; NULL writes null) as a JSON string. */
void	json_add_string(struct buf *b, const char *s);

/* Append "name": before a value, with a comma unless first. */
void	json_add_key(struct buf *b, const char *name, int first);

#endif
