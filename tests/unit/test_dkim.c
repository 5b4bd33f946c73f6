/*
 * test_dkim.c — relaxed canonicalization, header selection, signatures
 * and key checks.
 *
 * Expected values come from dkimpy (Debian python3-dkim): the canonical
 * forms from dkim.canonicalization.Relaxed, the body hashes from SHA-256
 * over them, and the two signatures of signed_message_matches_dkimpy
 * were produced here and then verified by dkimpy (tests/lib/
 * dkim_verify.py) with the public keys below; RSA PKCS#1 v1.5 and Ed25519
 * are deterministic, so the same key, time and message give the same b=.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dkim.h"
#include "dkim_canon.h"

/* r1024._domainkey.example.com: "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEB
 * AQUAA4GNADCBiQKBgQDKBbFPbmdxyGQp4DFJKqA97jUXUSPAzGCf/lPNY11DQ+q+8qmoP
 * PvXrs8+GMSh2ut5sg9kiHqa1kQe8Jj6JAA5y99Pz9A/1Mq79xiJqPJRyYU5yU5nO+JOhr
 * fupz6wRCaEI2N5Qil0KM8T4JW8s3d04LaqwhFP+4oFdNO9VE9whQIDAQAB" */
static const char key_rsa1024[] =
"-----BEGIN PRIVATE KEY-----\n"
"MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAMoFsU9uZ3HIZCng\n"
"MUkqoD3uNRdRI8DMYJ/+U81jXUND6r7yqag8+9euzz4YxKHa63myD2SIeprWRB7w\n"
"mPokADnL30/P0D/Uyrv3GImo8lHJhTnJTmc74k6Gt+6nPrBEJoQjY3lCKXQozxPg\n"
"lbyzd3TgtqrCEU/7igV0071UT3CFAgMBAAECgYA9EZl23HXyxFPbAMWFS5hjADYW\n"
"VVXMezueQcBNbwMLSWWV0T8N91ld6p8FM3GFR+s0v2m9xy/gzHKNM8fanbVfOc5g\n"
"0Td8UZ7xHRTwjhNNt5HZda/0/CGnolT6tPagO+ivyr8b6+uwZfVvOzPirGMRYnEB\n"
"MmCwSbivShZmUW2ppQJBAOIg9xTCt/yfxBWIQpwQZUBRS3BtigUCt96sseuRSZyK\n"
"42mZyEam/dK2y4gwURjTQC1XliQy/nkeRpAWN5OU0H8CQQDktYNDOOCeMiS7xAW6\n"
"lVmm4/tGeM57ZB7oSONdUNZcBwpR1Kqf2F1Fnw7Lfe9n9tiB+mIXvQW95tdyz2Am\n"
"1vz7AkAzGbP8Uwx04D3Vh9dVoTbgU/6yR267NyQKBAio7UovQAuoH4JsxOvzJC/W\n"
"dOS+sW59UJ+zSnrLMBZOFVc12JlNAkBYX/s0wompF18yXvCHxKY74uR5uryu2WVI\n"
"BMI2kMIEFYRbUn4L/iMsf+XLpAIafjvzHblByvypAMZHyvIwj+p5AkBIXEHMjOXo\n"
"Jd0O4WJZRRQeGFU/ynHSRMyd/v7CgolwJSMIyUKcReP4coR/PZ18cvy1apd9xt3K\n"
"yvi9MTiWFnus\n"
"-----END PRIVATE KEY-----\n";

/* e._domainkey.example.com: "v=DKIM1; k=ed25519;
 * p=O1HQK/kLWGI8lACj5Jk+ecSz8A0U9F3VFzBfDJM2dTU=" */
static const char key_ed25519[] =
"-----BEGIN PRIVATE KEY-----\n"
"MC4CAQAwBQYDK2VwBCIEIAPBl8VmKS332/s18r0lo3ysdF8mjRuJ9pYvbMC+Porp\n"
"-----END PRIVATE KEY-----\n";

static const char key_rsa512[] =
"-----BEGIN PRIVATE KEY-----\n"
"MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAzQeuAt4lZ6HbiSbS\n"
"grbXMwXKIqmr2QB5InycfmSdhZtG6cBo0kPWeyLQQ/xjzcYw3on7iquF3lCAC3z1\n"
"9CB8KQIDAQABAkBpaqltkAprXi0iN3PFAX1kHnXvnI1e5X9i2+8ajWDwcBoXPbQR\n"
"tLKtaK8MfI7B5hqqGfrzSR0vJkJ3NzZaSwIBAiEA7yUvvvQcc5xBOG62s93WHvCP\n"
"7ssfD/X7jinuRjOihgUCIQDbevavleHSccID27+GIhqkKWIQiYvZZnt3Xs9Ag/Iy\n"
"1QIhANRyCJRub8gUi6wCTrRC4jDiLDtKnvGi6DJG9bHPtRWxAiBRASUi0PKztQCi\n"
"Y+xgGR40EIH9EIbpCgXvnLJpYUl2sQIgOfs7qAU4lrs/M5mvH81iFNWIb726updZ\n"
"+9cvaLRgZQw=\n"
"-----END PRIVATE KEY-----\n";

static const char key_p256[] =
"-----BEGIN PRIVATE KEY-----\n"
"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJMc+ns6brr33z6sO\n"
"EnE2OQeHXsXoI/w0qT53I9+RqvGhRANCAASbieNwQUN5xe8rPSZ/3FLF9z76K0Mh\n"
"SoCfbvBHaLWkxMKgXVtDTvynkgl+y4LfQEgpfqvWqVuiZcggSu5LSRge\n"
"-----END PRIVATE KEY-----\n";

/* A key written to a new temporary file of the given mode; the path is
 * newly allocated. */
static char *
key_file(const char *pem, mode_t mode)
{
	char *path = strdup("/tmp/test_dkim.XXXXXX");
	int fd = mkstemp(path);

	if (fd == -1 || write(fd, pem, strlen(pem)) != (ssize_t)strlen(pem) ||
	    fchmod(fd, mode) == -1)
		abort();
	close(fd);
	return path;
}

/* --- body canonicalization --- */

static void
collect(void *arg, const char *p, size_t n)
{
	buf_add(arg, p, n);
}

struct canon_case {
	const char *in;
	const char *want;
};

/* dkimpy's Relaxed.canonicalize_body for each input. */
static const struct canon_case body_cases[] = {
	{ "", "" },
	{ "\r\n", "" },
	{ "\r\n\r\n", "" },
	{ "a", "a\r\n" },
	{ "a  ", "a \r\n" },
	{ "a \t b \r\n", "a b\r\n" },
	{ " \t\r\n", "" },
	{ "x\r\n\r\n\r\ny\r\n\r\n", "x\r\n\r\n\r\ny\r\n" },
	{ "a\rb\r\n", "a\rb\r\n" },
	{ "a \r \r\n", "a \r\r\n" },
	{ "\r\r\n", "\r\r\n" },
	{ "a\nb\r\n", "a\nb\r\n" },
	{ "x\r\n  ", "x\r\n \r\n" },
	{ "  lead\r\n", " lead\r\n" },
	{ "a\r", "a\r\r\n" },
};

static void
body_canon_matches_dkimpy_in_every_chunking(void)
{
	for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const char *in = body_cases[i].in;
		size_t len = strlen(in);

		for (size_t chunk = 1; chunk <= len + 1; chunk++) {
			struct dkim_body_canon c;
			struct buf out;

			buf_init(&out);
			dkim_body_canon_init(&c, collect, &out);
			for (size_t off = 0; off < len; off += chunk)
				dkim_body_canon_feed(&c, in + off,
				    len - off < chunk ? len - off : chunk);
			dkim_body_canon_end(&c);
			/* An empty output may have left data NULL. */
			CHECK_MEM(out.len > 0 ? out.data : "", out.len,
			    body_cases[i].want, strlen(body_cases[i].want));
			buf_free(&out);
		}
	}
}

/* A million empty lines are held as a count, not as bytes. */
static void
body_canon_holds_back_empty_lines_as_a_count(void)
{
	struct dkim_body_canon c;
	struct buf out;

	buf_init(&out);
	dkim_body_canon_init(&c, collect, &out);
	dkim_body_canon_feed(&c, "a\r\n", 3);
	for (int i = 0; i < 1000000; i++)
		dkim_body_canon_feed(&c, "\r\n", 2);
	CHECK_INT(out.len, 3);
	dkim_body_canon_feed(&c, "b\r\n", 3);
	CHECK_INT(out.len, 3 + 2000000 + 3);
	dkim_body_canon_end(&c);
	buf_free(&out);
}

/* --- header canonicalization --- */

static void
header_canon_matches_dkimpy(void)
{
	static const struct canon_case t[] = {
		{ "Subject:   Hello\t  world  ", "subject:Hello world\r\n" },
		{ "To : a@b,\r\n\tc@d  ", "to:a@b, c@d\r\n" },
		{ "X-Empty:", "x-empty:\r\n" },
		{ "MIME-Version: 1.0", "mime-version:1.0\r\n" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf out;

		buf_init(&out);
		dkim_header_canon(&out, t[i].in, strlen(t[i].in));
		CHECK_STR(out.data, t[i].want);
		buf_free(&out);
	}
}

/* --- signing --- */

/* Folding, trailing WSP, two To fields, a field not in the list, WSP and
 * empty lines at the end of the body. */
static const char message[] =
    "From: Joe <joe@mail.example.com>\r\n"
    "To: a@b.example,\r\n\tc@d.example  \r\n"
    "Subject:   Hello\t  world  \r\n"
    "To: e@f.example\r\n"
    "X-Other: not signed\r\n"
    "\r\n"
    "  body  line \t\r\n\r\nend\r\n\r\n\r\n";

/* Verified by dkimpy with the keys above: "pass" for both. */
static const char signed_fields[] =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; "
    "s=r1024;\r\n"
    "\tt=1700000000; h=from:from:to:to:subject;\r\n"
    "\tbh=9yIwfAzU8oxYRdPcfOPUo+/W0sClBMaT/4JcvBPvHAA=;\r\n"
    "\tb=vhcRjlBWHkrnazC/lJGoOJzDF/P4cQiuUoWfx2x3/POK/dUy/EkKjinO2uOp2XeZuRT38oe8"
    "\r\n"
    "\t7BL0ko45BF1lASx0SbfKBy133ZLuFcGsL2DG66fbdMjLCrd6P4s2LA6bRo1+i74OpwyHvz1e"
    "\r\n"
    "\tVHLUKtZtB0rMDSp3pGyYW79G6HU=\r\n"
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; "
    "d=example.com; s=e;\r\n"
    "\tt=1700000000; h=from:from:to:to:subject;\r\n"
    "\tbh=9yIwfAzU8oxYRdPcfOPUo+/W0sClBMaT/4JcvBPvHAA=;\r\n"
    "\tb=+9gwCbVP1Qq6MZXDOxBNSntlJ8vQPfRCu5Bh6uS2UFi5TQIl81XSVCO3Y5uSY/DxCytmld6Q"
    "\r\n"
    "\tfxLynZ8DFa4CAA==\r\n";

static struct dkim_signer *
two_key_signer(const char *domain, const char *headers, char **p1, char **p2)
{
	struct dkim_signer *s = NULL;
	struct err e = { 0 };
	char *keys;

	*p1 = key_file(key_rsa1024, 0600);
	*p2 = key_file(key_ed25519, 0400);
	keys = xasprintf("%s, %s", *p1, *p2);
	if (dkim_signer_new(&s, keys, "r1024,e", domain, headers, &e) == -1)
		fprintf(stderr, "  signer: %s\n", e.msg);
	free(keys);
	return s;
}

static void
drop_keys(char *p1, char *p2)
{
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
}

static void
signed_message_matches_dkimpy(void)
{
	char *p1, *p2;
	struct dkim_signer *s = two_key_signer("example.com", NULL, &p1, &p2);
	size_t len = strlen(message);

	CHECK(s != NULL);
	if (s == NULL)
		return;
	/* Any chunking of the wire form gives the same fields. */
	for (size_t chunk = 1; chunk <= len; chunk += 7) {
		struct dkim_sign *g = dkim_sign_begin(s, "example.com",
		    1700000000);
		struct err e = { 0 };
		struct buf out;

		buf_init(&out);
		for (size_t off = 0; off < len; off += chunk)
			dkim_sign_feed(g, message + off,
			    len - off < chunk ? len - off : chunk);
		CHECK_INT(dkim_sign_end(g, &out, &e), 0);
		CHECK_STR(out.data, signed_fields);
		dkim_sign_free(g);
		buf_free(&out);
	}
	dkim_signer_free(s);
	drop_keys(p1, p2);
}

/* The h= of the one field made with a header list. */
static char *
h_tag(const char *headers, const char *msg)
{
	char *p1, *p2, *h = NULL;
	struct dkim_signer *s = two_key_signer(NULL, headers, &p1, &p2);
	struct dkim_sign *g;
	struct err e = { 0 };
	struct buf out;

	if (s == NULL)
		return NULL;
	g = dkim_sign_begin(s, "example.com", 1);
	buf_init(&out);
	dkim_sign_feed(g, msg, strlen(msg));
	if (dkim_sign_end(g, &out, &e) == 0) {
		const char *p = strstr(out.data, " h="), *q;

		if (p != NULL && (q = strchr(p, ';')) != NULL)
			h = xstrndup(p + 3, (size_t)(q - p - 3));
	}
	buf_free(&out);
	dkim_sign_free(g);
	dkim_signer_free(s);
	drop_keys(p1, p2);
	return h;
}

static void
headers_listed_as_often_as_they_occur_from_once_more(void)
{
	static const char m[] = "from: a@example.com\r\nCC: x@y\r\nCc: z@y\r\n"
	    "Date: now\r\n\r\nbody\r\n";
	char *h;

	h = h_tag(NULL, m);
	CHECK_STR(h, "from:from:cc:cc:date");
	free(h);
	/* A list without From gets it; a listed name that is absent is not
	 * named; case and ',' or ':' separators do not matter. */
	h = h_tag("Date, X-Absent:CC", m);
	CHECK_STR(h, "date:cc:cc:from:from");
	free(h);
	/* No header section end: everything is header, the body empty. */
	h = h_tag(NULL, "From: a@example.com\r\n");
	CHECK_STR(h, "from:from");
	free(h);
}

static void
signer_domain_is_dkim_domain_or_below(void)
{
	char *p1, *p2, *q1, *q2;
	struct dkim_signer *s = two_key_signer("example.com", NULL, &p1, &p2);
	struct dkim_signer *any = two_key_signer(NULL, NULL, &q1, &q2);

	CHECK(s != NULL && any != NULL);
	if (s != NULL && any != NULL) {
		CHECK_STR(dkim_signer_domain(s, "example.com"), "example.com");
		CHECK_STR(dkim_signer_domain(s, "EXAMPLE.com"), "example.com");
		CHECK_STR(dkim_signer_domain(s, "mail.example.com"),
		    "example.com");
		CHECK(dkim_signer_domain(s, "notexample.com") == NULL);
		CHECK(dkim_signer_domain(s, "example.org") == NULL);
		CHECK(dkim_signer_domain(s, "com") == NULL);
		CHECK(dkim_signer_domain(s, NULL) == NULL);
		CHECK_STR(dkim_signer_domain(any, "other.example"),
		    "other.example");
	}
	dkim_signer_free(s);
	dkim_signer_free(any);
	drop_keys(p1, p2);
	drop_keys(q1, q2);
}

/* --- refused keys and settings: EX_CONFIG naming the problem --- */

struct refuse_case {
	const char *pem;
	mode_t	 mode;
	const char *selectors;
	const char *domain;
	const char *headers;
	const char *want;	/* in the message */
};

static void
signer_refuses_bad_keys_and_settings(void)
{
	static const struct refuse_case t[] = {
		{ key_rsa1024, 0640, "s", NULL, NULL, "readable by others" },
		{ key_rsa1024, 0604, "s", NULL, NULL, "chmod 600" },
		{ key_rsa512, 0600, "s", NULL, NULL, "RSA of 512 bits" },
		{ key_p256, 0600, "s", NULL, NULL, "RSA or Ed25519" },
		{ "not a key\n", 0600, "s", NULL, NULL, "not a PEM private key" },
		{ key_ed25519, 0600, "a,b", NULL, NULL, "2 selectors for 1" },
		{ key_ed25519, 0600, NULL, NULL, NULL, "0 selectors for 1" },
		{ key_ed25519, 0600, "a b", NULL, NULL, "not a DNS label" },
		{ key_ed25519, 0600, "s", "ex ample.com", NULL,
		  "dkim_domain" },
		{ key_ed25519, 0600, "s", NULL, "from:dkim-signature",
		  "cannot be signed" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *path = key_file(t[i].pem, t[i].mode);
		struct dkim_signer *s = NULL;
		struct err e = { 0 };

		CHECK_INT(dkim_signer_new(&s, path, t[i].selectors,
		    t[i].domain, t[i].headers, &e), -1);
		CHECK_INT(e.ex, EX_CONFIG);
		CHECK(s == NULL);
		if (strstr(e.msg, t[i].want) == NULL) {
			fprintf(stderr, "  case %zu: got \"%s\", want \"%s\"\n",
			    i, e.msg, t[i].want);
			CHECK(0);
		}
		unlink(path);
		free(path);
	}
}

static void
signer_refuses_missing_key_file(void)
{
	struct dkim_signer *s = NULL;
	struct err e = { 0 };

	CHECK_INT(dkim_signer_new(&s, "/nonexistent/k.pem", "s", NULL, NULL,
	    &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK(strstr(e.msg, "/nonexistent/k.pem") != NULL);
}

static const struct test tests[] = {
	TEST(body_canon_matches_dkimpy_in_every_chunking),
	TEST(body_canon_holds_back_empty_lines_as_a_count),
	TEST(header_canon_matches_dkimpy),
	TEST(signed_message_matches_dkimpy),
	TEST(headers_listed_as_often_as_they_occur_from_once_more),
	TEST(signer_domain_is_dkim_domain_or_below),
	TEST(signer_refuses_bad_keys_and_settings),
	TEST(signer_refuses_missing_key_file),
};

CHECK_MAIN(tests)
