/*
 * test_dane.c — which TLSA records are usable for SMTP, how they are
 * shown, and DANE-EE matching through libgnutls-dane against a fixed
 * self-signed certificate (mx.dane.test, ECDSA P-256).  DANE-TA with a
 * real chain is exercised by tests/integ/mx_dane.sh.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "check.h"
#include "dane.h"

static const char cert_pem[] =
"-----BEGIN CERTIFICATE-----\n"
"MIIBnzCCAUWgAwIBAgIUXFi5FHjDzo6xbJnqFwXjbWc4lwcwCgYIKoZIzj0EAwIw\n"
"FzEVMBMGA1UEAxMMbXguZGFuZS50ZXN0MCAXDTI2MTIwMjAyMzIyNVoYDzIxMjYx\n"
"MTA4MDIzMjI1WjAXMRUwEwYDVQQDEwxteC5kYW5lLnRlc3QwWTATBgcqhkjOPQIB\n"
"BggqhkjOPQMBBwNCAAT/tfJh7GyRcFUeuJNFn4aJk1ENXa/in3VKtN4TEfv4MAlb\n"
"XJtRlyWi/Pm9Ddl6OQQrJK8rzmL/6uLQqhibnSVUo20wazAMBgNVHRMBAf8EAjAA\n"
"MBcGA1UdEQQQMA6CDG14LmRhbmUudGVzdDATBgNVHSUEDDAKBggrBgEFBQcDATAO\n"
"BgNVHQ8BAf8EBAMCB4AwHQYDVR0OBBYEFEw1+qzqdJG+W3mPg7oxmQLrnFNgMAoG\n"
"CCqGSM49BAMCA0gAMEUCIFRihZ8mRzbQETuBhA+q01yPQ+O5RN8dWAOQJ55Fuo9f\n"
"AiEAn0ONOqwRWwtdwdHk8kE7rLwb1zl5LYuvLDAOXg+H29g=\n"
"-----END CERTIFICATE-----\n";

/* The certificate in DER, and the SHA-256 of its SPKI and SHA-512 of
 * the whole certificate, computed here with GnuTLS. */
struct fixture {
	gnutls_datum_t der;
	unsigned char spki256[32];
	unsigned char cert512[64];
};

static void
fixture_load(struct fixture *f)
{
	gnutls_datum_t pem = { (unsigned char *)cert_pem,
	    sizeof(cert_pem) - 1 }, spki = { NULL, 0 };
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pub;

	gnutls_x509_crt_init(&crt);
	CHECK_INT(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM), 0);
	CHECK_INT(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &f->der),
	    0);
	gnutls_pubkey_init(&pub);
	CHECK_INT(gnutls_pubkey_import_x509(pub, crt, 0), 0);
	CHECK_INT(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki), 0);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, f->spki256);
	gnutls_hash_fast(GNUTLS_DIG_SHA512, f->der.data, f->der.size,
	    f->cert512);
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_crt_deinit(crt);
}

static void
fixture_free(struct fixture *f)
{
	gnutls_free(f->der.data);
}

static struct tlsa_rr
rr(unsigned u, unsigned s, unsigned m, unsigned char *data, size_t len)
{
	struct tlsa_rr r = { .usage = (unsigned char)u,
	    .selector = (unsigned char)s, .mtype = (unsigned char)m,
	    .data = data, .len = len };

	return r;
}

static void
usable_only_dane_ta_and_ee_with_right_lengths(void)
{
	unsigned char d[64] = { 0 };
	static const struct {
		unsigned u, s, m;
		size_t len;
		bool want;
	} cases[] = {
		{ 3, 1, 1, 32, true }, { 3, 0, 2, 64, true },
		{ 2, 0, 1, 32, true }, { 3, 1, 0, 10, true },
		{ 1, 1, 1, 32, false },	/* PKIX-EE: not for SMTP */
		{ 0, 0, 1, 32, false },	/* PKIX-TA */
		{ 3, 1, 1, 31, false },	/* SHA-256 of the wrong length */
		{ 3, 1, 2, 32, false },	/* SHA-512 of the wrong length */
		{ 3, 2, 1, 32, false },	/* unknown selector */
		{ 3, 1, 3, 32, false },	/* unknown matching type */
		{ 3, 1, 0, 0, false },	/* full, but empty */
		{ 4, 1, 1, 32, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tlsa_rr r = rr(cases[i].u, cases[i].s, cases[i].m, d,
		    cases[i].len);

		if (dane_usable(&r) != cases[i].want) {
			fprintf(stderr, "  case %zu (%u %u %u, %zu octets): "
			    "got %d, want %d\n", i, cases[i].u, cases[i].s,
			    cases[i].m, cases[i].len, !cases[i].want,
			    cases[i].want);
			CHECK(false);
		}
	}
}

static void
format_cuts_long_data_and_marks_unusable(void)
{
	unsigned char d[32];
	struct tlsa_rr r;
	char out[128];

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (unsigned char)i;
	r = rr(3, 1, 1, d, 32);
	dane_format(&r, out, sizeof(out));
	CHECK_STR(out, "3 1 1 000102030405060708090a0b0c0d0e0f...");
	r = rr(1, 1, 1, d, 4);
	dane_format(&r, out, sizeof(out));
	CHECK_STR(out, "1 1 1 00010203 (unusable)");
	dane_format(&r, out, 8);		/* never past outlen */
	CHECK_INT(strlen(out), 7);
}

static void
ee_spki_sha256_matches(void)
{
	struct fixture f;
	struct tlsa_list l = { 0 };
	size_t which = 99;
	char why[256] = "";

	fixture_load(&f);
	l.v[0] = rr(3, 1, 1, f.spki256, 32);
	l.n = 1;
	CHECK_INT(dane_match(&l, &f.der, 1, "mx.dane.test", "dane.test",
	    &which, why, sizeof(why)), 0);
	CHECK_INT(which, 0);
	fixture_free(&f);
}

static void
ee_ignores_names_full_cert_sha512_matches(void)
{
	struct fixture f;
	struct tlsa_list l = { 0 };
	unsigned char wrong[32] = { 1 };
	size_t which = 99;
	char why[256] = "";

	fixture_load(&f);
	/* A record that does not match, then one that does: the second is
	 * named, and the host name need not appear in the certificate. */
	l.v[0] = rr(3, 1, 1, wrong, 32);
	l.v[1] = rr(3, 0, 2, f.cert512, 64);
	l.n = 2;
	CHECK_INT(dane_match(&l, &f.der, 1, "other.example", NULL, &which,
	    why, sizeof(why)), 0);
	CHECK_INT(which, 1);
	fixture_free(&f);
}

static void
mismatch_and_unusable_records_refused_with_reason(void)
{
	struct fixture f;
	struct tlsa_list l = { 0 };
	unsigned char wrong[32] = { 1 };
	size_t which = 99;
	char why[256] = "";

	fixture_load(&f);
	l.v[0] = rr(3, 1, 1, wrong, 32);
	l.v[1] = rr(1, 1, 1, f.spki256, 32);	/* PKIX-EE: unusable */
	l.n = 2;
	CHECK_INT(dane_match(&l, &f.der, 1, "mx.dane.test", "dane.test",
	    &which, why, sizeof(why)), -1);
	CHECK_STR(why, "DANE: the certificate of mx.dane.test matches none "
	    "of its 1 usable TLSA records");
	CHECK_INT(dane_match(&l, NULL, 0, "mx.dane.test", NULL, &which, why,
	    sizeof(why)), -1);
	CHECK_STR(why, "DANE: mx.dane.test sent no certificate");
	fixture_free(&f);
}

static void
ta_without_issuer_in_chain_does_not_match(void)
{
	struct fixture f;
	struct tlsa_list l = { 0 };
	size_t which = 99;
	char why[256] = "";

	fixture_load(&f);
	/* The certificate as its own trust anchor: DANE-TA needs the TA in
	 * the chain above the server's certificate. */
	l.v[0] = rr(2, 0, 2, f.cert512, 64);
	l.n = 1;
	CHECK_INT(dane_match(&l, &f.der, 1, "mx.dane.test", NULL, &which, why,
	    sizeof(why)), -1);
	fixture_free(&f);
}

static void
policy_from_dnssec_and_records(void)
{
	unsigned char d[32] = { 0 };
	struct tlsa_list l = { 0 };

	CHECK_INT(dane_policy(NULL), DANE_OPPORTUNISTIC);
	l.sec = DNSSEC_SECURE;			/* validated absence */
	CHECK_INT(dane_policy(&l), DANE_OPPORTUNISTIC);
	l.sec = DNSSEC_BOGUS;
	CHECK_INT(dane_policy(&l), DANE_DEFER);
	l.v[0] = rr(1, 1, 1, d, 32);		/* PKIX-EE only */
	l.n = 1;
	l.sec = DNSSEC_SECURE;
	CHECK_INT(dane_policy(&l), DANE_ENCRYPT);
	l.v[1] = rr(3, 1, 1, d, 32);
	l.n = 2;
	CHECK_INT(dane_policy(&l), DANE_VERIFY);
	l.sec = DNSSEC_INSECURE;		/* records nobody vouches for */
	CHECK_INT(dane_policy(&l), DANE_OPPORTUNISTIC);
	l.sec = DNSSEC_UNTRUSTED;
	CHECK_INT(dane_policy(&l), DANE_OPPORTUNISTIC);
}

static const struct test tests[] = {
	TEST(policy_from_dnssec_and_records),
	TEST(usable_only_dane_ta_and_ee_with_right_lengths),
	TEST(format_cuts_long_data_and_marks_unusable),
	TEST(ee_spki_sha256_matches),
	TEST(ee_ignores_names_full_cert_sha512_matches),
	TEST(mismatch_and_unusable_records_refused_with_reason),
	TEST(ta_without_issuer_in_chain_does_not_match),
};

CHECK_MAIN(tests)
