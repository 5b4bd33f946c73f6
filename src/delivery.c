/*
 * delivery.c — hand one message to its destinations (see delivery.h).
 *
 * The loop reads as the policy, as dma's deliver_remote() does: for each
 * destination of the route, each host in turn until one takes the
 * transaction; a host answers HOST_DONE (every recipient of the destination
 * has its result) or HOST_NEXT (connection failed, 4xx greeting, dropped:
 * the next host may do better).
 *
 * Classification lives here alone (design §5).  Lower layers give a first
 * guess in err.ex; this file decides:
 *   - temporary, exit 75: 4xx, connection refused/timed out/lost;
 *   - temporary, exit 77: TLS not offered or not trusted, AUTH refused
 *     (a fixed configuration cures them, as in Postfix);
 *   - temporary, exit 76: a malformed reply;
 *   - permanent: 550/551/553 with 5.1.x on RCPT → 67 (5.1.2 → 68), other
 *     5xx → 69; a non-ASCII local part for a server without SMTPUTF8 → 69.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "dane.h"
#include "delivery.h"
#include "dkim_body.h"
#include "log.h"
#include "oauth2.h"
#include "reply.h"
#include "tlsport.h"
#include "wire.h"
#include "workers.h"

#define CONNECT_TIMEOUT_MS	(60 * 1000)	/* when the account sets none */
/* Per MX address, as Postfix's smtp_connect_timeout: a dead MX host must
 * not hold the next one back for the whole configured timeout. */
#define MX_CONNECT_TIMEOUT_MS	(30 * 1000)

/* What one host attempt means for the destination.  HOST_AGAIN: a kept
 * session turned out closed before answering, or refused MAIL with a 4xx
 * (session_worn_out); connect afresh. */
enum host_rc { HOST_DONE = 0, HOST_NEXT, HOST_AGAIN };

/* The message as smtp.c reads it (body.h). */
struct msg_body {
	struct message *m;
	struct wire_opts w;		/* of the last prepare */
	struct wire_reader *rd;	/* while open */
};

/* One delivery_run. */
struct dctx {
	const struct account *a;
	struct message *m;
	const struct envelope *env;
	const struct delivery_opts *o;
	struct report *rep;
	bool	*decided;		/* per report entry */
	size_t	*slot;			/* rep's addresses hashed: index + 1,
					 * 0 empty (result_find) */
	size_t	 mask;			/* slots - 1, a power of two minus 1 */
	struct msg_body body;
	struct body_source src;		/* over body, for every transaction */
	/* The refusal behind the last host failure (code 0: none), for the
	 * log's reply when every host failed. */
	struct reply_said host_said;
	/* DKIM (dkim_key): signed wraps src; sent is what smtp.c reads. */
	struct dkim_signer *signer;
	char	*dkim_d;		/* the d=, or NULL: not signed */
	char	 dkim_note[ERR_MSG_MAX];	/* for the log line, or "" */
	struct dkim_body dkim;
	struct body_source signed_src;
	char	 dane_note[ERR_MSG_MAX];	/* mx_tls dane, for the log, or "" */
	const struct body_source *sent;
	struct log_trace trace;
	bool	 tracing;
	/* "host:port" of the hosts whose STARTTLS negotiation failed, when
	 * no queue run keeps them (clear_hosts). */
	struct strlist clear;
	/* ex != 0: the TLS mode does not fit the port (tlsport.h): no host
	 * and no retry can help, the whole delivery fails with it. */
	struct err misconfig;
	bool	 had_session;		/* note_session ran (rep->tls is its) */
};

/* ---- the body source ----
 * The one place that hands the message to smtp.c: a thin adapter over
 * message.h's wire form.  The wire layer replaces these four functions. */

static int
msg_body_prepare(void *ctx, const struct wire_opts *w, off_t *size,
    bool *eightbit, struct err *e)
{
	struct msg_body *mb = ctx;

	(void)e;
	mb->w = *w;
	if (size != NULL)
		*size = wire_size(mb->m, w);
	if (eightbit != NULL)
		*eightbit = wire_is_8bit(mb->m, w);
	return 0;
}

static int
msg_body_open(void *ctx, struct err *e)
{
	struct msg_body *mb = ctx;

	return wire_reader_open(&mb->rd, mb->m, &mb->w, e);
}

static ssize_t
msg_body_read(void *ctx, char *buf, size_t len, struct err *e)
{
	struct msg_body *mb = ctx;

	return wire_reader_read(mb->rd, buf, len, e);
}

static void
msg_body_close(void *ctx)
{
	struct msg_body *mb = ctx;

	wire_reader_close(mb->rd);
	mb->rd = NULL;
}

static void
msg_body_init(struct dctx *x, struct message *m)
{
	x->body.m = m;
	x->src = (struct body_source){ .ctx = &x->body,
	    .prepare = msg_body_prepare, .open = msg_body_open,
	    .read = msg_body_read, .close = msg_body_close };
}

/* ---- DKIM ----
 * With dkim_key, the body source is wrapped so that each server gets the
 * signature of the very bytes it receives (dkim_body.h). */

/* The A-label domain of the message's (first) From address, or NULL. */
static char *
from_domain(const struct message *m)
{
	long i = header_find(&m->headers, "From", 0);
	struct strlist l;
	char *v, *a = NULL, *d = NULL;
	struct err e;

	if (i < 0)
		return NULL;
	strlist_init(&l);
	v = header_value(&m->headers, (size_t)i);
	if (address_parse_list(v, strlen(v), &l, &e) == 0 && l.n > 0 &&
	    address_to_alabel(l.v[0], &a, &e) == 0 &&
	    address_domain(a) != NULL)
		d = xstrdup(address_domain(a));
	free(a);
	free(v);
	strlist_free(&l);
	return d;
}

int
delivery_dkim_choose(const struct account *a, const struct message *m,
    struct dkim_signer **signer, char **d, char *note, size_t notelen,
    struct err *e)
{
	const char *sd;
	char *fd;

	*signer = NULL;
	*d = NULL;
	if (a->dkim_key == NULL)
		return 0;
	if (dkim_signer_new(signer, a->dkim_key, a->dkim_selector,
	    a->dkim_domain, a->dkim_headers, e) == -1)
		return -1;
	fd = from_domain(m);
	sd = fd != NULL ? dkim_signer_domain(*signer, fd) : NULL;
	if (sd == NULL)
		/* Design §4: sent unsigned, and said so. */
		snprintf(note, notelen, "unsigned: From domain %s is not %s "
		    "or below it", fd != NULL ? fd : "(none)",
		    a->dkim_domain != NULL ? a->dkim_domain : "a domain name");
	else {
		*d = xstrdup(sd);
		snprintf(note, notelen, "signed d=%s s=%s", *d,
		    a->dkim_selector);
	}
	free(fd);
	return 0;
}

/* Load the account's keys (a bad key is EX_CONFIG before any connection)
 * and decide whether this message is signed, and as which d=. */
static int
dkim_setup(struct dctx *x, struct err *e)
{
	x->sent = &x->src;
	if (delivery_dkim_choose(x->a, x->m, &x->signer, &x->dkim_d,
	    x->dkim_note, sizeof(x->dkim_note), e) == -1)
		return -1;
	if (x->signer == NULL)
		return 0;
	if (x->dkim_d == NULL) {
		if (x->o->verbose)
			fprintf(stderr, "postie: DKIM: %s\n", x->dkim_note);
		return 0;
	}
	dkim_body_init(&x->dkim, &x->signed_src, &x->src, x->signer,
	    x->dkim_d);
	x->sent = &x->signed_src;
	return 0;
}

static void
dkim_teardown(struct dctx *x)
{
	if (x->dkim_d != NULL)
		dkim_body_free(&x->dkim);
	free(x->dkim_d);
	dkim_signer_free(x->signer);
}

/* ---- classification ---- */

/* A 5xx refusal of one RCPT: which sysexits code (design §5).  550, 551
 * and 553 mean "no such user" (as sendmail maps them) unless the enhanced
 * code names another cause: 5.1.2 (RFC 3463 bad destination system) and
 * 5.1.10 (RFC 7505 null MX) mean no such host; 5.2.x, 5.3.x, 5.7.x
 * (mailbox full, system, policy) are plain unavailability. */
int
delivery_rcpt_ex(const struct reply_said *said)
{
	const char *status = said->status;
	int code = said->code;

	if (strcmp(status, "5.1.2") == 0 || strcmp(status, "5.1.10") == 0 ||
	    strcasestr(said->line, "no such domain") != NULL)
		return EX_NOHOST;
	if ((code == 550 || code == 551 || code == 553) &&
	    (status[0] == '\0' || strcmp(status, "5.0.0") == 0 ||
	    strncmp(status, "5.1.", 4) == 0))
		return EX_NOUSER;
	return EX_UNAVAILABLE;
}

/* A failure of the whole session or transaction, from the lower layer's
 * first guess and the stage it stopped at. */
void
delivery_classify(const struct err *e, enum smtp_stage stage,
    enum outcome *out, int *ex)
{
	*out = OUT_TEMPFAIL;
	if (stage == STAGE_STARTTLS || stage == STAGE_AUTH) {
		*ex = EX_NOPERM;
		return;
	}
	switch (e->ex) {
	case EX_NOPERM:
	case EX_PROTOCOL:
	case EX_IOERR:
	case EX_OSERR:
	case EX_SOFTWARE:
	case EX_CONFIG:
		*ex = e->ex;
		return;
	case EX_UNAVAILABLE:
	case EX_NOUSER:
	case EX_NOHOST:
	case EX_DATAERR:
		*out = OUT_PERMFAIL;
		*ex = e->ex;
		return;
	default:
		*ex = EX_TEMPFAIL;
	}
}

/* ---- the report ---- */

/* reply: the server's words behind the outcome, NULL or "" for none. */
static void
result_set(struct dctx *x, size_t i, enum outcome out, int ex,
    const char *text, const char *reply)
{
	struct rcpt_result *r = &x->rep->v[i];

	r->outcome = out;
	r->ex = out == OUT_SENT ? 0 : ex;
	snprintf(r->text, sizeof(r->text), "%s", text);
	snprintf(r->reply, sizeof(r->reply), "%s", reply ? reply : "");
	r->status[0] = '\0';
	r->mta[0] = '\0';
	x->decided[i] = true;
}

static size_t
hash_addr(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

/* Hash the report's addresses: each destination looks its recipients
 * up, and a scan of the report per recipient made 40,000 recipients
 * take seconds (quadratic). */
static void
result_index(struct dctx *x)
{
	size_t n = 16;

	while (n < x->rep->n * 2)
		n *= 2;
	x->mask = n - 1;
	x->slot = xcalloc(n, sizeof(*x->slot));
	for (size_t i = 0; i < x->rep->n; i++) {
		size_t k = hash_addr(x->rep->v[i].addr) & x->mask;

		while (x->slot[k] != 0)
			k = (k + 1) & x->mask;
		x->slot[k] = i + 1;
	}
}

/* The report entry of an undecided recipient, or -1 (the first such
 * when an address is listed twice). */
static long
result_find(const struct dctx *x, const char *addr)
{
	long best = -1;

	for (size_t k = hash_addr(addr) & x->mask; x->slot[k] != 0;
	    k = (k + 1) & x->mask) {
		size_t i = x->slot[k] - 1;

		if (!x->decided[i] && strcmp(x->rep->v[i].addr, addr) == 0 &&
		    (best == -1 || (long)i < best))
			best = (long)i;
	}
	return best;
}

/* Every still undecided recipient of d gets the same result. */
static void
fail_rest(struct dctx *x, const struct destination *d, enum outcome out,
    int ex, const char *text, const char *reply)
{
	for (size_t i = 0; i < d->rcpts.n; i++) {
		long k = result_find(x, d->rcpts.v[i]);

		if (k >= 0)
			result_set(x, (size_t)k, out, ex, text, reply);
	}
}

/* A failure before any transaction: e, and the refusal behind it. */
static void
fail_rest_err(struct dctx *x, const struct destination *d,
    const struct err *e, const struct reply_said *said,
    enum smtp_stage stage)
{
	enum outcome out;
	int ex;

	delivery_classify(e, stage, &out, &ex);
	fail_rest(x, d, out, ex, e->msg, said != NULL ? said->line : NULL);
}

/* ---- sessions kept for a queue run (delivery_cache) ---- */

struct cache_slot {
	const struct account *a;
	char	*host;
	int	 port;
	struct smtp *s;		/* a usable session, or NULL when dead */
	struct err why;		/* dead: why the host could not be reached */
	struct reply_said why_said;	/* and the refusal behind it */
};

struct delivery_cache {
	struct cache_slot v[DELIVERY_CACHE_MAX];
	size_t	 n;
	struct strlist clear;	/* as dctx's clear, for the whole run */
};

struct delivery_cache *
delivery_cache_new(void)
{
	struct delivery_cache *c = xcalloc(1, sizeof(struct delivery_cache));

	strlist_init(&c->clear);
	return c;
}

static struct cache_slot *
cache_find(struct delivery_cache *c, const struct account *a,
    const char *host, int port)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].a == a && c->v[i].port == port &&
		    strcmp(c->v[i].host, host) == 0)
			return &c->v[i];
	return NULL;
}

/* Forget slot i; with its session handed to the caller (take) or QUIT. */
static struct smtp *
cache_remove(struct delivery_cache *c, size_t i, bool take)
{
	struct smtp *s = c->v[i].s;

	if (!take && s != NULL)
		smtp_quit(s);
	free(c->v[i].host);
	memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(c->v[0]));
	c->n--;
	return take ? s : NULL;
}

/* Keep s for host (s NULL: remember why the host is unreachable). */
static void
cache_put(struct delivery_cache *c, const struct account *a,
    const char *host, int port, struct smtp *s, const struct err *why,
    const struct reply_said *why_said)
{
	struct cache_slot *sl = cache_find(c, a, host, port);

	if (sl != NULL)
		cache_remove(c, (size_t)(sl - c->v), false);
	if (c->n == DELIVERY_CACHE_MAX)
		cache_remove(c, 0, false);
	sl = &c->v[c->n++];
	memset(sl, 0, sizeof(*sl));
	sl->a = a;
	sl->host = xstrdup(host);
	sl->port = port;
	sl->s = s;
	if (s != NULL)	/* this run's trace sink goes away with its dctx */
		conn_set_trace(smtp_conn(s), NULL, NULL);
	if (why != NULL)
		sl->why = *why;
	if (why_said != NULL)
		sl->why_said = *why_said;
}

void
delivery_cache_close(struct delivery_cache *c)
{
	if (c == NULL)
		return;
	while (c->n > 0)
		cache_remove(c, c->n - 1, false);
	strlist_free(&c->clear);
	free(c);
}

/* ---- one session ---- */

static int
timeout_ms(const struct account *a)
{
	return a->timeout > 0 ? a->timeout * 1000 : CONNECT_TIMEOUT_MS;
}

/* The configured timeout still bounds everything else (TLS, replies). */
static int
connect_timeout_ms(const struct account *a, const struct destination *d)
{
	int t = timeout_ms(a);

	return d->domain != NULL && t > MX_CONNECT_TIMEOUT_MS ?
	    MX_CONNECT_TIMEOUT_MS : t;
}

/* A session that broke after making us wait at least a timeout (the
 * configured one, else CONNECT_TIMEOUT_MS, below every RFC 5321 stage
 * timeout): the host stalls, and would make each later message of a queue
 * run wait as long. */
static bool
stalled(const struct dctx *x, struct smtp *s, const struct err *e,
    long long since)
{
	return !smtp_usable(s) && e->ex == EX_TEMPFAIL &&
	    now_ms() - since >= timeout_ms(x->a);
}

/* How the account reaches its servers: source address, SOCKS5 proxy
 * (for MX hosts too: the MX look-up is local DNS, the hosts' addresses
 * are the proxy's to find), or a Unix-domain socket. */
static void
via_for(const struct account *a, struct conn_via *v)
{
	memset(v, 0, sizeof(*v));
	v->source_ip = a->source_ip;
	v->proxy_host = a->proxy_host;
	v->proxy_port = a->proxy_port;
	v->socket_path = a->socket;
}

static void
tls_params_for(const struct account *a, const struct destination *d,
    const char *host, struct tls_params *t)
{
	memset(t, 0, sizeof(*t));
	t->verify_name = a->tls_host_override != NULL ?
	    a->tls_host_override : host;
	t->trust_file = a->tls_trust_file;
	t->crl_file = a->tls_crl_file;
	t->fingerprint = a->tls_fingerprint;
	t->cert_file = a->tls_cert_file;
	t->key_file = a->tls_key_file;
	t->certcheck = a->tls_certcheck;
	t->tls13_only = a->tls_min_version != NULL &&
	    strcmp(a->tls_min_version, "1.3") == 0;
	t->priorities = a->tls_priorities;
	t->opportunistic = d->tls == TLSMODE_OPPORTUNISTIC;
}

/* smtp.c's token_renew: the server refused the token it was given. */
static int
renew_token(void *arg, const char *refused, char **token, struct err *e)
{
	return oauth2_token(arg, refused, token, e);
}

/* An OAuth 2.0 access token for the account (oauth2.h), before any
 * connection: an endpoint that is down defers the message without
 * bothering the relay, and invalid_grant names its fix. */
static int
account_token(const struct account *a, char **token, struct err *e)
{
	if (a->auth != AUTH_AUTO && a->auth != AUTH_XOAUTH2 &&
	    a->auth != AUTH_OAUTHBEARER)
		return err_set(e, EX_CONFIG, "account %s: oauth2_* keys need "
		    "auth on, xoauth2 or oauthbearer", a->name);
	if (a->user == NULL)
		return err_set(e, EX_CONFIG, "account %s: OAuth 2.0 needs user "
		    "(the mailbox to authenticate as)", a->name);
	return oauth2_token(a, NULL, token, e);
}

static void
smtp_params_for(const struct account *a, const char *password,
    const struct destination *d, const char *host, struct smtp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->helo_name = a->domain != NULL ? a->domain : host_fqdn();
	p->tls = d->tls;
	tls_params_for(a, d, host, &p->tlsp);
	p->auth = d->auth && a->auth != AUTH_OFF;
	p->auth_method = a->auth;
	p->user = a->user;
	p->password = password;
	p->host = host;
	p->port = d->port;
	p->timeout_s = a->timeout;
	if (p->auth && config_oauth2(a)) {
		p->token_renew = renew_token;
		p->token_arg = (void *)a;
	}
}

/* A smarthost that could take nothing (delivery.h's relay_state); the
 * first such word stays. */
static void
note_relay(struct dctx *x, const struct destination *d, enum relay_state st)
{
	if (d->domain == NULL && x->rep->relay == RELAY_OK)
		x->rep->relay = st;
}

/* ---- opportunistic TLS that fails (RFC 7435) ----
 * A direct MX host that offers STARTTLS but cannot finish the handshake
 * (Debian 12's OpenSMTPD with TLS configured) would otherwise never get
 * the message.  As Exim's tls_tempfail_tryclear and Postfix's may level,
 * postie tries it again without TLS at once, and for the rest of the run.
 * Never for a smarthost or with mx_tls required or dane: those asked for
 * TLS, and get it or nothing. */

static struct strlist *
clear_hosts(struct dctx *x)
{
	return x->o->cache != NULL ? &x->o->cache->clear : &x->clear;
}

static bool
clear_fallback_allowed(const struct dctx *x, const struct destination *d)
{
	return d->domain != NULL && d->tls == TLSMODE_OPPORTUNISTIC &&
	    x->a->mx_tls == MX_TLS_OPPORTUNISTIC;
}

static void
host_key(const struct destination *d, const char *host, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "%s:%d", host, d->port);
}

/* Has this host's STARTTLS negotiation failed earlier in the run? */
static bool
in_clear(struct dctx *x, const struct destination *d, const char *host)
{
	char key[300];

	if (!clear_fallback_allowed(x, d))
		return false;
	host_key(d, host, key, sizeof(key));
	return strlist_contains_ci(clear_hosts(x), key);
}

/* Remember the host, and say so (-v; the log line's tls= says it too). */
static void
mark_clear(struct dctx *x, const struct destination *d, const char *host,
    const struct err *why)
{
	char key[300];

	host_key(d, host, key, sizeof(key));
	strlist_add(clear_hosts(x), key);
	if (x->o->verbose)
		fprintf(stderr, "postie: %s; trying %s again without TLS, "
		    "for the rest of this run (opportunistic TLS, RFC 7435)\n",
		    why->msg, host);
}

/* A TLS handshake that broke (an alert, bytes that are not TLS) is a
 * temporary failure, as postie(1) says: 75 with queue off, the next host
 * meanwhile.  An untrusted certificate or a refused client certificate
 * (EX_NOPERM: a fixed configuration cures it) stays 77, a configuration
 * error 78. */
static void
tls_failure_temporary(struct err *e)
{
	if (e->ex == EX_PROTOCOL)
		e->ex = EX_TEMPFAIL;
}

/* A smarthost failure that a fixed configuration cures (design §5): what
 * to fix, for the line that tells the user (submit.c names the account
 * and file).  The first such word stays. */
static void
note_fix(struct dctx *x, const struct destination *d, enum smtp_fault f)
{
	static const char *const fix[] = {
		[FAULT_AUTH_REFUSED] = "the password",
		[FAULT_NO_STARTTLS] = "tls and tls_starttls",
		[FAULT_STARTTLS_REFUSED] = "tls and tls_starttls",
		[FAULT_TLS_UNTRUSTED] = "tls_trust_file or tls_fingerprint",
	};

	if (d->domain != NULL || x->rep->fix[0] != '\0' || f == FAULT_NONE ||
	    (size_t)f >= sizeof(fix) / sizeof(fix[0]))
		return;
	snprintf(x->rep->fix, sizeof(x->rep->fix), "%s", fix[f]);
}

/* Server, TLS and final reply for the report and the log line. */
static void
note_session(struct dctx *x, const struct destination *d, const char *host,
    struct smtp *s)
{
	struct conn *c = smtp_conn(s);

	snprintf(x->rep->server, sizeof(x->rep->server), "%s", conn_peer(c));
	x->had_session = true;
	x->rep->tls[0] = '\0';
	if (conn_is_tls(c))
		tls_describe(conn_tls(c), x->rep->tls, sizeof(x->rep->tls));
	else if (in_clear(x, d, host))
		snprintf(x->rep->tls, sizeof(x->rep->tls), "none (STARTTLS "
		    "handshake failed; opportunistic, sent in clear)");
}

static void
note_reply(struct dctx *x, struct smtp *s)
{
	const struct smtp_reply *r = smtp_last_reply(s);

	if (r != NULL && r->code != 0)
		reply_summary(r, x->rep->reply, sizeof(x->rep->reply));
}

static bool
header_is_8bit(const struct message *m)
{
	for (size_t i = 0; i < m->headers.n; i++)
		for (size_t j = 0; j < m->headers.v[i].raw_len; j++)
			if ((unsigned char)m->headers.v[i].raw[j] >= 0x80)
				return true;
	return false;
}

static bool
needs_smtputf8(const struct dctx *x, const struct destination *d)
{
	if (address_is_8bit(x->env->from))
		return true;
	for (size_t i = 0; i < d->rcpts.n; i++)
		if (address_is_8bit(d->rcpts.v[i]))
			return true;
	return header_is_8bit(x->m);
}

/* The address as it goes on the wire without SMTPUTF8: domain in A-labels.
 * NULL with e when that cannot be (a non-ASCII local part). */
static char *
ascii_address(const char *addr, bool sender, const char *peer,
    struct err *e)
{
	char *out = NULL;

	if (address_to_alabel(addr, &out, e) == -1)
		return NULL;
	if (address_is_8bit(out)) {
		free(out);
		err_set(e, EX_UNAVAILABLE, "%s%s%s non-ASCII local part needs "
		    "SMTPUTF8, which %s does not offer",
		    sender ? "the sender <" : "", sender ? addr : "",
		    sender ? ">'s" : "its", peer);
		return NULL;
	}
	return out;
}

/* The transaction being built for one session. */
struct txn_build {
	struct smtp_txn t;
	struct smtp_rcpt *rv;
	long	*idx;			/* report entry of each rv */
	struct strlist owned;		/* A-label copies */
};

static void
txn_build_free(struct txn_build *b)
{
	free(b->rv);
	free(b->idx);
	strlist_free(&b->owned);
}

/* Fill b with d's undecided recipients; those that cannot go to this
 * server are decided here.  -1 when the sender itself cannot. */
static int
txn_build(struct dctx *x, const struct destination *d, struct smtp *s,
    struct txn_build *b, struct err *e)
{
	const char *peer = conn_peer(smtp_conn(s));
	bool utf8 = needs_smtputf8(x, d) &&
	    (smtp_caps(s)->flags & CAP_SMTPUTF8) != 0;
	char *conv;

	memset(b, 0, sizeof(*b));
	strlist_init(&b->owned);
	b->rv = xcalloc(d->rcpts.n, sizeof(*b->rv));
	b->idx = xcalloc(d->rcpts.n, sizeof(*b->idx));
	b->t.from = x->env->from;
	if (!utf8 && address_is_8bit(x->env->from)) {
		if ((conv = ascii_address(x->env->from, true, peer, e)) == NULL)
			return -1;
		strlist_take(&b->owned, conv);
		b->t.from = conv;
	}
	for (size_t i = 0; i < d->rcpts.n; i++) {
		const char *addr = d->rcpts.v[i];
		long k = result_find(x, addr);
		struct err ce;

		if (k < 0)
			continue;
		if (!utf8 && address_is_8bit(addr)) {
			if ((conv = ascii_address(addr, false, peer, &ce)) == NULL) {
				result_set(x, (size_t)k, OUT_PERMFAIL,
				    EX_UNAVAILABLE, ce.msg, NULL);
				continue;
			}
			strlist_take(&b->owned, conv);
			addr = conv;
		}
		b->rv[b->t.nrcpts].addr = addr;
		b->rv[b->t.nrcpts].notify = x->env->dsn_notify;
		b->idx[b->t.nrcpts++] = k;
	}
	b->t.rcpts = b->rv;
	b->t.dsn_ret = x->env->dsn_ret;
	b->t.dsn_envid = x->env->dsn_envid;
	b->t.smtputf8 = utf8;
	b->t.body_8bit_hint = x->env->body_8bit_hint;
	b->t.body = x->sent;
	return 0;
}

/* A recipient that failed with its transaction: a refusal is temporary
 * (4xx) or permanent (5xx, 69) by its code; a failure that no reply
 * explains (lost, malformed, a local check) by the lower layer's first
 * guess and the stage. */
static void
classify_failed(const struct smtp_rcpt *r, const struct err *e,
    enum smtp_stage stage, enum outcome *out, int *ex)
{
	switch (r->said.code / 100) {
	case 4:
		*out = OUT_TEMPFAIL;
		*ex = EX_TEMPFAIL;
		break;
	case 5:
		*out = OUT_PERMFAIL;
		*ex = EX_UNAVAILABLE;
		break;
	default:
		delivery_classify(e, stage, out, ex);
	}
}

/* A recipient refused by its own RCPT reply. */
static void
judge_refused(struct dctx *x, size_t k, const struct smtp_rcpt *r,
    const char *peer)
{
	char text[ERR_MSG_MAX];

	snprintf(text, sizeof(text), "%s said: %s (in reply to %s)", peer,
	    r->said.line, smtp_stage_name(STAGE_RCPT));
	if (r->said.code / 100 == 5)
		result_set(x, k, OUT_PERMFAIL, delivery_rcpt_ex(&r->said),
		    text, r->said.line);
	else
		result_set(x, k, OUT_TEMPFAIL, EX_TEMPFAIL, text,
		    r->said.line);
}

/* Judge each recipient after smtp_send, from its state and reply. */
static void
judge_rcpts(struct dctx *x, struct txn_build *b, struct smtp *s,
    const struct err *e)
{
	const char *peer = conn_peer(smtp_conn(s));

	for (size_t j = 0; j < b->t.nrcpts; j++) {
		const struct smtp_rcpt *r = &b->rv[j];
		size_t k = (size_t)b->idx[j];
		enum outcome out;
		int ex;

		switch (r->state) {
		case RCPT_ACCEPTED:
			result_set(x, k, OUT_SENT, 0, x->rep->reply,
			    r->said.line);
			break;
		case RCPT_REFUSED:
			judge_refused(x, k, r, peer);
			break;
		case RCPT_FAILED:
			classify_failed(r, e, smtp_stage(s), &out, &ex);
			if (smtp_too_big(s)) {
				/* No retry makes the message smaller. */
				out = OUT_PERMFAIL;
				ex = EX_DATAERR;
				x->rep->too_big = true;
			}
			result_set(x, k, out, ex, e->msg, r->said.line);
			break;
		default:	/* smtp.c broke its word */
			result_set(x, k, OUT_TEMPFAIL, EX_SOFTWARE,
			    "no answer for this recipient", NULL);
		}
		x->rep->v[k].code = r->said.code;
		snprintf(x->rep->v[k].status, sizeof(x->rep->v[k].status),
		    "%s", r->said.status);
		snprintf(x->rep->v[k].mta, sizeof(x->rep->v[k].mta), "%s",
		    conn_host(smtp_conn(s)));
	}
}

/* A failure that the next host may not have: the session was lost
 * (dropped, or 421) and no recipient was refused on its own. */
static bool
worth_next_host(struct smtp *s, const struct txn_build *b,
    const struct err *e)
{
	if (e->ex != EX_TEMPFAIL || smtp_usable(s))
		return false;
	for (size_t j = 0; j < b->t.nrcpts; j++)
		if (b->rv[j].state != RCPT_FAILED)
			return false;
	return true;
}

/* After the transaction: keep a usable session for the queue run's next
 * message, else QUIT (or just close a broken one). */
static void
session_end(struct dctx *x, const struct destination *d, const char *host,
    struct smtp *s)
{
	if (x->o->cache != NULL && smtp_usable(s))
		cache_put(x->o->cache, x->a, host, d->port, s, NULL, NULL);
	else if (smtp_usable(s))
		smtp_quit(s);
	else
		smtp_abort(s);
}

/* A host that cannot be reached now, or that stalled: the queue run will
 * not try it again for its next messages. */
static enum host_rc
host_unreachable(struct dctx *x, const struct destination *d,
    const char *host, const struct err *e)
{
	if (x->o->cache != NULL)
		cache_put(x->o->cache, x->a, host, d->port, NULL, e,
		    &x->host_said);
	return HOST_NEXT;
}

/* A kept session whose MAIL got a 4xx: most likely the server's limit of
 * messages per connection (OpenSMTPD allows 100: "452 4.5.3"), which a
 * new session does not have.  A new session refused the same way is a
 * real deferral. */
static bool
session_worn_out(struct smtp *s, bool kept, const struct err *e)
{
	return kept && smtp_usable(s) && e->ex == EX_TEMPFAIL &&
	    smtp_fail_stage(s) == STAGE_MAIL;
}

/* ---- DANE (mx_tls dane, RFC 7672) ----
 * route.c looked up each MX host's TLSA records; dane_policy (dane.h)
 * says what they mean; these functions make that the host's session. */

/* The session parameters DANE asks for host.  -1 with e: the host is not
 * tried (its TLSA look-up was bogus). */
static int
dane_params(const struct destination *d, const char *host,
    struct smtp_params *p, struct err *e)
{
	const struct tlsa_list *l = route_tlsa(d, host);

	switch (dane_policy(l)) {
	case DANE_OPPORTUNISTIC:
		return 0;
	case DANE_DEFER:
		return err_set(e, EX_TEMPFAIL, "DANE: the TLSA look-up of "
		    "_%d._tcp.%s failed (bogus: DNSSEC validation or the "
		    "resolver failed); %s not tried", d->port, host, host);
	case DANE_ENCRYPT:
		p->tls = TLSMODE_STARTTLS;
		p->tlsp.certcheck = false;
		break;
	case DANE_VERIFY:
		p->tls = TLSMODE_STARTTLS;
		p->tlsp.certcheck = true;
		p->tlsp.dane = l;
		p->tlsp.dane_domain = d->domain;
		p->tlsp.verify_name = host;
		break;
	}
	/* The TLSA records decide; the account's other checks do not. */
	p->tlsp.opportunistic = false;
	p->tlsp.fingerprint = NULL;
	return 0;
}

/* A session DANE made mandatory failed at STARTTLS or the certificate:
 * say DANE in the reason (RFC 7672 §2.2: never plaintext; the next MX,
 * then the queue). */
static void
dane_failed(const struct smtp_params *p, const char *host, struct err *e)
{
	char was[ERR_MSG_MAX];

	if (strstr(e->msg, "DANE:") != NULL)	/* tls.c said it already */
		return;
	snprintf(was, sizeof(was), "%s", e->msg);
	err_set(e, e->ex, "DANE: %s has TLSA records, TLS is required%s: %s",
	    host, p->tlsp.dane == NULL ? " (no usable record)" : "", was);
}

/* mx_tls dane that cannot be DANE for d, and why: on -v and in the log
 * (the last destination's word; one message rarely has two). */
static void
dane_say(struct dctx *x, const struct destination *d)
{
	if (!d->dane || d->fail.ex != 0 || d->tlsa != NULL)
		return;
	if (d->mx_sec == DNSSEC_UNTRUSTED)
		snprintf(x->dane_note, sizeof(x->dane_note), "cannot tell "
		    "whether the MX answer for %s is DNSSEC-secure (resolv.conf "
		    "needs options trust-ad and a nameserver on loopback): %s",
		    d->domain, dane_policy_words(DANE_OPPORTUNISTIC));
	else
		snprintf(x->dane_note, sizeof(x->dane_note), "the MX answer "
		    "for %s is %s: %s", d->domain, dns_sec_name(d->mx_sec),
		    dane_policy_words(DANE_OPPORTUNISTIC));
	if (x->o->verbose)
		fprintf(stderr, "postie: DANE: %s\n", x->dane_note);
}

/* Which record the certificate matched: on -v and in the log. */
static void
dane_note(struct dctx *x, const char *host, struct smtp *s)
{
	struct conn *c = smtp_conn(s);
	const char *rec;

	if (!conn_is_tls(c) || (rec = tls_dane_matched(conn_tls(c))) == NULL)
		return;
	snprintf(x->dane_note, sizeof(x->dane_note), "%s: certificate "
	    "matched TLSA %s", host, rec);
	if (x->o->verbose)
		fprintf(stderr, "postie: DANE: %s\n", x->dane_note);
}

/* kept: s comes from the cache, and may have been closed while idle. */
static enum host_rc
run_transaction(struct dctx *x, const struct destination *d,
    const char *host, struct smtp *s, bool kept, struct err *e)
{
	struct txn_build b;
	long long start;
	int rc;

	if (txn_build(x, d, s, &b, e) == -1) {
		fail_rest(x, d, OUT_PERMFAIL, e->ex, e->msg, NULL);
		txn_build_free(&b);
		smtp_quit(s);
		return HOST_DONE;
	}
	if (b.t.nrcpts == 0) {
		txn_build_free(&b);
		smtp_quit(s);
		return HOST_DONE;
	}
	start = now_ms();
	rc = smtp_send(s, &b.t, e);
	if (rc == -1 && b.rv[0].state == RCPT_FAILED)
		x->host_said = b.rv[0].said;	/* the same for all */
	if (rc == -1 && stalled(x, s, e, start))
		host_unreachable(x, d, host, e);
	else if (rc == -1 && kept && smtp_lost_unanswered(s)) {
		/* Closed while idle: nothing of this message was taken. */
		txn_build_free(&b);
		smtp_abort(s);
		err_clear(e);
		return HOST_AGAIN;
	} else if (rc == -1 && session_worn_out(s, kept, e)) {
		/* Nothing of this message was taken: a new session, now. */
		if (x->o->verbose)
			fprintf(stderr, "postie: %s; a new session for this "
			    "message\n", e->msg);
		txn_build_free(&b);
		smtp_quit(s);
		err_clear(e);
		reply_said_set(&x->host_said, NULL);
		return HOST_AGAIN;
	}
	note_reply(x, s);	/* not a closing session's 421 */
	if (rc == -1 && e->ex == EX_TEMPFAIL &&
	    smtp_fail_stage(s) == STAGE_MAIL)
		note_relay(x, d, RELAY_UNAVAILABLE);
	if (rc == -1 && worth_next_host(s, &b, e)) {
		txn_build_free(&b);
		smtp_abort(s);
		return HOST_NEXT;
	}
	judge_rcpts(x, &b, s, e);
	txn_build_free(&b);
	session_end(x, d, host, s);
	return HOST_DONE;
}

/* A queue run: the session kept from an earlier message, or the failure
 * remembered for this host.  -1: nothing kept, or the kept session was
 * found closed before it answered (smtp_lost_unanswered): connect.  Its
 * liveness costs no round trip of its own: the transaction's first
 * command finds it out, and a stall there still marks the host. */
static int
deliver_cached(struct dctx *x, const struct destination *d,
    const char *host, struct err *e)
{
	struct cache_slot *sl;
	struct smtp *s;
	enum host_rc rc;

	if (x->o->cache == NULL ||
	    (sl = cache_find(x->o->cache, x->a, host, d->port)) == NULL)
		return -1;
	if (sl->s == NULL) {
		*e = sl->why;
		x->host_said = sl->why_said;
		return HOST_NEXT;
	}
	s = cache_remove(x->o->cache, (size_t)(sl - x->o->cache->v), true);
	if (x->tracing)
		conn_set_trace(smtp_conn(s), log_trace, &x->trace);
	note_session(x, d, host, s);
	rc = run_transaction(x, d, host, s, true, e);
	return rc == HOST_AGAIN ? -1 : (int)rc;
}

static enum host_rc deliver_new_session(struct dctx *,
    const struct destination *, const char *, const char *, struct err *);

/* The negotiation after the server's 2xx to STARTTLS failed. */
static enum host_rc
starttls_failed(struct dctx *x, const struct destination *d,
    const char *host, const char *password, struct err *e)
{
	tls_failure_temporary(e);
	if (e->ex != EX_CONFIG && clear_fallback_allowed(x, d)) {
		mark_clear(x, d, host, e);
		return deliver_new_session(x, d, host, password, e);
	}
	if (e->ex == EX_TEMPFAIL)
		return host_unreachable(x, d, host, e);
	if (e->ex == EX_NOPERM)
		note_relay(x, d, RELAY_UNAVAILABLE);
	fail_rest_err(x, d, e, &x->host_said, STAGE_GREETING);
	return HOST_DONE;
}

enum connect_rc {
	CONNECT_OK = 0, CONNECT_UNREACHABLE, CONNECT_TLS_REFUSED,
	CONNECT_MISMATCH,
};

/* Connect, then per the TLS mode start implicit TLS, or make sure that a
 * smarthost's port greets in plain text before the session waits a whole
 * timeout for it (tlsport.h).  A server slower than the probe gets a new
 * connection, waited for without probing. */
static enum connect_rc
session_connect(struct dctx *x, const struct destination *d,
    const char *host, const struct smtp_params *p, struct conn **cp,
    struct err *e)
{
	bool probe = d->domain == NULL && d->tls != TLSMODE_IMPLICIT;
	bool mismatch = false;
	struct conn_via via;

	via_for(x->a, &via);
	for (;;) {
		if (conn_connect_host(cp, host, d->port, &via,
		    connect_timeout_ms(x->a, d), e) == -1)
			return CONNECT_UNREACHABLE;
		if (x->tracing) {
			char note[300];

			conn_set_trace(*cp, log_trace, &x->trace);
			snprintf(note, sizeof(note), "connecting to %s",
			    conn_peer(*cp));
			conn_trace_note(*cp, note);
		}
		if (d->tls == TLSMODE_IMPLICIT) {
			if (tlsport_implicit(*cp, &p->tlsp, host, d->port,
			    timeout_ms(x->a), &mismatch, e) == 0)
				return CONNECT_OK;
			conn_close(*cp);
			if (mismatch)
				return CONNECT_MISMATCH;
			tls_failure_temporary(e);
			return e->ex == EX_NOPERM ? CONNECT_TLS_REFUSED :
			    CONNECT_UNREACHABLE;
		}
		if (!probe)
			return CONNECT_OK;
		switch (tlsport_greeting(*cp, d->tls == TLSMODE_STARTTLS,
		    host, d->port, timeout_ms(x->a), e)) {
		case TLSPORT_GREETS:
			return CONNECT_OK;
		case TLSPORT_SLOW:
			conn_close(*cp);
			probe = false;
			continue;
		case TLSPORT_MISMATCH:
			conn_close(*cp);
			return CONNECT_MISMATCH;
		default:
			conn_close(*cp);
			return CONNECT_UNREACHABLE;
		}
	}
}

/* Connect, TLS, session, transaction, with password (or token). */
static enum host_rc
deliver_new_session(struct dctx *x, const struct destination *d,
    const char *host, const char *password, struct err *e)
{
	enum smtp_fault fault = FAULT_NONE;
	struct smtp_params p;
	struct conn *c;
	struct smtp *s;
	bool tls_failed = false, dane_tls;

	smtp_params_for(x->a, password, d, host, &p);
	if (dane_params(d, host, &p, e) == -1)
		return HOST_NEXT;
	dane_tls = p.tls != d->tls;
	if (in_clear(x, d, host))
		p.tls = TLSMODE_NONE;
	p.tls_failed = &tls_failed;
	switch (session_connect(x, d, host, &p, &c, e)) {
	case CONNECT_OK:
		break;
	case CONNECT_MISMATCH:
		x->misconfig = *e;
		fail_rest(x, d, OUT_TEMPFAIL, EX_CONFIG, e->msg, NULL);
		return HOST_DONE;
	case CONNECT_TLS_REFUSED:
		note_relay(x, d, RELAY_UNAVAILABLE);
		note_fix(x, d, FAULT_TLS_UNTRUSTED);
		fail_rest_err(x, d, e, NULL, STAGE_CONNECT);
		return HOST_DONE;
	default:	/* no connection, dropped or stalled handshake */
		return host_unreachable(x, d, host, e);
	}
	if (smtp_open_fault(&s, c, &p, &x->host_said, &fault, e) == -1) {
		if (dane_tls && e->ex == EX_NOPERM) {
			/* DANE made TLS mandatory here and the certificate
			 * or the STARTTLS offer failed it: the next MX. */
			dane_failed(&p, host, e);
			return host_unreachable(x, d, host, e);
		}
		note_fix(x, d, fault);
		if (tls_failed)
			return starttls_failed(x, d, host, password, e);
		if (e->ex == EX_TEMPFAIL)	/* 4xx greeting, or dropped */
			return host_unreachable(x, d, host, e);
		if (e->ex == EX_NOPERM)		/* STARTTLS or AUTH */
			note_relay(x, d, RELAY_UNAVAILABLE);
		fail_rest_err(x, d, e, &x->host_said, STAGE_GREETING);
		return HOST_DONE;
	}
	dane_note(x, host, s);
	note_session(x, d, host, s);
	return run_transaction(x, d, host, s, false, e);
}

/* One host: a kept session, or a new one.  *e keeps the reason when the
 * answer is HOST_NEXT. */
static enum host_rc
deliver_to_host(struct dctx *x, const struct destination *d,
    const char *host, struct err *e)
{
	enum host_rc hrc;
	char *token = NULL;
	int rc;

	snprintf(x->rep->server, sizeof(x->rep->server), "%s:%d", host,
	    d->port);
	reply_said_set(&x->host_said, NULL);
	if ((rc = deliver_cached(x, d, host, e)) != -1)
		return (enum host_rc)rc;
	if (!d->auth || x->a->auth == AUTH_OFF || !config_oauth2(x->a))
		return deliver_new_session(x, d, host, x->o->password, e);
	if (account_token(x->a, &token, e) == -1) {
		fail_rest_err(x, d, e, NULL, STAGE_CONNECT);
		return HOST_DONE;
	}
	hrc = deliver_new_session(x, d, host, token, e);
	explicit_bzero(token, strlen(token));
	free(token);
	return hrc;
}

static void
deliver_destination(struct dctx *x, struct destination *d)
{
	struct err e;

	route_resolve(d);	/* here, so that parallel look-ups overlap */
	if (d->fail.ex != 0) {
		fail_rest_err(x, d, &d->fail, NULL, STAGE_CONNECT);
		return;
	}
	err_set(&e, EX_TEMPFAIL, "no host to deliver to");
	dane_say(x, d);
	for (size_t i = 0; i < d->hosts.n; i++) {
		err_clear(&e);
		if (deliver_to_host(x, d, d->hosts.v[i], &e) == HOST_DONE)
			return;
	}
	/* Every host failed in a way worth retrying: temporary. */
	note_relay(x, d, RELAY_UNREACHABLE);
	fail_rest_err(x, d, &e, &x->host_said, STAGE_CONNECT);
}

/* ---- many destinations at once (mx_parallel) ----
 * Each destination's session runs in a child process (workers.h), which
 * sends back the result of every recipient it decided, then what its
 * session left in the report's common fields.  The parent alone writes
 * the report: results go by report index, so the report is the same
 * whatever order the children finish in; the common fields (last server,
 * its TLS, the final reply) are folded in route order once all are in,
 * so they end as the sequential loop leaves them. */

enum { REC_RESULT = 'R', REC_SESSION = 'S' };

/* The whole entry travels (its addr pointer aside, which the parent
 * has): a field added to struct rcpt_result comes along by itself. */
struct rec_result {
	char	 kind;			/* REC_RESULT */
	size_t	 k;			/* report index */
	struct rcpt_result r;		/* r.addr NULL */
};
_Static_assert(sizeof(struct rec_result) <= WORKERS_RECORD_MAX,
    "a recipient's result must fit one record");

/* What one destination left in the report's common fields. */
struct rec_session {
	char	 kind;			/* REC_SESSION; 0: none received */
	bool	 session;		/* a session was opened: tls is its */
	enum relay_state relay;
	char	 server[sizeof(((struct report *)0)->server)];
	char	 tls[sizeof(((struct report *)0)->tls)];
	char	 reply[sizeof(((struct report *)0)->reply)];
	char	 dane_note[ERR_MSG_MAX];	/* the dctx's, for the log */
	struct err misconfig;		/* the dctx's (tlsport.h) */
};
_Static_assert(sizeof(struct rec_session) <= WORKERS_RECORD_MAX,
    "a destination's session record must fit one record");

struct fanout {
	struct dctx *x;
	struct route *r;
	struct rec_session *sess;	/* per destination */
	size_t	 nover;			/* children reaped */
};

/* delivery_opts.progress, between two destinations (never after the
 * last): a queue run records what is final so far. */
static void
dest_progress(struct dctx *x)
{
	if (x->o->progress != NULL)
		x->o->progress(x->o->progress_arg, x->rep, x->decided);
}

/* In the child: deliver to destination i, send what came of it: the
 * recipients it decided (a child forked late starts with the results of
 * those before it already merged: not its to send). */
static void
fanout_run(void *arg, size_t i, struct workers_out *out)
{
	struct fanout *f = arg;
	struct dctx *x = f->x;
	struct report *rep = x->rep;
	struct rec_session ss = { .kind = REC_SESSION };
	struct rec_result rr;
	bool *before = xcalloc(rep->n, sizeof(*before));

	memcpy(before, x->decided, rep->n * sizeof(*before));
	deliver_destination(x, &f->r->v[i]);
	for (size_t k = 0; k < rep->n; k++) {
		if (!x->decided[k] || before[k])
			continue;
		memset(&rr, 0, sizeof(rr));
		rr.kind = REC_RESULT;
		rr.k = k;
		rr.r = rep->v[k];
		rr.r.addr = NULL;
		workers_send(out, &rr, sizeof(rr));
	}
	ss.session = x->had_session;
	ss.relay = rep->relay;
	memcpy(ss.server, rep->server, sizeof(ss.server));
	memcpy(ss.tls, rep->tls, sizeof(ss.tls));
	memcpy(ss.reply, rep->reply, sizeof(ss.reply));
	memcpy(ss.dane_note, x->dane_note, sizeof(ss.dane_note));
	ss.misconfig = x->misconfig;
	workers_send(out, &ss, sizeof(ss));
	free(before);
}

/* In the parent: one record of destination i's child.  A record that
 * does not fit (which only a bug could send) is dropped: its recipients
 * stay undecided and fanout_done says so. */
static void
fanout_take(void *arg, size_t i, const void *rec, size_t len)
{
	struct fanout *f = arg;
	struct dctx *x = f->x;
	const struct rec_result *rr = rec;
	struct rcpt_result *r;
	char *addr;

	if (len == sizeof(struct rec_session) &&
	    *(const char *)rec == REC_SESSION) {
		memcpy(&f->sess[i], rec, sizeof(f->sess[i]));
		return;
	}
	if (len != sizeof(*rr) || rr->kind != REC_RESULT ||
	    rr->k >= x->rep->n || x->decided[rr->k])
		return;
	r = &x->rep->v[rr->k];
	addr = r->addr;
	*r = rr->r;
	r->addr = addr;
	x->decided[rr->k] = true;
}

/* In the parent: destination i's child is over.  One that died before
 * saying everything leaves its recipients undecided: temporary, since
 * nobody knows whether the server took the message. */
static void
fanout_done(void *arg, size_t i, bool finished, const char *how)
{
	struct fanout *f = arg;
	const struct destination *d = &f->r->v[i];
	char text[ERR_MSG_MAX];

	if (!finished) {
		snprintf(text, sizeof(text), "the delivery process for %s %s",
		    d->domain != NULL ? d->domain : d->hosts.n > 0 ?
		    d->hosts.v[0] : "the relay", how);
		fail_rest(f->x, d, OUT_TEMPFAIL, EX_SOFTWARE, text, NULL);
	}
	if (++f->nover < f->r->n)
		dest_progress(f->x);
}

/* Whether some recipient of d still waits for its result. */
static bool
dest_pending(const struct dctx *x, const struct destination *d)
{
	for (size_t i = 0; i < d->rcpts.n; i++)
		if (result_find(x, d->rcpts.v[i]) >= 0)
			return true;
	return false;
}

/* The common fields (and the DANE note of the log line), in route order,
 * as the sequential loop sets them. */
static void
fanout_fold(struct dctx *x, const struct fanout *f)
{
	struct report *rep = x->rep;

	for (size_t i = 0; i < f->r->n; i++) {
		const struct rec_session *ss = &f->sess[i];

		if (ss->kind != REC_SESSION)
			continue;
		if (rep->relay == RELAY_OK)
			rep->relay = ss->relay;
		if (ss->server[0] != '\0')
			memcpy(rep->server, ss->server, sizeof(rep->server));
		if (ss->session)
			memcpy(rep->tls, ss->tls, sizeof(rep->tls));
		if (ss->reply[0] != '\0')
			memcpy(rep->reply, ss->reply, sizeof(rep->reply));
		if (ss->dane_note[0] != '\0')
			memcpy(x->dane_note, ss->dane_note,
			    sizeof(x->dane_note));
		if (ss->misconfig.ex != 0)
			x->misconfig = ss->misconfig;
	}
}

/* Every destination of r, up to a->mx_parallel at once; one destination,
 * or mx_parallel 1, or a queue run's kept sessions (which live in this
 * process): one after another, in this process. */
static void
deliver_all(struct dctx *x, struct route *r)
{
	struct fanout f = { .x = x, .r = r };
	const struct workers_ops ops = { .run = fanout_run,
	    .take = fanout_take, .done = fanout_done };
	size_t max = x->a->mx_parallel > 1 ? (size_t)x->a->mx_parallel : 1;
	struct err e;

	if (r->n < 2 || max < 2 || x->o->cache != NULL) {
		for (size_t i = 0; i < r->n; i++) {
			deliver_destination(x, &r->v[i]);
			if (i + 1 < r->n)
				dest_progress(x);
		}
		return;
	}
	f.sess = xcalloc(r->n, sizeof(*f.sess));
	if (workers_run(r->n, max, &ops, &f, &e) == -1)
		/* No pipe: what was not started is tried now, here. */
		for (size_t i = 0; i < r->n; i++)
			if (dest_pending(x, &r->v[i]))
				deliver_destination(x, &r->v[i]);
	fanout_fold(x, &f);
	free(f.sess);
}

/* ---- the message ---- */

/* One log line for the recipients with this outcome: a sent line carries
 * the final reply, a failed one the reply that refused its first
 * recipient (not whatever the server said last, such as the 503 to a
 * pipelined DATA after every RCPT was refused). */
static void
log_outcome_group(const struct dctx *x, enum outcome out,
    const char *status, long long size)
{
	const struct rcpt_result *first = NULL;
	struct log_entry le;
	struct buf to;

	buf_init(&to);
	for (size_t i = 0; i < x->rep->n; i++) {
		if (x->rep->v[i].outcome != out)
			continue;
		if (to.len > 0)
			buf_addc(&to, ',');
		else
			first = &x->rep->v[i];
		buf_adds(&to, x->rep->v[i].addr);
	}
	if (to.len > 0) {
		memset(&le, 0, sizeof(le));
		le.from = x->env->from;
		le.to = to.data;
		le.size = size;
		le.server = x->rep->server;
		le.tls = x->rep->tls;
		/* A failure without a reply (connection refused) says why. */
		le.reply = out == OUT_SENT ? x->rep->reply :
		    first->reply[0] != '\0' ? first->reply : first->text;
		le.outcome = status;
		le.dkim = x->dkim_note[0] != '\0' ? x->dkim_note : NULL;
		le.dane = x->dane_note[0] != '\0' ? x->dane_note : NULL;
		log_outcome(x->a, &le);
	}
	buf_free(&to);
}

/* Design §5: one line per message and outcome. */
static void
log_message(const struct dctx *x)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = false };
	long long size = (long long)wire_size(x->m, &w);

	log_outcome_group(x, OUT_SENT, "sent", size);
	log_outcome_group(x, OUT_TEMPFAIL, "deferred", size);
	log_outcome_group(x, OUT_PERMFAIL, "bounced", size);
}

/* delivery_probe's session, its parameters made. */
static int
probe_open(const struct account *a, const struct destination *d,
    struct smtp_params *p, bool lenient, struct probe_opts *o,
    struct smtp **s, struct err *e)
{
	enum smtp_stage stage = STAGE_CONNECT;
	struct conn_via via;
	enum outcome out;
	struct conn *c;
	bool tls_failed = false;
	int ex;

	p->tls_failed = &tls_failed;
	if (lenient) {
		/* Show what is there; the caller judges it. */
		p->tlsp.opportunistic = true;
		if (p->tls == TLSMODE_STARTTLS)
			p->tls = TLSMODE_OPPORTUNISTIC;
	}
	via_for(a, &via);
	if (conn_connect_host(&c, a->host, d->port, &via, timeout_ms(a),
	    e) == 0) {
		bool mismatch = false;

		if (d->tls != TLSMODE_IMPLICIT ||
		    tlsport_implicit(c, &p->tlsp, a->host, d->port,
		    timeout_ms(a), &mismatch, e) == 0) {
			stage = STAGE_GREETING;
			if (smtp_open_fault(s, c, p, NULL, o != NULL ?
			    &o->fault : NULL, e) == 0)
				return 0;
		} else {
			conn_close(c);
			tls_failed = true;
		}
	}
	if (tls_failed)		/* as a delivery would judge it */
		tls_failure_temporary(e);
	delivery_classify(e, stage, &out, &ex);
	e->ex = ex;
	return -1;
}

/* --serverinfo: the smarthost session as delivery_run would open it,
 * stopped before AUTH unless o->password (an OAuth 2.0 account then
 * fetches its token as a delivery would).  Failures are classified as
 * delivery's are. */
int
delivery_probe(const struct account *a, struct probe_opts *o,
    struct smtp **s, struct err *e)
{
	struct destination d = { .port = route_port(a),
	    .tls = route_tls_mode(a),
	    .auth = o != NULL && o->password != NULL };
	bool lenient = o != NULL && o->lenient && o->password == NULL;
	struct smtp_params p;
	char *token = NULL;
	int rc;

	*s = NULL;
	if (a->host == NULL)
		return err_set(e, EX_SOFTWARE, "delivery_probe without a host");
	if (d.auth && a->auth != AUTH_OFF && config_oauth2(a) &&
	    account_token(a, &token, e) == -1)
		return -1;
	smtp_params_for(a, token != NULL ? token : d.auth ? o->password :
	    NULL, &d, a->host, &p);
	rc = probe_open(a, &d, &p, lenient, o, s, e);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	return rc;
}

int
delivery_run(const struct account *a, struct message *m,
    const struct envelope *env, const struct delivery_opts *o,
    struct report *rep, struct err *e)
{
	struct dctx x = { .a = a, .m = m, .env = env, .o = o, .rep = rep };
	struct route r;

	memset(rep, 0, sizeof(*rep));
	msg_body_init(&x, m);
	if (dkim_setup(&x, e) == -1) {
		dkim_teardown(&x);
		return -1;
	}
	if (route_build_deferred(&r, a, &env->rcpts, e) == -1) {
		dkim_teardown(&x);
		return -1;
	}
	if ((o->verbose || o->transcript != NULL) &&
	    log_trace_open(&x.trace, o->verbose, o->transcript, e) == -1) {
		route_free(&r);
		dkim_teardown(&x);
		return -1;
	}
	x.tracing = o->verbose || o->transcript != NULL;
	strlist_init(&x.clear);
	rep->n = env->rcpts.n;
	rep->v = xcalloc(rep->n, sizeof(*rep->v));
	x.decided = xcalloc(rep->n, sizeof(*x.decided));
	for (size_t i = 0; i < rep->n; i++)
		rep->v[i].addr = xstrdup(env->rcpts.v[i]);
	result_index(&x);

	deliver_all(&x, &r);
	if (x.misconfig.ex != 0) {
		*e = x.misconfig;
		report_free(rep);
	}
	for (size_t i = 0; i < rep->n; i++)
		if (!x.decided[i])	/* in no destination: a route bug */
			result_set(&x, i, OUT_TEMPFAIL, EX_SOFTWARE,
			    "no route was built for this recipient", NULL);
	log_message(&x);
	if (x.tracing)
		log_trace_close(&x.trace);
	strlist_free(&x.clear);
	free(x.decided);
	free(x.slot);
	route_free(&r);
	dkim_teardown(&x);
	return x.misconfig.ex != 0 ? -1 : 0;
}

void
report_free(struct report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		free(rep->v[i].addr);
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}

int
delivery_exit_code(const struct report *rep)
{
	bool accepted = false;
	int temp = 0, perm = 0;

	for (size_t i = 0; i < rep->n; i++) {
		const struct rcpt_result *r = &rep->v[i];

		accepted |= r->outcome == OUT_SENT || r->outcome == OUT_QUEUED;
		if (r->outcome == OUT_PERMFAIL && perm == 0)
			perm = r->ex != 0 ? r->ex : EX_UNAVAILABLE;
		if (r->outcome == OUT_TEMPFAIL && temp == 0)
			temp = r->ex != 0 ? r->ex : EX_TEMPFAIL;
	}
	/* Design §5.2: once any recipient has the message, a refusal is
	 * told on stderr and by a notice, not by the exit code, or the
	 * caller sends everyone the message again (Postfix does the same). */
	if (!accepted && perm != 0)
		return perm;
	return temp;
}
