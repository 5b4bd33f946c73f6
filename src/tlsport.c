/*
 * tlsport.c — TLS mode against port (see tlsport.h).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "tlsport.h"

int
tlsport_implicit(struct conn *c, const struct tls_params *p,
    const char *host, int port, int timeout_ms, bool *mismatch,
    struct err *e)
{
	struct tls_params tp = *p;
	bool plain = false;

	*mismatch = false;
	tp.plain_reply = &plain;
	if (conn_tls_implicit(c, &tp, timeout_ms, e) == 0)
		return 0;
	if (!plain)
		return -1;
	*mismatch = true;
	return err_set(e, EX_CONFIG, "%s port %d speaks plain SMTP; for "
	    "implicit TLS use port 465 or set tls_starttls on", host, port);
}

enum tlsport_verdict
tlsport_greeting(struct conn *c, bool starttls, const char *host, int port,
    int timeout_ms, struct err *e)
{
	struct tls_params tp = { .certcheck = false };
	bool plain = false;
	int probe_ms = timeout_ms - TLSPORT_GREETING_MS;
	struct err pe;
	int r;

	r = conn_wait_input(c, timeout_ms < TLSPORT_GREETING_MS ?
	    timeout_ms : TLSPORT_GREETING_MS, e);
	if (r != 0)
		return r > 0 ? TLSPORT_GREETS : TLSPORT_FAILED;
	tp.plain_reply = &plain;
	err_clear(&pe);
	if (conn_tls_implicit(c, &tp, probe_ms > 1000 ? probe_ms : 1000,
	    &pe) == 0) {
		if (starttls)
			err_set(e, EX_CONFIG, "%s port %d speaks TLS from the "
			    "first byte (implicit TLS), not STARTTLS; set "
			    "tls_starttls off, or use port 587 for STARTTLS",
			    host, port);
		else
			err_set(e, EX_CONFIG, "%s port %d speaks TLS from the "
			    "first byte (implicit TLS); set tls on and "
			    "tls_starttls off", host, port);
		return TLSPORT_MISMATCH;
	}
	if (plain)
		return TLSPORT_SLOW;
	err_set(e, EX_TEMPFAIL, "%s port %d sent no greeting, and no TLS "
	    "answer either: %s", host, port, pe.msg);
	return TLSPORT_FAILED;
}
