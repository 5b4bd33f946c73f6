/*
 * oauth2_login.c — the one-time authorization: device grant or loopback
 * redirect with PKCE (see oauth2_login.h).
 *
 * RFC 8628 §3.1-3.5 (device authorization request, user interaction,
 * polling: authorization_pending, slow_down, access_denied,
 * expired_token), RFC 6749 §4.1 (authorization code grant), RFC 7636
 * (PKCE: code_verifier of 43 characters, S256 challenge), RFC 8252 §7.3
 * (loopback redirect on 127.0.0.1, any port), §8.9 (state against CSRF).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "encode.h"
#include "oauth2.h"
#include "oauth2_http.h"
#include "oauth2_login.h"
#include "util.h"

#define DEVICE_GRANT	"urn:ietf:params:oauth:grant-type:device_code"
#define DEFAULT_INTERVAL_S	5	/* RFC 8628 §3.2 */
#define SLOW_DOWN_S		5	/* RFC 8628 §3.5 */
#define INTERVAL_MAX_S		60
#define BROWSER_READ_S		10	/* a connected browser's request */

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
say(int out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(int out, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	(void)write_all(out, s, (size_t)n);
	free(s);
}

/* Endpoint text shown to the user: printable ASCII only (a hostile
 * endpoint must not drive the terminal). */
static bool
printable(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s < ' ' || *s >= 0x7f)
			return false;
	return s != NULL;
}

/* ---- device grant (RFC 8628) ---- */

struct device {
	char	*device_code;
	char	*user_code;
	char	*uri;
	long long expires_in;
	long long interval;
};

static void
device_free(struct device *d)
{
	wipe_free(d->device_code);
	free(d->user_code);
	free(d->uri);
	memset(d, 0, sizeof(*d));
}

static int
device_request(const struct oauth2_client *c, struct device *d,
    struct err *e)
{
	struct oauth2_form f;
	struct oauth2_json *r;
	const char *uri;
	long status;
	int rc;

	memset(d, 0, sizeof(*d));
	oauth2_form_init(&f);
	oauth2_form_add(&f, "client_id", c->client_id);
	oauth2_form_add(&f, "scope", c->scope);
	rc = oauth2_post(c->device_url, c->trust_file, c->timeout_s, &f, &r,
	    &status, e);
	oauth2_form_free(&f);
	if (rc == -1)
		return -1;
	if (status != 200) {
		rc = oauth2_refusal(c, c->device_url, "device authorization",
		    r, status, e);
		oauth2_json_free(r);
		return rc;
	}
	/* Google spells it verification_url. */
	if ((uri = oauth2_json_str(r, "verification_uri")) == NULL)
		uri = oauth2_json_str(r, "verification_url");
	if (oauth2_json_str(r, "device_code") == NULL || !printable(uri) ||
	    !printable(oauth2_json_str(r, "user_code"))) {
		oauth2_json_free(r);
		return err_set(e, EX_PROTOCOL, "%.200s: the answer lacks a "
		    "device_code, a printable user_code or a verification_uri",
		    c->device_url);
	}
	d->device_code = xstrdup(oauth2_json_str(r, "device_code"));
	d->user_code = xstrdup(oauth2_json_str(r, "user_code"));
	d->uri = xstrdup(uri);
	if (!oauth2_json_int(r, "expires_in", &d->expires_in) ||
	    d->expires_in <= 0)
		d->expires_in = 900;
	if (!oauth2_json_int(r, "interval", &d->interval) ||
	    d->interval < 1)
		d->interval = DEFAULT_INTERVAL_S;
	oauth2_json_free(r);
	return 0;
}

/* One poll: 1 when still pending, 0 with *grant on approval, -1 with e. */
static int
device_poll(const struct oauth2_client *c, struct device *d,
    struct oauth2_json **grant, struct err *e)
{
	struct oauth2_form f;
	struct oauth2_json *r;
	const char *err;
	long status;
	int rc;

	oauth2_form_init(&f);
	oauth2_form_add(&f, "grant_type", DEVICE_GRANT);
	oauth2_form_add(&f, "device_code", d->device_code);
	oauth2_form_add(&f, "client_id", c->client_id);
	oauth2_form_add(&f, "client_secret", c->client_secret);
	rc = oauth2_post(c->token_url, c->trust_file, c->timeout_s, &f, &r,
	    &status, e);
	oauth2_form_free(&f);
	if (rc == -1)
		return -1;
	if (status == 200) {
		*grant = r;
		return 0;
	}
	err = oauth2_json_str(r, "error");
	if (err != NULL && strcmp(err, "authorization_pending") == 0)
		rc = 1;
	else if (err != NULL && strcmp(err, "slow_down") == 0) {
		d->interval += SLOW_DOWN_S;
		rc = 1;
	} else if (err != NULL && strcmp(err, "expired_token") == 0)
		rc = err_set(e, EX_TEMPFAIL, "the code expired before it was "
		    "entered; run postie --oauth2-login again");
	else if (err != NULL && strcmp(err, "access_denied") == 0)
		rc = err_set(e, EX_NOPERM, "the authorization was refused");
	else
		rc = oauth2_refusal(c, c->token_url, "device token request",
		    r, status, e);
	oauth2_json_free(r);
	return rc;
}

static int
device_flow(const struct oauth2_client *c, int out,
    struct oauth2_json **grant, struct err *e)
{
	struct device d;
	long long deadline;
	int rc;

	if (device_request(c, &d, e) == -1)
		return -1;
	say(out, "To authorize postie for account %s, open\n  %s\n"
	    "in a browser on any device and enter the code %s\n"
	    "(valid for %lld minutes).  Waiting...\n", c->account, d.uri,
	    d.user_code, (d.expires_in + 59) / 60);
	deadline = now_ms() + d.expires_in * 1000;
	do {
		if (now_ms() + d.interval * 1000 > deadline) {
			rc = err_set(e, EX_TEMPFAIL, "the code expired before "
			    "it was entered; run postie --oauth2-login again");
			break;
		}
		sleep((unsigned)(d.interval < INTERVAL_MAX_S ? d.interval :
		    INTERVAL_MAX_S));
	} while ((rc = device_poll(c, &d, grant, e)) == 1);
	device_free(&d);
	return rc;
}

/* ---- loopback redirect with PKCE (RFC 8252, RFC 7636) ---- */

/* base64url without padding (RFC 7636 §4.1, App. A). */
static char *
b64url(const unsigned char *raw, size_t n)
{
	char *s = b64_encode_plain(raw, n), *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=') {
			*p = '\0';
			break;
		}
	}
	return s;
}

struct pkce {
	char	*verifier;		/* secret until the code exchange */
	char	*challenge;
	char	*state;
	char	*redirect_uri;
	int	 lfd;			/* listening on 127.0.0.1 */
};

static void
pkce_free(struct pkce *p)
{
	wipe_free(p->verifier);
	free(p->challenge);
	free(p->state);
	free(p->redirect_uri);
	if (p->lfd >= 0)
		close(p->lfd);
	memset(p, 0, sizeof(*p));
	p->lfd = -1;
}

static int
pkce_init(struct pkce *p, struct err *e)
{
	unsigned char raw[32], digest[32];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(p, 0, sizeof(*p));
	p->lfd = -1;
	if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) != 0)
		return err_set(e, EX_SOFTWARE, "no random bytes");
	p->verifier = b64url(raw, sizeof(raw));		/* 43 characters */
	explicit_bzero(raw, sizeof(raw));
	gnutls_hash_fast(GNUTLS_DIG_SHA256, p->verifier, strlen(p->verifier),
	    digest);
	p->challenge = b64url(digest, sizeof(digest));
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, 16) != 0)
		return err_set(e, EX_SOFTWARE, "no random bytes");
	p->state = b64url(raw, 16);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(p->lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(p->lfd, 4) != 0 ||
	    getsockname(p->lfd, (struct sockaddr *)&sin, &len) != 0)
		return err_sys(e, EX_OSERR, "listening on 127.0.0.1");
	p->redirect_uri = xasprintf("http://127.0.0.1:%u/",
	    (unsigned)ntohs(sin.sin_port));
	return 0;
}

static char *
auth_request_url(const struct oauth2_client *c, const struct pkce *p)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, c->auth_url);
	buf_addc(&b, strchr(c->auth_url, '?') != NULL ? '&' : '?');
	buf_adds(&b, "response_type=code&client_id=");
	oauth2_urlencode(&b, c->client_id);
	buf_adds(&b, "&redirect_uri=");
	oauth2_urlencode(&b, p->redirect_uri);
	if (c->scope != NULL) {
		buf_adds(&b, "&scope=");
		oauth2_urlencode(&b, c->scope);
	}
	buf_adds(&b, "&state=");
	oauth2_urlencode(&b, p->state);
	buf_adds(&b, "&code_challenge=");
	oauth2_urlencode(&b, p->challenge);
	/* Google grants a refresh token only when asked for offline access,
	 * and again on a later login only with prompt=consent. */
	buf_adds(&b, "&code_challenge_method=S256&access_type=offline"
	    "&prompt=consent");
	return buf_steal(&b);
}

/* The code from a redirect target ("/?code=...&state=..." or a whole
 * pasted URL): 1 with *code, 0 when the target is not the redirect (a
 * favicon), -1 with e (refused, wrong state). */
static int
redirect_code(const struct pkce *p, const char *target, size_t len,
    char **code, struct err *e)
{
	const char *q = memchr(target, '?', len), *end;
	char *state = NULL, *error = NULL;
	size_t qlen;
	int rc;

	*code = NULL;
	if (q == NULL)
		return 0;
	q++;
	end = memchr(q, '#', len - (size_t)(q - target));
	qlen = (end != NULL ? end : target + len) - q;
	if (oauth2_query_param(q, qlen, "error", &error) == 0) {
		char clean[64];
		size_t j = 0;

		for (const char *s = error; *s != '\0' && j + 1 < sizeof(clean);
		    s++)
			clean[j++] = *s >= ' ' && *s < 0x7f ? *s : '?';
		clean[j] = '\0';
		free(error);
		return err_set(e, EX_NOPERM, "the authorization was refused "
		    "(%s)", clean);
	}
	if (oauth2_query_param(q, qlen, "state", &state) == -1 ||
	    strcmp(state, p->state) != 0)
		rc = err_set(e, EX_NOPERM, "the redirect's state does not "
		    "match this login (an old or forged redirect)");
	else if (oauth2_query_param(q, qlen, "code", code) == -1 ||
	    **code == '\0')
		rc = err_set(e, EX_PROTOCOL, "the redirect holds no code");
	else
		rc = 1;
	free(state);
	return rc;
}

/* Read one request line from a connected browser (bounded, with a
 * deadline), answer it, and look for the code in its target. */
static int
browser_request(const struct pkce *p, int fd, char **code, struct err *e)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain;"
	    " charset=utf-8\r\nConnection: close\r\n\r\npostie: authorization "
	    "received; you may close this window.\r\n";
	static const char bad[] = "HTTP/1.1 404 Not Found\r\nConnection: "
	    "close\r\nContent-Length: 0\r\n\r\n";
	char *line = xcalloc(1, OAUTH2_LOGIN_LINE_MAX), *sp, *sp2;
	long long deadline = now_ms() + BROWSER_READ_S * 1000;
	size_t len = 0;
	ssize_t n;
	int rc = 0;

	while (len < OAUTH2_LOGIN_LINE_MAX - 1 && memchr(line, '\n', len) ==
	    NULL && fd_wait(fd, POLLIN, deadline) == 1 &&
	    (n = read(fd, line + len, OAUTH2_LOGIN_LINE_MAX - 1 - len)) > 0)
		len += (size_t)n;
	if ((sp = memchr(line, '\n', len)) != NULL && strncmp(line, "GET ",
	    4) == 0 && (sp2 = memchr(line + 4, ' ', (size_t)(sp - line) - 4))
	    != NULL)
		rc = redirect_code(p, line + 4, (size_t)(sp2 - line - 4), code,
		    e);
	(void)write_all(fd, rc == 0 ? bad : ok, rc == 0 ? sizeof(bad) - 1 :
	    sizeof(ok) - 1);
	explicit_bzero(line, OAUTH2_LOGIN_LINE_MAX);
	free(line);
	return rc;
}

/* A redirect address pasted on in (the browser ran elsewhere). */
static int
pasted_request(const struct pkce *p, int in, char **code, struct err *e)
{
	char *line = xcalloc(1, OAUTH2_LOGIN_LINE_MAX);
	ssize_t n = read(in, line, OAUTH2_LOGIN_LINE_MAX - 1);
	size_t len = n > 0 ? (size_t)n : 0;
	int rc;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
	    line[len - 1] == ' '))
		len--;
	if (n == 0)
		rc = -2;	/* end of input: keep waiting for the browser */
	else
		rc = redirect_code(p, line, len, code, e);
	explicit_bzero(line, OAUTH2_LOGIN_LINE_MAX);
	free(line);
	return rc;
}

/* Wait for the redirect, from the browser or pasted. */
static int
wait_for_code(const struct pkce *p, int in, char **code, struct err *e)
{
	long long deadline = now_ms() + OAUTH2_LOGIN_WAIT_S * 1000LL;
	struct pollfd pf[2] = { { p->lfd, POLLIN, 0 }, { in, POLLIN, 0 } };
	int rc = 0, fd, left;

	while (rc == 0) {
		if ((left = (int)(deadline - now_ms())) <= 0)
			return err_set(e, EX_TEMPFAIL, "no redirect came back "
			    "within %d minutes", OAUTH2_LOGIN_WAIT_S / 60);
		if (poll(pf, in >= 0 ? 2 : 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, EX_OSERR, "poll");
		}
		if (pf[0].revents & POLLIN) {
			if ((fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
				continue;
			rc = browser_request(p, fd, code, e);
			close(fd);
		} else if (in >= 0 && (pf[1].revents & (POLLIN | POLLHUP))) {
			if ((rc = pasted_request(p, in, code, e)) == -2) {
				rc = 0;
				pf[1].fd = -1;	/* stdin closed */
			}
		}
	}
	return rc == 1 ? 0 : -1;
}

static int
code_exchange(const struct oauth2_client *c, const struct pkce *p,
    const char *code, struct oauth2_json **grant, struct err *e)
{
	struct oauth2_form f;
	long status;
	int rc;

	oauth2_form_init(&f);
	oauth2_form_add(&f, "grant_type", "authorization_code");
	oauth2_form_add(&f, "code", code);
	oauth2_form_add(&f, "redirect_uri", p->redirect_uri);
	oauth2_form_add(&f, "client_id", c->client_id);
	oauth2_form_add(&f, "client_secret", c->client_secret);
	oauth2_form_add(&f, "code_verifier", p->verifier);
	rc = oauth2_post(c->token_url, c->trust_file, c->timeout_s, &f, grant,
	    &status, e);
	oauth2_form_free(&f);
	if (rc == 0 && status != 200) {
		rc = oauth2_refusal(c, c->token_url, "authorization code "
		    "exchange", *grant, status, e);
		oauth2_json_free(*grant);
		*grant = NULL;
	}
	return rc;
}

static int
loopback_flow(const struct oauth2_client *c, int in, int out,
    struct oauth2_json **grant, struct err *e)
{
	struct pkce p;
	char *url, *code = NULL;
	int rc;

	if (pkce_init(&p, e) == -1) {
		pkce_free(&p);
		return -1;
	}
	url = auth_request_url(c, &p);
	say(out, "To authorize postie for account %s, open this address in "
	    "a browser:\n\n  %s\n\nWaiting for the browser to come back to "
	    "%s\n(if the browser runs on another machine, paste here the "
	    "address it ends up at).\n", c->account, url, p.redirect_uri);
	free(url);
	rc = wait_for_code(&p, in, &code, e);
	if (rc == 0)
		rc = code_exchange(c, &p, code, grant, e);
	wipe_free(code);
	pkce_free(&p);
	return rc;
}

int
oauth2_login(const struct account *a, int in, int out, struct err *e)
{
	struct oauth2_client c;
	struct oauth2_json *grant = NULL;
	char *path = NULL;
	int rc;

	if (!config_oauth2(a))
		return err_set(e, EX_CONFIG, "account %s has no oauth2_* "
		    "settings (oauth2_provider or oauth2_token_url, and "
		    "oauth2_client_id)", a->name);
	if ((rc = oauth2_client_init(&c, a, e)) == 0 && c.device_url == NULL &&
	    c.auth_url == NULL)
		rc = err_set(e, EX_CONFIG, "account %s: --oauth2-login needs "
		    "oauth2_device_url or oauth2_auth_url (or oauth2_provider)",
		    a->name);
	if (rc == 0 && c.device_url != NULL)
		rc = device_flow(&c, out, &grant, e);
	else if (rc == 0)
		rc = loopback_flow(&c, in, out, &grant, e);
	if (rc == 0)
		rc = oauth2_store_grant(a, grant, &path, e);
	if (rc == 0)
		say(out, "postie is authorized for account %s; its tokens are "
		    "kept in %s\n", a->name, path);
	oauth2_json_free(grant);
	free(path);
	oauth2_client_free(&c);
	return rc;
}
