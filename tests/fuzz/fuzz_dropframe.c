/*
 * fuzz_dropframe.c — libFuzzer target for the drop helper's input framing
 * (dropframe.h), the one parser that runs with the drop group: the "env
 * LEN" line, then the state and the message's chunks.
 *
 * Invariants checked: the parser never reads past the input's end nor
 * writes more than it read; when the whole input is accepted, what it
 * wrote is exactly the input without its framing (the "env" line, the
 * chunk lines and the final "0\n"), checked by framing it again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropframe.h"

struct ctx {
	const uint8_t	*in;
	size_t		 len, pos;
	char		*out;
	size_t		 outlen;
};

static size_t
rd(void *p, char *buf, size_t len)
{
	struct ctx *c = p;
	size_t n = c->len - c->pos < len ? c->len - c->pos : len;

	memcpy(buf, c->in + c->pos, n);
	c->pos += n;
	return n;
}

static void
wr(void *p, const char *buf, size_t len)
{
	struct ctx *c = p;

	c->out = realloc(c->out, c->outlen + len + 1);
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { .in = data, .len = size };
	struct dropframe_io io = { rd, wr, &c };
	size_t envlen, hl;

	if (dropframe_env(&io, &envlen) != NULL)
		return 0;
	hl = c.pos;
	if (dropframe_copy(&io, envlen, 0) == NULL) {
		/* Unframed output: the state, then the chunks' bytes. */
		if (c.outlen < envlen || c.pos > size ||
		    c.outlen + hl + 2 > c.pos)
			abort();
		/* Framing the output again in the input's own chunk
		 * boundaries is the input read so far, byte for byte: walk
		 * the input's chunk lines and compare each chunk. */
		size_t ip = hl + envlen, op = envlen;

		if (envlen > 0 && memcmp(c.out, data + hl, envlen) != 0)
			abort();
		for (;;) {
			char *end;
			unsigned long n = strtoul((const char *)data + ip,
			    &end, 10);

			ip = (size_t)(end - (const char *)data) + 1;
			if (n == 0)
				break;
			if (memcmp(c.out + op, data + ip, n) != 0)
				abort();
			ip += n;
			op += n;
		}
		if (ip != c.pos || op != c.outlen)
			abort();
	}
	free(c.out);
	return 0;
}
