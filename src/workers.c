/*
 * workers.c — jobs in child processes, results back as records (see
 * workers.h).
 *
 * On the pipe each record is a 4-byte length (host order: both ends are
 * the same program) and its bytes; WORKERS_END as a length says that run
 * returned, so a job is finished only when that mark arrived, whatever
 * the exit status says (a SIGCHLD ignored by an embedding program would
 * hide it).  The parent waits in poll() on every running child's pipe, so
 * a child with a lot to say never blocks on a full pipe while the parent
 * reads another.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "util.h"
#include "workers.h"

#define WORKERS_END	UINT32_MAX
#define HDR		sizeof(uint32_t)
/* Room for two whole records: one read() takes what the pipe has. */
#define INBUF		(2 * (HDR + WORKERS_RECORD_MAX))

struct workers_out {
	int	 fd;			/* the pipe; -1 when run in the caller */
	const struct workers_ops *ops;	/* in the caller: take directly */
	void	*arg;
	size_t	 job;
};

/* A running child, seen from the parent. */
struct worker {
	pid_t	 pid;
	int	 fd;			/* read end */
	size_t	 job;
	bool	 finished;		/* WORKERS_END seen */
	size_t	 have;
	char	 in[INBUF];
};

void
workers_send(struct workers_out *out, const void *rec, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (len > WORKERS_RECORD_MAX)	/* a caller's bug: say it loudly */
		abort();
	if (out->fd == -1) {
		out->ops->take(out->arg, out->job, rec, len);
		return;
	}
	if (write_all(out->fd, &n, HDR) == -1 ||
	    write_all(out->fd, rec, len) == -1)
		_exit(1);	/* the parent is gone */
}

/* The child's life: never returns. */
static void
child_main(const struct workers_ops *ops, void *arg, size_t job, int fd,
    pid_t parent, const struct worker *running, size_t nrunning)
{
	struct workers_out out = { .fd = fd, .ops = ops, .arg = arg,
	    .job = job };
	uint32_t end = WORKERS_END;

#ifdef __linux__
	/* Killing postie ends its deliveries, as with one process. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (getppid() != parent)	/* it died before prctl took */
		_exit(1);
	for (size_t k = 0; k < nrunning; k++)
		close(running[k].fd);
	ops->run(arg, job, &out);
	if (write_all(fd, &end, HDR) == -1)
		_exit(1);
	_exit(0);
}

/* Fork job i; *w describes it.  1: no child could be forked (run it
 * here instead); -1 with e: no pipe. */
static int
start(const struct workers_ops *ops, void *arg, size_t job,
    struct worker *w, const struct worker *running, size_t nrunning,
    struct err *e)
{
	int p[2];
	pid_t parent = getpid();

	if (pipe2(p, O_CLOEXEC) == -1)
		return err_sys(e, EX_OSERR, "cannot make a pipe for a "
		    "delivery process");
	fflush(NULL);	/* or the child would write the buffers again */
	w->pid = fork();
	if (w->pid == -1) {
		close(p[0]);
		close(p[1]);
		return 1;
	}
	if (w->pid == 0) {
		close(p[0]);
		child_main(ops, arg, job, p[1], parent, running, nrunning);
	}
	close(p[1]);
	w->fd = p[0];
	w->job = job;
	w->finished = false;
	w->have = 0;
	return 0;
}

/* Job i in the caller itself. */
static void
run_here(const struct workers_ops *ops, void *arg, size_t job)
{
	struct workers_out out = { .fd = -1, .ops = ops, .arg = arg,
	    .job = job };

	ops->run(arg, job, &out);
	ops->done(arg, job, true, NULL);
}

/* Hand over the whole records in w->in.  -1: the child broke the
 * framing (its job counts as unfinished). */
static int
take_records(const struct workers_ops *ops, void *arg, struct worker *w)
{
	size_t off = 0;
	uint32_t n;

	while (w->have - off >= HDR) {
		memcpy(&n, w->in + off, HDR);
		if (n == WORKERS_END) {
			w->finished = true;
			off += HDR;
			continue;
		}
		if (n > WORKERS_RECORD_MAX || w->finished)
			return -1;
		if (w->have - off - HDR < n)
			break;
		ops->take(arg, w->job, w->in + off + HDR, n);
		off += HDR + n;
	}
	memmove(w->in, w->in + off, w->have - off);
	w->have -= off;
	return 0;
}

/* The child closed its pipe (or broke the framing): reap it, report. */
static void
reap(const struct workers_ops *ops, void *arg, struct worker *w, bool bad)
{
	char how[64] = "ended without a result";
	int status = 0;

	close(w->fd);
	if (bad)
		kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d",
		    WTERMSIG(status));
	else if (bad)
		snprintf(how, sizeof(how), "sent a malformed result");
	ops->done(arg, w->job, w->finished && !bad && w->have == 0, how);
}

/* Read what child w has to say.  false: it is over (reaped). */
static bool
listen_to(const struct workers_ops *ops, void *arg, struct worker *w)
{
	ssize_t n = read(w->fd, w->in + w->have, sizeof(w->in) - w->have);

	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		reap(ops, arg, w, false);
		return false;
	}
	w->have += (size_t)n;
	if (take_records(ops, arg, w) == -1) {
		reap(ops, arg, w, true);
		return false;
	}
	return true;
}

int
workers_run(size_t njobs, size_t max, const struct workers_ops *ops,
    void *arg, struct err *e)
{
	struct worker *w = xcalloc(max, sizeof(*w));
	struct pollfd *pfd = xcalloc(max, sizeof(*pfd));
	size_t next = 0, nw = 0;
	int rc = 0;

	while ((next < njobs && rc == 0) || nw > 0) {
		while (next < njobs && nw < max && rc == 0) {
			int s = start(ops, arg, next, &w[nw], w, nw, e);

			if (s == -1)
				rc = -1;
			else if (s == 1)
				run_here(ops, arg, next++);
			else {
				next++;
				nw++;
			}
		}
		if (nw == 0)
			continue;
		for (size_t k = 0; k < nw; k++)
			pfd[k] = (struct pollfd){ .fd = w[k].fd,
			    .events = POLLIN };
		if (poll(pfd, nw, -1) == -1) {
			if (errno == EINTR)
				continue;
			rc = err_sys(e, EX_OSERR, "poll");
			break;
		}
		for (size_t k = nw; k-- > 0;) {
			if (pfd[k].revents == 0 || listen_to(ops, arg, &w[k]))
				continue;
			w[k] = w[--nw];	/* order of w does not matter */
		}
	}
	/* Only a failed poll leaves children: end them, still report. */
	for (size_t k = 0; k < nw; k++)
		reap(ops, arg, &w[k], true);
	free(pfd);
	free(w);
	return rc;
}
