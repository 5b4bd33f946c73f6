/*
 * tlsport.h — does the port speak the TLS mode the account configured?
 *
 * Two mistakes look alike to a newcomer and used to cost a random message
 * or a minute of silence: implicit TLS (tls_starttls off) against a port
 * that greets in plain text (587, 25), and STARTTLS (or tls off) against
 * a port that waits for a TLS ClientHello (465).  Both are told here as
 * configuration errors (EX_CONFIG, never queued: no retry cures them),
 * naming the port and the key to change, within a few seconds.
 *
 * For a smarthost only: an MX session (port 25) is never probed.
 */
#ifndef POSTIE_TLSPORT_H
#define POSTIE_TLSPORT_H

#include <stdbool.h>

#include "conn.h"
#include "err.h"
#include "tls.h"

/* How long a plain or STARTTLS session waits for the greeting before it
 * asks whether the port speaks TLS first.  Submission servers greet at
 * once; Postfix's postscreen sends its "220-" at once too. */
#define TLSPORT_GREETING_MS	3000

/* Implicit TLS on c, just connected.  A plain SMTP reply where the
 * server's TLS record belonged: -1, *mismatch true, e EX_CONFIG
 * "127.0.0.1 port 587 speaks plain SMTP; for implicit TLS use port 465
 * or set tls_starttls on".  Any other failure as conn_tls_implicit. */
int	tlsport_implicit(struct conn *c, const struct tls_params *p,
	    const char *host, int port, int timeout_ms, bool *mismatch,
	    struct err *e);

enum tlsport_verdict {
	TLSPORT_GREETS = 0,	/* input came: go on with the session on c */
	TLSPORT_MISMATCH,	/* e: EX_CONFIG, what to change; c spent */
	TLSPORT_SLOW,		/* a plain server, slower than the probe: c
				 * is spent, connect again and wait */
	TLSPORT_FAILED,		/* e: no answer to anything (timeout,
				 * closed); c spent */
};

/* Before the greeting of a plain (tls_starttls on, or tls off) session
 * on c: when no byte comes within TLSPORT_GREETING_MS, send a TLS
 * ClientHello (certificate not checked: only the answer's kind
 * matters); a TLS handshake completed means the port speaks TLS first.
 * starttls: the account asked for STARTTLS (else tls off), for the
 * wording.  The caller closes c unless TLSPORT_GREETS. */
enum tlsport_verdict tlsport_greeting(struct conn *c, bool starttls,
	    const char *host, int port, int timeout_ms, struct err *e);

#endif
