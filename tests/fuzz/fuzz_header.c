/* fuzz_header.c — header_parse on arbitrary bytes: no crash, the section
 * stays within HEADER_SECTION_MAX, every field value unfolds. */
#include <stdint.h>
#include <stdlib.h>

#include "header.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct header_list h;
	struct err e = { 0 };
	size_t used = 0;

	header_list_init(&h);
	if (header_parse(&h, (const char *)data, size, &used, &e) == 0 &&
	    used > size)
		abort();
	if (h.bytes > HEADER_SECTION_MAX)
		abort();
	for (size_t i = 0; i < h.n; i++) {
		free(header_value(&h, i));
		if (header_field_name_len(h.v[i].raw, h.v[i].raw_len) == 0)
			abort();
	}
	header_remove(&h, "Bcc");
	header_list_free(&h);
	return 0;
}
