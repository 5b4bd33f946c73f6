/*
 * fuzz_oauth2.c — libFuzzer target for what OAuth 2.0 reads from the
 * network: oauth2_query_param() on a redirect's query (from a browser, or
 * pasted) and oauth2_json_parse() on an endpoint's answer.
 *
 * Invariants checked: a decoded parameter is NUL-terminated, holds no NUL
 * and is no longer than the query; a parsed object answers every accessor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth2_http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "code", "state", "error", "" };
	struct oauth2_json *j;
	long long v;
	char *val;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (oauth2_query_param((const char *)data, size, names[i],
		    &val) == 0) {
			if (strlen(val) > size)
				abort();
			free(val);
		}
	}
	if ((j = oauth2_json_parse((const char *)data, size)) != NULL) {
		(void)oauth2_json_str(j, "access_token");
		(void)oauth2_json_int(j, "expires_in", &v);
		free(oauth2_json_text(j));
		oauth2_json_free(j);
	}
	return 0;
}
