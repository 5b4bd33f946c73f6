/*
 * reencode.c — per-part re-encoding of a MIME body (see reencode.h).
 *
 * One parser serves both passes.  A front end turns the bytes into data
 * spans (no CR or LF) and line ends (LF, CRLF or bare CR), carrying a CR
 * across chunks.  The parser is then in one of three states: at the start
 * of a line (the first bytes are held while they could still be a
 * boundary line), inside a content line, or inside a part header section
 * (one line assembled at a time into a header_list).  Content goes to the
 * current "sink": in pass 1 it only updates the facts of the entity that
 * owns it; in pass 2 it is encoded as that entity's decision says.
 *
 * The line end before a boundary line belongs to the boundary (RFC 2046
 * §5.1.1), so a content line end is held until the next line is known not
 * to be a boundary.  Entities are numbered in the order their bodies
 * begin; both passes parse alike, so the numbers agree, and the only
 * structural choice made from facts (a multipart that never opens a part
 * is walked as one text part) cannot change the numbering: such a
 * multipart has no parts in either pass.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "encode.h"
#include "header7bit.h"
#include "reencode.h"
#include "spool.h"

/* A boundary line: "--" boundary "--" and some transport padding. */
#define HEAD_MAX	(2 + REENCODE_BOUNDARY_MAX + 2 + 64)
#define SCAN_BLOCK	(64 * 1024)
#define QP_WRAP_AT	75	/* soft break before a 76th character */
#define ENTITY_SLACK	16	/* per entity: a final soft break, CRLF */

enum kind {
	K_PASS,		/* as it came, CRLF line ends */
	K_QP,		/* quoted-printable of the content */
	K_B64,		/* base64 of the content, CRLF line ends */
	K_QPWRAP,	/* already quoted-printable: soft breaks added */
	K_B64WRAP,	/* already base64: re-wrapped */
	K_NKINDS
};

enum eol { EOL_NONE, EOL_LF, EOL_CRLF, EOL_CR };

enum state { ST_BOL, ST_LINE, ST_HEADER };

struct fact {
	off_t	 bytes;		/* content octets, line ends included */
	off_t	 eols;
	size_t	 longest;
	unsigned char kind;	/* what it becomes when it must change */
	bool	 eightbit;
	bool	 opened;	/* multipart: a boundary opened a part */
};

struct level {
	char	 b[REENCODE_BOUNDARY_MAX];
	size_t	 blen;
	size_t	 entity;
	bool	 digest;	/* untyped parts are message/rfc822 */
	bool	 closed;	/* after the close delimiter: epilogue */
};

struct sink {
	enum kind kind;
	size_t	 owner;		/* entity whose content this is */
	size_t	 col;
	int	 esc;		/* K_QPWRAP: characters left of an "=XX" */
	struct qp qp;
	struct b64 b64;
};

struct reencode {
	bool	 eightbit_ok;
	bool	 smtputf8;	/* part header fields may stay 8-bit */
	bool	 scanning;
	char	*root_type, *root_cte;
	const char *root_new_cte;
	/* pass 1 results */
	struct fact *facts;
	size_t	 nfacts, capfacts;
	off_t	 over_bytes[K_NKINDS];	/* content of entities past the cap */
	off_t	 struct_bound;	/* headers and boundary lines */
	off_t	 bound;		/* for the server eightbit_ok says */
	bool	 headers_8bit;	/* a part header field held 8-bit octets */
	bool	 headers_8bit_kept;	/* ... that no encoding applies to */
	/* the parser */
	size_t	 parts;		/* entities pass 1 met */
	size_t	 entities;
	enum state st;
	bool	 cr;
	enum eol eol;		/* a content line end not yet given away */
	char	 head[HEAD_MAX];
	size_t	 nhead;
	struct level lv[REENCODE_DEPTH_MAX];
	size_t	 depth;
	struct header_list hdr;
	struct buf line;
	bool	 hdr_digest;
	struct sink sk;
	/* output */
	struct buf *out;
	struct buf scratch;	/* pass 1: structure bytes, counted */
	bool	 out_bol;
};


/* ---- output ------------------------------------------------------------ */

static void
out_track(struct reencode *re, size_t before)
{
	if (re->out->len > before)
		re->out_bol = re->out->data[re->out->len - 1] == '\n';
}

static void
out_add(struct reencode *re, const char *p, size_t n)
{
	size_t before = re->out->len;

	buf_add(re->out, p, n);
	out_track(re, before);
}

/* Pass 1 counts what headers and boundary lines will take. */
static void
out_count(struct reencode *re, off_t slack)
{
	if (!re->scanning)
		return;
	re->struct_bound += (off_t)re->scratch.len + slack;
	buf_reset(&re->scratch);
}

/* ---- facts ------------------------------------------------------------- */

static struct fact *
fact(struct reencode *re, size_t idx)
{
	if (idx >= REENCODE_PARTS_MAX)
		return NULL;
	if (idx >= re->capfacts) {
		size_t cap = re->capfacts ? re->capfacts * 2 : 16;

		if (cap > REENCODE_PARTS_MAX)
			cap = REENCODE_PARTS_MAX;
		re->facts = xreallocarray(re->facts, cap, sizeof(*re->facts));
		memset(re->facts + re->capfacts, 0,
		    (cap - re->capfacts) * sizeof(*re->facts));
		re->capfacts = cap;
	}
	if (idx >= re->nfacts)
		re->nfacts = idx + 1;
	return &re->facts[idx];
}

/* Pass 2: must entity idx change?  Past the cap nothing is known. */
static bool
needs(const struct reencode *re, size_t idx)
{
	const struct fact *f;

	if (idx >= re->nfacts)
		return true;
	f = &re->facts[idx];
	return f->longest > WIRE_LINE_MAX || (f->eightbit && !re->eightbit_ok);
}

/* ---- sinks: where content goes ----------------------------------------- */

static void
sink_begin(struct reencode *re, size_t owner, enum kind kind)
{
	memset(&re->sk, 0, sizeof(re->sk));
	re->sk.owner = owner;
	re->sk.kind = kind;
	qp_init(&re->sk.qp, false);
	b64_init(&re->sk.b64);
}

static void
scan_data(struct reencode *re, const char *p, size_t n)
{
	struct fact *f = fact(re, re->sk.owner);

	if (f == NULL) {
		re->over_bytes[re->sk.kind] += (off_t)n;
		return;
	}
	f->bytes += (off_t)n;
	re->sk.col += n;
	for (size_t i = 0; i < n && !f->eightbit; i++)
		f->eightbit = (unsigned char)p[i] >= 0x80;
}

static void
qpwrap_data(struct reencode *re, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sink *s = &re->sk;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (s->esc == 0 && s->col >= QP_WRAP_AT) {
			out_add(re, "=\r\n", 3);
			s->col = 0;
		}
		if (c >= 0x80) {
			char tok[3] = { '=', hex[c >> 4], hex[c & 15] };

			out_add(re, tok, 3);
			s->col += 3;
			s->esc = 0;
			continue;
		}
		out_add(re, (const char *)&p[i], 1);
		s->col++;
		if (c == '=')
			s->esc = 2;
		else if (s->esc > 0)
			s->esc--;
	}
}

static bool
is_b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

static void
b64wrap_data(struct reencode *re, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_b64_char((unsigned char)p[i]))
			continue;
		out_add(re, p + i, 1);
		if (++re->sk.col == ENCODE_LINE_MAX) {
			out_add(re, "\r\n", 2);
			re->sk.col = 0;
		}
	}
}

/* As it came; a line is still broken at 998 should the spool have
 * changed since pass 1. */
static void
pass_data(struct reencode *re, const char *p, size_t n)
{
	while (n > 0) {
		size_t room = WIRE_LINE_MAX - re->sk.col, take = n;

		if (room == 0) {
			out_add(re, "\r\n", 2);
			re->sk.col = 0;
			continue;
		}
		if (take > room)
			take = room;
		out_add(re, p, take);
		re->sk.col += take;
		p += take;
		n -= take;
	}
}

/* A content span (no CR or LF in it). */
static void
sink_data(struct reencode *re, const char *p, size_t n)
{
	size_t before = re->out->len;

	if (n == 0)
		return;
	if (re->scanning) {
		scan_data(re, p, n);
		return;
	}
	switch (re->sk.kind) {
	case K_PASS:
		pass_data(re, p, n);
		break;
	case K_QP:
		qp_encode(&re->sk.qp, p, n, re->out);
		break;
	case K_B64:
		b64_encode(&re->sk.b64, p, n, re->out);
		break;
	case K_QPWRAP:
		qpwrap_data(re, p, n);
		break;
	case K_B64WRAP:
		b64wrap_data(re, p, n);
		break;
	case K_NKINDS:
		break;
	}
	out_track(re, before);
}

static void
sink_eol(struct reencode *re, enum eol e)
{
	size_t before = re->out->len;
	struct fact *f;

	if (e == EOL_NONE)
		return;
	if (re->scanning) {
		if ((f = fact(re, re->sk.owner)) == NULL) {
			re->over_bytes[re->sk.kind] += e == EOL_CRLF ? 2 : 1;
			return;
		}
		f->bytes += e == EOL_CRLF ? 2 : 1;
		f->eols++;
		if (re->sk.col > f->longest)
			f->longest = re->sk.col;
		re->sk.col = 0;
		return;
	}
	switch (re->sk.kind) {
	case K_QP:
		/* Text: LF and CRLF are line ends, a bare CR is data (=0D). */
		qp_encode(&re->sk.qp, e == EOL_CR ? "\r" : "\r\n",
		    e == EOL_CR ? 1 : 2, re->out);
		break;
	case K_B64:
		b64_encode(&re->sk.b64, e == EOL_CR ? "\r" : "\r\n",
		    e == EOL_CR ? 1 : 2, re->out);
		break;
	case K_B64WRAP:
		break;
	default:
		buf_add(re->out, "\r\n", 2);
		re->sk.col = 0;
		re->sk.esc = 0;
		break;
	}
	out_track(re, before);
}

static void
sink_end(struct reencode *re)
{
	size_t before = re->out->len;
	struct fact *f;

	if (re->scanning) {
		if ((f = fact(re, re->sk.owner)) != NULL &&
		    re->sk.col > f->longest)
			f->longest = re->sk.col;
		re->sk.col = 0;
		return;
	}
	if (re->sk.kind == K_QP)
		qp_finish(&re->sk.qp, re->out);
	else if (re->sk.kind == K_B64)
		b64_finish(&re->sk.b64, re->out);
	out_track(re, before);
	re->sk.col = 0;
}

/* ---- Content-Type and Content-Transfer-Encoding ------------------------- */

static char *
lower_token(const char *v, const char *stop)
{
	size_t n;
	char *t;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, stop);
	t = xstrndup(v, n);
	for (char *q = t; *q != '\0'; q++)
		*q = (char)ascii_tolower(*q);
	return str_trim(t);
}

/* The boundary parameter of a Content-Type value into b; its length, or
 * 0 when there is none or it is unusable. */
static size_t
find_boundary(const char *v, char *b)
{
	const char *p = strchr(v, ';');

	while (p != NULL && *p == ';') {
		const char *name, *eq;
		size_t n = 0;

		p++;
		p += strspn(p, " \t");
		name = p;
		eq = p + strcspn(p, "=;");
		if (*eq != '=') {	/* no value: not a parameter */
			p = eq;
			continue;
		}
		p = eq + 1;
		p += strspn(p, " \t");
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (n == REENCODE_BOUNDARY_MAX)
					return 0;
				b[n++] = *p;
			}
			if (*p == '"')
				p++;
		} else {
			for (; *p != '\0' && *p != ';' && *p != ' ' &&
			    *p != '\t'; p++) {
				if (n == REENCODE_BOUNDARY_MAX)
					return 0;
				b[n++] = *p;
			}
		}
		while (eq > name && (eq[-1] == ' ' || eq[-1] == '\t'))
			eq--;
		if ((size_t)(eq - name) == 8 &&
		    ascii_eqn_ci(name, "boundary", 8)) {
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)b[i] < 0x20 ||
				    (unsigned char)b[i] > 0x7e)
					return 0;
			return n;
		}
		p = strchr(p, ';');
	}
	return 0;
}

static bool
cte_is_identity(const char *cte)
{
	return *cte == '\0' || strcmp(cte, "7bit") == 0 ||
	    strcmp(cte, "8bit") == 0 || strcmp(cte, "binary") == 0;
}

/* What a leaf becomes when it must change (type and cte lowercased;
 * text: a multipart that is read as one text).  The one rule for a
 * top-level body and a part alike (reencode_is_text_leaf). */
static enum kind
leaf_kind(const char *type, const char *cte, bool text)
{
	if (strcmp(cte, "quoted-printable") == 0)
		return K_QPWRAP;
	if (strcmp(cte, "base64") == 0)
		return K_B64WRAP;
	if (cte_is_identity(cte) && (text || ascii_prefix_ci(type, "text/")))
		return K_QP;
	return K_B64;
}

bool
reencode_is_text_leaf(const char *content_type, const char *cte)
{
	char *type = content_type != NULL ? lower_token(content_type, ";") :
	    xstrdup("text/plain");
	char *c = lower_token(cte != NULL ? cte : "", " \t;(");
	bool yes = leaf_kind(type, c, false) == K_QP;

	free(type);
	free(c);
	return yes;
}

/* ---- entities ----------------------------------------------------------- */

enum entity { E_LEAF, E_MULTI, E_EMBED };

struct decision {
	enum entity what;
	const char *new_cte;	/* the field must now say this, or NULL */
};

static bool
push_level(struct reencode *re, const char *type, const char *b, size_t blen,
    size_t idx)
{
	struct level *l;

	if (blen == 0 || re->depth == REENCODE_DEPTH_MAX)
		return false;
	l = &re->lv[re->depth++];
	memcpy(l->b, b, blen);
	l->blen = blen;
	l->entity = idx;
	l->digest = strcmp(type, "multipart/digest") == 0;
	l->closed = false;
	return true;
}

/* The body of a new entity begins: decide what it is and what it becomes
 * (pass 2 asks the facts; pass 1 records what it would become). */
static struct decision
entity_begin(struct reencode *re, const char *ctype, const char *cte_v,
    bool digest_default, bool blank)
{
	struct decision d = { E_LEAF, NULL };
	size_t idx = re->entities++, blen;
	char *type, *cte, b[REENCODE_BOUNDARY_MAX];
	bool text = false;
	enum kind k;
	struct fact *f;

	type = ctype != NULL ? lower_token(ctype, ";") :
	    xstrdup(digest_default ? "message/rfc822" : "text/plain");
	cte = lower_token(cte_v != NULL ? cte_v : "", " \t;(");
	if (ascii_prefix_ci(type, "multipart/") && cte_is_identity(cte)) {
		text = true;	/* when it never opens a part */
		blen = ctype != NULL ? find_boundary(ctype, b) : 0;
		if ((re->scanning || idx >= re->nfacts ||
		    re->facts[idx].opened) &&
		    push_level(re, type, b, blen, idx))
			d.what = E_MULTI;
	} else if (strcmp(type, "message/rfc822") == 0 &&
	    cte_is_identity(cte) && blank)
		d.what = E_EMBED;
	k = d.what == E_MULTI ? K_QP : leaf_kind(type, cte, text);
	if (re->scanning) {
		if ((f = fact(re, idx)) != NULL)
			f->kind = (unsigned char)k;
	} else if (!needs(re, idx))
		k = K_PASS;
	else if (d.what == E_LEAF && k == K_QP)
		d.new_cte = "quoted-printable";
	else if (d.what == E_LEAF && k == K_B64)
		d.new_cte = "base64";
	if (d.what != E_EMBED)
		sink_begin(re, idx, k);
	free(type);
	free(cte);
	return d;
}

/* Field i of the part header in 7-bit form (header7bit.h), or NULL. */
static char *
part_field_7bit(const struct header_list *h, size_t i)
{
	char *v = header_value(h, i);
	char *seven = header_field_7bit(h->v[i].name, v);

	free(v);
	return seven;
}

/* Pass 1 always works out the 7-bit form (the facts and the bound must
 * not depend on SMTPUTF8, which may be set later); pass 2 uses it unless
 * the transaction is SMTPUTF8. */
static void
emit_field(struct reencode *re, const struct header *f, char *seven)
{
	if (seven != NULL && re->scanning)
		re->struct_bound += (off_t)f->raw_len + 2;	/* as it is */
	if (seven != NULL && (re->scanning || !re->smtputf8))
		header_put_wire(re->out, seven, strlen(seven));
	else
		header_put_wire(re->out, f->raw, f->raw_len);
	out_count(re, 0);
}

static void
emit_headers(struct reencode *re, const char *new_cte, bool blank)
{
	const struct header_list *h = &re->hdr;

	for (size_t i = 0; i < h->n; i++) {
		const struct header *f = &h->v[i];
		char *seven = NULL;

		if (new_cte != NULL &&
		    ascii_eq_ci(f->name, "Content-Transfer-Encoding"))
			continue;
		if ((re->scanning || !re->smtputf8) &&
		    mem_has_8bit(f->raw, f->raw_len) &&
		    (seven = part_field_7bit(h, i)) == NULL && re->scanning)
			re->headers_8bit_kept = true;
		emit_field(re, f, seven);
		free(seven);
	}
	if (new_cte != NULL)
		buf_printf(re->out, "Content-Transfer-Encoding: %s\r\n",
		    new_cte);
	if (blank)
		buf_add(re->out, "\r\n", 2);
	re->out_bol = true;
	/* Pass 1 cannot know yet whether the field changes. */
	out_count(re, 2 * (off_t)h->n + 64);
}

/* The part header section ended: with an empty line (blank), with a line
 * that is body (body_follows), or with a boundary or the end of input. */
static void
header_end(struct reencode *re, bool blank, bool body_follows)
{
	char *ct = header_first_value(&re->hdr, "Content-Type");
	char *cte = header_first_value(&re->hdr, "Content-Transfer-Encoding");
	struct decision d = entity_begin(re, ct, cte, re->hdr_digest, blank);

	emit_headers(re, d.new_cte, blank || body_follows);
	free(ct);
	free(cte);
	header_list_free(&re->hdr);
	header_list_init(&re->hdr);
	re->eol = EOL_NONE;
	re->st = ST_BOL;
	if (d.what == E_EMBED) {	/* the embedded message's header */
		re->hdr_digest = false;
		re->st = ST_HEADER;
	}
}

/* ---- boundaries --------------------------------------------------------- */

/* Does h[0..n) match level l as a boundary line (full), or could it still
 * become one (!full)?  *close: it is the close delimiter. */
static bool
level_match(const struct level *l, const char *h, size_t n, bool full,
    bool *close)
{
	size_t i;

	*close = false;
	if (l->closed)
		return false;
	if (n < 2 + l->blen)
		return !full && memcmp(h, "--", n < 2 ? n : 2) == 0 &&
		    (n <= 2 || memcmp(h + 2, l->b, n - 2) == 0);
	if (memcmp(h, "--", 2) != 0 || memcmp(h + 2, l->b, l->blen) != 0)
		return false;
	i = 2 + l->blen;
	if (i < n && h[i] == '-') {
		if (i + 1 == n)
			return !full;
		if (h[i + 1] != '-')
			return false;
		*close = true;
		i += 2;
	}
	for (; i < n; i++)
		if (h[i] != ' ' && h[i] != '\t')
			return false;
	return true;
}

/* The innermost level the line matches, or -1. */
static long
match(const struct reencode *re, const char *h, size_t n, bool full,
    bool *close)
{
	if (n == 0 || h[0] != '-' || n > HEAD_MAX)
		return -1;
	for (size_t j = re->depth; j-- > 0;)
		if (level_match(&re->lv[j], h, n, full, close))
			return (long)j;
	return -1;
}

static void
start_part(struct reencode *re, bool digest)
{
	header_list_free(&re->hdr);
	header_list_init(&re->hdr);
	buf_reset(&re->line);
	re->hdr_digest = digest;
	re->st = ST_HEADER;
}

/* A boundary line of level j: the current content ends, inner levels
 * end, and a part (or the epilogue) begins. */
static void
delimiter(struct reencode *re, size_t j, bool close, size_t len)
{
	struct level *l = &re->lv[j];
	struct fact *f;

	sink_end(re);
	re->depth = j + 1;
	if (re->eol != EOL_NONE || !re->out_bol)
		buf_add(re->out, "\r\n", 2);
	buf_add(re->out, "--", 2);
	buf_add(re->out, l->b, l->blen);
	buf_adds(re->out, close ? "--\r\n" : "\r\n");
	re->out_bol = true;
	re->eol = EOL_NONE;
	/* A multipart walked as one text part quotes this line too. */
	out_count(re, 3 * (off_t)len + 12);
	if (close) {
		l->closed = true;
		sink_begin(re, l->entity, re->scanning ||
		    needs(re, l->entity) ? K_QP : K_PASS);
		re->st = ST_BOL;
		return;
	}
	if (re->scanning && (f = fact(re, l->entity)) != NULL)
		f->opened = true;
	start_part(re, l->digest);
}

/* ---- the parser --------------------------------------------------------- */

/* Lines held at the start of a line turned out to be content. */
static void
flush_head(struct reencode *re)
{
	sink_eol(re, re->eol);
	re->eol = EOL_NONE;
	sink_data(re, re->head, re->nhead);
	re->nhead = 0;
}

/* A header line that is body: the section ends and content begins. */
static void
header_to_body(struct reencode *re)
{
	struct buf keep = re->line;

	buf_init(&re->line);
	header_end(re, false, true);	/* never an embed: that needs blank */
	sink_data(re, keep.data, keep.len);
	buf_free(&keep);
	re->st = ST_LINE;
}

static void
header_line(struct reencode *re, bool at_end)
{
	struct buf *l = &re->line;
	struct header_list *h = &re->hdr;
	struct err e;
	bool close;
	long j = match(re, l->data, l->len, true, &close);
	int rc = -1;

	if (j >= 0) {
		size_t len = l->len;

		buf_reset(l);
		header_end(re, false, false);
		delimiter(re, (size_t)j, close, len);
		return;
	}
	if (l->len == 0) {
		if (!at_end)
			header_end(re, true, false);
		return;
	}
	if (header_field_name_len(l->data, l->len) > 0)
		rc = header_append_line(h, l->data, l->len, &e);
	else if (h->n > 0 && header_is_continuation(l->data, l->len))
		rc = header_continue_line(h, l->data, l->len, &e);
	if (rc == -1) {
		header_to_body(re);
		return;
	}
	for (size_t i = 0; i < l->len; i++)
		if ((unsigned char)l->data[i] >= 0x80)
			re->headers_8bit = true;
	buf_reset(l);
}

static void
on_data(struct reencode *re, const char *p, size_t n)
{
	bool close;

	while (n > 0) {
		switch (re->st) {
		case ST_LINE:
			sink_data(re, p, n);
			return;
		case ST_HEADER:
			buf_add(&re->line, p, n);
			if (re->line.len > WIRE_LINE_MAX)
				header_to_body(re);
			return;
		case ST_BOL:
			if (re->nhead == HEAD_MAX) {
				flush_head(re);
				re->st = ST_LINE;
				break;
			}
			re->head[re->nhead++] = *p++;
			n--;
			if (match(re, re->head, re->nhead, false, &close) < 0) {
				flush_head(re);
				re->st = ST_LINE;
			}
			break;
		}
	}
}

static void
on_eol(struct reencode *re, enum eol e)
{
	bool close;
	long j;

	switch (re->st) {
	case ST_LINE:
		break;
	case ST_HEADER:
		header_line(re, false);
		if (re->st != ST_LINE)
			return;
		break;		/* the line was body: its end is content */
	case ST_BOL:
		j = re->nhead > 0 ? match(re, re->head, re->nhead, true,
		    &close) : -1;
		if (j >= 0) {
			delimiter(re, (size_t)j, close, re->nhead);
			re->nhead = 0;
			return;
		}
		flush_head(re);
		break;
	}
	re->eol = e;
	re->st = ST_BOL;
}

static void
feed(struct reencode *re, const char *p, size_t n)
{
	size_t i = 0;

	if (re->cr && n > 0) {
		re->cr = false;
		if (p[0] == '\n') {
			on_eol(re, EOL_CRLF);
			i = 1;
		} else
			on_eol(re, EOL_CR);
	}
	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '\r' && p[j] != '\n')
			j++;
		on_data(re, p + i, j - i);
		if (j == n)
			break;
		if (p[j] == '\n') {
			on_eol(re, EOL_LF);
			i = j + 1;
		} else if (j + 1 == n) {
			re->cr = true;	/* its LF may be in the next chunk */
			i = n;
		} else if (p[j + 1] == '\n') {
			on_eol(re, EOL_CRLF);
			i = j + 2;
		} else {
			on_eol(re, EOL_CR);
			i = j + 1;
		}
	}
}

static void
finish(struct reencode *re)
{
	bool close;
	long j;

	if (re->cr) {
		re->cr = false;
		on_eol(re, EOL_CR);
	}
	if (re->st == ST_BOL && re->nhead > 0) {
		j = match(re, re->head, re->nhead, true, &close);
		if (j >= 0) {
			delimiter(re, (size_t)j, close, re->nhead);
			re->nhead = 0;
		} else
			flush_head(re);
	}
	if (re->st == ST_HEADER) {
		header_line(re, true);
		if (re->st == ST_HEADER)
			header_end(re, false, false);
	}
	/* A last line end with nothing after it is content. */
	sink_eol(re, re->eol);
	re->eol = EOL_NONE;
	sink_end(re);
	if (!re->out_bol)
		buf_add(re->out, "\r\n", 2);
	re->out_bol = true;
}

/* Back to the start of the body for a pass. */
static void
parser_reset(struct reencode *re, bool scanning)
{
	struct decision d;

	re->scanning = scanning;
	re->entities = 0;
	re->st = ST_BOL;
	re->cr = false;
	re->eol = EOL_NONE;
	re->nhead = 0;
	re->depth = 0;
	header_list_free(&re->hdr);
	header_list_init(&re->hdr);
	buf_reset(&re->line);
	re->out_bol = true;
	re->out = &re->scratch;
	sink_begin(re, 0, K_PASS);
	d = entity_begin(re, re->root_type, re->root_cte, false, true);
	re->root_new_cte = d.new_cte;
	if (d.what == E_EMBED)
		start_part(re, false);
}

/* ---- the bound ---------------------------------------------------------- */

static off_t
kind_bound(enum kind k, off_t b, off_t eols)
{
	off_t chars;

	switch (k) {
	case K_QP:
	case K_QPWRAP:
		/* Each octet at most "=XX"; a soft break per 73 characters. */
		return 3 * b + 3 * (3 * b / 73 + 2);
	case K_B64:
		chars = (2 * b + 2) / 3 * 4;	/* LF may become CRLF */
		return chars + 2 * (chars / ENCODE_LINE_MAX + 1);
	case K_B64WRAP:
		return b + 2 * (b / ENCODE_LINE_MAX + 1);
	default:
		break;
	}
	return b + eols + 2 * (b / WIRE_LINE_MAX + 1);
}

/* After pass 1, and again when the server changes: the facts stay, which
 * parts change (and so the bound) depends on eightbit_ok. */
static void
compute_bound(struct reencode *re)
{
	off_t over_entities = 0;

	re->bound = re->struct_bound;
	for (size_t i = 0; i < re->nfacts; i++) {
		const struct fact *f = &re->facts[i];

		re->bound += kind_bound(needs(re, i) ? (enum kind)f->kind :
		    K_PASS, f->bytes, f->eols) + ENTITY_SLACK;
	}
	for (int k = 0; k < K_NKINDS; k++)
		re->bound += kind_bound((enum kind)k, re->over_bytes[k],
		    re->over_bytes[k]);
	if (re->parts > re->nfacts)
		over_entities = (off_t)(re->parts - re->nfacts);
	re->bound += ENTITY_SLACK * over_entities + 2;
}

/* ---- the interface ------------------------------------------------------ */

struct reencode *
reencode_new(const char *content_type, const char *cte, bool eightbit_ok)
{
	struct reencode *re = xcalloc(1, sizeof(*re));

	re->eightbit_ok = eightbit_ok;
	re->root_type = content_type != NULL ? xstrdup(content_type) : NULL;
	re->root_cte = cte != NULL ? xstrdup(cte) : NULL;
	header_list_init(&re->hdr);
	buf_init(&re->line);
	buf_init(&re->scratch);
	parser_reset(re, true);
	return re;
}

struct reencode *
reencode_new_headers(const struct header_list *h, bool eightbit_ok)
{
	char *ct = header_first_value(h, "Content-Type");
	char *cte = header_first_value(h, "Content-Transfer-Encoding");
	struct reencode *re = reencode_new(ct, cte, eightbit_ok);

	free(ct);
	free(cte);
	return re;
}

void
reencode_free(struct reencode *re)
{
	if (re == NULL)
		return;
	free(re->root_type);
	free(re->root_cte);
	free(re->facts);
	header_list_free(&re->hdr);
	buf_free(&re->line);
	buf_free(&re->scratch);
	free(re);
}

void
reencode_scan(struct reencode *re, const void *p, size_t n)
{
	re->out = &re->scratch;
	feed(re, p, n);
	out_count(re, 0);
}

void
reencode_scan_end(struct reencode *re)
{
	re->out = &re->scratch;
	finish(re);
	out_count(re, 0);
	re->parts = re->entities;
	compute_bound(re);
	parser_reset(re, false);
}

void
reencode_restart(struct reencode *re, bool eightbit_ok)
{
	re->eightbit_ok = eightbit_ok;
	compute_bound(re);
	parser_reset(re, false);
}

int
reencode_scan_fd(struct reencode *re, int fd, off_t off, off_t len,
    struct err *e)
{
	char *blk = xmalloc(SCAN_BLOCK);
	off_t pos = off, end = off + len;
	ssize_t n = 0;

	while (pos < end) {
		size_t want = end - pos < SCAN_BLOCK ? (size_t)(end - pos) :
		    SCAN_BLOCK;

		n = spool_pread(fd, blk, want, pos);
		if (n <= 0)
			break;
		reencode_scan(re, blk, (size_t)n);
		pos += n;
	}
	free(blk);
	if (n < 0)
		return err_sys(e, EX_IOERR, "cannot read spool file");
	reencode_scan_end(re);
	return 0;
}

const char *
reencode_root_cte(const struct reencode *re)
{
	return re->root_new_cte;
}

off_t
reencode_size_bound(const struct reencode *re)
{
	return re->bound;
}

bool
reencode_headers_8bit(const struct reencode *re)
{
	return re->smtputf8 ? re->headers_8bit : re->headers_8bit_kept;
}

void
reencode_set_smtputf8(struct reencode *re, bool smtputf8)
{
	re->smtputf8 = smtputf8;
}

size_t
reencode_parts(const struct reencode *re)
{
	return re->parts;
}

void
reencode_feed(struct reencode *re, const void *p, size_t n, struct buf *out)
{
	re->out = out;
	feed(re, p, n);
}

void
reencode_finish(struct reencode *re, struct buf *out)
{
	re->out = out;
	finish(re);
}
