/*
 * config.c — the msmtprc-compatible configuration file (see config.h).
 *
 * A file is read whole (at most CONFIG_MAX_SIZE bytes) and parsed line by
 * line.  Each account is built as msmtp builds it: a copy of the defaults
 * seen so far, then the settings of each parent, then its own keys.  Beside
 * every account the parser keeps a mask of the settings the account made
 * itself or took from a parent (msmtp's "mask"), so that a child copies
 * from a parent only what the parent really set; the mask is dropped once
 * the file is parsed.  What each key sets and how its value is read is
 * config_keys.c's; this file reads lines, blocks and inheritance, finds
 * the file, picks an account and runs passwordeval.
 *
 * Values: the rest of the line after the key, blanks trimmed; double quotes
 * group (and are removed), and inside them \" and \\ stand for " and \.
 * A line whose first non-blank character is '#' is a comment; a '#' after a
 * key is part of the value (passwords hold them).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "config_keys.h"
#include "sysmode.h"
#include "netrc.h"
#include "runcmd.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONFIG_MAX_SIZE		(1024 * 1024)	/* no sane file is larger */
#define PIPEFS_MAGIC_NUMBER	0x50495045	/* statfs f_type of a pipe */

struct parse {
	const char	*name;		/* file name for messages */
	int		 line;
	struct acc_state defaults;
	struct acc_state *accs;
	size_t		 n, cap;
	struct acc_state *cur;		/* NULL before the first block */
	bool		 has_password;
	char		*default_name;
	bool		 run_eval;	/* false: "eval" is an error (fuzzing) */
	bool		 in_eval;	/* parsing an eval command's output */
};

/* --- lines --- */

/* Remove the quotes of a value in place; -1 when a quote is unclosed. */
static int
unquote(char *v)
{
	char *w = v;
	bool q = false;

	for (char *r = v; *r != '\0'; r++) {
		if (*r == '"') {
			q = !q;
			continue;
		}
		if (q && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	*w = '\0';
	return q ? -1 : 0;
}

static struct acc_state *
find_account(struct parse *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->accs[i].a.name, name) == 0)
			return &p->accs[i];
	return NULL;
}

/* Inherit from one parent named in the account line; -1 when it is not
 * defined before. */
static int
inherit(struct parse *p, struct acc_state *s, const char *name, size_t n,
    struct err *e)
{
	char *pname = xstrndup(name, n);
	struct acc_state *par;

	str_trim(pname);
	par = find_account(p, pname);
	if (par == NULL || par == s) {
		err_set(e, EX_CONFIG, "account %s: parent account \"%s\" is "
		    "not defined before it", s->a.name, pname);
		free(pname);
		return -1;
	}
	if (strcmp(s->a.name, "default") == 0 && p->default_name == NULL)
		p->default_name = xstrdup(pname);
	free(pname);
	config_copy_fields(&s->a, &par->a, &par->mask);
	field_mask_or(&s->mask, &par->mask);
	if (par->maildomain != NULL) {
		free(s->maildomain);
		s->maildomain = xstrdup(par->maildomain);
	}
	return 0;
}

/* "account NAME [: PARENT[, PARENT...]]" */
static int
start_account(struct parse *p, char *v, struct err *e)
{
	char *colon = strchr(v, ':'), *par = NULL;
	struct acc_state *s;

	if (colon != NULL) {
		*colon = '\0';
		par = colon + 1;
	}
	str_trim(v);
	if (*v == '\0' || v[strcspn(v, " \t,")] != '\0')
		return err_set(e, EX_CONFIG, "account needs a name without "
		    "blanks or commas");
	if (find_account(p, v) != NULL)
		return err_set(e, EX_CONFIG, "account %s is defined twice", v);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->accs = xreallocarray(p->accs, p->cap, sizeof(*p->accs));
	}
	s = &p->accs[p->n++];
	memset(s, 0, sizeof(*s));
	config_account_init(&s->a);
	config_copy_fields(&s->a, &p->defaults.a, &p->defaults.mask);
	if (p->defaults.maildomain != NULL)
		s->maildomain = xstrdup(p->defaults.maildomain);
	s->a.name = xstrdup(v);
	s->a.file = xstrdup(p->name);
	s->a.line = p->line;
	p->cur = s;
	while (par != NULL) {
		size_t n = strcspn(par, ",");

		if (inherit(p, s, par, n, e) < 0)
			return -1;
		par = par[n] == ',' ? par + n + 1 : NULL;
	}
	return 0;
}

static int
apply_key(struct parse *p, const char *key, const char *v, struct err *e)
{
	const struct config_key *k = config_key_find(key);

	if (k == NULL)
		return err_set(e, EX_CONFIG, "unknown key \"%s\"", key);
	if (p->cur == NULL)
		return err_set(e, EX_CONFIG, "%s comes before the "
		    "first \"defaults\" or \"account\" line", key);
	/* A file that holds a password, a client secret or a refresh
	 * token must be private (load_file); one an eval command printed
	 * is not in the file. */
	if ((k->field == F_PASSWORD || k->field == F_OAUTH2_CLIENT_SECRET ||
	    k->field == F_OAUTH2_REFRESH_TOKEN) && *v != '\0' && !p->in_eval)
		p->has_password = true;
	return config_key_set(k, p->cur, v, e);
}

static int	parse_line(struct parse *, char *, struct err *);

/*
 * msmtp's "eval CMD": the first line CMD prints replaces the line, as if
 * it had been written in the file ("eval echo host $SMTP_HOST").  Bounded
 * by the timeout of the block being read, as passwordeval is.  Its
 * output must not be another eval: one command per line, no loops.
 */
static int
eval_line(struct parse *p, const char *cmd, struct err *e)
{
	struct acc_state *s = p->cur != NULL ? p->cur : &p->defaults;
	char *line;
	int r;

	if (!p->run_eval)
		return err_set(e, EX_CONFIG, "eval: commands are only run for "
		    "a configuration file");
	if (*cmd == '\0')
		return err_set(e, EX_CONFIG, "eval needs a command");
	if (p->in_eval)
		return err_set(e, EX_CONFIG, "eval: the command printed "
		    "another eval line");
	if (runcmd_first_line("eval", cmd, s->a.timeout > 0 ?
	    s->a.timeout * 1000 : RUNCMD_DEFAULT_TIMEOUT_MS, &line, e) < 0)
		return -1;
	p->in_eval = true;
	r = parse_line(p, line, e);
	p->in_eval = false;
	explicit_bzero(line, strlen(line));
	free(line);
	if (r < 0)
		return err_prefix(e, "eval \"%.100s\"", cmd);
	return 0;
}

/* One line, NUL-terminated, without its newline. */
static int
parse_line(struct parse *p, char *line, struct err *e)
{
	char *key, *v;

	str_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	key = line;
	v = line + strcspn(line, " \t");
	if (*v != '\0')
		*v++ = '\0';
	str_trim(v);
	if (unquote(v) < 0)
		return err_set(e, EX_CONFIG, "%s: unterminated quote", key);
	if (strcmp(key, "defaults") == 0) {
		if (*v != '\0')
			return err_set(e, EX_CONFIG, "defaults takes no value");
		p->cur = &p->defaults;
		return 0;
	}
	if (strcmp(key, "account") == 0)
		return start_account(p, v, e);
	if (strcmp(key, "eval") == 0)
		return eval_line(p, v, e);
	return apply_key(p, key, v, e);
}

/* --- after the last line --- */

static char *
mailname(void)
{
	char buf[256];
	int fd = open("/etc/mailname", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return xstrdup(host_fqdn());
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	str_trim(buf);
	return xstrdup(buf[0] != '\0' ? buf : host_fqdn());
}

/* msmtp's from placeholders: %U login (login_name), %H host name, %C
 * canonical name, %M the mail name (/etc/mailname when it exists, else
 * the canonical name), %% a percent sign.  The one expansion of "from":
 * an account's from is stored expanded (with login, the running user's),
 * its template kept for config_from_for. */
static char *
expand_from(const char *from, const char *login)
{
	struct buf b;
	char host[256];

	buf_init(&b);
	for (const char *c = from; *c != '\0'; c++) {
		if (*c != '%' || c[1] == '\0') {
			buf_addc(&b, *c);
			continue;
		}
		switch (*++c) {
		case 'U':
			buf_adds(&b, login);
			break;
		case 'H':
			if (gethostname(host, sizeof(host)) != 0)
				snprintf(host, sizeof(host), "localhost");
			host[sizeof(host) - 1] = '\0';
			buf_adds(&b, host);
			break;
		case 'C':
			buf_adds(&b, host_fqdn());
			break;
		case 'M': {
			char *m = mailname();

			buf_adds(&b, m);
			free(m);
			break;
		}
		case '%':
			buf_addc(&b, '%');
			break;
		default:
			buf_addc(&b, '%');
			buf_addc(&b, *c);
		}
	}
	return buf_steal(&b);
}

static void
finish_account(struct account *a, const struct field_mask *mask)
{
	a->tls_set = field_mask_has(mask, F_TLS);
	/* msmtp: a socket replaces host and port; host still names the
	 * server (TLS, messages), and a socket means a smarthost. */
	if (a->socket != NULL && a->host == NULL)
		a->host = xstrdup("localhost");
	/* A user or a password with no auth line means the user wants AUTH. */
	if (!field_mask_has(mask, F_AUTH) &&
	    (a->user != NULL || a->password != NULL || a->passwordeval != NULL ||
	    config_oauth2(a)))
		a->auth = AUTH_AUTO;
	if (a->from != NULL && strchr(a->from, '%') != NULL) {
		char *f = expand_from(a->from, login_name());

		free(a->from_template);
		a->from_template = a->from;
		a->from = f;
	}
}

char *
config_from_for(const struct account *a, const char *login)
{
	if (a->from_template != NULL)
		return expand_from(a->from_template, login);
	return a->from != NULL ? xstrdup(a->from) : NULL;
}

static void
parse_free(struct parse *p)
{
	for (size_t i = 0; i < p->n; i++) {
		config_account_clear(&p->accs[i].a);
		free(p->accs[i].maildomain);
	}
	free(p->accs);
	config_account_clear(&p->defaults.a);
	free(p->defaults.maildomain);
	free(p->default_name);
	memset(p, 0, sizeof(*p));
}

/* Move the accounts out of p into cfg. */
static void
parse_finish(struct parse *p, struct config *cfg)
{
	cfg->accounts = xcalloc(p->n, sizeof(*cfg->accounts));
	for (size_t i = 0; i < p->n; i++) {
		finish_account(&p->accs[i].a, &p->accs[i].mask);
		cfg->accounts[i] = p->accs[i].a;
		memset(&p->accs[i].a, 0, sizeof(p->accs[i].a));
	}
	cfg->naccounts = p->n;
	cfg->default_name = p->default_name;
	p->default_name = NULL;
	/* The embedded default takes the defaults block, so a file with only
	 * "defaults" still means something. */
	config_account_init(&cfg->embedded);
	config_copy_fields(&cfg->embedded, &p->defaults.a, &p->defaults.mask);
	cfg->embedded.name = xstrdup("default");
	finish_account(&cfg->embedded, &p->defaults.mask);
	parse_free(p);
}

/* fallback_accounts names accounts of the file (a key that cannot be
 * honoured is an error, never ignored), each once, never the account
 * itself. */
static int
check_fallbacks(const struct config *cfg, const char *name, struct err *e)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct account *a = &cfg->accounts[i];
		struct strlist names;
		int rc = 0;

		if (a->fallback_accounts == NULL)
			continue;
		strlist_init(&names);
		config_split_names(a->fallback_accounts, &names);
		for (size_t j = 0; rc == 0 && j < names.n; j++) {
			bool found = false;

			for (size_t k = 0; k < cfg->naccounts; k++)
				found |= strcmp(cfg->accounts[k].name,
				    names.v[j]) == 0;
			if (!found || strcmp(names.v[j], a->name) == 0)
				rc = err_set(e, EX_CONFIG, "%s: account %s: "
				    "fallback_accounts: \"%s\" is %s", name,
				    a->name, names.v[j], found ?
				    "the account itself" : "not an account of "
				    "this file");
		}
		strlist_free(&names);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* An environment variable's value, NULL when unset or empty. */
static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* msmtp: "SMTPSERVER must contain a plain host name (no URL), and EMAIL
 * must contain a plain address (no names or additional information)". */
static int
env_account(struct config *cfg, struct err *e)
{
	const char *host = env_value("SMTPSERVER"), *from = env_value("EMAIL");
	struct field_mask all;

	/* EMAIL alone is common (debchange, reportbug read it too): it does
	 * not replace a file's first account with direct MX delivery, it
	 * only names the sender when there is no account at all. */
	if (host == NULL && (from == NULL || cfg->naccounts > 0))
		return 0;
	if (host != NULL && host[strcspn(host, " \t\r\n/@<>\"")] != '\0')
		return err_set(e, EX_CONFIG, "SMTPSERVER: \"%.100s\" is not a "
		    "plain host name", host);
	if (from != NULL && (from[strcspn(from, " \t\r\n<>()\",;")] != '\0' ||
	    strchr(from, '@') == NULL))
		return err_set(e, EX_CONFIG, "EMAIL: \"%.100s\" is not a "
		    "plain address", from);
	memset(&all, 0xff, sizeof(all));
	config_copy_fields(&cfg->from_env, &cfg->embedded, &all);
	cfg->from_env.tls_set = cfg->embedded.tls_set;
	cfg->from_env.name = xstrdup("default");
	if (host != NULL) {
		free(cfg->from_env.host);
		cfg->from_env.host = xstrdup(host);
	}
	if (from != NULL) {
		free(cfg->from_env.from);
		cfg->from_env.from = xstrdup(from);
	}
	cfg->has_env = true;
	return 0;
}

static int
config_parse_full(struct config *cfg, const char *text, size_t len,
    const char *name, bool run_eval, bool *has_password, struct err *e)
{
	struct parse p;
	size_t pos = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.run_eval = run_eval;
	config_account_init(&p.defaults.a);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - text) - pos : len - pos;
		char *line;

		p.line++;
		if (memchr(text + pos, '\0', n) != NULL) {
			err_set(e, EX_CONFIG, "%s:%d: NUL byte in line", name,
			    p.line);
			parse_free(&p);
			return -1;
		}
		line = xstrndup(text + pos, n);
		pos += n + (nl != NULL);
		if (parse_line(&p, line, e) < 0) {
			free(line);
			err_prefix(e, "%s:%d", name, p.line);
			parse_free(&p);
			return -1;
		}
		free(line);
	}
	*has_password = p.has_password;
	parse_finish(&p, cfg);
	if (check_fallbacks(cfg, name, e) == -1 ||
	    env_account(cfg, e) < 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

int
config_parse(struct config *cfg, const char *text, size_t len,
    const char *name, struct err *e)
{
	bool has_password;

	return config_parse_full(cfg, text, len, name, false, &has_password,
	    e);
}

/* --- files --- */

/* Note in *skipped why a candidate of the search order was passed over. */
static void
note_skipped(char **skipped, const char *path, const char *why)
{
	char *n = xasprintf("%s%s: %s\n", *skipped ? *skipped : "", path, why);

	free(*skipped);
	*skipped = n;
}

/*
 * Read path whole.  Returns 1 (nothing read) when it does not exist; in
 * the search order (skipped != NULL) also when it cannot be opened or is
 * not a regular file, with the reason noted in *skipped: a user's cron job
 * runs with HOME=/root, and root's files are not the user's to read.
 */

/* A pipe is fine: -C <(generate-config) has a writer that is running.
 * A named FIFO is not: nobody may ever write to it, and a queue run
 * waiting on it would wait forever. */
static bool
is_pipe(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 &&
	    (unsigned long)sf.f_type == PIPEFS_MAGIC_NUMBER;
}

static int
read_config_file(const char *path, struct buf *b, struct stat *st,
    char **skipped, struct err *e)
{
	/* O_NONBLOCK: opening a FIFO never waits for a writer (blocking
	 * again below for a pipe, to read what its writer sends). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (fd < 0 && skipped != NULL) {
		note_skipped(skipped, path, strerror(errno));
		return 1;
	}
	if (fd < 0)
		return err_sys(e, EX_CONFIG, "cannot open %s", path);
	if (fstat(fd, st) != 0) {
		close(fd);
		return err_sys(e, EX_CONFIG, "cannot stat %s", path);
	}
	if (skipped != NULL && !S_ISREG(st->st_mode)) {
		note_skipped(skipped, path, S_ISDIR(st->st_mode) ?
		    strerror(EISDIR) : "not a regular file");
		close(fd);
		return 1;
	}
	/* A pipe is fine too: -C <(generate-config) */
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode)) {
		close(fd);
		return err_set(e, EX_CONFIG, "%s: not a regular file", path);
	}
	if (S_ISFIFO(st->st_mode) && !is_pipe(fd)) {
		close(fd);
		return err_set(e, EX_CONFIG, "%s: a named FIFO, not a regular "
		    "file (a pipe such as -C <(command) is fine)", path);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		err_sys(e, EX_CONFIG, "cannot read %s", path);
		close(fd);
		return -1;
	}
	if (read_all_max(fd, CONFIG_MAX_SIZE, b) == -1) {
		if (errno == EFBIG)
			err_set(e, EX_CONFIG, "%s: larger than %d bytes", path,
			    CONFIG_MAX_SIZE);
		else
			err_sys(e, EX_CONFIG, "cannot read %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* msmtp's rule: a file holding a password is the user's alone.  root's
 * files are accepted too, for system-wide files readable only by root,
 * and for root the system mode's account's (its /etc/postie.conf). */
static int
check_secure(const char *path, const struct stat *st, struct err *e)
{
	/* Say who can read it: "others" for a 640 file sends a newcomer
	 * looking in the wrong place. */
	if ((st->st_mode & 077) != 0)
		return err_set(e, EX_CONFIG, "%s: contains a password but is "
		    "readable by %s (mode %03o); chmod 600 %s", path,
		    (st->st_mode & 007) == 0 ? "its group" :
		    (st->st_mode & 070) == 0 ? "others" : "its group and others",
		    (unsigned)(st->st_mode & 0777), path);
	if (st->st_uid != geteuid() && st->st_uid != 0 &&
	    !(geteuid() == 0 && sysmode_is_account_uid(st->st_uid)))
		return err_set(e, EX_CONFIG, "%s: contains a password but is "
		    "owned by another user (uid %ld)", path, (long)st->st_uid);
	return 0;
}

/* Returns 1 when path does not exist (or, in the search order, cannot be
 * read: see read_config_file). */
static int
load_file(struct config *cfg, const char *path, char **skipped,
    struct err *e)
{
	struct buf b;
	struct stat st;
	bool has_password = false;
	int r;

	buf_init(&b);
	r = read_config_file(path, &b, &st, skipped, e);
	if (r != 0) {
		buf_free(&b);
		return r;
	}
	r = config_parse_full(cfg, b.data ? b.data : "", b.len, path, true,
	    &has_password, e);
	buf_free(&b);
	if (r < 0)
		return -1;
	if (has_password && check_secure(path, &st, e) < 0) {
		config_free(cfg);
		return -1;
	}
	cfg->path = xstrdup(path);
	return 0;
}

/* The search order: the user's files, then the system's. */
static void
candidates(struct strlist *user, struct strlist *sys)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = config_home_dir();
	char *xdgdir = NULL;

	if (xdg != NULL && xdg[0] == '/')
		xdgdir = xstrdup(xdg);
	else if (home != NULL)
		xdgdir = xasprintf("%s/.config", home);
	if (xdgdir != NULL)
		strlist_take(user, xasprintf("%s/postie/config", xdgdir));
	if (home != NULL) {
		strlist_take(user, xasprintf("%s/.postierc", home));
		strlist_take(user, xasprintf("%s/.msmtprc", home));
	}
	if (xdgdir != NULL)
		strlist_take(user, xasprintf("%s/msmtp/config", xdgdir));
	free(xdgdir);
	strlist_add(sys, SYSCONFDIR "/postie.conf");
	if (strcmp(SYSCONFDIR "/postie.conf", "/etc/postie.conf") != 0)
		strlist_add(sys, "/etc/postie.conf");
	strlist_add(sys, "/etc/msmtprc");
}

/* "user_config off" anywhere in the file: its defaults or an account. */
bool
config_user_config_off(const struct config *cfg)
{
	if (!cfg->embedded.user_config)
		return true;
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (!cfg->accounts[i].user_config)
			return true;
	return false;
}

/* The first of l that can be read into cfg: 0, 1 (none), -1 (error). */
static int
load_first(struct config *cfg, const struct strlist *l, char **skipped,
    struct err *e)
{
	int r = 1;

	for (size_t i = 0; i < l->n && r == 1; i++)
		r = load_file(cfg, l->v[i], skipped, e);
	return r;
}

/*
 * The search: the system file is read first, for its user_config; an
 * error in it matters only when no user file is used (as when the search
 * reached it last).
 */
static int
search(struct config *cfg, char **skipped, struct err *e)
{
	struct strlist user, sys;
	struct config syscfg;
	struct err syserr;
	int rs, ru;

	strlist_init(&user);
	strlist_init(&sys);
	candidates(&user, &sys);
	memset(&syscfg, 0, sizeof(syscfg));
	err_clear(&syserr);
	rs = load_first(&syscfg, &sys, skipped, &syserr);
	/* The system file may be the system mode's account's alone; then
	 * its user_config is published (sysmode.h), and off means the
	 * system queue for everyone. */
	if ((rs == 0 && config_user_config_off(&syscfg)) ||
	    (rs == 1 && sysmode_users_off())) {
		for (size_t i = 0; i < user.n; i++)
			if (access(user.v[i], F_OK) == 0)
				note_skipped(skipped, user.v[i],
				    "ignored (user_config off)");
		if (rs == 0)
			*cfg = syscfg;
		ru = rs;
		goto out;
	}
	ru = load_first(cfg, &user, skipped, e);
	if (ru == 1) {
		ru = rs;
		if (rs == 0)
			*cfg = syscfg;
		else if (rs == -1)
			*e = syserr;
	} else if (rs == 0) {
		config_free(&syscfg);
	}
out:
	strlist_free(&user);
	strlist_free(&sys);
	return ru;
}

int
config_load(struct config *cfg, const char *path, struct err *e)
{
	char *skipped = NULL;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	/* -C /dev/null: no configuration at all (the embedded default), as
	 * a script or test says "ignore the user's files". */
	if (path != NULL && strcmp(path, "/dev/null") == 0)
		return config_parse(cfg, "", 0, "(none: -C /dev/null)", e);
	if (path != NULL) {
		r = load_file(cfg, path, NULL, e);
		if (r == 1)
			return err_set(e, EX_CONFIG, "%s: no such file", path);
		return r;
	}
	r = search(cfg, &skipped, e);
	if (r == 1)	/* no file at all: the embedded default */
		r = config_parse(cfg, "", 0, "(embedded)", e);
	if (r == 0)
		cfg->skipped = skipped;
	else
		free(skipped);
	return r;
}

void
config_report_skipped(const struct config *cfg, bool verbose)
{
	const char *p = cfg->skipped;

	if (!verbose || p == NULL)
		return;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');

		fprintf(stderr, "postie: configuration: skipped %.*s\n",
		    (int)(nl - p), p);
		p = nl + 1;
	}
}

/* --- selection --- */

static bool
from_matches(const char *pattern, const char *addr)
{
	return fnmatch(pattern, addr, FNM_CASEFOLD) == 0;
}

static const struct account *
select_default(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, "default") == 0)
			return &cfg->accounts[i];
	if (cfg->has_env)
		return &cfg->from_env;
	if (cfg->naccounts > 0)
		return &cfg->accounts[0];
	return &cfg->embedded;
}

const struct account *
config_select(const struct config *cfg, const char *name,
    const char *envelope_from, struct err *e)
{
	if (name != NULL) {
		for (size_t i = 0; i < cfg->naccounts; i++)
			if (strcmp(cfg->accounts[i].name, name) == 0)
				return &cfg->accounts[i];
		if (strcmp(name, "default") == 0)
			return select_default(cfg);
		err_set(e, EX_CONFIG, "account %s is not defined in %s", name,
		    cfg->path ? cfg->path : "the configuration (no file)");
		return NULL;
	}
	if (envelope_from != NULL && *envelope_from != '\0') {
		for (size_t i = 0; i < cfg->naccounts; i++) {
			const struct account *a = &cfg->accounts[i];

			if (a->from != NULL && from_matches(a->from,
			    envelope_from))
				return a;
		}
	}
	return select_default(cfg);
}

/* --- passwords --- */

/* The account's timeout bounds its commands too (runcmd.h). */
static int
command_timeout_ms(const struct account *a)
{
	return a->timeout > 0 ? a->timeout * 1000 : RUNCMD_DEFAULT_TIMEOUT_MS;
}

int
config_eval(const char *key, const char *cmd, char **out, struct err *e)
{
	return runcmd_first_line(key, cmd, RUNCMD_DEFAULT_TIMEOUT_MS, out, e);
}

const char *
config_account_label(const struct account *a, char *buf, size_t len)
{
	snprintf(buf, len, "account %s (%s)", a->name,
	    a->file != NULL ? a->file : "built in");
	return buf;
}

/* The mechanisms that cannot work without a password (the OAuth ones
 * take a token, EXTERNAL the client certificate). */
static bool
auth_needs_password(enum auth_method m)
{
	switch (m) {
	case AUTH_AUTO:
	case AUTH_PLAIN:
	case AUTH_LOGIN:
	case AUTH_CRAM_MD5:
	case AUTH_SCRAM_SHA_1:
	case AUTH_SCRAM_SHA_256:
		return true;
	default:
		return false;
	}
}

int
config_password(const struct account *a, char **password, struct err *e)
{
	*password = NULL;
	/* An OAuth 2.0 account authenticates with a token (oauth2.h). */
	if (config_oauth2(a))
		return 0;
	if (a->password != NULL) {
		*password = xstrdup(a->password);
		return 0;
	}
	if (a->passwordeval != NULL)
		if (runcmd_first_line("passwordeval", a->passwordeval,
		    command_timeout_ms(a), password, e) == -1)
			return -1;
	if (a->passwordeval != NULL && **password == '\0') {
		free(*password);
		*password = NULL;
		/* Never AUTH with an empty password (issue 14). */
		return err_set(e, EX_CONFIG, "passwordeval \"%.200s\" printed "
		    "no password", a->passwordeval);
	}
	if (a->passwordeval != NULL)
		return 0;
	if (a->host != NULL)
		*password = netrc_password(a->host, a->user);
	/* Without this, the session would go on without AUTH and a server
	 * that relays for its network would take the mail: a setup mistake
	 * that looks like success (msmtp refuses too). */
	if (*password == NULL && a->user != NULL && a->host != NULL &&
	    auth_needs_password(a->auth)) {
		char label[300];

		return err_set(e, EX_CONFIG, "%s: auth is on with user %s but "
		    "there is no password: add a password or passwordeval "
		    "line to the account, or a line 'machine %s login %s "
		    "password ...' to ~/.netrc",
		    config_account_label(a, label, sizeof(label)), a->user,
		    a->host, a->user);
	}
	return 0;
}

bool
config_oauth2(const struct account *a)
{
	return a->oauth2_provider != NULL || a->oauth2_token_url != NULL ||
	    a->oauth2_client_id != NULL;
}

void
config_split_names(const char *list, struct strlist *out)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		size_t skip = strspn(p, " \t,"), n;

		p += skip;
		n = strcspn(p, " \t,");
		if (n > 0)
			strlist_addn(out, p, n);
		p += n;
	}
}

void
config_print(const struct config *cfg, const struct account *a,
    struct buf *out)
{
	if (a == &cfg->from_env)
		buf_printf(out, "# account default from the environment "
		    "(SMTPSERVER, EMAIL) and the defaults of %s\n",
		    cfg->path != NULL ? cfg->path : "no file");
	else if (a == &cfg->embedded)
		buf_printf(out, "# the embedded default account, with the "
		    "defaults of %s\n", cfg->path != NULL ? cfg->path :
		    "no file");
	else
		buf_printf(out, "# account %s from %s:%d\n", a->name,
		    a->file != NULL ? a->file : "?", a->line);
	config_account_print(a, out);
}

void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		config_account_clear(&cfg->accounts[i]);
	free(cfg->accounts);
	config_account_clear(&cfg->embedded);
	config_account_clear(&cfg->from_env);
	free(cfg->path);
	free(cfg->default_name);
	free(cfg->skipped);
	memset(cfg, 0, sizeof(*cfg));
}
