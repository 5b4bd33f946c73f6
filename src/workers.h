/*
 * workers.h — run numbered jobs in child processes, a few at a time, each
 * sending its results back to the parent as records over a pipe.
 *
 * The mechanism behind mx_parallel (design §4: up to mx_parallel domains at
 * once).  A child is a fork of the caller: it starts with the caller's
 * memory as it was (the message, the route, the report so far), does one
 * job, and tells the parent what came of it only through records, which
 * the parent reads as data and folds in itself.  So nothing a child does
 * can reach the parent's state except through one function the parent
 * runs (take), and the parent stays the one writer of the report, the log
 * and the queue.
 *
 * Processes rather than threads: postie's modules (conn, smtp, tls,
 * dkim, the log trace) were written for one session per process and keep
 * per-session state that a thread would have to be proven not to share;
 * a forked child shares nothing.  A child cannot outlive the parent: on
 * Linux it asks for SIGTERM when the parent dies (PR_SET_PDEATHSIG), so
 * killing postie ends its deliveries as it did when there was one.
 *
 * Records: at most WORKERS_RECORD_MAX bytes each, copied as they are (the
 * child is the same program, so a struct can travel as its bytes).  The
 * parent gets a job's records in the order the child sent them; records of
 * different jobs arrive in whatever order the jobs run, so the caller must
 * merge by content (report index), never by arrival.
 */
#ifndef POSTIE_WORKERS_H
#define POSTIE_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define WORKERS_RECORD_MAX	4096

struct workers_out;

struct workers_ops {
	/* In the child (or in the caller itself when no child can be
	 * forked): do job i, sending its results with workers_send. */
	void	(*run)(void *arg, size_t i, struct workers_out *out);
	/* In the caller: one record of job i, as sent.  rec is valid
	 * during the call only. */
	void	(*take)(void *arg, size_t i, const void *rec, size_t len);
	/* In the caller, once per job after its last record: finished is
	 * false when the child ended before run returned (killed, crashed);
	 * how says then how it ended ("killed by signal 9"). */
	void	(*done)(void *arg, size_t i, bool finished, const char *how);
};

/*
 * Run jobs 0..njobs-1, at most max at a time (max >= 1), and return when
 * every one is done.  Jobs start in order; take and done are called as
 * results come in.  stdio is flushed before each fork so that no buffered
 * output is written twice; a child leaves with _exit (no atexit handler,
 * no stdio flush of the parent's buffers).  When a child cannot be forked
 * (EAGAIN), that job runs in the caller instead, as it would with max 1.
 * Returns 0, or -1 with e (EX_OSERR) when no pipe can be made; jobs
 * already started are then still waited for and reported.
 */
int	workers_run(size_t njobs, size_t max, const struct workers_ops *ops,
	    void *arg, struct err *e);

/* From run: send one record (len <= WORKERS_RECORD_MAX) to the caller.
 * A parent gone away ends the child (its records are of no use). */
void	workers_send(struct workers_out *out, const void *rec, size_t len);

#endif
