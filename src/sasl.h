/*
 * sasl.h — SMTP AUTH mechanisms (RFC 4954), as a client.
 *
 * Built in: PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195, GnuTLS HMAC),
 * XOAUTH2, OAUTHBEARER (RFC 7628), EXTERNAL (RFC 4422 App. A).
 * SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802/7677) only through GNU SASL when
 * it was found at build time (HAVE_GSASL); without it they are reported as
 * unsupported, never hand-rolled.
 *
 * The exchange is a loop of steps over base64 text, which smtp.c drives:
 *   sasl_start → initial response (may be NULL: wait for a 334)
 *   for each "334 challenge": sasl_step(challenge) → response
 */
#ifndef POSTIE_SASL_H
#define POSTIE_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* The configured mechanism (config key "auth"). */
enum auth_method {
	AUTH_OFF = 0,	/* no AUTH */
	AUTH_AUTO,	/* "on": strongest mechanism the server offers */
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_CRAM_MD5,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER,
	AUTH_SCRAM_SHA_1,
	AUTH_SCRAM_SHA_256,
	AUTH_EXTERNAL,
};

struct sasl_params {
	const char *user;
	const char *password;	/* or the OAuth token for XOAUTH2/OAUTHBEARER */
	const char *host;	/* for OAUTHBEARER's host=/port= */
	int	 port;
};

/* The mechanism to use: for AUTH_AUTO the strongest the server offers
 * (space-separated list in offered) that postie supports and that has the
 * credentials it needs; else the configured one (error if not offered).
 * Returns the mechanism name (static) or NULL with e filled: EX_NOPERM
 * (nothing usable offered), EX_CONFIG (unsupported in this build). */
const char *sasl_choose(enum auth_method configured, const char *offered,
	    bool have_password, struct err *e);

/* For an OAuth 2.0 access token: OAUTHBEARER (RFC 7628) when offered,
 * else XOAUTH2, for AUTH_AUTO; the configured one when it is AUTH_XOAUTH2
 * or AUTH_OAUTHBEARER.  NULL with e: EX_NOPERM (not offered), EX_CONFIG
 * (another mechanism configured). */
const char *sasl_choose_token(enum auth_method configured,
	    const char *offered, struct err *e);

struct sasl;

/* Begin.  *initial is the base64 initial response for "AUTH MECH initial"
 * (newly allocated; "=" for an empty one), or NULL when the mechanism
 * waits for a challenge first. */
int	sasl_start(struct sasl **s, const char *mech,
	    const struct sasl_params *p, char **initial, struct err *e);
/* Answer a 334 challenge (base64 text, len bytes, after "334 ").
 * *response is newly allocated base64 text. */
int	sasl_step(struct sasl *s, const char *challenge, size_t len,
	    char **response, struct err *e);
void	sasl_free(struct sasl *s);

/* Is this mechanism supported by this build? */
bool	sasl_supported(const char *mech);

#endif
