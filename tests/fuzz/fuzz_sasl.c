/*
 * fuzz_sasl.c — hostile 334 challenges and AUTH offers for src/sasl.c.
 *
 * The first byte picks a mechanism; the rest is split at '\n' into up
 * to four challenges (base64 text as sasl_step receives it, not NUL
 * terminated) and is also offered as the server's AUTH list to
 * sasl_choose.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"
#include "util.h"

static const char *const mechs[] = {
	"LOGIN", "CRAM-MD5", "PLAIN", "XOAUTH2", "OAUTHBEARER", "EXTERNAL",
	"SCRAM-SHA-256",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sasl_params p = { .user = "user", .password = "secret",
	    .host = "mx.example.org", .port = 587 };
	struct sasl *s = NULL;
	struct err e = { 0 };
	char *init = NULL, *resp, *offered;
	const char *ch, *nl;
	size_t left;

	if (size < 1)
		return 0;
	offered = xstrndup((const char *)data + 1, size - 1);
	(void)sasl_choose(AUTH_AUTO, offered, true, &e);
	(void)sasl_choose(AUTH_CRAM_MD5, offered, true, &e);
	free(offered);
	if (sasl_start(&s, mechs[data[0] % (sizeof(mechs) / sizeof(mechs[0]))],
	    &p, &init, &e) == -1)
		return 0;
	free(init);
	ch = (const char *)data + 1;
	left = size - 1;
	for (int i = 0; i < 4; i++) {
		nl = memchr(ch, '\n', left);
		size_t n = nl ? (size_t)(nl - ch) : left;
		resp = NULL;
		if (sasl_step(s, ch, n, &resp, &e) == -1)
			break;
		free(resp);
		if (nl == NULL)
			break;
		ch = nl + 1;
		left -= n + 1;
	}
	sasl_free(s);
	return 0;
}
