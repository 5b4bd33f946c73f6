/*
 * wire.c — the wire form of a message for one server (see wire.h).
 *
 * A reader that the SMTP layer pulls from: the header section (made
 * 7-bit by header7bit.c where the server needs it) is built once per
 * reader, then the body is converted chunk by chunk (CRLF line ends, or
 * quoted-printable when the server cannot take it as is; a MIME body is
 * re-encoded part by part by reencode.c; a composed body comes from
 * mime.c's generator).
 *
 * RFC 5321 §4.5.3.1.6 (998-octet lines), RFC 2045 (MIME headers,
 * quoted-printable), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8).
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "encode.h"
#include "header7bit.h"
#include "mime.h"
#include "progress.h"
#include "reencode.h"
#include "spool.h"
#include "wire.h"

#define WRITE_BLOCK	(256 * 1024)	/* wire_write: few large writes */
#define WIRE_CHUNK	(16 * 1024)	/* spool read size for the wire form */

enum body_mode {
	BODY_CRLF,	/* as read, line ends made CRLF */
	BODY_QP,	/* single text part re-encoded quoted-printable */
	BODY_PARTS,	/* MIME structure or an encoding (multipart, message/,
			 * base64...): part by part, by reencode.c */
	BODY_MIME,	/* composed: the body comes from m->mime */
};

/* wire.h's memo, one per message: see "One scan" there. */
struct wire_cache {
	struct reencode *re;	/* BODY_PARTS: pass 1 done; NULL: not yet */
	int	 readers;	/* open readers streaming through re */
	unsigned scans;		/* passes over the body (wire_scans) */
	size_t	 hdr_n, hdr_bytes;	/* the header section it is for */
	bool	 have_size[4];	/* by opts_index */
	off_t	 size[4];
};

struct wire_reader {
	struct message *m;
	struct wire_opts w;
	enum body_mode mode;
	struct buf out;		/* bytes ready for the caller */
	size_t	 out_off;
	off_t	 pos;		/* next body_fd offset */
	off_t	 end;		/* where the body ends in body_fd */
	bool	 eof;
	bool	 prev_cr;
	bool	 at_bol;	/* the last byte sent ended a line */
	size_t	 col;
	struct qp qp;
	struct reencode *re;	/* BODY_PARTS: the message's, or own_re */
	bool	 own_re;	/* re is this reader's (freed at close) */
	struct progress progress;	/* design §1, when m->progress_fd >= 0 */
	char	 in[WIRE_CHUNK];
};

/* The same rule as inside a part (reencode_is_text_leaf): a text body
 * goes quoted-printable, any other body part by part, so that
 * application/octet-stream is base64 at the top level as in a part. */
static enum body_mode
body_mode(const struct message *m, const struct wire_opts *w)
{
	const struct header_list *h = &m->headers;
	long ct = header_find(h, "Content-Type", 0);
	long cte = header_find(h, "Content-Transfer-Encoding", 0);
	char *type, *enc;
	bool text;

	if (m->mime != NULL)
		return BODY_MIME;
	if (!wire_needs_reencode(m, w))
		return BODY_CRLF;
	type = ct >= 0 ? header_value(h, (size_t)ct) : NULL;
	enc = cte >= 0 ? header_value(h, (size_t)cte) : NULL;
	text = reencode_is_text_leaf(type, enc);
	free(type);
	free(enc);
	return text ? BODY_QP : BODY_PARTS;
}

bool
wire_needs_reencode(const struct message *m, const struct wire_opts *w)
{
	if (m->mime != NULL)
		return false;	/* composed: encoded as it is generated */
	if (!m->composed && m->body_longest_line > WIRE_LINE_MAX)
		return true;
	return m->body_8bit && !w->eightbitmime;
}

bool
wire_is_8bit(const struct message *m, const struct wire_opts *w)
{
	if (m->mime != NULL)
		return w->eightbitmime && mime_is_8bit(m->mime);
	return m->body_8bit && w->eightbitmime && body_mode(m, w) != BODY_QP;
}

/* A top-level field for this server: made 7-bit (header7bit.h) unless
 * the transaction is SMTPUTF8; as written when it has no 7-bit form (a
 * non-ASCII addr-spec, which delivery.c refuses before this point
 * without SMTPUTF8, or a structured field no encoding applies to). */
static void
add_wire_field(struct buf *b, const struct header_list *h, size_t i,
    const struct wire_opts *w)
{
	const struct header *f = &h->v[i];
	char *v, *seven;

	if (w->smtputf8 || !mem_has_8bit(f->raw, f->raw_len)) {
		header_put_wire(b, f->raw, f->raw_len);
		return;
	}
	v = header_value(h, i);
	seven = header_field_7bit(f->name, v);
	if (seven != NULL)
		header_put_wire(b, seven, strlen(seven));
	else
		header_put_wire(b, f->raw, f->raw_len);
	free(seven);
	free(v);
}

/* new_cte: what Content-Transfer-Encoding must now say (BODY_PARTS:
 * reencode_root_cte), or NULL. */
static void
build_wire_headers(const struct message *m, const struct wire_opts *w,
    enum body_mode mode, const char *new_cte, struct buf *b)
{
	const struct header_list *h = &m->headers;

	if (mode == BODY_QP)
		new_cte = "quoted-printable";
	for (size_t i = 0; i < h->n; i++) {
		if (new_cte != NULL &&
		    ascii_eq_ci(h->v[i].name, "Content-Transfer-Encoding"))
			continue;
		add_wire_field(b, h, i, w);
	}
	if (new_cte != NULL && header_find(h, "MIME-Version", 0) < 0)
		buf_adds(b, "MIME-Version: 1.0\r\n");
	if (mode == BODY_QP && header_find(h, "Content-Type", 0) < 0)
		buf_printf(b, "Content-Type: text/plain; charset=%s\r\n",
		    m->body_8bit ? "utf-8" : "us-ascii");
	if (new_cte != NULL)
		buf_printf(b, "Content-Transfer-Encoding: %s\r\n", new_cte);
	buf_add(b, "\r\n", 2);
}

static void
cache_free(struct wire_cache *c)
{
	if (c != NULL)
		reencode_free(c->re);
	free(c);
}

/* m's memo, made on first use; emptied when the header section is not
 * the one it was made for. */
static struct wire_cache *
cache_of(struct message *m)
{
	struct wire_cache *c = m->wire;

	if (c == NULL) {
		c = m->wire = xcalloc(1, sizeof(*c));
		m->wire_free = cache_free;
	} else if (c->hdr_n != m->headers.n ||
	    c->hdr_bytes != m->headers.bytes) {
		memset(c->have_size, 0, sizeof(c->have_size));
		if (c->readers == 0) {
			reencode_free(c->re);
			c->re = NULL;
		}
	}
	c->hdr_n = m->headers.n;
	c->hdr_bytes = m->headers.bytes;
	return c;
}

static size_t
opts_index(const struct wire_opts *w)
{
	return (w->eightbitmime ? 2 : 0) + (w->smtputf8 ? 1 : 0);
}

/* Pass 1 over the spool: the per-part facts, whatever the server. */
static struct reencode *
parts_scan(struct message *m, struct wire_cache *c, struct err *e)
{
	struct reencode *re = reencode_new_headers(&m->headers, false);

	c->scans++;
	if (m->body_fd >= 0 && reencode_scan_fd(re, m->body_fd, m->body_off,
	    m->body_len, e) == -1) {
		reencode_free(re);
		return NULL;
	}
	if (m->body_fd < 0)
		reencode_scan_end(re);
	return re;
}

/* BODY_PARTS: a re-encoder set for w.  m's one, scanned once, when no
 * reader streams through it; else (*own) one of the caller's own, as
 * restarting m's under a reader would break its stream. */
static struct reencode *
parts_for(struct message *m, const struct wire_opts *w, bool *own,
    struct err *e)
{
	struct wire_cache *c = cache_of(m);
	struct reencode *re;

	if ((*own = c->readers > 0))
		re = parts_scan(m, c, e);
	else {
		if (c->re == NULL)
			c->re = parts_scan(m, c, e);
		re = c->re;
	}
	if (re == NULL)
		return NULL;
	reencode_restart(re, w->eightbitmime);
	/* Part headers stay as written only when the transaction is SMTPUTF8. */
	reencode_set_smtputf8(re, w->smtputf8);
	return re;
}

/* The bound for BODY_PARTS: headers (with the new CTE) and body. */
static off_t
parts_size(struct message *m, const struct wire_opts *w, struct buf *hdr)
{
	struct err e;
	bool own;
	struct reencode *re = parts_for(m, w, &own, &e);
	off_t size;

	build_wire_headers(m, w, BODY_PARTS, re ? reencode_root_cte(re) : NULL,
	    hdr);
	/* NULL when the spool cannot be read: the reader will say so. */
	size = (off_t)hdr->len + (re != NULL ? reencode_size_bound(re) + 2 :
	    4 * m->body_len + 2 * m->body_lines + 128);
	if (own)
		reencode_free(re);
	return size;
}

static off_t
size_of(struct message *m, const struct wire_opts *w)
{
	enum body_mode mode = body_mode(m, w);
	struct buf b;
	off_t size, body = m->body_len;

	buf_init(&b);
	if (mode == BODY_PARTS) {
		size = parts_size(m, w, &b);
		buf_free(&b);
		return size;
	}
	build_wire_headers(m, w, mode, NULL, &b);
	size = (off_t)b.len;
	buf_free(&b);
	if (mode == BODY_MIME)
		return size + mime_size_bound(m->mime) + 2;
	if (mode == BODY_QP) {
		/* Each octet at most "=XX"; a soft break "=\r\n" per line. */
		return size + 3 * body + 3 * (3 * body / (ENCODE_LINE_MAX - 3)
		    + 1) + 2 * m->body_lines + 2;
	}
	if (m->body_bare_cr)
		body *= 2;	/* every CR could become CRLF */
	return size + body + m->body_lines + 2;
}

off_t
wire_size(struct message *m, const struct wire_opts *w)
{
	struct wire_cache *c = cache_of(m);
	size_t k = opts_index(w);

	if (!c->have_size[k]) {
		c->size[k] = size_of(m, w);
		c->have_size[k] = true;
	}
	return c->size[k];
}

unsigned
wire_scans(const struct message *m)
{
	return m->wire != NULL ? m->wire->scans : 0;
}

static void
wire_eol(struct wire_reader *r)
{
	buf_add(&r->out, "\r\n", 2);
	r->col = 0;
	r->at_bol = true;
}

/* Body bytes to CRLF line ends; bare CR becomes CRLF (design §3).  The
 * runs between line ends are found with memchr and copied whole: this
 * is the loop every byte of a plain message goes through. */
static void
wire_crlf(struct wire_reader *r, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		const char *stop, *cr;

		if (r->prev_cr) {
			r->prev_cr = false;
			wire_eol(r);
			if (*p == '\n') {
				p++;
				continue;
			}
		}
		if ((stop = memchr(p, '\n', (size_t)(end - p))) == NULL)
			stop = end;
		if ((cr = memchr(p, '\r', (size_t)(stop - p))) != NULL)
			stop = cr;
		if (stop > p) {
			buf_add(&r->out, p, (size_t)(stop - p));
			r->col += (size_t)(stop - p);
			r->at_bol = false;
		}
		if ((p = stop) == end)
			break;
		if (*p++ == '\r')
			r->prev_cr = true;
		else
			wire_eol(r);
	}
}

static void
wire_finish(struct wire_reader *r)
{
	if (r->mode == BODY_QP) {
		qp_finish(&r->qp, &r->out);
		r->at_bol = r->out.len == 0 ||
		    r->out.data[r->out.len - 1] == '\n';
	} else if (r->mode == BODY_PARTS) {
		reencode_finish(r->re, &r->out);
		r->at_bol = true;
	} else if (r->prev_cr) {
		r->prev_cr = false;
		wire_eol(r);
	}
	/* The DATA terminator needs the last line ended. */
	if (!r->at_bol)
		wire_eol(r);
	r->eof = true;
}

static int
wire_fill(struct wire_reader *r, struct err *e)
{
	size_t want = sizeof(r->in);
	ssize_t n = 0;

	buf_reset(&r->out);
	r->out_off = 0;
	if ((off_t)want > r->end - r->pos)
		want = (size_t)(r->end - r->pos);
	if (want > 0)
		n = spool_pread(r->m->body_fd, r->in, want, r->pos);
	if (n < 0)
		return err_sys(e, EX_IOERR, "cannot read spool file");
	if (n == 0) {
		wire_finish(r);
		return 0;
	}
	r->pos += n;
	if (r->mode == BODY_QP) {
		qp_encode(&r->qp, r->in, (size_t)n, &r->out);
		if (r->out.len > 0)
			r->at_bol = r->out.data[r->out.len - 1] == '\n';
	} else if (r->mode == BODY_PARTS)
		reencode_feed(r->re, r->in, (size_t)n, &r->out);
	else
		wire_crlf(r, r->in, (size_t)n);
	return 0;
}

static int
reader_open(struct wire_reader **rp, struct message *m,
    const struct wire_opts *w, bool progress, struct err *e)
{
	struct wire_reader *r;
	struct reencode *re = NULL;
	enum body_mode mode = body_mode(m, w);
	off_t size = progress && m->progress_fd >= 0 ? wire_size(m, w) : 0;
	bool own = false;

	if (m->mime != NULL) {
		/* Composed before EHLO: the server's 8BITMIME is known only now. */
		mime_set_8bitmime(m->mime, w->eightbitmime);
		mime_set_smtputf8(m->mime, w->smtputf8);
		if (mime_rewind(m->mime, e) == -1)
			return -1;
	}
	if (mode == BODY_PARTS && (re = parts_for(m, w, &own, e)) == NULL)
		return -1;
	if (re != NULL && !own)
		m->wire->readers++;
	r = xcalloc(1, sizeof(*r));
	r->m = m;
	r->w = *w;
	r->mode = mode;
	r->re = re;
	r->own_re = own;
	r->pos = m->body_off;
	r->end = m->body_off + m->body_len;
	r->at_bol = true;
	buf_init(&r->out);
	qp_init(&r->qp, false);
	build_wire_headers(m, w, r->mode, re ? reencode_root_cte(re) : NULL,
	    &r->out);
	if (m->body_fd < 0 && m->mime == NULL)
		r->eof = true;	/* no body at all: headers only */
	progress_start(&r->progress, -1, 0, 0);
	if (progress && m->progress_fd >= 0)
		progress_start(&r->progress, m->progress_fd, size,
		    m->progress_files);
	*rp = r;
	return 0;
}

int
wire_reader_open(struct wire_reader **rp, struct message *m,
    const struct wire_opts *w, struct err *e)
{
	return reader_open(rp, m, w, true, e);
}

/* The composed body, straight into the caller's buffer; then the line
 * end the DATA terminator needs. */
static ssize_t
mime_body_read(struct wire_reader *r, char *buf, size_t len,
    struct err *e)
{
	ssize_t n = mime_read(r->m->mime, buf, len, e);

	if (n > 0)
		r->at_bol = buf[n - 1] == '\n';
	else if (n == 0) {
		buf_reset(&r->out);
		r->out_off = 0;
		if (!r->at_bol)
			wire_eol(r);
		r->eof = true;
	}
	return n;
}

ssize_t
wire_reader_read(struct wire_reader *r, char *buf, size_t len,
    struct err *e)
{
	size_t n;

	while (r->out_off == r->out.len) {
		if (r->eof) {
			progress_sent(&r->progress);
			return 0;
		}
		if (r->mode == BODY_MIME) {
			ssize_t got = mime_body_read(r, buf, len, e);

			if (got != 0) {
				if (got > 0)
					progress_tick(&r->progress, (size_t)got);
				return got;
			}
			continue;
		}
		if (wire_fill(r, e) == -1)
			return -1;
	}
	n = r->out.len - r->out_off;
	if (n > len)
		n = len;
	memcpy(buf, r->out.data + r->out_off, n);
	r->out_off += n;
	progress_tick(&r->progress, n);
	return (ssize_t)n;
}

void
wire_reader_close(struct wire_reader *r)
{
	if (r == NULL)
		return;
	progress_end(&r->progress);
	buf_free(&r->out);
	if (r->own_re)
		reencode_free(r->re);
	else if (r->re != NULL)
		r->m->wire->readers--;	/* r->re is the message's */
	free(r);
}

int
wire_write(struct message *m, const struct wire_opts *w, int fd,
    struct err *e)
{
	struct wire_reader *r;
	char *chunk = xmalloc(WRITE_BLOCK);
	ssize_t n;
	int rc = 0;

	if (reader_open(&r, m, w, false, e) == -1) {
		free(chunk);
		return -1;
	}
	while ((n = wire_reader_read(r, chunk, WRITE_BLOCK, e)) > 0)
		if (write_all(fd, chunk, (size_t)n) == -1) {
			rc = err_sys(e, EX_IOERR, "cannot write message");
			break;
		}
	if (n < 0)
		rc = -1;
	wire_reader_close(r);
	free(chunk);
	return rc;
}
