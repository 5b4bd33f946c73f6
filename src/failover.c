/*
 * failover.c — fallback_accounts and the relays-down file (see
 * failover.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "failover.h"
#include "queuefile.h"
#include "route.h"
#include "util.h"

#define DOWN_FILE_MAX	(64 * 1024)

size_t
failover_chain(const struct config *cfg, const struct account *a,
    const struct account **chain)
{
	struct strlist names;
	size_t n = 0;

	chain[n++] = a;
	if (a->host == NULL || a->fallback_accounts == NULL)
		return n;
	strlist_init(&names);
	config_split_names(a->fallback_accounts, &names);
	for (size_t i = 0; i < names.n && n < FAILOVER_CHAIN_MAX; i++)
		for (size_t k = 0; k < cfg->naccounts; k++)
			if (strcmp(cfg->accounts[k].name, names.v[i]) == 0) {
				chain[n++] = &cfg->accounts[k];
				break;
			}
	strlist_free(&names);
	return n;
}

/* "HOST:PORT", the key of a relay in the file. */
static char *
relay_key(const struct account *a)
{
	return xasprintf("%s:%d", a->host, route_port(a));
}

/* Read the file (locked by the caller) into b. */
static void
down_read(int fd, struct buf *b)
{
	char chunk[4096];
	ssize_t n;

	while (b->len < DOWN_FILE_MAX &&
	    (n = pread(fd, chunk, sizeof(chunk), (off_t)b->len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		buf_add(b, chunk, (size_t)n);
	}
}

/* One line of the file from *off on, split as "EPOCH KEY": l->key is
 * NULL for a line of another shape.  false at the end of b. */
struct down_line {
	const char *line, *key;
	size_t	 len, klen;
	long long until;
};

static bool
down_next(const struct buf *b, size_t *off, struct down_line *l)
{
	const char *nl;
	char *sp;

	if (*off >= b->len)
		return false;
	l->line = b->data + *off;
	nl = memchr(l->line, '\n', b->len - *off);
	l->len = nl != NULL ? (size_t)(nl - l->line) : b->len - *off;
	*off += l->len + 1;
	l->until = strtoll(l->line, &sp, 10);
	l->key = NULL;
	if (sp > l->line && *sp == ' ' && sp < l->line + l->len) {
		l->key = sp + 1;
		l->klen = (size_t)(l->line + l->len - l->key);
	}
	return true;
}

static bool
down_is(const struct down_line *l, const char *key, size_t klen)
{
	return l->key != NULL && l->klen == klen &&
	    memcmp(l->key, key, klen) == 0;
}

/* The "EPOCH KEY" line for key in b, still in force at now: its epoch. */
static long long
down_find(const struct buf *b, const char *key, long long now)
{
	size_t klen = strlen(key), off = 0;
	struct down_line l;

	while (down_next(b, &off, &l))
		if (down_is(&l, key, klen) && l.until > now)
			return l.until;
	return 0;
}

static int
down_open(const char *dir)
{
	char *path = xasprintf("%s/relays-down", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	free(path);
	if (fd != -1)
		while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
			;
	return fd;
}

long long
failover_down_until(const char *state_dir, const struct account *a,
    long long now)
{
	char *path, *key;
	struct buf b;
	long long t;
	int fd;

	if (state_dir == NULL || a->host == NULL)
		return 0;
	path = xasprintf("%s/relays-down", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	free(path);
	if (fd == -1)
		return 0;
	buf_init(&b);
	down_read(fd, &b);
	close(fd);
	key = relay_key(a);
	t = down_find(&b, key, now);
	free(key);
	buf_free(&b);
	return t;
}

size_t
failover_down_count(const char *state_dir, long long now)
{
	char *path = xasprintf("%s/relays-down", state_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct strlist seen;
	struct down_line l;
	struct buf b;
	size_t n, off = 0;

	free(path);
	if (fd == -1)
		return 0;
	buf_init(&b);
	down_read(fd, &b);
	close(fd);
	strlist_init(&seen);
	while (down_next(&b, &off, &l))
		if (l.key != NULL && l.until > now)
			strlist_addn(&seen, l.key, l.klen);
	strlist_dedup_ci(&seen);
	n = seen.n;
	strlist_free(&seen);
	buf_free(&b);
	return n;
}

/* Mark a's relay down until `until` (0: take it off), dropping lines
 * that have run out.  Best effort: the state only saves time. */
static void
down_mark(const char *dir, const struct account *a, long long now,
    long long until)
{
	char *key = relay_key(a);
	size_t klen = strlen(key), off = 0;
	struct down_line l;
	struct buf in, out;
	int fd = down_open(dir);

	if (fd == -1) {
		free(key);
		return;
	}
	buf_init(&in);
	buf_init(&out);
	down_read(fd, &in);
	while (down_next(&in, &off, &l))
		if (l.key != NULL && !down_is(&l, key, klen) && l.until > now) {
			buf_add(&out, l.line, l.len);
			buf_addc(&out, '\n');
		}
	if (until > now)
		buf_printf(&out, "%lld %s\n", until, key);
	if (ftruncate(fd, 0) == 0 && out.len > 0)
		(void)!pwrite(fd, out.data, out.len, 0);
	close(fd);
	buf_free(&in);
	buf_free(&out);
	free(key);
}

/* The whole message failed over to the next relay: every recipient
 * temporary and the relay took nothing. */
static bool
worth_next_relay(const struct report *rep)
{
	if (rep->relay == RELAY_OK)
		return false;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome != OUT_TEMPFAIL)
			return false;
	return true;
}

/* Every recipient waits: every relay of the chain is marked down. */
static void
all_down(const struct envelope *env, struct report *rep,
    const struct account *a, long long until)
{
	memset(rep, 0, sizeof(*rep));
	rep->n = env->rcpts.n;
	rep->v = xcalloc(rep->n, sizeof(*rep->v));
	rep->relay = RELAY_UNREACHABLE;
	for (size_t i = 0; i < rep->n; i++) {
		rep->v[i].addr = xstrdup(env->rcpts.v[i]);
		rep->v[i].outcome = OUT_TEMPFAIL;
		rep->v[i].ex = EX_TEMPFAIL;
		snprintf(rep->v[i].text, sizeof(rep->v[i].text),
		    "%s:%d (account %s) and every fallback relay did not "
		    "answer lately; not tried again for %lld s (host_down_time)",
		    a->host, route_port(a), a->name,
		    until - (long long)time(NULL));
	}
}

static void say(const struct failover_opts *fo, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct failover_opts *fo, const char *fmt, ...)
{
	va_list ap;

	if (fo->verbose == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(fo->verbose, fmt, ap);
	va_end(ap);
	fflush(fo->verbose);
}

/* One account of the chain; its report replaces rep.  -1 (e) only when
 * it could not be tried at all. */
static int
try_account(const struct failover_opts *fo, const struct account *b,
    struct message *m, const struct envelope *env,
    const struct delivery_opts *o, struct report *rep, struct err *e)
{
	struct delivery_opts bo = *o;
	struct report next;

	if (fo->password(fo->password_arg, b, &bo.password, e) == -1 ||
	    delivery_run(b, m, env, &bo, &next, e) == -1)
		return -1;
	report_free(rep);
	*rep = next;
	return 0;
}

int
failover_run(const struct failover_opts *fo, const struct account *a,
    struct message *m, const struct envelope *env,
    const struct delivery_opts *o, struct report *rep,
    const struct account **used, struct err *e)
{
	const struct account *chain[FAILOVER_CHAIN_MAX];
	size_t n = failover_chain(fo->cfg, a, chain);
	long long now = (long long)time(NULL), until = 0;
	bool tried = false;
	struct err be;

	*used = a;
	memset(rep, 0, sizeof(*rep));
	if (n > 1 && fo->state_dir != NULL)
		(void)queuefile_prepare_dirs(fo->state_dir, &be);
	for (size_t i = 0; i < n; i++) {
		const struct account *b = chain[i];
		long long down = n > 1 ?
		    failover_down_until(fo->state_dir, b, now) : 0;

		if (down > 0) {
			until = until == 0 || down < until ? down : until;
			say(fo, "postie: relay %s:%d (account %s) is marked "
			    "down for %lld s more (host_down_time); skipped\n",
			    b->host, route_port(b), b->name, down - now);
			continue;
		}
		if (tried)
			say(fo, "postie: trying relay %s:%d (account %s) of "
			    "fallback_accounts\n", b->host, route_port(b),
			    b->name);
		if (try_account(fo, b, m, env, o, rep, tried ? &be : e) == -1) {
			if (!tried)
				return -1;
			say(fo, "postie: relay %s:%d (account %s) cannot be "
			    "tried: %s\n", b->host, route_port(b), b->name,
			    be.msg);
			break;	/* the last report stands */
		}
		tried = true;
		*used = b;
		if (n > 1 && rep->relay == RELAY_UNREACHABLE &&
		    a->host_down_time > 0)
			down_mark(fo->state_dir, b, now,
			    now + a->host_down_time);
		if (!worth_next_relay(rep))
			return 0;
	}
	if (!tried)
		all_down(env, rep, a, until);
	return 0;
}
