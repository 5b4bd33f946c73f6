/*
 * sysmode.c — is the system mode set up, and is this its account (see
 * sysmode.h).  Only stat: a half set-up mode (no helper, a directory
 * with the wrong mode) is no mode at all, and postie behaves as without.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysmode.h"

static bool
drop_dir(struct stat *sb)
{
	return stat(SYSMODE_DROP_DIR, sb) == 0 && S_ISDIR(sb->st_mode) &&
	    sb->st_uid != 0 && (sb->st_mode & 07777) == 01730;
}

bool
sysmode_ready(void)
{
	struct stat d, h;

	return drop_dir(&d) && stat(SYSMODE_HELPER, &h) == 0 &&
	    S_ISREG(h.st_mode) && (h.st_mode & S_ISGID) != 0 &&
	    (h.st_mode & S_IXOTH) != 0 && h.st_gid == d.st_gid;
}

bool
sysmode_is_account_uid(uid_t uid)
{
	struct stat d;

	return uid != 0 && drop_dir(&d) && d.st_uid == uid;
}

bool
sysmode_is_account(void)
{
	return sysmode_is_account_uid(geteuid());
}

bool
sysmode_users_off(void)
{
	struct stat d, f;

	return drop_dir(&d) && lstat(SYSMODE_USERS_OFF, &f) == 0 &&
	    S_ISREG(f.st_mode) && f.st_uid == d.st_uid;
}

int
sysmode_publish_users_off(bool off)
{
	static const char text[] = "user_config off is set in the system "
	    "configuration (written by postie -q; see doc/multiuser.md)\n";
	char tmp[sizeof(SYSMODE_USERS_OFF) + 8];
	int fd;

	if (!off)
		return unlink(SYSMODE_USERS_OFF) == 0 || errno == ENOENT ?
		    0 : -1;
	if (sysmode_users_off())
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", SYSMODE_USERS_OFF);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return -1;
	if (fchmod(fd, 0644) == -1 ||
	    write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1 ||
	    close(fd) == -1) {
		int saved = errno;

		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	if (rename(tmp, SYSMODE_USERS_OFF) == -1) {
		int saved = errno;

		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}
