/* test_workers.c — unit tests for src/workers.c: jobs in children,
 * results back as records. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "workers.h"

#define NJOBS	12

/* What the parent saw, per job. */
struct seen {
	int	 sum[NJOBS];		/* of the records' values */
	int	 nrec[NJOBS];
	int	 last[NJOBS];		/* the last record's value */
	int	 ndone[NJOBS];
	bool	 finished[NJOBS];
	char	 how[NJOBS][64];
	pid_t	 parent;
	bool	 in_child[NJOBS];	/* take saw a record sent from a child */
};

struct rec {
	int	 value;
	pid_t	 pid;
};

/* Job i sends i+1 records 1..i+1; job 5 dies by SIGKILL after its
 * first; job 7 waits a little so that jobs finish out of order. */
static void
job_run(void *arg, size_t i, struct workers_out *out)
{
	struct rec r = { .pid = getpid() };

	(void)arg;
	if (i == 7)
		usleep(100 * 1000);
	for (int v = 1; v <= (int)i + 1; v++) {
		r.value = v;
		workers_send(out, &r, sizeof(r));
		if (i == 5)
			raise(SIGKILL);
	}
}

static void
job_take(void *arg, size_t i, const void *rec, size_t len)
{
	struct seen *s = arg;
	const struct rec *r = rec;

	CHECK_INT(len, sizeof(*r));
	s->sum[i] += r->value;
	s->nrec[i]++;
	s->last[i] = r->value;
	s->in_child[i] = r->pid != s->parent;
}

static void
job_done(void *arg, size_t i, bool finished, const char *how)
{
	struct seen *s = arg;

	s->ndone[i]++;
	s->finished[i] = finished;
	snprintf(s->how[i], sizeof(s->how[i]), "%s", how ? how : "");
}

static const struct workers_ops ops = { .run = job_run, .take = job_take,
    .done = job_done };

static void
check_jobs(size_t max)
{
	struct seen s;
	struct err e;

	memset(&s, 0, sizeof(s));
	s.parent = getpid();
	CHECK_INT(workers_run(NJOBS, max, &ops, &s, &e), 0);
	for (size_t i = 0; i < NJOBS; i++) {
		CHECK_INT(s.ndone[i], 1);
		CHECK(s.in_child[i]);
		if (i == 5) {
			CHECK_INT(s.nrec[i], 1);
			CHECK(!s.finished[i]);
			CHECK_STR(s.how[i], "killed by signal 9");
			continue;
		}
		CHECK(s.finished[i]);
		CHECK_INT(s.nrec[i], i + 1);
		CHECK_INT(s.last[i], i + 1);	/* in the order sent */
		CHECK_INT(s.sum[i], (i + 1) * (i + 2) / 2);
	}
}

static void
workers_one_at_a_time(void)
{
	check_jobs(1);
}

static void
workers_results_whole_whatever_order(void)
{
	check_jobs(4);
}

static void
workers_more_room_than_jobs(void)
{
	check_jobs(50);
}

/* Many records from every child at once: none blocks on a full pipe
 * while the parent reads another. */
static void
big_run(void *arg, size_t i, struct workers_out *out)
{
	char rec[WORKERS_RECORD_MAX];

	(void)arg;
	memset(rec, (int)('a' + i), sizeof(rec));
	for (int k = 0; k < 200; k++)
		workers_send(out, rec, sizeof(rec));
}

static void
big_take(void *arg, size_t i, const void *rec, size_t len)
{
	int *n = arg;
	const char *c = rec;

	if (len == WORKERS_RECORD_MAX && c[0] == (char)('a' + i) &&
	    c[len - 1] == (char)('a' + i))
		n[i]++;
}

static void
big_done(void *arg, size_t i, bool finished, const char *how)
{
	int *n = arg;

	(void)how;
	if (!finished)
		n[i] = -1;
}

static void
workers_large_output_not_deadlocked(void)
{
	const struct workers_ops big = { .run = big_run, .take = big_take,
	    .done = big_done };
	int n[3] = { 0, 0, 0 };
	struct err e;

	CHECK_INT(workers_run(3, 3, &big, n, &e), 0);
	for (int i = 0; i < 3; i++)
		CHECK_INT(n[i], 200);
}

static const struct test tests[] = {
	TEST(workers_one_at_a_time),
	TEST(workers_results_whole_whatever_order),
	TEST(workers_more_room_than_jobs),
	TEST(workers_large_output_not_deadlocked),
};

CHECK_MAIN(tests)
