/*
 * json.c — JSON strings that are valid whatever bytes they are given.
 */
#include <string.h>

#include "json.h"

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
		size_t n = utf8_seq_len(p + i, len - i);

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
