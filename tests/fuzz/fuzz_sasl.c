/*
 * fuzz_sasl.c — hostile 334 challenges and AUTH offers for src/sasl.c.
 *
 * The first byte picks a mechanism; the rest is split at '\n' into up
 * to four challenges (base64 text as sasl_step receives it, not NUL
 * terminated) and is also offered as the server's AUTH list to
 * sasl_choose.
 *
 * SCRAM's first challenge must start with the client's random nonce,
 * which no input can guess: for SCRAM the challenges are raw text that
 * the harness base64-encodes, the first one after "r=" and the nonce
 * from our client-first-message, so that an input reaches the same
 * code (the iteration count, the salt, the server's proof) whatever
 * nonce the run drew.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "sasl.h"
#include "util.h"

static const char *const mechs[] = {
	"LOGIN", "CRAM-MD5", "PLAIN", "XOAUTH2", "OAUTHBEARER", "EXTERNAL",
	"SCRAM-SHA-256",
};

/* The client nonce of a base64 client-first-message ("n,,n=U,r=NONCE"),
 * as "r=NONCE", or "" when there is none. */
static char *
client_nonce(const char *init)
{
	struct buf raw;
	const char *r;
	char *out;

	buf_init(&raw);
	if (init == NULL || b64_decode_plain(init, strlen(init), &raw) == -1 ||
	    raw.data == NULL || (r = strstr(raw.data, ",r=")) == NULL)
		out = xstrdup("");
	else
		out = xstrdup(r + 1);
	buf_free(&raw);
	return out;
}

/* A raw SCRAM challenge, base64 for sasl_step; the first after the
 * client's nonce. */
static char *
scram_challenge(const char *nonce, int i, const char *ch, size_t n)
{
	struct buf b;
	char *out;

	buf_init(&b);
	if (i == 0)
		buf_adds(&b, nonce);
	buf_add(&b, ch, n);
	out = b64_encode_plain(b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sasl_params p = { .user = "user", .password = "secret",
	    .host = "mx.example.org", .port = 587 };
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp, *offered, *nonce = NULL;
	const char *ch, *nl, *mech;
	size_t left;

	if (size < 1)
		return 0;
	offered = xstrndup((const char *)data + 1, size - 1);
	(void)sasl_choose(AUTH_AUTO, offered, true, &e);
	(void)sasl_choose(AUTH_CRAM_MD5, offered, true, &e);
	free(offered);
	mech = mechs[data[0] % (sizeof(mechs) / sizeof(mechs[0]))];
	if (sasl_start(&s, mech, &p, &init, &e) == -1)
		return 0;
	if (strncmp(mech, "SCRAM-", 6) == 0)
		nonce = client_nonce(init);
	free(init);
	ch = (const char *)data + 1;
	left = size - 1;
	for (int i = 0; i < 4; i++) {
		nl = memchr(ch, '\n', left);
		size_t n = nl ? (size_t)(nl - ch) : left;
		char *scram = nonce != NULL ? scram_challenge(nonce, i, ch, n) :
		    NULL;
		int rc;

		resp = NULL;
		rc = scram != NULL ? sasl_step(s, scram, strlen(scram), &resp,
		    &e) : sasl_step(s, ch, n, &resp, &e);
		free(scram);
		if (rc == -1)
			break;
		free(resp);
		if (nl == NULL)
			break;
		ch = nl + 1;
		left -= n + 1;
	}
	free(nonce);
	sasl_free(s);
	return 0;
}
