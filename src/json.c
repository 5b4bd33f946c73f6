/*
 * json.c — JSON strings that are valid whatever bytes they are given.
 */
#include <string.h>

#include "json.h"

/* The length of the valid UTF-8 sequence at p (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	size_t n;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void
json_add_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	len = strlen(s);
	buf_addc(b, '"');
	for (size_t i = 0; i < len; ) {
		size_t n = utf8_seq(p + i, len - i);

		if (n == 0) {
			buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		} else if (n > 1) {
			buf_add(b, p + i, n);
			i += n;
		} else {
			unsigned char c = p[i++];

			if (c == '"' || c == '\\') {
				buf_addc(b, '\\');
				buf_addc(b, (char)c);
			} else if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\u%04x", c);
			else
				buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

void
json_add_key(struct buf *b, const char *name, int first)
{
	if (!first)
		buf_addc(b, ',');
	json_add_string(b, name);
	buf_addc(b, ':');
}
