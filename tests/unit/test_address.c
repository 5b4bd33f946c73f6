/* test_address.c — unit tests for src/address.c. */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "address.h"
#include "check.h"

/* Input list → the addr-specs joined by " | ", or NULL for an error. */
static const struct {
	const char *in;
	const char *want;
} list_cases[] = {
	{ "jane@example.com", "jane@example.com" },
	{ "\"Jane Doe\" <jane@example.com>", "jane@example.com" },
	{ "Jane Doe <jane@example.com>", "jane@example.com" },
	{ "\"Doe, J.\" <j@x>, k@y", "j@x | k@y" },
	{ "root (Cron Daemon)", "root" },
	{ "<root>", "root" },
	{ "root", "root" },
	{ "a@x (one (nested) comment), b@y", "a@x | b@y" },
	{ "grp: a@x, b@y;, c@z", "a@x | b@y | c@z" },
	{ "undisclosed-recipients:;", "" },
	{ "<@a.example,@b.example:x@y.example>", "x@y.example" },
	{ "\"john doe\"@example.com", "\"john doe\"@example.com" },
	{ "user@[192.0.2.1]", "user@[192.0.2.1]" },
	{ "a@x,,b@y,", "a@x | b@y" },
	{ "  a@x  ,\tb@y ", "a@x | b@y" },
	{ "J. Q. Public <jqp@example.com>", "jqp@example.com" },
	{ "", "" },
	{ "<>", "" },
	{ "\"unbalanced <a@b>", NULL },
	{ "Jane <jane@example.com", NULL },
	{ "jane@example.com>", NULL },
	{ "a@b (comment", NULL },
	{ "a@b>\r\nRCPT TO:<x@y", NULL },
	{ "a@b\nx@y", NULL },
	{ "Jane Doe jane@example.com", NULL },
	{ "<a@b> trailing", NULL },
	{ "<a@b <c@d>>", NULL },
	{ "g: a@x: b@y;", NULL },
	{ "a\\b@x", NULL },
	{ "\\", NULL },
};

static void
parse_list_table(void)
{
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		struct strlist l;
		struct err e = { 0 };
		struct buf got;
		int rc;

		strlist_init(&l);
		buf_init(&got);
		rc = address_parse_list(list_cases[i].in,
		    strlen(list_cases[i].in), &l, &e);
		for (size_t k = 0; k < l.n; k++)
			buf_printf(&got, "%s%s", k ? " | " : "", l.v[k]);
		if (list_cases[i].want == NULL) {
			if (rc != -1 || e.ex != EX_DATAERR)
				fprintf(stderr, "  case %zu: %s\n", i,
				    list_cases[i].in);
			CHECK_INT(rc, -1);
			CHECK_INT(e.ex, EX_DATAERR);
		} else {
			if (rc != 0)
				fprintf(stderr, "  case %zu: %s: %s\n", i,
				    list_cases[i].in, e.msg);
			CHECK_INT(rc, 0);
			CHECK_STR(got.data ? got.data : "", list_cases[i].want);
		}
		buf_free(&got);
		strlist_free(&l);
	}
}

static void
parse_list_never_reads_past_len(void)
{
	struct strlist l;
	struct err e = { 0 };
	const char text[] = "a@x, b@y";

	strlist_init(&l);
	/* Only "a@x" is within len. */
	CHECK_INT(address_parse_list(text, 3, &l, &e), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0], "a@x");
	strlist_free(&l);
}

static const struct {
	const char *in;
	const char *want;	/* NULL: unchanged (parse error) */
} qualify_cases[] = {
	{ "root (Cron Daemon)", "root@example.com (Cron Daemon)" },
	{ "<root>", "<root@example.com>" },
	{ "\"Root\" <root>, a@x", "\"Root\" <root@example.com>, a@x" },
	{ "a@x", "a@x" },
	{ "grp: bob, c@d;", "grp: bob@example.com, c@d;" },
	{ "undisclosed-recipients:;", "undisclosed-recipients:;" },
	{ "root,\n\tadmin", "root@example.com,\n\tadmin@example.com" },
	{ "\"a@b\"", "\"a@b\"@example.com" },
	{ "broken <root", NULL },
};

static void
qualify_list_appends_domain_keeping_names(void)
{
	for (size_t i = 0; i < sizeof(qualify_cases) / sizeof(qualify_cases[0]);
	    i++) {
		const char *in = qualify_cases[i].in;
		char *got = address_qualify_list(in, strlen(in), "example.com");

		CHECK_STR(got, qualify_cases[i].want);
		free(got);
	}
}

static const struct {
	const char *addr;
	const char *reason;	/* NULL: valid */
} path_cases[] = {
	{ "jane@example.com", NULL },
	{ "a.b+tag@sub.example.co.uk", NULL },
	{ "\"john doe\"@example.com", NULL },
	{ "\"a\\\"b\"@example.com", NULL },
	{ "user@[192.0.2.1]", NULL },
	{ "user@[IPv6:2001:db8::1]", NULL },
	{ "Postmaster", NULL },
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL },
	{ "x@xn--bcher-kva.example", NULL },
	{ "", "empty address" },
	{ "root", "no domain" },
	{ "a@b>\r\nRCPT TO:<x@y", "line break" },
	{ "a@b\n", "line break" },
	{ "a\x01@b.example", "control character" },
	{ "a b@example.com", "character not allowed in local part" },
	{ "<a@b.example>", "character not allowed in local part" },
	{ "a@b.example>", "character not allowed in domain" },
	{ ".a@b.example", "starts or ends with '.'" },
	{ "a..b@b.example", "'..'" },
	{ "a@-b.example", "label starts or ends with '-'" },
	{ "a@b..example", "empty label" },
	{ "a@", "empty domain" },
	{ "a@[300.1.1.1]", "malformed address literal" },
	{ "a@[IPv6:zz]", "malformed address literal" },
	{ "\xff@b.example", "malformed UTF-8" },
	{ "\xc0\xaf@b.example", "malformed UTF-8" },
	{ "\"unterminated@b.example", "no domain" },
	{ "a@b_c.example", "character not allowed in domain" },
};

static void
check_path_table(void)
{
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		struct err e = { 0 };
		int rc = address_check_path(path_cases[i].addr, false, &e);

		if (path_cases[i].reason == NULL) {
			if (rc != 0)
				fprintf(stderr, "  case %zu: %s\n", i, e.msg);
			CHECK_INT(rc, 0);
			continue;
		}
		CHECK_INT(rc, -1);
		CHECK_INT(e.ex, EX_DATAERR);
		if (strstr(e.msg, path_cases[i].reason) == NULL)
			fprintf(stderr, "  case %zu: got \"%s\", want \"%s\"\n",
			    i, e.msg, path_cases[i].reason);
		CHECK(strstr(e.msg, path_cases[i].reason) != NULL);
		CHECK(strncmp(e.msg, "invalid address '", 17) == 0);
		CHECK(strchr(e.msg, '\r') == NULL && strchr(e.msg, '\n') == NULL);
	}
}

static void
check_path_lengths(void)
{
	char local[80], domain[300], addr[400];
	struct err e = { 0 };

	memset(local, 'a', 65);
	local[65] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	CHECK_INT(address_check_path(addr, false, &e), -1);
	CHECK(strstr(e.msg, "local part longer than 64") != NULL);
	local[64] = '\0';
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	CHECK_INT(address_check_path(addr, false, &e), 0);
	memset(domain, 'b', 64);
	strcpy(domain + 64, ".example");
	snprintf(addr, sizeof(addr), "a@%s", domain);
	CHECK_INT(address_check_path(addr, false, &e), -1);
	CHECK(strstr(e.msg, "label longer than 63") != NULL);
	/* 4 labels of 63 + dots: 255 octets of domain, path too long. */
	for (int k = 0; k < 4; k++) {
		memset(domain + k * 64, 'c', 63);
		domain[k * 64 + 63] = '.';
	}
	domain[255] = '\0';
	snprintf(addr, sizeof(addr), "a@%s", domain);
	CHECK_INT(address_check_path(addr, false, &e), -1);
	CHECK(strstr(e.msg, "longer than 256") != NULL);
}

static void
null_sender_only_when_allowed(void)
{
	struct err e = { 0 };

	CHECK_INT(address_check_path("", true, &e), 0);
	CHECK_INT(address_check_path("", false, &e), -1);
}

static void
domain_and_qualify(void)
{
	char *q;

	CHECK_STR(address_domain("a@b.example"), "b.example");
	CHECK_STR(address_domain("\"x@y\"@z.example"), "z.example");
	CHECK(address_domain("root") == NULL);
	CHECK(address_domain("\"x@y\"") == NULL);
	q = address_qualify("root", "host.example");
	CHECK_STR(q, "root@host.example");
	free(q);
	q = address_qualify("a@b", "host.example");
	CHECK_STR(q, "a@b");
	free(q);
	CHECK(address_is_8bit("j\xc3\xb6rg@x"));
	CHECK(!address_is_8bit("joerg@x"));
}

static void
alabel_converts_domain_only(void)
{
	struct err e = { 0 };
	char *out = NULL;

	CHECK_INT(address_to_alabel("J\xc3\xb6rg@B\xc3\xbc" "cher.example",
	    &out, &e), 0);
	CHECK_STR(out, "J\xc3\xb6rg@xn--bcher-kva.example");
	free(out);
	/* UTS#46 non-transitional: ß stays ß (xn--fa-hia), not "ss". */
	CHECK_INT(address_to_alabel("a@fa\xc3\x9f.de", &out, &e), 0);
	CHECK_STR(out, "a@xn--fa-hia.de");
	free(out);
	CHECK_INT(address_to_alabel("a@plain.example", &out, &e), 0);
	CHECK_STR(out, "a@plain.example");
	free(out);
	/* IDNA2008 refuses symbols such as U+2603 SNOWMAN. */
	CHECK_INT(address_to_alabel("a@\xe2\x98\x83.example", &out, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK(out == NULL);
}

static const struct test tests[] = {
	TEST(parse_list_table),
	TEST(parse_list_never_reads_past_len),
	TEST(qualify_list_appends_domain_keeping_names),
	TEST(check_path_table),
	TEST(check_path_lengths),
	TEST(null_sender_only_when_allowed),
	TEST(domain_and_qualify),
	TEST(alabel_converts_domain_only),
};

CHECK_MAIN(tests)
