/* fuzz_message.c — message_read from a memfd, then rewrite and the wire
 * form for a 7-bit server: no crash, the wire form stays within
 * wire_size, no wire line over 998 octets unless composed. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "message.h"
#include "wire.h"

static void
check_wire(struct message *m, const struct wire_opts *w)
{
	struct wire_reader *r;
	struct err e = { 0 };
	char chunk[1000];
	ssize_t n;
	off_t total = 0;
	size_t col = 0;

	if (wire_reader_open(&r, m, w, &e) != 0)
		return;
	while ((n = wire_reader_read(r, chunk, sizeof(chunk), &e)) > 0) {
		total += n;
		for (ssize_t i = 0; i < n; i++) {
			if (chunk[i] == '\n')
				col = 0;
			else if (++col > 999 && total > 0 &&
			    wire_needs_reencode(m, w))
				abort();	/* 998 + the CR */
		}
	}
	wire_reader_close(r);
	if (total > wire_size(m, w))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_read_opts o = { size > 0 && (data[0] & 1), NULL };
	struct rewrite_opts ro = { .envelope_from = "a@example.com",
	    .fullname = "F", .domain = "example.com", .add_from = true,
	    .undisclosed = true };
	struct wire_opts w7 = { false, false }, w8 = { true, true };
	struct message m;
	struct err e = { 0 };
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	message_init(&m);
	if (message_read(&m, fd, &o, &e) == 0 &&
	    message_rewrite(&m, &ro, &e) == 0) {
		struct strlist l;

		strlist_init(&l);
		message_header_recipients(&m, &l, &e);
		strlist_free(&l);
		check_wire(&m, &w7);
		check_wire(&m, &w8);
	}
	message_free(&m);
	close(fd);
	return 0;
}
