/*
 * oauth2_login.h — postie --oauth2-login: the one-time authorization that
 * gives postie its first refresh token, stored as the account's token
 * state (oauth2.h).
 *
 * With a device authorization endpoint (oauth2_device_url, Microsoft's by
 * default) the device grant, RFC 8628: the verification URL and user code
 * are printed, the token endpoint polled at the interval it asks for
 * (slow_down adds 5 s) until the user has approved, refused, or the code
 * expired.  Otherwise (Google) the authorization code grant with PKCE
 * (RFC 7636, S256) and a loopback redirect (RFC 8252 §7.3): postie listens
 * on 127.0.0.1 on a port the kernel picks, prints the URL to open, and
 * takes the code from the browser's redirect, or from the redirect's
 * address pasted on stdin when the browser runs on another machine (SSH).
 * Neither flow launches a browser.
 *
 * Printed: URLs and the user code (the user needs them), never a device
 * code, authorization code, token or secret.
 */
#ifndef POSTIE_OAUTH2_LOGIN_H
#define POSTIE_OAUTH2_LOGIN_H

#include "config.h"
#include "err.h"

/* How long the user gets to approve in the loopback flow (the device flow
 * is bounded by the code's expires_in). */
#define OAUTH2_LOGIN_WAIT_S	600
/* The longest request line postie reads from the browser. */
#define OAUTH2_LOGIN_LINE_MAX	8192

/* Run the flow for account a, talking to the user on out (instructions)
 * and in (a pasted redirect address, loopback flow only).  Errors:
 * EX_CONFIG (no OAuth settings, no device or authorization endpoint),
 * EX_NOPERM (the user or the endpoint refused), EX_TEMPFAIL (endpoint
 * unreachable, code expired, no redirect in time), EX_PROTOCOL,
 * EX_OSERR, EX_CANTCREAT/EX_IOERR (state file). */
int	oauth2_login(const struct account *a, int in, int out, struct err *e);

#endif
