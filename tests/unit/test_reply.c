/* test_reply.c — unit tests for src/reply.c: reply parsing and EHLO caps. */
#include <string.h>

#include "check.h"
#include "reply.h"

/* Feed lines separated by '\n'; returns the last reply_feed result. */
static int
feed(struct smtp_reply *r, const char *lines, struct err *e)
{
	const char *p = lines, *nl;
	int rc = 0;

	reply_init(r);
	err_clear(e);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		rc = reply_feed(r, p, (size_t)(nl - p), e);
		if (rc != 0 || *nl == '\0')
			break;
		p = nl + 1;
	}
	return rc;
}

/* A table of replies and what the parser must make of them. */
static const struct reply_case {
	const char *label;
	const char *in;
	int	 rc;
	int	 code;
	const char *status;
	const char *text;
	size_t	 nlines;
} reply_cases[] = {
	{ "single line", "220 mx.example.com ESMTP", 1, 220, "",
	    "mx.example.com ESMTP", 1 },
	{ "enhanced code kept", "550 5.1.1 no such user", 1, 550, "5.1.1",
	    "no such user", 1 },
	{ "multiline keeps enhanced code",
	    "550-5.1.1 first\n550-5.1.1 second\n550 5.1.1 third", 1, 550,
	    "5.1.1", "first\nsecond\nthird", 3 },
	{ "class mismatch drops code", "550 2.0.0 odd", 1, 550, "",
	    "odd", 1 },
	{ "354 keeps no enhanced code", "354 3.0.0 go ahead", 1, 354, "",
	    "go ahead", 1 },
	{ "four-digit subject is not a code", "451 4.1234.1 later", 1, 451,
	    "", "4.1234.1 later", 1 },
	{ "three-digit parts are a code", "451 4.123.456 later", 1, 451,
	    "4.123.456", "later", 1 },
	{ "code without text", "250 2.0.0", 1, 250, "2.0.0", "", 1 },
	{ "bare code ends reply", "250", 1, 250, "", "", 1 },
	{ "nonprintables replaced", "250 a\tb\x01" "c\xc3\xa9", 1, 250, "",
	    "a?b?c??", 1 },
	{ "continuation not done", "250-first", 0, 250, "", "first", 1 },
	{ "mismatched codes malformed", "250-first\n251 second", -1, 0, "",
	    NULL, 0 },
	{ "missing space malformed", "250text", -1, 0, "", NULL, 0 },
	{ "short line malformed", "25", -1, 0, "", NULL, 0 },
	{ "letters malformed", "2x0 hello", -1, 0, "", NULL, 0 },
	{ "1xx malformed", "150 hello", -1, 0, "", NULL, 0 },
	{ "6xx malformed", "600 hello", -1, 0, "", NULL, 0 },
};

static void
reply_table_cases(void)
{
	struct smtp_reply r;
	struct err e;

	for (size_t i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]);
	    i++) {
		const struct reply_case *c = &reply_cases[i];
		int rc = feed(&r, c->in, &e);

		if (rc != c->rc || r.code != c->code ||
		    (c->rc >= 0 && (strcmp(r.status, c->status) != 0 ||
		    strcmp(r.text, c->text) != 0 || r.nlines != c->nlines)))
			fprintf(stderr, "  case \"%s\":\n", c->label);
		CHECK_INT(rc, c->rc);
		CHECK_INT(r.code, c->code);
		if (c->rc < 0) {
			CHECK_INT(e.ex, EX_PROTOCOL);
			continue;
		}
		CHECK_STR(r.status, c->status);
		CHECK_STR(r.text, c->text);
		CHECK_INT(r.nlines, c->nlines);
		CHECK_INT(r.text_len, strlen(c->text));
	}
}

static void
reply_malformed_message_quotes_line(void)
{
	struct smtp_reply r;
	struct err e;

	CHECK_INT(feed(&r, "hello\x01world", &e), -1);
	CHECK(strstr(e.msg, "\"hello?world\"") != NULL);
}

static void
reply_too_long_line_is_error(void)
{
	static char line[REPLY_LINE_MAX + 10];
	struct smtp_reply r;
	struct err e;

	memset(line, 'a', sizeof(line));
	memcpy(line, "250 ", 4);
	reply_init(&r);
	CHECK_INT(reply_feed(&r, line, sizeof(line), &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK_INT(r.code, 0);
}

static void
reply_long_text_truncated_not_grown(void)
{
	static char line[REPLY_LINE_MAX];
	struct smtp_reply r;
	struct err e;
	int rc = 0;

	memset(line, 'x', sizeof(line));
	memcpy(line, "250-", 4);
	reply_init(&r);
	for (int i = 0; i < 3; i++)
		CHECK_INT(reply_feed(&r, line, sizeof(line), &e), 0);
	line[3] = ' ';
	rc = reply_feed(&r, line, sizeof(line), &e);
	CHECK_INT(rc, 1);
	CHECK(r.truncated);
	CHECK_INT(r.text_len, REPLY_TEXT_MAX - 1);
	CHECK_INT(strlen(r.text), REPLY_TEXT_MAX - 1);
}

static void
reply_too_many_lines_truncated(void)
{
	struct smtp_reply r;
	struct err e;

	reply_init(&r);
	for (int i = 0; i < REPLY_LINES_MAX + 50; i++)
		CHECK_INT(reply_feed(&r, "250-X", 5, &e), 0);
	CHECK_INT(reply_feed(&r, "250 END", 7, &e), 1);
	CHECK(r.truncated);
	CHECK_INT(r.nlines, REPLY_LINES_MAX);
	CHECK_INT(r.code, 250);
}

/* A reply that never ends ("250-" for ever) fails at its 1001st line or
 * past 64 KiB, with a temporary-failure class error (EX_PROTOCOL); the
 * longest reply allowed still ends normally. */
static void
reply_endless_reply_is_error(void)
{
	static char big[REPLY_LINE_MAX];
	struct smtp_reply r;
	struct err e;
	int rc = 0;
	size_t i;

	reply_init(&r);
	err_clear(&e);
	for (i = 0; i < REPLY_SEEN_LINES_MAX - 1; i++)
		CHECK_INT(reply_feed(&r, "250-X", 5, &e), 0);
	CHECK_INT(reply_feed(&r, "250 END", 7, &e), 1);

	reply_init(&r);
	for (i = 0; rc == 0 && i < 10 * REPLY_SEEN_LINES_MAX; i++)
		rc = reply_feed(&r, "220-X", 5, &e);
	CHECK_INT(rc, -1);
	CHECK_INT(i, REPLY_SEEN_LINES_MAX + 1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK(strstr(e.msg, "not ended") != NULL);
	CHECK_INT(r.code, 0);

	memcpy(big, "250-", 4);
	memset(big + 4, 'x', sizeof(big) - 4);
	reply_init(&r);
	rc = 0;
	for (i = 0; rc == 0 && i < REPLY_SEEN_LINES_MAX; i++)
		rc = reply_feed(&r, big, sizeof(big), &e);
	CHECK_INT(rc, -1);
	CHECK_INT(i, REPLY_SEEN_BYTES_MAX / (sizeof(big) + 2) + 1);
}

static void
reply_done_reply_restarts_on_next_feed(void)
{
	struct smtp_reply r;
	struct err e;

	reply_init(&r);
	CHECK_INT(reply_feed(&r, "250 ok", 6, &e), 1);
	CHECK_INT(reply_feed(&r, "354 go", 6, &e), 1);
	CHECK_INT(r.code, 354);
	CHECK_STR(r.text, "go");
}

static void
reply_not_nul_terminated_input(void)
{
	char buf[] = { '2', '5', '0', ' ', 'o', 'k', 'Z', 'Z' };
	struct smtp_reply r;
	struct err e;

	reply_init(&r);
	CHECK_INT(reply_feed(&r, buf, 6, &e), 1);
	CHECK_STR(r.text, "ok");
}

static void
reply_summary_first_line(void)
{
	struct smtp_reply r;
	struct err e;
	char out[128];

	feed(&r, "550-5.1.1 no such user\n550 5.1.1 see docs", &e);
	reply_summary(&r, out, sizeof(out));
	CHECK_STR(out, "550 5.1.1 no such user");
	feed(&r, "250", &e);
	reply_summary(&r, out, sizeof(out));
	CHECK_STR(out, "250");
	reply_init(&r);
	reply_summary(&r, out, sizeof(out));
	CHECK_STR(out, "(no reply)");
}

static void
caps_multiline_ehlo(void)
{
	struct smtp_reply r;
	struct smtp_caps c;
	struct err e;

	CHECK_INT(feed(&r, "250-mx.example.com Hello\n"
	    "250-PIPELINING\n250-SIZE 10240000\n250-8BITMIME\n"
	    "250-SMTPUTF8\n250-DSN\n250-CHUNKING\n250-STARTTLS\n"
	    "250-ENHANCEDSTATUSCODES\n250-BINARYMIME\n"
	    "250 AUTH PLAIN LOGIN", &e), 1);
	caps_from_ehlo(&c, &r);
	CHECK_INT(c.flags, CAP_PIPELINING | CAP_SIZE | CAP_8BITMIME |
	    CAP_SMTPUTF8 | CAP_DSN | CAP_CHUNKING | CAP_STARTTLS |
	    CAP_ENHANCEDSTATUSCODES | CAP_BINARYMIME | CAP_AUTH);
	CHECK_INT(c.size_max, 10240000);
	CHECK_STR(c.auth, "PLAIN LOGIN");
	CHECK(caps_has_auth(&c, "login"));
	CHECK(!caps_has_auth(&c, "CRAM-MD5"));
	CHECK(!caps_has_auth(&c, "PLAI"));
}

static void
caps_case_insensitive_and_old_auth_form(void)
{
	struct smtp_reply r;
	struct smtp_caps c;
	struct err e;

	feed(&r, "250-mx\n250-pipelining\n250-auth=login plain\n"
	    "250 Auth LOGIN cram-md5", &e);
	caps_from_ehlo(&c, &r);
	CHECK_INT(c.flags, CAP_PIPELINING | CAP_AUTH);
	CHECK_STR(c.auth, "LOGIN PLAIN CRAM-MD5");
}

static void
caps_greeting_line_is_not_a_keyword(void)
{
	struct smtp_reply r;
	struct smtp_caps c;
	struct err e;

	/* A server named "pipelining" offers nothing. */
	feed(&r, "250 PIPELINING", &e);
	caps_from_ehlo(&c, &r);
	CHECK_INT(c.flags, 0);
}

static void
caps_size_forms(void)
{
	static const struct {
		const char *in;
		unsigned long long want;
		bool	 has;
	} cases[] = {
		{ "250-mx\n250 SIZE", 0, true },
		{ "250-mx\n250 SIZE 0", 0, true },
		{ "250-mx\n250 SIZE 52428800", 52428800, true },
		{ "250-mx\n250 SIZE 12abc", 0, true },
		{ "250-mx\n250 SIZE 99999999999999999999999", 0, true },
		{ "250-mx\n250 SIZEX 5", 0, false },
	};
	struct smtp_reply r;
	struct smtp_caps c;
	struct err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		feed(&r, cases[i].in, &e);
		caps_from_ehlo(&c, &r);
		CHECK_INT(c.size_max, cases[i].want);
		CHECK_INT((c.flags & CAP_SIZE) != 0, cases[i].has);
	}
}

static void
caps_auth_bad_names_dropped(void)
{
	struct smtp_reply r;
	struct smtp_caps c;
	struct err e;

	feed(&r, "250-mx\n250 AUTH PLAIN X<Y> AVERYLONGMECHANISMNAMEOVER20 "
	    "SCRAM-SHA-256 PLAIN", &e);
	caps_from_ehlo(&c, &r);
	CHECK_STR(c.auth, "PLAIN SCRAM-SHA-256");
}

static void
caps_from_refused_ehlo_is_empty(void)
{
	struct smtp_reply r;
	struct smtp_caps c;
	struct err e;

	feed(&r, "502-mx\n502 PIPELINING", &e);
	caps_from_ehlo(&c, &r);
	CHECK_INT(c.flags, 0);
}

static const struct test tests[] = {
	TEST(reply_table_cases),
	TEST(reply_malformed_message_quotes_line),
	TEST(reply_too_long_line_is_error),
	TEST(reply_long_text_truncated_not_grown),
	TEST(reply_too_many_lines_truncated),
	TEST(reply_endless_reply_is_error),
	TEST(reply_done_reply_restarts_on_next_feed),
	TEST(reply_not_nul_terminated_input),
	TEST(reply_summary_first_line),
	TEST(caps_multiline_ehlo),
	TEST(caps_case_insensitive_and_old_auth_form),
	TEST(caps_greeting_line_is_not_a_keyword),
	TEST(caps_size_forms),
	TEST(caps_auth_bad_names_dropped),
	TEST(caps_from_refused_ehlo_is_empty),
};

CHECK_MAIN(tests)
