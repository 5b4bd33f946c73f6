/*
 * runcmd.c — run a configured command and take its first line, bounded in
 * time (see runcmd.h).
 *
 * The parent reads the pipe with poll() against one deadline; after end
 * of file it still waits for the shell with that deadline, since a
 * command may close its stdout and go on running.  At the deadline the
 * process group is killed, then reaped: nothing is left behind.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runcmd.h"
#include "util.h"

/* How often the parent looks whether the shell has exited after its
 * stdout closed. */
#define RUNCMD_REAP_POLL_MS	10

/* In the child: own process group, stdin from /dev/null, stdout to out. */
static void
child_exec(const char *cmd, int out)
{
	int null = open("/dev/null", O_RDONLY);

	(void)setpgid(0, 0);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	if (out != STDOUT_FILENO) {
		dup2(out, STDOUT_FILENO);
		close(out);
	}
	/* postie may ignore SIGPIPE; the command gets the usual default. */
	signal(SIGPIPE, SIG_DFL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Read the pipe until end of file or the deadline: 0, or 1 on timeout. */
static int
read_output(int fd, struct buf *b, long long deadline)
{
	char chunk[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			return 0;
		if (n > 0) {
			if (b->len < RUNCMD_KEEP_MAX)
				buf_add(b, chunk, (size_t)n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return 0;	/* the wait status tells the rest */
		if (fd_wait(fd, POLLIN, deadline) <= 0)
			return 1;
	}
}

/* Reap pid before the deadline: 0, or 1 on timeout. */
static int
reap(pid_t pid, int *status, long long deadline)
{
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return 0;
		if (r == 0 && now_ms() >= deadline)
			return 1;
		if (r == 0)
			(void)poll(NULL, 0, RUNCMD_REAP_POLL_MS);
	}
}

static void
kill_group(pid_t pid, int *status)
{
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
}

/* Run cmd, keeping the start of its output in b.  1 on timeout. */
static int
run_capture(const char *what, const char *cmd, int timeout_ms, struct buf *b,
    int *status, struct err *e)
{
	long long deadline = now_ms() + timeout_ms;
	int fds[2], late;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return err_sys(e, EX_OSERR, "%s: pipe", what);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_sys(e, EX_OSERR, "%s: fork", what);
	}
	if (pid == 0)
		child_exec(cmd, fds[1]);
	/* Also here: the group must exist before a kill can reach it. */
	(void)setpgid(pid, pid);
	close(fds[1]);
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	late = read_output(fds[0], b, deadline);
	close(fds[0]);
	if (!late)
		late = reap(pid, status, deadline);
	if (late)
		kill_group(pid, status);
	return late;
}

int
runcmd_first_line(const char *what, const char *cmd, int timeout_ms,
    char **line, struct err *e)
{
	struct buf b;
	int status = 0, r;
	size_t n;

	*line = NULL;
	if (timeout_ms <= 0)
		timeout_ms = RUNCMD_DEFAULT_TIMEOUT_MS;
	buf_init(&b);
	r = run_capture(what, cmd, timeout_ms, &b, &status, e);
	if (r == 1)
		err_set(e, EX_TEMPFAIL, "%s \"%.200s\" did not finish within "
		    "%d s; it was killed", what, cmd, (timeout_ms + 999) / 1000);
	else if (r == 0 && WIFSIGNALED(status))
		r = err_set(e, EX_CONFIG, "%s \"%.200s\" was killed by signal "
		    "%d", what, cmd, WTERMSIG(status));
	else if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = err_set(e, EX_CONFIG, "%s \"%.200s\" exited with status %d",
		    what, cmd, WEXITSTATUS(status));
	if (r != 0) {
		if (b.data != NULL)
			explicit_bzero(b.data, b.cap);
		buf_free(&b);
		return -1;
	}
	n = 0;
	while (n < b.len && b.data[n] != '\n' && b.data[n] != '\0')
		n++;
	if (n >= RUNCMD_KEEP_MAX) {
		explicit_bzero(b.data, b.cap);
		buf_free(&b);
		return err_set(e, EX_CONFIG, "%s \"%.200s\": its first line is "
		    "longer than %d bytes", what, cmd, RUNCMD_KEEP_MAX);
	}
	if (n > 0 && b.data[n - 1] == '\r')
		n--;
	*line = xstrndup(b.data != NULL ? b.data : "", n);
	if (b.data != NULL)
		explicit_bzero(b.data, b.cap);
	buf_free(&b);
	return 0;
}
