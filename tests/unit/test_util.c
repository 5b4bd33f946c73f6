/* test_util.c — unit tests for src/util.c and src/err.c. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "util.h"

static void
buf_keeps_nul_bytes_and_length(void)
{
	struct buf b;

	buf_init(&b);
	buf_add(&b, "a\0b", 3);
	buf_addc(&b, 'c');
	buf_printf(&b, "%d", 42);
	CHECK_MEM(b.data, b.len, "a\0bc42", 6);
	CHECK_INT(b.data[b.len], 0);
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

static void
buf_grows_past_many_doublings(void)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < 100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	CHECK_INT(b.len, 100000);
	CHECK_INT(b.data[99999], 'a' + 99999 % 26);
	buf_free(&b);
}

static void
strlist_is_null_terminated_and_case_blind(void)
{
	struct strlist l;

	strlist_init(&l);
	strlist_add(&l, "Root@Example.com");
	strlist_addn(&l, "abcdef", 3);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.v[1], "abc");
	CHECK(l.v[2] == NULL);
	CHECK(strlist_contains_ci(&l, "root@example.COM"));
	CHECK(!strlist_contains_ci(&l, "root@example.org"));
	strlist_free(&l);
}

static void
ascii_compare_ignores_locale_case_only(void)
{
	CHECK(ascii_eq_ci("EHLO", "ehlo"));
	CHECK(!ascii_eq_ci("EHLO", "ehl"));
	CHECK(ascii_prefix_ci("AUTH PLAIN x", "auth "));
	CHECK(!ascii_prefix_ci("AU", "auth"));
	CHECK_INT(ascii_tolower(0xC9), 0xC9);	/* no Latin-1 folding */
}

static void
trim_removes_wsp_and_line_ends(void)
{
	char s[] = " \t value with space \r\n";

	CHECK_STR(str_trim(s), "value with space");
}

static void
err_message_is_one_line(void)
{
	struct err e;

	err_clear(&e);
	CHECK_INT(err_set(&e, EX_DATAERR, "bad %s", "a\r\nRCPT TO:<x>"), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK_STR(e.msg, "bad a  RCPT TO:<x>");
}

static void
err_sys_appends_strerror_and_prefix_keeps_ex(void)
{
	struct err e;

	errno = ENOENT;
	err_sys(&e, EX_NOINPUT, "open %s", "x.pdf");
	CHECK_STR(e.msg, "open x.pdf: No such file or directory");
	err_prefix(&e, "attachment");
	CHECK_STR(e.msg, "attachment: open x.pdf: No such file or directory");
	CHECK_INT(e.ex, EX_NOINPUT);
}

static void
err_long_message_is_truncated_not_overflowed(void)
{
	struct err e;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, EX_SOFTWARE, "%s", big);
	CHECK_INT(strlen(e.msg), ERR_MSG_MAX - 1);
}

static void
fqdn_is_not_empty(void)
{
	CHECK(host_fqdn()[0] != '\0');
}

static void
fingerprint_parse_cases(void)
{
	static const struct {
		const char *in;
		int	 rc;
		size_t	 ndigits;
		const char *norm;	/* fingerprint_format of the bytes */
	} cases[] = {
		{ "ab:CD:0f", 0, 6, "AB:CD:0F" },
		{ "abcd0F", 0, 6, "AB:CD:0F" },
		{ "a:bcd:0f", 0, 6, "AB:CD:0F" },	/* ':' anywhere */
		{ "", 0, 0, "" },
		{ "abc", 0, 3, "AB:C0" },		/* odd: caller refuses */
		{ "ab:cg", -1, 0, NULL },
		{ "ab cd", -1, 0, NULL },
		{ "ab\n", -1, 0, NULL },
	};
	unsigned char out[FINGERPRINT_SHA256_LEN];
	char norm[3 * FINGERPRINT_SHA256_LEN];
	size_t nd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nd = 0;
		memset(out, 0, sizeof(out));
		CHECK_INT(fingerprint_parse(cases[i].in, out, sizeof(out), &nd),
		    cases[i].rc);
		if (cases[i].rc != 0)
			continue;
		CHECK_INT(nd, cases[i].ndigits);
		fingerprint_format(out, (nd + 1) / 2, norm, sizeof(norm));
		CHECK_STR(norm, cases[i].norm);
	}
}

/* A SHA-256 pin fills 32 bytes; a longer one counts its digits without
 * writing past max. */
static void
fingerprint_parse_stops_writing_at_max(void)
{
	char in[200];
	unsigned char out[FINGERPRINT_SHA256_LEN + 1];
	size_t nd;

	memset(in, 'f', 64);
	in[64] = '\0';
	memset(out, 0, sizeof(out));
	CHECK_INT(fingerprint_parse(in, out, FINGERPRINT_SHA256_LEN, &nd), 0);
	CHECK_INT(nd, 64);
	CHECK_INT(out[FINGERPRINT_SHA256_LEN - 1], 0xff);
	memset(in, 'e', 80);
	in[80] = '\0';
	CHECK_INT(fingerprint_parse(in, out, FINGERPRINT_SHA256_LEN, &nd), 0);
	CHECK_INT(nd, 80);
	CHECK_INT(out[FINGERPRINT_SHA256_LEN], 0);	/* untouched */
}

/* The first copy of each address stays, in its place; later copies
 * (ASCII case aside) go; with from, only the tail is looked at. */
static void
strlist_dedup_ci_keeps_first_copies_in_order(void)
{
	static const char *const in[] = { "a@x", "B@x", "A@X", "c@x", "b@x",
	    "a@x", "d@x" };
	struct strlist l;

	strlist_init(&l);
	for (size_t i = 0; i < 7; i++)
		strlist_add(&l, in[i]);
	strlist_dedup_ci(&l);
	CHECK_INT((int)l.n, 4);
	CHECK_STR(l.v[0], "a@x");
	CHECK_STR(l.v[1], "B@x");
	CHECK_STR(l.v[2], "c@x");
	CHECK_STR(l.v[3], "d@x");
	strlist_add(&l, "a@x");
	strlist_add(&l, "e@x");
	strlist_add(&l, "E@x");
	strlist_dedup_ci_from(&l, 4);
	CHECK_INT((int)l.n, 6);
	CHECK_STR(l.v[4], "a@x");
	CHECK_STR(l.v[5], "e@x");
	strlist_free(&l);
}

/* The small-file read loop: up to max bytes, EFBIG beyond. */
static void
read_all_max_bounds_the_file(void)
{
	char path[] = "/tmp/test_util_XXXXXX";
	int fd = mkstemp(path);
	struct buf b;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	unlink(path);
	CHECK_INT(write_all(fd, "0123456789", 10), 0);
	buf_init(&b);
	lseek(fd, 0, SEEK_SET);
	CHECK_INT(read_all_max(fd, 10, &b), 0);
	CHECK_MEM(b.data, b.len, "0123456789", 10);
	buf_reset(&b);
	lseek(fd, 0, SEEK_SET);
	errno = 0;
	CHECK_INT(read_all_max(fd, 9, &b), -1);
	CHECK_INT(errno, EFBIG);
	buf_free(&b);
	close(fd);
}

/* Sizes in messages read as people write them; two that round alike
 * show their byte counts. */
static void
size_human_cases(void)
{
	static const struct {
		long long n;
		const char *want;
	} cases[] = {
		{ 0, "0 bytes" }, { 1, "1 byte" }, { 1023, "1023 bytes" },
		{ 1024, "1 KiB" }, { 4300, "4.2 KiB" },
		{ 33554432, "32 MiB" }, { 2900000000LL, "2.7 GiB" },
		{ 1048575, "1 MiB" }, { 1536LL << 30, "1.5 TiB" },
	};
	char a[64], b[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(size_human(cases[i].n, a, sizeof(a)), cases[i].want);
	size_human_pair(33554433, 33554432, a, b, sizeof(a));
	CHECK_STR(a, "32 MiB (33554433 bytes)");
	CHECK_STR(b, "32 MiB (33554432 bytes)");
	size_human_pair(2900000000LL, 33554432, a, b, sizeof(a));
	CHECK_STR(a, "2.7 GiB");
	CHECK_STR(b, "32 MiB");
}

static const struct test tests[] = {
	TEST(size_human_cases),
	TEST(buf_keeps_nul_bytes_and_length),
	TEST(buf_grows_past_many_doublings),
	TEST(strlist_is_null_terminated_and_case_blind),
	TEST(strlist_dedup_ci_keeps_first_copies_in_order),
	TEST(ascii_compare_ignores_locale_case_only),
	TEST(trim_removes_wsp_and_line_ends),
	TEST(err_message_is_one_line),
	TEST(err_sys_appends_strerror_and_prefix_keeps_ex),
	TEST(err_long_message_is_truncated_not_overflowed),
	TEST(fqdn_is_not_empty),
	TEST(fingerprint_parse_cases),
	TEST(fingerprint_parse_stops_writing_at_max),
	TEST(read_all_max_bounds_the_file),
};

CHECK_MAIN(tests)
