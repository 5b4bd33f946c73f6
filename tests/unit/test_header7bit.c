/* test_header7bit.c — header fields made 7-bit (header7bit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "check.h"
#include "encode.h"
#include "header7bit.h"

/* RFC 2047 §5 rule 3: non-ASCII display names become encoded words;
 * addr-specs, ASCII names and quoting of specials stay right. */
static void
encode_addresses_table(void)
{
	static const struct { const char *in, *want; } t[] = {
		{ "jane@example.com", "jane@example.com" },
		{ "Jane Doe <jane@x>", "Jane Doe <jane@x>" },
		{ "Ji\xc5\x99\xc3\xad <j@x>", "=?UTF-8?B?SmnFmcOt?= <j@x>" },
		{ "a@x,  Ren\xc3\xa9" "e <r@y>",
		    "a@x, =?UTF-8?Q?Ren=C3=A9e?= <r@y>" },
		{ "root (Cron Daemon)", "root (Cron Daemon)" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = header_addresses_7bit(t[i].in, 4);

		CHECK_STR(got, t[i].want);
		free(got);
	}
}

/* A name with specials around the non-ASCII word decodes back to the
 * same text and stays one mailbox. */
static void
encode_addresses_specials_stay_one_mailbox(void)
{
	char *got = header_addresses_7bit(
	    "\"Nov\xc3\xa1k, Ji\xc5\x99\xc3\xad\" <j@x>, b@y", 4);
	struct strlist l;
	struct err e;

	strlist_init(&l);
	CHECK(!address_is_8bit(got));
	CHECK_INT(address_parse_list(got, strlen(got), &l, &e), 0);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0], "j@x");
		CHECK_STR(l.v[1], "b@y");
	}
	strlist_free(&l);
	free(got);
}

/* Every kind of field the issue names: the result is ASCII and names
 * the encoding a reader decodes back to the text. */
static void
field_7bit_table(void)
{
	static const struct { const char *name, *value, *want; } t[] = {
		{ "Subject", "plain", "Subject: plain" },
		{ "Subject", "caf\xc3\xa9", "Subject: =?UTF-8?Q?caf=C3=A9?=" },
		{ "X-Note", "caf\xc3\xa9", "X-Note: =?UTF-8?Q?caf=C3=A9?=" },
		{ "To", "Ren\xc3\xa9" "e <r@y>",
		    "To: =?UTF-8?Q?Ren=C3=A9e?= <r@y>" },
		{ "Content-Type",
		    "application/octet-stream; name=\"caf\xc3\xa9.bin\"",
		    "Content-Type: application/octet-stream;\n"
		    " name=\"=?UTF-8?Q?caf=C3=A9=2Ebin?=\";\n"
		    " name*=utf-8''caf%C3%A9.bin" },
		{ "Content-Disposition",
		    "attachment; filename=\"caf\xc3\xa9.bin\"; size=3",
		    "Content-Disposition: attachment;\n"
		    " filename*=utf-8''caf%C3%A9.bin;\n size=3" },
		/* No encoding keeps these meaning the same. */
		{ "Content-ID", "<caf\xc3\xa9@x>", NULL },
		{ "To", "r\xc3\xa9@y", NULL },
		{ "Content-Type", "text/pl\xc3\xa1in", NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = header_field_7bit(t[i].name, t[i].value);

		CHECK_STR(got, t[i].want);
		free(got);
	}
}

/* A field whose 7-bit form would have a line over 998 octets has none. */
static void
field_7bit_line_over_998_has_no_form(void)
{
	char v[1400];
	char *got;

	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	memcpy(v, "x; n=\"\xc3\xa9", 9);
	memcpy(v + sizeof(v) - 2, "\"", 1);
	got = header_field_7bit("Content-Type", v);
	CHECK(got == NULL || strlen(got) < 998 || strchr(got, '\n') != NULL);
	if (got != NULL)
		for (char *p = got, *nl; *p != '\0'; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				nl = p + strlen(p) - 1;
			CHECK(nl - p <= 998);
		}
	free(got);
}

/* One wire writer: LF and CRLF become CRLF, a bare CR becomes a space,
 * so "\r.\r" can never reach the wire. */
static void
put_wire_bare_cr_never_passes(void)
{
	static const struct { const char *in, *want; } t[] = {
		{ "Subject: a", "Subject: a\r\n" },
		{ "Subject: a\n b", "Subject: a\r\n b\r\n" },
		{ "Subject: a\r\n b", "Subject: a\r\n b\r\n" },
		{ "Subject: a\r.\rb", "Subject: a . b\r\n" },
		{ "Subject: a\r", "Subject: a \r\n" },
	};
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		header_put_wire(&b, t[i].in, strlen(t[i].in));
		CHECK_MEM(b.data, b.len, t[i].want, strlen(t[i].want));
	}
	buf_free(&b);
}

static const struct test tests[] = {
	TEST(encode_addresses_table),
	TEST(encode_addresses_specials_stay_one_mailbox),
	TEST(field_7bit_table),
	TEST(field_7bit_line_over_998_has_no_form),
	TEST(put_wire_bare_cr_never_passes),
};

CHECK_MAIN(tests)
