/*
 * fuzz_reply.c — libFuzzer target for reply_feed() and caps_from_ehlo().
 *
 * The input is split at '\n' (a trailing '\r' is dropped, as conn_readline
 * does) and fed line by line; every complete reply goes through
 * caps_from_ehlo() and reply_summary().  Invariants checked: the text stays
 * within its caps and NUL-terminated, only printable octets and '\n' are
 * kept, a complete reply has a 2xx..5xx code, the status agrees with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

static void
check_reply(const struct smtp_reply *r)
{
	struct smtp_caps c;
	char sum[128];

	if (r->text_len >= REPLY_TEXT_MAX || r->text[r->text_len] != '\0' ||
	    strlen(r->text) != r->text_len || r->nlines > REPLY_LINES_MAX)
		abort();
	for (size_t i = 0; i < r->text_len; i++)
		if (r->text[i] != '\n' &&
		    ((unsigned char)r->text[i] < 0x20 ||
		    (unsigned char)r->text[i] >= 0x7f))
			abort();
	if (r->code < 200 || r->code > 599)
		abort();
	if (r->status[0] != '\0' && r->status[0] - '0' != r->code / 100)
		abort();
	caps_from_ehlo(&c, r);
	if (strlen(c.auth) >= sizeof(c.auth))
		abort();
	reply_summary(r, sum, sizeof(sum));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct smtp_reply r;
	struct err e;
	size_t len;
	int rc;

	reply_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl ? nl : end) - p);
		/* An exact-size copy, so ASan sees any read past len. */
		char *line = malloc(len ? len : 1);
		memcpy(line, p, len);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		rc = reply_feed(&r, line, len, &e);
		free(line);
		if (rc == 1)
			check_reply(&r);
		else if (rc == -1)
			reply_init(&r);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
