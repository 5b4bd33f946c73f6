/*
 * dkim_canon.h — DKIM "relaxed" canonicalization (RFC 6376 §3.4.2 for
 * header fields, §3.4.4 for the body), as filters that know nothing of
 * keys or hashes.
 *
 * The body filter streams: bytes are fed in any chunking and the output
 * (handed to a callback in runs) is the same for every split of the same
 * input; its state is a few counters, so memory stays flat whatever the
 * body's size.  Lines end at CRLF only (the wire form postie sends); a
 * bare CR or LF is an ordinary octet, as dkimpy treats it.
 */
#ifndef POSTIE_DKIM_CANON_H
#define POSTIE_DKIM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Receives canonical output; p is valid only during the call. */
typedef void (*dkim_canon_out)(void *arg, const char *p, size_t n);

struct dkim_body_canon {
	dkim_canon_out out;
	void	*arg;
	uint64_t empty_lines;	/* empty lines held back: dropped at the end */
	bool	 wsp;		/* WSP seen since the last octet put out */
	bool	 cr;		/* a CR that may start a line end */
	bool	 line;		/* the current line has put out an octet */
};

void	dkim_body_canon_init(struct dkim_body_canon *c, dkim_canon_out out,
	    void *arg);
/* Feed n octets of the body. */
void	dkim_body_canon_feed(struct dkim_body_canon *c, const char *p,
	    size_t n);
/* End of body: a last line without CRLF gets one; trailing empty lines
 * are dropped; an empty body stays empty (RFC 6376 erratum 3770). */
void	dkim_body_canon_end(struct dkim_body_canon *c);

/* Append the relaxed form of one header field to out:
 * "lowercase-name:value\r\n" with the value unfolded, WSP runs made one
 * SP, WSP at both ends removed.  field is the raw field as sent (name,
 * colon, value, folded lines joined by CRLF, no final CRLF), len octets,
 * not NUL-terminated.  A field without a colon is taken as all name. */
void	dkim_header_canon(struct buf *out, const char *field, size_t len);

#endif
