/*
 * queuefile.c — the queue's files: the state file format and the crash-safe
 * writes of an entry (see queuefile.h).
 *
 * A file reaches its name only by rename from tmp/, after fsync, and the
 * directory is fsync'd before anyone is told it is there.  queuefile_add keeps
 * the new ID.msg flock'ed until its ID.env is in place, so that a queue
 * run never takes it for the leftover of a killed submission.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "queuefile.h"
#include "safefile.h"
#include "wire.h"

#define QUEUE_VERSION_LINE	"postie-queue 1"

/* ---- ids, directories, small file helpers ---- */

bool
queuefile_id_valid(const char *id)
{
	size_t n = strspn(id, "0123456789ABCDEF");

	return n >= 8 && n < QUEUE_ID_MAX && id[n] == '\0';
}

static void
new_id(char id[QUEUE_ID_MAX])
{
	struct timespec ts;
	unsigned int rnd = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (unsigned int)getpid() * 2654435761u ^
		    (unsigned int)ts.tv_nsec;
	snprintf(id, QUEUE_ID_MAX, "%09llX%05lX%08X",
	    (unsigned long long)ts.tv_sec & 0xFFFFFFFFFULL,
	    (unsigned long)(ts.tv_nsec / 1000), rnd);
}

int
queuefile_fsync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return err_sys(e, EX_CANTCREAT, "cannot open %s", dir);
	if (fsync(fd) == -1) {
		err_sys(e, EX_CANTCREAT, "cannot sync %s", dir);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* mkdir -p, each new level 0700.  A level made here is synced into its
 * parent: the first message queued must not vanish with a directory
 * that a crash forgot. */
static int
make_dirs(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s, *slash;

		*s = '\0';
		if (mkdir(p, 0700) == 0) {
			if ((slash = strrchr(p, '/')) == NULL)
				rc = queuefile_fsync_dir(".", e);
			else {
				*slash = '\0';
				rc = queuefile_fsync_dir(slash == p ? "/" : p,
				    e);
				*slash = '/';
			}
		} else if (errno != EEXIST)
			rc = err_sys(e, EX_CANTCREAT, "cannot create %s", p);
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* The queue directory with its tmp/ and failed/. */
int
queuefile_prepare_dirs(const char *dir, struct err *e)
{
	char *sub = xasprintf("%s/tmp", dir);
	int rc = make_dirs(sub, e);

	free(sub);
	if (rc == 0) {
		sub = xasprintf("%s/failed", dir);
		rc = make_dirs(sub, e);
		free(sub);
	}
	return rc == 0 ? queuefile_check_dirs(dir, e) : -1;
}

/* A directory that someone else owns or can write is someone else's: its
 * files could be links to ours, and our writes could land in theirs. */
int
queuefile_check_dirs(const char *dir, struct err *e)
{
	static const char *const subs[] = { "tmp", "failed" };
	int rc = safefile_check_dir(dir, true, e);

	for (size_t i = 0; i < 2 && rc != -1; i++) {
		char *sub = xasprintf("%s/%s", dir, subs[i]);

		rc = safefile_check_dir(sub, false, e);
		free(sub);
	}
	return rc == -1 ? -1 : 0;
}

/* Read a whole (small) file, checked as safefile_open does (owner: the
 * owner of the directory it is in): 0, 1 when there is no such file, or
 * -1 with e (a refused file, a read error, more than max bytes). */
static int
read_small(const char *path, uid_t owner, size_t max, struct buf *out,
    struct err *e)
{
	int fd, rc = safefile_open(path, O_RDONLY, owner, NULL, &fd, e);

	if (rc != 0)
		return rc;
	if (read_all_max(fd, max, out) == -1)
		rc = err_sys(e, EX_IOERR, "cannot read %s", path);
	close(fd);
	return rc;
}

/* ---- the state file ---- */

void
queuefile_env_free(struct queue_env *q)
{
	for (size_t i = 0; i < q->nrcpts; i++) {
		free(q->rcpts[i].addr);
		free(q->rcpts[i].reason);
		free(q->rcpts[i].status);
		free(q->rcpts[i].mta);
		free(q->rcpts[i].reply);
	}
	free(q->rcpts);
	free(q->account);
	free(q->config);
	free(q->from);
	free(q->dsn_notify);
	free(q->dsn_ret);
	free(q->dsn_envid);
	free(q->fullname);
	free(q->last_error);
	memset(q, 0, sizeof(*q));
}

static const char *const rcpt_states[] = { "pending", "sent", "failed" };

/* Bytes kept of one field: a line of four (a recipient's) stays far
 * under QUEUE_LINE_MAX, whatever an account name's length. */
#define QUEUE_FIELD_MAX		(QUEUE_LINE_MAX / 4 - 16)

/* Text as one field: no line ends, no tabs, and no other control
 * character either (queuefile_env_parse refuses them, and -V or a reason can
 * hold any); at most QUEUE_FIELD_MAX bytes. */
static void
add_field_max(struct buf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n < max; s++, n++) {
		unsigned char c = (unsigned char)*s;

		buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : *s);
	}
}

static void
add_field(struct buf *b, const char *s)
{
	add_field_max(b, s, QUEUE_FIELD_MAX);
}

static void
add_kv(struct buf *b, const char *key, const char *val)
{
	if (val == NULL)
		return;
	buf_printf(b, "%s ", key);
	add_field(b, val);
	buf_addc(b, '\n');
}

void
queuefile_env_format(const struct queue_env *q, struct buf *b)
{
	buf_printf(b, "%s\nid %s\ncreated %lld\n", QUEUE_VERSION_LINE, q->id,
	    q->created);
	add_kv(b, "config", q->config);
	add_kv(b, "account", q->account);
	add_kv(b, "from", q->from != NULL ? q->from : "");
	add_kv(b, "notify", q->dsn_notify);
	add_kv(b, "ret", q->dsn_ret);
	add_kv(b, "envid", q->dsn_envid);
	add_kv(b, "fullname", q->fullname);
	if (q->from_unset)
		buf_adds(b, "fromunset 1\n");
	if (q->body_8bit_hint)
		buf_adds(b, "body8bit 1\n");
	if (q->notice)
		buf_adds(b, "notice 1\n");
	if (q->delay_noticed > 0)
		buf_printf(b, "delaynoticed %lld\n", q->delay_noticed);
	buf_printf(b, "attempts %d\nnext %lld\nlast %lld\n", q->attempts,
	    q->next_try, q->last_try);
	add_kv(b, "error", q->last_error);
	for (size_t i = 0; i < q->nrcpts; i++) {
		const struct queue_rcpt *r = &q->rcpts[i];

		buf_printf(b, "rcpt\t%s\t%d\t", rcpt_states[r->state], r->ex);
		add_field(b, r->addr);
		buf_addc(b, '\t');
		add_field_max(b, r->reason, QUEUE_REASON_MAX);
		buf_addc(b, '\n');
		if (r->code == 0)
			continue;
		buf_printf(b, "said\t%d\t", r->code);
		add_field_max(b, r->status, 15);
		buf_addc(b, '\t');
		add_field_max(b, r->mta, QUEUE_MTA_MAX);
		buf_addc(b, '\t');
		add_field_max(b, r->reply, QUEUE_REASON_MAX);
		buf_addc(b, '\n');
	}
	buf_adds(b, "end\n");
}

static int
parse_ll(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "rcpt\tSTATE\tEX\tADDR\tREASON" (the "rcpt\t" already skipped). */
static int
parse_rcpt(struct queue_env *q, char *s, struct err *e)
{
	char *f[4];
	struct queue_rcpt r = { 0 };
	long long ex;
	size_t k;

	for (k = 0; k < 3; k++) {
		f[k] = s;
		if ((s = strchr(s, '\t')) == NULL)
			return err_set(e, EX_DATAERR, "rcpt: too few fields");
		*s++ = '\0';
	}
	f[3] = s;
	for (k = 0; k < 3 && strcmp(f[0], rcpt_states[k]) != 0; k++)
		;
	if (k == 3)
		return err_set(e, EX_DATAERR, "rcpt: unknown state");
	if (parse_ll(f[1], 0, 255, &ex) == -1)
		return err_set(e, EX_DATAERR, "rcpt: bad exit code");
	if (address_check_path(f[2], false, e) == -1)
		return -1;
	r.state = (enum queue_rcpt_state)k;
	r.ex = (int)ex;
	r.addr = xstrdup(f[2]);
	r.reason = *f[3] != '\0' ? xstrdup(f[3]) : NULL;
	q->rcpts = xreallocarray(q->rcpts, q->nrcpts + 1, sizeof(*q->rcpts));
	q->rcpts[q->nrcpts++] = r;
	return 0;
}

/* An enhanced status code: class.subject.detail, digits (RFC 3463). */
static bool
status_valid(const char *s)
{
	size_t n = strlen(s), dots = 0;

	if (n < 5 || n > 9 || (s[0] != '2' && s[0] != '4' && s[0] != '5'))
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return dots == 2;
}

/* "said\tCODE\tSTATUS\tMTA\tREPLY" (the "said\t" already skipped): the
 * reply behind the recipient on the line before. */
static int
parse_said(struct queue_env *q, char *s, struct err *e)
{
	char *f[4];
	struct queue_rcpt *r;
	long long code;

	if (q->nrcpts == 0)
		return err_set(e, EX_DATAERR, "said: no rcpt line before it");
	r = &q->rcpts[q->nrcpts - 1];
	if (r->code != 0)
		return err_set(e, EX_DATAERR, "said: given twice for one rcpt");
	for (size_t k = 0; k < 3; k++) {
		f[k] = s;
		if ((s = strchr(s, '\t')) == NULL)
			return err_set(e, EX_DATAERR, "said: too few fields");
		*s++ = '\0';
	}
	f[3] = s;
	if (parse_ll(f[0], 200, 599, &code) == -1)
		return err_set(e, EX_DATAERR, "said: bad reply code");
	if (*f[1] != '\0' && !status_valid(f[1]))
		return err_set(e, EX_DATAERR, "said: bad status code");
	r->code = (int)code;
	r->status = *f[1] != '\0' ? xstrdup(f[1]) : NULL;
	r->mta = *f[2] != '\0' ? xstrdup(f[2]) : NULL;
	r->reply = *f[3] != '\0' ? xstrdup(f[3]) : NULL;
	return 0;
}

static int
set_once(char **dst, const char *val, const char *key, struct err *e)
{
	if (*dst != NULL)
		return err_set(e, EX_DATAERR, "%s given twice", key);
	*dst = xstrdup(val);
	return 0;
}

/* One "key value" line (NUL-terminated copy, no LF). */
static int
parse_line(struct queue_env *q, char *line, bool *seen_end, struct err *e)
{
	char *val = strchr(line, ' ');
	long long n;

	if (strncmp(line, "rcpt\t", 5) == 0)
		return parse_rcpt(q, line + 5, e);
	if (strncmp(line, "said\t", 5) == 0)
		return parse_said(q, line + 5, e);
	if (strcmp(line, "end") == 0) {
		*seen_end = true;
		return 0;
	}
	if (val == NULL)
		return 0;		/* an unknown bare word: a newer format */
	*val++ = '\0';
	if (strcmp(line, "id") == 0) {
		if (!queuefile_id_valid(val))
			return err_set(e, EX_DATAERR, "bad id");
		snprintf(q->id, sizeof(q->id), "%s", val);
	} else if (strcmp(line, "from") == 0) {
		if (address_check_path(val, true, e) == -1)
			return -1;
		return set_once(&q->from, val, line, e);
	} else if (strcmp(line, "account") == 0)
		return set_once(&q->account, val, line, e);
	else if (strcmp(line, "config") == 0)
		return set_once(&q->config, val, line, e);
	else if (strcmp(line, "notify") == 0)
		return set_once(&q->dsn_notify, val, line, e);
	else if (strcmp(line, "ret") == 0)
		return set_once(&q->dsn_ret, val, line, e);
	else if (strcmp(line, "envid") == 0)
		return set_once(&q->dsn_envid, val, line, e);
	else if (strcmp(line, "fullname") == 0)
		return set_once(&q->fullname, val, line, e);
	else if (strcmp(line, "fromunset") == 0)
		q->from_unset = strcmp(val, "1") == 0;
	else if (strcmp(line, "error") == 0)
		return set_once(&q->last_error, val, line, e);
	else if (strcmp(line, "body8bit") == 0)
		q->body_8bit_hint = strcmp(val, "1") == 0;
	else if (strcmp(line, "notice") == 0)
		q->notice = strcmp(val, "1") == 0;
	else if (strcmp(line, "attempts") == 0) {
		if (parse_ll(val, 0, INT_MAX, &n) == -1)
			return err_set(e, EX_DATAERR, "bad attempts");
		q->attempts = (int)n;
	} else if (strcmp(line, "created") == 0 ||
	    strcmp(line, "next") == 0 || strcmp(line, "last") == 0 ||
	    strcmp(line, "delaynoticed") == 0) {
		if (parse_ll(val, 0, LLONG_MAX / 4, &n) == -1)
			return err_set(e, EX_DATAERR, "bad time for %s", line);
		*(line[0] == 'c' ? &q->created : line[0] == 'n' ?
		    &q->next_try : line[0] == 'd' ? &q->delay_noticed :
		    &q->last_try) = n;
	}
	return 0;
}

/* Bytes a state file may hold: printable text, TAB, and UTF-8. */
static bool
line_chars_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

int
queuefile_env_parse(struct queue_env *q, const char *buf, size_t len,
    struct err *e)
{
	size_t lineno = 0, pos = 0;
	bool seen_end = false;
	char *line;

	memset(q, 0, sizeof(*q));
	while (pos < len && !seen_end) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n;

		if (nl == NULL)
			break;		/* an unterminated last line: truncated */
		n = (size_t)(nl - (buf + pos));
		lineno++;
		if (n >= QUEUE_LINE_MAX || !line_chars_ok(buf + pos, n)) {
			err_set(e, EX_DATAERR, "line %zu: too long or control "
			    "characters", lineno);
			goto bad;
		}
		line = xstrndup(buf + pos, n);
		pos += n + 1;
		if (lineno == 1 ? strcmp(line, QUEUE_VERSION_LINE) != 0 :
		    parse_line(q, line, &seen_end, e) == -1) {
			if (lineno == 1)
				err_set(e, EX_DATAERR, "not a postie queue file "
				    "(version %s expected)", QUEUE_VERSION_LINE);
			free(line);
			err_prefix(e, "line %zu", lineno);
			goto bad;
		}
		free(line);
	}
	if (!seen_end || pos != len)
		err_set(e, EX_DATAERR, "%s", !seen_end ? "truncated (no end "
		    "line)" : "data after the end line");
	else if (q->from == NULL || q->id[0] == '\0' || q->nrcpts == 0)
		err_set(e, EX_DATAERR, "no %s", q->from == NULL ? "sender" :
		    q->id[0] == '\0' ? "id" : "recipient");
	else
		return 0;
bad:
	queuefile_env_free(q);
	return -1;
}

/* ---- writing entries ---- */

/* Make a file durable under its real name: fsync fd, close it, rename
 * tmp to final, fsync dir.  fd is closed in every case. */
int
queuefile_commit(int fd, const char *tmp, const char *final, const char *dir,
    struct err *e)
{
	if (fsync(fd) == -1) {
		err_sys(e, EX_CANTCREAT, "cannot write %s", tmp);
		close(fd);
		return -1;
	}
	if (close(fd) == -1)
		return err_sys(e, EX_CANTCREAT, "cannot write %s", tmp);
	if (rename(tmp, final) == -1)
		return err_sys(e, EX_CANTCREAT, "cannot rename %s to %s", tmp,
		    final);
	return dir != NULL ? queuefile_fsync_dir(dir, e) : 0;
}

/* Write q as into/ID.env (replacing it atomically) through dir/tmp/;
 * into is dir or dir/failed.  With sync_dir, into is fsync'd too (needed
 * before telling anyone). */
int
queuefile_write_env(const char *dir, const char *into, const struct queue_env *q,
    bool sync_dir, struct err *e)
{
	char *tmp = xasprintf("%s/tmp/%s.env", dir, q->id);
	char *final = xasprintf("%s/%s.env", into, q->id);
	struct buf b;
	int fd, rc = -1;

	buf_init(&b);
	if (q->nrcpts <= QUEUE_RCPTS_MAX)
		queuefile_env_format(q, &b);
	/* queuefile_load_env reads no more (EFBIG): never write what no run
	 * could read back. */
	if (q->nrcpts > QUEUE_RCPTS_MAX || b.len > QUEUE_ENV_MAX)
		err_set(e, EX_CANTCREAT, "%s: state file too large (%zu "
		    "recipients, at most %d)", final, q->nrcpts,
		    QUEUE_RCPTS_MAX);
	else if ((unlink(tmp) == -1 && errno != ENOENT) ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		err_sys(e, EX_CANTCREAT, "cannot create %s", tmp);
	else if (write_all(fd, b.data, b.len) == -1) {
		err_sys(e, EX_CANTCREAT, "cannot write %s", tmp);
		close(fd);
	} else
		rc = queuefile_commit(fd, tmp, final, sync_dir ? into : NULL, e);
	if (rc == -1)
		unlink(tmp);
	buf_free(&b);
	free(tmp);
	free(final);
	return rc;
}

/* A new tmp/ID.msg, created exclusively and locked; sets q->id. */
int
queuefile_create_msg(const char *dir, struct queue_env *q, char **tmp,
    struct err *e)
{
	for (int tries = 0; tries < 8; tries++) {
		int fd;

		new_id(q->id);
		*tmp = xasprintf("%s/tmp/%s.msg", dir, q->id);
		fd = open(*tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (flock(fd, LOCK_EX) == -1) {
				err_sys(e, EX_CANTCREAT, "cannot lock %s", *tmp);
				close(fd);
				unlink(*tmp);
				free(*tmp);
				return -1;
			}
			return fd;
		}
		if (errno != EEXIST) {
			err_sys(e, EX_CANTCREAT, "cannot create %s", *tmp);
			free(*tmp);
			return -1;
		}
		free(*tmp);
	}
	return err_set(e, EX_CANTCREAT, "cannot find a free queue id in %s",
	    dir);
}

int
queuefile_add(const char *dir, struct message *m, struct queue_env *q,
    struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	char *tmp = NULL, *final = NULL;
	int fd, rc = -1;

	if (queuefile_prepare_dirs(dir, e) == -1)
		return -1;
	if ((fd = queuefile_create_msg(dir, q, &tmp, e)) == -1)
		return -1;
	final = xasprintf("%s/%s.msg", dir, q->id);
	if (wire_write(m, &w, fd, e) == -1) {
		char why[ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", e->msg);	/* e is the target */
		err_set(e, EX_CANTCREAT, "%s: %s", tmp, why);
		goto out;
	}
	/* Keep the lock (on a dup) across the rename, until ID.env is in:
	 * a queue run must not take ID.msg for a leftover. */
	{
		int keep = dup(fd);

		if (keep == -1) {
			err_sys(e, EX_CANTCREAT, "dup");
			goto out;
		}
		if (queuefile_commit(fd, tmp, final, dir, e) == -1) {
			fd = keep;
			goto out;
		}
		fd = keep;
	}
	rc = queuefile_write_env(dir, dir, q, true, e);
out:
	if (rc == -1) {
		unlink(tmp);
		unlink(final);
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(final);
	return rc;
}


/* Read and parse dir/ID.env; 1 when it is gone. */
int
queuefile_load_env(const char *dir, const char *id, struct queue_env *q,
    struct err *e)
{
	char *path = xasprintf("%s/%s.env", dir, id);
	struct stat dsb;
	struct buf b;
	int rc;

	buf_init(&b);
	if ((rc = stat(dir, &dsb)) == -1)
		err_sys(e, EX_IOERR, "cannot read %s", dir);
	else if ((rc = read_small(path, dsb.st_uid, QUEUE_ENV_MAX, &b,
	    e)) == 0 && (rc = queuefile_env_parse(q, b.data, b.len, e)) == 0 &&
	    strcmp(q->id, id) != 0) {
		rc = err_set(e, EX_DATAERR, "%s: its id is %s", path, q->id);
		queuefile_env_free(q);	/* after the message: it zeroes q->id */
	}
	buf_free(&b);
	free(path);
	return rc;
}

