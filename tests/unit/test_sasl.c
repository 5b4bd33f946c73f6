/* test_sasl.c — unit tests for src/sasl.c, against the RFC examples. */
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_GSASL
#include <gsasl.h>
#endif

#include "check.h"
#include "encode.h"
#include "sasl.h"
#include "util.h"

static const struct sasl_params tim = {
	.user = "tim", .password = "tanstaaftanstaaf",
	.host = "server.example.com", .port = 587,
};

/* Start mech and return its initial response (caller frees). */
static char *
initial_of(const char *mech, const struct sasl_params *p)
{
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL;

	CHECK_INT(sasl_start(&s, mech, p, &init, &e), 0);
	sasl_free(s);
	return init;
}

static void
plain_initial_matches_rfc4616(void)
{
	char *init = initial_of("PLAIN", &tim);

	/* base64 of "\0tim\0tanstaaftanstaaf" (RFC 4616 §4). */
	CHECK_STR(init, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	free(init);
}

static void
plain_answers_empty_challenge_with_same_message(void)
{
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp = NULL;

	/* RFC 4954 §4: "334 " with nothing asks for the initial response. */
	CHECK_INT(sasl_start(&s, "PLAIN", &tim, &init, &e), 0);
	CHECK_INT(sasl_step(s, "", 0, &resp, &e), 0);
	CHECK_STR(resp, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	free(init);
	free(resp);
	sasl_free(s);
}

static void
cram_md5_answers_rfc2195_example(void)
{
	const char *ch = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp = NULL;

	CHECK_INT(sasl_start(&s, "CRAM-MD5", &tim, &init, &e), 0);
	CHECK(init == NULL);
	CHECK_INT(sasl_step(s, ch, strlen(ch), &resp, &e), 0);
	CHECK_STR(resp, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	free(resp);
	/* A second challenge is a protocol error, not a loop. */
	CHECK_INT(sasl_step(s, ch, strlen(ch), &resp, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	sasl_free(s);
}

static void
login_sends_user_then_password(void)
{
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *r1 = NULL, *r2 = NULL, *r3 = NULL;

	CHECK_INT(sasl_start(&s, "LOGIN", &tim, &init, &e), 0);
	CHECK(init == NULL);
	CHECK_INT(sasl_step(s, "VXNlcm5hbWU6", 12, &r1, &e), 0);
	CHECK_STR(r1, "dGlt");				/* "tim" */
	CHECK_INT(sasl_step(s, "UGFzc3dvcmQ6", 12, &r2, &e), 0);
	CHECK_STR(r2, "dGFuc3RhYWZ0YW5zdGFhZg==");	/* the password */
	CHECK_INT(sasl_step(s, "UGFzc3dvcmQ6", 12, &r3, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	free(r1);
	free(r2);
	sasl_free(s);
}

static void
xoauth2_matches_google_example(void)
{
	struct sasl_params p = { .user = "someuser@example.com",
	    .password = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg" };
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp = NULL;

	CHECK_INT(sasl_start(&s, "XOAUTH2", &p, &init, &e), 0);
	CHECK_STR(init, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5"
	    "YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
	/* The JSON error challenge is answered with an empty line. */
	CHECK_INT(sasl_step(s, "eyJzdGF0dXMiOiI0MDEifQ==", 24, &resp, &e), 0);
	CHECK_STR(resp, "");
	free(init);
	free(resp);
	sasl_free(s);
}

static void
oauthbearer_matches_rfc7628_example(void)
{
	struct sasl_params p = { .user = "user@example.com",
	    .password = "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==",
	    .host = "server.example.com", .port = 587 };
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp = NULL;

	CHECK_INT(sasl_start(&s, "OAUTHBEARER", &p, &init, &e), 0);
	CHECK_STR(init, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1w"
	    "bGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNr"
	    "QmhkSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	/* RFC 7628 §3.2.3: the error challenge gets a lone ^A. */
	CHECK_INT(sasl_step(s, "eyJzdGF0dXMiOiI0MDEifQ==", 24, &resp, &e), 0);
	CHECK_STR(resp, "AQ==");
	free(init);
	free(resp);
	sasl_free(s);
}

static void
oauthbearer_escapes_comma_and_equals_in_user(void)
{
	struct sasl_params p = { .user = "a,b=c", .password = "T" };
	char *init = initial_of("OAUTHBEARER", &p);

	/* "n,a=a=2Cb=3Dc,^Aauth=Bearer T^A^A" (RFC 5801 saslname). */
	CHECK_STR(init, "bixhPWE9MkNiPTNEYywBYXV0aD1CZWFyZXIgVAEB");
	free(init);
}

static void
external_without_user_sends_empty_response(void)
{
	struct sasl_params p = { 0 };
	char *init = initial_of("EXTERNAL", &p);

	CHECK_STR(init, "=");
	free(init);
}

static void
choose_auto_prefers_scram_then_plain(void)
{
	struct err e = { 0 };

#ifdef HAVE_GSASL
	CHECK_STR(sasl_choose(AUTH_AUTO, "LOGIN PLAIN SCRAM-SHA-1 "
	    "SCRAM-SHA-256 CRAM-MD5", true, &e), "SCRAM-SHA-256");
	CHECK_STR(sasl_choose(AUTH_AUTO, "login scram-sha-1 plain", true, &e),
	    "SCRAM-SHA-1");
#endif
	CHECK_STR(sasl_choose(AUTH_AUTO, "CRAM-MD5 LOGIN PLAIN", true, &e),
	    "PLAIN");
	CHECK_STR(sasl_choose(AUTH_AUTO, "CRAM-MD5 LOGIN", true, &e), "LOGIN");
	CHECK_STR(sasl_choose(AUTH_AUTO, "CRAM-MD5", true, &e), "CRAM-MD5");
}

static void
choose_auto_never_guesses_token_mechanisms(void)
{
	struct err e = { 0 };

	CHECK(sasl_choose(AUTH_AUTO, "XOAUTH2 OAUTHBEARER EXTERNAL", true,
	    &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
	/* "PLAINX" is not "PLAIN": whole words only. */
	CHECK(sasl_choose(AUTH_AUTO, "PLAINX GSSAPI", true, &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
}

static void
choose_auto_without_password_refuses(void)
{
	struct err e = { 0 };

	CHECK(sasl_choose(AUTH_AUTO, "PLAIN LOGIN", false, &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
}

static void
choose_configured_must_be_offered(void)
{
	struct err e = { 0 };

	CHECK_STR(sasl_choose(AUTH_XOAUTH2, "PLAIN XOAUTH2", true, &e),
	    "XOAUTH2");
	CHECK_STR(sasl_choose(AUTH_EXTERNAL, "EXTERNAL", false, &e),
	    "EXTERNAL");
	CHECK(sasl_choose(AUTH_CRAM_MD5, "PLAIN LOGIN", true, &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "CRAM-MD5") != NULL);
	CHECK(sasl_choose(AUTH_PLAIN, NULL, true, &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
}

static void
unknown_mechanism_is_unsupported(void)
{
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL;

	CHECK(!sasl_supported("GSSAPI"));
	CHECK(!sasl_supported("DIGEST-MD5"));
	CHECK(sasl_supported("plain"));
	CHECK_INT(sasl_start(&s, "GSSAPI", &tim, &init, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK(s == NULL);
}

static void
challenge_that_is_not_base64_is_protocol_error(void)
{
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp = NULL;

	CHECK_INT(sasl_start(&s, "CRAM-MD5", &tim, &init, &e), 0);
	CHECK_INT(sasl_step(s, "!!not base64!!", 14, &resp, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK(resp == NULL);
	sasl_free(s);
}

#ifdef HAVE_GSASL
static int
server_cb(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	(void)ctx;
	if (prop == GSASL_PASSWORD)
		return gsasl_property_set(sess, GSASL_PASSWORD,
		    "tanstaaftanstaaf");
	return GSASL_NO_CALLBACK;
}

/* Run our client against GNU SASL's server; returns the server's last rc. */
static int
scram_exchange(const char *mech, const char *password)
{
	struct sasl_params p = tim;
	struct sasl *s = NULL;
	struct err e = { 0 };
	Gsasl *ctx;
	Gsasl_session *srv;
	char *msg = NULL, *out = NULL;
	int rc = GSASL_MECHANISM_CALLED_TOO_MANY_TIMES;

	p.password = password;
	CHECK_INT(gsasl_init(&ctx), GSASL_OK);
	gsasl_callback_set(ctx, server_cb);
	CHECK_INT(gsasl_server_start(ctx, mech, &srv), GSASL_OK);
	CHECK_INT(sasl_start(&s, mech, &p, &msg, &e), 0);
	for (int i = 0; i < 4 && msg != NULL; i++) {
		rc = gsasl_step64(srv, msg, &out);
		free(msg);
		msg = NULL;
		if (rc != GSASL_NEEDS_MORE && rc != GSASL_OK)
			break;
		if (sasl_step(s, out, strlen(out), &msg, &e) == -1) {
			rc = -1;
			break;
		}
		if (rc == GSASL_OK)
			break;
		gsasl_free(out);
		out = NULL;
	}
	gsasl_free(out);
	free(msg);
	sasl_free(s);
	gsasl_finish(srv);
	gsasl_done(ctx);
	return rc;
}

static void
scram_sha256_completes_against_gsasl_server(void)
{
	CHECK_INT(scram_exchange("SCRAM-SHA-256", "tanstaaftanstaaf"), GSASL_OK);
	CHECK_INT(scram_exchange("SCRAM-SHA-1", "tanstaaftanstaaf"), GSASL_OK);
}

/* The server-first-message for our client-first (base64 init) with
 * this iteration count, base64 again. */
static char *
server_first(const char *init, const char *iterations)
{
	struct buf raw;
	const char *r;
	char *msg, *b64;

	buf_init(&raw);
	CHECK_INT(b64_decode_plain(init, strlen(init), &raw), 0);
	r = strstr(raw.data, "r=");
	msg = xasprintf("%sSRV,s=QSXCR+Q6sek8bf92,i=%s", r != NULL ? r : "r=",
	    iterations);
	b64 = b64_encode_plain(msg, strlen(msg));
	free(msg);
	buf_free(&raw);
	return b64;
}

/* A server asking for 2^32-1 iterations would keep postie hashing for
 * over an hour: over 100000 fails the mechanism at once. */
static void
scram_refuses_an_excessive_iteration_count(void)
{
	static const struct {
		const char *i;
		int rc;
	} cases[] = {
		{ "4294967295", -1 }, { "100001", -1 },
		{ "99999999999999999999999", -1 }, { "4096", 0 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct sasl *s = NULL;
		struct err e = { 0 };
		char *init = NULL, *ch, *resp = NULL;

		CHECK_INT(sasl_start(&s, "SCRAM-SHA-256", &tim, &init, &e), 0);
		ch = server_first(init, cases[k].i);
		CHECK_INT(sasl_step(s, ch, strlen(ch), &resp, &e),
		    cases[k].rc);
		if (cases[k].rc == -1) {
			CHECK_INT(e.ex, EX_PROTOCOL);
			CHECK_STR(e.msg, "AUTH SCRAM-SHA-256: the server asks "
			    "for more than 100000 iterations");
		}
		free(resp);
		free(ch);
		free(init);
		sasl_free(s);
	}
}

static void
scram_wrong_password_is_refused_by_server(void)
{
	int rc = scram_exchange("SCRAM-SHA-256", "wrong");

	CHECK(rc != GSASL_OK);
}
#endif

static void
choose_token_prefers_oauthbearer_then_xoauth2(void)
{
	struct err e;

	CHECK_STR(sasl_choose_token(AUTH_AUTO, "PLAIN XOAUTH2 OAUTHBEARER",
	    &e), "OAUTHBEARER");
	CHECK_STR(sasl_choose_token(AUTH_AUTO, "PLAIN xoauth2", &e),
	    "XOAUTH2");
	CHECK_STR(sasl_choose_token(AUTH_XOAUTH2, "XOAUTH2 OAUTHBEARER", &e),
	    "XOAUTH2");
	CHECK(sasl_choose_token(AUTH_AUTO, "PLAIN LOGIN", &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(sasl_choose_token(AUTH_OAUTHBEARER, "XOAUTH2", &e) == NULL);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(sasl_choose_token(AUTH_PLAIN, "PLAIN XOAUTH2", &e) == NULL);
	CHECK_INT(e.ex, EX_CONFIG);
}

static const struct test tests[] = {
	TEST(plain_initial_matches_rfc4616),
	TEST(plain_answers_empty_challenge_with_same_message),
	TEST(cram_md5_answers_rfc2195_example),
	TEST(login_sends_user_then_password),
	TEST(xoauth2_matches_google_example),
	TEST(oauthbearer_matches_rfc7628_example),
	TEST(oauthbearer_escapes_comma_and_equals_in_user),
	TEST(external_without_user_sends_empty_response),
	TEST(choose_auto_prefers_scram_then_plain),
	TEST(choose_auto_never_guesses_token_mechanisms),
	TEST(choose_auto_without_password_refuses),
	TEST(choose_configured_must_be_offered),
	TEST(choose_token_prefers_oauthbearer_then_xoauth2),
	TEST(unknown_mechanism_is_unsupported),
	TEST(challenge_that_is_not_base64_is_protocol_error),
#ifdef HAVE_GSASL
	TEST(scram_sha256_completes_against_gsasl_server),
	TEST(scram_wrong_password_is_refused_by_server),
	TEST(scram_refuses_an_excessive_iteration_count),
#endif
};

CHECK_MAIN(tests)
