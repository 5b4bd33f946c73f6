/*
 * encode.h — content and header encodings: base64 (RFC 2045 §6.8),
 * quoted-printable (RFC 2045 §6.7), encoded words (RFC 2047) and
 * parameter value continuations (RFC 2231).
 *
 * The body encoders stream: the state carries across calls, so input can
 * arrive in any chunking and the output is the same; memory never grows
 * with the data.  Output lines end in CRLF and are at most 76 characters.
 */
#ifndef POSTIE_ENCODE_H
#define POSTIE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define ENCODE_LINE_MAX 76	/* RFC 2045 §6.7 rule 5, §6.8 */
/* The longest line SMTP carries, without its CRLF (RFC 5321
 * §4.5.3.1.6): a longer line forces an encoding, wherever it is found. */
#define WIRE_LINE_MAX	998

/* base64: feed any number of bytes; call b64_finish once at the end. */
struct b64 {
	unsigned char pend[3];
	size_t	 npend;
	size_t	 col;		/* characters on the current output line */
};
void	b64_init(struct b64 *s);
void	b64_encode(struct b64 *s, const void *in, size_t len, struct buf *out);
void	b64_finish(struct b64 *s, struct buf *out);
/* Worst-case output bytes for len input bytes (for callers that size
 * their own buffers). */
size_t	b64_encoded_max(size_t len);
/* One-shot, no line breaks (SASL, RFC 4648 §4). */
char	*b64_encode_plain(const void *in, size_t len);
/* Decode plain base64 (SASL challenges); returns -1 on invalid input. */
int	b64_decode_plain(const char *in, size_t len, struct buf *out);

/* quoted-printable for text: input line ends (LF or CRLF) become CRLF
 * hard breaks; long lines get soft breaks ("=" CRLF); trailing white space
 * before a line end is encoded; '.' at line start and "From " are encoded
 * too, so the result survives any transport. */
struct qp {
	char	 line[ENCODE_LINE_MAX + 8];
	size_t	 col;
	bool	 pending_cr;
	bool	 binary;	/* CR/LF are data, not line ends: encode as =0D/=0A */
};
void	qp_init(struct qp *s, bool binary);
void	qp_encode(struct qp *s, const void *in, size_t len, struct buf *out);
void	qp_finish(struct qp *s, struct buf *out);
/* Decode (for tests and round trips). */
int	qp_decode(const char *in, size_t len, struct buf *out);

/* RFC 2047: the header text (UTF-8) as one or more encoded words when it
 * holds non-ASCII or would otherwise be unsafe; plain ASCII text comes back
 * unchanged.  Words are at most 75 characters and never split a UTF-8
 * character; folded with "\n " when longer than a line.  prefix_len is
 * the column where the text starts (after "Subject: "). */
char	*rfc2047_encode(const char *utf8, size_t prefix_len);
/* The same with every word encoded, ASCII text included: for a word too
 * long for a header line (encoded words split anywhere). */
char	*rfc2047_encode_whole(const char *utf8, size_t prefix_len);
/* Decode encoded words (for tests). Newly allocated UTF-8. */
char	*rfc2047_decode(const char *text);

/* RFC 2231: a parameter (for example filename) for a Content-Disposition
 * or Content-Type field, appended to out as "; name=..." — a quoted string
 * when ASCII, else name*0*=utf-8''... continuations (each line under 78),
 * plus a name= fallback with RFC 2047 for old readers when fallback. */
void	rfc2231_param(struct buf *out, const char *name, const char *utf8value,
	    bool fallback);

#endif
