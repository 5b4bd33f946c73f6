/*
 * delivery.c — hand one message to its destinations (see delivery.h).
 *
 * The loop reads as the policy, as dma's deliver_remote() does: for each
 * destination of the route, each host in turn until one takes the
 * transaction; a host answers HOST_DONE (every recipient of the destination
 * has its result) or HOST_NEXT (connection failed, 4xx greeting, dropped:
 * the next host may do better).
 *
 * Classification lives here alone (spec §5).  Lower layers give a first
 * guess in err.ex; this file decides:
 *   - temporary, exit 75: 4xx, connection refused/timed out/lost;
 *   - temporary, exit 77: TLS not offered or not trusted, AUTH refused
 *     (a fixed configuration cures them, as in Postfix);
 *   - temporary, exit 76: a malformed reply;
 *   - permanent: 550/551/553 with 5.1.x on RCPT → 67 (5.1.2 → 68), other
 *     5xx → 69; a non-ASCII local part for a server without SMTPUTF8 → 69.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "aliases.h"
#include "cli.h"
#include "delivery.h"
#include "log.h"
#include "reply.h"

#define CONNECT_TIMEOUT_MS	(60 * 1000)	/* when the account sets none */

/* What one host attempt means for the destination. */
enum host_rc { HOST_DONE = 0, HOST_NEXT };

/* One delivery_run. */
struct dctx {
	const struct account *a;
	struct message *m;
	const struct envelope *env;
	const struct delivery_opts *o;
	struct report *rep;
	bool	*decided;		/* per report entry */
	struct log_trace trace;
	bool	 tracing;
};

/* ---- classification ---- */

/* The enhanced status code after "NNN " in a reply text ("... said: 550
 * 5.1.1 no such user"), copied into out; "" when there is none. */
static void
status_in_text(const char *text, int code, char *out, size_t outlen)
{
	char num[8];
	const char *p;
	size_t n;

	out[0] = '\0';
	snprintf(num, sizeof(num), "%03d ", code);
	if ((p = strstr(text, num)) == NULL)
		return;
	p += 4;
	n = strspn(p, "0123456789.");
	if (n < 5 || n >= outlen || !isdigit((unsigned char)p[0]) ||
	    p[1] != '.')
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* A 5xx refusal of one RCPT: which sysexits code (spec §5).  550, 551
 * and 553 mean "no such user" (as sendmail maps them) unless the enhanced
 * code names another cause: 5.1.2 (RFC 3463 bad destination system) and
 * 5.1.10 (RFC 7505 null MX) mean no such host; 5.2.x, 5.3.x, 5.7.x
 * (mailbox full, system, policy) are plain unavailability. */
static int
rcpt_permanent_ex(int code, const char *text)
{
	char status[16];

	status_in_text(text, code, status, sizeof(status));
	if (strcmp(status, "5.1.2") == 0 || strcmp(status, "5.1.10") == 0 ||
	    strcasestr(text, "no such domain") != NULL)
		return EX_NOHOST;
	if ((code == 550 || code == 551 || code == 553) &&
	    (status[0] == '\0' || strcmp(status, "5.0.0") == 0 ||
	    strncmp(status, "5.1.", 4) == 0))
		return EX_NOUSER;
	return EX_UNAVAILABLE;
}

/* A failure of the whole session or transaction, from the lower layer's
 * first guess and the stage it stopped at. */
static void
classify_err(const struct err *e, enum smtp_stage stage,
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

static void
result_set(struct dctx *x, size_t i, enum outcome out, int ex,
    const char *text)
{
	struct rcpt_result *r = &x->rep->v[i];

	r->outcome = out;
	r->ex = out == OUT_SENT ? 0 : ex;
	snprintf(r->text, sizeof(r->text), "%s", text);
	x->decided[i] = true;
}

/* The report entry of an undecided recipient, or -1. */
static long
result_find(const struct dctx *x, const char *addr)
{
	for (size_t i = 0; i < x->rep->n; i++)
		if (!x->decided[i] && strcmp(x->rep->v[i].addr, addr) == 0)
			return (long)i;
	return -1;
}

/* Every still undecided recipient of d gets the same result. */
static void
fail_rest(struct dctx *x, const struct destination *d, enum outcome out,
    int ex, const char *text)
{
	for (size_t i = 0; i < d->rcpts.n; i++) {
		long k = result_find(x, d->rcpts.v[i]);

		if (k >= 0)
			result_set(x, (size_t)k, out, ex, text);
	}
}

static void
fail_rest_err(struct dctx *x, const struct destination *d,
    const struct err *e, enum smtp_stage stage)
{
	enum outcome out;
	int ex;

	classify_err(e, stage, &out, &ex);
	fail_rest(x, d, out, ex, e->msg);
}

/* ---- one session ---- */

static int
timeout_ms(const struct account *a)
{
	return a->timeout > 0 ? a->timeout * 1000 : CONNECT_TIMEOUT_MS;
}

static void
tls_params_for(const struct account *a, const struct destination *d,
    const char *host, struct tls_params *t)
{
	memset(t, 0, sizeof(*t));
	t->verify_name = a->tls_host_override != NULL ?
	    a->tls_host_override : host;
	t->trust_file = a->tls_trust_file;
	t->fingerprint = a->tls_fingerprint;
	t->cert_file = a->tls_cert_file;
	t->key_file = a->tls_key_file;
	t->certcheck = a->tls_certcheck;
	t->tls13_only = a->tls_min_version != NULL &&
	    strcmp(a->tls_min_version, "1.3") == 0;
	t->opportunistic = d->tls == TLSMODE_OPPORTUNISTIC;
}

static void
smtp_params_for(const struct dctx *x, const struct destination *d,
    const char *host, struct smtp_params *p)
{
	const struct account *a = x->a;

	memset(p, 0, sizeof(*p));
	p->helo_name = a->domain != NULL ? a->domain : host_fqdn();
	p->tls = d->tls;
	tls_params_for(a, d, host, &p->tlsp);
	p->auth = d->auth && a->auth != AUTH_OFF;
	p->auth_method = a->auth;
	p->user = a->user;
	p->password = x->o->password;
	p->host = host;
	p->port = d->port;
	p->timeout_s = a->timeout;
}

/* Server, TLS and final reply for the report and the log line. */
static void
note_session(struct dctx *x, struct smtp *s)
{
	struct conn *c = smtp_conn(s);

	snprintf(x->rep->server, sizeof(x->rep->server), "%s", conn_peer(c));
	x->rep->tls[0] = '\0';
	if (conn_is_tls(c))
		tls_describe(conn_tls(c), x->rep->tls, sizeof(x->rep->tls));
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
				    EX_UNAVAILABLE, ce.msg);
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
	b->t.msg = x->m;
	return 0;
}

/* Judge each recipient after smtp_send. */
static void
judge_rcpts(struct dctx *x, struct txn_build *b, int rc,
    const struct err *e, enum smtp_stage stage)
{
	for (size_t j = 0; j < b->t.nrcpts; j++) {
		const struct smtp_rcpt *r = &b->rv[j];
		size_t k = (size_t)b->idx[j];
		enum outcome out;
		int ex;

		if (r->state == RCPT_ACCEPTED && rc == 0)
			result_set(x, k, OUT_SENT, 0, x->rep->reply);
		else if (rc == -1 && (r->state == RCPT_PENDING ||
		    r->state == RCPT_ACCEPTED || strcmp(r->text, e->msg) == 0)) {
			/* Not this recipient's own refusal: the transaction
			 * failed (MAIL or DATA refused, malformed reply,
			 * connection lost), and smtp.c copied its error. */
			classify_err(e, stage, &out, &ex);
			result_set(x, k, out, ex, e->msg);
		} else if (r->state == RCPT_TEMPFAIL)
			result_set(x, k, OUT_TEMPFAIL, EX_TEMPFAIL, r->text);
		else if (r->state == RCPT_PERMFAIL)
			result_set(x, k, OUT_PERMFAIL,
			    rcpt_permanent_ex(r->code, r->text), r->text);
		else	/* pending after success: smtp.c broke its word */
			result_set(x, k, OUT_TEMPFAIL, EX_SOFTWARE,
			    "no answer for this recipient");
	}
}

/* A failure that the next host may not have: the session was lost
 * (dropped, or 421) before any recipient was refused on its own.
 * smtp.c gives unanswered recipients the transaction's error text. */
static bool
worth_next_host(struct smtp *s, const struct txn_build *b,
    const struct err *e)
{
	if (e->ex != EX_TEMPFAIL || smtp_usable(s))
		return false;
	for (size_t j = 0; j < b->t.nrcpts; j++)
		if (b->rv[j].state != RCPT_PENDING &&
		    strcmp(b->rv[j].text, e->msg) != 0)
			return false;
	return true;
}

static enum host_rc
run_transaction(struct dctx *x, const struct destination *d, struct smtp *s,
    struct err *e)
{
	struct txn_build b;
	int rc;

	if (txn_build(x, d, s, &b, e) == -1) {
		fail_rest(x, d, OUT_PERMFAIL, e->ex, e->msg);
		txn_build_free(&b);
		smtp_quit(s);
		return HOST_DONE;
	}
	if (b.t.nrcpts == 0) {
		txn_build_free(&b);
		smtp_quit(s);
		return HOST_DONE;
	}
	rc = smtp_send(s, &b.t, e);
	note_reply(x, s);
	if (rc == -1 && worth_next_host(s, &b, e)) {
		txn_build_free(&b);
		smtp_abort(s);
		return HOST_NEXT;
	}
	judge_rcpts(x, &b, rc, e, smtp_stage(s));
	txn_build_free(&b);
	if (smtp_usable(s))
		smtp_quit(s);
	else
		smtp_abort(s);
	return HOST_DONE;
}

/* One host: connect, TLS, session, transaction.  *e keeps the reason when
 * the answer is HOST_NEXT. */
static enum host_rc
deliver_to_host(struct dctx *x, const struct destination *d,
    const char *host, struct err *e)
{
	struct smtp_params p;
	struct conn *c;
	struct smtp *s;

	snprintf(x->rep->server, sizeof(x->rep->server), "%s:%d", host,
	    d->port);
	if (conn_connect_host(&c, host, d->port, x->a->source_ip,
	    timeout_ms(x->a), e) == -1)
		return HOST_NEXT;
	if (x->tracing)
		conn_set_trace(c, log_trace, &x->trace);
	smtp_params_for(x, d, host, &p);
	if (d->tls == TLSMODE_IMPLICIT &&
	    conn_starttls(c, &p.tlsp, timeout_ms(x->a), e) == -1) {
		conn_close(c);
		if (e->ex != EX_NOPERM)
			return HOST_NEXT;
		fail_rest_err(x, d, e, STAGE_CONNECT);
		return HOST_DONE;
	}
	if (smtp_open(&s, c, &p, e) == -1) {
		if (e->ex == EX_TEMPFAIL)
			return HOST_NEXT;	/* 4xx greeting, or dropped */
		fail_rest_err(x, d, e, STAGE_GREETING);
		return HOST_DONE;
	}
	note_session(x, s);
	return run_transaction(x, d, s, e);
}

static void
deliver_destination(struct dctx *x, const struct destination *d)
{
	struct err e;

	if (d->fail.ex != 0) {
		fail_rest_err(x, d, &d->fail, STAGE_CONNECT);
		return;
	}
	err_set(&e, EX_TEMPFAIL, "no host to deliver to");
	for (size_t i = 0; i < d->hosts.n; i++) {
		err_clear(&e);
		if (deliver_to_host(x, d, d->hosts.v[i], &e) == HOST_DONE)
			return;
	}
	/* Every host failed in a way worth retrying: temporary. */
	fail_rest_err(x, d, &e, STAGE_CONNECT);
}

/* ---- the message ---- */

static void
log_message(const struct dctx *x)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = false };
	struct log_entry le;
	struct buf to;
	const char *outcome = "sent";

	buf_init(&to);
	for (size_t i = 0; i < x->rep->n; i++) {
		if (i > 0)
			buf_addc(&to, ',');
		buf_adds(&to, x->rep->v[i].addr);
		if (x->rep->v[i].outcome == OUT_PERMFAIL)
			outcome = "bounced";
		else if (x->rep->v[i].outcome == OUT_TEMPFAIL &&
		    strcmp(outcome, "sent") == 0)
			outcome = "deferred";
	}
	memset(&le, 0, sizeof(le));
	le.from = x->env->from;
	le.to = to.data != NULL ? to.data : "";
	le.size = (long long)message_wire_size(x->m, &w);
	le.server = x->rep->server;
	le.tls = x->rep->tls;
	le.reply = x->rep->reply;
	le.outcome = outcome;
	log_outcome(x->a, &le);
	buf_free(&to);
}

int
delivery_run(const struct account *a, struct message *m,
    const struct envelope *env, const struct delivery_opts *o,
    struct report *rep, struct err *e)
{
	struct dctx x = { .a = a, .m = m, .env = env, .o = o, .rep = rep };
	struct route r;

	memset(rep, 0, sizeof(*rep));
	if (route_build(&r, a, &env->rcpts, e) == -1)
		return -1;
	if ((o->verbose || o->transcript != NULL) &&
	    log_trace_open(&x.trace, o->verbose, o->transcript, e) == -1) {
		route_free(&r);
		return -1;
	}
	x.tracing = o->verbose || o->transcript != NULL;
	rep->n = env->rcpts.n;
	rep->v = xcalloc(rep->n, sizeof(*rep->v));
	x.decided = xcalloc(rep->n, sizeof(*x.decided));
	for (size_t i = 0; i < rep->n; i++)
		rep->v[i].addr = xstrdup(env->rcpts.v[i]);

	for (size_t i = 0; i < r.n; i++)
		deliver_destination(&x, &r.v[i]);
	for (size_t i = 0; i < rep->n; i++)
		if (!x.decided[i])	/* in no destination: a route bug */
			result_set(&x, i, OUT_TEMPFAIL, EX_SOFTWARE,
			    "no route was built for this recipient");
	log_message(&x);
	if (x.tracing)
		log_trace_close(&x.trace);
	free(x.decided);
	route_free(&r);
	return 0;
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
	int temp = 0;

	for (size_t i = 0; i < rep->n; i++) {
		if (rep->v[i].outcome == OUT_PERMFAIL)
			return rep->v[i].ex != 0 ? rep->v[i].ex : EX_UNAVAILABLE;
		if (rep->v[i].outcome == OUT_TEMPFAIL && temp == 0)
			temp = rep->v[i].ex != 0 ? rep->v[i].ex : EX_TEMPFAIL;
	}
	return temp;
}

/* ---- submission (sendmail mode) ---- */

/* Everything one submission owns. */
struct submission {
	struct config cfg;
	bool	 cfg_loaded;
	const struct account *a;
	struct message msg;
	struct envelope env;
	char	*from;			/* envelope sender, owned */
	char	*header_from;		/* for an added From header */
	char	*notify, *ret;		/* upper-cased DSN values */
	char	*password;
};

static const char *
qualify_domain(const struct account *a)
{
	return a->domain != NULL ? a->domain : host_fqdn();
}

static const char *
user_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *s;

	if (pw != NULL && pw->pw_name != NULL && *pw->pw_name != '\0')
		return pw->pw_name;
	if ((s = getenv("LOGNAME")) != NULL && *s != '\0')
		return s;
	return "nobody";
}

/* msmtp's substitutions in "from": %U user, %H host name, %C canonical
 * name, %M mail domain (/etc/mailname), %% a percent sign. */
static char *
expand_from(const char *from)
{
	char host[256] = "localhost";
	struct buf b;

	buf_init(&b);
	gethostname(host, sizeof(host) - 1);
	for (const char *p = from; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			buf_addc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'U': buf_adds(&b, user_name()); break;
		case 'H': buf_adds(&b, host); break;
		case 'C': case 'M': buf_adds(&b, host_fqdn()); break;
		case '%': buf_addc(&b, '%'); break;
		default: buf_addc(&b, '%'); buf_addc(&b, *p); break;
		}
	}
	return buf_steal(&b);
}

/* The envelope sender: -f when the account allows it, else the account's
 * from (unless it is a pattern for -f), else user@domain. */
static int
settle_from(struct submission *sub, const struct cli *cli, struct err *e)
{
	const struct account *a = sub->a;
	const char *dom = qualify_domain(a);

	if (cli->from_given && a->allow_from_override)
		sub->from = xstrdup(cli->from);
	else if (a->from != NULL && strpbrk(a->from, "*?[") == NULL)
		sub->from = expand_from(a->from);
	else
		sub->from = xasprintf("%s@%s", user_name(), dom);
	if (*sub->from != '\0' && strchr(sub->from, '@') == NULL) {
		char *q = address_qualify(sub->from, dom);

		free(sub->from);
		sub->from = q;
	}
	if (address_check_path(sub->from, true, e) == -1)
		return err_prefix(e, "envelope sender");
	/* A From header needs an address even for the null sender. */
	sub->header_from = *sub->from != '\0' ? xstrdup(sub->from) :
	    xasprintf("%s@%s", user_name(), dom);
	return 0;
}

/* Recipients as written: each argument an address list; with -t also the
 * header's (the union, as Postfix, dma and msmtp do). */
static int
collect_rcpts(const struct submission *sub, const struct cli *cli,
    struct strlist *out, struct err *e)
{
	for (size_t i = 0; i < cli->rcpt_args.n; i++) {
		const char *arg = cli->rcpt_args.v[i];

		if (address_parse_list(arg, strlen(arg), out, e) == -1)
			return err_prefix(e, "recipient '%s'", arg);
	}
	if (cli->read_recipients &&
	    message_header_recipients(&sub->msg, out, e) == -1)
		return -1;
	return 0;
}

/* Aliases (names without '@'), then qualification, duplicates dropped,
 * every address checked before any connection is made. */
static int
resolve_rcpts(struct submission *sub, const struct strlist *raw,
    struct err *e)
{
	const struct account *a = sub->a;
	struct aliases *al = NULL;
	struct strlist expanded;
	int rc = 0;

	if (a->aliases != NULL && aliases_load(&al, a->aliases, e) == -1)
		return -1;
	strlist_init(&expanded);
	for (size_t i = 0; i < raw->n; i++)
		aliases_expand(al, raw->v[i], &expanded);
	for (size_t i = 0; rc == 0 && i < expanded.n; i++) {
		char *q = address_qualify(expanded.v[i], qualify_domain(a));

		if (address_check_path(q, false, e) == -1)
			rc = -1;
		else if (!strlist_contains_ci(&sub->env.rcpts, q))
			strlist_add(&sub->env.rcpts, q);
		free(q);
	}
	strlist_free(&expanded);
	aliases_free(al);
	return rc;
}

static char *
upper_dup(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

static int
rewrite(struct submission *sub, const struct cli *cli, struct err *e)
{
	const struct account *a = sub->a;
	struct rewrite_opts ro = {
		.envelope_from = sub->header_from,
		.fullname = cli->fullname,
		.domain = qualify_domain(a),
		.add_from = a->set_from_header != TRI_OFF,
		.add_date = a->set_date_header,
		.add_msgid = a->set_msgid_header,
		.undisclosed = a->undisclosed_recipients,
	};

	return message_rewrite(&sub->msg, &ro, e);
}

static void
settle_envelope(struct submission *sub, const struct cli *cli)
{
	const struct account *a = sub->a;
	const char *notify = cli->dsn_notify ? cli->dsn_notify : a->dsn_notify;
	const char *ret = cli->dsn_ret ? cli->dsn_ret : a->dsn_return;

	sub->env.from = sub->from;
	if (notify != NULL)
		sub->env.dsn_notify = sub->notify = upper_dup(notify);
	if (ret != NULL)
		sub->env.dsn_ret = sub->ret = upper_dup(ret);
	sub->env.dsn_envid = cli->dsn_envid;
	sub->env.body_8bit_hint = cli->body_type != NULL &&
	    ascii_eq_ci(cli->body_type, "8BITMIME");
}

/* Load, select, read, address, rewrite: everything before the wire. */
static int
submission_prepare(struct submission *sub, const struct cli *cli,
    struct err *e)
{
	struct message_read_opts ro = {
		.dot_ends_message = cli->dot_ends_message,
	};
	struct strlist raw;
	int rc;

	if (config_load(&sub->cfg, cli->config_file, e) == -1)
		return -1;
	sub->cfg_loaded = true;
	sub->a = config_select(&sub->cfg, cli->account,
	    cli->from_given && *cli->from != '\0' ? cli->from : NULL, e);
	if (sub->a == NULL)
		return -1;
	if (message_read(&sub->msg, STDIN_FILENO, &ro, e) == -1)
		return -1;
	strlist_init(&raw);
	rc = collect_rcpts(sub, cli, &raw, e);
	if (rc == 0)
		rc = resolve_rcpts(sub, &raw, e);
	strlist_free(&raw);
	if (rc == -1)
		return -1;
	if (sub->env.rcpts.n == 0)
		return err_set(e, EX_USAGE, "no recipients (give them as "
		    "arguments, or use -t)");
	if (settle_from(sub, cli, e) == -1 || rewrite(sub, cli, e) == -1)
		return -1;
	settle_envelope(sub, cli);
	return 0;
}

static void
submission_free(struct submission *sub)
{
	message_free(&sub->msg);
	strlist_free(&sub->env.rcpts);
	free(sub->from);
	free(sub->header_from);
	free(sub->notify);
	free(sub->ret);
	if (sub->password != NULL) {
		explicit_bzero(sub->password, strlen(sub->password));
		free(sub->password);
	}
	if (sub->cfg_loaded)
		config_free(&sub->cfg);
}

/* --dry-run: the envelope as SMTP would carry it, then the message. */
static int
write_dry_run(struct submission *sub, int fd, struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	struct buf b;
	int rc;

	buf_init(&b);
	buf_printf(&b, "MAIL FROM:<%s>\n", sub->env.from);
	for (size_t i = 0; i < sub->env.rcpts.n; i++)
		buf_printf(&b, "RCPT TO:<%s>\n", sub->env.rcpts.v[i]);
	rc = write_all(fd, b.data, b.len);
	buf_free(&b);
	if (rc == -1)
		return err_sys(e, EX_IOERR, "writing the dry run");
	return message_write(&sub->msg, &w, fd, e);
}

/* mkdir -p, mode 0700. */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0 && *s != '\0'; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0700) == -1 && errno != EEXIST)
				rc = -1;
			*s = '/';
		}
	if (rc == 0 && mkdir(p, 0700) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

static char *
queue_dir(const struct account *a)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (a->queue_dir != NULL)
		return xstrdup(a->queue_dir);
	if (getuid() == 0)
		return xstrdup("/var/spool/postie");
	if (state != NULL && *state != '\0')
		return xasprintf("%s/postie/queue", state);
	return xasprintf("%s/.local/state/postie/queue",
	    home != NULL ? home : "");
}

/* A new file in queue_dir/failed/, else ~/dead.letter (appended). */
static int
open_failed_copy(const struct account *a, char *path, size_t len)
{
	char *dir = queue_dir(a), *failed = xasprintf("%s/failed", dir);
	const char *home = getenv("HOME");
	int fd = -1;

	if (make_dirs(failed) == 0) {
		snprintf(path, len, "%s/%lld.%ld.eml", failed,
		    (long long)time(NULL), (long)getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	free(dir);
	free(failed);
	if (fd == -1 && home != NULL) {
		snprintf(path, len, "%s/dead.letter", home);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	}
	return fd;
}

/* Spec §5: a message refused for good is kept, with an mbox "From " line
 * naming the sender, so the refused recipients can be retried by hand. */
static void
save_refused(struct submission *sub, struct report *rep)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	char line[600];
	time_t now = time(NULL);
	struct err e;
	bool refused = false;
	int fd;

	for (size_t i = 0; i < rep->n; i++)
		refused |= rep->v[i].outcome == OUT_PERMFAIL;
	if (!refused || (fd = open_failed_copy(sub->a, rep->saved,
	    sizeof(rep->saved))) == -1) {
		rep->saved[0] = '\0';
		return;
	}
	snprintf(line, sizeof(line), "From %s %s",
	    *sub->from != '\0' ? sub->from : "MAILER-DAEMON", ctime(&now));
	if (write_all(fd, line, strlen(line)) == -1 ||
	    message_write(&sub->msg, &w, fd, &e) == -1 ||
	    write_all(fd, "\n", 1) == -1 || fsync(fd) == -1)
		rep->saved[0] = '\0';
	close(fd);
}

int
delivery_submit(const struct cli *cli, int out_fd, struct report *rep,
    struct err *e)
{
	struct submission sub;
	struct delivery_opts o = {
		.verbose = cli->verbose,
		.transcript = cli->transcript,
	};
	int rc;

	memset(&sub, 0, sizeof(sub));
	memset(rep, 0, sizeof(*rep));
	message_init(&sub.msg);
	strlist_init(&sub.env.rcpts);
	rc = submission_prepare(&sub, cli, e);
	if (rc == 0 && cli->dry_run)
		rc = write_dry_run(&sub, out_fd, e);
	else if (rc == 0) {
		if (sub.a->auth != AUTH_OFF && sub.a->host != NULL)
			rc = config_password(sub.a, &sub.password, e);
		o.password = sub.password;
		if (rc == 0)
			rc = delivery_run(sub.a, &sub.msg, &sub.env, &o, rep, e);
		if (rc == 0)
			save_refused(&sub, rep);
	}
	submission_free(&sub);
	return rc;
}
