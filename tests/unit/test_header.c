/* test_header.c — unit tests for src/header.c. */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check.h"
#include "header.h"
#include "util.h"

static const struct {
	const char *line;
	size_t	 want;		/* field name length, 0: not a field */
} name_cases[] = {
	{ "Subject: hi", 7 },
	{ "Subject:hi", 7 },
	{ "Subject : obs WSP before colon", 7 },
	{ "Subject\t: tab too", 7 },
	{ "X-Weird!#$: ok", 10 },
	{ ": no name", 0 },
	{ "no colon here", 0 },
	{ "two words: x", 0 },
	{ " Subject: continuation", 0 },
	{ "", 0 },
	{ "From someone@example.com Mon Jan  1", 0 },
	{ "disk full", 0 },
};

static void
field_name_len_follows_rfc5322_and_obs_wsp(void)
{
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const char *l = name_cases[i].line;

		CHECK_INT(header_field_name_len(l, strlen(l)), name_cases[i].want);
	}
}

static void
continuation_needs_leading_wsp(void)
{
	CHECK(header_is_continuation(" x", 2));
	CHECK(header_is_continuation("\tx", 2));
	CHECK(!header_is_continuation("x", 1));
	CHECK(!header_is_continuation("", 0));
}

static void
parse_keeps_folded_fields_raw(void)
{
	const char *t = "Subject: a long\r\n subject\r\nTo: x@y\n\tz@w\n\nbody\n";
	struct header_list h;
	struct err e = { 0 };
	size_t used;
	char *v;

	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, strlen(t), &used, &e), 0);
	CHECK_INT(h.n, 2);
	CHECK_INT(used, strlen(t) - strlen("body\n"));
	CHECK_STR(h.v[0].name, "Subject");
	CHECK_STR(h.v[0].raw, "Subject: a long\n subject");
	CHECK_INT(h.v[0].raw_len, strlen("Subject: a long\n subject"));
	CHECK_STR(h.v[1].raw, "To: x@y\n\tz@w");
	v = header_value(&h, 0);
	CHECK_STR(v, "a long subject");
	free(v);
	v = header_value(&h, 1);
	CHECK_STR(v, "x@y\tz@w");
	free(v);
	v = header_first_value(&h, "to");
	CHECK_STR(v, "x@y\tz@w");
	free(v);
	CHECK(header_first_value(&h, "Cc") == NULL);
	header_list_free(&h);
}

static void
parse_stops_at_non_field_line(void)
{
	const char *t = "Subject: x\nthis is body\nTo: not@header\n";
	struct header_list h;
	struct err e = { 0 };
	size_t used;

	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, strlen(t), &used, &e), 0);
	CHECK_INT(h.n, 1);
	CHECK_INT(used, strlen("Subject: x\n"));
	header_list_free(&h);
}

static void
parse_no_headers_is_all_body(void)
{
	const char *t = "disk full\n";
	struct header_list h;
	struct err e = { 0 };
	size_t used = 99;

	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, strlen(t), &used, &e), 0);
	CHECK_INT(h.n, 0);
	CHECK_INT(used, 0);
	header_list_free(&h);
}

static void
parse_leading_continuation_is_not_a_header(void)
{
	const char *t = " indented\nSubject: x\n";
	struct header_list h;
	struct err e = { 0 };
	size_t used;

	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, strlen(t), &used, &e), 0);
	CHECK_INT(h.n, 0);
	header_list_free(&h);
}

static void
parse_obs_wsp_value_skips_colon(void)
{
	const char *t = "Subject : hello\n\n";
	struct header_list h;
	struct err e = { 0 };
	size_t used;
	char *v;

	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, strlen(t), &used, &e), 0);
	CHECK_INT(h.n, 1);
	CHECK_STR(h.v[0].name, "Subject");
	v = header_value(&h, 0);
	CHECK_STR(v, "hello");
	free(v);
	CHECK_INT(header_find(&h, "subject", 0), 0);
	header_list_free(&h);
}

static void
section_over_one_mib_is_dataerr(void)
{
	size_t len = HEADER_SECTION_MAX + 100;
	char *t = malloc(len);
	struct header_list h;
	struct err e = { 0 };
	size_t used;

	/* "X: aaaa...\n" fields of 1000 octets until past the limit. */
	for (size_t off = 0; off < len; off += 1000) {
		size_t n = len - off < 1000 ? len - off : 1000;

		memset(t + off, 'a', n);
		if (n >= 4)
			memcpy(t + off, "X: ", 3);
		t[off + n - 1] = '\n';
	}
	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, len, &used, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK(strstr(e.msg, "header section") != NULL);
	CHECK(h.bytes <= HEADER_SECTION_MAX);
	header_list_free(&h);
	free(t);
}

static void
nul_in_field_is_dataerr(void)
{
	struct header_list h;
	struct err e = { 0 };

	header_list_init(&h);
	CHECK_INT(header_append_line(&h, "X: a\0b", 6, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK_INT(h.n, 0);
	header_list_free(&h);
}

static void
add_remove_replace_keep_byte_count(void)
{
	struct header_list h;
	char *v;

	header_list_init(&h);
	header_add(&h, "To", "a@x", false);
	header_add(&h, "Bcc", "secret@x", false);
	header_add(&h, "Bcc", "other@x", false);
	header_add(&h, "Date", "now", true);
	CHECK_STR(h.v[0].name, "Date");
	CHECK_INT(header_remove(&h, "bcc"), 2);
	CHECK_INT(h.n, 2);
	CHECK_INT(header_find(&h, "Bcc", 0), -1);
	header_replace(&h, 1, "To", "b@y");
	CHECK_STR(h.v[1].raw, "To: b@y");
	v = header_value(&h, 1);
	CHECK_STR(v, "b@y");
	free(v);
	CHECK_INT(h.bytes, strlen("Date: now") + 1 + strlen("To: b@y") + 1);
	header_delete(&h, 0);
	CHECK_INT(h.bytes, strlen("To: b@y") + 1);
	header_list_free(&h);
}

/* A 1 MiB header section holds ~150,000 "Bcc: a" fields; removing them
 * (every message's rewrite does) must be one pass, not one memmove of the
 * list per field (that took over a minute).  The bound is far above the
 * linear time even under ASan. */
static void
remove_many_fields_is_one_pass(void)
{
	struct header_list h;
	struct err e = { 0 };
	long long start;

	header_list_init(&h);
	for (int i = 0; i < 150000; i++) {
		const char *f = i % 2 ? "Bcc: a" : "X: b";

		if (header_append_line(&h, f, strlen(f), &e) == -1)
			break;
	}
	CHECK_INT(h.n, 150000);
	start = now_ms();
	CHECK_INT(header_remove(&h, "Bcc"), 75000);
	CHECK(now_ms() - start < 2000);
	CHECK_INT(h.n, 75000);
	CHECK_INT(h.bytes, 75000 * strlen("X: b\n"));
	CHECK_STR(h.v[h.n - 1].raw, "X: b");
	header_list_free(&h);
}

static void
find_walks_repeated_fields(void)
{
	const char *t = "Received: 1\nTo: a\nReceived: 2\n\n";
	struct header_list h;
	struct err e = { 0 };
	size_t used;

	header_list_init(&h);
	CHECK_INT(header_parse(&h, t, strlen(t), &used, &e), 0);
	CHECK_INT(header_find(&h, "Received", 0), 0);
	CHECK_INT(header_find(&h, "Received", 1), 2);
	CHECK_INT(header_find(&h, "Received", 3), -1);
	header_list_free(&h);
}

static const struct test tests[] = {
	TEST(field_name_len_follows_rfc5322_and_obs_wsp),
	TEST(continuation_needs_leading_wsp),
	TEST(parse_keeps_folded_fields_raw),
	TEST(parse_stops_at_non_field_line),
	TEST(parse_no_headers_is_all_body),
	TEST(parse_leading_continuation_is_not_a_header),
	TEST(parse_obs_wsp_value_skips_colon),
	TEST(section_over_one_mib_is_dataerr),
	TEST(nul_in_field_is_dataerr),
	TEST(add_remove_replace_keep_byte_count),
	TEST(remove_many_fields_is_one_pass),
	TEST(find_walks_repeated_fields),
};

CHECK_MAIN(tests)
