/*
 * sysmode.c — is the system mode set up, and is this its account (see
 * sysmode.h).  Only stat: a half set-up mode (no helper, a directory
 * with the wrong mode) is no mode at all, and postie behaves as without.
 */
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
