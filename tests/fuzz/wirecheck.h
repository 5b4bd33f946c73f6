/*
 * wirecheck.h — the check every fuzz target that produces wire text
 * makes (issue 14), included by fuzz_message.c, fuzz_mime.c and
 * fuzz_reencode.c:
 *   - lines end in CRLF, CR and LF appear only there, and no line is
 *     over 998 octets (RFC 5321 §4.5.3.1.6), header fields included;
 *   - for a transaction that is not SMTPUTF8 the header section is
 *     7-bit, and for a server without 8BITMIME everything is, except
 *     a header field that has no 7-bit form (header7bit.h: a non-ASCII
 *     addr-spec, 8-bit octets in a media type...), which goes as written.
 * abort() on any breach: libFuzzer then keeps the input.
 */
#ifndef POSTIE_FUZZ_WIRECHECK_H
#define POSTIE_FUZZ_WIRECHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "header7bit.h"
#include "message.h"
#include "util.h"
#include "wire.h"

#define WIRECHECK_MAX	998

/* The 8-bit line [ls, le) of w is part of a header field (lines from a
 * line that starts a field to the continuation lines after it) that
 * header7bit.c cannot make 7-bit. */
static bool
wirecheck_field_has_no_7bit_form(const char *w, size_t n, size_t ls,
    size_t le)
{
	size_t fs = ls, fe = le, colon;
	struct buf name, value;
	char *seven;
	bool none;

	/* Back to the line that starts the field (lines start at 0 or
	 * after a CRLF, so fs >= 2 on any line but the first). */
	while (fs >= 2 && (w[fs] == ' ' || w[fs] == '\t')) {
		size_t p = fs - 2;	/* the CR ending the line above */

		while (p > 0 && w[p - 1] != '\n')
			p--;
		if (p == fs - 2)
			return false;	/* an empty line above: not a field */
		fs = p;
	}
	/* On over its continuation lines. */
	while (fe + 2 < n && (w[fe + 2] == ' ' || w[fe + 2] == '\t')) {
		const char *cr = memchr(w + fe + 2, '\r', n - fe - 2);

		if (cr == NULL)
			break;
		fe = (size_t)(cr - w);
	}
	if (header_field_name_len(w + fs, fe - fs) == 0)
		return false;	/* body text */
	colon = (size_t)((const char *)memchr(w + fs, ':', fe - fs) - w);
	buf_init(&name);
	buf_init(&value);
	for (size_t i = fs; i < colon && w[i] != ' ' && w[i] != '\t'; i++)
		buf_addc(&name, w[i]);
	for (size_t i = colon + 1; i < fe; i++)
		if (w[i] != '\r' && w[i] != '\n' &&
		    (value.len > 0 || (w[i] != ' ' && w[i] != '\t')))
			buf_addc(&value, w[i]);
	while (value.len > 0 && (value.data[value.len - 1] == ' ' ||
	    value.data[value.len - 1] == '\t'))
		value.len--;
	buf_addc(&value, '\0');
	seven = header_field_7bit(name.data != NULL ? name.data : "",
	    value.data);
	none = seven == NULL;
	free(seven);
	buf_free(&name);
	buf_free(&value);
	return none;
}

/* w[0..n): wire text.  head7: the header section must be 7-bit (no
 * SMTPUTF8); all7: everything must be (no 8BITMIME either).  header:
 * w starts with a header section (an empty line ends it). */
static void
wirecheck(const char *w, size_t n, bool header, bool head7, bool all7)
{
	bool in_header = header;

	for (size_t ls = 0; ls < n;) {
		const char *cr = memchr(w + ls, '\r', n - ls);
		size_t le = cr != NULL ? (size_t)(cr - w) : n;
		bool eight = false;

		if (cr == NULL || le + 1 >= n || w[le + 1] != '\n')
			abort();	/* a line not ended by CRLF */
		if (le - ls > WIRECHECK_MAX)
			abort();	/* over 998 octets */
		for (size_t i = ls; i < le; i++) {
			if (w[i] == '\n')
				abort();	/* a bare LF */
			eight |= (unsigned char)w[i] >= 0x80;
		}
		if (eight && (in_header ? head7 : all7) &&
		    !wirecheck_field_has_no_7bit_form(w, n, ls, le))
			abort();	/* 8-bit where the server takes 7-bit */
		if (le == ls)
			in_header = false;
		ls = le + 2;
	}
}

/* The wire form of m for one server (w): read whole through the wire
 * reader, in small chunks; no longer than wire_size says, and within
 * wirecheck's rules for that server.  A reader that fails is not a
 * finding (a message the wire layer refuses). */
static inline void
wirecheck_message(struct message *m, const struct wire_opts *w)
{
	struct wire_reader *r;
	struct err e = { 0 };
	struct buf out;
	char chunk[1000];
	ssize_t n;

	if (wire_reader_open(&r, m, w, &e) != 0)
		return;
	buf_init(&out);
	while ((n = wire_reader_read(r, chunk, sizeof(chunk), &e)) > 0)
		buf_add(&out, chunk, (size_t)n);
	wire_reader_close(r);
	if (n == 0) {
		if ((off_t)out.len > wire_size(m, w))
			abort();
		wirecheck(out.data, out.len, true, !w->smtputf8,
		    !w->smtputf8 && !w->eightbitmime);
	}
	buf_free(&out);
}

#endif
