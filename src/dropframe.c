/*
 * dropframe.c — the drop helper's input framing (see dropframe.h).  The
 * C library only: this runs with the drop group.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropframe.h"
#include "sysmode.h"

#define LINE_MAX_LEN	32	/* "env " and up to 7 digits and LF */

/* One line of at most LINE_MAX_LEN - 1 bytes including its LF, a byte at
 * a time; 0, or -1 when the input ends first or the line is too long. */
static int
read_line(const struct dropframe_io *io, char *line)
{
	size_t n = 0;

	while (n < LINE_MAX_LEN - 1) {
		if (io->read(io->ctx, line + n, 1) != 1)
			return -1;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	return line[n - 1] == '\n' ? 0 : -1;
}

/* A decimal number ending the line at p, at most max; -1 when not. */
static int
line_number(const char *p, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoull(p, &end, 10);
	return errno != 0 || *end != '\n' || *v > max ? -1 : 0;
}

const char *
dropframe_env(const struct dropframe_io *io, size_t *envlen)
{
	char line[LINE_MAX_LEN];
	unsigned long long v;

	if (read_line(io, line) == -1 || strncmp(line, "env ", 4) != 0)
		return "the input does not start with \"env LEN\"";
	if (line_number(line + 4, SYSMODE_ENV_MAX, &v) == -1)
		return "the envelope length is out of range";
	*envlen = (size_t)v;
	return NULL;
}

const char *
dropframe_copy(const struct dropframe_io *io, size_t envlen,
    long long total)
{
	static char buf[SYSMODE_CHUNK_MAX];
	char line[LINE_MAX_LEN];
	unsigned long long chunk;
	size_t n;

	while (envlen > 0) {
		size_t want = envlen < sizeof(buf) ? envlen : sizeof(buf);

		if ((n = io->read(io->ctx, buf, want)) != want)
			return "the input ends inside the envelope";
		io->write(io->ctx, buf, n);
		envlen -= n;
		total += (long long)n;
	}
	for (;;) {
		if (read_line(io, line) == -1)
			return "the message ends before its last chunk";
		if (line_number(line, SYSMODE_CHUNK_MAX, &chunk) == -1)
			return "a chunk's length is out of range";
		if (chunk == 0)
			return NULL;
		total += (long long)chunk;
		if (total > SYSMODE_DROP_MAX)
			return "the message is larger than the drop directory "
			    "takes";
		if (io->read(io->ctx, buf, chunk) != chunk)
			return "the message ends inside a chunk";
		io->write(io->ctx, buf, chunk);
	}
}
