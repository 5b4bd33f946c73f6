/* fuzz_aliases.c — libFuzzer target for aliases_parse and aliases_expand. */
#include <stddef.h>
#include <stdint.h>

#include "aliases.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aliases *a;
	struct strlist out;
	struct err e;

	if (aliases_parse(&a, (const char *)data, size, "fuzz", &e) != 0)
		return 0;
	strlist_init(&out);
	aliases_expand(a, "root", &out);
	aliases_expand(a, "nosuchname", &out);
	aliases_expand(a, "user@example.com", &out);
	strlist_free(&out);
	aliases_free(a);
	return 0;
}
