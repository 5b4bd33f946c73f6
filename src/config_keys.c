/*
 * config_keys.c — the keys of a configuration file: what each one sets in
 * an account and how its value is read (see config_keys.h).
 *
 * Each key is a row of keys[]: its name, the account field it sets (one
 * mask bit, see config.c for inheritance) and its setter.  A setter checks
 * the value and fills the field, or returns -1 with EX_CONFIG naming the
 * key and the value.  msmtp's spellings are kept (tls_nocertcheck,
 * keepbcc, add_missing_*).  No key that changes where or how mail goes is
 * accepted and ignored (design §2): a value postie cannot honour
 * (remove_bcc_headers off, tls_force_sslv3, ...) is refused naming the
 * key.  Only keys that tune msmtp itself (set_ignore) are accepted and
 * ignored, each listed in postie.conf(5), so that an msmtp file works
 * unchanged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "config_keys.h"
#include "tls.h"
#include "util.h"

#define DEFAULT_QUEUE_LIFETIME	(5L * 24 * 60 * 60)
#define DEFAULT_NOTIFY_LIMIT	10	/* notices per sender per hour */
#define DEFAULT_HOST_DOWN_TIME	(5L * 60)	/* a dead relay is skipped */
/* Domains served at once, as Postfix's default per-destination
 * concurrency; the cap keeps a typo from forking thousands. */
#define DEFAULT_MX_PARALLEL	20
#define MX_PARALLEL_MAX		200

struct fieldinfo {
	size_t	 off;
	size_t	 size;
	bool	 str;		/* an owned char * */
};

#define FLD(f, m) [f] = { offsetof(struct account, m),			\
	sizeof(((struct account *)0)->m), false }
#define FLDS(f, m) [f] = { offsetof(struct account, m), sizeof(char *), true }

/* Where each field lives in struct account: copied by mask, freed. */
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
	FLD(F_MX_TLS, mx_tls), FLD(F_MX_PARALLEL, mx_parallel),
	FLD(F_MAX_SIZE, max_size),
	FLD(F_NOTIFY_FAILURE, notify_failure),
	FLD(F_NOTIFY_DELAY, notify_delay), FLDS(F_NOTIFY_FROM, notify_from),
	FLD(F_NOTIFY_LIMIT, notify_limit),
	FLDS(F_NOTIFY_COMMAND, notify_command),
	FLDS(F_METRICS_FILE, metrics_file),
	FLDS(F_DKIM_KEY, dkim_key), FLDS(F_DKIM_SELECTOR, dkim_selector),
	FLDS(F_DKIM_DOMAIN, dkim_domain), FLDS(F_DKIM_HEADERS, dkim_headers),
	FLDS(F_FALLBACK_ACCOUNTS, fallback_accounts),
	FLD(F_HOST_DOWN_TIME, host_down_time),
	FLDS(F_OAUTH2_PROVIDER, oauth2_provider),
	FLDS(F_OAUTH2_TOKEN_URL, oauth2_token_url),
	FLDS(F_OAUTH2_DEVICE_URL, oauth2_device_url),
	FLDS(F_OAUTH2_AUTH_URL, oauth2_auth_url),
	FLDS(F_OAUTH2_CLIENT_ID, oauth2_client_id),
	FLDS(F_OAUTH2_CLIENT_SECRET, oauth2_client_secret),
	FLDS(F_OAUTH2_CLIENT_SECRET_EVAL, oauth2_client_secret_eval),
	FLDS(F_OAUTH2_SCOPE, oauth2_scope),
	FLDS(F_OAUTH2_REFRESH_TOKEN, oauth2_refresh_token),
	FLDS(F_OAUTH2_REFRESH_TOKEN_EVAL, oauth2_refresh_token_eval),
	FLDS(F_OAUTH2_TRUST_FILE, oauth2_trust_file),
	FLD(F_USER_CONFIG, user_config),
	FLDS(F_PROXY_HOST, proxy_host), FLD(F_PROXY_PORT, proxy_port),
	FLDS(F_SOCKET, socket), FLDS(F_TLS_PRIORITIES, tls_priorities),
	FLDS(F_FROM_FULL_NAME, from_full_name),
	FLDS(F_TLS_CRL_FILE, tls_crl_file),
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
void
config_copy_fields(struct account *dst, const struct account *src,
    const struct field_mask *mask)
{
	for (int f = 0; f < F_NONE; f++) {
		if (!field_mask_has(mask, (enum field)f))
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
void
config_account_init(struct account *a)
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
	a->user_config = true;
	a->queue_lifetime = DEFAULT_QUEUE_LIFETIME;
	a->mx_tls = MX_TLS_OPPORTUNISTIC;
	a->mx_parallel = DEFAULT_MX_PARALLEL;
	a->notify_failure = true;
	a->notify_limit = DEFAULT_NOTIFY_LIMIT;
	a->host_down_time = DEFAULT_HOST_DOWN_TIME;
}

void
config_account_clear(struct account *a)
{
	for (int f = 0; f < F_NONE; f++)
		if (fields[f].str)
			set_str_field(a, f, NULL);
	free(a->name);
	free(a->file);
	free(a->from_template);
	memset(a, 0, sizeof(*a));
}

/* --- value helpers --- */

const char *
config_home_dir(void)
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
	home = config_home_dir();
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
set_str(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	set_str_field(&s->a, k->field, *v != '\0' ? v : NULL);
	return 0;
}

static int
set_str_req(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (*v == '\0')
		return err_set(e, EX_CONFIG, "%s needs a value", k->name);
	set_str_field(&s->a, k->field, v);
	return 0;
}

static int
set_path(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	char **f = field_ptr(&s->a, k->field);

	free(*f);
	*f = *v != '\0' ? expand_tilde(v) : NULL;
	return 0;
}

static int
set_bool(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (parse_bool(v, field_ptr(&s->a, k->field)) < 0)
		return err_set(e, EX_CONFIG, "%s: \"%s\" is not on or off",
		    k->name, v);
	return 0;
}

/* tls_nocertcheck and keepbcc: msmtp's negated spellings. */
static int
set_bool_not(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	bool *f = field_ptr(&s->a, k->field);

	if (set_bool(s, k, v, e) < 0)
		return -1;
	*f = !*f;
	return 0;
}

/* set_date_header, set_msgid_header: auto means on (add when missing). */
static int
set_auto_bool(struct acc_state *s, const struct config_key *k,
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
set_from_header(struct acc_state *s, const struct config_key *k,
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

/* port, and proxy_port, where "" means the default (msmtp). */
static int
set_port(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	long long n;

	if (*v == '\0' && k->field == F_PROXY_PORT) {
		s->a.proxy_port = 0;
		return 0;
	}
	if (parse_scaled(v, (const char *const[]){ NULL }, NULL, &n) < 0 ||
	    n < 1 || n > 65535)
		return err_set(e, EX_CONFIG, "%s: \"%s\" is not a port "
		    "number (1-65535)", k->name, v);
	*(int *)field_ptr(&s->a, k->field) = (int)n;
	return 0;
}

static int
set_auth(struct acc_state *s, const struct config_key *k,
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

/* msmtp tells the hash by the length: SHA-256 is the only one postie pins
 * (SHA-1 and MD5 are too weak to identify a certificate).  Stored as
 * "AB:CD:..." in upper case, whatever the spelling in the file. */
static int
set_fingerprint(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	unsigned char pin[FINGERPRINT_SHA256_LEN];
	char norm[3 * FINGERPRINT_SHA256_LEN];
	size_t ndigits;

	if (*v == '\0') {
		set_str_field(&s->a, F_TLS_FINGERPRINT, NULL);
		return 0;
	}
	if (fingerprint_parse(v, pin, sizeof(pin), &ndigits) == -1)
		return err_set(e, EX_CONFIG, "tls_fingerprint: \"%s\" "
		    "is not a hexadecimal fingerprint", v);
	if (ndigits != 2 * sizeof(pin))
		return err_set(e, EX_CONFIG, "tls_fingerprint: only SHA-256 "
		    "fingerprints (32 bytes) are supported, not %zu%s bytes%s",
		    ndigits / 2, ndigits % 2 ? ".5" : "",
		    ndigits == 40 || ndigits == 32 ? " (SHA-1 and MD5 pins are "
		    "too weak)" : "");
	fingerprint_format(pin, sizeof(pin), norm, sizeof(norm));
	free(s->a.tls_fingerprint);
	s->a.tls_fingerprint = xstrdup(norm);
	return 0;
}

static int
set_refuse_weak_pin(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	return err_set(e, EX_CONFIG, "%s: SHA-1 and MD5 certificate pins are "
	    "not supported; use tls_fingerprint with the SHA-256 fingerprint",
	    k->name);
}

static int
set_min_version(struct acc_state *s, const struct config_key *k,
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

/* Checked by GnuTLS now, so that a typo names the file and line. */
static int
set_priorities(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (*v != '\0' && tls_check_priorities(v, false, e) < 0)
		return -1;
	return set_str(s, k, v, e);
}

/* Stored as the ESMTP parameter wants it: "NEVER" or "SUCCESS,DELAY". */
static int
set_dsn_notify(struct acc_state *s, const struct config_key *k,
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
set_dsn_return(struct acc_state *s, const struct config_key *k,
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
set_syslog(struct acc_state *s, const struct config_key *k,
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
set_timeout(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	long long n;

	if (strcmp(v, "off") == 0) {
		s->a.timeout = 0;
		return 0;
	}
	/* 0 = off.  Waits are in milliseconds in an int (conn.h, smtp.c):
	 * beyond INT_MAX / 1000 s (24 days) they would overflow. */
	if (parse_duration(v, &n) < 0 || n > INT_MAX / 1000)
		return err_set(e, EX_CONFIG, "timeout: \"%s\" is not off or a "
		    "number of seconds (at most 24 days)", v);
	s->a.timeout = (int)n;
	return 0;
}

static int
set_lifetime(struct acc_state *s, const struct config_key *k,
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
set_notify_delay(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	long long n;

	if (strcmp(v, "off") == 0) {
		s->a.notify_delay = 0;
		return 0;
	}
	if (parse_duration(v, &n) < 0 || n < 1 || n > LONG_MAX)
		return err_set(e, EX_CONFIG, "notify_delay: \"%s\" is not off "
		    "or a duration (N, Ns, Nm, Nh or Nd)", v);
	s->a.notify_delay = (long)n;
	return 0;
}

static int
set_host_down_time(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	long long n;

	if (strcmp(v, "off") == 0) {
		s->a.host_down_time = 0;
		return 0;
	}
	if (parse_duration(v, &n) < 0 || n > LONG_MAX)
		return err_set(e, EX_CONFIG, "host_down_time: \"%s\" is not off "
		    "or a duration (N, Ns, Nm, Nh or Nd)", v);
	s->a.host_down_time = (long)n;
	return 0;
}

static int
set_notify_limit(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 || n > 100000)
		return err_set(e, EX_CONFIG, "notify_limit: \"%s\" is not a "
		    "number of notices per hour (0 to 100000)", v);
	s->a.notify_limit = (int)n;
	return 0;
}

static int
set_mx_parallel(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	char *end;
	long n;

	(void)k;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 1 ||
	    n > MX_PARALLEL_MAX)
		return err_set(e, EX_CONFIG, "mx_parallel: \"%s\" is not a "
		    "number of domains at once (1 to %d)", v, MX_PARALLEL_MAX);
	s->a.mx_parallel = (int)n;
	return 0;
}

static int
set_notify_from(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (*v == '\0' || address_check_path(v, false, e) == -1)
		return err_set(e, EX_CONFIG, "notify_from: \"%s\" is not an "
		    "address (expected user@domain)", v);
	set_str_field(&s->a, F_NOTIFY_FROM, v);
	return 0;
}

static int
set_max_size(struct acc_state *s, const struct config_key *k,
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
set_mx_tls(struct acc_state *s, const struct config_key *k,
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
set_source_ip(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	unsigned char addr[16];

	if (*v != '\0' && inet_pton(AF_INET, v, addr) != 1 &&
	    inet_pton(AF_INET6, v, addr) != 1)
		return err_set(e, EX_CONFIG, "source_ip: \"%s\" is not an IP "
		    "address", v);
	return set_str(s, k, v, e);
}

/* dkim_key FILE[,FILE]: "~" expanded in each; the files are read (and
 * their permissions checked) when a message is signed (dkim.h). */
static int
set_dkim_key(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	struct buf b;

	buf_init(&b);
	while (*v != '\0') {
		size_t n = strcspn(v, ",");
		char *item = xstrndup(v, n), *path;

		str_trim(item);
		if (*item == '\0') {
			free(item);
			buf_free(&b);
			return err_set(e, EX_CONFIG, "dkim_key: an empty file "
			    "name in \"%s\"", v);
		}
		path = expand_tilde(item);
		buf_printf(&b, "%s%s", b.len ? "," : "", path);
		free(path);
		free(item);
		v += n + (v[n] != '\0');
	}
	free(s->a.dkim_key);
	s->a.dkim_key = b.len > 0 ? buf_steal(&b) : NULL;
	buf_free(&b);
	return 0;
}

static int
set_protocol(struct acc_state *s, const struct config_key *k,
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
	field_mask_set(&s->mask, F_FROM);
}

static int
set_auto_from(struct acc_state *s, const struct config_key *k,
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
set_maildomain(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	free(s->maildomain);
	s->maildomain = *v != '\0' ? xstrdup(v) : NULL;
	if (s->a.from != NULL && strncmp(s->a.from, "%U@", 3) == 0)
		auto_from_apply(s);
	return 0;
}

/* remove_bcc_headers off, keepbcc on: a Bcc header sent is a leak, and
 * postie always removes it (design §3). */
static int
set_bcc(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (set_bool(s, k, v, e) < 0)
		return -1;
	if (strcmp(k->name, "keepbcc") == 0)
		s->a.remove_bcc_headers = !s->a.remove_bcc_headers;
	if (!s->a.remove_bcc_headers)
		return err_set(e, EX_CONFIG, "%s: postie always removes Bcc "
		    "headers from what it sends; remove this line", k->name);
	return 0;
}

/* msmtp keys whose only honest value here is the default: "" (or off)
 * is accepted, anything else would change how mail goes and is refused. */
static int
set_refuse_unless_empty(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (*v == '\0' && strcmp(k->name, "tls_force_sslv3") != 0)
		return 0;
	if (strcmp(v, "off") == 0 && strcmp(k->name, "tls_force_sslv3") == 0)
		return 0;
	if (strcmp(k->name, "tls_force_sslv3") == 0)
		return err_set(e, EX_CONFIG, "tls_force_sslv3: SSLv3 is never "
		    "used (TLS 1.2 is the minimum)");
	return err_set(e, EX_CONFIG, "%s: not supported; tls_priorities "
	    "sets the key exchange (e.g. %%PROFILE_MEDIUM)", k->name);
}

/* Keys that only tune msmtp itself (listed in postie.conf(5)). */
static int
set_ignore(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	return 0;
}

/* --- OAuth 2.0 (oauth2.h) --- */

/* Without libcurl and jansson at build time the keys are refused by name:
 * accepting them would send mail without the AUTH the user asked for. */
static int
oauth2_built(const struct config_key *k, struct err *e)
{
#ifdef HAVE_OAUTH2
	(void)k; (void)e;
	return 0;
#else
	return err_set(e, EX_CONFIG, "%s: this postie was built without "
	    "OAuth 2.0 (it needs libcurl and jansson)", k->name);
#endif
}

static int
set_oauth2_str(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (oauth2_built(k, e) < 0)
		return -1;
	return set_str(s, k, v, e);
}

static int
set_oauth2_path(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (oauth2_built(k, e) < 0)
		return -1;
	return set_path(s, k, v, e);
}

/* Endpoints are spoken to over HTTPS only: the refresh token and the
 * client secret go in the request body. */
static int
set_oauth2_url(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (oauth2_built(k, e) < 0)
		return -1;
	if (*v != '\0' && !ascii_prefix_ci(v, "https://"))
		return err_set(e, EX_CONFIG, "%s: \"%.200s\" is not an "
		    "https:// URL", k->name, v);
	for (const char *c = v; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return err_set(e, EX_CONFIG, "%s: the URL holds a "
			    "blank or a control or non-ASCII character",
			    k->name);
	return set_str(s, k, v, e);
}

static int
set_oauth2_provider(struct acc_state *s, const struct config_key *k,
    const char *v, struct err *e)
{
	if (oauth2_built(k, e) < 0)
		return -1;
	if (*v != '\0' && strcmp(v, "google") != 0 &&
	    strcmp(v, "microsoft") != 0)
		return err_set(e, EX_CONFIG, "oauth2_provider: \"%.100s\" is "
		    "not google or microsoft", v);
	return set_str(s, k, v, e);
}

static const struct config_key keys[] = {
	{ "host", F_HOST, set_str_req },
	{ "port", F_PORT, set_port },
	{ "from", F_FROM, set_str },
	{ "from_full_name", F_FROM_FULL_NAME, set_str },
	{ "domain", F_DOMAIN, set_str },
	{ "auth", F_AUTH, set_auth },
	{ "user", F_USER, set_str },
	{ "password", F_PASSWORD, set_str },
	{ "passwordeval", F_PASSWORDEVAL, set_str },
	{ "tls", F_TLS, set_bool },
	{ "tls_starttls", F_TLS_STARTTLS, set_bool },
	{ "tls_trust_file", F_TLS_TRUST_FILE, set_path },
	{ "tls_crl_file", F_TLS_CRL_FILE, set_path },
	{ "tls_fingerprint", F_TLS_FINGERPRINT, set_fingerprint },
	{ "tls_cert_file", F_TLS_CERT_FILE, set_path },
	{ "tls_key_file", F_TLS_KEY_FILE, set_path },
	{ "tls_certcheck", F_TLS_CERTCHECK, set_bool },
	{ "tls_nocertcheck", F_TLS_CERTCHECK, set_bool_not },
	{ "tls_min_version", F_TLS_MIN_VERSION, set_min_version },
	{ "tls_host_override", F_TLS_HOST_OVERRIDE, set_str },
	{ "tls_priorities", F_TLS_PRIORITIES, set_priorities },
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
	{ "remove_bcc_headers", F_REMOVE_BCC_HEADERS, set_bcc },
	{ "keepbcc", F_REMOVE_BCC_HEADERS, set_bcc },
	{ "undisclosed_recipients", F_UNDISCLOSED_RECIPIENTS, set_bool },
	{ "allow_from_override", F_ALLOW_FROM_OVERRIDE, set_bool },
	{ "source_ip", F_SOURCE_IP, set_source_ip },
	{ "queue", F_QUEUE, set_bool },
	{ "queue_dir", F_QUEUE_DIR, set_path },
	{ "queue_lifetime", F_QUEUE_LIFETIME, set_lifetime },
	{ "mx_tls", F_MX_TLS, set_mx_tls },
	{ "mx_parallel", F_MX_PARALLEL, set_mx_parallel },
	{ "max_size", F_MAX_SIZE, set_max_size },
	{ "notify_failure", F_NOTIFY_FAILURE, set_bool },
	{ "notify_delay", F_NOTIFY_DELAY, set_notify_delay },
	{ "notify_from", F_NOTIFY_FROM, set_notify_from },
	{ "notify_limit", F_NOTIFY_LIMIT, set_notify_limit },
	{ "notify_command", F_NOTIFY_COMMAND, set_str },
	{ "metrics_file", F_METRICS_FILE, set_path },
	{ "dkim_key", F_DKIM_KEY, set_dkim_key },
	{ "dkim_selector", F_DKIM_SELECTOR, set_str },
	{ "dkim_domain", F_DKIM_DOMAIN, set_str },
	{ "dkim_headers", F_DKIM_HEADERS, set_str },
	{ "fallback_accounts", F_FALLBACK_ACCOUNTS, set_str },
	{ "host_down_time", F_HOST_DOWN_TIME, set_host_down_time },
	{ "oauth2_provider", F_OAUTH2_PROVIDER, set_oauth2_provider },
	{ "oauth2_token_url", F_OAUTH2_TOKEN_URL, set_oauth2_url },
	{ "oauth2_device_url", F_OAUTH2_DEVICE_URL, set_oauth2_url },
	{ "oauth2_auth_url", F_OAUTH2_AUTH_URL, set_oauth2_url },
	{ "oauth2_client_id", F_OAUTH2_CLIENT_ID, set_oauth2_str },
	{ "oauth2_client_secret", F_OAUTH2_CLIENT_SECRET, set_oauth2_str },
	{ "oauth2_client_secret_eval", F_OAUTH2_CLIENT_SECRET_EVAL,
	    set_oauth2_str },
	{ "oauth2_scope", F_OAUTH2_SCOPE, set_oauth2_str },
	{ "oauth2_refresh_token", F_OAUTH2_REFRESH_TOKEN, set_oauth2_str },
	{ "oauth2_refresh_token_eval", F_OAUTH2_REFRESH_TOKEN_EVAL,
	    set_oauth2_str },
	{ "oauth2_trust_file", F_OAUTH2_TRUST_FILE, set_oauth2_path },
	{ "user_config", F_USER_CONFIG, set_bool },
	{ "proxy_host", F_PROXY_HOST, set_str },
	{ "proxy_port", F_PROXY_PORT, set_port },
	{ "socket", F_SOCKET, set_path },
	{ "auto_from", F_NONE, set_auto_from },
	{ "maildomain", F_NONE, set_maildomain },
	{ "protocol", F_NONE, set_protocol },
	{ "tls_sha1_fingerprint", F_NONE, set_refuse_weak_pin },
	{ "tls_md5_fingerprint", F_NONE, set_refuse_weak_pin },
	{ "tls_force_sslv3", F_NONE, set_refuse_unless_empty },
	{ "tls_min_dh_prime_bits", F_NONE, set_refuse_unless_empty },
	/* Tune msmtp itself, not where or how mail goes: accepted, ignored.
	 * logfile_time_format: postie's log line has its own fixed format;
	 * ntlmdomain: only for auth ntlm, which is refused. */
	{ "logfile_time_format", F_NONE, set_ignore },
	{ "ntlmdomain", F_NONE, set_ignore },
};

/* --- printing (--pretend) --- */

static const char *
auth_name(enum auth_method m)
{
	static const char *const t[] = {
		[AUTH_OFF] = "off", [AUTH_AUTO] = "on", [AUTH_PLAIN] = "plain",
		[AUTH_LOGIN] = "login", [AUTH_CRAM_MD5] = "cram-md5",
		[AUTH_XOAUTH2] = "xoauth2", [AUTH_OAUTHBEARER] = "oauthbearer",
		[AUTH_SCRAM_SHA_1] = "scram-sha-1",
		[AUTH_SCRAM_SHA_256] = "scram-sha-256",
		[AUTH_EXTERNAL] = "external",
	};

	return (size_t)m < sizeof(t) / sizeof(t[0]) && t[m] != NULL ? t[m] :
	    "?";
}

/* The value of a field that is not a string, as the file would say it. */
static void
print_scalar(const struct account *a, enum field f, struct buf *out)
{
	const void *p = (const char *)a + fields[f].off;

	switch (f) {
	case F_AUTH:
		buf_adds(out, auth_name(a->auth));
		break;
	case F_SET_FROM_HEADER:
		buf_adds(out, a->set_from_header == TRI_AUTO ? "auto" :
		    a->set_from_header == TRI_ON ? "on" : "off");
		break;
	case F_MX_TLS:
		buf_adds(out, a->mx_tls == MX_TLS_REQUIRED ? "required" :
		    a->mx_tls == MX_TLS_DANE ? "dane" : "opportunistic");
		break;
	case F_TIMEOUT:
		if (a->timeout == 0)
			buf_adds(out, "off");
		else
			buf_printf(out, "%d", a->timeout);
		break;
	case F_QUEUE_LIFETIME:
		buf_printf(out, "%lds", a->queue_lifetime);
		break;
	case F_MAX_SIZE:
		if (a->max_size == 0)
			buf_adds(out, "off");
		else
			buf_printf(out, "%lld", a->max_size);
		break;
	case F_HOST_DOWN_TIME:
		if (a->host_down_time == 0)
			buf_adds(out, "off");
		else
			buf_printf(out, "%lds", a->host_down_time);
		break;
	case F_NOTIFY_DELAY:
		if (a->notify_delay == 0)
			buf_adds(out, "off");
		else
			buf_printf(out, "%lds", a->notify_delay);
		break;
	default:	/* the other scalars are bools and ints */
		if (fields[f].size == sizeof(bool))
			buf_adds(out, *(const bool *)p ? "on" : "off");
		else if (fields[f].size == sizeof(int))
			buf_printf(out, "%d", *(const int *)p);
		else
			buf_printf(out, "%ld", *(const long *)p);
	}
}

/* Values --pretend masks: what would let a reader send as the user. */
static bool
is_secret(enum field f)
{
	return f == F_PASSWORD || f == F_OAUTH2_CLIENT_SECRET ||
	    f == F_OAUTH2_REFRESH_TOKEN;
}

void
config_account_print(const struct account *a, struct buf *out)
{
	struct field_mask done;

	memset(&done, 0, sizeof(done));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		enum field f = keys[i].field;
		const char *str;

		/* The first key of a field is its name; aliases follow. */
		if (f == F_NONE || field_mask_has(&done, f))
			continue;
		field_mask_set(&done, f);
		if (!fields[f].str) {
			if ((f == F_PORT || f == F_PROXY_PORT) &&
			    *(const int *)((const char *)a + fields[f].off) == 0) {
				buf_printf(out, "# %s: the default\n",
				    keys[i].name);
				continue;
			}
			buf_printf(out, "%s ", keys[i].name);
			print_scalar(a, f, out);
			buf_addc(out, '\n');
			continue;
		}
		str = *(char *const *)((const char *)a + fields[f].off);
		if (str == NULL)
			buf_printf(out, "# %s: not set\n", keys[i].name);
		else if (is_secret(f))	/* msmtp -P prints a '*' too */
			buf_printf(out, "%s *\n", keys[i].name);
		else
			buf_printf(out, "%s %s\n", keys[i].name, str);
	}
}

const struct config_key *
config_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int
config_key_set(const struct config_key *k, struct acc_state *s,
    const char *v, struct err *e)
{
	if (k->set(s, k, v, e) < 0)
		return -1;
	if (k->field != F_NONE)
		field_mask_set(&s->mask, k->field);
	return 0;
}
