/*
 * oauth2_http.h — the HTTP and JSON under OAuth 2.0: one form POST to an
 * endpoint over HTTPS, its JSON answer, and the JSON of the token state
 * file.  libcurl (built against GnuTLS) and jansson stay inside this
 * module; nothing here knows what a grant or a token is (oauth2.h does).
 *
 * Secrets travel through here (refresh tokens, client secrets, codes):
 * every buffer that held request or response text is wiped before it is
 * freed, jansson's allocations included, and nothing is ever printed.
 * Error messages name the URL, the HTTP status and the endpoint's
 * "error" code, never the request body.
 *
 * Without HAVE_OAUTH2 (no libcurl or jansson at build time) every call
 * that needs them fails with EX_CONFIG.
 */
#ifndef POSTIE_OAUTH2_HTTP_H
#define POSTIE_OAUTH2_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

/* An answer larger than this is not a token response (they are a few KiB;
 * Microsoft's id tokens the largest). */
#define OAUTH2_HTTP_MAX		(64 * 1024)

/* An application/x-www-form-urlencoded body (RFC 6749 §4.1.3 ...). */
struct oauth2_form {
	struct buf b;
};
void	oauth2_form_init(struct oauth2_form *f);
/* Append key=value, both percent-encoded; a NULL value adds nothing. */
void	oauth2_form_add(struct oauth2_form *f, const char *key,
	    const char *value);
/* Wipe and free. */
void	oauth2_form_free(struct oauth2_form *f);

/* Percent-encode s (RFC 3986: all but the unreserved characters). */
void	oauth2_urlencode(struct buf *out, const char *s);

/* A JSON object: an endpoint's answer or the state file. */
struct oauth2_json;

/* POST form to url (https only, no redirects, no proxy from the URL's
 * user info), trusting the CAs of trust_file or, when NULL, the system's.
 * timeout_s bounds the whole exchange.  On 0, *reply is the answer's JSON
 * object and *status its HTTP status (any status: the caller reads
 * "error").  On -1, e says why: EX_TEMPFAIL for an endpoint that could
 * not be reached, timed out or answered 5xx or 429 without JSON,
 * EX_NOPERM when its certificate could not be trusted, EX_PROTOCOL for an
 * answer that is not a JSON object or is larger than OAUTH2_HTTP_MAX,
 * EX_CONFIG without OAuth support in this build. */
int	oauth2_post(const char *url, const char *trust_file, int timeout_s,
	    const struct oauth2_form *form, struct oauth2_json **reply,
	    long *status, struct err *e);

/* Parse len bytes of JSON text holding one object; NULL when it is not. */
struct oauth2_json *oauth2_json_parse(const char *text, size_t len);
struct oauth2_json *oauth2_json_new(void);
/* The string member key, or NULL (absent or not a string).  Valid until
 * the object is freed or the member set again. */
const char *oauth2_json_str(const struct oauth2_json *j, const char *key);
/* The integer member key (a JSON number, or a string of digits as some
 * endpoints send expires_in); false when absent. */
bool	oauth2_json_int(const struct oauth2_json *j, const char *key,
	    long long *v);
void	oauth2_json_set_str(struct oauth2_json *j, const char *key,
	    const char *value);
void	oauth2_json_set_int(struct oauth2_json *j, const char *key,
	    long long v);
/* The object as compact JSON text, newly allocated (the caller wipes and
 * frees it). */
char	*oauth2_json_text(const struct oauth2_json *j);
void	oauth2_json_free(struct oauth2_json *j);

/* The query parameter name of a URL's query part (q, len bytes, without
 * the '?'), percent-decoded into *value (newly allocated; the caller
 * wipes it); 0 when found, -1 when absent or not decodable. */
int	oauth2_query_param(const char *q, size_t len, const char *name,
	    char **value);

#endif
