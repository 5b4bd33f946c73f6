/*
 * spool.h — spool files and the read loops over them.
 *
 * A spool file holds bytes postie must read more than once (a message
 * body, standard input given as a part, a pipe): it is an unlinked
 * temporary file, so nothing is left behind whatever happens to the
 * process.  The read helpers retry on EINTR and nothing else; a short
 * count is not an error (the caller loops).
 */
#ifndef POSTIE_SPOOL_H
#define POSTIE_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* An unlinked temporary file open for reading and writing, in dir (NULL:
 * $TMPDIR or /tmp).  The caller closes it.  Errors: EX_CANTCREAT. */
int	spool_open(const char *dir, struct err *e);

/* read(2) and pread(2), retried on EINTR: they return what the system
 * call returns. */
ssize_t	spool_read(int fd, void *buf, size_t len);
ssize_t	spool_pread(int fd, void *buf, size_t len, off_t off);

#endif
