/* fuzz_header.c — the header reader postie uses (message_read's header
 * phase, header.c's line classification) on arbitrary bytes: no crash,
 * the section stays within HEADER_SECTION_MAX, every field starts with a
 * field name, its continuation lines start with WSP, no NUL is kept
 * (a CR inside a line is, header_put_wire makes it a space), and every
 * value unfolds.  header_parse (the in-memory parser the
 * tests use) must agree on the fields when the input has no mbox line,
 * no CR and no long lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "header.h"
#include "message.h"

static void
check_fields(const struct header_list *h)
{
	if (h->bytes > HEADER_SECTION_MAX)
		abort();
	for (size_t i = 0; i < h->n; i++) {
		const struct header *f = &h->v[i];

		if (header_field_name_len(f->raw, f->raw_len) == 0 ||
		    memchr(f->raw, '\0', f->raw_len) != NULL)
			abort();
		for (size_t k = 0; k + 1 < f->raw_len; k++)
			if (f->raw[k] == '\n' && f->raw[k + 1] != ' ' &&
			    f->raw[k + 1] != '\t')
				abort();
		free(header_value(h, i));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_read_opts o = { false, NULL, false };
	struct message m;
	struct header_list p;
	struct err e = { 0 };
	size_t used = 0;
	int fd = memfd_create("fuzz", 0);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	message_init(&m);
	if (message_read(&m, fd, &o, &e) == 0) {
		check_fields(&m.headers);
		header_list_init(&p);
		if (size < 4096 && memchr(data, '\r', size) == NULL &&
		    (size < 5 || memcmp(data, "From ", 5) != 0) &&
		    header_parse(&p, (const char *)data, size, &used,
		    &e) == 0) {
			if (used > size || p.n != m.headers.n)
				abort();
			for (size_t i = 0; i < p.n; i++)
				if (strcmp(p.v[i].raw, m.headers.v[i].raw) != 0)
					abort();
		}
		header_list_free(&p);
		header_remove(&m.headers, "Bcc");
	}
	message_free(&m);
	close(fd);
	return 0;
}
