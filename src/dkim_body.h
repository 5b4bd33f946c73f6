/*
 * dkim_body.h — a body source (body.h) that sends DKIM-Signature fields
 * in front of another source's wire form, signed over exactly the bytes
 * that source yields for this server.
 *
 * prepare prepares the inner source for the server's wire_opts and, the
 * first time for those options, reads its whole wire form once through a
 * signing pass (dkim.h): memory stays flat, the cost is one more read of
 * the spooled message.  The size it reports includes the fields.  open,
 * read and close then yield the fields followed by the inner wire form.
 * A server with other wire_opts (the next MX, a fallback account) gets
 * its own signature.
 */
#ifndef POSTIE_DKIM_BODY_H
#define POSTIE_DKIM_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "body.h"
#include "dkim.h"
#include "util.h"

struct dkim_body {
	const struct body_source *inner;
	const struct dkim_signer *signer;
	const char *d;			/* the d= to sign as */
	struct wire_opts w;		/* of the last signing pass */
	bool	 signed_once;		/* fields hold a pass for w */
	struct buf fields;		/* the DKIM-Signature fields, CRLF */
	size_t	 pos;			/* of fields already read */
};

/* Make out a source over b that signs inner as d with s.  inner, s and
 * d must outlive b and out. */
void	dkim_body_init(struct dkim_body *b, struct body_source *out,
	    const struct body_source *inner, const struct dkim_signer *s,
	    const char *d);
void	dkim_body_free(struct dkim_body *b);

#endif
