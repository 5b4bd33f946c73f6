/*
 * drop_main.c — postie-drop, the system mode's drop helper (sysmode.h,
 * doc/multiuser.md).  Installed setgid to the drop group and nothing
 * else: the one program that can create files in the drop directory.
 * A user's postie runs it with the entry on stdin; it writes the entry
 * under a fresh random name and prints that name.
 *
 * What it trusts: nothing from its caller but bytes.  The uid is the
 * kernel's (getuid), the paths are compiled in, the environment is
 * cleared before anything else and never read; the process is not
 * dumpable (no core, no ptrace, /proc/PID owned by root), every
 * descriptor but 0, 1 and 2 is closed, and an entry larger than
 * SYSMODE_DROP_MAX is refused.  It links the C library and its input's
 * framing (dropframe.c, fuzzed on its own) alone: none of postie's other
 * parsers run with the drop group.
 *
 * Exit codes (sysexits): 0 the entry is durable in the drop directory
 * and its name was printed; 64 arguments given; 65 the input is not an
 * entry (no "env LEN" line, LEN too large, input shorter than LEN, the
 * message's chunks cut short) or larger than SYSMODE_DROP_MAX; 73 the entry could not be written (the
 * system's words on stderr); 71 the random name or the setup failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "dropframe.h"
#include "sysmode.h"

/* The one way out on failure: remove what was written, say why once. */
static int dropdir_fd = -1;
static char tmpname[SYSMODE_NAME_LEN + 2];

static void
die(int ex, const char *what, int err)
{
	if (tmpname[0] != '\0' && dropdir_fd >= 0)
		(void)unlinkat(dropdir_fd, tmpname, 0);
	if (err != 0)
		fprintf(stderr, "postie-drop: %s: %s\n", what, strerror(err));
	else
		fprintf(stderr, "postie-drop: %s\n", what);
	exit(ex);
}

/* Before anything reads input: no environment, no core, no extra
 * descriptor, no signal that would leave half an entry behind without
 * this process seeing it (SIGXFSZ from the caller's RLIMIT_FSIZE becomes
 * a write error; SIGPIPE cannot happen: nothing is written to a pipe
 * before the input has ended). */
static void
harden(void)
{
	struct rlimit rl;

	if (clearenv() != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		die(EX_OSERR, "cannot clean the process", errno);
	rl.rlim_cur = rl.rlim_max = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	for (int fd = 3; fd < 1024; fd++)
		(void)close(fd);
}

/* read(2) from standard input until len bytes or its end; returns the
 * count (dropframe.h's read). */
static size_t
read_full(void *ctx, char *buf, size_t len)
{
	int fd = STDIN_FILENO;
	size_t got = 0;

	(void)ctx;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EX_IOERR, "reading the entry", errno);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* All of buf to the entry (ctx points to its descriptor). */
static void
write_full(void *ctx, const char *buf, size_t len)
{
	int fd = *(int *)ctx;

	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EX_CANTCREAT, "writing the entry", errno);
		buf += n;
		len -= (size_t)n;
	}
}

/* A fresh random name: 32 hex digits. */
static void
random_name(char *out)
{
	unsigned char r[SYSMODE_NAME_LEN / 2];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		die(EX_OSERR, "no random name", errno);
	for (size_t i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[SYSMODE_NAME_LEN] = '\0';
}

/* The header lines, then what dropframe_copy reads; exits when the
 * input is not a whole entry. */
static void
copy_entry(int fd, size_t envlen)
{
	struct dropframe_io io = { read_full, write_full, &fd };
	char head[96];
	const char *why;
	int hl;

	hl = snprintf(head, sizeof(head), SYSMODE_DROP_MAGIC "\nuid %ju\n"
	    "env %zu\n", (uintmax_t)getuid(), envlen);
	write_full(&fd, head, (size_t)hl);
	if ((why = dropframe_copy(&io, envlen, hl)) != NULL)
		die(EX_DATAERR, why, 0);
}

int
main(int argc, char **argv)
{
	struct dropframe_io in = { read_full, NULL, NULL };
	char name[SYSMODE_NAME_LEN + 1];
	const char *why;
	size_t envlen;
	int fd;

	(void)argv;
	harden();
	if (argc != 1)
		die(EX_USAGE, "takes no arguments (postie runs it; the entry "
		    "comes on standard input)", 0);
	dropdir_fd = open(SYSMODE_DROP_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dropdir_fd < 0)
		die(EX_CANTCREAT, SYSMODE_DROP_DIR, errno);
	if ((why = dropframe_env(&in, &envlen)) != NULL)
		die(EX_DATAERR, why, 0);
	random_name(name);
	tmpname[0] = 't';
	memcpy(tmpname + 1, name, sizeof(name));
	fd = openat(dropdir_fd, tmpname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, SYSMODE_ENTRY_MODE);
	if (fd < 0) {
		tmpname[0] = '\0';	/* not ours to remove */
		die(EX_CANTCREAT, "creating an entry in " SYSMODE_DROP_DIR,
		    errno);
	}
	if (fchmod(fd, SYSMODE_ENTRY_MODE) != 0)
		die(EX_CANTCREAT, "setting the entry's mode", errno);
	copy_entry(fd, envlen);
	if (fsync(fd) != 0)
		die(EX_CANTCREAT, "writing the entry", errno);
	if (renameat(dropdir_fd, tmpname, dropdir_fd, name) != 0)
		die(EX_CANTCREAT, "naming the entry", errno);
	tmpname[0] = '\0';
	/* The directory cannot be opened for fsync (the group may not read
	 * it): sync the file system the entry is on, rename included. */
	if (syncfs(fd) != 0)
		die(EX_CANTCREAT, "syncing the drop directory", errno);
	close(fd);
	if (printf("%s\n", name) < 0 || fflush(stdout) != 0)
		die(EX_IOERR, "writing the entry's name", errno);
	return 0;
}
