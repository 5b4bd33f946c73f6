/*
 * source.c — a composed part's content: opened or spooled, and scanned
 * (see source.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "source.h"
#include "spool.h"
#include "util.h"

/* ---- scanning ------------------------------------------------------------ */

struct scanner {
	struct source_scan *s;
	int	 utf8_need;	/* continuation bytes still expected */
	bool	 prev_cr;
	size_t	 cur;
};

static void
scan_utf8(struct scanner *sc, unsigned char c)
{
	if (sc->utf8_need > 0) {
		if ((c & 0xc0) != 0x80)
			sc->s->utf8_ok = false;
		else
			sc->utf8_need--;
		if ((c & 0xc0) == 0x80)
			return;
		sc->utf8_need = 0;
	}
	if (c < 0x80)
		return;
	if (c >= 0xc2 && c <= 0xdf)
		sc->utf8_need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		sc->utf8_need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		sc->utf8_need = 3;
	else
		sc->s->utf8_ok = false;
}

static void
scan_block(struct scanner *sc, const unsigned char *p, size_t n)
{
	struct source_scan *s = sc->s;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0x80)
			s->eightbit = true;
		if (c >= 0x80 || sc->utf8_need > 0)
			scan_utf8(sc, c);
		if (c == '\0')
			s->nul = true;
		if (sc->prev_cr && c != '\n')
			s->bare_cr = true;
		sc->prev_cr = c == '\r';
		if (c == '\n' || c == '\r') {
			if (c == '\n')
				s->lines++;
			if (sc->cur > s->longest)
				s->longest = sc->cur;
			sc->cur = 0;
		} else
			sc->cur++;
	}
}

/* Scan src for the properties above; boundary (may be NULL) is searched
 * as it is, across block edges. */
int
source_scan(const struct source *src, const char *boundary,
    struct source_scan *s, char *blk, struct err *e)
{
	struct scanner sc = { .s = s };
	size_t blen = boundary != NULL ? strlen(boundary) : 0, keep = 0;
	off_t pos = 0;

	memset(s, 0, sizeof(*s));
	s->utf8_ok = true;
	while (pos < src->len) {
		size_t want = SOURCE_BLOCK;
		ssize_t n;

		if ((off_t)want > src->len - pos)
			want = (size_t)(src->len - pos);
		n = spool_pread(src->fd, blk + keep, want, pos);
		if (n < 0)
			return err_sys(e, EX_NOINPUT, "cannot read '%s'",
			    src->label);
		if (n == 0)
			break;
		scan_block(&sc, (unsigned char *)blk + keep, (size_t)n);
		if (blen > 0 && memmem(blk, keep + (size_t)n, boundary,
		    blen) != NULL)
			s->has_boundary = true;
		pos += n;
		/* Carry the tail that could start a boundary split by the edge. */
		if (blen > 1) {
			size_t t = keep + (size_t)n, k = t < blen - 1 ? t : blen - 1;

			memmove(blk, blk + t - k, k);
			keep = k;
		}
	}
	if (sc.prev_cr)
		s->bare_cr = true;
	if (sc.utf8_need > 0)
		s->utf8_ok = false;
	if (sc.cur > s->longest)
		s->longest = sc.cur;
	if (sc.cur > 0)
		s->lines++;
	return 0;
}

/* ---- sources ------------------------------------------------------------- */

void
source_close(struct source *s)
{
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->label);
	s->label = NULL;
}

/* Copy what fd yields to an unlinked spool file: stdin and pipes cannot
 * be read twice, and the size must be known before MAIL FROM. */
static int
spool_copy(int fd, const char *spool_dir, struct source *s, struct err *e)
{
	char *blk = xmalloc(SOURCE_BLOCK);
	ssize_t n;
	int rc = 0;

	if ((s->fd = spool_open(spool_dir, e)) == -1) {
		free(blk);
		return -1;
	}
	s->own_fd = true;
	s->len = 0;
	while ((n = spool_read(fd, blk, SOURCE_BLOCK)) > 0) {
		if (write_all(s->fd, blk, (size_t)n) == -1) {
			rc = err_sys(e, EX_IOERR, "cannot write spool file");
			break;
		}
		s->len += n;
	}
	if (n < 0)
		rc = err_sys(e, EX_NOINPUT, "cannot read '%s'", s->label);
	free(blk);
	return rc;
}

/* Open path ("-": in_fd) for reading as a part's source. */
int
source_open(struct source *s, const char *path, int in_fd,
    const char *spool_dir, struct err *e)
{
	struct stat st;
	int fd;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->label = xstrdup(strcmp(path, "-") == 0 ? "standard input" : path);
	if (strcmp(path, "-") == 0)
		return spool_copy(in_fd, spool_dir, s, e);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_sys(e, EX_NOINPUT, "cannot open '%s'", path);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return err_sys(e, EX_NOINPUT, "cannot open '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, EX_NOINPUT, "'%s' is a directory", path);
	}
	if (!S_ISREG(st.st_mode)) {	/* a pipe, -a <(cmd), a device */
		int rc = spool_copy(fd, spool_dir, s, e);

		close(fd);
		return rc;
	}
	s->fd = fd;
	s->own_fd = true;
	s->len = st.st_size;
	/* Fail now, naming the file, rather than mid-DATA. */
	if (s->len > 0 && spool_pread(fd, &st, 1, 0) < 0)
		return err_sys(e, EX_NOINPUT, "cannot read '%s'", path);
	return 0;
}

