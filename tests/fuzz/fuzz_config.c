/* fuzz_config.c — libFuzzer target for config_parse and netrc_lookup. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "netrc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err e;
	char *login = NULL, *pw;

	if (config_parse(&cfg, (const char *)data, size, "fuzz", &e) == 0) {
		/* Selection walks every account's from pattern. */
		(void)config_select(&cfg, NULL, "user@example.com", &e);
		(void)config_select(&cfg, "default", NULL, &e);
		config_free(&cfg);
	}
	pw = netrc_lookup((const char *)data, size, "example.com", NULL,
	    &login);
	free(pw);
	free(login);
	return 0;
}
