/*
 * header7bit.h — a header field in the form a server without SMTPUTF8
 * takes: every octet below 0x80, decoding (RFC 2047, RFC 2231) to the
 * text as written.  The one place that decides how a field is made
 * 7-bit, for top-level fields (wire.c), the fields of MIME parts and
 * embedded messages (reencode.c) and values given on the command line
 * (mime.c) alike; and the one writer of a field as wire text.
 *
 * By kind of field:
 *   - unstructured (Subject, Comments, Keywords, Content-Description,
 *     X-*... see header_is_unstructured): the whole value in RFC 2047
 *     encoded words;
 *   - address lists (From, To, Cc...): each non-ASCII display name in
 *     RFC 2047 (RFC 2047 §5 rule 3), addr-specs as written;
 *   - Content-Type and Content-Disposition: each parameter whose value
 *     (quoted string or token) is 8-bit in RFC 2231 form, Content-Type's
 *     name= with an RFC 2047 fallback for older readers; ASCII parameters
 *     kept as written, one per line;
 *   - anything else (8-bit octets in a media type, a comment, a malformed
 *     or already-extended parameter, another structured field such as
 *     Content-ID, a non-ASCII addr-spec), or a result with a line over 998
 *     octets: no encoding keeps the meaning, so there is no 7-bit form.
 *
 * RFC 2047 (encoded words), RFC 2231 (parameter values), RFC 5322,
 * RFC 5321 §4.5.3.1.6 (998-octet lines) and §2.3.8 (CR only in CRLF).
 */
#ifndef POSTIE_HEADER7BIT_H
#define POSTIE_HEADER7BIT_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * The field "name: value" in 7-bit form, folded with "\n" WSP (newly
 * allocated), or NULL when it has none (see above).  value is the
 * unfolded value; an ASCII value comes back as written.
 */
char	*header_field_7bit(const char *name, const char *value);

/* An address-list value with every non-ASCII display name as RFC 2047
 * encoded words, addr-specs and ASCII names as written; folded between
 * addresses.  prefix_len: the column where the value starts.  Newly
 * allocated.  (header_field_7bit uses it for address-list fields.) */
char	*header_addresses_7bit(const char *value, size_t prefix_len);

/* The same list folded between addresses, everything else as written
 * (for a list postie rewrote: qualified names).  Newly allocated. */
char	*header_addresses_fold(const char *value, size_t prefix_len);

/* Every line of p[0..n) (lines joined by "\n") is at most 998 octets,
 * the first starting at column prefix_len. */
bool	header_lines_fit(const char *p, size_t n, size_t prefix_len);

/*
 * The value (after "name: ", folds "\n" WSP kept) with every line over
 * 998 octets folded before white space near column 78; an unstructured
 * field with a word too long for any line becomes RFC 2047 encoded words
 * (text decoding to the same value); NULL when neither makes it fit (a
 * structured field with ~1000 octets without white space).  A value that
 * fits comes back as it is.  Newly allocated.
 */
char	*header_value_fold(const char *name, const char *value);

/*
 * Append a field's text (lines joined by "\n") to b as wire lines: each
 * "\n" (or "\r\n") becomes CRLF and the field ends with CRLF.  A CR not
 * followed by LF becomes a space: a bare CR never reaches the wire
 * ("\r.\r" is the SMTP smuggling sequence).
 */
void	header_put_wire(struct buf *b, const char *p, size_t n);

#endif
