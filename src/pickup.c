/*
 * pickup.c — take the drop directory's entries into the system
 * configuration's delivery (see pickup.h, sysmode.h).
 *
 * Nothing in an entry is believed before drop_open has checked the file
 * and its state; then the entry is one -bs transaction of the system
 * configuration, so aliases, qualification, the sender rules (-f only
 * as allow_from_override allows), max_size, failed/, notices and the
 * queue are exactly a local submission's.  The entry is removed only
 * once that transaction has sent, queued or kept the message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "delivery.h"
#include "drop.h"
#include "pickup.h"
#include "queuefile.h"
#include "submit.h"
#include "sysmode.h"

/* A helper killed while writing leaves its "t" file; after an hour no
 * helper is still writing it. */
#define PICKUP_STALE_TMP	(60 * 60)
/* Listings of the drop directory in one run, at most. */
#define PICKUP_ROUNDS		8

static bool
hex_name(const char *s)
{
	return strlen(s) == SYSMODE_NAME_LEN &&
	    strspn(s, "0123456789abcdef") == SYSMODE_NAME_LEN;
}

/* A refused entry is never used again: into SYSMODE_BAD_DIR, or removed
 * when it cannot be moved; one line says which and why. */
static void
move_aside(const char *name, const char *why, struct pickup_stats *st)
{
	char *from = xasprintf("%s/%s", SYSMODE_DROP_DIR, name);
	char *to = xasprintf("%s/%s", SYSMODE_BAD_DIR, name);

	(void)mkdir(SYSMODE_BAD_DIR, 0700);	/* rename says what is wrong */
	if (rename(from, to) == 0)
		strlist_take(&st->problems, xasprintf("drop entry %s: %s; "
		    "moved to %s", name, why, SYSMODE_BAD_DIR));
	else if (unlink(from) == 0)
		strlist_take(&st->problems, xasprintf("drop entry %s: %s; "
		    "removed (cannot move it: %s)", name, why,
		    strerror(errno)));
	else
		strlist_take(&st->problems, xasprintf("drop entry %s: %s; "
		    "cannot move or remove it: %s", name, why,
		    strerror(errno)));
	st->bad++;
	free(from);
	free(to);
}

/* An address as the entry carries it, back to what the user wrote. */
static char *
undrop_address(const char *addr)
{
	size_t n = strlen(addr), dl = strlen("@" SYSMODE_LOCAL);

	if (n > dl && strcmp(addr + n - dl, "@" SYSMODE_LOCAL) == 0)
		return xstrndup(addr, n - dl);
	return xstrdup(addr);
}

/* Failures a transaction reports about the message itself: the entry
 * will never be better.  Others (configuration, system) may pass. */
static bool
input_failure(int ex)
{
	return ex == EX_USAGE || ex == EX_DATAERR || ex == EX_NOUSER ||
	    ex == EX_UNAVAILABLE || ex == EX_NOHOST;
}

/* The refused and queued recipients of a transaction, one line each. */
static void
note_report(const char *name, const char *login, const struct report *rep,
    struct pickup_stats *st)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome != OUT_SENT)
			strlist_take(&st->problems, xasprintf("drop entry %s "
			    "from %s: %s: %s%s%s", name, login,
			    rep->v[i].addr, rep->v[i].outcome == OUT_QUEUED ?
			    "queued: " : "", rep->v[i].text,
			    rep->saved[0] != '\0' &&
			    rep->v[i].outcome == OUT_PERMFAIL ?
			    " (kept in failed/)" : ""));
}

/* Submit one checked entry (its fd at the message); 0 when it is done
 * with (removed, or moved aside), 1 when it stays. */
static int
submit_entry(struct submit_session *ss, const char *name, int fd,
    const struct queue_env *q, uid_t uid, struct pickup_stats *st)
{
	struct passwd *pw = getpwuid(uid);
	char *login = pw != NULL ? xstrdup(pw->pw_name) :
	    xasprintf("uid%ju", (uintmax_t)uid);
	char *from = q->from_unset ? NULL : undrop_address(q->from);
	struct submit_envelope t = {
		.from = from, .notify = q->dsn_notify, .ret = q->dsn_ret,
		.envid = q->dsn_envid, .body_8bit = q->body_8bit_hint,
		.login = login, .fullname = q->fullname,
	};
	struct strlist rcpts;
	struct report rep;
	struct err e;
	int rc;

	strlist_init(&rcpts);
	for (size_t i = 0; i < q->nrcpts; i++)
		strlist_take(&rcpts, undrop_address(q->rcpts[i].addr));
	t.rcpts = &rcpts;
	err_clear(&e);
	rc = submit_transaction(ss, &t, fd, &rep, &e);
	if (rc == 0) {
		note_report(name, login, &rep, st);
		report_free(&rep);
		char *p = xasprintf("%s/%s", SYSMODE_DROP_DIR, name);

		if (unlink(p) == -1)
			strlist_take(&st->problems, xasprintf("drop entry %s: "
			    "submitted, but cannot remove it: %s", name,
			    strerror(errno)));
		free(p);
		st->taken++;
	} else if (input_failure(e.ex)) {
		char *why = xasprintf("from %s: %s", login, e.msg);

		move_aside(name, why, st);
		free(why);
	} else {
		strlist_take(&st->problems, xasprintf("drop entry %s from "
		    "%s: %s; left for the next run", name, login, e.msg));
		st->left++;
		rc = 1;
	}
	strlist_free(&rcpts);
	free(from);
	free(login);
	return rc == 1 ? 1 : 0;
}

/* One entry: checked, locked, submitted. */
static void
take(struct submit_session *ss, gid_t gid, const char *name,
    struct pickup_stats *st)
{
	struct queue_env q;
	struct stat sb;
	struct err e;
	uid_t uid;
	int fd, r;

	err_clear(&e);
	r = drop_open(SYSMODE_DROP_DIR, name, gid, &q, &uid, &fd, &e);
	if (r == 1)
		return;
	if (r == -1) {
		move_aside(name, e.msg, st);
		return;
	}
	/* Another run holds it; or finished it before this one opened it. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		st->left++;
	else if (fstat(fd, &sb) == 0 && sb.st_nlink > 0)
		(void)submit_entry(ss, name, fd, &q, uid, st);
	queuefile_env_free(&q);
	close(fd);
}

/* A "t" file no helper has written to for an hour. */
static void
remove_stale(const char *name)
{
	char *p = xasprintf("%s/%s", SYSMODE_DROP_DIR, name);
	struct stat sb;

	if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_mtime < time(NULL) - PICKUP_STALE_TMP)
		(void)unlink(p);
	free(p);
}

/* An entry's name and age, to take the oldest first. */
struct named {
	char	 name[SYSMODE_NAME_LEN + 1];
	long long mtime;
};

static int
by_age(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The entries to take, oldest first (as their senders dropped them);
 * stale helper files removed, foreign names moved aside. */
static int
list_drop_dir(struct strlist *names, struct pickup_stats *st,
    struct err *e)
{
	DIR *d = opendir(SYSMODE_DROP_DIR);
	struct named *v = NULL;
	size_t n = 0;
	struct dirent *de;

	if (d == NULL)
		return err_sys(e, EX_IOERR, "cannot read %s", SYSMODE_DROP_DIR);
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		struct stat sb;

		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		if (hex_name(nm)) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			memcpy(v[n].name, nm, sizeof(v[n].name));
			v[n++].mtime = fstatat(dirfd(d), nm, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 ? (long long)
			    sb.st_mtim.tv_sec * 1000000000LL +
			    sb.st_mtim.tv_nsec : 0;
		} else if (nm[0] == 't' && hex_name(nm + 1))
			remove_stale(nm);
		else
			move_aside(nm, "not a drop entry's name", st);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), by_age);
	for (size_t i = 0; i < n; i++)
		strlist_add(names, v[i].name);
	free(v);
	return 0;
}

/* Publish the system file's user_config for the users, who cannot read
 * it (sysmode.h); trouble is one problem line, never the run's failure. */
static void
publish_users_off(const struct cli *cli, struct pickup_stats *st)
{
	struct config cfg;
	struct err e;

	err_clear(&e);
	if (config_load(&cfg, cli->config_file, &e) == -1)
		return;		/* the queue run reports it */
	if (sysmode_publish_users_off(config_user_config_off(&cfg)) == -1)
		strlist_take(&st->problems, xasprintf("cannot publish "
		    "user_config in %s: %s", SYSMODE_USERS_OFF,
		    strerror(errno)));
	config_free(&cfg);
}

int
pickup_run(const struct cli *cli, struct pickup_stats *st, struct err *e)
{
	struct submit_session *ss = NULL;
	struct strlist names;
	struct stat dir;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	strlist_init(&st->problems);
	strlist_init(&names);
	if (stat(SYSMODE_DROP_DIR, &dir) == -1)
		return err_sys(e, EX_IOERR, "cannot stat %s", SYSMODE_DROP_DIR);
	publish_users_off(cli, st);
	/* Again while entries keep coming: the path unit does not start a
	 * run that is still running, so one dropped meanwhile is this
	 * run's to take. */
	for (int round = 0, before = -1; rc == 0 && round < PICKUP_ROUNDS &&
	    (int)st->taken != before; round++) {
		before = (int)st->taken;
		strlist_free(&names);
		strlist_init(&names);
		rc = list_drop_dir(&names, st, e);
		if (rc == 0 && names.n > 0 && ss == NULL)
			rc = submit_session_open(&ss, cli, e);
		for (size_t i = 0; rc == 0 && i < names.n; i++)
			take(ss, dir.st_gid, names.v[i], st);
	}
	if (rc == 0 && st->taken > 0)
		rc = queuefile_fsync_dir(SYSMODE_DROP_DIR, e);
	submit_session_close(ss);
	strlist_free(&names);
	return rc;
}

void
pickup_stats_free(struct pickup_stats *st)
{
	strlist_free(&st->problems);
}
