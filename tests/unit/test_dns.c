/*
 * test_dns.c — the MX answer parser on answers recorded from dnsmasq
 * (the server the integration tests use), plus hand-made hostile ones,
 * and the preference order.
 */
#include <string.h>

#include "check.h"
#include "dns.h"

#define MSG(s)	(const unsigned char *)(s), sizeof(s) - 1

/* two.test: MX 10 mx3, 20 mx2, 10 mx1 (targets uncompressed), and an A
 * record for mx1 in the additional section. */
static const char ans_two[] =
"\x12\x34\x85\x80\x00\x01\x00\x03\x00\x00\x00\x01\x03\x74\x77\x6f\x04\x74\x65"
"\x73\x74\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x00\x00\x10"
"\x00\x0a\x03\x6d\x78\x33\x03\x74\x77\x6f\x04\x74\x65\x73\x74\x00\xc0\x0c\x00"
"\x0f\x00\x01\x00\x00\x00\x00\x00\x10\x00\x14\x03\x6d\x78\x32\x03\x74\x77\x6f"
"\x04\x74\x65\x73\x74\x00\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x00\x00\x10\x00"
"\x0a\x03\x6d\x78\x31\x03\x74\x77\x6f\x04\x74\x65\x73\x74\x00\xc0\x60\x00\x01"
"\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x02";

/* nomx.test: NOERROR, no answer (the name has only an A record). */
static const char ans_nodata[] =
"\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x04\x6e\x6f\x6d\x78\x04\x74"
"\x65\x73\x74\x00\x00\x0f\x00\x01";

/* null.test: MX 0 "." (RFC 7505). */
static const char ans_null[] =
"\x12\x34\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00\x04\x6e\x75\x6c\x6c\x04\x74"
"\x65\x73\x74\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x00\x00"
"\x03\x00\x00\x00";

/* alias.test CNAME two.test, then two.test's MX records. */
static const char ans_cname[] =
"\x12\x34\x85\x80\x00\x01\x00\x04\x00\x00\x00\x01\x05\x61\x6c\x69\x61\x73\x04"
"\x74\x65\x73\x74\x00\x00\x0f\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x00"
"\x00\x0a\x03\x74\x77\x6f\x04\x74\x65\x73\x74\x00\xc0\x28\x00\x0f\x00\x01\x00"
"\x00\x00\x00\x00\x10\x00\x0a\x03\x6d\x78\x33\x03\x74\x77\x6f\x04\x74\x65\x73"
"\x74\x00\xc0\x28\x00\x0f\x00\x01\x00\x00\x00\x00\x00\x10\x00\x14\x03\x6d\x78"
"\x32\x03\x74\x77\x6f\x04\x74\x65\x73\x74\x00\xc0\x28\x00\x0f\x00\x01\x00\x00"
"\x00\x00\x00\x10\x00\x0a\x03\x6d\x78\x31\x03\x74\x77\x6f\x04\x74\x65\x73\x74"
"\x00\xc0\x78\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x02";

/* nx.test: NXDOMAIN. */
static const char ans_nx[] =
"\x12\x34\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00\x02\x6e\x78\x04\x74\x65\x73"
"\x74\x00\x00\x0f\x00\x01";

/* servfail.test: SERVFAIL. */
static const char ans_servfail[] =
"\x12\x34\x81\x82\x00\x01\x00\x00\x00\x00\x00\x00\x08\x73\x65\x72\x76\x66\x61"
"\x69\x6c\x04\x74\x65\x73\x74\x00\x00\x0f\x00\x01";

/* Hand-made: a.test MX 5 with a compressed target "mx.A.test" (pointer to
 * the question's "a.test"; upper case in the wire form). */
static const char ans_compressed[] =
"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"
"\x01" "A" "\x04" "test" "\x00" "\x00\x0f\x00\x01"
"\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x3c\x00\x07"
"\x00\x05" "\x02" "mx" "\xc0\x0c";

/* Hand-made: an MX whose target points at itself (a loop). */
static const char ans_loop[] =
"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"
"\x01" "a" "\x04" "test" "\x00" "\x00\x0f\x00\x01"
"\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x3c\x00\x04"
"\x00\x05" "\xc0\x26";

/* Hand-made: RDLENGTH runs past the end of the message. */
static const char ans_short_rdata[] =
"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"
"\x01" "a" "\x04" "test" "\x00" "\x00\x0f\x00\x01"
"\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x3c\x00\x40"
"\x00\x05" "\x02" "mx" "\x00";

/* Hand-made: one MX with a target holding a space and a good one. */
static const char ans_bad_target[] =
"\x00\x01\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00"
"\x01" "a" "\x04" "test" "\x00" "\x00\x0f\x00\x01"
"\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x3c\x00\x07"
"\x00\x01" "\x02" "m " "\xc0\x0c"
"\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x3c\x00\x07"
"\x00\x02" "\x02" "ok" "\xc0\x0c";

static void
mx_recorded_answer_keeps_all_hosts(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_two), "two.test", &l, &e), 0);
	CHECK_INT(l.n, 3);
	CHECK_INT(l.v[0].pref, 10);
	CHECK_STR(l.v[0].host, "mx3.two.test");
	CHECK_INT(l.v[1].pref, 20);
	CHECK_STR(l.v[1].host, "mx2.two.test");
	CHECK_STR(l.v[2].host, "mx1.two.test");
	CHECK_STR(l.cname, "");
}

static void
mx_order_by_preference_random_among_equals(void)
{
	struct mx_list l;
	struct err e;
	int first_mx1 = 0, first_mx3 = 0;

	for (int i = 0; i < 64; i++) {
		CHECK_INT(dns_parse_mx(MSG(ans_two), "two.test", &l, &e), 0);
		dns_order_mx(&l);
		CHECK_INT(l.v[0].pref, 10);
		CHECK_INT(l.v[1].pref, 10);
		CHECK_INT(l.v[2].pref, 20);
		CHECK_STR(l.v[2].host, "mx2.two.test");
		first_mx1 += strcmp(l.v[0].host, "mx1.two.test") == 0;
		first_mx3 += strcmp(l.v[0].host, "mx3.two.test") == 0;
	}
	/* 64 tosses: each of the two equal hosts comes first sometimes
	 * (failing by chance: 2^-63). */
	CHECK(first_mx1 > 0);
	CHECK(first_mx3 > 0);
	CHECK_INT(first_mx1 + first_mx3, 64);
}

static void
mx_nodata_is_no_mx_not_an_error(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_nodata), "nomx.test", &l, &e), 0);
	CHECK_INT(l.n, 0);
	CHECK_STR(l.cname, "");
}

static void
mx_null_mx_is_permanent_nohost(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_null), "null.test", &l, &e), -1);
	CHECK_INT(e.ex, EX_NOHOST);
	CHECK_STR(e.msg, "domain null.test accepts no mail (null MX, RFC 7505)");
	CHECK_INT(l.n, 0);
}

static void
mx_cname_chain_is_followed(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_cname), "alias.test", &l, &e), 0);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.v[0].host, "mx3.two.test");
	CHECK_STR(l.cname, "");
}

static void
mx_cname_without_mx_names_the_next_query(void)
{
	/* The CNAME record alone: the server did not follow it. */
	static const char ans[] =
	"\x12\x34\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00\x05\x61\x6c\x69\x61"
	"\x73\x04\x74\x65\x73\x74\x00\x00\x0f\x00\x01\xc0\x0c\x00\x05\x00\x01"
	"\x00\x00\x00\x00\x00\x0a\x03\x74\x77\x6f\x04\x74\x65\x73\x74\x00";
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans), "alias.test", &l, &e), 0);
	CHECK_INT(l.n, 0);
	CHECK_STR(l.cname, "two.test");
}

static void
mx_nxdomain_is_permanent_nohost(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_nx), "nx.test", &l, &e), -1);
	CHECK_INT(e.ex, EX_NOHOST);
	CHECK_STR(e.msg, "domain nx.test does not exist (NXDOMAIN)");
}

static void
mx_servfail_is_temporary(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_servfail), "servfail.test", &l, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK_STR(e.msg, "DNS look-up of servfail.test MX failed: server "
	    "failure (SERVFAIL)");
}

static void
mx_compressed_target_is_expanded_lower_case(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_compressed), "a.test", &l, &e), 0);
	CHECK_INT(l.n, 1);
	CHECK_INT(l.v[0].pref, 5);
	CHECK_STR(l.v[0].host, "mx.a.test");
}

static void
mx_pointer_loop_is_malformed(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_loop), "a.test", &l, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK_STR(e.msg, "DNS look-up of a.test MX: malformed answer");
}

static void
mx_rdata_past_end_is_malformed(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_short_rdata), "a.test", &l, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
}

static void
mx_every_truncation_of_a_real_answer_is_refused(void)
{
	struct mx_list l;
	struct err e;

	/* Cut anywhere before the end of the last MX record (the additional
	 * section is not read): never accepted, never read past. */
	for (size_t n = 0; n < 110; n++)
		CHECK_INT(dns_parse_mx((const unsigned char *)ans_two, n,
		    "two.test", &l, &e), -1);
}

static void
mx_target_that_is_no_host_name_is_skipped(void)
{
	struct mx_list l;
	struct err e;

	err_clear(&e);
	CHECK_INT(dns_parse_mx(MSG(ans_bad_target), "a.test", &l, &e), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0].host, "ok.a.test");
}

static void
mx_query_instead_of_response_is_malformed(void)
{
	char q[sizeof(ans_nodata)];
	struct mx_list l;
	struct err e;

	memcpy(q, ans_nodata, sizeof(q));
	q[2] = 0x01;		/* QR clear */
	CHECK_INT(dns_parse_mx((const unsigned char *)q, sizeof(q) - 1,
	    "nomx.test", &l, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
}

static const struct test tests[] = {
	TEST(mx_recorded_answer_keeps_all_hosts),
	TEST(mx_order_by_preference_random_among_equals),
	TEST(mx_nodata_is_no_mx_not_an_error),
	TEST(mx_null_mx_is_permanent_nohost),
	TEST(mx_cname_chain_is_followed),
	TEST(mx_cname_without_mx_names_the_next_query),
	TEST(mx_nxdomain_is_permanent_nohost),
	TEST(mx_servfail_is_temporary),
	TEST(mx_compressed_target_is_expanded_lower_case),
	TEST(mx_pointer_loop_is_malformed),
	TEST(mx_rdata_past_end_is_malformed),
	TEST(mx_every_truncation_of_a_real_answer_is_refused),
	TEST(mx_target_that_is_no_host_name_is_skipped),
	TEST(mx_query_instead_of_response_is_malformed),
};

CHECK_MAIN(tests)
