/* fuzz_address.c — address_parse_list, address_qualify_list and
 * address_check_path on arbitrary bytes.  Whatever check_path accepts
 * must be safe in an SMTP command: no CR, LF, '<' or '>' outside quotes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

static void
check_accepted(const char *a)
{
	struct err e = { 0 };
	bool quoted = false;

	if (address_check_path(a, true, &e) != 0)
		return;
	for (const char *p = a; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			abort();
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '<' || *p == '>' || *p == ' '))
			abort();
	}
	if (strlen(a) + 2 > ADDR_PATH_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist l;
	struct err e = { 0 };
	char *s, *q, *al;

	strlist_init(&l);
	if (address_parse_list((const char *)data, size, &l, &e) == 0)
		for (size_t i = 0; i < l.n; i++) {
			check_accepted(l.v[i]);
			if (address_to_alabel(l.v[i], &al, &e) == 0)
				free(al);
		}
	strlist_free(&l);
	q = address_qualify_list((const char *)data, size, "example.com");
	free(q);
	s = strndup((const char *)data, size);
	check_accepted(s);
	free(s);
	return 0;
}
