/* fuzz_dkim_canon.c — the DKIM relaxed canonicalizers on arbitrary bytes:
 * no crash; the body filter gives the same output whether fed whole or
 * in chunks (the first byte picks the chunk size); its output never ends
 * in an empty line and always ends in CRLF unless empty; a header field
 * comes out with its colon and a final CRLF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_canon.h"

static void
collect(void *arg, const char *p, size_t n)
{
	buf_add(arg, p, n);
}

static void
canon(const char *p, size_t n, size_t chunk, struct buf *out)
{
	struct dkim_body_canon c;

	dkim_body_canon_init(&c, collect, out);
	for (size_t off = 0; off < n; off += chunk)
		dkim_body_canon_feed(&c, p + off,
		    n - off < chunk ? n - off : chunk);
	dkim_body_canon_end(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	struct buf whole, parts, h;
	size_t n;

	if (size == 0)
		return 0;
	n = size - 1;
	buf_init(&whole);
	buf_init(&parts);
	canon(p, n, n > 0 ? n : 1, &whole);
	canon(p, n, (size_t)data[0] % 16 + 1, &parts);
	if (whole.len != parts.len || (whole.len > 0 &&
	    memcmp(whole.data, parts.data, whole.len) != 0))
		abort();
	if (whole.len > 0 && (whole.len < 2 ||
	    memcmp(whole.data + whole.len - 2, "\r\n", 2) != 0))
		abort();
	if (whole.len >= 4 && memcmp(whole.data + whole.len - 4, "\r\n\r\n",
	    4) == 0)
		abort();
	buf_init(&h);
	dkim_header_canon(&h, p, n);
	if (h.len < 3 || memcmp(h.data + h.len - 2, "\r\n", 2) != 0 ||
	    memchr(h.data, ':', h.len) == NULL)
		abort();
	buf_free(&h);
	buf_free(&whole);
	buf_free(&parts);
	return 0;
}
