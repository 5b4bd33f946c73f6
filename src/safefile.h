/*
 * safefile.h — opening files in a directory that someone else might have
 * prepared: a queue directory, or a drop directory that other users write
 * into.  Nothing found there is trusted beyond what these checks prove.
 *
 * A file is opened without following a symbolic link (O_NOFOLLOW) and
 * without blocking (O_NONBLOCK: a FIFO or a device must not hang a queue
 * run), and then fstat'd: it must be a regular file with one link, owned
 * by the expected user.  A directory that a program owns and runs from
 * (a queue directory, its tmp/ and failed/) must be owned by the running
 * user and writable by nobody else; then nobody else can put anything
 * into it, and the per-file checks are a second line.
 */
#ifndef POSTIE_SAFEFILE_H
#define POSTIE_SAFEFILE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

#define SAFEFILE_ANY_OWNER	((uid_t)-1)

/*
 * Open path with flags (O_RDONLY, O_RDWR...; O_NOFOLLOW, O_NONBLOCK,
 * O_CLOEXEC and O_NOCTTY are added; no O_CREAT) and check it: a regular
 * file, one link, owned by owner (SAFEFILE_ANY_OWNER: any).  Returns 0
 * with the descriptor in *fd and *sb filled (sb may be NULL); 1 when
 * there is no such file (the only case a caller may take for "not
 * there"; e untouched); -1 with e (EX_IOERR naming the path and what is
 * wrong with it: a symbolic link, not a regular file, more than one link,
 * another owner, or open's error).  *fd is -1 unless 0 is returned.
 */
int	safefile_open(const char *path, int flags, uid_t owner,
	    struct stat *sb, int *fd, struct err *e);

/*
 * Check that the directory path is a directory (a symbolic link to one
 * only when follow is true), owned by the running user (geteuid) and not
 * writable by group or others.  Returns 0, 1 when it does not exist, or
 * -1 with e (EX_NOPERM naming the directory, its owner or mode, and that
 * it is not used).
 */
int	safefile_check_dir(const char *path, bool follow, struct err *e);

#endif
