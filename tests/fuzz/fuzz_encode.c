/*
 * fuzz_encode.c — every encoder in encode.c against its decoder: random
 * input, split at an input-chosen point, must come back unchanged, and
 * the decoders must survive arbitrary input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static bool
same(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void
strip_crlf(const struct buf *in, struct buf *out)
{
	for (size_t i = 0; i < in->len; i++)
		if (in->data[i] != '\r' && in->data[i] != '\n')
			buf_addc(out, in->data[i]);
}

static void
lines_at_most(const struct buf *b, size_t max)
{
	size_t col = 0;

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			REQUIRE(i > 0 && b->data[i - 1] == '\r');
			col = 0;
		} else if (b->data[i] != '\r' && ++col > max) {
			abort();
		}
	}
}

static void
fuzz_b64(const uint8_t *d, size_t n, size_t split)
{
	struct b64 s;
	struct buf one, two, flat, dec;
	char *plain;

	buf_init(&one);
	buf_init(&two);
	buf_init(&flat);
	buf_init(&dec);
	b64_init(&s);
	b64_encode(&s, d, n, &one);
	b64_finish(&s, &one);
	b64_init(&s);
	b64_encode(&s, d, split, &two);
	b64_encode(&s, d + split, n - split, &two);
	b64_finish(&s, &two);
	REQUIRE(same(one.data, one.len, two.data, two.len));
	REQUIRE(one.len <= b64_encoded_max(n));
	lines_at_most(&one, ENCODE_LINE_MAX);
	strip_crlf(&one, &flat);
	REQUIRE(b64_decode_plain(flat.data, flat.len, &dec) == 0);
	REQUIRE(same(dec.data, dec.len, d, n));
	plain = b64_encode_plain(d, n);
	REQUIRE(same(plain, strlen(plain), flat.data, flat.len));
	free(plain);
	buf_reset(&dec);
	(void)b64_decode_plain((const char *)d, n, &dec);
	buf_free(&one);
	buf_free(&two);
	buf_free(&flat);
	buf_free(&dec);
}

static void
fuzz_qp(const uint8_t *d, size_t n, size_t split, bool binary)
{
	struct qp s;
	struct buf one, two, dec, want;

	buf_init(&one);
	buf_init(&two);
	buf_init(&dec);
	buf_init(&want);
	qp_init(&s, binary);
	qp_encode(&s, d, n, &one);
	qp_finish(&s, &one);
	qp_init(&s, binary);
	qp_encode(&s, d, split, &two);
	qp_encode(&s, d + split, n - split, &two);
	qp_finish(&s, &two);
	REQUIRE(same(one.data, one.len, two.data, two.len));
	lines_at_most(&one, ENCODE_LINE_MAX);
	/* Text mode: a bare LF becomes CRLF, nothing else changes. */
	for (size_t i = 0; i < n; i++) {
		if (!binary && d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
			buf_addc(&want, '\r');
		buf_addc(&want, (char)d[i]);
	}
	REQUIRE(qp_decode(one.data, one.len, &dec) == 0);
	REQUIRE(same(dec.data, dec.len, want.data, want.len));
	buf_reset(&dec);
	(void)qp_decode((const char *)d, n, &dec);
	buf_free(&one);
	buf_free(&two);
	buf_free(&dec);
	buf_free(&want);
}

static void
fuzz_2047(const char *text, size_t prefix)
{
	char *enc = rfc2047_encode(text, prefix);
	char *dec = rfc2047_decode(enc);
	char *raw = rfc2047_decode(text);

	REQUIRE(strcmp(dec, text) == 0);
	free(enc);
	free(dec);
	free(raw);
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* Reassemble "filename" from what rfc2231_param wrote. */
static void
fuzz_2231(const char *text)
{
	struct buf p, v;
	const char *s;
	bool ext = false;

	buf_init(&p);
	buf_init(&v);
	rfc2231_param(&p, "filename", text, false);
	s = p.data;
	REQUIRE(strncmp(s, ";\n filename", 11) == 0);
	while ((s = strstr(s, "\n filename")) != NULL) {
		s = strchr(s, '=') + 1;
		ext = s[-2] == '*';
		if (strncmp(s, "utf-8''", 7) == 0)
			s += 7;
		if (!ext)
			s++;				/* opening quote */
		for (; *s != '\0' && *s != (ext ? ';' : '"'); s++) {
			if (!ext && *s == '\\')
				s++;
			if (ext && *s == '%') {
				buf_addc(&v, (char)(hexval(s[1]) << 4 |
				    hexval(s[2])));
				s += 2;
			} else
				buf_addc(&v, *s);
		}
	}
	REQUIRE(same(v.data, v.len, text, strlen(text)));
	buf_free(&p);
	buf_free(&v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t split, n;
	char *text;

	if (size < 1)
		return 0;
	split = data[0] % size;
	data++;
	size--;
	fuzz_b64(data, size, split);
	fuzz_qp(data, size, split, true);
	fuzz_qp(data, size, split, false);
	/* The header encoders take C strings: stop at the first NUL. */
	n = strnlen((const char *)data, size);
	text = xstrndup((const char *)data, n);
	fuzz_2047(text, split % 60);
	fuzz_2231(text);
	free(text);
	return 0;
}
