/*
 * queue.c — the durable queue's operations (see queue.h); the layout, the
 * state file format and the crash-safe writes are queuefile.c's.
 *
 * Crash safety rests on three rules:
 *   1. A file reaches its name only by rename from tmp/, after fsync; the
 *      directory is fsync'd before anyone is told it is there.
 *   2. ID.env is the entry's commit record: ID.msg goes in before it and
 *      comes out after it.  An ID.msg without ID.env that nobody holds
 *      locked is the leftover of a submission killed before exit 0 (or of
 *      a removal killed half-way): it is removed.
 *   3. ID.msg's flock is the entry's lock.  The submitter takes it before
 *      the rename and keeps it until ID.env is in place; a queue run takes
 *      it (LOCK_NB: busy entries are skipped) and then re-reads ID.env, so
 *      a run never works from a stale state or on a removed entry.
 * A crash therefore leaves either the old state or the new one, never a
 * half-written file under a real name.  The one duplicate that cannot be
 * avoided: the server accepted the message and postie died before ID.env
 * recorded it (or before the connection delivered the final reply).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "failover.h"
#include "json.h"
#include "log.h"
#include "notice.h"
#include "queue.h"
#include "safefile.h"
#include "sysmode.h"
#include "wire.h"
#include "workers.h"

#define TMP_MAX_AGE		(60 * 60)	/* tmp/ files older than this are leftovers */
#define RUN_MAX_ACCOUNTS	16		/* passwords remembered per run */

/* ---- back-off, the queue directory ---- */

long long
queue_backoff(int attempts)
{
	long long d = QUEUE_FIRST_DELAY;

	for (int i = 1; i < attempts && d < QUEUE_MAX_DELAY; i++)
		d *= 2;
	return d < QUEUE_MAX_DELAY ? d : QUEUE_MAX_DELAY;
}

/* Keep what rr says of a recipient: postie's reason and, when a server
 * replied, that reply (what a notice reports). */
static void
rcpt_keep(struct queue_rcpt *qr, const struct rcpt_result *rr)
{
	free(qr->reason);
	free(qr->status);
	free(qr->mta);
	free(qr->reply);
	qr->ex = rr->ex;
	qr->reason = xstrdup(rr->text);
	qr->code = rr->code;
	qr->status = NULL;
	qr->mta = NULL;
	qr->reply = NULL;
	if (rr->code == 0)
		return;
	qr->status = rr->status[0] != '\0' ? xstrdup(rr->status) : NULL;
	qr->mta = rr->mta[0] != '\0' ? xstrdup(rr->mta) : NULL;
	qr->reply = rr->reply[0] != '\0' ? xstrdup(rr->reply) : NULL;
}

long long
queue_entry_backoff(const struct queue_env *q, int attempts)
{
	long long d = queue_backoff(attempts);

	for (size_t i = 0; i < q->nrcpts; i++)
		if (q->rcpts[i].state == QR_PENDING &&
		    (q->rcpts[i].ex == EX_NOPERM || q->rcpts[i].ex == EX_CONFIG))
			return d > QUEUE_CONFIG_DELAY ? d : QUEUE_CONFIG_DELAY;
	return d;
}

char *
queue_dir_path(const struct account *a)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (a != NULL && a->queue_dir != NULL)
		return xstrdup(a->queue_dir);
	if (getuid() == 0)
		return xstrdup(QUEUE_SYSTEM_DIR);
	if (sysmode_is_account())
		return xstrdup(SYSMODE_QUEUE_DIR);
	if (state != NULL && *state == '/')
		return xasprintf("%s/postie/queue", state);
	return xasprintf("%s/.local/state/postie/queue",
	    home != NULL ? home : "");
}

const char *
queue_retry_hint(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct stat st;
	char *link;
	bool on;

	if (getuid() == 0)
		return NULL;
	if (xdg != NULL && *xdg == '/')
		link = xasprintf("%s/systemd/user/timers.target.wants/"
		    "postie-queue.timer", xdg);
	else
		link = xasprintf("%s/.config/systemd/user/timers.target.wants/"
		    "postie-queue.timer", home != NULL ? home : "");
	/* The link itself: its target may be in any unit directory. */
	on = lstat(link, &st) == 0;
	free(link);
	if (on)
		return NULL;
	return "this is your own queue, which only you can retry: "
	    "systemctl --user enable --now postie-queue.timer "
	    "(or the crontab line */5 * * * * postie -q --due)";
}

/* ---- a submission's deferred recipients ---- */

static const char *
first_tempfail(const struct report *rep, size_t *count)
{
	const char *why = NULL;

	*count = 0;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome == OUT_TEMPFAIL) {
			if (why == NULL)
				why = rep->v[i].text;
			(*count)++;
		}
	return why;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* What an entry records of the file its account came from: the real
 * path, so that "-C cfg" and "-C ./cfg" agree; "" for no file at all. */
static char *
config_id(const char *file)
{
	char *real;

	if (file == NULL)
		return xstrdup("");
	real = realpath(file, NULL);
	return real != NULL ? real : xstrdup(file);
}

int
queue_defer(const struct account *a, struct message *m,
    const struct envelope *env, struct report *rep, struct err *e)
{
	struct queue_env q;
	size_t n;
	const char *why = first_tempfail(rep, &n);
	long long now = (long long)time(NULL);
	char *dir;
	int rc;

	if (n == 0 || !a->queue)
		return 0;
	memset(&q, 0, sizeof(q));
	q.created = q.last_try = now;
	q.attempts = 1;
	q.config = config_id(a->file);
	q.account = dup_or_null(a->name);
	q.from = xstrdup(env->from);
	q.dsn_notify = dup_or_null(env->dsn_notify);
	q.dsn_ret = dup_or_null(env->dsn_ret);
	q.dsn_envid = dup_or_null(env->dsn_envid);
	q.body_8bit_hint = env->body_8bit_hint;
	q.last_error = xstrdup(why);
	q.rcpts = xcalloc(n, sizeof(*q.rcpts));
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome == OUT_TEMPFAIL) {
			struct queue_rcpt *r = &q.rcpts[q.nrcpts++];

			r->addr = xstrdup(rep->v[i].addr);
			rcpt_keep(r, &rep->v[i]);
		}
	q.next_try = now + queue_entry_backoff(&q, 1);
	dir = queue_dir_path(a);
	rc = queuefile_add(dir, m, &q, e);
	if (rc == 0) {
		for (size_t i = 0; i < rep->n; i++)
			if (rep->v[i].outcome == OUT_TEMPFAIL)
				rep->v[i].outcome = OUT_QUEUED;
		snprintf(rep->queue_id, sizeof(rep->queue_id), "%s", q.id);
	} else {
		char cause[ERR_MSG_MAX];

		/* The cause first: a long server reply is what gets cut. */
		snprintf(cause, sizeof(cause), "%s", e->msg);
		err_set(e, EX_CANTCREAT, "the message could not be queued: "
		    "%s; its delivery was deferred: %s", cause, why);
	}
	free(dir);
	queuefile_env_free(&q);
	return rc;
}

/* ---- a submission's refused recipients ---- */

/* The state file of a refused submission: the sent and the refused
 * recipients (the deferred ones have their own entry). */
static void
failed_env(struct queue_env *q, const struct account *a,
    const struct envelope *env, const struct report *rep)
{
	long long now = (long long)time(NULL);

	memset(q, 0, sizeof(*q));
	q->created = q->last_try = now;
	q->attempts = 1;
	q->config = config_id(a->file);
	q->account = dup_or_null(a->name);
	q->from = xstrdup(env->from);
	q->dsn_notify = dup_or_null(env->dsn_notify);
	q->dsn_ret = dup_or_null(env->dsn_ret);
	q->dsn_envid = dup_or_null(env->dsn_envid);
	q->body_8bit_hint = env->body_8bit_hint;
	q->rcpts = xcalloc(rep->n, sizeof(*q->rcpts));
	for (size_t i = 0; i < rep->n; i++) {
		const struct rcpt_result *rr = &rep->v[i];
		struct queue_rcpt *r;

		if (rr->outcome != OUT_SENT && rr->outcome != OUT_PERMFAIL)
			continue;
		r = &q->rcpts[q->nrcpts++];
		r->addr = xstrdup(rr->addr);
		r->state = rr->outcome == OUT_SENT ? QR_SENT : QR_FAILED;
		rcpt_keep(r, rr);
		if (r->state == QR_FAILED && q->last_error == NULL)
			q->last_error = xstrdup(rr->text);
	}
}

/* failed/ID.eml, then failed/ID.env, both through tmp/ (the same files
 * move_failed leaves).  *eml is the message's path. */
static int
write_failed(const char *dir, struct message *m, struct queue_env *q,
    char **eml, struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	char *fdir = xasprintf("%s/failed", dir), *tmp = NULL;
	int fd, rc = -1;

	*eml = NULL;
	if (queuefile_prepare_dirs(dir, e) == -1 ||
	    (fd = queuefile_create_msg(dir, q, &tmp, e)) == -1) {
		free(fdir);	/* nothing to free in tmp */
		return -1;
	}
	*eml = xasprintf("%s/%s.eml", fdir, q->id);
	if (wire_write(m, &w, fd, e) == -1)
		close(fd);
	else if (queuefile_commit(fd, tmp, *eml, NULL, e) == 0)
		rc = queuefile_write_env(dir, fdir, q, true, e);
	if (rc == -1) {
		unlink(tmp);
		unlink(*eml);
		free(*eml);
		*eml = NULL;
	}
	free(tmp);
	free(fdir);
	return rc;
}

/* Append chunk to out with mbox quoting: a line that starts with "From "
 * gets a '>' (*st: bytes of "From " matched at a line start, -1 inside a
 * line), so that no reader splits the message there. */
static void
mbox_quote(const char *p, size_t n, int *st, struct buf *out)
{
	static const char from[] = "From ";

	for (size_t i = 0; i < n; i++) {
		if (*st >= 0 && p[i] == from[*st]) {
			if (++*st == 5) {
				buf_adds(out, ">From ");
				*st = -1;
			}
			continue;
		}
		if (*st > 0)
			buf_add(out, from, (size_t)*st);
		*st = p[i] == '\n' ? 0 : -1;
		buf_addc(out, p[i]);
	}
}

/* The message, mbox-quoted, to fd. */
static int
write_mbox_body(struct message *m, int fd)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	struct wire_reader *r;
	char chunk[16384];
	struct buf out;
	struct err e;
	ssize_t n;
	int st = 0, rc = 0;

	if (wire_reader_open(&r, m, &w, &e) == -1)
		return -1;
	buf_init(&out);
	while (rc == 0 && (n = wire_reader_read(r, chunk, sizeof(chunk),
	    &e)) != 0) {
		buf_reset(&out);
		if (n < 0)
			rc = -1;
		else {
			mbox_quote(chunk, (size_t)n, &st, &out);
			rc = write_all(fd, out.data, out.len);
		}
	}
	if (rc == 0 && st > 0)
		rc = write_all(fd, "From ", (size_t)st);
	buf_free(&out);
	wire_reader_close(r);
	return rc;
}

/* The last resort: ~/dead.letter, mbox style. */
static int
write_dead_letter(struct message *m, const char *from, char *path,
    size_t len)
{
	const char *home = getenv("HOME");
	time_t now = time(NULL);
	char line[600];
	int fd, rc = 0;

	if (home == NULL || *home != '/')
		return -1;
	snprintf(path, len, "%s/dead.letter", home);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	snprintf(line, sizeof(line), "From %s %s",
	    *from != '\0' ? from : "MAILER-DAEMON", ctime(&now));
	if (write_all(fd, line, strlen(line)) == -1 ||
	    write_mbox_body(m, fd) == -1 ||
	    write_all(fd, "\n", 1) == -1 || fsync(fd) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

void
queue_save_failed(const struct account *a, struct message *m,
    const struct envelope *env, struct report *rep)
{
	struct queue_env q;
	struct err e;
	char *dir, *eml;

	rep->saved[0] = '\0';
	if (rep->too_big)
		return;
	failed_env(&q, a, env, rep);
	if (q.last_error == NULL) {	/* nothing refused */
		queuefile_env_free(&q);
		return;
	}
	dir = queue_dir_path(a);
	if (write_failed(dir, m, &q, &eml, &e) == 0) {
		snprintf(rep->saved, sizeof(rep->saved), "%s", eml);
		free(eml);
	} else if (write_dead_letter(m, env->from, rep->saved,
	    sizeof(rep->saved)) == -1)
		rep->saved[0] = '\0';
	free(dir);
	queuefile_env_free(&q);
}

/* ---- a queue run ---- */

struct run_password {
	const struct account *a;
	char	*pw;
};

/* Entries this run leaves alone because their account is another
 * configuration's (or gone): how many per file and account. */
struct run_need {
	char	*config;		/* as the entries record it */
	char	*account;
	size_t	 n;
};

struct qrun {
	const struct queue_opts *o;
	struct queue_stats *st;
	struct config cfg;
	char	*config;		/* config_id of cfg's file */
	struct run_need *need;
	size_t	 nneed;
	struct strlist dirs;		/* queue_dirs' */
	const char *dir;		/* the one being worked on, in dirs */
	long long now;
	struct run_password pw[RUN_MAX_ACCOUNTS];
	size_t	 npw;
	struct delivery_cache *cache;	/* sessions kept across entries */
	struct strlist notices;		/* notices written in this directory */
};

/* One line per entry that the run cannot use, said once per run. */
static void
note_problem(struct qrun *r, const char *id, const struct err *e)
{
	r->st->bad++;
	strlist_take(&r->st->problems, xasprintf("%s: %s", id, e->msg));
}

/*
 * The entry's account: the one it was submitted with, from the same
 * file; by sender only for an entry that names no account.  NULL when
 * this run's configuration cannot send it: another file, or an account
 * it no longer defines.  Another account would mean another relay and
 * other credentials, so such an entry waits for a run that has its own
 * (need_account says which).
 */
static const struct account *
entry_account(struct qrun *r, const struct queue_env *q, struct err *e)
{
	if (q->config != NULL && strcmp(q->config, r->config) != 0)
		return NULL;
	if (q->account == NULL)
		return config_select(&r->cfg, NULL, q->from, e);
	return config_select(&r->cfg, q->account, NULL, e);
}

/* Count n entries left for account acct ("": by sender) of file cfg. */
static void
need_add(struct qrun *r, const char *cfg, const char *acct, size_t n)
{
	for (size_t i = 0; i < r->nneed; i++)
		if (strcmp(r->need[i].config, cfg) == 0 &&
		    strcmp(r->need[i].account, acct) == 0) {
			r->need[i].n += n;
			return;
		}
	r->need = xreallocarray(r->need, r->nneed + 1, sizeof(*r->need));
	r->need[r->nneed++] = (struct run_need){ xstrdup(cfg), xstrdup(acct),
	    n };
}

/* Count an entry left for another configuration's run. */
static void
need_account(struct qrun *r, const struct queue_env *q)
{
	need_add(r, q->config != NULL ? q->config : r->config,
	    q->account != NULL ? q->account : "", 1);
}

/* One line per file and account that queued entries wait for. */
static void
report_needs(struct qrun *r)
{
	for (size_t i = 0; i < r->nneed; i++) {
		const struct run_need *n = &r->need[i];
		const char *s = n->n == 1 ? "" : "s";

		if (*n->config == '\0')
			strlist_take(&r->st->problems, xasprintf("%zu message%s "
			    "queued with no configuration file left queued: "
			    "run postie -q -C /dev/null", n->n, s));
		else if (strcmp(n->config, r->config) == 0)
			strlist_take(&r->st->problems, xasprintf("%zu message%s "
			    "left queued: account %s is not defined in %s; "
			    "define it again and run postie -q", n->n, s,
			    n->account, n->config));
		else
			strlist_take(&r->st->problems, xasprintf("%zu message%s "
			    "left queued for account %s of %s: run postie -q "
			    "-C %s", n->n, s, n->account, n->config,
			    n->config));
		r->st->foreign += n->n;
		free(n->config);
		free(n->account);
	}
	free(r->need);
	r->need = NULL;
	r->nneed = 0;
}

/* config_password once per account and run. */
static int
run_password(struct qrun *r, const struct account *a, const char **pw,
    struct err *e)
{
	char *p = NULL;

	*pw = NULL;
	if (a->auth == AUTH_OFF || a->host == NULL)
		return 0;
	for (size_t i = 0; i < r->npw; i++)
		if (r->pw[i].a == a) {
			*pw = r->pw[i].pw;
			return 0;
		}
	if (config_password(a, &p, e) == -1)
		return -1;
	if (r->npw < RUN_MAX_ACCOUNTS) {
		r->pw[r->npw].a = a;
		r->pw[r->npw++].pw = p;
	}
	*pw = p;	/* beyond the cap it leaks until exit: harmless */
	return 0;
}

/* run_password for failover.h. */
static int
run_password_fn(void *arg, const struct account *a, const char **pw,
    struct err *e)
{
	return run_password(arg, a, pw, e);
}

/* Every pending recipient keeps waiting, with this reason. */
static void
defer_all(struct queue_env *q, const struct err *e)
{
	for (size_t i = 0; i < q->nrcpts; i++)
		if (q->rcpts[i].state == QR_PENDING) {
			free(q->rcpts[i].reason);
			q->rcpts[i].reason = xstrdup(e->msg);
			q->rcpts[i].ex = e->ex != 0 ? e->ex : EX_TEMPFAIL;
		}
	free(q->last_error);
	q->last_error = xstrdup(e->msg);
}

/* Every pending recipient is refused, with this reason. */
static void
refuse_all(struct queue_env *q, const struct err *e)
{
	defer_all(q, e);
	for (size_t i = 0; i < q->nrcpts; i++)
		if (q->rcpts[i].state == QR_PENDING) {
			q->rcpts[i].state = QR_FAILED;
			q->rcpts[i].ex = e->ex;
		}
}

/* Fold a delivery report (its entries are q's pending recipients, in
 * order) into q. */
static void
apply_report(struct queue_env *q, const struct report *rep)
{
	const char *deferred = NULL;	/* the last deferral's reason */
	size_t j = 0;

	for (size_t i = 0; i < q->nrcpts && j < rep->n; i++) {
		struct queue_rcpt *qr = &q->rcpts[i];
		const struct rcpt_result *rr = &rep->v[j];

		if (qr->state != QR_PENDING)
			continue;
		j++;
		rcpt_keep(qr, rr);
		if (rr->outcome == OUT_SENT)
			qr->state = QR_SENT;
		else if (rr->outcome == OUT_PERMFAIL)
			qr->state = QR_FAILED;
		else
			deferred = rr->text;
	}
	if (deferred != NULL) {
		free(q->last_error);
		q->last_error = xstrdup(deferred);
	}
}

/* An attempt's recipients sent so far, recorded between destinations. */
struct progress {
	struct qrun *r;
	struct queue_env *q;
	size_t	*map;		/* report entry -> index in q->rcpts */
	bool	*early;		/* q->rcpts marked sent by record_progress */
};

/* delivery_opts.progress: mark the recipients already sent and rewrite
 * ID.env, before the next destination is tried. */
static void
record_progress(void *arg, const struct report *rep, const bool *done)
{
	struct progress *p = arg;
	bool changed = false;
	struct err e;

	for (size_t j = 0; j < rep->n; j++) {
		size_t i = p->map[j];
		struct queue_rcpt *qr = &p->q->rcpts[i];

		/* Only the sent: a refusal is kept (and noticed) after the
		 * attempt, as before; refused again, it is never sent. */
		if (done[j] && rep->v[j].outcome == OUT_SENT &&
		    qr->state == QR_PENDING) {
			rcpt_keep(qr, &rep->v[j]);
			qr->state = QR_SENT;
			p->early[i] = changed = true;
		}
	}
	if (changed && queuefile_write_env(p->r->dir, p->r->dir, p->q, false,
	    &e) == -1)
		note_problem(p->r, p->q->id, &e);
}

/* One delivery attempt of q's pending recipients; msg_fd is ID.msg. */
static void
attempt(struct qrun *r, struct queue_env *q, const struct account *a,
    int msg_fd)
{
	/* ID.msg is read in place: its body is sent from where it is. */
	struct message_read_opts ro = { .dot_ends_message = false,
	    .in_place = true };
	struct delivery_opts o = {
		.verbose = r->o->verbose,
		.transcript = r->o->transcript,
		.cache = r->cache,
	};
	struct envelope env = {
		.from = q->from, .dsn_notify = q->dsn_notify,
		.dsn_ret = q->dsn_ret, .dsn_envid = q->dsn_envid,
		.body_8bit_hint = q->body_8bit_hint,
	};
	struct progress pg = { .r = r, .q = q };
	struct message m;
	struct report rep;
	struct err e;
	int rc;

	err_clear(&e);
	message_init(&m);
	strlist_init(&env.rcpts);
	pg.map = xcalloc(q->nrcpts, sizeof(*pg.map));
	pg.early = xcalloc(q->nrcpts, sizeof(*pg.early));
	for (size_t i = 0; i < q->nrcpts; i++)
		if (q->rcpts[i].state == QR_PENDING) {
			pg.map[env.rcpts.n] = i;
			strlist_add(&env.rcpts, q->rcpts[i].addr);
		}
	o.progress = record_progress;
	o.progress_arg = &pg;
	struct failover_opts fo = {
		.cfg = &r->cfg, .state_dir = r->dir,
		.password = run_password_fn, .password_arg = r,
		.verbose = r->o->verbose ? stderr : NULL,
	};
	const struct account *used;

	rc = lseek(msg_fd, 0, SEEK_SET) == -1 ? err_sys(&e, EX_IOERR,
	    "cannot read the queued message") : message_read(&m, msg_fd, &ro,
	    &e);
	if (rc == -1 && e.ex == EX_DATAERR) {
		/* A message no attempt can read (a NUL byte, a header
		 * section too large): refused for good, and said. */
		err_prefix(&e, "the queued message cannot be sent");
		refuse_all(q, &e);
		note_problem(r, q->id, &e);
	} else if (rc == -1 ||
	    failover_run(&fo, a, &m, &env, &o, &rep, &used, &e) == -1) {
		if (e.ex == 0)
			err_sys(&e, EX_IOERR, "cannot read the queued message");
		defer_all(q, &e);
	} else {
		/* apply_report takes the pending recipients in order. */
		for (size_t i = 0; i < q->nrcpts; i++)
			if (pg.early[i])
				q->rcpts[i].state = QR_PENDING;
		apply_report(q, &rep);
		report_free(&rep);
	}
	free(pg.map);
	free(pg.early);
	message_free(&m);
	strlist_free(&env.rcpts);
}

static void
log_entry(const struct account *a, const struct queue_env *q,
    const char *outcome, off_t size)
{
	struct log_entry le;
	struct buf to;

	buf_init(&to);
	for (size_t i = 0; i < q->nrcpts; i++) {
		if (to.len > 0)
			buf_addc(&to, ',');
		buf_adds(&to, q->rcpts[i].addr);
	}
	memset(&le, 0, sizeof(le));
	le.queue_id = q->id;
	le.from = q->from;
	le.to = to.data != NULL ? to.data : "";
	le.size = (long long)size;
	le.server = "";
	le.tls = "";
	le.reply = q->last_error != NULL ? q->last_error : "";
	le.outcome = outcome;
	log_outcome(a, &le);
	buf_free(&to);
}

/* A log line about q's notice: "notified" with its id, or why not. */
static void
log_notice(const struct account *a, const struct queue_env *q,
    const char *outcome, const char *what)
{
	struct log_entry le;

	memset(&le, 0, sizeof(le));
	le.queue_id = q->id;
	le.from = q->from;
	le.to = q->from;
	le.server = "";
	le.tls = "";
	le.reply = what;
	le.outcome = outcome;
	log_outcome(a, &le);
}

/* Event ev happened to q, whose message is at path: run notify_command,
 * and write a notice to the sender into this directory when one is due
 * (notice.h); it is sent before this run leaves the directory. */
static void
queue_notice(struct qrun *r, const struct queue_env *q,
    const struct account *a, enum notice_event ev, const char *path)
{
	char id[QUEUE_ID_MAX], *as, *what;
	const char *why;
	bool allowed = false;
	struct stat sb;
	struct err e;
	int fd;

	err_clear(&e);
	if (notice_command(a, q, ev, &e) == -1)
		log_notice(a, q, "notify_command failed", e.msg);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		if (fd != -1)
			close(fd);
		log_notice(a, q, "not notified", "its message cannot be read");
		return;
	}
	as = notice_auto_submitted(fd);
	why = notice_refusal(a, q, ev, as);
	free(as);
	if (why == NULL && notice_rate_take(r->dir, q->from, a->notify_limit,
	    (time_t)r->now, &allowed, &e) == -1)
		why = e.msg;
	else if (why == NULL && !allowed)
		why = "notify_limit reached for this sender";
	if (why == NULL && notice_queue(r->dir, a, q, fd, sb.st_size, ev,
	    (time_t)r->now, id, &e) == -1)
		why = e.msg;
	close(fd);
	if (why != NULL) {
		what = xasprintf("no %s notice: %s", notice_event_name(ev), why);
		log_notice(a, q, "not notified", what);
		free(what);
		return;
	}
	what = xasprintf("%s notice queued as %s", notice_event_name(ev), id);
	log_notice(a, q, "notified", what);
	free(what);
	strlist_add(&r->notices, id);
	r->st->notices++;
}

/* Refused for good or expired: failed/ID.env (the reasons), then
 * failed/ID.eml (the message), then the entry's ID.env goes.  A crash
 * between leaves ID.env without ID.msg, which the next run finishes. */
static int
move_failed(struct qrun *r, struct queue_env *q, struct err *e)
{
	char *fdir = xasprintf("%s/failed", r->dir);
	char *msg = xasprintf("%s/%s.msg", r->dir, q->id);
	char *eml = xasprintf("%s/%s.eml", fdir, q->id);
	char *env = xasprintf("%s/%s.env", r->dir, q->id);
	int rc;

	rc = queuefile_write_env(r->dir, fdir, q, false, e);
	if (rc == 0 && rename(msg, eml) == -1)
		rc = err_sys(e, EX_CANTCREAT, "cannot move %s to %s", msg, eml);
	if (rc == 0)
		rc = queuefile_fsync_dir(fdir, e);
	if (rc == 0 && unlink(env) == -1)
		rc = err_sys(e, EX_CANTCREAT, "cannot remove %s", env);
	free(fdir);
	free(msg);
	free(eml);
	free(env);
	return rc;
}

/* Delivered: the state file goes first (the commit), then the message.
 * The directory is fsync'd once at the end of the run. */
static void
remove_entry(struct qrun *r, const char *id)
{
	char *env = xasprintf("%s/%s.env", r->dir, id);
	char *msg = xasprintf("%s/%s.msg", r->dir, id);

	unlink(env);
	unlink(msg);
	free(env);
	free(msg);
}

static size_t
count_state(const struct queue_env *q, enum queue_rcpt_state s)
{
	size_t n = 0;

	for (size_t i = 0; i < q->nrcpts; i++)
		n += q->rcpts[i].state == s;
	return n;
}

/* After an attempt: done, refused, expired or waiting again. */
static void
settle(struct qrun *r, struct queue_env *q, const struct account *a,
    off_t size)
{
	long lifetime = a != NULL ? a->queue_lifetime : 5L * 24 * 60 * 60;
	bool expired;
	struct err e;

	err_clear(&e);
	if (count_state(q, QR_PENDING) == 0 && count_state(q, QR_FAILED) == 0) {
		remove_entry(r, q->id);
		r->st->sent++;
		return;
	}
	q->last_try = r->now;
	expired = count_state(q, QR_PENDING) > 0 &&
	    r->now - q->created >= lifetime;
	if (count_state(q, QR_PENDING) == 0 || expired) {
		char *eml;

		if (move_failed(r, q, &e) == -1) {
			note_problem(r, q->id, &e);
			return;
		}
		log_entry(a, q, expired ? "expired" : "bounced", size);
		r->st->failed++;
		eml = xasprintf("%s/failed/%s.eml", r->dir, q->id);
		if (a != NULL)
			queue_notice(r, q, a, expired ? NOTICE_EXPIRED :
			    NOTICE_FAILED, eml);
		free(eml);
		return;
	}
	if (a != NULL && a->notify_delay > 0 && q->delay_noticed == 0 &&
	    r->now - q->created >= a->notify_delay) {
		char *msg = xasprintf("%s/%s.msg", r->dir, q->id);

		/* Recorded first: one delay notice per message. */
		q->delay_noticed = r->now;
		queue_notice(r, q, a, NOTICE_DELAYED, msg);
		free(msg);
	}
	q->attempts++;
	q->next_try = r->now + queue_entry_backoff(q, q->attempts);
	if (queuefile_write_env(r->dir, r->dir, q, false, &e) == -1)
		note_problem(r, q->id, &e);
	r->st->deferred++;
}

/* An ID.env whose ID.msg is gone: a move to failed/ cut short (finish
 * it), or a removal in progress elsewhere (nothing to do). */
static void
stale_env(struct qrun *r, const char *id)
{
	char *env = xasprintf("%s/%s.env", r->dir, id);
	char *eml = xasprintf("%s/failed/%s.eml", r->dir, id);
	struct stat sb;
	struct err e;

	if (lstat(env, &sb) == 0) {
		if (lstat(eml, &sb) == 0)
			unlink(env);
		else {
			err_set(&e, EX_DATAERR, "state file without its message");
			note_problem(r, id, &e);
		}
	}
	free(env);
	free(eml);
}

static bool
lock_nb(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB) == -1)
		if (errno != EINTR)
			return false;
	return true;
}

/* With --due, an entry waits for its next try, unless it has expired. */
static bool
entry_due(const struct qrun *r, const struct queue_env *q,
    const struct account *a)
{
	return !r->o->due || q->next_try <= r->now ||
	    r->now - q->created >= a->queue_lifetime;
}

static void
run_entry(struct qrun *r, const char *id)
{
	char *path = xasprintf("%s/%s.msg", r->dir, id);
	const struct account *a;
	struct queue_env q;
	struct stat sb;
	struct err e;
	int fd, rc;

	err_clear(&e);
	rc = safefile_open(path, O_RDONLY, geteuid(), NULL, &fd, &e);
	free(path);
	if (rc == 1)
		stale_env(r, id);
	else if (rc == -1)
		note_problem(r, id, &e);
	if (rc != 0)
		return;
	if (!lock_nb(fd)) {
		r->st->busy++;
		close(fd);
		return;
	}
	if ((rc = queuefile_load_env(r->dir, id, &q, &e)) != 0) {
		if (rc == -1)	/* 1: finished by another run */
			note_problem(r, id, &e);
		close(fd);
		return;
	}
	if ((a = entry_account(r, &q, &e)) == NULL)
		need_account(r, &q);
	else if (!entry_due(r, &q, a))
		r->st->not_due++;
	else {
		attempt(r, &q, a, fd);
		settle(r, &q, a, fstat(fd, &sb) == 0 ? sb.st_size : 0);
	}
	queuefile_env_free(&q);
	close(fd);
}

/* An ID.msg with no ID.env that nobody holds: a submission killed before
 * it said 0, or a removal cut short.  Not a message anyone was promised. */
static void
reap_orphan(struct qrun *r, const char *id)
{
	char *msg = xasprintf("%s/%s.msg", r->dir, id);
	char *env = xasprintf("%s/%s.env", r->dir, id);
	struct err e;
	int fd;

	if (safefile_open(msg, O_RDONLY, geteuid(), NULL, &fd, &e) == -1)
		note_problem(r, id, &e);
	if (fd >= 0 && lock_nb(fd) && access(env, F_OK) == -1 &&
	    errno == ENOENT)
		unlink(msg);
	if (fd >= 0)
		close(fd);
	free(msg);
	free(env);
}

/* tmp/ files of writers that died: old, and (for a message) unlocked. */
static void
clean_tmp(struct qrun *r)
{
	char *tdir = xasprintf("%s/tmp", r->dir);
	DIR *d = opendir(tdir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char *p = xasprintf("%s/%s", tdir, de->d_name);
		struct stat sb;
		struct err e;
		int fd;

		if (de->d_name[0] != '.' && safefile_open(p, O_RDONLY,
		    geteuid(), &sb, &fd, &e) == 0) {
			if (r->now - sb.st_mtime > TMP_MAX_AGE && lock_nb(fd))
				unlink(p);
			close(fd);
		}
		free(p);
	}
	if (d != NULL)
		closedir(d);
	free(tdir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids in dir that have a file with this suffix (".env", ".msg"),
 * sorted (oldest first). */
static int
list_ids(const char *dir, const char *suffix, struct strlist *out,
    struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t sl = strlen(suffix);

	strlist_init(out);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, EX_IOERR, "cannot read %s", dir);
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char *id;

		if (n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
			continue;
		id = xstrndup(de->d_name, n - sl);
		if (queuefile_id_valid(id))
			strlist_take(out, id);
		else
			free(id);
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

static bool
sorted_has(const struct strlist *l, const char *s)
{
	return l->n > 0 && bsearch(&s, l->v, l->n, sizeof(*l->v),
	    cmp_str) != NULL;
}

/* dir goes into dirs unless one of them is the same directory (seen:
 * their resolved paths; a directory not made yet compares by name). */
static void
add_dir(struct strlist *dirs, struct strlist *seen, char *dir)
{
	char *real = realpath(dir, NULL);

	if (real == NULL)
		real = xstrdup(dir);
	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i], real) == 0) {
			free(real);
			free(dir);
			return;
		}
	strlist_take(seen, real);
	strlist_take(dirs, dir);
}

int
queue_dirs(const struct config *cfg, const char *account,
    struct strlist *dirs, struct err *e)
{
	const struct account *a;
	struct strlist seen;

	strlist_init(dirs);
	if (account != NULL) {
		if ((a = config_select(cfg, account, NULL, e)) == NULL)
			return -1;
		strlist_take(dirs, queue_dir_path(a));
		return 0;
	}
	strlist_init(&seen);
	for (size_t i = 0; i < cfg->naccounts; i++)
		add_dir(dirs, &seen, queue_dir_path(&cfg->accounts[i]));
	add_dir(dirs, &seen, queue_dir_path(&cfg->embedded));
	strlist_free(&seen);
	return 0;
}

/* Configuration and the queue directories to work on. */
static int
open_queue(struct qrun *r, const struct queue_opts *o, struct err *e)
{
	if (config_load(&r->cfg, o->config_file, e) == -1)
		return -1;
	config_report_skipped(&r->cfg, o->verbose);
	if (queue_dirs(&r->cfg, o->account, &r->dirs, e) == -1) {
		config_free(&r->cfg);
		return -1;
	}
	r->now = o->now != 0 ? o->now : (long long)time(NULL);
	r->config = config_id(r->cfg.path);
	return 0;
}

static void
close_queue(struct qrun *r)
{
	for (size_t i = 0; i < r->npw; i++)
		if (r->pw[i].pw != NULL) {
			explicit_bzero(r->pw[i].pw, strlen(r->pw[i].pw));
			free(r->pw[i].pw);
		}
	strlist_free(&r->dirs);
	config_free(&r->cfg);
	free(r->config);
}

/* ---- entries in parallel (mx_parallel) ----
 * The entries of a directory are split into groups that share no
 * destination: two entries with a pending recipient at the same domain
 * (or sent through the same smarthost account) are in the same group, by
 * union-find over (destination, entry) pairs.  Each group is run by one
 * child process (workers.h), up to the default account's mx_parallel at
 * once, entry after entry as a sequential run does, with its own kept
 * sessions: one session per destination still serves all its messages,
 * and each entry is locked, attempted, recorded and settled by the one
 * process that delivered it.  The children send back only what the run
 * reports: counts, problems, notices written, entries left for another
 * configuration.  A message for several domains ties them into one group:
 * at worst (one message to every domain) the run is sequential, as
 * before. */

struct dest_key {
	char	*key;
	size_t	 entry;
};

#define NO_GROUP	((size_t)-1)

static int
cmp_dest_key(const void *a, const void *b)
{
	return strcmp(((const struct dest_key *)a)->key,
	    ((const struct dest_key *)b)->key);
}

static size_t
uf_find(size_t *up, size_t i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/* The destinations of entry i (ids->v[i]) as keys: its account's name for
 * a smarthost, else each pending recipient's domain; an entry this run
 * cannot read or send gets a key of its own.  false: the entry is not
 * due (--due), no child need be started for it. */
static bool
entry_keys(struct qrun *r, const char *id, size_t i, struct dest_key **v,
    size_t *n)
{
	const struct account *a = NULL;
	struct queue_env q;
	struct err e;
	size_t before = *n;

	memset(&q, 0, sizeof(q));
	if (queuefile_load_env(r->dir, id, &q, &e) == 0 &&
	    (a = entry_account(r, &q, &e)) != NULL && !entry_due(r, &q, a)) {
		queuefile_env_free(&q);
		return false;
	}
	if (a != NULL) {
		for (size_t j = 0; j < q.nrcpts; j++) {
			const char *d = strrchr(q.rcpts[j].addr, '@');
			char *k;

			if (q.rcpts[j].state != QR_PENDING)
				continue;
			if (a->host != NULL)
				k = xasprintf("relay %s", a->name);
			else {
				k = xasprintf("mx %s", d != NULL ? d + 1 : "");
				for (char *c = k; *c != '\0'; c++)
					*c = (char)ascii_tolower(*c);
			}
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			(*v)[(*n)++] = (struct dest_key){ k, i };
		}
	}
	queuefile_env_free(&q);
	if (*n == before) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = (struct dest_key){ xasprintf("entry %s", id), i };
	}
	return true;
}

/* group[i] for each of ids (numbered from 0 in order of their first
 * entry; NO_GROUP for an entry not due); returns the number of groups. */
static size_t
group_entries(struct qrun *r, const struct strlist *ids, size_t *group)
{
	struct dest_key *v = NULL;
	size_t n = 0, ngroups = 0;
	size_t *up = xcalloc(ids->n, sizeof(*up));
	size_t *num = xcalloc(ids->n, sizeof(*num));

	for (size_t i = 0; i < ids->n; i++) {
		up[i] = i;
		group[i] = entry_keys(r, ids->v[i], i, &v, &n) ? 0 : NO_GROUP;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_dest_key);
	for (size_t k = 1; k < n; k++)
		if (strcmp(v[k].key, v[k - 1].key) == 0)
			up[uf_find(up, v[k].entry)] = uf_find(up, v[k - 1].entry);
	for (size_t i = 0; i < ids->n; i++) {
		size_t root = uf_find(up, i);

		if (group[i] == NO_GROUP)
			continue;
		if (num[root] == 0)
			num[root] = ++ngroups;
		group[i] = num[root] - 1;
	}
	for (size_t k = 0; k < n; k++)
		free(v[k].key);
	free(v);
	free(up);
	free(num);
	return ngroups;
}

enum { QREC_COUNTS = 'C', QREC_PROBLEM = 'P', QREC_NOTICE = 'N',
    QREC_NEED = 'A' };

struct qrec_counts {
	char	 kind;
	size_t	 sent, deferred, failed, busy, not_due, bad, notices;
};

/* A text record: the kind, then NUL-separated strings (cut to fit). */
static void
send_text(struct workers_out *out, char kind, const char *a, const char *b,
    size_t n)
{
	char rec[WORKERS_RECORD_MAX];
	size_t half = (sizeof(rec) - 2 - sizeof(n)) / 2;
	size_t la = strlen(a), lb = b != NULL ? strlen(b) : 0;

	la = la < half - 1 ? la : half - 1;
	lb = lb < half - 1 ? lb : half - 1;
	rec[0] = kind;
	memcpy(rec + 1, &n, sizeof(n));
	memcpy(rec + 1 + sizeof(n), a, la);
	rec[1 + sizeof(n) + la] = '\0';
	memcpy(rec + 2 + sizeof(n) + la, b != NULL ? b : "", lb);
	rec[2 + sizeof(n) + la + lb] = '\0';
	workers_send(out, rec, 3 + sizeof(n) + la + lb);
}

struct qpar {
	struct qrun *r;
	const struct strlist *ids;
	const size_t *group;
	bool	*done;			/* per group: its child was reaped */
};

/* In the child: the group's entries, as a sequential run does them; then
 * what the run reports, sent back. */
static void
qpar_run(void *arg, size_t g, struct workers_out *out)
{
	struct qpar *p = arg;
	struct qrun *r = p->r;
	struct queue_stats st;
	struct qrec_counts c = { .kind = QREC_COUNTS };

	/* The parent's kept sessions are the parent's: this child makes its
	 * own (and never closes the parent's, which would QUIT them). */
	r->cache = delivery_cache_new();
	memset(&st, 0, sizeof(st));
	strlist_init(&st.problems);
	r->st = &st;
	strlist_init(&r->notices);
	r->need = NULL;
	r->nneed = 0;
	for (size_t i = 0; i < p->ids->n; i++)
		if (p->group[i] == g)
			run_entry(r, p->ids->v[i]);
	delivery_cache_close(r->cache);
	c.sent = st.sent;
	c.deferred = st.deferred;
	c.failed = st.failed;
	c.busy = st.busy;
	c.not_due = st.not_due;
	c.bad = st.bad;
	c.notices = st.notices;
	workers_send(out, &c, sizeof(c));
	for (size_t i = 0; i < st.problems.n; i++)
		send_text(out, QREC_PROBLEM, st.problems.v[i], NULL, 0);
	for (size_t i = 0; i < r->notices.n; i++)
		send_text(out, QREC_NOTICE, r->notices.v[i], NULL, 0);
	for (size_t i = 0; i < r->nneed; i++)
		send_text(out, QREC_NEED, r->need[i].config,
		    r->need[i].account, r->need[i].n);
}

/* In the parent: fold one record into the run. */
static void
qpar_take(void *arg, size_t g, const void *rec, size_t len)
{
	struct qpar *p = arg;
	struct qrun *r = p->r;
	const char *t = rec;
	const char *a, *b;
	size_t n;

	(void)g;
	if (len == sizeof(struct qrec_counts) && t[0] == QREC_COUNTS) {
		struct qrec_counts c;

		memcpy(&c, rec, sizeof(c));
		r->st->sent += c.sent;
		r->st->deferred += c.deferred;
		r->st->failed += c.failed;
		r->st->busy += c.busy;
		r->st->not_due += c.not_due;
		r->st->bad += c.bad;
		r->st->notices += c.notices;
		return;
	}
	/* kind, n, a NUL, b NUL (send_text) */
	if (len < 3 + sizeof(n) || t[len - 1] != '\0')
		return;
	memcpy(&n, t + 1, sizeof(n));
	a = t + 1 + sizeof(n);
	b = a + strlen(a) + 1;
	if (b >= t + len)
		return;
	if (t[0] == QREC_PROBLEM)
		strlist_add(&r->st->problems, a);
	else if (t[0] == QREC_NOTICE)
		strlist_add(&r->notices, a);
	else if (t[0] == QREC_NEED)
		need_add(r, a, b, n);
}

static void
qpar_done(void *arg, size_t g, bool finished, const char *how)
{
	struct qpar *p = arg;
	const char *first = NULL;
	size_t n = 0;

	p->done[g] = true;
	if (finished)
		return;
	for (size_t i = 0; i < p->ids->n; i++)
		if (p->group[i] == g && n++ == 0)
			first = p->ids->v[i];
	strlist_take(&p->r->st->problems, xasprintf("the process running "
	    "%zu entr%s (first %s) %s; they stay queued as it left them", n,
	    n == 1 ? "y" : "ies", first != NULL ? first : "-", how));
}

/* The entries ids of r->dir: groups in parallel when there are several
 * and the default account's mx_parallel allows, else one after another. */
static void
run_entries(struct qrun *r, const struct strlist *ids)
{
	const struct workers_ops ops = { .run = qpar_run, .take = qpar_take,
	    .done = qpar_done };
	const struct account *dflt;
	struct qpar p = { .r = r, .ids = ids };
	size_t *group, ngroups, max;
	struct err e;

	dflt = config_select(&r->cfg, NULL, NULL, &e);
	max = dflt != NULL && dflt->mx_parallel > 1 ?
	    (size_t)dflt->mx_parallel : 1;
	if (ids->n < 2 || max < 2) {
		for (size_t i = 0; i < ids->n; i++)
			run_entry(r, ids->v[i]);
		return;
	}
	group = xcalloc(ids->n, sizeof(*group));
	ngroups = group_entries(r, ids, group);
	if (ngroups < 2) {
		for (size_t i = 0; i < ids->n; i++)
			run_entry(r, ids->v[i]);
		free(group);
		return;
	}
	for (size_t i = 0; i < ids->n; i++)	/* counted as not due */
		if (group[i] == NO_GROUP)
			run_entry(r, ids->v[i]);
	p.group = group;
	p.done = xcalloc(ngroups, sizeof(*p.done));
	if (workers_run(ngroups, max, &ops, &p, &e) == -1) {
		strlist_add(&r->st->problems, e.msg);
		for (size_t i = 0; i < ids->n; i++)	/* those not started */
			if (group[i] != NO_GROUP && !p.done[group[i]])
				run_entry(r, ids->v[i]);
	}
	free(p.done);
	free(group);
}

/* One queue directory, r->dir. */
static int
run_dir(struct qrun *r, struct err *e)
{
	struct strlist envs, msgs;
	struct err de;
	int rc;

	/* Someone else's directory is not ours to read from or write to. */
	if (queuefile_check_dirs(r->dir, e) == -1)
		return -1;
	rc = list_ids(r->dir, ".env", &envs, e);
	if (rc == 0)
		rc = list_ids(r->dir, ".msg", &msgs, e);
	if (rc == -1) {
		strlist_free(&envs);
		return -1;
	}
	clean_tmp(r);
	strlist_init(&r->notices);
	run_entries(r, &envs);
	/* Notices written by this run go out now (a notice never makes
	 * another, so this ends). */
	for (size_t i = 0; i < r->notices.n; i++)
		run_entry(r, r->notices.v[i]);
	strlist_free(&r->notices);
	for (size_t i = 0; i < msgs.n; i++)
		if (!sorted_has(&envs, msgs.v[i]))
			reap_orphan(r, msgs.v[i]);
	/* Removals of delivered entries become durable here, once. */
	if (envs.n > 0 && queuefile_fsync_dir(r->dir, &de) == -1)
		strlist_add(&r->st->problems, de.msg);
	strlist_free(&envs);
	strlist_free(&msgs);
	return 0;
}

void
queue_stats_free(struct queue_stats *st)
{
	strlist_free(&st->problems);
}

int
queue_notice_refused(const char *config_file, const struct account *a,
    const struct report *rep, struct err *e)
{
	struct queue_opts o = { .config_file = config_file };
	struct queue_stats st;
	struct qrun r = { .o = &o, .st = &st };
	const char *slash = strrchr(rep->saved, '/');
	char *fdir, *dir, *id;
	struct queue_env q;
	bool any_sent = false;
	int rc = 0;

	/* Only a copy kept in some queue_dir/failed/ID.eml, and only when
	 * a recipient has the message: otherwise the exit code tells. */
	for (size_t i = 0; i < rep->n; i++)
		any_sent |= rep->v[i].outcome == OUT_SENT ||
		    rep->v[i].outcome == OUT_QUEUED;
	if (!any_sent || slash == NULL || strlen(slash) < 5 ||
	    strcmp(slash + strlen(slash) - 4, ".eml") != 0)
		return 0;
	memset(&st, 0, sizeof(st));
	fdir = xstrndup(rep->saved, (size_t)(slash - rep->saved));
	id = xstrndup(slash + 1, strlen(slash + 1) - 4);
	/* fdir is DIR/failed (queue_save_failed's). */
	dir = xstrndup(fdir, strrchr(fdir, '/') != NULL ?
	    (size_t)(strrchr(fdir, '/') - fdir) : 0);
	if (open_queue(&r, &o, e) == -1)
		rc = -1;
	else {
		if (queuefile_load_env(fdir, id, &q, e) == -1)
			rc = -1;
		else {
			r.dir = dir;
			r.cache = delivery_cache_new();
			strlist_init(&r.notices);
			queue_notice(&r, &q, a, NOTICE_FAILED, rep->saved);
			for (size_t i = 0; i < r.notices.n; i++)
				run_entry(&r, r.notices.v[i]);
			strlist_free(&r.notices);
			delivery_cache_close(r.cache);
			queuefile_env_free(&q);
		}
		close_queue(&r);
	}
	free(dir);
	free(id);
	free(fdir);
	return rc;
}

int
queue_metrics(const struct config *cfg, const struct account *a,
    const struct report *rep, struct metrics_update *u, struct err *e)
{
	struct strlist dirs;
	bool all_sent = true, queued = false, refused = false;
	int rc;

	if (a == NULL || a->metrics_file == NULL)
		return 0;
	for (size_t i = 0; rep != NULL && i < rep->n; i++) {
		all_sent &= rep->v[i].outcome == OUT_SENT;
		queued |= rep->v[i].outcome == OUT_QUEUED;
		refused |= rep->v[i].outcome == OUT_PERMFAIL;
	}
	if (rep != NULL && rep->n > 0) {
		u->sent += all_sent;
		u->deferred += queued;
		u->failed += refused;
	}
	if (u->now == 0)
		u->now = (long long)time(NULL);
	if (queue_dirs(cfg, NULL, &dirs, e) == -1)
		return -1;
	rc = metrics_write(a->metrics_file, &dirs, u, e);
	strlist_free(&dirs);
	return rc;
}

/* The end of a run: the default account's metrics_file (set it in
 * "defaults"), its trouble reported like a bad entry. */
static void
run_metrics(struct qrun *r, bool ok)
{
	struct metrics_update u = {
		.sent = r->st->sent, .deferred = r->st->deferred,
		.failed = r->st->failed, .notices = r->st->notices,
		.queue_run = true, .queue_run_ok = ok, .now = r->now,
	};
	const struct account *a;
	struct err e;

	err_clear(&e);
	a = config_select(&r->cfg, NULL, NULL, &e);
	if (queue_metrics(&r->cfg, a, NULL, &u, &e) == -1)
		strlist_add(&r->st->problems, e.msg);
}

int
queue_run(const struct queue_opts *o, struct queue_stats *st,
    struct err *e)
{
	struct qrun r = { .o = o, .st = st };
	struct err de;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	strlist_init(&st->problems);
	if (open_queue(&r, o, e) == -1)
		return -1;
	r.cache = delivery_cache_new();
	/* A directory that cannot be read, or is refused, does not keep the
	 * others from their run; the first such is the error, the others
	 * are problems. */
	for (size_t i = 0; i < r.dirs.n; i++) {
		r.dir = r.dirs.v[i];
		if (run_dir(&r, &de) == -1) {
			if (rc == 0)
				*e = de;
			else
				strlist_add(&st->problems, de.msg);
			rc = -1;
		}
	}
	delivery_cache_close(r.cache);
	report_needs(&r);
	run_metrics(&r, rc == 0);
	close_queue(&r);
	return rc;
}

/* ---- mailq, --queue-delete ---- */

static void
fmt_age(long long s, char *out, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(out, len, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

static void
list_one(struct qrun *r, const char *id, struct buf *b, off_t *total)
{
	char *msg = xasprintf("%s/%s.msg", r->dir, id);
	char age[32], next[32];
	struct queue_env q;
	struct stat sb;
	struct err e;
	int rc;

	if ((rc = queuefile_load_env(r->dir, id, &q, &e)) != 0) {
		if (rc == -1)	/* 1: gone meanwhile */
			buf_printf(b, "%s  (unreadable: %s)\n", id, e.msg);
		free(msg);
		return;
	}
	if (lstat(msg, &sb) == -1)
		sb.st_size = 0;
	*total += sb.st_size;
	fmt_age(r->now - q.created, age, sizeof(age));
	fmt_age(q.next_try - r->now, next, sizeof(next));
	buf_printf(b, "%s  %8lld  %6s  %s\n", id, (long long)sb.st_size, age,
	    *q.from != '\0' ? q.from : "<>");
	for (size_t i = 0; i < q.nrcpts; i++)
		if (q.rcpts[i].state != QR_SENT)
			buf_printf(b, "    %s%s\n", q.rcpts[i].addr,
			    q.rcpts[i].state == QR_FAILED ? " (refused)" : "");
	buf_printf(b, "    attempts %d, next try %s%s\n", q.attempts,
	    q.next_try <= r->now ? "now" : "in ", q.next_try <= r->now ?
	    "" : next);
	if (q.last_error != NULL)
		buf_printf(b, "    last error: %s\n", q.last_error);
	queuefile_env_free(&q);
	free(msg);
}

/* Where refused and expired messages are, so that mailq's reader can
 * find them: failed/ID.eml is the message, failed/ID.env the reasons. */
static void
list_failed(const char *dir, struct buf *b)
{
	char *fdir = xasprintf("%s/failed", dir);
	struct strlist ids;
	struct err e;

	if (list_ids(fdir, ".env", &ids, &e) == 0 && ids.n > 0)
		buf_printf(b, "-- %zu failed message%s in %s (ID.eml the "
		    "message, ID.env its recipients and reasons)\n", ids.n,
		    ids.n == 1 ? "" : "s", fdir);
	strlist_free(&ids);
	free(fdir);
}

/* One entry of dir (r->dir or its failed/) as a JSON line. */
static void
json_one(struct qrun *r, const char *dir, const char *id,
    const char *queue_name, const char *msg_suffix, struct buf *b)
{
	char *msg = xasprintf("%s/%s%s", dir, id, msg_suffix);
	struct queue_env q;
	struct stat sb;
	struct err e;
	bool first = true;

	if (queuefile_load_env(dir, id, &q, &e) != 0) {	/* gone, broken */
		free(msg);
		return;
	}
	if (stat(msg, &sb) == -1)
		sb.st_size = 0;
	buf_addc(b, '{');
	json_add_key(b, "queue_name", 1);
	json_add_string(b, queue_name);
	json_add_key(b, "queue_id", 0);
	json_add_string(b, q.id);
	json_add_key(b, "queue_dir", 0);
	json_add_string(b, r->dir);
	json_add_key(b, "arrival_time", 0);
	buf_printf(b, "%lld", q.created);
	json_add_key(b, "message_size", 0);
	buf_printf(b, "%lld", (long long)sb.st_size);
	json_add_key(b, "sender", 0);
	json_add_string(b, q.from);
	json_add_key(b, "account", 0);
	json_add_string(b, q.account);
	json_add_key(b, "attempts", 0);
	buf_printf(b, "%d", q.attempts);
	json_add_key(b, "next_attempt", 0);
	buf_printf(b, "%lld", q.next_try);
	json_add_key(b, "recipients", 0);
	buf_addc(b, '[');
	for (size_t i = 0; i < q.nrcpts; i++) {
		if (q.rcpts[i].state == QR_SENT)
			continue;
		buf_adds(b, first ? "{" : ",{");
		first = false;
		json_add_key(b, "address", 1);
		json_add_string(b, q.rcpts[i].addr);
		json_add_key(b, "delay_reason", 0);
		json_add_string(b, q.rcpts[i].reason != NULL ?
		    q.rcpts[i].reason : "");
		buf_addc(b, '}');
	}
	buf_adds(b, "]}\n");
	queuefile_env_free(&q);
	free(msg);
}

/* r->dir's entries and failed/ as JSON lines. */
static void
json_dir(struct qrun *r, const struct strlist *ids, struct buf *b)
{
	char *fdir = xasprintf("%s/failed", r->dir);
	struct strlist failed;
	struct err e;

	for (size_t i = 0; i < ids->n; i++)
		json_one(r, r->dir, ids->v[i], "deferred", ".msg", b);
	if (list_ids(fdir, ".env", &failed, &e) == 0)
		for (size_t i = 0; i < failed.n; i++)
			json_one(r, fdir, failed.v[i], "failed", ".eml", b);
	strlist_free(&failed);
	free(fdir);
}

/* r->dir's listing (ids: its entries), and its failed/ line. */
static void
list_dir(struct qrun *r, const struct strlist *ids, bool name_dir,
    struct buf *b)
{
	off_t total = 0;

	if (ids->n > 0) {
		if (name_dir)
			buf_printf(b, "== %s\n", r->dir);
		buf_printf(b, "%-22s  %8s  %6s  %s\n", "Queue ID", "Size",
		    "Age", "Sender / Recipients");
		for (size_t i = 0; i < ids->n; i++)
			list_one(r, ids->v[i], b, &total);
		buf_printf(b, "-- %zu message%s, %lld bytes in %s\n", ids->n,
		    ids->n == 1 ? "" : "s", (long long)total, r->dir);
	}
	list_failed(r->dir, b);
}

/* A user's mailq shows the system's queue too, when the user can open it
 * (its envelopes are listed; what the user cannot read is said so). */
static void
add_system_queue(struct strlist *dirs)
{
	struct strlist seen;
	DIR *d;

	if (getuid() == 0 || (d = opendir(QUEUE_SYSTEM_DIR)) == NULL)
		return;
	closedir(d);
	strlist_init(&seen);
	for (size_t i = 0; i < dirs->n; i++) {
		char *real = realpath(dirs->v[i], NULL);

		strlist_take(&seen, real != NULL ? real : xstrdup(dirs->v[i]));
	}
	add_dir(dirs, &seen, xstrdup(QUEUE_SYSTEM_DIR));
	strlist_free(&seen);
}

/* The system queue's snapshot (SYSMODE_MAILQ_JSON or _TXT), opened when
 * it is what the account published: a regular file owned by the
 * account, not a link.  NULL when there is none. */
static FILE *
open_snapshot(const char *path, struct stat *sb)
{
	struct stat d;
	FILE *f;
	int fd;

	if (stat(SYSMODE_DROP_DIR, &d) == -1 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode) ||
	    sb->st_uid != d.st_uid || sb->st_uid == 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	return f;
}

/* A user's mailq: after the user's own listing, the system queue as the
 * account last published it (users cannot read that queue: sysmode.h),
 * saying when; with --json, each line gets its "snapshot_time".  Streamed
 * a line at a time.  Nothing when there is no snapshot. */
static int
add_snapshot(const struct queue_opts *o, int fd, struct err *e)
{
	struct stat sb;
	struct buf b;
	char *line = NULL, when[32];
	size_t cap = 0;
	ssize_t n;
	struct tm tm;
	FILE *f;
	int rc = 0;

	if (o->snapshot || getuid() == 0 || sysmode_is_account() ||
	    (f = open_snapshot(o->json ? SYSMODE_MAILQ_JSON :
	    SYSMODE_MAILQ_TXT, &sb)) == NULL)
		return 0;
	buf_init(&b);
	if (!o->json) {
		localtime_r(&sb.st_mtime, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		buf_printf(&b, "== system queue as of %s (%lld s ago; %s)\n",
		    when, (long long)(time(NULL) - sb.st_mtime),
		    SYSMODE_QUEUE_DIR);
	}
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		if (o->json && n >= 2 && line[n - 1] == '\n' &&
		    line[n - 2] == '}') {
			buf_add(&b, line, (size_t)n - 2);
			buf_printf(&b, ",\"snapshot_time\":%lld}\n",
			    (long long)sb.st_mtime);
		} else if (!o->json)
			buf_add(&b, line, (size_t)n);
		if (write_all(fd, b.data, b.len) == -1)
			rc = err_sys(e, EX_IOERR, "writing the queue listing");
		b.len = 0;
	}
	if (rc == 0 && b.len > 0 && write_all(fd, b.data, b.len) == -1)
		rc = err_sys(e, EX_IOERR, "writing the queue listing");
	free(line);
	buf_free(&b);
	fclose(f);
	return rc;
}

int
queue_publish(const struct queue_opts *o, struct err *e)
{
	static const char *const paths[] = { SYSMODE_MAILQ_JSON,
	    SYSMODE_MAILQ_TXT };
	struct queue_opts so = *o;
	int rc = 0;

	so.snapshot = true;
	so.verbose = false;
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		char *tmp = xasprintf("%s.tmp", paths[i]);
		int fd;

		so.json = i == 0;
		(void)unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd == -1)
			rc = err_sys(e, EX_CANTCREAT, "cannot write %s", tmp);
		else if (fchmod(fd, 0644) == -1)
			rc = err_sys(e, EX_CANTCREAT, "cannot write %s", tmp);
		if (fd != -1 && rc == 0)
			rc = queue_list(&so, fd, e);
		if (fd != -1 && close(fd) == -1 && rc == 0)
			rc = err_sys(e, EX_CANTCREAT, "cannot write %s", tmp);
		if (rc == 0 && rename(tmp, paths[i]) == -1)
			rc = err_sys(e, EX_CANTCREAT, "cannot rename %s", tmp);
		if (rc == -1)
			(void)unlink(tmp);
		free(tmp);
	}
	return rc;
}

int
queue_list(const struct queue_opts *o, int fd, struct err *e)
{
	struct qrun r = { .o = o };
	struct strlist *ids;
	size_t full = 0;
	struct buf b;
	struct err de;
	int rc = 0;

	if (open_queue(&r, o, e) == -1)
		return -1;
	if (!o->snapshot)
		add_system_queue(&r.dirs);
	ids = xcalloc(r.dirs.n, sizeof(*ids));
	for (size_t i = 0; i < r.dirs.n; i++) {
		if (list_ids(r.dirs.v[i], ".env", &ids[i], &de) == -1 &&
		    rc == 0) {
			*e = de;
			rc = -1;
		}
		full += ids[i].n > 0;
	}
	buf_init(&b);
	if (full == 0 && !o->json)
		buf_adds(&b, "Mail queue is empty\n");
	for (size_t i = 0; i < r.dirs.n; i++) {
		r.dir = r.dirs.v[i];
		if (o->json)
			json_dir(&r, &ids[i], &b);
		else
			list_dir(&r, &ids[i], full > 1, &b);
		strlist_free(&ids[i]);
	}
	if (write_all(fd, b.data, b.len) == -1 && rc == 0)
		rc = err_sys(e, EX_IOERR, "writing the queue listing");
	free(ids);
	buf_free(&b);
	close_queue(&r);
	if (add_snapshot(o, fd, &de) == -1 && rc == 0) {
		*e = de;
		rc = -1;
	}
	return rc;
}

static int
delete_locked(struct qrun *r, const char *id, int fd, struct err *e)
{
	char *env = xasprintf("%s/%s.env", r->dir, id);
	char *msg = xasprintf("%s/%s.msg", r->dir, id);
	int rc = 0;

	if (unlink(env) == -1)
		rc = errno == ENOENT ?
		    err_set(e, EX_NOINPUT, "no message %s in %s", id, r->dir) :
		    err_sys(e, EX_CANTCREAT, "cannot remove %s", env);
	if (rc == 0 && unlink(msg) == -1 && errno != ENOENT)
		rc = err_sys(e, EX_CANTCREAT, "cannot remove %s", msg);
	if (rc == 0)
		rc = queuefile_fsync_dir(r->dir, e);
	close(fd);
	free(env);
	free(msg);
	return rc;
}

int
queue_delete(const struct queue_opts *o, const char *id, struct err *e)
{
	struct qrun r = { .o = o };
	int fd = -1, rc;

	if (!queuefile_id_valid(id))
		return err_set(e, EX_USAGE, "'%s' is not a queue id (see mailq)",
		    id);
	if (open_queue(&r, o, e) == -1)
		return -1;
	for (size_t i = 0; i < r.dirs.n && fd == -1; i++) {
		char *msg = xasprintf("%s/%s.msg", r.dirs.v[i], id);

		r.dir = r.dirs.v[i];
		rc = queuefile_check_dirs(r.dir, e);
		if (rc == 0)
			rc = safefile_open(msg, O_RDONLY, geteuid(), NULL, &fd,
			    e);
		free(msg);
		if (rc == -1) {
			close_queue(&r);
			return -1;
		}
	}
	if (fd == -1)
		rc = r.dirs.n == 1 ?
		    err_set(e, EX_NOINPUT, "no message %s in %s", id, r.dir) :
		    err_set(e, EX_NOINPUT, "no message %s in any of the %zu "
		    "queue directories", id, r.dirs.n);
	else if (!lock_nb(fd)) {
		close(fd);
		rc = err_set(e, EX_TEMPFAIL, "message %s is being delivered "
		    "right now; try again", id);
	} else
		rc = delete_locked(&r, id, fd, e);
	close_queue(&r);
	return rc;
}
