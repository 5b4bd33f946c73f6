/*
 * fuzz_message.c — message_read, the rewrite and the wire form:
 *   1. the message read in one piece and read as read() returns it in
 *      chunks (a SOCK_SEQPACKET socket: one packet per read, chunk
 *      boundaries inside lines) reads the same: same outcome, same
 *      header fields, same body;
 *   2. after message_rewrite, the wire form for each of the four servers
 *      (with and without 8BITMIME x SMTPUTF8) passes wirecheck.h (CRLF
 *      lines of at most 998 octets; 7-bit where the server needs it) and
 *      stays within wire_size.
 *
 * Input: byte 0 — bit 0: a "." line ends the message (no -i); bits 1-3:
 * the chunk size; the rest is the message.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "message.h"
#include "wire.h"
#include "wirecheck.h"

static const size_t chunks[8] = { 1, 7, 61, 512, 1000, 4095, 4097, 5003 };

struct feed {
	int	 fd;
	const uint8_t *p;
	size_t	 n, chunk;
};

/* The writer side: one packet per chunk (a thread, since the socket
 * buffer holds fewer packets than a large input has). */
static void *
feed_packets(void *arg)
{
	struct feed *f = arg;

	for (size_t i = 0; i < f->n; i += f->chunk) {
		size_t k = f->n - i < f->chunk ? f->n - i : f->chunk;

		if (send(f->fd, f->p + i, k, MSG_NOSIGNAL) != (ssize_t)k)
			break;
	}
	close(f->fd);
	return NULL;
}

/* Read the message from a memfd (chunk 0) or in packets of chunk. */
static int
read_message(struct message *m, const uint8_t *d, size_t n, size_t chunk,
    bool dot_ends)
{
	struct message_read_opts o = { dot_ends, NULL, false };
	struct err e = { 0 };
	struct feed f = { -1, d, n, chunk };
	pthread_t t;
	int sv[2], rc;

	message_init(m);
	if (chunk == 0) {
		int fd = memfd_create("fuzz", 0);

		if (fd < 0 || write(fd, d, n) != (ssize_t)n ||
		    lseek(fd, 0, SEEK_SET) != 0)
			abort();
		rc = message_read(m, fd, &o, &e);
		close(fd);
		return rc;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		abort();
	f.fd = sv[1];
	if (pthread_create(&t, NULL, feed_packets, &f) != 0)
		abort();
	rc = message_read(m, sv[0], &o, &e);
	close(sv[0]);	/* the writer stops if reading stopped early */
	pthread_join(t, NULL);
	return rc;
}

static char *
body_of(const struct message *m)
{
	char *b = malloc((size_t)m->body_len + 1);

	if (pread(m->body_fd, b, (size_t)m->body_len, 0) != m->body_len)
		abort();
	return b;
}

/* 1: the chunking changes nothing. */
static void
check_same(struct message *a, int ra, struct message *b, int rb)
{
	char *ba, *bb;

	if (ra != rb)
		abort();
	if (ra != 0)
		return;
	if (a->headers.n != b->headers.n || a->body_len != b->body_len)
		abort();
	for (size_t i = 0; i < a->headers.n; i++)
		if (a->headers.v[i].raw_len != b->headers.v[i].raw_len ||
		    memcmp(a->headers.v[i].raw, b->headers.v[i].raw,
		    a->headers.v[i].raw_len) != 0)
			abort();
	ba = body_of(a);
	bb = body_of(b);
	if (memcmp(ba, bb, (size_t)a->body_len) != 0)
		abort();
	free(ba);
	free(bb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rewrite_opts ro = { .envelope_from = "a@example.com",
	    .fullname = "F", .domain = "example.com", .add_from = true,
	    .undisclosed = true };
	struct message m, split;
	struct err e = { 0 };
	bool dot_ends;
	size_t chunk;
	int rc, rc2;

	if (size < 1)
		return 0;
	dot_ends = data[0] & 1;
	chunk = chunks[(data[0] >> 1) & 7];
	data++;
	size--;
	rc = read_message(&m, data, size, 0, dot_ends);
	rc2 = read_message(&split, data, size, chunk, dot_ends);
	check_same(&m, rc, &split, rc2);
	message_free(&split);
	if (rc == 0 && message_rewrite(&m, &ro, &e) == 0) {
		struct strlist l;

		strlist_init(&l);
		message_header_recipients(&m, &l, &e);
		strlist_free(&l);
		for (int k = 0; k < 4; k++) {
			struct wire_opts w = { k & 1, k >> 1 };

			wirecheck_message(&m, &w);
		}
	}
	message_free(&m);
	return 0;
}
