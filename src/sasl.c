/*
 * sasl.c — SMTP AUTH mechanisms as a client (see sasl.h).
 *
 * RFC 4954 (SMTP AUTH), RFC 4616 (PLAIN), RFC 2195 (CRAM-MD5),
 * RFC 7628 (OAUTHBEARER), RFC 4422 App. A (EXTERNAL), RFC 5802/7677
 * (SCRAM, through GNU SASL), Google's XOAUTH2 and the de-facto LOGIN.
 *
 * Each mechanism is a start function (the initial response, if any) and
 * a step function (the answer to the n-th 334 challenge), listed in one
 * table.  Challenges are base64 from the network: decoded with bounds,
 * and a mechanism that has nothing more to say answers an extra
 * challenge with an error rather than looping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#ifdef HAVE_GSASL
#include <gsasl.h>
#endif

#include "encode.h"
#include "sasl.h"
#include "util.h"

/* A challenge longer than this (decoded) is not from a sane server: the
 * ones we answer are a few dozen bytes (SCRAM's are under 200). */
#define SASL_CHALLENGE_MAX	2048

struct sasl;

struct mech {
	const char	*name;
	enum auth_method method;
	bool		 needs_password;
	bool		 needs_gsasl;
	/* Initial response (raw bytes, encoded by the caller) or NULL. */
	int		(*start)(struct sasl *, struct buf *, bool *has_initial,
			    struct err *);
	/* Answer challenge number s->nstep (raw decoded bytes). */
	int		(*step)(struct sasl *, const char *, size_t,
			    struct buf *, struct err *);
};

struct sasl {
	const struct mech *mech;
	char		*user;
	char		*password;
	char		*host;
	int		 port;
	int		 nstep;		/* challenges answered so far */
#ifdef HAVE_GSASL
	Gsasl		*gctx;
	Gsasl_session	*gsess;
#endif
};

static int
too_many_steps(struct sasl *s, struct err *e)
{
	return err_set(e, EX_PROTOCOL, "AUTH %s: unexpected challenge "
	    "number %d from the server", s->mech->name, s->nstep + 1);
}

/* --- PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd --- */
static int
plain_start(struct sasl *s, struct buf *out, bool *has, struct err *e)
{
	(void)e;
	buf_addc(out, '\0');
	buf_adds(out, s->user);
	buf_addc(out, '\0');
	buf_adds(out, s->password);
	*has = true;
	return 0;
}

/* A server that sends "334 " without taking the initial response gets
 * the same message again (RFC 4954 §4: empty challenge). */
static int
plain_step(struct sasl *s, const char *ch, size_t len, struct buf *out,
    struct err *e)
{
	bool has;

	(void)ch;
	if (s->nstep > 0 || len > 0)
		return too_many_steps(s, e);
	return plain_start(s, out, &has, e);
}

/* For mechanisms where the server speaks first (LOGIN, CRAM-MD5). */
static int
no_initial(struct sasl *s, struct buf *out, bool *has, struct err *e)
{
	(void)s; (void)out; (void)e;
	*has = false;
	return 0;
}

/* --- LOGIN: "Username:" then "Password:" (the text is not checked:
 * servers word it differently; the order is what counts) --- */
static int
login_step(struct sasl *s, const char *ch, size_t len, struct buf *out,
    struct err *e)
{
	(void)ch; (void)len;
	if (s->nstep == 0)
		buf_adds(out, s->user);
	else if (s->nstep == 1)
		buf_adds(out, s->password);
	else
		return too_many_steps(s, e);
	return 0;
}

/* --- CRAM-MD5 (RFC 2195): "user hex(HMAC-MD5(password, challenge))" --- */
static int
cram_step(struct sasl *s, const char *ch, size_t len, struct buf *out,
    struct err *e)
{
	unsigned char digest[16];

	if (s->nstep > 0)
		return too_many_steps(s, e);
	if (gnutls_hmac_fast(GNUTLS_MAC_MD5, s->password, strlen(s->password),
	    ch, len, digest) < 0)
		return err_set(e, EX_SOFTWARE, "AUTH CRAM-MD5: HMAC-MD5 "
		    "unavailable");
	buf_adds(out, s->user);
	buf_addc(out, ' ');
	for (size_t i = 0; i < sizeof(digest); i++)
		buf_printf(out, "%02x", digest[i]);
	return 0;
}

/* --- XOAUTH2 (Google): "user=U^Aauth=Bearer T^A^A" --- */
static int
xoauth2_start(struct sasl *s, struct buf *out, bool *has, struct err *e)
{
	(void)e;
	buf_printf(out, "user=%s\001auth=Bearer %s\001\001", s->user,
	    s->password);
	*has = true;
	return 0;
}

/* After a refused token the server sends a 334 with a JSON error and
 * waits for an empty response before its final 5xx. */
static int
xoauth2_step(struct sasl *s, const char *ch, size_t len, struct buf *out,
    struct err *e)
{
	(void)ch; (void)len; (void)out;
	if (s->nstep > 0)
		return too_many_steps(s, e);
	return 0;
}

/* --- OAUTHBEARER (RFC 7628 §3.1) --- */

/* RFC 5801 saslname: ',' and '=' are escaped in the gs2 header. */
static void
add_saslname(struct buf *out, const char *name)
{
	for (; *name != '\0'; name++) {
		if (*name == ',')
			buf_adds(out, "=2C");
		else if (*name == '=')
			buf_adds(out, "=3D");
		else
			buf_addc(out, *name);
	}
}

static int
oauthbearer_start(struct sasl *s, struct buf *out, bool *has, struct err *e)
{
	(void)e;
	buf_adds(out, "n,a=");
	add_saslname(out, s->user);
	buf_addc(out, ',');
	if (s->host != NULL)
		buf_printf(out, "\001host=%s", s->host);
	if (s->port > 0)
		buf_printf(out, "\001port=%d", s->port);
	buf_printf(out, "\001auth=Bearer %s\001\001", s->password);
	*has = true;
	return 0;
}

/* RFC 7628 §3.2.3: an error challenge is answered with a lone ^A. */
static int
oauthbearer_step(struct sasl *s, const char *ch, size_t len,
    struct buf *out, struct err *e)
{
	(void)ch; (void)len;
	if (s->nstep > 0)
		return too_many_steps(s, e);
	buf_addc(out, '\001');
	return 0;
}

/* --- EXTERNAL (RFC 4422 App. A): the identity is the client certificate;
 * the optional authzid is the configured user --- */
static int
external_start(struct sasl *s, struct buf *out, bool *has, struct err *e)
{
	(void)e;
	if (s->user != NULL)
		buf_adds(out, s->user);
	*has = true;
	return 0;
}

static int
no_step(struct sasl *s, const char *ch, size_t len, struct buf *out,
    struct err *e)
{
	(void)ch; (void)len; (void)out;
	return too_many_steps(s, e);
}

/* --- SCRAM through GNU SASL --- */
#ifdef HAVE_GSASL
/* The server chooses how many times postie hashes the password
 * (RFC 5802 §5.1 "i="): common servers ask 4096 to some tens of
 * thousands, and 4294967295 would keep postie busy for over an hour. */
#define SCRAM_MAX_ITERATIONS	100000

/* The iteration count of a server-first-message ("r=...,s=...,i=N",
 * len bytes): -1 (EX_PROTOCOL) when it is over SCRAM_MAX_ITERATIONS.
 * The rest of the message is GNU SASL's to judge. */
static int
scram_check_iterations(const struct sasl *s, const char *msg, size_t len,
    struct err *e)
{
	size_t i = 0;

	while (i < len) {
		const char *f = msg + i, *comma = memchr(f, ',', len - i);
		size_t flen = comma != NULL ? (size_t)(comma - f) : len - i;
		unsigned long n = 0;

		if (flen > 2 && f[0] == 'i' && f[1] == '=') {
			for (size_t k = 2; k < flen && f[k] >= '0' &&
			    f[k] <= '9' && n <= SCRAM_MAX_ITERATIONS; k++)
				n = n * 10 + (unsigned long)(f[k] - '0');
			if (n > SCRAM_MAX_ITERATIONS)
				return err_set(e, EX_PROTOCOL, "AUTH %s: the "
				    "server asks for more than %d iterations",
				    s->mech->name, SCRAM_MAX_ITERATIONS);
			return 0;
		}
		i += flen + 1;
	}
	return 0;
}

static int
scram_start(struct sasl *s, struct buf *out, bool *has, struct err *e)
{
	char *o = NULL;
	size_t olen = 0;
	int r;

	if ((r = gsasl_init(&s->gctx)) != GSASL_OK)
		return err_set(e, EX_SOFTWARE, "GNU SASL: %s",
		    gsasl_strerror(r));
	if ((r = gsasl_client_start(s->gctx, s->mech->name, &s->gsess)) !=
	    GSASL_OK)
		return err_set(e, EX_CONFIG, "AUTH %s: %s", s->mech->name,
		    gsasl_strerror(r));
	gsasl_property_set(s->gsess, GSASL_AUTHID, s->user);
	gsasl_property_set(s->gsess, GSASL_PASSWORD, s->password);
	/* SCRAM is client-first: the first step makes client-first-message. */
	r = gsasl_step(s->gsess, NULL, 0, &o, &olen);
	if (r != GSASL_NEEDS_MORE && r != GSASL_OK) {
		gsasl_free(o);
		return err_set(e, EX_SOFTWARE, "AUTH %s: %s", s->mech->name,
		    gsasl_strerror(r));
	}
	buf_add(out, o, olen);
	gsasl_free(o);
	*has = true;
	return 0;
}

static int
scram_step(struct sasl *s, const char *ch, size_t len, struct buf *out,
    struct err *e)
{
	char *o = NULL;
	size_t olen = 0;
	int r;

	if (s->nstep > 1)
		return too_many_steps(s, e);
	if (s->nstep == 0 && scram_check_iterations(s, ch, len, e) == -1)
		return -1;
	r = gsasl_step(s->gsess, ch, len, &o, &olen);
	if (r != GSASL_NEEDS_MORE && r != GSASL_OK) {
		gsasl_free(o);
		/* A bad server signature lands here: the server did not
		 * prove it knows the password (a fake server). */
		return err_set(e, EX_NOPERM, "AUTH %s: %s", s->mech->name,
		    gsasl_strerror(r));
	}
	buf_add(out, o, olen);
	gsasl_free(o);
	return 0;
}
#define SCRAM_START	scram_start
#define SCRAM_STEP	scram_step
#else
#define SCRAM_START	NULL
#define SCRAM_STEP	NULL
#endif

static const struct mech mechs[] = {
	{ "PLAIN", AUTH_PLAIN, true, false, plain_start, plain_step },
	{ "LOGIN", AUTH_LOGIN, true, false, no_initial, login_step },
	{ "CRAM-MD5", AUTH_CRAM_MD5, true, false, no_initial, cram_step },
	{ "XOAUTH2", AUTH_XOAUTH2, true, false, xoauth2_start, xoauth2_step },
	{ "OAUTHBEARER", AUTH_OAUTHBEARER, true, false, oauthbearer_start,
	    oauthbearer_step },
	{ "EXTERNAL", AUTH_EXTERNAL, false, false, external_start, no_step },
	{ "SCRAM-SHA-1", AUTH_SCRAM_SHA_1, true, true, SCRAM_START,
	    SCRAM_STEP },
	{ "SCRAM-SHA-256", AUTH_SCRAM_SHA_256, true, true, SCRAM_START,
	    SCRAM_STEP },
};

/*
 * AUTO's preference, strongest first.  Inside TLS (where postie sends
 * AUTH) every mechanism is protected on the wire, so strength is about
 * what a fake or compromised server learns: SCRAM proves the password
 * without revealing it and authenticates the server too; PLAIN and LOGIN
 * reveal it but leave nothing weaker stored on the server; CRAM-MD5
 * hides it on the wire yet forces the server to keep the cleartext and
 * rests on MD5, so it comes last (msmtp's order, for the same reasons).
 * Token and certificate mechanisms are never guessed: only configured.
 */
static const char *const auto_order[] = {
	"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN", "CRAM-MD5",
};

static const struct mech *
mech_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (ascii_eq_ci(mechs[i].name, name))
			return &mechs[i];
	return NULL;
}

static const struct mech *
mech_by_method(enum auth_method m)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mechs[i].method == m)
			return &mechs[i];
	return NULL;
}

static bool
mech_built_in(const struct mech *m)
{
	return m->start != NULL && m->step != NULL;
}

bool
sasl_supported(const char *name)
{
	const struct mech *m = mech_by_name(name);

	return m != NULL && mech_built_in(m);
}

/* Is name one of the space-separated words of list (case-insensitive)? */
static bool
offered_has(const char *list, const char *name)
{
	size_t n = strlen(name), w;

	while (list != NULL && *list != '\0') {
		list += strspn(list, " \t");
		w = strcspn(list, " \t");
		if (w == n && ascii_eqn_ci(list, name, n))
			return true;
		list += w;
	}
	return false;
}

static const char *
choose_auto(const char *offered, bool have_password, struct err *e)
{
	const struct mech *m;

	if (!have_password) {
		err_set(e, EX_NOPERM, "AUTH needs a password and none is "
		    "configured");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(auto_order) / sizeof(auto_order[0]);
	    i++) {
		m = mech_by_name(auto_order[i]);
		if (mech_built_in(m) && offered_has(offered, m->name))
			return m->name;
	}
	err_set(e, EX_NOPERM, "the server offers no AUTH mechanism postie "
	    "supports (offered: %s)", offered[0] ? offered : "none");
	return NULL;
}

const char *
sasl_choose(enum auth_method configured, const char *offered,
    bool have_password, struct err *e)
{
	const struct mech *m;

	if (offered == NULL)
		offered = "";
	if (configured == AUTH_AUTO)
		return choose_auto(offered, have_password, e);
	if ((m = mech_by_method(configured)) == NULL) {
		err_set(e, EX_SOFTWARE, "no AUTH mechanism configured");
		return NULL;
	}
	if (!mech_built_in(m)) {
		err_set(e, EX_CONFIG, "AUTH %s is not supported by this build "
		    "(it needs GNU SASL)", m->name);
		return NULL;
	}
	if (!offered_has(offered, m->name)) {
		err_set(e, EX_NOPERM, "the server does not offer AUTH %s "
		    "(offered: %s)", m->name, offered[0] ? offered : "none");
		return NULL;
	}
	if (m->needs_password && !have_password) {
		err_set(e, EX_NOPERM, "AUTH %s needs a %s and none is "
		    "configured", m->name, m->method == AUTH_XOAUTH2 ||
		    m->method == AUTH_OAUTHBEARER ? "token" : "password");
		return NULL;
	}
	return m->name;
}

const char *
sasl_choose_token(enum auth_method configured, const char *offered,
    struct err *e)
{
	static const char *const order[] = { "OAUTHBEARER", "XOAUTH2" };

	if (offered == NULL)
		offered = "";
	if (configured == AUTH_XOAUTH2 || configured == AUTH_OAUTHBEARER)
		return sasl_choose(configured, offered, true, e);
	if (configured != AUTH_AUTO) {
		err_set(e, EX_CONFIG, "oauth2_* keys need auth on, xoauth2 "
		    "or oauthbearer");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (offered_has(offered, order[i]))
			return order[i];
	err_set(e, EX_NOPERM, "the server offers neither OAUTHBEARER nor "
	    "XOAUTH2 for the OAuth 2.0 token (offered: %s)",
	    offered[0] ? offered : "none");
	return NULL;
}

/* Free a buffer that held credentials, wiping it first. */
static void
buf_wipe_free(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	buf_free(b);
}

/* Base64 for the wire; RFC 4954 §4 writes an empty initial response "=". */
static char *
encode_response(const struct buf *raw, bool initial)
{
	if (raw->len == 0)
		return xstrdup(initial ? "=" : "");
	return b64_encode_plain(raw->data, raw->len);
}

int
sasl_start(struct sasl **sp, const char *name, const struct sasl_params *p,
    char **initial, struct err *e)
{
	const struct mech *m = mech_by_name(name);
	struct sasl *s;
	struct buf raw;
	bool has = false;

	*sp = NULL;
	*initial = NULL;
	if (m == NULL || !mech_built_in(m))
		return err_set(e, EX_CONFIG, "AUTH %s is not supported", name);
	if (m->needs_password && (p->user == NULL || p->password == NULL))
		return err_set(e, EX_CONFIG, "AUTH %s needs a user and a %s",
		    m->name, m->method == AUTH_XOAUTH2 ||
		    m->method == AUTH_OAUTHBEARER ? "token" : "password");
	s = xcalloc(1, sizeof(*s));
	s->mech = m;
	s->user = p->user ? xstrdup(p->user) : NULL;
	s->password = p->password ? xstrdup(p->password) : NULL;
	s->host = p->host ? xstrdup(p->host) : NULL;
	s->port = p->port;
	buf_init(&raw);
	if (m->start(s, &raw, &has, e) == -1) {
		buf_wipe_free(&raw);
		sasl_free(s);
		return -1;
	}
	if (has)
		*initial = encode_response(&raw, true);
	buf_wipe_free(&raw);
	*sp = s;
	return 0;
}

int
sasl_step(struct sasl *s, const char *challenge, size_t len,
    char **response, struct err *e)
{
	struct buf ch, raw;
	int r;

	*response = NULL;
	if (len > SASL_CHALLENGE_MAX * 4 / 3 + 4)
		return err_set(e, EX_PROTOCOL, "AUTH %s: challenge too long",
		    s->mech->name);
	buf_init(&ch);
	buf_init(&raw);
	if (b64_decode_plain(challenge, len, &ch) == -1) {
		buf_free(&ch);
		return err_set(e, EX_PROTOCOL, "AUTH %s: the server's "
		    "challenge is not base64", s->mech->name);
	}
	r = s->mech->step(s, ch.data, ch.len, &raw, e);
	if (r == 0) {
		*response = encode_response(&raw, false);
		s->nstep++;
	}
	buf_wipe_free(&raw);
	buf_free(&ch);
	return r;
}

void
sasl_free(struct sasl *s)
{
	if (s == NULL)
		return;
#ifdef HAVE_GSASL
	if (s->gsess != NULL)
		gsasl_finish(s->gsess);
	if (s->gctx != NULL)
		gsasl_done(s->gctx);
#endif
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->user);
	free(s->host);
	free(s);
}
