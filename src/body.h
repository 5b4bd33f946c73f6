/*
 * body.h — a body source: what smtp.c sends after DATA (or in BDAT
 * chunks) without knowing where the bytes come from.  As OpenSMTPD hands
 * its SMTP client a FILE *, delivery.c hands smtp.c one of these, filled
 * in from the wire layer (a parsed message, a queue file); a unit test
 * fills one in from a buffer.
 *
 * The source yields the wire form for one server: CRLF line ends, header
 * fields and body already made to fit what the server takes (wire_opts),
 * not dot-stuffed (framing belongs to smtp.c).
 */
#ifndef POSTIE_BODY_H
#define POSTIE_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* What the receiving server takes; decides re-encoding. */
struct wire_opts {
	bool	 eightbitmime;		/* server offers 8BITMIME */
	bool	 smtputf8;		/* transaction uses SMTPUTF8 */
};

struct body_source {
	void	*ctx;
	/* The wire form for w: an upper bound of its size (SIZE=) and
	 * whether it holds 8-bit octets (BODY=8BITMIME).  Either pointer
	 * may be NULL when the server has no use for it (no SIZE, no
	 * 8BITMIME), so that no scan is paid for it.  May be called
	 * several times; must be cheap after the first call. */
	int	(*prepare)(void *ctx, const struct wire_opts *w, off_t *size,
		    bool *eightbit, struct err *e);
	/* Start from the first byte of the wire form for the w of the last
	 * prepare. */
	int	(*open)(void *ctx, struct err *e);
	/* Up to len bytes; the count, 0 at the end, -1 on error. */
	ssize_t	(*read)(void *ctx, char *buf, size_t len, struct err *e);
	void	(*close)(void *ctx);
};

#endif
