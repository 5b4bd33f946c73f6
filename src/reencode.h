/*
 * reencode.h — per-part re-encoding of a MIME body that postie did not
 * compose (design §3): a streaming walk of the MIME tree that makes every
 * leaf part fit a server that refuses lines over 998 octets (RFC 5321
 * §4.5.3.1.6) or 8-bit data (no 8BITMIME, RFC 6152), part by part, so that
 * every part still decodes to the same content.
 *
 * Two passes over the body, which sits in a spool file:
 *   1. scan: the facts of every part (8-bit octets, longest line, and for
 *      a multipart whether its boundary ever opens a part) go into a small
 *      table, at most REENCODE_PARTS_MAX entries; the pass also yields an
 *      upper bound of the output size (for SIZE=);
 *   2. feed: the body again, in any chunking; each part is decided from
 *      its facts before its first byte goes out.
 * Memory holds the table, one part header section (bounded by
 * HEADER_SECTION_MAX), the start of one line (a possible boundary line)
 * and the encoders' few bytes of state: never a whole part or body.
 *
 * What a leaf part that needs it becomes (one that does not goes out as
 * it came, with CRLF line ends):
 *   - no transfer encoding, 7bit, 8bit or binary: quoted-printable when
 *     text (text/..., or untyped: text/plain), else base64 of its
 *     content with CRLF line ends; its Content-Transfer-Encoding field is
 *     rewritten;
 *   - quoted-printable: soft line breaks ("=" CRLF) are inserted and 8-bit
 *     octets written "=XX", which leaves the decoded content unchanged;
 *   - base64: re-wrapped at 76 characters (characters outside the base64
 *     alphabet, which decoders ignore, are dropped);
 *   - an unknown transfer encoding is application/octet-stream (RFC 2045
 *     §6.4): base64 of its bytes as they are.
 * message/rfc822 (and the untyped parts of multipart/digest) is walked
 * into: the embedded message's header section is kept and its body is
 * treated like a top-level body, since RFC 2046 §5.2.1 allows no encoding
 * on message/rfc822 itself.  A multipart whose boundary never opens a
 * part is, for readers (and Python's email package), one text: it is
 * re-encoded as quoted-printable text.  Preamble and epilogue text that
 * needs it is quoted-printable in place (readers ignore it; no byte is
 * lost).  Beyond REENCODE_PARTS_MAX parts, every further part is treated
 * as needing re-encoding.
 *
 * Part header sections (of parts and of embedded messages) keep their
 * fields as written, except that without SMTPUTF8 (the default, see
 * reencode_set_smtputf8) a field holding 8-bit octets is made 7-bit
 * (design §3), so that a server without 8BITMIME never sees them:
 *   - unstructured fields (Subject, Comments, Keywords,
 *     Content-Description, Thread-Topic, Organization, X-*): the whole
 *     value in RFC 2047 encoded words;
 *   - address lists (From, To, Cc...) in embedded messages: display names
 *     in RFC 2047 (header7bit.h);
 *   - Content-Type and Content-Disposition: each parameter whose value
 *     (quoted string or token) is 8-bit is written in RFC 2231 form,
 *     Content-Type's name= with an RFC 2047 fallback as composed parts
 *     have it; ASCII parameters are kept as written, one per line;
 *   - anything else (8-bit octets in a media type, a comment, a malformed
 *     or already-extended parameter, another structured field such as
 *     Content-ID, a non-ASCII addr-spec, or a rewrite with a line over
 *     998 octets): RFC 2047 over a structured value would change its
 *     meaning, so the field is sent as it is and reencode_headers_8bit
 *     says so.
 * Bytes that are not UTF-8 are labelled UTF-8 all the same (the octets
 * survive in the encoding).  A part header line over 998 octets is taken
 * as the first body line.  Boundaries are recognised as Python's
 * email package does ("--" boundary ["--"] [WSP...] line end); boundary
 * parameters over REENCODE_BOUNDARY_MAX characters make their multipart a
 * single text part.  Line ends in the input may be LF, CRLF or bare CR;
 * the output uses CRLF and is not dot-stuffed.
 *
 * RFC 2045 (transfer encodings), RFC 2046 §5.1 (multipart, boundaries),
 * §5.2.1 (message/rfc822).
 */
#ifndef POSTIE_REENCODE_H
#define POSTIE_REENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "header.h"
#include "util.h"

#define REENCODE_PARTS_MAX	1000	/* parts whose facts are kept */
#define REENCODE_DEPTH_MAX	32	/* nested multiparts walked into */
/* RFC 2046 §5.1.1 says 70; some mailers write longer ones. */
#define REENCODE_BOUNDARY_MAX	200

struct reencode;

/*
 * A re-encoder for a body whose top-level Content-Type and
 * Content-Transfer-Encoding values are content_type and cte (NULL when
 * absent); eightbit_ok: the server takes 8-bit data (8BITMIME), so only
 * long lines make a part change.  Free with reencode_free.
 */
struct reencode *reencode_new(const char *content_type, const char *cte,
	    bool eightbit_ok);
/* The same, from a header section (Content-Type and
 * Content-Transfer-Encoding are read from h). */
struct reencode *reencode_new_headers(const struct header_list *h,
	    bool eightbit_ok);
void	reencode_free(struct reencode *re);

/* A body (top-level or a part) with this Content-Type and
 * Content-Transfer-Encoding (NULL when absent) is one text leaf: when it
 * must change it becomes quoted-printable, as the re-encoder makes it.
 * False for anything else (another leaf goes base64 or is re-wrapped; a
 * multipart or message/rfc822 is walked into). */
bool	reencode_is_text_leaf(const char *content_type, const char *cte);

/* Pass 1: the whole body in any chunking, then reencode_scan_end once. */
void	reencode_scan(struct reencode *re, const void *p, size_t n);
void	reencode_scan_end(struct reencode *re);
/* Pass 1 over len bytes of a file from offset off (read with pread, the
 * file offset is left alone; a file that ends sooner ends the body).
 * Errors: EX_IOERR. */
int	reencode_scan_fd(struct reencode *re, int fd, off_t off, off_t len,
	    struct err *e);

/* After pass 1: the transfer encoding the top-level header must now say
 * ("quoted-printable" or "base64"; static), or NULL when it stays. */
const char *reencode_root_cte(const struct reencode *re);
/* After pass 1: an upper bound of the bytes pass 2 appends (the body
 * only, not the top-level header section). */
off_t	reencode_size_bound(const struct reencode *re);
/* After pass 1: pass 2 sends 8-bit octets in a part header section: with
 * SMTPUTF8 any field that holds them, without only the fields no encoding
 * applies to (see above). */
bool	reencode_headers_8bit(const struct reencode *re);
/* After pass 1: how many entities (the body itself, every part, every
 * embedded message) the walk met. */
size_t	reencode_parts(const struct reencode *re);

/* After pass 1: pass 2 starts (again) from the start of the body, for a
 * server that takes 8-bit data (eightbit_ok) or not; reencode_root_cte and
 * reencode_size_bound then answer for that server.  Pass 1's facts do not
 * depend on it, so a body sent several times, or to several servers, is
 * scanned once (compose mode's -t -a keeps one re-encoder per message). */
void	reencode_restart(struct reencode *re, bool eightbit_ok);

/* The transaction is SMTPUTF8 (RFC 6531, RFC 6532 §3.5): 8-bit part
 * header fields go out as they are.  Default false: they are made 7-bit.
 * May be set at any time before pass 2 (a reencode_restart keeps it);
 * pass 1's facts and reencode_size_bound hold for either. */
void	reencode_set_smtputf8(struct reencode *re, bool smtputf8);

/* Pass 2: the same body in any chunking; the wire form is appended to
 * out (the caller may empty out between calls).  reencode_finish once at
 * the end: the output then ends with CRLF (unless it is empty). */
void	reencode_feed(struct reencode *re, const void *p, size_t n,
	    struct buf *out);
void	reencode_finish(struct reencode *re, struct buf *out);

#endif
