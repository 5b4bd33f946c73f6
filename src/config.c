/*
 * config.c — the msmtprc-compatible configuration file (see config.h).
 *
 * A file is read whole (at most CONFIG_MAX_SIZE bytes) and parsed line by
 * line.  Each account is built as msmtp builds it: a copy of the defaults
 * seen so far, then the settings of each parent, then its own keys.  Beside
 * every account the parser keeps a mask of the settings the account made
 * itself or took from a parent (msmtp's "mask"), so that a child copies
 * from a parent only what the parent really set; the mask is dropped once
 * the file is parsed.
 *
 * Values: the rest of the line after the key, blanks trimmed; double quotes
 * group (and are removed), and inside them \" and \\ stand for " and \.
 * A line whose first non-blank character is '#' is a comment; a '#' after a
 * key is part of the value (passwords hold them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "netrc.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONFIG_MAX_SIZE		(1024 * 1024)	/* no sane file is larger */
#define EVAL_KEEP_MAX		4096		/* passwordeval output kept */
#define DEFAULT_QUEUE_LIFETIME	(5L * 24 * 60 * 60)

/* Every setting an account can hold; one mask bit each. */
enum field {
	F_HOST, F_PORT, F_FROM, F_DOMAIN, F_AUTH, F_USER, F_PASSWORD,
	F_PASSWORDEVAL, F_TLS, F_TLS_STARTTLS, F_TLS_TRUST_FILE,
	F_TLS_FINGERPRINT, F_TLS_CERT_FILE, F_TLS_KEY_FILE, F_TLS_CERTCHECK,
	F_TLS_MIN_VERSION, F_TLS_HOST_OVERRIDE, F_DSN_NOTIFY, F_DSN_RETURN,
	F_ALIASES, F_LOGFILE, F_SYSLOG, F_TIMEOUT, F_SET_FROM_HEADER,
	F_SET_DATE_HEADER, F_SET_MSGID_HEADER, F_REMOVE_BCC_HEADERS,
	F_UNDISCLOSED_RECIPIENTS, F_ALLOW_FROM_OVERRIDE, F_SOURCE_IP, F_QUEUE,
	F_QUEUE_DIR, F_QUEUE_LIFETIME, F_MX_TLS, F_MAX_SIZE,
	F_NONE			/* keys that set nothing */
};

struct fieldinfo {
	size_t	 off;
	size_t	 size;
	bool	 str;		/* an owned char * */
};

#define FLD(f, m) [f] = { offsetof(struct account, m),			\
	sizeof(((struct account *)0)->m), false }
#define FLDS(f, m) [f] = { offsetof(struct account, m), sizeof(char *), true }

static const struct fieldinfo fields[F_NONE] = {
	FLDS(F_HOST, host), FLD(F_PORT, port), FLDS(F_FROM, from),
	FLDS(F_DOMAIN, domain), FLD(F_AUTH, auth), FLDS(F_USER, user),
	FLDS(F_PASSWORD, password), FLDS(F_PASSWORDEVAL, passwordeval),
	FLD(F_TLS, tls), FLD(F_TLS_STARTTLS, tls_starttls),
	FLDS(F_TLS_TRUST_FILE, tls_trust_file),
	FLDS(F_TLS_FINGERPRINT, tls_fingerprint),
	FLDS(F_TLS_CERT_FILE, tls_cert_file),
	FLDS(F_TLS_KEY_FILE, tls_key_file),
	FLD(F_TLS_CERTCHECK, tls_certcheck),
	FLDS(F_TLS_MIN_VERSION, tls_min_version),
	FLDS(F_TLS_HOST_OVERRIDE, tls_host_override),
	FLDS(F_DSN_NOTIFY, dsn_notify), FLDS(F_DSN_RETURN, dsn_return),
	FLDS(F_ALIASES, aliases), FLDS(F_LOGFILE, logfile),
	FLDS(F_SYSLOG, syslog), FLD(F_TIMEOUT, timeout),
	FLD(F_SET_FROM_HEADER, set_from_header),
	FLD(F_SET_DATE_HEADER, set_date_header),
	FLD(F_SET_MSGID_HEADER, set_msgid_header),
	FLD(F_REMOVE_BCC_HEADERS, remove_bcc_headers),
	FLD(F_UNDISCLOSED_RECIPIENTS, undisclosed_recipients),
	FLD(F_ALLOW_FROM_OVERRIDE, allow_from_override),
	FLDS(F_SOURCE_IP, source_ip), FLD(F_QUEUE, queue),
	FLDS(F_QUEUE_DIR, queue_dir), FLD(F_QUEUE_LIFETIME, queue_lifetime),
	FLD(F_MX_TLS, mx_tls), FLD(F_MAX_SIZE, max_size),
};

/* An account being built. */
struct acc_state {
	struct account	 a;
	uint64_t	 mask;		/* fields set here or by a parent */
	char		*maildomain;	/* msmtp's old maildomain key */
};

struct parse {
	const char	*name;		/* file name for messages */
	int		 line;
	struct acc_state defaults;
	struct acc_state *accs;
	size_t		 n, cap;
	struct acc_state *cur;		/* NULL before the first block */
	bool		 has_password;
	char		*default_name;
};

struct keydef;
typedef int (*setter)(struct parse *, struct acc_state *,
    const struct keydef *, const char *, struct err *);

struct keydef {
	const char	*name;
	enum field	 field;
	setter		 set;
};

static void *
field_ptr(struct account *a, enum field f)
{
	return (char *)a + fields[f].off;
}

static void
set_str_field(struct account *a, enum field f, const char *v)
{
	char **p = field_ptr(a, f);

	free(*p);
	*p = v != NULL ? xstrdup(v) : NULL;
}

/* Copy the fields of src named by mask into dst. */
static void
copy_fields(struct account *dst, const struct account *src, uint64_t mask)
{
	for (int f = 0; f < F_NONE; f++) {
		if ((mask & (UINT64_C(1) << f)) == 0)
			continue;
		if (fields[f].str)
			set_str_field(dst, f,
			    *(char *const *)field_ptr((struct account *)src, f));
		else
			memcpy(field_ptr(dst, f),
			    field_ptr((struct account *)src, f), fields[f].size);
	}
}

/* postie's defaults where msmtp has none or differs (see config.h). */
static void
account_init(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->auth = AUTH_OFF;
	a->tls = true;
	a->tls_starttls = true;
	a->tls_certcheck = true;
	a->set_from_header = TRI_AUTO;
	a->set_date_header = true;
	a->set_msgid_header = true;
	a->remove_bcc_headers = true;
	a->allow_from_override = true;
	a->queue = true;
	a->queue_lifetime = DEFAULT_QUEUE_LIFETIME;
	a->mx_tls = MX_TLS_OPPORTUNISTIC;
}

static void
account_clear(struct account *a)
{
	for (int f = 0; f < F_NONE; f++)
		if (fields[f].str)
			set_str_field(a, f, NULL);
	free(a->name);
	free(a->file);
	memset(a, 0, sizeof(*a));
}

/* --- value helpers --- */

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : NULL;
}

/* "~/x" and "~" become $HOME/x and $HOME; anything else is kept. */
static char *
expand_tilde(const char *v)
{
	const char *home;

	if (v[0] != '~' || (v[1] != '/' && v[1] != '\0'))
		return xstrdup(v);
	home = home_dir();
	if (home == NULL)
		return xstrdup(v);
	return xasprintf("%s%s", home, v + 1);
}

static int
parse_bool(const char *v, bool *out)
{
	if (*v == '\0' || strcmp(v, "on") == 0)
		*out = true;
	else if (strcmp(v, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* "N" with an optional unit suffix; units is a list of "suffix=factor". */
static int
parse_scaled(const char *v, const char *const *sfx, const long long *mul,
    long long *out)
{
	char *end;
	long long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || n < 0)
		return -1;
	if (*end == '\0') {
		*out = n;
		return 0;
	}
	for (size_t i = 0; sfx[i] != NULL; i++) {
		if (strcmp(end, sfx[i]) != 0)
			continue;
		if (n > LLONG_MAX / mul[i])
			return -1;
		*out = n * mul[i];
		return 0;
	}
	return -1;
}

static int
parse_duration(const char *v, long long *out)
{
	static const char *const sfx[] = { "s", "m", "h", "d", NULL };
	static const long long mul[] = { 1, 60, 3600, 86400 };

	return parse_scaled(v, sfx, mul, out);
}

/* --- setters: fill the field, or return -1 with the problem in e --- */

static int
set_str(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	set_str_field(&s->a, k->field, *v != '\0' ? v : NULL);
	return 0;
}

static int
set_str_req(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (*v == '\0')
		return err_set(e, EX_CONFIG, "%s needs a value", k->name);
	set_str_field(&s->a, k->field, v);
	return 0;
}

static int
set_path(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	char **f = field_ptr(&s->a, k->field);

	free(*f);
	*f = *v != '\0' ? expand_tilde(v) : NULL;
	return 0;
}

static int
set_password(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (*v != '\0')
		p->has_password = true;
	return set_str(p, s, k, v, e);
}

static int
set_bool(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (parse_bool(v, field_ptr(&s->a, k->field)) < 0)
		return err_set(e, EX_CONFIG, "%s: \"%s\" is not on or off",
		    k->name, v);
	return 0;
}

/* tls_nocertcheck and keepbcc: msmtp's negated spellings. */
static int
set_bool_not(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	bool *f = field_ptr(&s->a, k->field);

	if (set_bool(p, s, k, v, e) < 0)
		return -1;
	*f = !*f;
	return 0;
}

/* set_date_header, set_msgid_header: auto means on (add when missing). */
static int
set_auto_bool(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (strcmp(v, "auto") == 0)
		v = "on";
	if (parse_bool(v, field_ptr(&s->a, k->field)) < 0)
		return err_set(e, EX_CONFIG, "%s: \"%s\" is not auto, on or off",
		    k->name, v);
	return 0;
}

static int
set_from_header(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	bool on;

	if (strcmp(v, "auto") == 0) {
		s->a.set_from_header = TRI_AUTO;
		return 0;
	}
	if (parse_bool(v, &on) < 0)
		return err_set(e, EX_CONFIG, "%s: \"%s\" is not auto, on or off",
		    k->name, v);
	/* The old add_missing_from_header on meant "add when missing". */
	if (strcmp(k->name, "add_missing_from_header") == 0)
		s->a.set_from_header = on ? TRI_AUTO : TRI_OFF;
	else
		s->a.set_from_header = on ? TRI_ON : TRI_OFF;
	return 0;
}

static int
set_port(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	long long n;

	if (parse_scaled(v, (const char *const[]){ NULL }, NULL, &n) < 0 ||
	    n < 1 || n > 65535)
		return err_set(e, EX_CONFIG, "port: \"%s\" is not a port "
		    "number (1-65535)", v);
	s->a.port = (int)n;
	return 0;
}

static int
set_auth(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	static const struct { const char *name; enum auth_method m; } t[] = {
		{ "", AUTH_AUTO }, { "on", AUTH_AUTO }, { "off", AUTH_OFF },
		{ "plain", AUTH_PLAIN }, { "login", AUTH_LOGIN },
		{ "cram-md5", AUTH_CRAM_MD5 }, { "xoauth2", AUTH_XOAUTH2 },
		{ "oauthbearer", AUTH_OAUTHBEARER },
		{ "scram-sha-1", AUTH_SCRAM_SHA_1 },
		{ "scram-sha-256", AUTH_SCRAM_SHA_256 },
		{ "external", AUTH_EXTERNAL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ascii_eq_ci(v, t[i].name)) {
			s->a.auth = t[i].m;
			return 0;
		}
	}
	return err_set(e, EX_CONFIG, "auth: method \"%s\" is not supported "
	    "(on, off, plain, login, cram-md5, xoauth2, oauthbearer, "
	    "scram-sha-1, scram-sha-256, external)", v);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* msmtp tells the hash by the length: SHA-256 is the only one postie pins
 * (SHA-1 and MD5 are too weak to identify a certificate).  Stored as
 * "AB:CD:..." in upper case, whatever the spelling in the file. */
static int
set_fingerprint(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	struct buf b;
	size_t ndigits = 0;

	if (*v == '\0') {
		set_str_field(&s->a, F_TLS_FINGERPRINT, NULL);
		return 0;
	}
	buf_init(&b);
	for (const char *c = v; *c != '\0'; c++) {
		if (*c == ':')
			continue;
		if (hexval((unsigned char)*c) < 0) {
			buf_free(&b);
			return err_set(e, EX_CONFIG, "tls_fingerprint: \"%s\" "
			    "is not a hexadecimal fingerprint", v);
		}
		if (ndigits > 0 && ndigits % 2 == 0)
			buf_addc(&b, ':');
		buf_addc(&b, *c >= 'a' ? *c - 'a' + 'A' : *c);
		ndigits++;
	}
	if (ndigits != 64) {
		buf_free(&b);
		return err_set(e, EX_CONFIG, "tls_fingerprint: only SHA-256 "
		    "fingerprints (32 bytes) are supported, not %zu%s bytes%s",
		    ndigits / 2, ndigits % 2 ? ".5" : "",
		    ndigits == 40 || ndigits == 32 ? " (SHA-1 and MD5 pins are "
		    "too weak)" : "");
	}
	free(s->a.tls_fingerprint);
	s->a.tls_fingerprint = buf_steal(&b);
	return 0;
}

static int
set_refuse_weak_pin(struct parse *p, struct acc_state *s,
    const struct keydef *k, const char *v, struct err *e)
{
	return err_set(e, EX_CONFIG, "%s: SHA-1 and MD5 certificate pins are "
	    "not supported; use tls_fingerprint with the SHA-256 fingerprint",
	    k->name);
}

static int
set_min_version(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (ascii_prefix_ci(v, "tlsv"))
		v += 4;
	else if (ascii_prefix_ci(v, "tls"))
		v += 3;
	if (strcmp(v, "1.2") != 0 && strcmp(v, "1.3") != 0)
		return err_set(e, EX_CONFIG, "tls_min_version: \"%s\" is not "
		    "1.2 or 1.3", v);
	set_str_field(&s->a, F_TLS_MIN_VERSION, v);
	return 0;
}

/* Stored as the ESMTP parameter wants it: "NEVER" or "SUCCESS,DELAY". */
static int
set_dsn_notify(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	static const char *const ok[] = { "success", "failure", "delay" };
	struct buf b;
	const char *c = v;

	if (*v == '\0' || strcmp(v, "off") == 0) {
		set_str_field(&s->a, F_DSN_NOTIFY, NULL);
		return 0;
	}
	if (ascii_eq_ci(v, "never")) {
		set_str_field(&s->a, F_DSN_NOTIFY, "NEVER");
		return 0;
	}
	buf_init(&b);
	while (*c != '\0') {
		size_t n = strcspn(c, ","), i;

		for (i = 0; i < 3; i++)
			if (n == strlen(ok[i]) && ascii_eqn_ci(c, ok[i], n))
				break;
		if (i == 3) {
			buf_free(&b);
			return err_set(e, EX_CONFIG, "dsn_notify: \"%s\" is "
			    "not off, never or a list of success, failure, "
			    "delay", v);
		}
		buf_printf(&b, "%s%s", b.len ? "," : "",
		    i == 0 ? "SUCCESS" : i == 1 ? "FAILURE" : "DELAY");
		c += n + (c[n] == ',');
	}
	free(s->a.dsn_notify);
	s->a.dsn_notify = buf_steal(&b);
	return 0;
}

/* Stored as RET= wants it: "HDRS" or "FULL". */
static int
set_dsn_return(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	const char *r;

	if (*v == '\0' || strcmp(v, "off") == 0)
		r = NULL;
	else if (ascii_eq_ci(v, "headers") || ascii_eq_ci(v, "hdrs"))
		r = "HDRS";
	else if (ascii_eq_ci(v, "full"))
		r = "FULL";
	else
		return err_set(e, EX_CONFIG, "dsn_return: \"%s\" is not off, "
		    "headers or full", v);
	set_str_field(&s->a, F_DSN_RETURN, r);
	return 0;
}

/* NULL (off), "on" (LOG_MAIL) or a facility spelled "LOG_LOCAL0". */
static int
set_syslog(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	static const char *const fac[] = {
		"USER", "MAIL", "DAEMON", "LOCAL0", "LOCAL1", "LOCAL2",
		"LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6", "LOCAL7",
	};
	const char *name = ascii_prefix_ci(v, "LOG_") ? v + 4 : v;

	if (*v == '\0' || strcmp(v, "on") == 0) {
		set_str_field(&s->a, F_SYSLOG, "on");
		return 0;
	}
	if (strcmp(v, "off") == 0) {
		set_str_field(&s->a, F_SYSLOG, NULL);
		return 0;
	}
	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++) {
		if (ascii_eq_ci(name, fac[i])) {
			char *f = xasprintf("LOG_%s", fac[i]);

			set_str_field(&s->a, F_SYSLOG, f);
			free(f);
			return 0;
		}
	}
	return err_set(e, EX_CONFIG, "syslog: \"%s\" is not on, off or a "
	    "facility (LOG_MAIL, LOG_USER, LOG_DAEMON, LOG_LOCAL0..7)", v);
}

static int
set_timeout(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	long long n;

	if (strcmp(v, "off") == 0) {
		s->a.timeout = 0;
		return 0;
	}
	if (parse_duration(v, &n) < 0 || n > INT_MAX)	/* 0 = off */
		return err_set(e, EX_CONFIG, "timeout: \"%s\" is not off or a "
		    "number of seconds", v);
	s->a.timeout = (int)n;
	return 0;
}

static int
set_lifetime(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	long long n;

	if (parse_duration(v, &n) < 0 || n < 1 || n > LONG_MAX)
		return err_set(e, EX_CONFIG, "queue_lifetime: \"%s\" is not a "
		    "duration (N, Ns, Nm, Nh or Nd)", v);
	s->a.queue_lifetime = (long)n;
	return 0;
}

static int
set_max_size(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	static const char *const sfx[] = {
		"k", "K", "m", "M", "g", "G", NULL
	};
	static const long long mul[] = {
		1LL << 10, 1LL << 10, 1LL << 20, 1LL << 20, 1LL << 30, 1LL << 30
	};

	if (strcmp(v, "off") == 0) {
		s->a.max_size = 0;
		return 0;
	}
	if (parse_scaled(v, sfx, mul, &s->a.max_size) < 0)
		return err_set(e, EX_CONFIG, "max_size: \"%s\" is not a size "
		    "(N bytes, or N with k, M or G)", v);
	return 0;
}

static int
set_mx_tls(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (strcmp(v, "opportunistic") == 0)
		s->a.mx_tls = MX_TLS_OPPORTUNISTIC;
	else if (strcmp(v, "required") == 0)
		s->a.mx_tls = MX_TLS_REQUIRED;
	else if (strcmp(v, "dane") == 0)
		s->a.mx_tls = MX_TLS_DANE;
	else
		return err_set(e, EX_CONFIG, "mx_tls: \"%s\" is not "
		    "opportunistic, required or dane", v);
	return 0;
}

static int
set_source_ip(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	unsigned char addr[16];

	if (*v != '\0' && inet_pton(AF_INET, v, addr) != 1 &&
	    inet_pton(AF_INET6, v, addr) != 1)
		return err_set(e, EX_CONFIG, "source_ip: \"%s\" is not an IP "
		    "address", v);
	return set_str(p, s, k, v, e);
}

static int
set_protocol(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	if (*v == '\0' || strcmp(v, "smtp") == 0)
		return 0;
	return err_set(e, EX_CONFIG, "protocol: \"%s\" is not supported "
	    "(postie speaks smtp only)", v);
}

/* msmtp's old auto_from/maildomain pair: from becomes %U@maildomain
 * (%U@%H without maildomain); %-sequences expand when parsing ends. */
static void
auto_from_apply(struct acc_state *s)
{
	char *f = xasprintf("%%U@%s", s->maildomain ? s->maildomain : "%H");

	set_str_field(&s->a, F_FROM, f);
	free(f);
	s->mask |= UINT64_C(1) << F_FROM;
}

static int
set_auto_from(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	bool on;

	if (parse_bool(v, &on) < 0)
		return err_set(e, EX_CONFIG, "auto_from: \"%s\" is not on or "
		    "off", v);
	if (on)
		auto_from_apply(s);
	return 0;
}

static int
set_maildomain(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	free(s->maildomain);
	s->maildomain = *v != '\0' ? xstrdup(v) : NULL;
	if (s->a.from != NULL && strncmp(s->a.from, "%U@", 3) == 0)
		auto_from_apply(s);
	return 0;
}

static int
set_ignore(struct parse *p, struct acc_state *s, const struct keydef *k,
    const char *v, struct err *e)
{
	return 0;
}

static const struct keydef keys[] = {
	{ "host", F_HOST, set_str_req },
	{ "port", F_PORT, set_port },
	{ "from", F_FROM, set_str },
	{ "domain", F_DOMAIN, set_str },
	{ "auth", F_AUTH, set_auth },
	{ "user", F_USER, set_str },
	{ "password", F_PASSWORD, set_password },
	{ "passwordeval", F_PASSWORDEVAL, set_str },
	{ "tls", F_TLS, set_bool },
	{ "tls_starttls", F_TLS_STARTTLS, set_bool },
	{ "tls_trust_file", F_TLS_TRUST_FILE, set_path },
	{ "tls_fingerprint", F_TLS_FINGERPRINT, set_fingerprint },
	{ "tls_cert_file", F_TLS_CERT_FILE, set_path },
	{ "tls_key_file", F_TLS_KEY_FILE, set_path },
	{ "tls_certcheck", F_TLS_CERTCHECK, set_bool },
	{ "tls_nocertcheck", F_TLS_CERTCHECK, set_bool_not },
	{ "tls_min_version", F_TLS_MIN_VERSION, set_min_version },
	{ "tls_host_override", F_TLS_HOST_OVERRIDE, set_str },
	{ "dsn_notify", F_DSN_NOTIFY, set_dsn_notify },
	{ "dsn_return", F_DSN_RETURN, set_dsn_return },
	{ "aliases", F_ALIASES, set_path },
	{ "logfile", F_LOGFILE, set_path },
	{ "syslog", F_SYSLOG, set_syslog },
	{ "timeout", F_TIMEOUT, set_timeout },
	{ "set_from_header", F_SET_FROM_HEADER, set_from_header },
	{ "add_missing_from_header", F_SET_FROM_HEADER, set_from_header },
	{ "set_date_header", F_SET_DATE_HEADER, set_auto_bool },
	{ "add_missing_date_header", F_SET_DATE_HEADER, set_auto_bool },
	{ "set_msgid_header", F_SET_MSGID_HEADER, set_auto_bool },
	{ "remove_bcc_headers", F_REMOVE_BCC_HEADERS, set_bool },
	{ "keepbcc", F_REMOVE_BCC_HEADERS, set_bool_not },
	{ "undisclosed_recipients", F_UNDISCLOSED_RECIPIENTS, set_bool },
	{ "allow_from_override", F_ALLOW_FROM_OVERRIDE, set_bool },
	{ "source_ip", F_SOURCE_IP, set_source_ip },
	{ "queue", F_QUEUE, set_bool },
	{ "queue_dir", F_QUEUE_DIR, set_path },
	{ "queue_lifetime", F_QUEUE_LIFETIME, set_lifetime },
	{ "mx_tls", F_MX_TLS, set_mx_tls },
	{ "max_size", F_MAX_SIZE, set_max_size },
	{ "auto_from", F_NONE, set_auto_from },
	{ "maildomain", F_NONE, set_maildomain },
	{ "protocol", F_NONE, set_protocol },
	{ "tls_sha1_fingerprint", F_NONE, set_refuse_weak_pin },
	{ "tls_md5_fingerprint", F_NONE, set_refuse_weak_pin },
	/* msmtp keys with no meaning for postie: accepted, ignored. */
	{ "proxy_host", F_NONE, set_ignore },
	{ "proxy_port", F_NONE, set_ignore },
	{ "socket", F_NONE, set_ignore },
	{ "tls_crl_file", F_NONE, set_ignore },
	{ "tls_priorities", F_NONE, set_ignore },
	{ "tls_force_sslv3", F_NONE, set_ignore },
	{ "tls_min_dh_prime_bits", F_NONE, set_ignore },
	{ "logfile_time_format", F_NONE, set_ignore },
	{ "eval", F_NONE, set_ignore },
	{ "ntlmdomain", F_NONE, set_ignore },
	{ "from_full_name", F_NONE, set_ignore },
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
	copy_fields(&s->a, &par->a, par->mask);
	s->mask |= par->mask;
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
	account_init(&s->a);
	copy_fields(&s->a, &p->defaults.a, p->defaults.mask);
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
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].name, key) != 0)
			continue;
		if (p->cur == NULL)
			return err_set(e, EX_CONFIG, "%s comes before the "
			    "first \"defaults\" or \"account\" line", key);
		if (keys[i].set(p, p->cur, &keys[i], v, e) < 0)
			return -1;
		if (keys[i].field != F_NONE)
			p->cur->mask |= UINT64_C(1) << keys[i].field;
		return 0;
	}
	return err_set(e, EX_CONFIG, "unknown key \"%s\"", key);
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

/* msmtp's from placeholders: %U login, %H host name, %C canonical name,
 * %M /etc/mailname, %% a percent sign. */
static char *
expand_from(const char *from)
{
	struct buf b;
	struct passwd *pw;
	char host[256];

	buf_init(&b);
	for (const char *c = from; *c != '\0'; c++) {
		if (*c != '%' || c[1] == '\0') {
			buf_addc(&b, *c);
			continue;
		}
		switch (*++c) {
		case 'U':
			pw = getpwuid(geteuid());
			buf_adds(&b, pw != NULL ? pw->pw_name :
			    getenv("USER") ? getenv("USER") : "nobody");
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
finish_account(struct account *a, uint64_t mask)
{
	a->tls_set = (mask & (UINT64_C(1) << F_TLS)) != 0;
	/* A user or a password with no auth line means the user wants AUTH. */
	if ((mask & (UINT64_C(1) << F_AUTH)) == 0 &&
	    (a->user != NULL || a->password != NULL || a->passwordeval != NULL))
		a->auth = AUTH_AUTO;
	if (a->from != NULL && strchr(a->from, '%') != NULL) {
		char *f = expand_from(a->from);

		free(a->from);
		a->from = f;
	}
}

static void
parse_free(struct parse *p)
{
	for (size_t i = 0; i < p->n; i++) {
		account_clear(&p->accs[i].a);
		free(p->accs[i].maildomain);
	}
	free(p->accs);
	account_clear(&p->defaults.a);
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
		finish_account(&p->accs[i].a, p->accs[i].mask);
		cfg->accounts[i] = p->accs[i].a;
		memset(&p->accs[i].a, 0, sizeof(p->accs[i].a));
	}
	cfg->naccounts = p->n;
	cfg->default_name = p->default_name;
	p->default_name = NULL;
	/* The embedded default takes the defaults block, so a file with only
	 * "defaults" still means something. */
	account_init(&cfg->embedded);
	copy_fields(&cfg->embedded, &p->defaults.a, p->defaults.mask);
	cfg->embedded.name = xstrdup("default");
	finish_account(&cfg->embedded, p->defaults.mask);
	parse_free(p);
}

static int
config_parse_full(struct config *cfg, const char *text, size_t len,
    const char *name, bool *has_password, struct err *e)
{
	struct parse p;
	size_t pos = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(&p, 0, sizeof(p));
	p.name = name;
	account_init(&p.defaults.a);
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
	return 0;
}

int
config_parse(struct config *cfg, const char *text, size_t len,
    const char *name, struct err *e)
{
	bool has_password;

	return config_parse_full(cfg, text, len, name, &has_password, e);
}

/* --- files --- */

/* Read path whole.  Returns 1 (nothing read) when it does not exist. */
static int
read_config_file(const char *path, struct buf *b, struct stat *st,
    struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char chunk[8192];
	ssize_t n;

	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (fd < 0)
		return err_sys(e, EX_CONFIG, "cannot open %s", path);
	/* A pipe is fine too: -C <(generate-config) */
	if (fstat(fd, st) != 0 ||
	    (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode))) {
		close(fd);
		return err_set(e, EX_CONFIG, "%s: not a regular file", path);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, EX_CONFIG, "cannot read %s", path);
			close(fd);
			return -1;
		}
		if (b->len + (size_t)n > CONFIG_MAX_SIZE) {
			close(fd);
			return err_set(e, EX_CONFIG, "%s: larger than %d bytes",
			    path, CONFIG_MAX_SIZE);
		}
		buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

/* msmtp's rule: a file holding a password is the user's alone.  root's
 * files are accepted too, for system-wide files readable only by root. */
static int
check_secure(const char *path, const struct stat *st, struct err *e)
{
	if ((st->st_mode & 077) != 0)
		return err_set(e, EX_CONFIG, "%s: contains a password but is "
		    "readable by others; chmod 600 %s", path, path);
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return err_set(e, EX_CONFIG, "%s: contains a password but is "
		    "owned by another user (uid %ld)", path, (long)st->st_uid);
	return 0;
}

/* Returns 1 when path does not exist. */
static int
load_file(struct config *cfg, const char *path, struct err *e)
{
	struct buf b;
	struct stat st;
	bool has_password = false;
	int r;

	buf_init(&b);
	r = read_config_file(path, &b, &st, e);
	if (r != 0) {
		buf_free(&b);
		return r;
	}
	r = config_parse_full(cfg, b.data ? b.data : "", b.len, path,
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

static void
candidates(struct strlist *l)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = home_dir();
	char *xdgdir = NULL;

	if (xdg != NULL && xdg[0] == '/')
		xdgdir = xstrdup(xdg);
	else if (home != NULL)
		xdgdir = xasprintf("%s/.config", home);
	if (xdgdir != NULL)
		strlist_take(l, xasprintf("%s/postie/config", xdgdir));
	if (home != NULL) {
		strlist_take(l, xasprintf("%s/.postierc", home));
		strlist_take(l, xasprintf("%s/.msmtprc", home));
	}
	if (xdgdir != NULL)
		strlist_take(l, xasprintf("%s/msmtp/config", xdgdir));
	free(xdgdir);
	strlist_add(l, SYSCONFDIR "/postie.conf");
	if (strcmp(SYSCONFDIR "/postie.conf", "/etc/postie.conf") != 0)
		strlist_add(l, "/etc/postie.conf");
	strlist_add(l, "/etc/msmtprc");
}

int
config_load(struct config *cfg, const char *path, struct err *e)
{
	struct strlist l;
	int r = 1;

	memset(cfg, 0, sizeof(*cfg));
	if (path != NULL) {
		r = load_file(cfg, path, e);
		if (r == 1)
			return err_set(e, EX_CONFIG, "%s: no such file", path);
		return r;
	}
	strlist_init(&l);
	candidates(&l);
	for (size_t i = 0; i < l.n && r == 1; i++)
		r = load_file(cfg, l.v[i], e);
	strlist_free(&l);
	if (r == 1)	/* no file at all: the embedded default */
		return config_parse(cfg, "", 0, "(embedded)", e);
	return r;
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

static void
child_exec(const char *cmd, int out)
{
	int null = open("/dev/null", O_RDONLY);

	/* stdin is the message in sendmail mode: the command must not eat it */
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	if (out != STDOUT_FILENO) {
		dup2(out, STDOUT_FILENO);
		close(out);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Run cmd, keep the start of its output in b (the rest is drained so the
 * command never dies of SIGPIPE), and return its wait status. */
static int
run_capture(const char *cmd, struct buf *b, int *status, struct err *e)
{
	int fds[2];
	char chunk[1024];
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return err_sys(e, EX_OSERR, "passwordeval: pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_sys(e, EX_OSERR, "passwordeval: fork");
	}
	if (pid == 0)
		child_exec(cmd, fds[1]);
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (b->len < EVAL_KEEP_MAX)
			buf_add(b, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, EX_OSERR, "passwordeval: waitpid");
	return 0;
}

static int
password_eval(const char *cmd, char **password, struct err *e)
{
	struct buf b;
	int status;
	size_t n;

	buf_init(&b);
	if (run_capture(cmd, &b, &status, e) < 0) {
		buf_free(&b);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf_free(&b);
		if (WIFSIGNALED(status))
			return err_set(e, EX_CONFIG, "passwordeval \"%.200s\" "
			    "was killed by signal %d", cmd, WTERMSIG(status));
		return err_set(e, EX_CONFIG, "passwordeval \"%.200s\" exited "
		    "with status %d", cmd, WEXITSTATUS(status));
	}
	n = 0;
	while (n < b.len && b.data[n] != '\n' && b.data[n] != '\0')
		n++;
	if (n > 0 && b.data[n - 1] == '\r')
		n--;
	*password = xstrndup(b.data ? b.data : "", n);
	explicit_bzero(b.data, b.cap);
	buf_free(&b);
	return 0;
}

int
config_password(const struct account *a, char **password, struct err *e)
{
	*password = NULL;
	if (a->password != NULL) {
		*password = xstrdup(a->password);
		return 0;
	}
	if (a->passwordeval != NULL)
		return password_eval(a->passwordeval, password, e);
	if (a->host != NULL)
		*password = netrc_password(a->host, a->user);
	return 0;
}

void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		account_clear(&cfg->accounts[i]);
	free(cfg->accounts);
	account_clear(&cfg->embedded);
	free(cfg->path);
	free(cfg->default_name);
	memset(cfg, 0, sizeof(*cfg));
}
