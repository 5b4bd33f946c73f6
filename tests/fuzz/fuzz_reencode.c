/*
 * fuzz_reencode.c — the per-part re-encoder on a random body and
 * boundary: the output must not depend on the chunking, must fit the
 * pass-1 size bound, must have CRLF lines of at most 998 octets, and must
 * be 7-bit, part header sections included, when the server lacks 8BITMIME
 * and the transaction is not SMTPUTF8 (unless reencode_headers_8bit says
 * a field no encoding applies to went as it is).  With SMTPUTF8 the
 * output must still fit the bound of the same scan.
 *
 * Input: byte 0 picks the top-level type, 8BITMIME (0x80) and SMTPUTF8
 * (0x40), byte 1 the chunk sizes, byte 2 the boundary length, then the
 * boundary, then the body.  One of the types is the input's own: the
 * body's first line is then the top-level Content-Type and its second
 * the Content-Transfer-Encoding (empty: none), as a message's header
 * would give them.  The output is checked by wirecheck.h too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reencode.h"
#include "wirecheck.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static const char *const types[][2] = {
	{ "multipart/mixed; boundary=\"%s\"", NULL },
	{ "multipart/digest; boundary=\"%s\"", "7bit" },
	{ "multipart/alternative; boundary=%s", "8bit" },
	{ "message/rfc822", NULL },
	{ "text/plain", "quoted-printable" },
	{ "application/octet-stream", "base64" },
	{ "text/plain", "x-unknown" },
	{ NULL, NULL },
	{ "", NULL },	/* the input's own (see above) */
};

/* The next line of d[0..*n) as a string (newly allocated), consumed. */
static char *
take_line(const uint8_t **d, size_t *n)
{
	const uint8_t *nl = memchr(*d, '\n', *n);
	size_t k = nl != NULL ? (size_t)(nl - *d) : *n;
	char *s = strndup((const char *)*d, k);

	*d += k + (nl != NULL);
	*n -= k + (nl != NULL);
	return s;
}

static void
run(const char *ct, const char *cte, bool ok, bool utf8, const uint8_t *d,
    size_t n, size_t scan_step, size_t feed_step, struct buf *out,
    off_t *bound, bool *hdr8)
{
	struct reencode *re = reencode_new(ct, cte, ok);

	reencode_set_smtputf8(re, utf8);
	for (size_t i = 0; i < n; i += scan_step)
		reencode_scan(re, d + i, n - i < scan_step ? n - i : scan_step);
	reencode_scan_end(re);
	*bound = reencode_size_bound(re);
	*hdr8 = reencode_headers_8bit(re);
	buf_init(out);
	for (size_t i = 0; i < n; i += feed_step)
		reencode_feed(re, d + i, n - i < feed_step ? n - i : feed_step,
		    out);
	reencode_finish(re, out);
	reencode_free(re);
}

static void
check_wire(const struct buf *b, bool seven)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		REQUIRE(!seven || c < 0x80);
		if (c == '\r')
			REQUIRE(i + 1 < b->len && b->data[i + 1] == '\n');
		else if (c == '\n') {
			REQUIRE(i > 0 && b->data[i - 1] == '\r');
			col = 0;
		} else
			REQUIRE(++col <= 998);
	}
	REQUIRE(b->len == 0 || b->data[b->len - 1] == '\n');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char bd[REENCODE_BOUNDARY_MAX + 1], ct[REENCODE_BOUNDARY_MAX + 64];
	size_t blen, t, ntypes = sizeof(types) / sizeof(types[0]);
	struct buf one, two;
	off_t b1, b2;
	bool ok, utf8, h1, h2;
	uint8_t steps;
	const char *type = NULL, *cte;
	char *own_ct = NULL, *own_cte = NULL;

	if (size < 3)
		return 0;
	steps = data[1];
	t = data[0] % ntypes;
	cte = types[t][1];
	ok = data[0] & 0x80;
	utf8 = data[0] & 0x40;
	blen = data[2] % 72;
	if (size < 3 + blen)
		return 0;
	for (size_t i = 0; i < blen; i++) {
		unsigned char c = data[3 + i];

		/* printable, and nothing that would end the quoted string */
		bd[i] = c < 0x21 || c > 0x7e || c == '"' || c == '\\' ||
		    c == ';' ? 'x' : (char)c;
	}
	bd[blen] = '\0';
	data += 3 + blen;
	size -= 3 + blen;
	if (types[t][0] != NULL && types[t][0][0] == '\0') {
		own_ct = take_line(&data, &size);
		own_cte = take_line(&data, &size);
		type = own_ct;
		cte = own_cte[0] != '\0' ? own_cte : NULL;
	} else if (types[t][0] != NULL) {
		snprintf(ct, sizeof(ct), types[t][0], bd);
		type = ct;
	}
	run(type, cte, ok, utf8, data, size,
	    size ? size : 1, size ? size : 1, &one, &b1, &h1);
	run(type, cte, ok, utf8, data, size,
	    1 + steps % 7, 1 + steps / 7 % 13, &two, &b2, &h2);
	free(own_ct);
	free(own_cte);
	REQUIRE(one.len == two.len &&
	    (one.len == 0 || memcmp(one.data, two.data, one.len) == 0));
	REQUIRE(b1 == b2 && h1 == h2);
	REQUIRE((off_t)one.len <= b1);
	check_wire(&one, !ok && !utf8 && !h1);
	wirecheck(one.data, one.len, false, !utf8, !ok && !utf8);
	buf_free(&one);
	buf_free(&two);
	return 0;
}
