/*
 * dkim_body.c — DKIM-Signature fields in front of a body source (see
 * dkim_body.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim_body.h"

#define SIGN_BLOCK	(64 * 1024)	/* read size of the signing pass */

/* Read inner's whole wire form for the w of its last prepare into a
 * signing pass; the fields replace b->fields. */
static int
sign_pass(struct dkim_body *b, struct err *e)
{
	const struct body_source *in = b->inner;
	struct dkim_sign *g;
	char *block;
	ssize_t n;
	int rc;

	if (in->open(in->ctx, e) == -1)
		return -1;
	g = dkim_sign_begin(b->signer, b->d, time(NULL));
	block = xmalloc(SIGN_BLOCK);
	while ((n = in->read(in->ctx, block, SIGN_BLOCK, e)) > 0)
		dkim_sign_feed(g, block, (size_t)n);
	in->close(in->ctx);
	free(block);
	buf_reset(&b->fields);
	rc = n < 0 ? -1 : dkim_sign_end(g, &b->fields, e);
	dkim_sign_free(g);
	return rc;
}

static int
dkim_body_prepare(void *ctx, const struct wire_opts *w, off_t *size,
    bool *eightbit, struct err *e)
{
	struct dkim_body *b = ctx;

	if (b->inner->prepare(b->inner->ctx, w, size, eightbit, e) == -1)
		return -1;
	if (!b->signed_once || b->w.eightbitmime != w->eightbitmime ||
	    b->w.smtputf8 != w->smtputf8) {
		b->signed_once = false;
		if (sign_pass(b, e) == -1)
			return -1;
		b->w = *w;
		b->signed_once = true;
	}
	if (size != NULL)
		*size += (off_t)b->fields.len;
	return 0;
}

static int
dkim_body_open(void *ctx, struct err *e)
{
	struct dkim_body *b = ctx;

	b->pos = 0;
	return b->inner->open(b->inner->ctx, e);
}

static ssize_t
dkim_body_read(void *ctx, char *buf, size_t len, struct err *e)
{
	struct dkim_body *b = ctx;
	size_t n;

	if (b->pos < b->fields.len) {
		n = b->fields.len - b->pos;
		if (n > len)
			n = len;
		memcpy(buf, b->fields.data + b->pos, n);
		b->pos += n;
		return (ssize_t)n;
	}
	return b->inner->read(b->inner->ctx, buf, len, e);
}

static void
dkim_body_close(void *ctx)
{
	struct dkim_body *b = ctx;

	b->inner->close(b->inner->ctx);
}

void
dkim_body_init(struct dkim_body *b, struct body_source *out,
    const struct body_source *inner, const struct dkim_signer *s,
    const char *d)
{
	memset(b, 0, sizeof(*b));
	b->inner = inner;
	b->signer = s;
	b->d = d;
	buf_init(&b->fields);
	*out = (struct body_source){ .ctx = b, .prepare = dkim_body_prepare,
	    .open = dkim_body_open, .read = dkim_body_read,
	    .close = dkim_body_close };
}

void
dkim_body_free(struct dkim_body *b)
{
	buf_free(&b->fields);
}
