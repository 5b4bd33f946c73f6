/*
 * spool.c — spool files and the EINTR-safe read loops (see spool.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

int
spool_open(const char *dir, struct err *e)
{
	char *path;
	int fd;

	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* No O_TMPFILE on this file system: make and unlink at once. */
	path = xasprintf("%s/postie.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, EX_CANTCREAT, "cannot create spool file in %s", dir);
		free(path);
		return -1;
	}
	unlink(path);
	free(path);
	return fd;
}

ssize_t
spool_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

ssize_t
spool_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n;
}
