/*
 * tls.c — a GnuTLS client session over a connected, non-blocking socket
 * (see tls.h).
 *
 * The certificate is judged inside the handshake, by a verify callback,
 * so that a client certificate is never sent to a server that failed the
 * check, and so that one place decides among the four policies:
 *   - DANE (validated TLSA records, dane.h) replaces every other check;
 *   - a pinned SHA-256 fingerprint replaces the chain check entirely;
 *   - otherwise, with certcheck, the chain (system store or trust_file)
 *     and the host name (RFC 6125, GnuTLS) must verify — unless the
 *     session is opportunistic, where the result is only noted;
 *   - without certcheck anything is accepted.
 * The system store is loaded only when the chain check runs (~7 ms).
 */
#include <arpa/inet.h>

#include <errno.h>
#include <sys/socket.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "dane.h"
#include "tls.h"
#include "util.h"

#define TLS_PRIORITY_12	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define TLS_PRIORITY_13	"NORMAL:-VERS-ALL:+VERS-TLS1.3"
/* Appended to a tls_priorities string: the floor stays (design §4). */
#define TLS_FLOOR_12	":-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"
#define TLS_FLOOR_13	TLS_FLOOR_12 ":-VERS-TLS1.2"
#define SHA256_LEN	32

struct tls {
	gnutls_session_t		 s;
	gnutls_certificate_credentials_t cred;
	int				 fd;
	const struct tls_params		*p;	/* only during tls_start */
	unsigned char			 pin[SHA256_LEN];
	bool				 have_pin;
	bool				 verified;	/* chain+name, pin or DANE passed */
	char				 dane[96];	/* the TLSA record matched, or "" */
	/* Why the callback refused the certificate, for the error. */
	char				 why[ERR_MSG_MAX];
	/* The first bytes the server sent, to tell a plain SMTP reply
	 * from a TLS record when the handshake fails. */
	unsigned char			 first[4];
	size_t				 nfirst;
};

static bool
is_ip_literal(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* "AB:CD:..." or "abcd..." (64 hex digits) into 32 bytes. */
static int
parse_fingerprint(const char *s, unsigned char *out, struct err *e)
{
	size_t ndigits;

	if (fingerprint_parse(s, out, SHA256_LEN, &ndigits) == -1 ||
	    ndigits != 2 * SHA256_LEN)
		return err_set(e, EX_CONFIG, "tls_fingerprint: not a "
		    "SHA-256 fingerprint (64 hex digits)");
	return 0;
}

/* SHA-256 of the server's leaf certificate (DER). */
static int
leaf_sha256(gnutls_session_t s, unsigned char *out)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0;

	certs = gnutls_certificate_get_peers(s, &n);
	if (certs == NULL || n == 0)
		return -1;
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data,
	    certs[0].size, out) < 0 ? -1 : 0;
}

static int
check_pin(struct tls *t)
{
	unsigned char got[SHA256_LEN];
	char hex[3 * SHA256_LEN + 1];

	if (leaf_sha256(t->s, got) == -1) {
		snprintf(t->why, sizeof(t->why), "server sent no certificate");
		return -1;
	}
	if (memcmp(got, t->pin, SHA256_LEN) != 0) {
		fingerprint_format(got, SHA256_LEN, hex, sizeof(hex));
		snprintf(t->why, sizeof(t->why), "certificate of %s does not "
		    "match tls_fingerprint (its SHA-256 is %s)",
		    t->p->verify_name ? t->p->verify_name : "server", hex);
		return -1;
	}
	return 0;
}

/* "AB:CD:..." of the server's certificate, or "unknown". */
static void
peer_fingerprint(const struct tls *t, char *out, size_t outlen)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0;
	unsigned char fp[SHA256_LEN];

	snprintf(out, outlen, "unknown");
	certs = gnutls_certificate_get_peers(t->s, &n);
	if (certs != NULL && n > 0 && gnutls_hash_fast(GNUTLS_DIG_SHA256,
	    certs[0].data, certs[0].size, fp) >= 0)
		fingerprint_format(fp, SHA256_LEN, out, outlen);
}

static int
check_chain(struct tls *t)
{
	const char *name = t->p->verify_name;
	char fp[3 * SHA256_LEN + 1];
	unsigned int status = 0;
	gnutls_datum_t reason = { NULL, 0 };
	int r;

	r = gnutls_certificate_verify_peers3(t->s, name, &status);
	if (r < 0) {
		snprintf(t->why, sizeof(t->why), "certificate of %s not "
		    "trusted: %s", name, gnutls_strerror(r));
		return -1;
	}
	if (status == 0)
		return 0;
	gnutls_certificate_verification_status_print(status,
	    gnutls_certificate_type_get(t->s), &reason, 0);
	peer_fingerprint(t, fp, sizeof(fp));
	/* The fingerprint, so that a user who checks it elsewhere can pin
	 * it (tls_fingerprint) without a tool. */
	snprintf(t->why, sizeof(t->why), "certificate of %s not trusted: %s "
	    "(SHA-256 fingerprint %s)", name, reason.data ?
	    str_trim((char *)reason.data) : "verification failed", fp);
	gnutls_free(reason.data);
	return -1;
}

/* DANE: the chain against the TLSA records; names the record matched. */
static int
check_dane(struct tls *t)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0;
	size_t which;

	certs = gnutls_certificate_get_peers(t->s, &n);
	if (dane_match(t->p->dane, certs, n, t->p->verify_name,
	    t->p->dane_domain, &which, t->why, sizeof(t->why)) == -1)
		return -1;
	dane_format(&t->p->dane->v[which], t->dane, sizeof(t->dane));
	return 0;
}

/* Called by GnuTLS once the server's certificate has arrived; a non-zero
 * return aborts the handshake. */
static int
verify_cb(gnutls_session_t s)
{
	struct tls *t = gnutls_session_get_ptr(s);

	if (t->p->dane != NULL) {
		if (check_dane(t) == -1)
			return GNUTLS_E_CERTIFICATE_ERROR;
		t->verified = true;
		return 0;
	}
	if (t->have_pin) {
		if (check_pin(t) == -1)
			return GNUTLS_E_CERTIFICATE_ERROR;
		t->verified = true;
		return 0;
	}
	if (!t->p->certcheck)
		return 0;
	if (check_chain(t) == 0) {
		t->verified = true;
		return 0;
	}
	/* Opportunistic (MX): encryption against a passive listener is
	 * still worth having; the failure stays in t->why for the log. */
	return t->p->opportunistic ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

static int
load_credentials(struct tls *t, const struct tls_params *p, struct err *e)
{
	const char *tf = p->trust_file;
	int r;

	if (gnutls_certificate_allocate_credentials(&t->cred) < 0)
		return err_set(e, EX_OSERR, "TLS: cannot allocate credentials");
	if (p->certcheck && !t->have_pin && p->dane == NULL) {
		if (tf == NULL || strcmp(tf, "system") == 0)
			r = gnutls_certificate_set_x509_system_trust(t->cred);
		else
			r = gnutls_certificate_set_x509_trust_file(t->cred, tf,
			    GNUTLS_X509_FMT_PEM);
		if (r <= 0)
			return err_set(e, EX_CONFIG, "cannot load trusted "
			    "certificates from %s: %s", tf ? tf : "the system "
			    "store", r < 0 ? gnutls_strerror(r) : "none found");

		/* The chain check then also refuses a revoked certificate. */
		if (p->crl_file != NULL && (r =
		    gnutls_certificate_set_x509_crl_file(t->cred, p->crl_file,
		    GNUTLS_X509_FMT_PEM)) <= 0)
			return err_set(e, EX_CONFIG, "tls_crl_file %s: %s",
			    p->crl_file, r < 0 ? gnutls_strerror(r) :
			    "no revocation list found");
	}
	if (p->cert_file != NULL) {
		r = gnutls_certificate_set_x509_key_file(t->cred, p->cert_file,
		    p->key_file ? p->key_file : p->cert_file,
		    GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return err_set(e, EX_CONFIG, "cannot load client "
			    "certificate %s: %s", p->cert_file,
			    gnutls_strerror(r));
	}
	return 0;
}

/* The priority string for a session: postie's, or the user's with the
 * version floor appended.  Caller frees. */
static char *
priority_string(const char *prio, bool tls13_only)
{
	if (prio == NULL)
		return xstrdup(tls13_only ? TLS_PRIORITY_13 : TLS_PRIORITY_12);
	return xasprintf("%s%s", prio, tls13_only ? TLS_FLOOR_13 :
	    TLS_FLOOR_12);
}

int
tls_check_priorities(const char *prio, bool tls13_only, struct err *e)
{
	gnutls_priority_t pc;
	const char *errpos = NULL;
	char *s = priority_string(prio, tls13_only);
	int r;

	r = gnutls_priority_init(&pc, s, &errpos);
	if (r == 0) {
		gnutls_priority_deinit(pc);
		free(s);
		return 0;
	}
	/* errpos points into s; past the user's string it is our floor. */
	if (errpos != NULL && errpos >= s && errpos < s + strlen(prio)) {
		size_t left = strlen(prio) - (size_t)(errpos - s);

		err_set(e, EX_CONFIG, "tls_priorities: \"%.200s\": GnuTLS: "
		    "%s (at \"%.*s\")", prio, gnutls_strerror(r),
		    left < 60 ? (int)left : 60, errpos);
	} else
		err_set(e, EX_CONFIG, "tls_priorities: \"%.200s\": GnuTLS: "
		    "%s", prio, gnutls_strerror(r));
	free(s);
	return -1;
}

/* The socket as GnuTLS reads it, keeping the first bytes the server sent
 * (a plain "220 " where a TLS record belongs says which port this is). */
static ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct tls *t = ptr;
	ssize_t n = recv(t->fd, buf, len, 0);

	if (n > 0 && t->nfirst < sizeof(t->first)) {
		size_t k = sizeof(t->first) - t->nfirst;

		if (k > (size_t)n)
			k = (size_t)n;
		memcpy(t->first + t->nfirst, buf, k);
		t->nfirst += k;
	}
	return n;
}

static int
tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct tls *t = ptr;
	struct pollfd pfd = { .fd = t->fd, .events = POLLIN };

	return poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

/* One sendmsg per flight, as GnuTLS's own transport does: records sent
 * one by one let a server that closes after reading the first (a refused
 * client certificate) reset the connection before its alert is read. */
static ssize_t
tls_vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
	struct tls *t = ptr;
	struct msghdr msg = { .msg_iov = (struct iovec *)(uintptr_t)iov,
	    .msg_iovlen = (size_t)iovcnt };

	return sendmsg(t->fd, &msg, MSG_NOSIGNAL);
}

/* The server's first bytes are an SMTP reply ("220 ", "554-"), not a TLS
 * record (whose first byte is a content type, 20 to 24). */
static bool
plain_reply_seen(const struct tls *t)
{
	const unsigned char *f = t->first;

	return t->nfirst == sizeof(t->first) && f[0] >= '2' && f[0] <= '5' &&
	    f[1] >= '0' && f[1] <= '9' && f[2] >= '0' && f[2] <= '9' &&
	    (f[3] == ' ' || f[3] == '-');
}

static int
setup_session(struct tls *t, const struct tls_params *p, struct err *e)
{
	const char *sni = p->sni != NULL ? p->sni : p->verify_name;
	const char *errpos = NULL;
	char *prio;
	int r;

	r = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL);
	if (r < 0)
		return err_set(e, EX_OSERR, "TLS: %s", gnutls_strerror(r));
	prio = priority_string(p->priorities, p->tls13_only);
	r = gnutls_priority_set_direct(t->s, prio, &errpos);
	free(prio);
	if (r < 0)	/* config_keys checked tls_priorities already */
		return err_set(e, EX_CONFIG, "tls_priorities: GnuTLS: %s",
		    gnutls_strerror(r));
	r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (r < 0)
		return err_set(e, EX_OSERR, "TLS: %s", gnutls_strerror(r));
	/* RFC 6066 §3: literal IP addresses are not sent as SNI. */
	if (sni != NULL && !is_ip_literal(sni))
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, sni, strlen(sni));
	gnutls_session_set_ptr(t->s, t);
	gnutls_session_set_verify_function(t->s, verify_cb);
	gnutls_transport_set_ptr(t->s, t);
	gnutls_transport_set_pull_function(t->s, tls_pull);
	gnutls_transport_set_pull_timeout_function(t->s, tls_pull_timeout);
	gnutls_transport_set_vec_push_function(t->s, tls_vec_push);
	return 0;
}

/* Wait for the socket in the direction GnuTLS needs.  0 ready, -1 error
 * (e filled, "what" names the operation for the timeout message). */
static int
tls_wait(struct tls *t, long long deadline, int timeout_ms, const char *what,
    struct err *e)
{
	short events = gnutls_record_get_direction(t->s) ? POLLOUT : POLLIN;
	int r = fd_wait(t->fd, events, deadline);

	if (r > 0)
		return 0;
	if (r < 0)
		return err_sys(e, EX_OSERR, "poll");
	if (timeout_ms % 1000 == 0)
		return err_set(e, EX_TEMPFAIL, "timed out after %d s %s",
		    timeout_ms / 1000, what);
	return err_set(e, EX_TEMPFAIL, "timed out after %.1f s %s",
	    timeout_ms / 1000.0, what);
}

/* A fatal alert from the server, named.  Alerts about certificates mean the
 * server refused ours (TLS 1.3 checks the client certificate after our
 * Finished, so this arrives on the first read): a fixed configuration cures
 * that, hence EX_NOPERM; anything else is a protocol failure. */
static int
alert_error(struct tls *t, const char *during, struct err *e)
{
	gnutls_alert_description_t a = gnutls_alert_get(t->s);
	const char *name = gnutls_alert_get_name(a);
	int ex = EX_PROTOCOL;

	switch ((int)a) {
	case GNUTLS_A_BAD_CERTIFICATE:
	case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
	case GNUTLS_A_CERTIFICATE_REVOKED:
	case GNUTLS_A_CERTIFICATE_EXPIRED:
	case GNUTLS_A_CERTIFICATE_UNKNOWN:
	case GNUTLS_A_UNKNOWN_CA:
	case GNUTLS_A_ACCESS_DENIED:
	case GNUTLS_A_CERTIFICATE_REQUIRED:
		ex = EX_NOPERM;
		break;
	}
	return err_set(e, ex, "TLS %s failed: server sent alert: %s", during,
	    name != NULL ? name : "unknown");
}

static int
handshake_error(struct tls *t, int r, struct err *e)
{
	if (plain_reply_seen(t)) {
		if (t->p->plain_reply != NULL)
			*t->p->plain_reply = true;
		return err_set(e, EX_CONFIG, "the server answered in plain "
		    "text (\"%.3s\") where a TLS record was expected",
		    (const char *)t->first);
	}
	switch (r) {
	case GNUTLS_E_CERTIFICATE_ERROR:
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
		return err_set(e, EX_NOPERM, "%s", t->why[0] ? t->why :
		    gnutls_strerror(r));
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
		return err_set(e, EX_TEMPFAIL, "connection lost during the "
		    "TLS handshake: %s", gnutls_strerror(r));
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return alert_error(t, "handshake", e);
	default:
		return err_set(e, EX_PROTOCOL, "TLS handshake failed: %s",
		    gnutls_strerror(r));
	}
}

static int
handshake(struct tls *t, int timeout_ms, struct err *e)
{
	long long deadline = now_ms() + timeout_ms;
	int r;

	for (;;) {
		r = gnutls_handshake(t->s);
		if (r == GNUTLS_E_SUCCESS)
			return 0;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			if (tls_wait(t, deadline, timeout_ms,
			    "in the TLS handshake", e) == -1)
				return -1;
			continue;
		}
		if (gnutls_error_is_fatal(r))
			return handshake_error(t, r, e);
		/* A warning alert: the handshake goes on. */
	}
}

int
tls_start(struct tls **tp, int fd, const struct tls_params *p,
    int timeout_ms, struct err *e)
{
	struct tls *t = xcalloc(1, sizeof(*t));

	*tp = NULL;
	t->fd = fd;
	t->p = p;
	if (p->fingerprint != NULL && p->fingerprint[0] != '\0') {
		if (parse_fingerprint(p->fingerprint, t->pin, e) == -1)
			goto fail;
		t->have_pin = true;
	} else if (p->certcheck && p->verify_name == NULL) {
		err_set(e, EX_SOFTWARE, "TLS: no host name to verify");
		goto fail;
	}
	if (load_credentials(t, p, e) == -1 || setup_session(t, p, e) == -1 ||
	    handshake(t, timeout_ms, e) == -1)
		goto fail;
	t->p = NULL;	/* the caller's params need not outlive the handshake */
	*tp = t;
	return 0;
fail:
	t->p = NULL;
	if (t->s != NULL)
		gnutls_deinit(t->s);
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	free(t);
	return -1;
}

ssize_t
tls_read(struct tls *t, void *buf, size_t len, int timeout_ms, struct err *e)
{
	long long deadline = now_ms() + timeout_ms;
	ssize_t r;

	for (;;) {
		r = gnutls_record_recv(t->s, buf, len);
		if (r >= 0)
			return r;
		switch (r) {
		case GNUTLS_E_AGAIN:
		case GNUTLS_E_INTERRUPTED:
			if (tls_wait(t, deadline, timeout_ms,
			    "waiting for data", e) == -1)
				return -1;
			break;
		case GNUTLS_E_PREMATURE_TERMINATION:
			return 0;	/* closed without close_notify: still closed */
		case GNUTLS_E_REHANDSHAKE:
			/* A TLS 1.2 renegotiation request: decline it. */
			gnutls_alert_send(t->s, GNUTLS_AL_WARNING,
			    GNUTLS_A_NO_RENEGOTIATION);
			break;
		case GNUTLS_E_FATAL_ALERT_RECEIVED:
			return alert_error(t, "read", e);
		default:
			if (!gnutls_error_is_fatal((int)r))
				break;
			return err_set(e, EX_TEMPFAIL, "TLS read failed: %s",
			    gnutls_strerror((int)r));
		}
	}
}

int
tls_write_all(struct tls *t, const void *buf, size_t len, int timeout_ms,
    struct err *e)
{
	long long deadline = now_ms() + timeout_ms;
	const char *p = buf;
	ssize_t r;

	while (len > 0) {
		/* Up to one record (16 KiB) per call; after GNUTLS_E_AGAIN the
		 * same arguments must be passed again, which the loop does. */
		r = gnutls_record_send(t->s, p, len);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			if (tls_wait(t, deadline, timeout_ms, "sending",
			    e) == -1)
				return -1;
			continue;
		}
		return err_set(e, EX_TEMPFAIL, "connection lost while "
		    "sending: %s", gnutls_strerror((int)r));
	}
	return 0;
}

size_t
tls_pending(const struct tls *t)
{
	return gnutls_record_check_pending(t->s);
}

const char *
tls_dane_matched(const struct tls *t)
{
	return t->dane[0] != '\0' ? t->dane : NULL;
}

bool
tls_peer_verified(const struct tls *t)
{
	return t->verified;
}

void
tls_describe(const struct tls *t, char *out, size_t outlen)
{
	const char *proto = gnutls_protocol_get_name(
	    gnutls_protocol_get_version(t->s));
	const char *suite = gnutls_ciphersuite_get(t->s);

	if (proto == NULL)
		proto = "TLS?";
	/* GnuTLS says "TLS1.3"; logs and other MTAs say "TLSv1.3". */
	if (strncmp(proto, "TLS", 3) == 0 && proto[3] != 'v')
		snprintf(out, outlen, "TLSv%s %s", proto + 3,
		    suite ? suite : "?");
	else
		snprintf(out, outlen, "%s %s", proto, suite ? suite : "?");
}

static void
fmt_time(time_t when, char *out, size_t outlen)
{
	struct tm tm;

	if (when == (time_t)-1 || gmtime_r(&when, &tm) == NULL)
		snprintf(out, outlen, "?");
	else
		strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The first certificate's subject CN, or "" when there is none. */
static void
peer_cn(const struct tls *t, char *out, size_t outlen)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0;
	gnutls_x509_crt_t crt;
	size_t len = outlen;

	out[0] = '\0';
	certs = gnutls_certificate_get_peers(t->s, &n);
	if (certs == NULL || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, out, &len) < 0)
		out[0] = '\0';
	gnutls_x509_crt_deinit(crt);
}

void
tls_describe_peer(const struct tls *t, char *out, size_t outlen)
{
	char proto[128], cn[256];
	const char *how = "certificate NOT verified";

	tls_describe(t, proto, sizeof(proto));
	peer_cn(t, cn, sizeof(cn));
	if (t->verified && t->have_pin)
		how = "certificate matches tls_fingerprint";
	else if (t->verified)
		how = "certificate verified";
	snprintf(out, outlen, "%s, %s (CN=%s)", proto, how,
	    cn[0] != '\0' ? cn : "none");
}

void
tls_peer_info(const struct tls *t, char *out, size_t outlen)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0;
	gnutls_x509_crt_t crt;
	gnutls_datum_t subj = { NULL, 0 }, iss = { NULL, 0 };
	unsigned char fp[SHA256_LEN];
	char hex[3 * SHA256_LEN + 1], from[40], until[40];

	snprintf(out, outlen, "no certificate");
	certs = gnutls_certificate_get_peers(t->s, &n);
	if (certs == NULL || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return;
	}
	gnutls_x509_crt_get_dn3(crt, &subj, 0);
	gnutls_x509_crt_get_issuer_dn3(crt, &iss, 0);
	fmt_time(gnutls_x509_crt_get_activation_time(crt), from, sizeof(from));
	fmt_time(gnutls_x509_crt_get_expiration_time(crt), until,
	    sizeof(until));
	hex[0] = '\0';
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size,
	    fp) >= 0)
		fingerprint_format(fp, SHA256_LEN, hex, sizeof(hex));
	snprintf(out, outlen, "subject: %s\nissuer: %s\nvalid from: %s\n"
	    "valid until: %s\nSHA-256 fingerprint: %s",
	    subj.data ? (char *)subj.data : "?",
	    iss.data ? (char *)iss.data : "?", from, until, hex);
	gnutls_free(subj.data);
	gnutls_free(iss.data);
	gnutls_x509_crt_deinit(crt);
}

int
tls_channel_binding(const struct tls *t, unsigned char *out, size_t *outlen)
{
	gnutls_datum_t cb = { NULL, 0 };
	gnutls_channel_binding_t type = GNUTLS_CB_TLS_UNIQUE;

	/* tls-unique is undefined for TLS 1.3 (RFC 9266). */
	if (gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3)
		type = GNUTLS_CB_TLS_EXPORTER;
	if (gnutls_session_channel_binding(t->s, type, &cb) < 0)
		return -1;
	if (cb.size > *outlen) {
		gnutls_free(cb.data);
		return -1;
	}
	memcpy(out, cb.data, cb.size);
	*outlen = cb.size;
	gnutls_free(cb.data);
	return 0;
}

void
tls_close(struct tls *t)
{
	if (t == NULL)
		return;
	/* One try: the socket is non-blocking and the session is over. */
	(void)gnutls_bye(t->s, GNUTLS_SHUT_WR);
	gnutls_deinit(t->s);
	gnutls_certificate_free_credentials(t->cred);
	free(t);
}
