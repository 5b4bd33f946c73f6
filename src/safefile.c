/*
 * safefile.c — open a file, or trust a directory, only after checking who
 * could have put it there (see safefile.h).
 *
 * Why each check: a queue run as root that follows a symbolic link mails
 * out (or overwrites) a file the link's maker could not read; a FIFO
 * blocks the run forever; a hard link to another user's file passes
 * O_NOFOLLOW, but not the link count or the owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"

/* What is wrong with an opened file, or NULL when nothing is. */
static const char *
file_problem(const struct stat *sb, uid_t owner, char *why, size_t len)
{
	if (!S_ISREG(sb->st_mode))
		return "not a regular file";
	if (sb->st_nlink != 1)
		return "it has more than one link";
	if (owner != SAFEFILE_ANY_OWNER && sb->st_uid != owner) {
		snprintf(why, len, "owned by uid %ld, not %ld",
		    (long)sb->st_uid, (long)owner);
		return why;
	}
	return NULL;
}

int
safefile_open(const char *path, int flags, uid_t owner, struct stat *sb,
    int *fd, struct err *e)
{
	struct stat own;
	char why[64];
	const char *problem;

	if (sb == NULL)
		sb = &own;
	*fd = open(path, (flags & ~O_CREAT) | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (*fd == -1 && errno == ENOENT)
		return 1;
	if (*fd == -1 && errno == ELOOP)
		return err_set(e, EX_IOERR, "%s: a symbolic link, not used",
		    path);
	if (*fd == -1)
		return err_sys(e, EX_IOERR, "cannot open %s", path);
	if (fstat(*fd, sb) == -1)
		err_sys(e, EX_IOERR, "cannot stat %s", path);
	else if ((problem = file_problem(sb, owner, why, sizeof(why))) != NULL)
		err_set(e, EX_IOERR, "%s: %s, not used", path, problem);
	else
		return 0;
	close(*fd);
	*fd = -1;
	return -1;
}

int
safefile_check_dir(const char *path, bool follow, struct err *e)
{
	struct stat sb;
	int rc = follow ? stat(path, &sb) : lstat(path, &sb);

	if (rc == -1 && errno == ENOENT)
		return 1;
	if (rc == -1)
		return err_sys(e, EX_NOPERM, "cannot check %s", path);
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, EX_NOPERM, "%s: %s, not used", path,
		    S_ISLNK(sb.st_mode) ? "a symbolic link" : "not a directory");
	if (sb.st_uid != geteuid())
		return err_set(e, EX_NOPERM, "%s: owned by uid %ld, not by the "
		    "user running postie (uid %ld): not used", path,
		    (long)sb.st_uid, (long)geteuid());
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return err_set(e, EX_NOPERM, "%s: writable by %s (mode %03o): "
		    "not used; chmod go-w %s", path,
		    (sb.st_mode & S_IWOTH) != 0 ? "others" : "its group",
		    (unsigned)(sb.st_mode & 07777), path);
	return 0;
}
