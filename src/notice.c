/*
 * notice.c — failure and delay notices, their rate limit and
 * notify_command (see notice.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "dsn.h"
#include "header.h"
#include "notice.h"
#include "util.h"

#define RATE_FILE_MAX	(256 * 1024)	/* older lines are dropped past it */

static const char *const event_names[] = { "failed", "delayed", "expired" };

const char *
notice_event_name(enum notice_event ev)
{
	return event_names[ev];
}

/* RFC 3461 §4.1: NOTIFY is NEVER or a list of SUCCESS, FAILURE, DELAY. */
static bool
notify_names(const char *notify, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = notify; *p != '\0'; ) {
		size_t len = strcspn(p, ",");

		if (len == n && ascii_eqn_ci(p, word, n))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

const char *
notice_refusal(const struct account *a, const struct queue_env *q,
    enum notice_event ev, const char *auto_submitted)
{
	const char *want = ev == NOTICE_DELAYED ? "DELAY" : "FAILURE";

	if (q->notice)
		return "it is itself a notice";
	if (q->from == NULL || q->from[0] == '\0')
		return "the sender is null";
	if (auto_submitted != NULL && !ascii_eq_ci(auto_submitted, "no"))
		return "the message is Auto-Submitted";
	if (q->dsn_notify != NULL && !notify_names(q->dsn_notify, want))
		return ev == NOTICE_DELAYED ? "its NOTIFY does not ask for "
		    "delays" : "its NOTIFY does not ask for failures";
	if (ev == NOTICE_DELAYED && a->notify_delay <= 0)
		return "notify_delay is off";
	if (ev != NOTICE_DELAYED && !a->notify_failure)
		return "notify_failure is off";
	return NULL;
}

/* ---- the rate limit ---------------------------------------------------- */

/* Keep the lines "EPOCH SENDER" of buf still inside the window in out,
 * and count those for sender. */
static size_t
rate_prune(const struct buf *in, const char *sender, time_t now,
    struct buf *out)
{
	size_t count = 0, slen = strlen(sender);
	const char *p = in->data, *end;

	if (in->len == 0)
		return 0;
	end = in->data + in->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		char *sp;
		long long t = strtoll(p, &sp, 10);

		if (sp > p && sp < p + len && *sp == ' ' &&
		    t > (long long)now - NOTICE_RATE_WINDOW && t <= now) {
			buf_add(out, p, len);
			buf_addc(out, '\n');
			if ((size_t)(p + len - sp - 1) == slen &&
			    memcmp(sp + 1, sender, slen) == 0)
				count++;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return count;
}

int
notice_rate_take(const char *dir, const char *sender, int limit, time_t now,
    bool *allowed, struct err *e)
{
	char *path = xasprintf("%s/notice-rate", dir);
	struct buf in, out;
	int fd, rc = 0;

	*allowed = false;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		rc = err_sys(e, EX_CANTCREAT, "cannot open %s", path);
		free(path);
		return rc;
	}
	buf_init(&in);
	buf_init(&out);
	while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
		;
	/* EFBIG is no error: the first RATE_FILE_MAX bytes are used, and
	 * the rewrite below drops the rest. */
	if (read_all_max(fd, RATE_FILE_MAX, &in) == -1 && errno != EFBIG)
		rc = err_sys(e, EX_IOERR, "cannot read %s", path);
	else if ((int)rate_prune(&in, sender, now, &out) < limit) {
		*allowed = true;
		buf_printf(&out, "%lld %s\n", (long long)now, sender);
	}
	/* Rewritten in place under the lock: a torn file only loses lines,
	 * which rate_prune skips. */
	if (rc == 0 && (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, out.data != NULL ? out.data : "", out.len, 0) !=
	    (ssize_t)out.len))
		rc = err_sys(e, EX_CANTCREAT, "cannot write %s", path);
	close(fd);
	buf_free(&in);
	buf_free(&out);
	free(path);
	return rc;
}

/* ---- the notice as a queue entry -------------------------------------- */

static bool
reported(const struct queue_rcpt *r, enum notice_event ev)
{
	if (ev == NOTICE_FAILED)
		return r->state == QR_FAILED;
	if (ev == NOTICE_DELAYED)
		return r->state == QR_PENDING;
	return r->state != QR_SENT;
}

/* The notice's envelope and From: notify_from, else
 * MAILER-DAEMON@domain. */
static char *
notice_from(const struct account *a)
{
	if (a->notify_from != NULL)
		return xstrdup(a->notify_from);
	return xasprintf("MAILER-DAEMON@%s", a->domain != NULL ? a->domain :
	    host_fqdn());
}

/* The Status a notice gives r (RFC 3464 §2.3.4): for a refused recipient
 * the server's enhanced code (else its reply's class, else one from the
 * exit code); 4.4.7 for one the queue gave up on; for a delayed one the
 * server's 4.x.x code, else 4.0.0. */
static const char *
rcpt_status(const struct queue_rcpt *r, enum notice_event ev)
{
	if (r->state == QR_FAILED) {
		if (r->code / 100 != 5)
			return dsn_status_for_ex(r->ex, false);
		return r->status != NULL && r->status[0] == '5' ? r->status :
		    "5.0.0";
	}
	if (ev == NOTICE_EXPIRED)
		return dsn_status_for_ex(r->ex, true);
	if (r->code / 100 == 4 && r->status != NULL && r->status[0] == '4')
		return r->status;
	return "4.0.0";
}

static void
fill_dsn(struct dsn *d, struct dsn_rcpt *v, const struct account *a,
    const struct queue_env *q, enum notice_event ev, time_t now)
{
	d->delayed = ev == NOTICE_DELAYED;
	d->reporting_mta = a->domain != NULL ? a->domain : host_fqdn();
	d->to = q->from;
	d->queue_id = q->id;
	d->envid = q->dsn_envid;
	d->arrival = (time_t)q->created;
	d->retry_until = (time_t)(q->created + a->queue_lifetime);
	d->headers_only = q->dsn_ret != NULL && ascii_eq_ci(q->dsn_ret, "HDRS");
	d->rcpts = v;
	d->nrcpts = 0;
	for (size_t i = 0; i < q->nrcpts; i++) {
		const struct queue_rcpt *r = &q->rcpts[i];
		struct dsn_rcpt *o = &v[d->nrcpts];

		if (!reported(r, ev))
			continue;
		o->addr = r->addr;
		o->remote_mta = r->mta;
		o->diagnostic = r->reply;
		o->reason = r->reason != NULL ? r->reason : q->last_error;
		o->status = rcpt_status(r, ev);
		d->nrcpts++;
	}
	(void)now;
}

int
notice_queue(const char *dir, const struct account *a,
    const struct queue_env *q, int msg_fd, off_t msg_len,
    enum notice_event ev, time_t now, char *new_id, struct err *e)
{
	struct dsn_rcpt *v = xcalloc(q->nrcpts + 1, sizeof(*v));
	struct queue_env n;
	struct dsn d = { 0 };
	char *from = notice_from(a), *tmp, *final;
	int fd, rc;

	fill_dsn(&d, v, a, q, ev, now);
	d.from = from;
	memset(&n, 0, sizeof(n));
	n.created = now;
	n.next_try = now;
	n.notice = true;
	n.account = q->account != NULL ? xstrdup(q->account) : NULL;
	/* Sent with the null sender unless notify_from says otherwise
	 * (relays that refuse <>); either way it is marked a notice. */
	n.from = xstrdup(a->notify_from != NULL ? a->notify_from : "");
	n.rcpts = xcalloc(1, sizeof(*n.rcpts));
	n.rcpts[0].addr = xstrdup(q->from);
	n.nrcpts = 1;
	fd = queuefile_create_msg(dir, &n, &tmp, e);
	rc = fd == -1 ? -1 : dsn_write(&d, msg_fd, msg_len, fd, e);
	if (fd != -1) {
		final = xasprintf("%s/%s.msg", dir, n.id);
		if (rc == 0)
			rc = queuefile_commit(fd, tmp, final, dir, e);
		else
			close(fd);
		if (rc == 0)
			rc = queuefile_write_env(dir, dir, &n, true, e);
		if (rc == -1) {
			unlink(tmp);
			unlink(final);
		}
		free(final);
		free(tmp);
	}
	if (rc == 0)
		snprintf(new_id, QUEUE_ID_MAX, "%s", n.id);
	queuefile_env_free(&n);
	free(from);
	free(v);
	return rc;
}

/* ---- notify_command ---------------------------------------------------- */

static char *
joined_rcpts(const struct queue_env *q)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < q->nrcpts; i++) {
		if (q->rcpts[i].state == QR_SENT)
			continue;
		if (b.len > 0)
			buf_addc(&b, ',');
		buf_adds(&b, q->rcpts[i].addr);
	}
	return b.data != NULL ? buf_steal(&b) : xstrdup("");
}

/* In the child: the facts in the environment, then sh -c cmd. */
static void
exec_command(const char *cmd, const struct queue_env *q, enum notice_event ev,
    const char *rcpts)
{
	int null = open("/dev/null", O_RDWR);

	if (null != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	setpgid(0, 0);
	setenv("POSTIE_EVENT", notice_event_name(ev), 1);
	setenv("POSTIE_QUEUE_ID", q->id, 1);
	setenv("POSTIE_SENDER", q->from != NULL ? q->from : "", 1);
	setenv("POSTIE_RECIPIENTS", rcpts, 1);
	setenv("POSTIE_REASON", q->last_error != NULL ? q->last_error : "", 1);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Wait for pid at most timeout_s seconds; then kill its group. */
static int
wait_bounded(pid_t pid, int timeout_s, int *status)
{
	long long deadline = now_ms() + (long long)timeout_s * 1000;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(10 * 1000);
	}
}

int
notice_command(const struct account *a, const struct queue_env *q,
    enum notice_event ev, struct err *e)
{
	char *rcpts;
	pid_t pid;
	int status, rc = 0;

	if (a->notify_command == NULL)
		return 0;
	rcpts = joined_rcpts(q);
	pid = fork();
	if (pid == 0)
		exec_command(a->notify_command, q, ev, rcpts);
	free(rcpts);
	if (pid == -1)
		return err_sys(e, EX_OSERR, "notify_command: fork");
	setpgid(pid, pid);	/* both sides, whichever runs first */
	if (wait_bounded(pid, NOTICE_COMMAND_TIMEOUT, &status) == -1)
		rc = errno == ETIMEDOUT ?
		    err_set(e, EX_TEMPFAIL, "notify_command did not finish "
		    "within %d s and was killed", NOTICE_COMMAND_TIMEOUT) :
		    err_sys(e, EX_OSERR, "notify_command: waitpid");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = err_set(e, EX_TEMPFAIL, "notify_command \"%.200s\" "
		    "failed (status %d)", a->notify_command,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return rc;
}

/* ---- the original's Auto-Submitted ------------------------------------- */

char *
notice_auto_submitted(int fd)
{
	size_t cap = HEADER_SECTION_MAX + 4, len = 0, used;
	char *text = xmalloc(cap), *v = NULL;
	struct header_list h;
	struct err e;
	ssize_t n;
	long i;

	while (len < cap && (n = pread(fd, text + len, cap - len,
	    (off_t)len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (memmem(text, len, "\r\n\r\n", 4) != NULL ||
		    memmem(text, len, "\n\n", 2) != NULL)
			break;
	}
	header_list_init(&h);
	if (header_parse(&h, text, len, &used, &e) == 0 &&
	    (i = header_find(&h, "Auto-Submitted", 0)) >= 0) {
		char *full = header_value(&h, (size_t)i);

		/* "auto-replied; comment": the keyword alone decides. */
		full[strcspn(full, " \t;(")] = '\0';
		v = full;
	}
	header_list_free(&h);
	free(text);
	return v;
}
