/*
 * oauth2.c — access tokens: provider defaults, the token state file and
 * the refresh grant (see oauth2.h).
 *
 * RFC 6749 §5 (token answers), §6 (refresh), §10.4 (refresh token
 * rotation: a rotated token is stored before the new access token is
 * used, or a crash between the two locks the account out).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oauth2.h"
#include "util.h"

#define DEFAULT_TIMEOUT_S	60
#define STATE_MAX		OAUTH2_HTTP_MAX	/* a state file, read whole */
#define LOCK_POLL_MS		50
/* expires_in is RECOMMENDED only (RFC 6749 §5.1): assume an hour, the
 * lifetime every provider issues; a refusal still refreshes. */
#define DEFAULT_EXPIRES_IN	3600
#define DESCRIPTION_MAX		160	/* error_description kept in messages */

struct provider {
	const char *name;
	const char *token_url;
	const char *device_url;
	const char *auth_url;
	const char *scope;
};

/* Google has no device grant for the mail scope: the loopback flow. */
static const struct provider providers[] = {
	{ "google", "https://oauth2.googleapis.com/token", NULL,
	    "https://accounts.google.com/o/oauth2/v2/auth",
	    "https://mail.google.com/" },
	{ "microsoft",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/token",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
	    "https://outlook.office.com/SMTP.Send offline_access" },
};

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static const struct provider *
provider_of(const struct account *a)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (a->oauth2_provider != NULL &&
		    strcmp(a->oauth2_provider, providers[i].name) == 0)
			return &providers[i];
	return NULL;
}

static const char *
either(const char *mine, const struct provider *p, size_t off)
{
	if (mine != NULL || p == NULL)
		return mine;
	return *(const char *const *)((const char *)p + off);
}

int
oauth2_client_init(struct oauth2_client *c, const struct account *a,
    struct err *e)
{
	const struct provider *p = provider_of(a);

	memset(c, 0, sizeof(*c));
#ifndef HAVE_OAUTH2
	return err_set(e, EX_CONFIG, "account %s: this postie was built "
	    "without OAuth 2.0 (it needs libcurl and jansson)", a->name);
#endif
	c->account = a->name;
	c->token_url = either(a->oauth2_token_url, p,
	    offsetof(struct provider, token_url));
	c->device_url = either(a->oauth2_device_url, p,
	    offsetof(struct provider, device_url));
	c->auth_url = either(a->oauth2_auth_url, p,
	    offsetof(struct provider, auth_url));
	c->scope = either(a->oauth2_scope, p, offsetof(struct provider, scope));
	c->client_id = a->oauth2_client_id;
	c->trust_file = a->oauth2_trust_file;
	c->timeout_s = a->timeout > 0 ? a->timeout : DEFAULT_TIMEOUT_S;
	if (c->token_url == NULL)
		return err_set(e, EX_CONFIG, "account %s: OAuth 2.0 needs "
		    "oauth2_token_url or oauth2_provider", a->name);
	if (c->client_id == NULL)
		return err_set(e, EX_CONFIG, "account %s: OAuth 2.0 needs "
		    "oauth2_client_id", a->name);
	if (a->oauth2_client_secret != NULL)
		c->client_secret = xstrdup(a->oauth2_client_secret);
	else if (a->oauth2_client_secret_eval != NULL &&
	    config_eval("oauth2_client_secret_eval",
	    a->oauth2_client_secret_eval, &c->client_secret, e) == -1)
		return err_prefix(e, "account %s", a->name);
	return 0;
}

void
oauth2_client_free(struct oauth2_client *c)
{
	wipe_free(c->client_secret);
	memset(c, 0, sizeof(*c));
}

/* ---- the state file ---- */

static char *
state_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	/* root's mail (cron, daemons) runs without a user session. */
	if (getuid() == 0)
		return xstrdup("/var/lib/postie/oauth2");
	if (state != NULL && *state == '/')
		return xasprintf("%s/postie/oauth2", state);
	return xasprintf("%s/.local/state/postie/oauth2",
	    home != NULL ? home : "");
}

char *
oauth2_state_path(const struct account *a)
{
	char *dir = state_dir(), *p, *name = xstrdup(a->name);

	/* An account name is a file name here: no directories, no dot
	 * files. */
	for (char *c = name; *c != '\0'; c++)
		if (*c == '/' || (c == name && *c == '.'))
			*c = '_';
	p = xasprintf("%s/%s", dir, name);
	free(dir);
	free(name);
	return p;
}

/* mkdir -p, the last component private. */
static int
make_dirs(const char *path, struct err *e)
{
	char *d = xstrdup(path), *s = d;
	int rc = 0;

	while (rc == 0 && (s = strchr(s + 1, '/')) != NULL) {
		*s = '\0';
		if (mkdir(d, 0755) != 0 && errno != EEXIST)
			rc = err_sys(e, EX_CANTCREAT, "%s", d);
		*s = '/';
	}
	if (rc == 0 && mkdir(d, 0700) != 0 && errno != EEXIST)
		rc = err_sys(e, EX_CANTCREAT, "%s", d);
	free(d);
	return rc;
}

/* Open and lock path.lock; the lock is released by closing *fd.  A
 * holder is at most one refresh (timeout_s) away from letting go. */
static int
state_lock(const char *path, int timeout_s, int *fd, struct err *e)
{
	char *lp = xasprintf("%s.lock", path), *dir = xstrdup(path);
	long long deadline = now_ms() + (timeout_s + 40) * 1000LL;
	int rc = 0;

	*strrchr(dir, '/') = '\0';
	*fd = -1;
	if (make_dirs(dir, e) == -1)
		rc = -1;
	else if ((*fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0)
		rc = err_sys(e, EX_CANTCREAT, "%s", lp);
	while (rc == 0 && flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			rc = err_sys(e, EX_IOERR, "%s: flock", lp);
		else if (now_ms() > deadline)
			rc = err_set(e, EX_TEMPFAIL, "%s: locked by another "
			    "postie for too long", lp);
		else
			usleep(LOCK_POLL_MS * 1000);
	}
	if (rc == -1 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	free(lp);
	free(dir);
	return rc;
}

/* The state, or an empty object when there is no file yet. */
static int
state_read(const char *path, struct oauth2_json **st, struct err *e)
{
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd;

	*st = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno != ENOENT)
			return err_sys(e, EX_IOERR, "%s", path);
		*st = oauth2_json_new();
		return 0;
	}
	text = xmalloc(STATE_MAX);
	while (len < STATE_MAX &&
	    (n = read(fd, text + len, STATE_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*st = oauth2_json_parse(text, len);
	explicit_bzero(text, STATE_MAX);
	free(text);
	if (*st == NULL)
		return err_set(e, EX_CONFIG, "%s: not a postie token state "
		    "file (remove it and run postie --oauth2-login)", path);
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char *dir = xstrdup(path);
	int fd, rc;

	*strrchr(dir, '/') = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Replace the state file: a crash leaves the old file or the new one,
 * never a mix, and never a rotated refresh token only in memory. */
static int
state_write(const char *path, const struct oauth2_json *st, struct err *e)
{
	char *tmp = xasprintf("%s.tmp", path), *text = oauth2_json_text(st);
	int fd, rc = 0;

	unlink(tmp);		/* a crashed writer's; we hold the lock */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		rc = err_sys(e, EX_CANTCREAT, "%s", tmp);
	else if (write_all(fd, text, strlen(text)) != 0 ||
	    write_all(fd, "\n", 1) != 0 || fsync(fd) != 0)
		rc = err_sys(e, EX_IOERR, "%s", tmp);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = err_sys(e, EX_IOERR, "%s", tmp);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = err_sys(e, EX_IOERR, "rename %s", tmp);
	if (rc == 0 && fsync_dir_of(path) != 0)
		rc = err_sys(e, EX_IOERR, "%s: fsync of its directory", path);
	if (rc != 0)
		unlink(tmp);
	wipe_free(text);
	free(tmp);
	return rc;
}

/* Merge a success answer into st; "now" is when the request was sent,
 * so expires_at errs on the early side. */
static int
state_merge(struct oauth2_json *st, const struct oauth2_json *reply,
    time_t now, const char *url, struct err *e)
{
	const char *at = oauth2_json_str(reply, "access_token");
	const char *rt = oauth2_json_str(reply, "refresh_token");
	const char *type = oauth2_json_str(reply, "token_type");
	long long exp;

	if (at == NULL || *at == '\0')
		return err_set(e, EX_PROTOCOL, "%.200s: the answer holds no "
		    "access_token", url);
	if (type != NULL && !ascii_eq_ci(type, "Bearer"))
		return err_set(e, EX_PROTOCOL, "%.200s: token_type \"%.40s\" "
		    "is not Bearer", url, type);
	if (!oauth2_json_int(reply, "expires_in", &exp) || exp < 0 ||
	    exp > 10LL * 365 * 86400)
		exp = DEFAULT_EXPIRES_IN;
	oauth2_json_set_str(st, "access_token", at);
	oauth2_json_set_int(st, "expires_at", (long long)now + exp);
	if (rt != NULL && *rt != '\0')
		oauth2_json_set_str(st, "refresh_token", rt);
	return 0;
}

/* ---- refusals ---- */

/* Endpoint text goes into one error line: printable ASCII, shortened. */
static void
sanitize(const char *in, char *out, size_t outlen)
{
	size_t j = 0;

	for (; in != NULL && *in != '\0' && j + 1 < outlen; in++)
		out[j++] = (*in >= ' ' && *in < 0x7f) ? *in : '?';
	out[j] = '\0';
}

int
oauth2_refusal(const struct oauth2_client *c, const char *url,
    const char *what, const struct oauth2_json *reply, long status,
    struct err *e)
{
	char code[64], desc[DESCRIPTION_MAX];
	const char *fix = "";

	sanitize(oauth2_json_str(reply, "error"), code, sizeof(code));
	sanitize(oauth2_json_str(reply, "error_description"), desc,
	    sizeof(desc));
	if (status >= 500 || status == 429)
		return err_set(e, EX_TEMPFAIL, "%.200s: %s: HTTP status %ld%s%s",
		    url, what, status, code[0] ? ", " : "", code);
	if (strcmp(code, "invalid_grant") == 0)
		fix = "; authorize postie again: postie --oauth2-login "
		    "--account ";
	err_set(e, EX_NOPERM, "%.200s: %s refused (HTTP %ld%s%s)%s%s%s%s",
	    url, what, status, code[0] ? ": " : "", code,
	    desc[0] ? ": " : "", desc, fix, fix[0] ? c->account : "");
	return -1;
}

/* ---- the refresh grant ---- */

/* The refresh token to use: the state file's, else the configured one. */
static int
refresh_token_of(const struct account *a, const struct oauth2_json *st,
    char **rt, struct err *e)
{
	const char *s = oauth2_json_str(st, "refresh_token");

	*rt = NULL;
	if (s != NULL && *s != '\0')
		*rt = xstrdup(s);
	else if (a->oauth2_refresh_token != NULL)
		*rt = xstrdup(a->oauth2_refresh_token);
	else if (a->oauth2_refresh_token_eval != NULL &&
	    config_eval("oauth2_refresh_token_eval",
	    a->oauth2_refresh_token_eval, rt, e) == -1)
		return err_prefix(e, "account %s", a->name);
	if (*rt == NULL || **rt == '\0') {
		wipe_free(*rt);
		*rt = NULL;
		return err_set(e, EX_NOPERM, "account %s has no OAuth 2.0 "
		    "refresh token yet; authorize postie once: postie "
		    "--oauth2-login --account %s", a->name, a->name);
	}
	return 0;
}

static int
refresh(const struct account *a, struct oauth2_json *st, struct err *e)
{
	struct oauth2_client c;
	struct oauth2_form f;
	struct oauth2_json *reply = NULL;
	char *rt = NULL;
	time_t now = time(NULL);
	long status;
	int rc;

	if (oauth2_client_init(&c, a, e) == -1) {
		oauth2_client_free(&c);
		return -1;
	}
	if (refresh_token_of(a, st, &rt, e) == -1) {
		oauth2_client_free(&c);
		return -1;
	}
	oauth2_form_init(&f);
	oauth2_form_add(&f, "grant_type", "refresh_token");
	oauth2_form_add(&f, "refresh_token", rt);
	oauth2_form_add(&f, "client_id", c.client_id);
	oauth2_form_add(&f, "client_secret", c.client_secret);
	rc = oauth2_post(c.token_url, c.trust_file, c.timeout_s, &f, &reply,
	    &status, e);
	oauth2_form_free(&f);
	if (rc == 0 && status != 200)
		rc = oauth2_refusal(&c, c.token_url, "token refresh", reply,
		    status, e);
	if (rc == 0) {
		/* Keep the refresh token we used when none is rotated in:
		 * it may have come from the configuration. */
		oauth2_json_set_str(st, "refresh_token", rt);
		rc = state_merge(st, reply, now, c.token_url, e);
	}
	oauth2_json_free(reply);
	wipe_free(rt);
	oauth2_client_free(&c);
	return rc;
}

/* The cached token when it is good for OAUTH2_MIN_LIFETIME more seconds
 * and is not the one the server refused. */
static const char *
cached_token(const struct oauth2_json *st, const char *refused)
{
	const char *at = oauth2_json_str(st, "access_token");
	long long exp;

	if (at == NULL || !oauth2_json_int(st, "expires_at", &exp))
		return NULL;
	if (exp - (long long)time(NULL) < OAUTH2_MIN_LIFETIME)
		return NULL;
	if (refused != NULL && strcmp(at, refused) == 0)
		return NULL;
	return at;
}

int
oauth2_token(const struct account *a, const char *refused, char **token,
    struct err *e)
{
	struct oauth2_json *st = NULL;
	char *path = oauth2_state_path(a);
	const char *at;
	int fd, rc;

	*token = NULL;
	rc = state_lock(path, a->timeout > 0 ? a->timeout : DEFAULT_TIMEOUT_S,
	    &fd, e);
	if (rc == 0)
		rc = state_read(path, &st, e);
	if (rc == 0 && (at = cached_token(st, refused)) == NULL) {
		rc = refresh(a, st, e);
		if (rc == 0)
			rc = state_write(path, st, e);
	}
	if (rc == 0)
		*token = xstrdup(oauth2_json_str(st, "access_token"));
	oauth2_json_free(st);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int
oauth2_store_grant(const struct account *a,
    const struct oauth2_json *reply, char **path_out, struct err *e)
{
	struct oauth2_json *st = oauth2_json_new();
	char *path = oauth2_state_path(a);
	const char *rt = oauth2_json_str(reply, "refresh_token");
	int fd = -1, rc = 0;

	if (rt == NULL || *rt == '\0')
		rc = err_set(e, EX_PROTOCOL, "the provider granted no refresh "
		    "token (its scope must ask for offline access: "
		    "offline_access at Microsoft)");
	if (rc == 0)
		rc = state_merge(st, reply, time(NULL), "token endpoint", e);
	if (rc == 0)
		rc = state_lock(path, a->timeout > 0 ? a->timeout :
		    DEFAULT_TIMEOUT_S, &fd, e);
	if (rc == 0)
		rc = state_write(path, st, e);
	if (fd >= 0)
		close(fd);
	oauth2_json_free(st);
	if (rc == 0 && path_out != NULL)
		*path_out = path;
	else
		free(path);
	return rc;
}
