/* test_drop.c — unit tests for src/drop.c's system side: drop_open takes
 * only an entry the helper could have written, for the user who wrote it,
 * and leaves the descriptor at the message.  Files are made in a temp
 * directory as the running user (no root, no setgid needed: drop_open
 * takes the directory and the group as arguments). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "drop.h"

static const char good_env[] =
    "postie-queue 1\n"
    "id 0000000A\n"
    "created 0\n"
    "from \n"
    "fromunset 1\n"
    "fullname CronDaemon\n"
    "attempts 0\nnext 0\nlast 0\n"
    "rcpt\tpending\t0\troot@" SYSMODE_LOCAL "\t\n"
    "end\n";
static const char message[] = "Subject: x\r\n\r\nbody\r\n";

static char dir[] = "/tmp/postie-test-drop.XXXXXX";

static void
remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

/* The test directory, made on first use and removed at exit. */
static void
need_dir(void)
{
	static bool made;

	if (made)
		return;
	if (mkdtemp(dir) == NULL)
		abort();
	made = true;
	atexit(remove_dir);
}

/* Write dir/name: the header (uid, env length), env, the message; then
 * mode and the running user's group. */
static void
make_entry(const char *name, unsigned long uid, const char *env,
    size_t envlen, mode_t mode)
{
	char path[256];
	FILE *f;

	need_dir();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fprintf(f, SYSMODE_DROP_MAGIC "\nuid %lu\nenv %zu\n", uid, envlen);
	fwrite(env, 1, envlen, f);
	fputs(message, f);
	fclose(f);
	chmod(path, mode);
}

static int
open_entry(const char *name, struct queue_env *q, int *fd, struct err *e)
{
	uid_t uid;

	err_clear(e);
	return drop_open(dir, name, getegid(), q, &uid, fd, e);
}

static void
open_good_entry_leaves_fd_at_message(void)
{
	struct queue_env q;
	struct err e;
	char buf[128];
	ssize_t n;
	int fd = -1;

	make_entry("good", getuid(), good_env, sizeof(good_env) - 1, 0640);
	CHECK_INT(open_entry("good", &q, &fd, &e), 0);
	if (fd < 0)
		return;
	CHECK(q.from_unset);
	CHECK_STR(q.fullname, "CronDaemon");
	CHECK_INT(q.nrcpts, 1);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, message);
	close(fd);
	queuefile_env_free(&q);
}

/* Each defect, with the words the refusal must contain. */
static void
open_refuses_each_defect(void)
{
	static const struct {
		const char *name;
		int	 uid_delta;	/* added to getuid() in the uid line */
		mode_t	 mode;
		const char *env;	/* NULL: good_env */
		const char *want;
	} cases[] = {
		{ "mode644", 0, 0644, NULL, "mode 0644" },
		{ "mode600", 0, 0600, NULL, "mode 0600" },
		{ "uid", 1, 0640, NULL, "uid line does not name its owner" },
		{ "sent", 0, 0640, "postie-queue 1\nid 0000000A\nfrom a@b\n"
		    "rcpt\tsent\t0\ta@b\t\nend\n", "not pending" },
		{ "noend", 0, 0640, "postie-queue 1\nid 0000000A\n",
		    "its envelope" },
	};
	struct queue_env q;
	struct err e;
	int fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env = cases[i].env ? cases[i].env : good_env;

		make_entry(cases[i].name, getuid() + cases[i].uid_delta, env,
		    strlen(env), cases[i].mode);
		fd = -1;
		if (open_entry(cases[i].name, &q, &fd, &e) != -1 ||
		    strstr(e.msg, cases[i].want) == NULL) {
			fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n",
			    cases[i].name, e.msg, cases[i].want);
			CHECK(false);
		}
		if (fd >= 0)
			close(fd);
	}
}

/* Not the drop group: the group's entries only. */
static void
open_refuses_another_group(void)
{
	struct queue_env q;
	struct err e;
	uid_t uid;
	int fd = -1;

	make_entry("group", getuid(), good_env, sizeof(good_env) - 1, 0640);
	err_clear(&e);
	CHECK_INT(drop_open(dir, "group", getegid() + 1, &q, &uid, &fd, &e),
	    -1);
	CHECK(strstr(e.msg, "its group is gid") != NULL);
}

static void
open_refuses_link_and_fifo_and_says_gone(void)
{
	struct queue_env q;
	struct err e;
	char path[256];
	int fd = -1;

	need_dir();
	snprintf(path, sizeof(path), "%s/link", dir);
	CHECK_INT(symlink("/etc/passwd", path), 0);
	CHECK_INT(open_entry("link", &q, &fd, &e), -1);
	CHECK(strstr(e.msg, "symbolic link") != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK_INT(mkfifo(path, 0640), 0);
	CHECK_INT(open_entry("fifo", &q, &fd, &e), -1);	/* never waits */
	CHECK(strstr(e.msg, "not a regular file") != NULL);
	CHECK_INT(open_entry("nosuch", &q, &fd, &e), 1);
}

/* The "env" line may not claim more than an envelope can be. */
static void
open_refuses_huge_env_length(void)
{
	struct queue_env q;
	struct err e;
	char path[256];
	FILE *f;
	int fd = -1;

	need_dir();
	snprintf(path, sizeof(path), "%s/huge", dir);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fprintf(f, SYSMODE_DROP_MAGIC "\nuid %lu\nenv 99999999999\n",
	    (unsigned long)getuid());
	fclose(f);
	chmod(path, 0640);
	CHECK_INT(open_entry("huge", &q, &fd, &e), -1);
	CHECK(strstr(e.msg, "no valid \"env\" line") != NULL);
}

static const struct test tests[] = {
	TEST(open_good_entry_leaves_fd_at_message),
	TEST(open_refuses_each_defect),
	TEST(open_refuses_another_group),
	TEST(open_refuses_link_and_fifo_and_says_gone),
	TEST(open_refuses_huge_env_length),
};

CHECK_MAIN(tests)
