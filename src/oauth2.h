/*
 * oauth2.h — OAuth 2.0 access tokens for XOAUTH2 and OAUTHBEARER: the
 * account's endpoints and client, the per-account token state file, and
 * the refresh grant (RFC 6749 §6).
 *
 * State: one file per account, $XDG_STATE_HOME/postie/oauth2/ACCOUNT
 * (~/.local/state when unset) for users, /var/lib/postie/oauth2/ACCOUNT
 * for root; a JSON object {"access_token", "expires_at" (Unix time),
 * "refresh_token"}, mode 0600 in a 0700 directory, replaced by
 * write-temp, fsync, rename, fsync-directory while holding an exclusive
 * flock on ACCOUNT.lock beside it.  Every read-refresh-write runs under
 * that lock, so two postie processes never refresh at once (the second
 * finds the first one's token) nor lose a rotated refresh token.  Once
 * the file holds a refresh token it wins over oauth2_refresh_token[_eval].
 *
 * Nothing here prints; tokens and secrets are wiped before their memory
 * is freed and never appear in an error message.
 */
#ifndef POSTIE_OAUTH2_H
#define POSTIE_OAUTH2_H

#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "oauth2_http.h"

/* A cached access token is used only while it has at least this many
 * seconds left: a session (EHLO, STARTTLS, AUTH) must not outlive it. */
#define OAUTH2_MIN_LIFETIME	60

/* The account's endpoints and client, the provider's defaults (issue 12:
 * Google, Microsoft) filled in where the account sets nothing.  Strings
 * point into the account or static tables, except client_secret. */
struct oauth2_client {
	const char *account;		/* the account's name */
	const char *token_url;		/* NULL: none configured */
	const char *device_url;		/* RFC 8628; NULL: loopback flow */
	const char *auth_url;		/* RFC 6749 §4.1 authorization */
	const char *client_id;
	const char *scope;
	const char *trust_file;		/* CA file, NULL: system store */
	char	*client_secret;		/* after _eval; NULL for a public client */
	int	 timeout_s;		/* each HTTP exchange */
};

/* Fill c from the account (running oauth2_client_secret_eval).  Errors:
 * EX_CONFIG (no token URL or client id, eval failed, OAuth not built). */
int	oauth2_client_init(struct oauth2_client *c, const struct account *a,
	    struct err *e);
/* Wipe the secret and clear c. */
void	oauth2_client_free(struct oauth2_client *c);

/* The state file's path for the account, newly allocated. */
char	*oauth2_state_path(const struct account *a);

/*
 * An access token for the account, newly allocated in *token (the caller
 * wipes and frees it): the cached one when it has OAUTH2_MIN_LIFETIME
 * seconds left and is not `refused` (the token the server just refused,
 * or NULL); otherwise a new one from the token endpoint, its rotated
 * refresh token stored before the call returns.
 * Errors: EX_TEMPFAIL (endpoint unreachable, timed out, 5xx; state file
 * locked too long), EX_NOPERM (invalid_grant or another refusal, with the
 * fix "postie --oauth2-login --account NAME"; no refresh token at all;
 * endpoint certificate not trusted), EX_PROTOCOL (an answer without a
 * token), EX_CONFIG, EX_IOERR/EX_CANTCREAT (state file).
 */
int	oauth2_token(const struct account *a, const char *refused,
	    char **token, struct err *e);

/* Store a token endpoint's success answer (access_token, expires_in,
 * refresh_token) as the account's state, under the lock; what --oauth2-login
 * does once it holds a grant.  A missing refresh_token is EX_PROTOCOL
 * (with a hint about offline access).  *path_out (may be NULL) receives
 * the file's path, newly allocated. */
int	oauth2_store_grant(const struct account *a,
	    const struct oauth2_json *reply, char **path_out, struct err *e);

/* A token endpoint's refusal (RFC 6749 §5.2) as an error: ex for
 * invalid_grant and the like EX_NOPERM, with the endpoint's error code and
 * a sanitized, shortened error_description; what names the step
 * ("refresh", "device authorization" ...). */
int	oauth2_refusal(const struct oauth2_client *c, const char *url,
	    const char *what, const struct oauth2_json *reply, long status,
	    struct err *e);

#endif
