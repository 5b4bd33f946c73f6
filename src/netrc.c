/*
 * netrc.c — the password for a host and user from a .netrc file (see
 * netrc.h).
 *
 * The format is ftp(1)'s: white-space separated tokens; "machine NAME"
 * starts an entry, "default" starts the entry that matches any host (only
 * used when no machine entry matches); "login", "password" and "account"
 * take one token each; "macdef NAME" is followed by a macro that runs to
 * the next empty line.  A token may be quoted "..." with backslash escapes
 * (as curl reads them), so passwords may hold blanks.  An entry without a
 * login matches any user.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrc.h"
#include "util.h"

#define NETRC_MAX_SIZE	(1024 * 1024)
#define NETRC_TOKEN_MAX	4096	/* longer tokens are truncated */

struct netrc_scan {
	const char	*p, *end;
	struct buf	 tok;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* The next token into s->tok; false at the end of the text. */
static bool
next_token(struct netrc_scan *s)
{
	buf_reset(&s->tok);
	buf_add(&s->tok, "", 0);	/* data is never NULL, even for "" */
	while (s->p < s->end && is_blank(*s->p))
		s->p++;
	if (s->p >= s->end)
		return false;
	if (*s->p == '"') {
		s->p++;
		while (s->p < s->end && *s->p != '"') {
			if (*s->p == '\\' && s->p + 1 < s->end)
				s->p++;
			if (s->tok.len < NETRC_TOKEN_MAX)
				buf_addc(&s->tok, *s->p);
			s->p++;
		}
		if (s->p < s->end)
			s->p++;		/* the closing quote */
		return true;
	}
	while (s->p < s->end && !is_blank(*s->p)) {
		if (s->tok.len < NETRC_TOKEN_MAX)
			buf_addc(&s->tok, *s->p);
		s->p++;
	}
	return true;
}

/* Skip a macdef body: the rest of the macdef line, then every line up to
 * and including the next empty one. */
static void
skip_macro(struct netrc_scan *s)
{
	bool first = true;

	while (s->p < s->end) {
		const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
		const char *eol = nl != NULL ? nl : s->end;
		size_t n = (size_t)(eol - s->p);

		if (n > 0 && eol[-1] == '\r')
			n--;
		s->p = nl != NULL ? nl + 1 : s->end;
		if (!first && n == 0)
			return;
		first = false;
	}
}

struct netrc_entry {
	bool	 active;	/* inside a machine or default entry */
	bool	 is_default;
	bool	 host_ok;
	char	*login;
	char	*password;
};

struct netrc_result {
	char	*password, *login;		/* machine match */
	char	*dpassword, *dlogin;		/* default entry match */
};

static void
entry_close(struct netrc_entry *en, const char *user, struct netrc_result *r)
{
	bool user_ok = user == NULL || en->login == NULL ||
	    strcmp(en->login, user) == 0;

	if (en->active && en->password != NULL && user_ok) {
		if (en->host_ok && r->password == NULL) {
			r->password = en->password;
			r->login = en->login;
			en->password = en->login = NULL;
		} else if (en->is_default && r->dpassword == NULL) {
			r->dpassword = en->password;
			r->dlogin = en->login;
			en->password = en->login = NULL;
		}
	}
	free(en->login);
	free(en->password);
	memset(en, 0, sizeof(*en));
}

/* Take the token after a keyword into *dst (replacing it). */
static void
take_value(struct netrc_scan *s, char **dst)
{
	if (!next_token(s))
		return;
	free(*dst);
	*dst = xstrndup(s->tok.data, s->tok.len);
}

char *
netrc_lookup(const char *text, size_t len, const char *host,
    const char *user, char **login_out)
{
	struct netrc_scan s = { text, text + len, { NULL, 0, 0 } };
	struct netrc_entry en;
	struct netrc_result r;
	char *ignored = NULL;

	memset(&en, 0, sizeof(en));
	memset(&r, 0, sizeof(r));
	while (r.password == NULL && next_token(&s)) {
		const char *t = s.tok.data;

		if (strcmp(t, "machine") == 0) {
			entry_close(&en, user, &r);
			en.active = true;
			if (next_token(&s))
				en.host_ok = host != NULL &&
				    ascii_eq_ci(s.tok.data, host);
		} else if (strcmp(t, "default") == 0) {
			entry_close(&en, user, &r);
			en.active = en.is_default = true;
		} else if (strcmp(t, "login") == 0) {
			take_value(&s, &en.login);
		} else if (strcmp(t, "password") == 0) {
			take_value(&s, &en.password);
		} else if (strcmp(t, "account") == 0) {
			take_value(&s, &ignored);
		} else if (strcmp(t, "macdef") == 0) {
			entry_close(&en, user, &r);
			skip_macro(&s);
		}
	}
	entry_close(&en, user, &r);
	free(ignored);
	buf_free(&s.tok);
	if (r.password == NULL) {
		r.password = r.dpassword;
		r.login = r.dlogin;
	} else {
		free(r.dpassword);
		free(r.dlogin);
	}
	if (r.password != NULL && login_out != NULL && user == NULL) {
		*login_out = r.login;
		r.login = NULL;
	}
	free(r.login);
	return r.password;
}

char *
netrc_password(const char *host, const char *user)
{
	const char *home = getenv("HOME");
	struct passwd *pw;
	struct buf b;
	char *path, *pass = NULL;
	int fd;

	if (home == NULL || *home != '/') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL)
			return NULL;
		home = pw->pw_dir;
	}
	path = xasprintf("%s/.netrc", home);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	free(path);
	if (fd < 0)
		return NULL;
	buf_init(&b);
	if (read_all_max(fd, NETRC_MAX_SIZE, &b) == 0)
		pass = netrc_lookup(b.data ? b.data : "", b.len, host, user,
		    NULL);
	close(fd);
	if (b.data != NULL)
		explicit_bzero(b.data, b.cap);
	buf_free(&b);
	return pass;
}
