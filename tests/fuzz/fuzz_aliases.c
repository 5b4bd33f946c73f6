/* fuzz_aliases.c — libFuzzer target for aliases_parse, aliases_expand
 * (recursion, loops, refusals) and aliases_check. */
#include <stddef.h>
#include <stdint.h>

#include "aliases.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aliases *a;
	struct strlist out;
	struct alias_refusals r = { 0 };
	struct buf b;
	struct err e;

	if (aliases_parse(&a, (const char *)data, size, "fuzz", &e) != 0)
		return 0;
	strlist_init(&out);
	aliases_expand(a, "root", &out, &r);
	aliases_expand(a, "nosuchname", &out, &r);
	aliases_expand(a, "user@example.com", &out, &r);
	buf_init(&b);
	(void)aliases_check(a, &b);
	buf_free(&b);
	alias_refusals_free(&r);
	strlist_free(&out);
	aliases_free(a);
	return 0;
}
