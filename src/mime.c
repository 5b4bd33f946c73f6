/*
 * mime.c — compose mode and the streaming MIME generator (see mime.h).
 *
 * A composed body is a flat list of segments, written in order: fixed
 * text (boundary lines and part headers, CRLF already) and leaves (a file
 * descriptor, a length and an encoding).  The tree of multiparts exists
 * only while the list is built; the generator keeps one input block, the
 * encoder state and one output buffer, whatever the attachment sizes.
 *
 * Each text source (the body, the HTML part, a -t message's body) is
 * scanned once before anything is sent: 8-bit octets, UTF-8 validity,
 * the longest line, bare CR, NUL and the boundary decide between 7bit and
 * quoted-printable.  Attachments are not scanned: they go out base64.
 * Opening, spooling and scanning a part's content is source.c's work;
 * an attachment's type is filetype.c's (libmagic).
 *
 * A -t message's body (the first part when -a adds attachments) is
 * content postie did not compose: it goes through reencode.c's streaming
 * re-encoder, scanned once when the message is built, with the part's
 * Content-Type and Content-Transfer-Encoding as the top-level context.
 * That leaf writes its own part header, since whether the
 * Content-Transfer-Encoding field changes depends on the server
 * (mime_set_8bitmime).
 */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "encode.h"
#include "filetype.h"
#include "header.h"
#include "header7bit.h"
#include "message.h"
#include "mime.h"
#include "reencode.h"
#include "source.h"
#include "spool.h"
#include "util.h"

#define MIME_BLOCK	SOURCE_BLOCK	/* input block, a multiple of 3 and 57 */
#define BOUNDARY_TRIES	8

enum enc {
	ENC_7BIT,
	ENC_QP,
	ENC_B64,
	ENC_REENCODE,	/* a -t message's body: by reencode.c, part by part */
};

struct leaf {
	int	 fd;
	bool	 own_fd;
	off_t	 len;		/* bytes sent: the size when opened */
	enum enc enc;
	off_t	 lines;		/* for the size bound of 7bit */
	/* ENC_REENCODE only */
	struct reencode *re;	/* pass 1 done when the message was built */
	struct buf head;	/* the part's fields but its C-T-E, CRLF */
	struct buf head7;	/* the same made 7-bit (header7bit.h) */
	char	*cte;		/* its Content-Transfer-Encoding, or NULL */
	off_t	 bound;		/* head, C-T-E field and body, either server */
	bool	 eightbit;	/* 8-bit octets in its content or fields */
	char	*label;		/* file name for messages */
};

struct seg {
	bool	 is_leaf;
	struct buf text;
	struct leaf leaf;
};

struct mime {
	struct seg *v;
	size_t	 n;
	/* stream cursor */
	size_t	 cur;
	off_t	 pos;		/* offset in the current leaf */
	bool	 leaf_open;
	struct buf out;
	size_t	 out_off;
	struct b64 b64;
	struct qp qp;
	bool	 prev_cr;
	size_t	 col;
	char	 last;		/* ENC_REENCODE: the last input octet */
	bool	 eightbitmime;	/* the server takes 8-bit (mime_set_8bitmime) */
	bool	 smtputf8;	/* the transaction is SMTPUTF8 (mime_set_smtputf8) */
	char	*in;
};

const char *
mime_text_charset(bool eightbit, bool valid_utf8)
{
	const char *cs;

	if (!eightbit)
		return "us-ascii";
	if (valid_utf8)
		return "utf-8";
	cs = nl_langinfo(CODESET);
	if (cs != NULL && *cs != '\0' && !ascii_eq_ci(cs, "UTF-8") &&
	    !ascii_eq_ci(cs, "ANSI_X3.4-1968") && !ascii_eq_ci(cs, "ASCII") &&
	    strpbrk(cs, "\r\n\";") == NULL)
		return cs;
	return "unknown-8bit";
}

/* ---- the segment list and the generator ----------------------------------- */

static struct mime *
mime_new(void)
{
	struct mime *mm = xcalloc(1, sizeof(*mm));

	buf_init(&mm->out);
	return mm;
}

static struct buf *
seg_text(struct mime *mm)
{
	struct seg *sg;

	if (mm->n > 0 && !mm->v[mm->n - 1].is_leaf)
		return &mm->v[mm->n - 1].text;
	mm->v = xreallocarray(mm->v, mm->n + 1, sizeof(*mm->v));
	sg = &mm->v[mm->n++];
	memset(sg, 0, sizeof(*sg));
	buf_init(&sg->text);
	return &sg->text;
}

/* The leaf takes over src's descriptor. */
static void
seg_leaf(struct mime *mm, struct source *src, enum enc enc,
    const struct source_scan *sc)
{
	struct seg *sg;

	mm->v = xreallocarray(mm->v, mm->n + 1, sizeof(*mm->v));
	sg = &mm->v[mm->n++];
	memset(sg, 0, sizeof(*sg));
	buf_init(&sg->text);
	sg->is_leaf = true;
	sg->leaf.fd = src->fd;
	sg->leaf.own_fd = src->own_fd;
	sg->leaf.len = src->len;
	sg->leaf.enc = enc;
	sg->leaf.label = src->label;
	buf_init(&sg->leaf.head);
	buf_init(&sg->leaf.head7);
	if (sc != NULL)
		sg->leaf.lines = sc->lines;
	src->own_fd = false;
	src->label = NULL;
	src->fd = -1;
}

void
mime_free(struct mime *mm)
{
	if (mm == NULL)
		return;
	for (size_t i = 0; i < mm->n; i++) {
		struct seg *sg = &mm->v[i];

		buf_free(&sg->text);
		if (sg->is_leaf && sg->leaf.own_fd && sg->leaf.fd >= 0)
			close(sg->leaf.fd);
		reencode_free(sg->leaf.re);
		buf_free(&sg->leaf.head);
		buf_free(&sg->leaf.head7);
		free(sg->leaf.cte);
		free(sg->leaf.label);
	}
	free(mm->v);
	buf_free(&mm->out);
	free(mm->in);
	free(mm);
}

static off_t
leaf_bound(const struct leaf *l)
{
	off_t n = l->len, chars;

	switch (l->enc) {
	case ENC_B64:
		chars = (n + 2) / 3 * 4;
		return chars + 2 * (chars / ENCODE_LINE_MAX + 1);
	case ENC_QP:
		return 3 * n + 3 * (3 * n / 72 + 1) + 2;
	case ENC_7BIT:
		break;
	case ENC_REENCODE:
		return l->bound;
	}
	return n + l->lines + 2;
}

off_t
mime_size_bound(const struct mime *mm)
{
	off_t size = 0;

	for (size_t i = 0; i < mm->n; i++)
		size += mm->v[i].is_leaf ? leaf_bound(&mm->v[i].leaf) :
		    (off_t)mm->v[i].text.len;
	return size;
}

bool
mime_is_8bit(const struct mime *mm)
{
	for (size_t i = 0; i < mm->n; i++)
		if (mm->v[i].is_leaf && mm->v[i].leaf.enc == ENC_REENCODE &&
		    mm->v[i].leaf.eightbit)
			return true;
	return false;
}

void
mime_set_8bitmime(struct mime *mm, bool ok)
{
	mm->eightbitmime = ok;
}

void
mime_set_smtputf8(struct mime *mm, bool on)
{
	mm->smtputf8 = on;
}

int
mime_rewind(struct mime *mm, struct err *e)
{
	(void)e;
	mm->cur = 0;
	mm->pos = 0;
	mm->leaf_open = false;
	buf_reset(&mm->out);
	mm->out_off = 0;
	return 0;
}

static void
out_eol(struct mime *mm)
{
	buf_add(&mm->out, "\r\n", 2);
	mm->col = 0;
}

/* 7bit text: LF and CRLF become CRLF.  The scan said the file was clean;
 * anything else now means it changed under us. */
static int
put_7bit(struct mime *mm, const struct leaf *l, const char *p, size_t n,
    struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (mm->prev_cr) {
			mm->prev_cr = false;
			if (c != '\n')
				goto changed;
			out_eol(mm);
			continue;
		}
		if (c == '\r') {
			mm->prev_cr = true;
			continue;
		}
		if (c == '\n') {
			out_eol(mm);
			continue;
		}
		if (c == '\0' || c >= 0x80 || ++mm->col > WIRE_LINE_MAX)
			goto changed;
		buf_addc(&mm->out, (char)c);
	}
	return 0;
changed:
	return err_set(e, EX_DATAERR, "'%s' changed while being sent",
	    l->label);
}

/* ENC_REENCODE: pass 2 begins for this server, and the part header
 * says the transfer encoding it leads to. */
static void
leaf_reencode_start(struct mime *mm, const struct leaf *l)
{
	const char *cte;

	reencode_restart(l->re, mm->eightbitmime);
	cte = reencode_root_cte(l->re);
	if (cte == NULL)
		cte = l->cte;
	if (mm->smtputf8)
		buf_add(&mm->out, l->head.data, l->head.len);
	else
		buf_add(&mm->out, l->head7.data, l->head7.len);
	if (cte != NULL) {
		buf_adds(&mm->out, "Content-Transfer-Encoding: ");
		header_put_wire(&mm->out, cte, strlen(cte));
	}
	buf_add(&mm->out, "\r\n", 2);
	mm->last = '\n';
}

/* The re-encoder ends its output with a line end; when the body did not
 * end with one, that line end is the one the next boundary line brings
 * (RFC 2046 §5.1.1), so the part keeps its exact content. */
static void
leaf_reencode_end(struct mime *mm, const struct leaf *l)
{
	struct buf *o = &mm->out;

	reencode_finish(l->re, o);
	if (mm->last != '\n' && mm->last != '\r' && o->len >= 2 &&
	    memcmp(o->data + o->len - 2, "\r\n", 2) == 0)
		o->len -= 2;
}

static void
leaf_start(struct mime *mm, const struct leaf *l)
{
	mm->leaf_open = true;
	mm->pos = 0;
	mm->prev_cr = false;
	mm->col = 0;
	b64_init(&mm->b64);
	qp_init(&mm->qp, false);
	if (l->enc == ENC_REENCODE)
		leaf_reencode_start(mm, l);
}

static void
leaf_finish(struct mime *mm, const struct leaf *l)
{
	if (l->enc == ENC_B64)
		b64_finish(&mm->b64, &mm->out);
	else if (l->enc == ENC_QP)
		qp_finish(&mm->qp, &mm->out);
	else if (l->enc == ENC_REENCODE)
		leaf_reencode_end(mm, l);
	else if (mm->prev_cr)
		out_eol(mm);
	mm->leaf_open = false;
	mm->cur++;
}

/* Encode the next block of the current leaf into mm->out. */
static int
leaf_fill(struct mime *mm, const struct leaf *l, struct err *e)
{
	size_t want = MIME_BLOCK;
	ssize_t n;

	if (!mm->leaf_open)
		leaf_start(mm, l);
	if (mm->pos >= l->len) {
		leaf_finish(mm, l);
		return 0;
	}
	if ((off_t)want > l->len - mm->pos)
		want = (size_t)(l->len - mm->pos);
	if (mm->in == NULL)
		mm->in = xmalloc(MIME_BLOCK);
	n = spool_pread(l->fd, mm->in, want, mm->pos);
	if (n < 0)
		return err_sys(e, EX_IOERR, "cannot read '%s'", l->label);
	if (n == 0)
		return err_set(e, EX_DATAERR, "'%s' became shorter while "
		    "being sent", l->label);
	mm->pos += n;
	switch (l->enc) {
	case ENC_B64:
		b64_encode(&mm->b64, mm->in, (size_t)n, &mm->out);
		return 0;
	case ENC_QP:
		qp_encode(&mm->qp, mm->in, (size_t)n, &mm->out);
		return 0;
	case ENC_7BIT:
		return put_7bit(mm, l, mm->in, (size_t)n, e);
	case ENC_REENCODE:
		reencode_feed(l->re, mm->in, (size_t)n, &mm->out);
		mm->last = mm->in[n - 1];
		return 0;
	}
	return 0;
}

ssize_t
mime_read(struct mime *mm, char *buf, size_t len, struct err *e)
{
	size_t n;

	while (mm->out_off == mm->out.len) {
		struct seg *sg;

		buf_reset(&mm->out);
		mm->out_off = 0;
		if (mm->cur == mm->n)
			return 0;
		sg = &mm->v[mm->cur];
		if (!sg->is_leaf) {
			buf_add(&mm->out, sg->text.data, sg->text.len);
			mm->cur++;
		} else if (leaf_fill(mm, &sg->leaf, e) == -1)
			return -1;
	}
	n = mm->out.len - mm->out_off;
	if (n > len)
		n = len;
	memcpy(buf, mm->out.data + mm->out_off, n);
	mm->out_off += n;
	return (ssize_t)n;
}

/* ---- building: parts, boundaries, headers --------------------------------- */

/* A part while the message is built: header fields, then a leaf or
 * children.  Multipart nesting is at most mixed > alternative. */
struct part {
	struct strlist hname, hvalue;
	struct source src;
	struct source_scan scan;
	enum enc enc;
	struct reencode *re;	/* ENC_REENCODE: pass 1 done */
	const char *subtype;	/* "mixed", "alternative"; NULL for a leaf */
	struct part *kids;
	size_t	 nkids;
};

static void
part_init(struct part *p)
{
	memset(p, 0, sizeof(*p));
	strlist_init(&p->hname);
	strlist_init(&p->hvalue);
	p->src.fd = -1;
}

/* What the leaves read from their files: the size next to the encoded
 * one on the progress line. */
static off_t
files_size(const struct part *p)
{
	off_t n = p->nkids == 0 ? p->src.len : 0;

	for (size_t i = 0; i < p->nkids; i++)
		n += files_size(&p->kids[i]);
	return n;
}

static void
part_free(struct part *p)
{
	strlist_free(&p->hname);
	strlist_free(&p->hvalue);
	source_close(&p->src);
	reencode_free(p->re);
	for (size_t i = 0; i < p->nkids; i++)
		part_free(&p->kids[i]);
	free(p->kids);
}

static void
part_header(struct part *p, const char *name, const char *value)
{
	strlist_add(&p->hname, name);
	strlist_add(&p->hvalue, value);
}

static struct part *
part_add_kid(struct part *p)
{
	p->kids = xreallocarray(p->kids, p->nkids + 1, sizeof(*p->kids));
	part_init(&p->kids[p->nkids]);
	return &p->kids[p->nkids++];
}

/* 128 random bits in base32: the token of every boundary of a message. */
static int
make_token(char *out, size_t outlen, struct err *e)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[16];
	size_t o = 0, bits = 0;
	unsigned int acc = 0;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return err_sys(e, EX_OSERR, "getrandom");
	for (size_t i = 0; i < sizeof(rnd) && o + 1 < outlen; i++) {
		acc = acc << 8 | rnd[i];
		for (bits += 8; bits >= 5 && o + 1 < outlen; bits -= 5)
			out[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	out[o] = '\0';
	return 0;
}

/* "=_postie.m.<token>": "=_" cannot come out of base64 or
 * quoted-printable; the letter keeps nested boundaries from being
 * prefixes of one another (RFC 2046 §5.1.1). */
static char *
boundary_for(const char *subtype, const char *token)
{
	return xasprintf("=_postie.%c.%s", subtype[0], token);
}

/* A part field whose value may hold folds ("\n" WSP), written as every
 * field is (header_put_wire: no bare CR). */
static void
add_part_field(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s: ", name);
	header_put_wire(b, value, strlen(value));
}

/* The same field for a transaction that is not SMTPUTF8: in its 7-bit
 * form (header7bit.h), as written when it has none, as top-level fields
 * go (wire.c). */
static void
add_part_field_7bit(struct buf *b, const char *name, const char *value)
{
	char *flat, *seven;
	size_t n = 0;

	if (!mem_has_8bit(value, strlen(value))) {
		add_part_field(b, name, value);
		return;
	}
	flat = xstrdup(value);	/* header_field_7bit takes it unfolded */
	for (const char *p = value; *p != '\0'; p++)
		if (*p != '\n' && *p != '\r')
			flat[n++] = *p;
	flat[n] = '\0';
	seven = header_field_7bit(name, flat);
	if (seven != NULL)
		header_put_wire(b, seven, strlen(seven));
	else
		add_part_field(b, name, value);
	free(seven);
	free(flat);
}

static void
add_part_headers(struct buf *b, const struct part *p)
{
	for (size_t i = 0; i < p->hname.n; i++)
		add_part_field(b, p->hname.v[i], p->hvalue.v[i]);
}

/* A -t message's body as one leaf that writes its own part header: every
 * field but Content-Transfer-Encoding now, that one when the server is
 * known.  The bound holds for a server with or without 8BITMIME. */
static void
seg_reencode(struct mime *mm, struct part *p)
{
	static const char cte_field[] = "Content-Transfer-Encoding: \r\n";
	size_t cte_len = strlen("quoted-printable"), head_len;
	struct leaf *l;
	off_t b7, b8;

	seg_leaf(mm, &p->src, ENC_REENCODE, &p->scan);
	l = &mm->v[mm->n - 1].leaf;
	l->re = p->re;
	p->re = NULL;
	for (size_t i = 0; i < p->hname.n; i++) {
		if (!ascii_eq_ci(p->hname.v[i], "Content-Transfer-Encoding")) {
			add_part_field(&l->head, p->hname.v[i], p->hvalue.v[i]);
			add_part_field_7bit(&l->head7, p->hname.v[i],
			    p->hvalue.v[i]);
		} else if (l->cte == NULL)
			l->cte = xstrdup(p->hvalue.v[i]);
	}
	if (l->cte != NULL && 2 * strlen(l->cte) > cte_len)
		cte_len = 2 * strlen(l->cte);	/* folds become CRLF */
	head_len = l->head7.len > l->head.len ? l->head7.len : l->head.len;
	reencode_restart(l->re, false);
	b7 = reencode_size_bound(l->re);
	reencode_restart(l->re, true);
	b8 = reencode_size_bound(l->re);
	l->bound = (off_t)(head_len + sizeof(cte_field) + cte_len + 2) +
	    (b7 > b8 ? b7 : b8);
	l->eightbit = p->scan.eightbit || reencode_headers_8bit(l->re) ||
	    mem_has_8bit(l->head.data, l->head.len) ||
	    (l->cte != NULL && mem_has_8bit(l->cte, strlen(l->cte)));
}

/* The part's content as segments (its own header is the caller's). */
static void
emit_content(struct mime *mm, struct part *p, const char *token)
{
	char *bd;

	if (p->subtype == NULL) {
		seg_leaf(mm, &p->src, p->enc, &p->scan);
		return;
	}
	bd = boundary_for(p->subtype, token);
	for (size_t i = 0; i < p->nkids; i++) {
		struct buf *t = seg_text(mm);

		buf_printf(t, "%s--%s\r\n", i > 0 ? "\r\n" : "", bd);
		if (p->kids[i].enc == ENC_REENCODE) {
			seg_reencode(mm, &p->kids[i]);
			continue;
		}
		add_part_headers(t, &p->kids[i]);
		buf_add(t, "\r\n", 2);
		emit_content(mm, &p->kids[i], token);
	}
	buf_printf(seg_text(mm), "\r\n--%s--\r\n", bd);
	free(bd);
}

/* The Content-Type of a multipart: its boundary quoted (it holds '='). */
static void
multipart_headers(struct part *p, const char *token)
{
	char *bd = boundary_for(p->subtype, token);
	char *v = xasprintf("multipart/%s;\n boundary=\"%s\"", p->subtype, bd);

	part_header(p, "Content-Type", v);
	free(v);
	free(bd);
}

/* A text part (body or HTML): 7bit when it is clean, else
 * quoted-printable; labelled with its real charset. */
static void
text_part(struct part *p, const char *subtype)
{
	const struct source_scan *s = &p->scan;
	char *v = xasprintf("text/%s; charset=%s", subtype,
	    mime_text_charset(s->eightbit, s->utf8_ok && !s->nul));

	part_header(p, "Content-Type", v);
	free(v);
	if (s->eightbit || s->nul || s->bare_cr || s->has_boundary ||
	    s->longest > WIRE_LINE_MAX) {
		p->enc = ENC_QP;
		part_header(p, "Content-Transfer-Encoding",
		    "quoted-printable");
	} else
		p->enc = ENC_7BIT;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s != NULL && s[1] != '\0')
		return s + 1;
	return path;
}

/* An attachment's header: type (override or libmagic), name (override or
 * the file's base name) in RFC 2231 with an RFC 2047 fallback, base64. */
static int
attach_part(struct part *p, const struct mime_attach *at,
    struct filetype *ft, struct err *e)
{
	const char *name = at->name != NULL ? at->name :
	    strcmp(at->path, "-") == 0 ? "stdin" : base_name(at->path);
	char *type;
	struct buf v;

	if (at->type != NULL) {
		char *semi = strchr(at->type, ';');
		char *bare = xstrndup(at->type, semi != NULL ?
		    (size_t)(semi - at->type) : strlen(at->type));
		bool ok = filetype_is_mime_type(bare) &&
		    strpbrk(at->type, "\r\n") == NULL;

		free(bare);
		if (!ok)
			return err_set(e, EX_DATAERR, "-a '%s': '%s' is not "
			    "a MIME type", at->path, at->type);
		type = xstrdup(at->type);
	} else
		type = filetype_content_type(ft, p->src.fd);
	buf_init(&v);
	buf_adds(&v, type);
	rfc2231_param(&v, "name", name, true);
	part_header(p, "Content-Type", v.data);
	buf_reset(&v);
	buf_adds(&v, "attachment");
	rfc2231_param(&v, "filename", name, false);
	part_header(p, "Content-Disposition", v.data);
	part_header(p, "Content-Transfer-Encoding", "base64");
	p->enc = ENC_B64;
	buf_free(&v);
	free(type);
	return 0;
}

/* ---- header fields from the command line ---------------------------------- */

/* A field value from the command line, made 7-bit as any other field
 * (header7bit.h); as given when it has no 7-bit form. */
static char *
header_text(const char *name, const char *value)
{
	char *field = header_field_7bit(name, value), *v;

	if (field == NULL)
		return xstrdup(value);
	v = xstrdup(field + strlen(name) + 2);
	free(field);
	return v;
}

/* A list of arguments as one address-list value, folded between
 * addresses. */
static char *
join_addresses(const struct strlist *l, size_t prefix)
{
	struct buf b;
	size_t col = prefix;

	buf_init(&b);
	for (size_t i = 0; i < l->n; i++) {
		size_t len = strlen(l->v[i]);

		if (i > 0) {
			buf_addc(&b, ',');
			col++;
			if (col + 1 + len > 76) {
				buf_adds(&b, "\n ");
				col = 1;
			} else {
				buf_addc(&b, ' ');
				col++;
			}
		}
		buf_adds(&b, l->v[i]);
		col += len;
	}
	return buf_steal(&b);
}

static int
no_crlf(const char *what, const char *s, struct err *e)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		return err_set(e, EX_DATAERR, "%s: line breaks are not "
		    "allowed (header injection)", what);
	return 0;
}

static int
no_crlf_list(const char *what, const struct strlist *l, struct err *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (no_crlf(what, l->v[i], e) == -1)
			return -1;
	return 0;
}

/* CR or LF in anything that becomes a header is refused (exit 65), so
 * that no option can add a field of its own. */
static int
check_options(const struct mime_opts *opt, struct err *e)
{
	if (no_crlf("-s", opt->subject, e) == -1 ||
	    no_crlf("--from", opt->from, e) == -1 ||
	    no_crlf_list("--cc", opt->cc, e) == -1 ||
	    no_crlf_list("--bcc", opt->bcc, e) == -1 ||
	    no_crlf_list("--header", opt->headers, e) == -1 ||
	    no_crlf_list("recipient", opt->to, e) == -1)
		return -1;
	for (size_t i = 0; i < opt->headers->n; i++) {
		const char *h = opt->headers->v[i];

		if (ascii_prefix_ci(h, "Content-") ||
		    ascii_prefix_ci(h, "MIME-Version:") ||
		    ascii_prefix_ci(h, "MIME-Version "))
			return err_set(e, EX_USAGE, "--header '%s': postie "
			    "writes the MIME fields itself (use --html, -a "
			    "FILE;type=...)", h);
	}
	for (size_t i = 0, stdin_seen = 0; i < opt->nattach; i++)
		if (strcmp(opt->attach[i].path, "-") == 0 && stdin_seen++)
			return err_set(e, EX_USAGE, "-a -: standard input can "
			    "be attached only once");
	return 0;
}

/* Set field name to value (replacing any), or add a list field. */
static void
set_field(struct header_list *h, const char *name, const char *value,
    bool replace)
{
	char *v = header_text(name, value);

	if (replace)
		header_remove(h, name);
	header_add(h, name, v, false);
	free(v);
}

static void
add_list_field(struct header_list *h, const char *name,
    const struct strlist *l)
{
	char *v;

	if (l->n == 0)
		return;
	v = join_addresses(l, strlen(name) + 2);
	set_field(h, name, v, false);
	free(v);
}

/* The header fields the options ask for; with -t they change the message
 * read (a new Subject or From replaces the old). */
static void
option_headers(struct header_list *h, const struct mime_opts *opt,
    bool with_to)
{
	if (opt->from != NULL)
		set_field(h, "From", opt->from, true);
	if (with_to)
		add_list_field(h, "To", opt->to);
	add_list_field(h, "Cc", opt->cc);
	add_list_field(h, "Bcc", opt->bcc);
	if (opt->subject != NULL)
		set_field(h, "Subject", opt->subject, true);
	for (size_t i = 0; i < opt->headers->n; i++) {
		const char *f = opt->headers->v[i], *colon = strchr(f, ':');
		char *name = xstrndup(f, (size_t)(colon - f));
		const char *v = colon + 1;

		while (*v == ' ' || *v == '\t')
			v++;
		set_field(h, str_trim(name), v, false);
		free(name);
	}
}

/* ---- compose ------------------------------------------------------------- */

struct build {
	struct mime_opts opt;	/* its lists never NULL (mime_compose) */
	int	 in_fd;
	const char *spool_dir;
	char	 token[32];
	char	*blk;		/* scan block (+ room for a boundary tail) */
	struct filetype *types;	/* libmagic, loaded at the first -a */
	struct part root;
};

/* Scan every part that will not be encoded (7bit candidates and -t
 * bodies passed through) with the token; a token found in one (never, in
 * practice) means a new token and a new scan. */
static int
scan_parts(struct build *b, struct part **texts, size_t ntexts,
    struct err *e)
{
	for (int tries = 0; tries < BOUNDARY_TRIES; tries++) {
		bool clash = false;

		if (make_token(b->token, 27, e) == -1)
			return -1;
		for (size_t i = 0; i < ntexts; i++) {
			if (source_scan(&texts[i]->src, b->token,
			    &texts[i]->scan, b->blk, e) == -1)
				return -1;
			clash |= texts[i]->scan.has_boundary;
		}
		if (!clash)
			return 0;
	}
	/* Keep the last token: the clashing parts go quoted-printable. */
	return 0;
}

/* The text of the message: stdin when it is not a terminal and not
 * attached, --body FILE|- when given (it wins), else nothing. */
static int
open_body(struct build *b, struct part *p, bool *have, struct err *e)
{
	const struct mime_opts *opt = &b->opt;
	bool stdin_attached = false;

	for (size_t i = 0; i < opt->nattach; i++)
		stdin_attached |= strcmp(opt->attach[i].path, "-") == 0;
	*have = true;
	if (opt->body_file != NULL) {
		if (strcmp(opt->body_file, "-") == 0 && stdin_attached)
			return err_set(e, EX_USAGE, "--body - and -a - both "
			    "want standard input");
		return source_open(&p->src, opt->body_file, b->in_fd,
		    b->spool_dir, e);
	}
	if (!stdin_attached && !isatty(b->in_fd))
		return source_open(&p->src, "-", b->in_fd, b->spool_dir, e);
	*have = false;
	return 0;
}

/* Open every file first: a missing one stops everything before any
 * connection (exit 66). */
static int
open_sources(struct build *b, struct part *text, struct part *html,
    bool *have_text, struct err *e)
{
	const struct mime_opts *opt = &b->opt;

	if (open_body(b, text, have_text, e) == -1)
		return -1;
	if (opt->html_file != NULL && source_open(&html->src, opt->html_file,
	    b->in_fd, b->spool_dir, e) == -1)
		return -1;
	for (size_t i = 0; i < opt->nattach; i++) {
		struct part *a = part_add_kid(&b->root);

		if (source_open(&a->src, opt->attach[i].path, b->in_fd,
		    b->spool_dir, e) == -1)
			return -1;
	}
	return 0;
}

/* root: the attachments are already its kids; put the text first. */
static void
arrange(struct build *b, struct part *text, struct part *html, bool have_text)
{
	struct part first;
	bool have_html = b->opt.html_file != NULL;

	part_init(&first);
	if (have_html) {
		first.subtype = "alternative";
		first.kids = xcalloc(2, sizeof(*first.kids));
		first.kids[0] = *text;
		first.kids[1] = *html;
		first.nkids = 2;
		multipart_headers(&first, b->token);
	} else {
		part_free(&first);
		first = *text;
	}
	if (b->root.nkids == 0) {	/* no attachment: first is the body */
		part_free(&b->root);
		b->root = first;
		return;
	}
	if (!have_text && !have_html)
		part_free(&first);	/* attachments only */
	else {
		b->root.kids = xreallocarray(b->root.kids, b->root.nkids + 1,
		    sizeof(*b->root.kids));
		memmove(b->root.kids + 1, b->root.kids,
		    b->root.nkids * sizeof(*b->root.kids));
		b->root.kids[0] = first;
		b->root.nkids++;
	}
	b->root.subtype = "mixed";
	multipart_headers(&b->root, b->token);
}

/* The message: root's header fields join the header section, its content
 * becomes the generator's segments. */
static void
finish_message(struct build *b, struct message *m)
{
	struct mime *mm = mime_new();
	struct header_list *h = &m->headers;

	if (header_find(h, "MIME-Version", 0) < 0)
		header_add(h, "MIME-Version", "1.0", false);
	for (size_t i = 0; i < b->root.hname.n; i++)
		header_add(h, b->root.hname.v[i], b->root.hvalue.v[i], false);
	emit_content(mm, &b->root, b->token);
	m->mime = mm;
	m->mime_free = mime_free;
	m->composed = true;
	m->body_8bit = false;
	m->body_bare_cr = false;
	m->body_longest_line = 0;
}

static int
compose_new(struct build *b, struct message *m, struct err *e)
{
	struct part text, html, *texts[2];
	size_t ntexts = 0;
	bool have_text = false;
	int rc = -1;

	part_init(&text);
	part_init(&html);
	if (open_sources(b, &text, &html, &have_text, e) == -1)
		goto out;
	if (!have_text) {	/* an empty body: /dev/null stands in */
		text.src.label = xstrdup("(empty body)");
		text.src.fd = -1;
	}
	texts[ntexts++] = &text;
	if (b->opt.html_file != NULL)
		texts[ntexts++] = &html;
	if (scan_parts(b, texts, ntexts, e) == -1)
		goto out;
	text_part(&text, "plain");
	if (b->opt.html_file != NULL)
		text_part(&html, "html");
	for (size_t i = 0; i < b->opt.nattach; i++)
		if (attach_part(&b->root.kids[i], &b->opt.attach[i],
		    b->types, e) == -1)
			goto out;
	option_headers(&m->headers, &b->opt, true);
	arrange(b, &text, &html, have_text);
	part_init(&text);	/* now owned by root */
	part_init(&html);
	finish_message(b, m);
	rc = 0;
out:
	part_free(&text);
	part_free(&html);
	return rc;
}

/* ---- -t with -a: attachments added to a message read from stdin ------------ */

/* A field's value as written after the colon: folds kept ("\n" WSP). */
static char *
raw_value(const struct header *f)
{
	const char *p = memchr(f->raw, ':', f->raw_len);
	size_t i = p != NULL ? (size_t)(p - f->raw) + 1 : f->raw_len;
	struct buf b;

	while (i < f->raw_len && (f->raw[i] == ' ' || f->raw[i] == '\t'))
		i++;
	buf_init(&b);
	for (; i < f->raw_len; i++)
		if (f->raw[i] != '\r')
			buf_addc(&b, f->raw[i]);
	return buf_steal(&b);
}

/* Move the Content-* fields of m into part p (they describe the body),
 * as they were written but for lines over 998 octets, folded as
 * message_rewrite folds the top-level fields (header_value_fold). */
static int
move_content_fields(struct header_list *h, struct part *p, struct err *e)
{
	for (size_t i = 0; i < h->n;) {
		char *v, *folded;

		if (!ascii_prefix_ci(h->v[i].name, "Content-")) {
			i++;
			continue;
		}
		v = raw_value(&h->v[i]);
		folded = header_value_fold(h->v[i].name, v);
		free(v);
		if (folded == NULL)
			return err_set(e, EX_DATAERR, "%s header field: a "
			    "line over 998 octets with no white space to "
			    "fold at", h->v[i].name);
		part_header(p, h->v[i].name, folded);
		free(folded);
		header_delete(h, i);
	}
	return 0;
}

/* The message's body as the first part: its own Content-* fields, an
 * honest text/plain label when it has none and is 8-bit, and pass 1 of
 * the re-encoder that will carry it (reencode.h). */
static int
first_part(struct part *first, struct message *m, struct err *e)
{
	char *type = header_first_value(&m->headers, "Content-Type");
	char *cte = header_first_value(&m->headers,
	    "Content-Transfer-Encoding");
	int rc = 0;

	if (move_content_fields(&m->headers, first, e) == -1) {
		free(type);
		free(cte);
		return -1;
	}
	if (type == NULL && first->scan.eightbit) {
		type = xasprintf("text/plain; charset=%s", mime_text_charset(
		    true, first->scan.utf8_ok));
		part_header(first, "Content-Type", type);
	}
	first->enc = ENC_REENCODE;
	first->re = reencode_new(type, cte, false);
	if (first->src.fd >= 0)
		rc = reencode_scan_fd(first->re, first->src.fd, 0,
		    first->src.len, e);
	else
		reencode_scan_end(first->re);
	free(type);
	free(cte);
	return rc;
}

static int
compose_wrap(struct build *b, struct message *m, struct err *e)
{
	struct message_read_opts ro = {
		.dot_ends_message = b->opt.dot_ends_message,
		.spool_dir = b->spool_dir,
	};
	struct part *first = part_add_kid(&b->root), *texts[1] = { first };

	if (message_read(m, b->in_fd, &ro, e) == -1)
		return -1;
	option_headers(&m->headers, &b->opt, false);
	if (b->opt.nattach == 0)
		return 0;
	for (size_t i = 0; i < b->opt.nattach; i++) {
		struct part *a = part_add_kid(&b->root);

		if (source_open(&a->src, b->opt.attach[i].path, b->in_fd,
		    b->spool_dir, e) == -1 ||
		    attach_part(a, &b->opt.attach[i], b->types, e) == -1)
			return -1;
	}
	first = &b->root.kids[0];	/* the array moved */
	texts[0] = first;
	first->src.fd = m->body_fd;	/* still m's: not owned */
	first->src.len = m->body_len;
	first->src.label = xstrdup("the message");
	if (scan_parts(b, texts, 1, e) == -1 || first_part(first, m, e) == -1)
		return -1;
	b->root.subtype = "mixed";
	multipart_headers(&b->root, b->token);
	finish_message(b, m);
	return 0;
}

int
mime_compose(struct message *m, const struct mime_opts *opt, int in_fd,
    const char *spool_dir, struct err *e)
{
	static const struct strlist none;
	struct build b;
	const struct strlist **lists[] = { &b.opt.to, &b.opt.cc, &b.opt.bcc,
	    &b.opt.headers };
	int rc;

	memset(&b, 0, sizeof(b));
	b.opt = *opt;
	for (size_t i = 0; i < 4; i++)
		if (*lists[i] == NULL)
			*lists[i] = &none;
	b.in_fd = in_fd;
	b.spool_dir = spool_dir;
	part_init(&b.root);
	if (check_options(&b.opt, e) == -1)
		return -1;
	b.types = filetype_new();
	b.blk = xmalloc(SOURCE_BLOCK + 64);
	if (opt->wrap)
		rc = compose_wrap(&b, m, e);
	else
		rc = compose_new(&b, m, e);
	if (rc == 0 && opt->progress && isatty(STDERR_FILENO)) {
		m->progress_fd = STDERR_FILENO;
		m->progress_files = files_size(&b.root);
	}
	part_free(&b.root);
	filetype_free(b.types);
	free(b.blk);
	return rc;
}
