/* test_source.c — unit tests for src/source.c: the scan of a text source,
 * read in SOURCE_BLOCK blocks, finds the same things whatever falls on a
 * block edge. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "source.h"
#include "util.h"

#define BOUNDARY	"=_postie_boundary_token"

/* Scan len bytes of text (a memfd, read by offset as a source is). */
static struct source_scan
scan(const char *text, size_t len, const char *boundary)
{
	struct source src = { .fd = memfd_create("src", 0), .len =
	    (off_t)len, .label = "test" };
	struct source_scan s;
	struct err e;
	char *blk = xmalloc(SOURCE_BLOCK + sizeof(BOUNDARY));

	err_clear(&e);
	CHECK_INT(write_all(src.fd, text, len), 0);
	CHECK_INT(source_scan(&src, boundary, &s, blk, &e), 0);
	close(src.fd);
	free(blk);
	return s;
}

/* Text of 2 blocks plus a little, all 'a' with a line end every 100
 * bytes, so that only what a test puts at the edge is special. */
static char *
two_blocks(size_t *len)
{
	char *t;

	*len = 2 * SOURCE_BLOCK + 1000;
	t = xmalloc(*len);
	for (size_t i = 0; i < *len; i++)
		t[i] = i % 100 == 99 ? '\n' : 'a';
	return t;
}

/* The boundary split at every place by the first block edge is found;
 * not there, it is not. */
static void
boundary_split_by_a_block_edge_is_found(void)
{
	size_t len, bl = strlen(BOUNDARY);
	char *t = two_blocks(&len);
	struct source_scan s = scan(t, len, BOUNDARY);

	CHECK(!s.has_boundary);
	for (size_t cut = 1; cut < bl; cut++) {
		char *u = xmalloc(len);

		memcpy(u, t, len);
		memcpy(u + SOURCE_BLOCK - cut, BOUNDARY, bl);
		s = scan(u, len, BOUNDARY);
		if (!s.has_boundary)
			fprintf(stderr, "  cut at %zu\n", cut);
		CHECK(s.has_boundary);
		free(u);
	}
	free(t);
}

/* A UTF-8 sequence and a CRLF split by the edge are whole; a line across
 * the edge is one line, as long as it is. */
static void
utf8_crlf_and_lines_across_an_edge(void)
{
	size_t len;
	char *t = two_blocks(&len);
	struct source_scan s;

	t[SOURCE_BLOCK - 1] = '\xc3';		/* "é" split by the edge */
	t[SOURCE_BLOCK] = '\xa9';
	t[2 * SOURCE_BLOCK - 1] = '\r';		/* CRLF split by the edge */
	t[2 * SOURCE_BLOCK] = '\n';
	s = scan(t, len, NULL);
	CHECK(s.eightbit);
	CHECK(s.utf8_ok);
	CHECK(!s.bare_cr);
	CHECK(!s.nul);
	CHECK_INT(s.longest, 99);
	/* len / 100 full lines, the unterminated last, and one more: the
	 * CRLF split a line in two. */
	CHECK_INT(s.lines, (off_t)(len / 100) + 2);

	/* A lone first byte at the end of the source is not UTF-8; a CR at
	 * the end of a block followed by no LF is bare. */
	t[2 * SOURCE_BLOCK] = 'a';
	t[len - 1] = '\xc3';
	s = scan(t, len, NULL);
	CHECK(s.bare_cr);
	CHECK(!s.utf8_ok);
	free(t);
}

/* A line longer than a block is measured whole. */
static void
line_longer_than_a_block_is_measured_whole(void)
{
	size_t len = SOURCE_BLOCK + 500;
	char *t = xmalloc(len);

	memset(t, 'x', len);
	t[len - 1] = '\n';
	CHECK_INT(scan(t, len, NULL).longest, len - 1);
	CHECK_INT(scan(t, len, NULL).lines, 1);
	free(t);
}

static const struct test tests[] = {
	TEST(boundary_split_by_a_block_edge_is_found),
	TEST(utf8_crlf_and_lines_across_an_edge),
	TEST(line_longer_than_a_block_is_measured_whole),
};

CHECK_MAIN(tests)
