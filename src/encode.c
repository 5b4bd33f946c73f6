/*
 * encode.c — base64, quoted-printable, RFC 2047 encoded words and RFC 2231
 * parameter continuations.
 *
 * RFC 2045 §6.7 (quoted-printable), §6.8 (base64); RFC 4648 §4 (base64
 * alphabet, plain form for SASL); RFC 2047 (encoded words in headers);
 * RFC 2231 §3, §4 (parameter value continuations and charsets).
 *
 * The body encoders keep only a few bytes of state (a partial base64 group,
 * the current quoted-printable line), so output never depends on how the
 * input was chunked and memory never grows with the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

/* Header lines are folded so that, with CRLF, they stay under 78
 * characters (RFC 5322 §2.1.1). */
#define HEADER_LINE_SOFT	76
#define EW_MAX			75	/* RFC 2047 §2: encoded-word length */
#define EW_OVERHEAD		12	/* "=?UTF-8?Q?" + "?=" */
#define EW_MIN_PAYLOAD		16	/* fold rather than write a tiny word */

static const char b64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hexdig[17] = "0123456789ABCDEF";

/* ------------------------------------------------------------------ */
/* base64                                                              */
/* ------------------------------------------------------------------ */

#define B64_LINE_IN	57	/* input bytes per 76-character line */
#define B64_CHUNK_LINES	64	/* lines encoded on the stack per buf_add */

static inline void
b64_quad(const unsigned char *p, char *o)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	o[0] = b64_alphabet[v >> 18];
	o[1] = b64_alphabet[(v >> 12) & 63];
	o[2] = b64_alphabet[(v >> 6) & 63];
	o[3] = b64_alphabet[v & 63];
}

void
b64_init(struct b64 *s)
{
	memset(s, 0, sizeof(*s));
}

/* The aligned case: whole 57-byte groups at the start of a line become
 * whole 76-character lines, a chunk of lines per buf_add.  Returns the
 * bytes consumed (a multiple of 57). */
static size_t
b64_lines(const unsigned char *p, size_t len, struct buf *out)
{
	char chunk[B64_CHUNK_LINES * (ENCODE_LINE_MAX + 2)];
	size_t done = 0;

	while (len - done >= B64_LINE_IN) {
		char *o = chunk;
		size_t lines = (len - done) / B64_LINE_IN;

		if (lines > B64_CHUNK_LINES)
			lines = B64_CHUNK_LINES;
		for (size_t l = 0; l < lines; l++) {
			const unsigned char *q = p + done + l * B64_LINE_IN;

			for (size_t g = 0; g < B64_LINE_IN / 3; g++)
				b64_quad(q + 3 * g, o + 4 * g);
			o += ENCODE_LINE_MAX;
			*o++ = '\r';
			*o++ = '\n';
		}
		buf_add(out, chunk, (size_t)(o - chunk));
		done += lines * B64_LINE_IN;
	}
	return done;
}

/* Emit one 4-character group and break the line when it is full. */
static void
b64_group(struct b64 *s, const unsigned char *p, struct buf *out)
{
	char o[6];
	size_t n = 4;

	b64_quad(p, o);
	s->col += 4;
	if (s->col >= ENCODE_LINE_MAX) {
		o[4] = '\r';
		o[5] = '\n';
		n = 6;
		s->col = 0;
	}
	buf_add(out, o, n);
}

void
b64_encode(struct b64 *s, const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;

	/* Complete a group left over from the previous call. */
	while (s->npend > 0 && len > 0) {
		s->pend[s->npend++] = *p++;
		len--;
		if (s->npend == 3) {
			b64_group(s, s->pend, out);
			s->npend = 0;
		}
	}
	if (s->npend > 0)
		return;		/* all of the input went into the group */
	/* Finish the current line group by group, then go line by line. */
	while (s->col != 0 && len >= 3) {
		b64_group(s, p, out);
		p += 3;
		len -= 3;
	}
	if (s->col == 0) {
		size_t done = b64_lines(p, len, out);

		p += done;
		len -= done;
	}
	while (len >= 3) {
		b64_group(s, p, out);
		p += 3;
		len -= 3;
	}
	if (len > 0)
		memcpy(s->pend, p, len);
	s->npend = len;
}

void
b64_finish(struct b64 *s, struct buf *out)
{
	char o[4];

	if (s->npend > 0) {
		unsigned char g[3] = { 0, 0, 0 };

		memcpy(g, s->pend, s->npend);
		b64_quad(g, o);
		o[3] = '=';
		if (s->npend == 1)
			o[2] = '=';
		buf_add(out, o, 4);
		s->col += 4;
		s->npend = 0;
	}
	if (s->col > 0)
		buf_add(out, "\r\n", 2);
	s->col = 0;
}

size_t
b64_encoded_max(size_t len)
{
	/* Two bytes may be pending from an earlier call: one more group. */
	size_t chars = (len / 3 + 2) * 4;

	return chars + (chars / ENCODE_LINE_MAX + 1) * 2;
}

char *
b64_encode_plain(const void *in, size_t len)
{
	const unsigned char *p = in;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;

	for (; len >= 3; len -= 3, p += 3, o += 4)
		b64_quad(p, o);
	if (len > 0) {
		unsigned char g[3] = { 0, 0, 0 };

		memcpy(g, p, len);
		b64_quad(g, o);
		o[3] = '=';
		if (len == 1)
			o[2] = '=';
		o += 4;
	}
	*o = '\0';
	return out;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 §4: whole groups, '=' padding only at the very end. */
int
b64_decode_plain(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], npad = 0;
		unsigned char o[3];

		for (int k = 0; k < 4; k++) {
			if (p[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				npad++;
				continue;
			}
			if (npad > 0 || (v[k] = b64_value(p[i + k])) < 0)
				return -1;
		}
		o[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		o[1] = (unsigned char)(v[1] << 4 | v[2] >> 2);
		o[2] = (unsigned char)(v[2] << 6 | v[3]);
		buf_add(out, o, (size_t)(3 - npad));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* quoted-printable                                                    */
/* ------------------------------------------------------------------ */

/* s->line holds the output line being built, so that a soft break or the
 * encoding of trailing white space can still be decided when the next
 * byte arrives.  Every '=' in it starts a three-character "=XX" token. */

void
qp_init(struct qp *s, bool binary)
{
	memset(s, 0, sizeof(*s));
	s->binary = binary;
}

static bool
qp_literal(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
}

static size_t
qp_last_token_len(const struct qp *s)
{
	return s->col >= 3 && s->line[s->col - 3] == '=' ? 3 : 1;
}

/* Write the first n characters of the line followed by end; keep the rest. */
static void
qp_emit(struct qp *s, struct buf *out, size_t n, const char *end,
    size_t endlen)
{
	buf_add(out, s->line, n);
	buf_add(out, end, endlen);
	memmove(s->line, s->line + n, s->col - n);
	s->col -= n;
}

/* Rewrite the single literal character at the start of the line as =XX. */
static void
qp_encode_first(struct qp *s)
{
	unsigned char c = (unsigned char)s->line[0];

	memmove(s->line + 3, s->line + 1, s->col - 1);
	s->line[0] = '=';
	s->line[1] = hexdig[c >> 4];
	s->line[2] = hexdig[c & 15];
	s->col += 2;
}

/* A soft break ("=" CRLF); the "=" needs a column, so a line of 76 moves
 * its last token to the next line. */
static void
qp_soft_break(struct qp *s, struct buf *out)
{
	size_t split = s->col;

	if (split > ENCODE_LINE_MAX - 1)
		split -= qp_last_token_len(s);
	qp_emit(s, out, split, "=\r\n", 3);
	if (s->col > 0 && s->line[0] == '.')
		qp_encode_first(s);
}

static void
qp_put(struct qp *s, struct buf *out, const char *tok, size_t n)
{
	if (s->col + n > ENCODE_LINE_MAX)
		qp_soft_break(s, out);
	memcpy(s->line + s->col, tok, n);
	s->col += n;
}

static void
qp_put_encoded(struct qp *s, struct buf *out, unsigned char c)
{
	char tok[3] = { '=', hexdig[c >> 4], hexdig[c & 15] };

	qp_put(s, out, tok, 3);
}

static void
qp_put_byte(struct qp *s, struct buf *out, unsigned char c)
{
	char ch = (char)c;

	/* '.' opening a line could end an SMTP DATA; "From " opening a line
	 * gets mangled by mbox writers. */
	if (!qp_literal(c) || (c == '.' && s->col == 0)) {
		qp_put_encoded(s, out, c);
		return;
	}
	if (c == ' ' && s->col == 4 && memcmp(s->line, "From", 4) == 0)
		qp_encode_first(s);
	qp_put(s, out, &ch, 1);
}

/* A line end of the input: white space before it would be stripped in
 * transit (RFC 2045 §6.7 rule 3), so it is encoded. */
static void
qp_hard_break(struct qp *s, struct buf *out)
{
	if (s->col > 0 && (s->line[s->col - 1] == ' ' ||
	    s->line[s->col - 1] == '\t')) {
		s->col--;
		qp_put_encoded(s, out, (unsigned char)s->line[s->col]);
	}
	qp_emit(s, out, s->col, "\r\n", 2);
}

void
qp_encode(struct qp *s, const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (s->binary) {
			qp_put_byte(s, out, c);
			continue;
		}
		if (s->pending_cr) {
			s->pending_cr = false;
			if (c == '\n') {
				qp_hard_break(s, out);
				continue;
			}
			qp_put_encoded(s, out, '\r');	/* a lone CR is data */
		}
		if (c == '\r')
			s->pending_cr = true;
		else if (c == '\n')
			qp_hard_break(s, out);
		else
			qp_put_byte(s, out, c);
	}
}

/* Data that does not end in a line end ends in a soft break: every output
 * line still ends in CRLF and the decoded data is exactly the input. */
void
qp_finish(struct qp *s, struct buf *out)
{
	if (s->pending_cr) {
		s->pending_cr = false;
		qp_put_encoded(s, out, '\r');
	}
	while (s->col > 0)
		qp_soft_break(s, out);
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Drop white space a transport may have added at a line end (RFC 2045
 * §6.7 rule 3): keep is the length up to the last byte that is data. */
static void
qp_trim(struct buf *out, size_t keep)
{
	if (out->len > keep) {
		out->len = keep;
		out->data[keep] = '\0';
	}
}

/* After an '=' that is not "=XX": optional white space, then a line end or
 * the end of the data.  Returns the index after it, or 0 when invalid. */
static size_t
qp_soft_break_end(const char *in, size_t len, size_t j)
{
	while (j < len && (in[j] == ' ' || in[j] == '\t'))
		j++;
	if (j == len)
		return j;
	if (in[j] == '\n')
		return j + 1;
	if (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')
		return j + 2;
	return 0;
}

int
qp_decode(const char *in, size_t len, struct buf *out)
{
	size_t i = 0, keep = out->len;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		size_t eol = c == '\n' ? 1 :
		    c == '\r' && i + 1 < len && in[i + 1] == '\n' ? 2 : 0;

		if (c == '=') {
			int hi = i + 2 < len ? hex_value((unsigned char)in[i + 1]) : -1;
			int lo = i + 2 < len ? hex_value((unsigned char)in[i + 2]) : -1;

			if (hi >= 0 && lo >= 0) {
				buf_addc(out, (char)(hi << 4 | lo));
				i += 3;
			} else if ((i = qp_soft_break_end(in, len, i + 1)) == 0)
				return -1;
			keep = out->len;
			continue;
		}
		if (eol > 0) {
			qp_trim(out, keep);
			buf_add(out, in + i, eol);
			i += eol;
			keep = out->len;
			continue;
		}
		buf_addc(out, (char)c);
		if (c != ' ' && c != '\t')
			keep = out->len;
		i++;
	}
	qp_trim(out, keep);
	return 0;
}

/* ------------------------------------------------------------------ */
/* RFC 2047 encoded words                                              */
/* ------------------------------------------------------------------ */

/* Length of the UTF-8 character at p (at most n bytes); a byte that does
 * not start a well-formed character counts as a character of its own. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 1;
	if (len > n)
		return 1;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return len;
}

/* RFC 2047 §5 rule 3: the characters a Q word may carry as they are in
 * any header context, a display name included. */
static bool
q_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

static size_t
q_cost(const unsigned char *p, size_t n)
{
	size_t cost = 0;

	for (size_t i = 0; i < n; i++)
		cost += q_safe(p[i]) || p[i] == ' ' ? 1 : 3;
	return cost;
}

/* Q keeps mostly-ASCII text readable; B is shorter for the rest. */
static bool
mostly_ascii(const unsigned char *p, size_t n)
{
	size_t ascii = 0, other = 0;

	for (size_t i = 0; i < n; i += utf8_len(p + i, n - i)) {
		if (p[i] < 0x80)
			ascii++;
		else
			other++;
	}
	return ascii > other;
}

/* A folded header being written; col is the current output column. */
struct fold {
	struct buf out;
	size_t	col;
	size_t	max;		/* fold before a line would pass this */
};

static void
fold_add(struct fold *f, const char *ws, size_t wslen, const char *tok,
    size_t toklen)
{
	if (wslen > 0 && f->col + wslen + toklen > f->max) {
		buf_addc(&f->out, '\n');
		f->col = 0;
	}
	buf_add(&f->out, ws, wslen);
	buf_add(&f->out, tok, toklen);
	f->col += wslen + toklen;
}

/* Append as many whole characters of p[0..n) as fit in payload characters
 * of one Q or B word to w; returns the bytes consumed (at least one
 * character, so that the writer always moves on). */
static size_t
ew_fill(struct buf *w, const unsigned char *p, size_t n, bool q,
    size_t payload)
{
	size_t used = 0, cost = 0;

	while (used < n) {
		size_t k = utf8_len(p + used, n - used);
		size_t c = q ? cost + q_cost(p + used, k) :
		    (used + k + 2) / 3 * 4;

		if (c > payload && used > 0)
			break;
		cost = c;
		used += k;
	}
	buf_adds(w, q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
	if (q) {
		for (size_t i = 0; i < used; i++) {
			if (p[i] == ' ')
				buf_addc(w, '_');
			else if (q_safe(p[i]))
				buf_addc(w, (char)p[i]);
			else
				buf_printf(w, "=%c%c", hexdig[p[i] >> 4],
				    hexdig[p[i] & 15]);
		}
	} else {
		char *b = b64_encode_plain(p, used);

		buf_adds(w, b);
		free(b);
	}
	buf_adds(w, "?=");
	return used;
}

/* Encode p[0..n) as a run of encoded words, the first preceded by ws. */
static void
ew_span(struct fold *f, const char *ws, size_t wslen,
    const unsigned char *p, size_t n)
{
	bool q = mostly_ascii(p, n);
	struct buf w;

	buf_init(&w);
	while (n > 0) {
		size_t avail = f->max > f->col + wslen ?
		    f->max - f->col - wslen : 0;
		size_t used;

		if (wslen > 0 && avail < EW_OVERHEAD + EW_MIN_PAYLOAD) {
			buf_addc(&f->out, '\n');
			f->col = 0;
			avail = f->max - wslen;
		}
		if (avail > EW_MAX)
			avail = EW_MAX;
		avail = avail > EW_OVERHEAD ? avail - EW_OVERHEAD : 0;
		buf_reset(&w);
		used = ew_fill(&w, p, n, q, avail);
		buf_add(&f->out, ws, wslen);
		buf_add(&f->out, w.data, w.len);
		f->col += wslen + w.len;
		p += used;
		n -= used;
		ws = " ";	/* whitespace between words is not data */
		wslen = 1;
	}
	buf_free(&w);
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* A word that cannot appear as it is: 8-bit, a control character, or
 * something a reader would take for an encoded word. */
static bool
word_unsafe(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		if (c >= 0x7f || c < 0x20)
			return true;
		if (c == '=' && i + 1 < n && w[i + 1] == '?')
			return true;
	}
	return false;
}

/* Write text[0..n) word by word as it is, folding at white space.
 * Returns the length of trailing white space left unwritten. */
static size_t
plain_words(struct fold *f, const char *text, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t ws = i, w;

		while (i < n && is_wsp(text[i]))
			i++;
		if (i == n)
			return n - ws;
		w = i;
		while (i < n && !is_wsp(text[i]))
			i++;
		fold_add(f, text + ws, w - ws, text + w, i - w);
	}
	return 0;
}

/* Encode text: the words from the first unsafe one to the last unsafe
 * one become encoded words (everything when whole); the others stay
 * readable. */
static char *
rfc2047_fold(const char *text, size_t prefix_len, size_t max, bool whole)
{
	size_t n = strlen(text), a = n, b = 0, tail;
	struct fold f = { .col = prefix_len, .max = max };

	for (size_t i = 0; i < n;) {
		size_t w;

		while (i < n && is_wsp(text[i]))
			i++;
		for (w = i; i < n && !is_wsp(text[i]); i++)
			;
		if (i > w && (whole || word_unsafe(text + w, i - w))) {
			if (a == n)
				a = w;
			b = i;
		}
	}
	if (a == n)
		return xstrdup(text);
	buf_init(&f.out);
	tail = plain_words(&f, text, a);
	ew_span(&f, text + a - tail, tail, (const unsigned char *)text + a,
	    b - a);
	tail = plain_words(&f, text + b, n - b);
	buf_add(&f.out, text + n - tail, tail);
	return buf_steal(&f.out);
}

char *
rfc2047_encode(const char *utf8, size_t prefix_len)
{
	return rfc2047_fold(utf8, prefix_len, HEADER_LINE_SOFT, false);
}

char *
rfc2047_encode_whole(const char *utf8, size_t prefix_len)
{
	return rfc2047_fold(utf8, prefix_len, HEADER_LINE_SOFT, true);
}

enum ew_charset { CS_UTF8, CS_LATIN1, CS_OTHER };

/* Charsets decoded here: UTF-8 and its subset US-ASCII as they are,
 * ISO-8859-1 converted; any other only when its bytes are ASCII. */
static enum ew_charset
ew_charset(const char *cs, size_t n)
{
	const char *star = memchr(cs, '*', n);	/* RFC 2231 §5 language */

	if (star != NULL)
		n = (size_t)(star - cs);
	if ((n == 5 && ascii_eqn_ci(cs, "utf-8", 5)) ||
	    (n == 8 && ascii_eqn_ci(cs, "us-ascii", 8)))
		return CS_UTF8;
	if (n == 10 && ascii_eqn_ci(cs, "iso-8859-1", 10))
		return CS_LATIN1;
	return CS_OTHER;
}

static int
ew_payload(char enc, const char *p, size_t n, struct buf *w)
{
	if (enc == 'B' || enc == 'b')
		return b64_decode_plain(p, n, w);
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (p[i] == '_') {
			buf_addc(w, ' ');
		} else if (p[i] != '=') {
			buf_addc(w, p[i]);
		} else if (i + 2 < n &&
		    (hi = hex_value((unsigned char)p[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)p[i + 2])) >= 0) {
			buf_addc(w, (char)(hi << 4 | lo));
			i += 2;
		} else
			return -1;
	}
	return 0;
}

/* Convert w (decoded bytes in charset cs) to UTF-8 in out. */
static int
ew_to_utf8(enum ew_charset cs, const struct buf *w, struct buf *out)
{
	for (size_t i = 0; i < w->len; i++) {
		unsigned char c = (unsigned char)w->data[i];

		if (c < 0x80 || cs == CS_UTF8) {
			buf_addc(out, (char)c);
		} else if (cs == CS_LATIN1) {
			buf_addc(out, (char)(0xc0 | c >> 6));
			buf_addc(out, (char)(0x80 | (c & 0x3f)));
		} else
			return -1;
	}
	return 0;
}

/* Decode the encoded word at p ("=?cs?E?text?=") into out; returns its
 * length, or 0 when p does not hold one that can be decoded. */
static size_t
ew_decode(const char *p, size_t n, struct buf *out)
{
	size_t i = 2, cs, pay;
	struct buf w;
	int rc;

	for (cs = i; i < n && p[i] != '?'; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	if (i == cs || i + 3 > n || p[i + 2] != '?' || (p[i + 1] != 'B' &&
	    p[i + 1] != 'b' && p[i + 1] != 'Q' && p[i + 1] != 'q'))
		return 0;
	for (pay = i + 3, i = pay; i + 1 < n; i++) {
		if (p[i] == '?' && p[i + 1] == '=')
			break;
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	}
	if (i + 1 >= n)
		return 0;
	buf_init(&w);
	rc = ew_payload(p[pay - 2], p + pay, i - pay, &w);
	if (rc == 0)
		rc = ew_to_utf8(ew_charset(p + cs, pay - 3 - cs), &w, out);
	buf_free(&w);
	return rc == 0 ? i + 2 : 0;
}

/* Remove folding: a line end followed by white space (RFC 5322 §2.2.3). */
static void
unfold(const char *text, struct buf *out)
{
	for (size_t i = 0; text[i] != '\0'; i++) {
		size_t eol = text[i] == '\n' ? 1 :
		    text[i] == '\r' && text[i + 1] == '\n' ? 2 : 0;

		if (eol > 0 && is_wsp(text[i + eol])) {
			i += eol - 1;
			continue;
		}
		buf_addc(out, text[i]);
	}
}

char *
rfc2047_decode(const char *text)
{
	struct buf u, out, w;
	size_t mark = 0;
	bool after_word = false;

	buf_init(&u);
	buf_init(&out);
	buf_init(&w);
	unfold(text, &u);
	for (size_t i = 0; i < u.len;) {
		size_t used = 0;

		buf_reset(&w);
		if (u.data[i] == '=' && i + 1 < u.len && u.data[i + 1] == '?')
			used = ew_decode(u.data + i, u.len - i, &w);
		if (used > 0) {
			/* White space between encoded words is not text
			 * (RFC 2047 §6.2). */
			if (after_word)
				out.len = mark;
			buf_add(&out, w.data, w.len);
			mark = out.len;
			after_word = true;
			i += used;
			continue;
		}
		if (!is_wsp(u.data[i]))
			after_word = false;
		buf_addc(&out, u.data[i++]);
	}
	buf_free(&u);
	buf_free(&w);
	return buf_steal(&out);
}

/* ------------------------------------------------------------------ */
/* RFC 2231 parameters                                                 */
/* ------------------------------------------------------------------ */

/* RFC 2231 §7 attribute-char: what an extended value carries as it is. */
static bool
attr_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

static bool
quotable(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return false;
	return true;
}

/* Write the unit of value at p: a whole UTF-8 character percent-encoded
 * (extended), or one character, escaped inside a quoted string.  Returns
 * the bytes of input used; *olen gets the output length (at most 12). */
static size_t
param_unit(const unsigned char *p, size_t n, bool extended, char *o,
    size_t *olen)
{
	size_t k = extended ? utf8_len(p, n) : 1;

	*olen = 0;
	for (size_t i = 0; i < k; i++) {
		if (!extended && (p[i] == '"' || p[i] == '\\'))
			o[(*olen)++] = '\\';
		if (!extended || attr_char(p[i])) {
			o[(*olen)++] = (char)p[i];
			continue;
		}
		o[(*olen)++] = '%';
		o[(*olen)++] = hexdig[p[i] >> 4];
		o[(*olen)++] = hexdig[p[i] & 15];
	}
	return k;
}

static size_t
param_len(const unsigned char *p, size_t n, bool extended)
{
	size_t total = 0, olen;
	char o[12];

	for (size_t i = 0; i < n; total += olen)
		i += param_unit(p + i, n - i, extended, o, &olen);
	return total;
}

/* One section line: ";\n name*N*=..." (N omitted when only one). */
static size_t
param_section(struct buf *out, const char *name, int sec,
    const unsigned char *p, size_t n, bool extended)
{
	size_t start = out->len, used = 0, olen;
	char o[12];

	buf_printf(out, ";\n %s", name);
	if (sec >= 0)
		buf_printf(out, "*%d", sec);
	buf_adds(out, extended ? "*=" : "=");
	if (extended && sec <= 0)
		buf_adds(out, "utf-8''");
	if (!extended)
		buf_addc(out, '"');
	while (used < n) {
		size_t k = param_unit(p + used, n - used, extended, o, &olen);

		/* The line starts after ";\n"; keep room for '"' and ';'. */
		size_t col = out->len - start - 2;

		if (used > 0 && col + olen + (extended ? 1 : 2) >
		    HEADER_LINE_SOFT)
			break;
		buf_add(out, o, olen);
		used += k;
	}
	if (!extended)
		buf_addc(out, '"');
	return used;
}

/* The RFC 2047 form for readers that do not know RFC 2231: not allowed
 * inside a quoted string by RFC 2047 §5, yet what those readers expect. */
static void
param_fallback(struct buf *out, const char *name, const char *utf8value)
{
	char *ew = rfc2047_fold(utf8value, strlen(name) + 3,
	    HEADER_LINE_SOFT - 2, true);

	buf_printf(out, ";\n %s=\"%s\"", name, ew);
	free(ew);
}

void
rfc2231_param(struct buf *out, const char *name, const char *utf8value,
    bool fallback)
{
	const unsigned char *v = (const unsigned char *)utf8value;
	size_t n = strlen(utf8value);
	bool extended = !quotable(utf8value);
	/* " name*=utf-8''" or " name=\"\"", and the ';' that may follow */
	size_t fixed = 1 + strlen(name) + (extended ? 9 : 3) + 1;
	bool single = fixed + param_len(v, n, extended) <= HEADER_LINE_SOFT;

	/* A short ASCII value is a plain quoted string every reader knows. */
	if (fallback && (extended || !single))
		param_fallback(out, name, utf8value);
	if (single) {
		param_section(out, name, -1, v, n, extended);
		return;
	}
	for (int sec = 0; n > 0; sec++) {
		size_t used = param_section(out, name, sec, v, n, extended);

		v += used;
		n -= used;
	}
}
