/* fuzz_mime.c — the compose-mode paths that take arbitrary input:
 *   1. header_addresses_7bit (the display-name rewriter): the result
 *      holds the same addr-specs as the input, and no line break that is
 *      not a fold;
 *   2. -t -a: a message from the input wrapped with an attachment: no
 *      crash; the wire form for each of the four servers (with and
 *      without 8BITMIME x SMTPUTF8) stays within wire_size and passes
 *      wirecheck.h: CRLF lines of at most 998 octets, header included,
 *      7-bit where the server needs it (the Content-* fields moved
 *      into the first part too). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "address.h"
#include "cli.h"
#include "header7bit.h"
#include "message.h"
#include "mime.h"
#include "wire.h"
#include "wirecheck.h"

static void
check_addresses(const uint8_t *data, size_t size)
{
	char *in = strndup((const char *)data, size), *out;
	struct strlist a, b;
	struct err e;

	out = header_addresses_7bit(in, 4);
	for (char *p = out; *p != '\0'; p++)
		if ((*p == '\n' && p[1] != ' ' && p[1] != '\t') ||
		    *p == '\r')
			if (strchr(in, '\n') == NULL && strchr(in, '\r') == NULL)
				abort();
	strlist_init(&a);
	strlist_init(&b);
	if (address_parse_list(in, strlen(in), &a, &e) == 0 &&
	    strchr(in, '\n') == NULL && strchr(in, '\r') == NULL) {
		/* The parser takes unfolded values, as header_value gives. */
		for (char *p = out; *p != '\0'; p++)
			if (*p == '\n')
				*p = ' ';
		if (address_parse_list(out, strlen(out), &b, &e) != 0 ||
		    a.n != b.n)
			abort();
		for (size_t i = 0; i < a.n; i++)
			if (strcmp(a.v[i], b.v[i]) != 0)
				abort();
	}
	strlist_free(&a);
	strlist_free(&b);
	free(in);
	free(out);
}

static void
check_wrap(const uint8_t *data, size_t size)
{
	static char path[64], spec[128];
	char *argv[] = { "postie", "-t", "-a", spec, NULL };
	struct rewrite_opts ro = { .envelope_from = "a@example.com",
	    .domain = "example.com", .add_from = true };
	struct message m;
	struct cli cli;
	struct mime_opts mo;
	struct err e;
	int fd;

	if (path[0] == '\0') {
		strcpy(path, "/tmp/fuzz_mime.XXXXXX");
		fd = mkstemp(path);
		write(fd, "\x89PNG\r\n\x1a\n attachment", 19);
		close(fd);
		/* A type given: libmagic is not loaded on every run. */
		snprintf(spec, sizeof(spec), "%s;type=image/png", path);
	}
	if (cli_parse(&cli, 4, argv, &e) != 0)
		abort();
	cli_mime_opts(&cli, &mo);
	fd = memfd_create("in", 0);
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	message_init(&m);
	/* Then the rewrite, as submit.c does. */
	if (mime_compose(&m, &mo, fd, NULL, &e) == 0 &&
	    message_rewrite(&m, &ro, &e) == 0)
		for (int k = 0; k < 4; k++) {
			struct wire_opts w = { k & 1, k >> 1 };

			wirecheck_message(&m, &w);
		}
	message_free(&m);
	cli_free(&cli);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_addresses(data, size);
	check_wrap(data, size);
	return 0;
}
