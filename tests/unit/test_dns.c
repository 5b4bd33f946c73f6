/*
 * test_dns.c — the MX answer parser on answers recorded from dnsmasq
 * (the server the integration tests use), plus hand-made hostile ones,
 * and the preference order.
 */
#include <stdlib.h>
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


/* ---- TLSA (RFC 6698) ---- */

/* A response to "_25._tcp.mx.a.test TLSA", built record by record: the
 * question, then answers owned by the question's name (pointer 0xc00c). */
struct tmsg {
	unsigned char b[8192];
	size_t	 n;
};

static void
put(struct tmsg *m, const void *p, size_t len)
{
	memcpy(m->b + m->n, p, len);
	m->n += len;
}

static void
tmsg_start(struct tmsg *m, unsigned flags, unsigned ancount)
{
	static const unsigned char q[] =
	    "\x03_25\x04_tcp\x02mx\x01" "a\x04test\x00\x00\x34\x00\x01";
	unsigned char h[12] = { 0x12, 0x34, (unsigned char)(flags >> 8),
	    (unsigned char)flags, 0, 1, (unsigned char)(ancount >> 8),
	    (unsigned char)ancount, 0, 0, 0, 0 };

	m->n = 0;
	put(m, h, sizeof(h));
	put(m, q, sizeof(q) - 1);
}

/* One record owned by the question name: type, then rdlen octets. */
static void
tmsg_rr(struct tmsg *m, unsigned type, const void *rdata, size_t rdlen)
{
	unsigned char f[12] = { 0xc0, 0x0c, (unsigned char)(type >> 8),
	    (unsigned char)type, 0, 1, 0, 0, 0x0e, 0x10,
	    (unsigned char)(rdlen >> 8), (unsigned char)rdlen };

	put(m, f, sizeof(f));
	put(m, rdata, rdlen);
}

#define FLAGS_OK	0x81a0	/* QR RD RA AD, NOERROR */
static const unsigned char tlsa311[35] = { 3, 1, 1,
	0x2b, 0x0e, 0x57, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d };

static void
tlsa_record_fields_and_data_kept(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, FLAGS_OK, 2);
	tmsg_rr(&m, TYPE_TLSA, tlsa311, sizeof(tlsa311));
	tmsg_rr(&m, TYPE_TLSA, "\x02\x00\x02", 3);	/* empty data */
	err_clear(&e);
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "_25._tcp.mx.a.test", &l, cname, &e), 0);
	CHECK_INT(l.n, 2);
	CHECK_INT(l.v[0].usage, 3);
	CHECK_INT(l.v[0].selector, 1);
	CHECK_INT(l.v[0].mtype, 1);
	CHECK_MEM(l.v[0].data, l.v[0].len, tlsa311 + 3, 32);
	CHECK_INT(l.v[1].usage, 2);
	CHECK_INT(l.v[1].len, 0);
	CHECK_INT(l.malformed, 0);
	dns_tlsa_free(&l);
}

static void
tlsa_nxdomain_and_nodata_are_no_records(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, 0x81a3, 0);		/* NXDOMAIN */
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 0);
	tmsg_start(&m, FLAGS_OK, 0);		/* NODATA */
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 0);
	CHECK_STR(cname, "");
}

static void
tlsa_servfail_is_temporary(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, 0x8182, 0);
	err_clear(&e);
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "_25._tcp.mx.a.test", &l, cname, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK_STR(e.msg, "DNS look-up of _25._tcp.mx.a.test TLSA failed: "
	    "server failure (SERVFAIL)");
	CHECK_INT(l.n, 0);
	dns_tlsa_free(&l);
}

static void
tlsa_short_record_counted_malformed_not_kept(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, FLAGS_OK, 2);
	tmsg_rr(&m, TYPE_TLSA, "\x03\x01", 2);
	tmsg_rr(&m, TYPE_TLSA, tlsa311, sizeof(tlsa311));
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 1);
	CHECK_INT(l.malformed, 1);
	dns_tlsa_free(&l);
}

static void
tlsa_other_types_and_owners_ignored(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;
	/* An RRSIG (46) of the set, and a TLSA owned by the root. */
	static const unsigned char other[] = { 0x00, 0x00, 0x34, 0x00, 0x01,
	    0x00, 0x00, 0x0e, 0x10, 0x00, 0x23 };

	tmsg_start(&m, FLAGS_OK, 3);
	tmsg_rr(&m, 46, "\x00\x34\x08\x05", 4);
	put(&m, other, sizeof(other));
	put(&m, tlsa311, sizeof(tlsa311));
	tmsg_rr(&m, TYPE_TLSA, tlsa311, sizeof(tlsa311));
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 1);
	dns_tlsa_free(&l);
}

static void
tlsa_more_records_than_kept_are_dropped(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, FLAGS_OK, DNS_TLSA_MAX + 4);
	for (int i = 0; i < DNS_TLSA_MAX + 4; i++)
		tmsg_rr(&m, TYPE_TLSA, tlsa311, sizeof(tlsa311));
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, DNS_TLSA_MAX);
	dns_tlsa_free(&l);
}

static void
tlsa_data_too_long_is_marked_not_copied(void)
{
	static unsigned char big[3 + DNS_TLSA_DATA_MAX + 1] = { 3, 0, 0 };
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, FLAGS_OK, 1);
	tmsg_rr(&m, TYPE_TLSA, big, sizeof(big));
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 1);
	CHECK(l.v[0].toolong);
	CHECK_INT(l.v[0].len, 0);
	CHECK(l.v[0].data == NULL);
	dns_tlsa_free(&l);
}

static void
tlsa_every_truncation_is_refused(void)
{
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;
	size_t full;

	tmsg_start(&m, FLAGS_OK, 1);
	tmsg_rr(&m, TYPE_TLSA, tlsa311, sizeof(tlsa311));
	full = m.n;
	for (size_t n = 0; n < full; n++) {
		unsigned char *cut = malloc(n ? n : 1);

		memcpy(cut, m.b, n);
		CHECK_INT(dns_parse_tlsa(cut, n, "x", &l, cname, &e), -1);
		CHECK_INT(l.n, 0);
		dns_tlsa_free(&l);
		free(cut);
	}
}

static void
tlsa_cname_chain_followed_or_named(void)
{
	/* _25._tcp.mx.a.test CNAME t.a.test, and t.a.test TLSA 3 1 1. */
	static const unsigned char target[] = "\x01t\xc0\x18";
	static const unsigned char t_owner[] = { 0xc0, 0x30 };
	unsigned char f[10] = { 0x00, 0x34, 0, 1, 0, 0, 0x0e, 0x10, 0,
	    sizeof(tlsa311) };
	struct tmsg m;
	struct tlsa_list l;
	char cname[DNS_NAME_MAX + 1];
	struct err e;

	tmsg_start(&m, FLAGS_OK, 1);
	tmsg_rr(&m, 5, target, sizeof(target) - 1);	/* "t" at offset 48 */
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 0);
	CHECK_STR(cname, "t.a.test");
	m.b[7] = 2;
	put(&m, t_owner, sizeof(t_owner));
	put(&m, f, sizeof(f));
	put(&m, tlsa311, sizeof(tlsa311));
	CHECK_INT(dns_parse_tlsa(m.b, m.n, "x", &l, cname, &e), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(cname, "");
	dns_tlsa_free(&l);
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
	TEST(tlsa_record_fields_and_data_kept),
	TEST(tlsa_nxdomain_and_nodata_are_no_records),
	TEST(tlsa_servfail_is_temporary),
	TEST(tlsa_short_record_counted_malformed_not_kept),
	TEST(tlsa_other_types_and_owners_ignored),
	TEST(tlsa_more_records_than_kept_are_dropped),
	TEST(tlsa_data_too_long_is_marked_not_copied),
	TEST(tlsa_every_truncation_is_refused),
	TEST(tlsa_cname_chain_followed_or_named),
};

CHECK_MAIN(tests)
