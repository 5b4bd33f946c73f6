/*
 * NAME
 *	smtp.c — the SMTP client state machine
 *
 * SUMMARY
 *	One session over one conn: greeting, EHLO (HELO fallback), STARTTLS
 *	and a second EHLO, AUTH; then transactions (MAIL, RCPT..., DATA or
 *	BDAT), QUIT.  RSET goes only before a transaction that follows an
 *	aborted one: a final reply, whatever its code, ends the transaction
 *	and clears the server's state (RFC 5321 §4.1.4), so a queue run pays
 *	no round trip per message for it.
 *
 * DESCRIPTION
 *	Each command has a pair of functions: smtp_send_X() queues it and
 *	sets the stage, smtp_reply_X() reads and judges its reply.  The only
 *	way to change the stage is smtp_state(); the stage indexes a table
 *	that gives its timeout (RFC 5321 §4.5.3.2) and the words for its
 *	errors, so that every diagnostic names the command it answers.
 *
 *	Pipelining (RFC 2920) follows Postfix's smtp_loop(): the sender runs
 *	ahead, queueing MAIL, every RCPT and DATA, flushes once, then the
 *	receiver matches the replies to the commands in order.  A refused
 *	RCPT marks only its recipient.  Without PIPELINING, one command, one
 *	reply, and bytes after a reply are a protocol error.
 *
 *	The body is streamed in BODY_BLOCK reads.  For DATA, dot-stuffing is
 *	a filter whose "at line start" state carries across blocks (curl's
 *	cr_eob_read()), so memory stays flat; with CHUNKING (RFC 3030) the
 *	body goes out in BDAT chunks of BDAT_CHUNK bytes, unstuffed.
 *
 * DIAGNOSTICS
 *	"host[addr]:port said: 550 5.1.1 no such user (in reply to RCPT TO)".
 *	ex is a first guess (see smtp.h); delivery.c decides.
 *
 * SEE ALSO
 *	RFC 5321 (SMTP), RFC 2920 (PIPELINING), RFC 3207 (STARTTLS),
 *	RFC 4954 (AUTH), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531
 *	(SMTPUTF8), RFC 3461 (DSN), RFC 3030 (CHUNKING), RFC 2034
 *	(ENHANCEDSTATUSCODES).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"
#include "smtp.h"
#include "util.h"

#define BODY_BLOCK	(64 * 1024)	/* message reads: four full TLS records */
#define BDAT_CHUNK	(1024 * 1024)	/* one BDAT chunk */
#define BDAT_WINDOW	4		/* pipelined chunks awaiting a reply */
/* Commands per pipelined flight.  Their replies (~50 bytes each) stay far
 * below a socket buffer, so the server never blocks writing replies while
 * we block writing commands (the deadlock RFC 2920 §3.1 warns of). */
#define PIPELINE_WINDOW	100
#define AUTH_ROUNDS_MAX	10	/* 334 challenges before giving up */
#define QUIT_TIMEOUT_S	5	/* QUIT is a courtesy: do not wait long */
#define ENVID_MAX	100	/* RFC 3461 §4.4 */

/* Indexed by enum smtp_stage: the words for messages and the timeout. */
static const struct stage_info {
	const char *name;
	int	 timeout_s;
} stages[] = {
	[STAGE_CONNECT]	 = { "connect",		300 },
	[STAGE_GREETING] = { "initial greeting", 300 },
	[STAGE_EHLO]	 = { "EHLO",		300 },
	[STAGE_HELO]	 = { "HELO",		300 },
	[STAGE_STARTTLS] = { "STARTTLS",	300 },
	[STAGE_AUTH]	 = { "AUTH",		300 },
	[STAGE_MAIL]	 = { "MAIL FROM",	300 },
	[STAGE_RCPT]	 = { "RCPT TO",		300 },
	[STAGE_DATA]	 = { "DATA",		120 },
	[STAGE_BODY]	 = { "message body",	180 },
	[STAGE_DOT]	 = { "end of DATA",	600 },
	[STAGE_RSET]	 = { "RSET",		300 },
	[STAGE_QUIT]	 = { "QUIT",		QUIT_TIMEOUT_S },
};

struct smtp {
	struct conn	*conn;
	struct smtp_params p;
	struct smtp_caps caps;
	struct smtp_reply reply;	/* the last one read */
	struct smtp_reply greeting;	/* kept for --serverinfo */
	struct smtp_reply ehlo;		/* the last 2xx EHLO reply, or code 0 */
	/* The refusal the last smtp_reply_error described, for a failed
	 * smtp_open's caller. */
	struct reply_said judged;
	enum smtp_stage	 stage;
	bool		 usable;	/* the server may still be talked to */
	bool		 bdat;		/* the body goes in BDAT chunks */
	bool		 need_rset;	/* MAIL accepted, no final reply yet */
	/* The current smtp_send: whether any reply line came, and the code
	 * of its first reply (0: none), for smtp_lost_unanswered(). */
	bool		 txn_heard;
	int		 txn_first_code;
	/* The stage whose reply failed the current transaction, or
	 * STAGE_CONNECT while none has (smtp_fail_stage). */
	enum smtp_stage	 txn_fail_stage;
	bool		 txn_too_big;	/* smtp_too_big() */
	enum smtp_fault	 fault;		/* smtp_open_fault() */
};

/* One transaction while its replies are matched to its commands. */
struct txn {
	struct smtp_txn	*t;
	struct wire_opts w;
	bool		 data_in_flight;	/* DATA pipelined with the envelope */
	bool		 rset_due;		/* RSET leads the flight, unanswered */
	bool		 mail_ok;
	bool		 data_ok;		/* 354 received */
	size_t		 accepted;		/* RCPTs answered 2xx */
	off_t		 size;			/* wire size bound (SIZE) */
	bool		 eightbit;		/* wire form holds 8-bit octets */
	bool		 failed;
	struct err	 fail;			/* the first refusal */
	struct reply_said fail_said;		/* its reply */
	/* The 421 that ended the session; code 0 when the session failed
	 * without a reply about the message (lost, malformed, RSET refused:
	 * that says nothing about the message). */
	struct reply_said lost_said;
};

const char *
smtp_stage_name(enum smtp_stage st)
{
	if ((size_t)st >= sizeof(stages) / sizeof(stages[0]))
		return "?";
	return stages[st].name;
}

/* This is the only way to change the stage.  Each change goes into the
 * -v and -X transcript, as curl's smtp_state() logs it: "EHLO -> STARTTLS"
 * (while pipelined replies are matched, the stage follows the command
 * each reply answers). */
static void
smtp_state(struct smtp *s, enum smtp_stage st)
{
	char note[64];

	if (st != s->stage) {
		snprintf(note, sizeof(note), "%s -> %s",
		    smtp_stage_name(s->stage), smtp_stage_name(st));
		conn_trace_note(s->conn, note);
	}
	s->stage = st;
}

/* The command a reply answers, for "(in reply to ...)". */
static const char *
smtp_cmd_name(const struct smtp *s)
{
	if (s->bdat && s->stage == STAGE_BODY)
		return "BDAT";
	if (s->bdat && s->stage == STAGE_DOT)
		return "BDAT LAST";
	return smtp_stage_name(s->stage);
}

static int
smtp_timeout_ms(const struct smtp *s)
{
	int secs = stages[s->stage].timeout_s;

	if (s->p.timeout_s > 0 && !(s->stage == STAGE_QUIT &&
	    s->p.timeout_s > QUIT_TIMEOUT_S))
		secs = s->p.timeout_s;
	return secs * 1000;
}

static int	err_suffix(struct err *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	smtp_write_cmd(struct smtp *, enum smtp_stage, struct err *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Append " (...)" to a message that names the peer already. */
static int
err_suffix(struct err *e, const char *fmt, ...)
{
	size_t len = strlen(e->msg);
	va_list ap;

	if (len + 2 >= sizeof(e->msg))
		return -1;
	e->msg[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(e->msg + len, sizeof(e->msg) - len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A reply that is not what the command needed: say who said what to
 * which command.  4xx is temporary, 5xx permanent, anything else odd. */
static int
smtp_reply_error(struct smtp *s, struct err *e)
{
	char sum[ERR_MSG_MAX];
	int ex = EX_PROTOCOL;

	if (s->reply.code / 100 == 4)
		ex = EX_TEMPFAIL;
	else if (s->reply.code / 100 == 5)
		ex = EX_UNAVAILABLE;
	if (s->reply.code == 421)
		s->usable = false;	/* the server closes after 421 */
	reply_said_set(&s->judged, &s->reply);
	reply_summary(&s->reply, sum, sizeof(sum));
	return err_set(e, ex, "%s said: %s (in reply to %s)",
	    conn_peer(s->conn), sum, smtp_cmd_name(s));
}

static int
smtp_protocol_error(struct smtp *s, struct err *e, const char *what)
{
	s->usable = false;
	return err_set(e, EX_PROTOCOL, "%s: %s (in reply to %s)",
	    conn_peer(s->conn), what, smtp_cmd_name(s));
}

/*
 * Read one whole reply into s->reply, within the stage's timeout for the
 * whole reply (not per line: a server sending "250-" lines slowly for
 * ever must not hold postie; reply.c caps the lines of a fast one).
 * last: no further reply is expected now, so bytes already waiting are a
 * protocol error (OpenSMTPD's "Trailing data"); pipelined replies pass
 * last = false.
 */
static int
smtp_read_reply(struct smtp *s, bool last, struct err *e)
{
	int timeout_ms = smtp_timeout_ms(s);
	long long deadline = now_ms() + timeout_ms;
	const char *line;
	size_t len;
	int rc;

	reply_init(&s->reply);
	do {
		if (conn_readline_by(s->conn, &line, &len, deadline,
		    timeout_ms, e) == -1) {
			s->usable = false;
			s->reply.code = 0;
			return err_suffix(e, "(waiting for reply to %s)",
			    smtp_cmd_name(s));
		}
		s->txn_heard = true;
		if ((rc = reply_feed(&s->reply, line, len, e)) == -1) {
			s->usable = false;
			err_prefix(e, "%s", conn_peer(s->conn));
			return err_suffix(e, "(in reply to %s)",
			    smtp_cmd_name(s));
		}
	} while (rc == 0);
	if (s->txn_first_code == 0)
		s->txn_first_code = s->reply.code;
	if (last && conn_pending(s->conn) > 0)
		return smtp_protocol_error(s, e,
		    "trailing data after the reply");
	return 0;
}

/* Queue one command line (CRLF added) for the stage it starts. */
static int
smtp_write_cmd(struct smtp *s, enum smtp_stage st, struct err *e,
    const char *fmt, ...)
{
	va_list ap;
	char *line;
	int len, rc;

	smtp_state(s, st);
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	line = xmalloc((size_t)len + 3);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)len + 1, fmt, ap);
	va_end(ap);
	memcpy(line + len, "\r\n", 3);
	rc = conn_write(s->conn, line, (size_t)len + 2, smtp_timeout_ms(s), e);
	explicit_bzero(line, (size_t)len);	/* AUTH lines hold secrets */
	free(line);
	if (rc == -1) {
		s->usable = false;
		return err_suffix(e, "(sending %s)", smtp_cmd_name(s));
	}
	return 0;
}

static int
smtp_flush(struct smtp *s, struct err *e)
{
	if (conn_flush(s->conn, smtp_timeout_ms(s), e) == -1) {
		s->usable = false;
		return err_suffix(e, "(sending %s)", smtp_cmd_name(s));
	}
	return 0;
}

/* Lockstep: send what is queued, read the one reply it earns. */
static int
smtp_roundtrip(struct smtp *s, struct err *e)
{
	if (smtp_flush(s, e) == -1)
		return -1;
	return smtp_read_reply(s, true, e);
}

/* CR, LF, NUL and other controls never go into a command line. */
static bool
arg_ok(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* ---- session: greeting, EHLO/HELO ------------------------------------ */

static int
smtp_greeting(struct smtp *s, struct err *e)
{
	smtp_state(s, STAGE_GREETING);
	if (smtp_read_reply(s, true, e) == -1)
		return -1;
	s->greeting = s->reply;
	if (s->reply.code / 100 == 2)
		return 0;
	if (s->reply.code == 554) {
		/* RFC 5321 §3.1: "no SMTP service here"; QUIT is still
		 * allowed, but nothing else will be accepted. */
		smtp_reply_error(s, e);
		return err_prefix(e, "server refused the session");
	}
	return smtp_reply_error(s, e);
}

static int
smtp_send_ehlo(struct smtp *s, struct err *e)
{
	return smtp_write_cmd(s, STAGE_EHLO, e, "EHLO %s", s->p.helo_name);
}

/* 1 when the server refused EHLO permanently (try HELO), 0 when done. */
static int
smtp_reply_ehlo(struct smtp *s, struct err *e)
{
	if (s->reply.code / 100 == 2) {
		caps_from_ehlo(&s->caps, &s->reply);
		s->ehlo = s->reply;
		return 0;
	}
	if (s->reply.code / 100 == 5)
		return 1;
	return smtp_reply_error(s, e);
}

static int
smtp_send_helo(struct smtp *s, struct err *e)
{
	return smtp_write_cmd(s, STAGE_HELO, e, "HELO %s", s->p.helo_name);
}

static int
smtp_reply_helo(struct smtp *s, struct err *e)
{
	if (s->reply.code / 100 != 2)
		return smtp_reply_error(s, e);
	memset(&s->caps, 0, sizeof(s->caps));	/* HELO: no extensions */
	return 0;
}

/* EHLO, or HELO when the server does not know EHLO (RFC 5321 §4.1.4). */
static int
smtp_hello(struct smtp *s, bool helo_allowed, struct err *e)
{
	int rc;

	memset(&s->caps, 0, sizeof(s->caps));
	reply_init(&s->ehlo);
	if (smtp_send_ehlo(s, e) == -1 || smtp_roundtrip(s, e) == -1)
		return -1;
	if ((rc = smtp_reply_ehlo(s, e)) <= 0)
		return rc;
	if (!helo_allowed)
		return smtp_reply_error(s, e);
	if (smtp_send_helo(s, e) == -1 || smtp_roundtrip(s, e) == -1)
		return -1;
	return smtp_reply_helo(s, e);
}

/* ---- STARTTLS (RFC 3207) ---------------------------------------------- */

static int
smtp_send_starttls(struct smtp *s, struct err *e)
{
	return smtp_write_cmd(s, STAGE_STARTTLS, e, "STARTTLS");
}

/* 1: go on in plaintext (opportunistic and refused); 0: TLS is up. */
static int
smtp_reply_starttls(struct smtp *s, struct err *e)
{
	struct tls_params tp = s->p.tlsp;

	if (s->reply.code / 100 != 2) {
		if (s->p.tls == TLSMODE_OPPORTUNISTIC && s->reply.code != 421)
			return 1;
		smtp_reply_error(s, e);
		if (s->reply.code / 100 == 5) {
			/* Required and refused: as when not offered, the
			 * configuration has to change, not the message. */
			s->fault = FAULT_STARTTLS_REFUSED;
			e->ex = EX_NOPERM;
		}
		return -1;
	}
	/* An unverified certificate is still better than plaintext. */
	if (s->p.tls == TLSMODE_OPPORTUNISTIC)
		tp.opportunistic = true;
	/* conn_starttls refuses bytes the server sent after its 220. */
	if (conn_starttls(s->conn, &tp, smtp_timeout_ms(s), e) == -1) {
		if (e->ex == EX_NOPERM)
			s->fault = FAULT_TLS_UNTRUSTED;
		s->usable = false;
		if (s->p.tls_failed != NULL)
			*s->p.tls_failed = true;
		return -1;
	}
	return 0;
}

static int
smtp_starttls(struct smtp *s, struct err *e)
{
	int rc;

	if (s->p.tls != TLSMODE_STARTTLS && s->p.tls != TLSMODE_OPPORTUNISTIC)
		return 0;
	if (conn_is_tls(s->conn))
		return 0;
	if (!(s->caps.flags & CAP_STARTTLS)) {
		if (s->p.tls == TLSMODE_OPPORTUNISTIC)
			return 0;
		smtp_state(s, STAGE_STARTTLS);
		s->fault = FAULT_NO_STARTTLS;
		return err_set(e, EX_NOPERM, "%s: server does not offer "
		    "STARTTLS; TLS is required", conn_peer(s->conn));
	}
	if (smtp_send_starttls(s, e) == -1 || smtp_roundtrip(s, e) == -1)
		return -1;
	if ((rc = smtp_reply_starttls(s, e)) != 0)
		return rc == 1 ? 0 : -1;
	/* RFC 3207 §4.2: forget everything learnt in plaintext. */
	return smtp_hello(s, false, e);
}

/* ---- AUTH (RFC 4954) ---------------------------------------------------- */

static bool
smtp_auth_wanted(const struct smtp *s)
{
	if (!s->p.auth || s->p.auth_method == AUTH_OFF)
		return false;
	return s->p.password != NULL || s->p.auth_method == AUTH_EXTERNAL;
}

static int
smtp_send_auth(struct smtp *s, const char *mech, const char *initial,
    struct err *e)
{
	if (initial == NULL)
		return smtp_write_cmd(s, STAGE_AUTH, e, "AUTH %s", mech);
	return smtp_write_cmd(s, STAGE_AUTH, e, "AUTH %s %s", mech, initial);
}

/* Drive 334 challenges through sasl_step until 235 or a refusal. */
static int
smtp_reply_auth(struct smtp *s, struct sasl *sa, struct err *e)
{
	char *resp;
	int rc;

	for (int round = 0; s->reply.code == 334; round++) {
		if (round == AUTH_ROUNDS_MAX)
			return smtp_protocol_error(s, e,
			    "too many AUTH challenges");
		if (sasl_step(sa, s->reply.text, s->reply.text_len, &resp,
		    e) == -1) {
			/* RFC 4954 §4: "*" cancels the exchange. */
			struct err ignored;

			if (smtp_write_cmd(s, STAGE_AUTH, &ignored, "*") == 0)
				smtp_roundtrip(s, &ignored);
			return err_prefix(e, "%s: AUTH",
			    conn_peer(s->conn));
		}
		rc = smtp_write_cmd(s, STAGE_AUTH, e, "%s", resp);
		explicit_bzero(resp, strlen(resp));
		free(resp);
		if (rc == -1 || smtp_roundtrip(s, e) == -1)
			return -1;
	}
	if (s->reply.code / 100 == 2)
		return 0;
	smtp_reply_error(s, e);
	if (s->reply.code / 100 == 5) {
		e->ex = EX_NOPERM;	/* a fixed password cures it */
		s->fault = FAULT_AUTH_REFUSED;
	}
	return err_prefix(e, "authentication failed");
}

/* One AUTH exchange with the credentials in sp. */
static int
smtp_auth_once(struct smtp *s, const char *mech,
    const struct sasl_params *sp, struct err *e)
{
	struct sasl *sa;
	char *initial = NULL;
	int rc;

	if (sasl_start(&sa, mech, sp, &initial, e) == -1)
		return -1;
	if (sp->user != NULL) {	/* the name, never the secret */
		char note[300];

		snprintf(note, sizeof(note), "AUTH %s as user %s", mech,
		    sp->user);
		conn_trace_note(s->conn, note);
	}
	rc = smtp_send_auth(s, mech, initial, e);
	if (initial != NULL)
		explicit_bzero(initial, strlen(initial));
	free(initial);
	if (rc == 0)
		rc = smtp_roundtrip(s, e);
	if (rc == 0)
		rc = smtp_reply_auth(s, sa, e);
	sasl_free(sa);
	return rc;
}

/* The server refused an OAuth token: ask for a fresh one (RFC 6750
 * §3.1 invalid_token; the token may have been revoked before expiry). */
static bool
smtp_token_refused(const struct smtp *s)
{
	return s->p.token_renew != NULL && s->usable &&
	    s->reply.code / 100 == 5;
}

static int
smtp_auth(struct smtp *s, struct err *e)
{
	struct sasl_params sp = { s->p.user, s->p.password, s->p.host,
	    s->p.port };
	const char *mech;
	char *fresh = NULL;
	int rc;

	if (!smtp_auth_wanted(s))
		return 0;
	smtp_state(s, STAGE_AUTH);
	if (!conn_is_tls(s->conn) && s->p.tls != TLSMODE_NONE)
		return err_set(e, EX_NOPERM, "%s: not sending credentials "
		    "without TLS", conn_peer(s->conn));
	if (s->p.token_renew != NULL)
		mech = sasl_choose_token(s->p.auth_method, s->caps.auth, e);
	else
		mech = sasl_choose(s->p.auth_method, s->caps.auth,
		    s->p.password != NULL, e);
	if (mech == NULL)
		return err_prefix(e, "%s", conn_peer(s->conn));
	rc = smtp_auth_once(s, mech, &sp, e);
	if (rc == -1 && smtp_token_refused(s)) {
		if (s->p.token_renew(s->p.token_arg, s->p.password, &fresh,
		    e) == -1)
			return -1;
		sp.password = fresh;
		rc = smtp_auth_once(s, mech, &sp, e);
		explicit_bzero(fresh, strlen(fresh));
		free(fresh);
	}
	return rc;
}

/* ---- session API ------------------------------------------------------- */

int
smtp_open(struct smtp **sp, struct conn *c, const struct smtp_params *p,
    struct reply_said *said, struct err *e)
{
	return smtp_open_fault(sp, c, p, said, NULL, e);
}

int
smtp_open_fault(struct smtp **sp, struct conn *c, const struct smtp_params *p,
    struct reply_said *said, enum smtp_fault *fault, struct err *e)
{
	struct smtp *s = xcalloc(1, sizeof(*s));

	s->conn = c;
	s->p = *p;
	s->usable = true;
	reply_init(&s->reply);
	reply_init(&s->greeting);
	reply_init(&s->ehlo);
	*sp = NULL;
	if (p->helo_name == NULL || p->helo_name[0] == '\0' ||
	    !arg_ok(p->helo_name)) {
		err_set(e, EX_SOFTWARE, "invalid EHLO name");
		smtp_abort(s);
		return -1;
	}
	if (smtp_greeting(s, e) == -1 || smtp_hello(s, true, e) == -1 ||
	    smtp_starttls(s, e) == -1 || smtp_auth(s, e) == -1) {
		if (said != NULL)
			*said = s->judged;
		if (fault != NULL)
			*fault = s->fault;
		smtp_quit(s);		/* QUIT only when still usable */
		return -1;
	}
	*sp = s;
	return 0;
}

const struct smtp_caps *
smtp_caps(const struct smtp *s)
{
	return &s->caps;
}

const struct smtp_reply *
smtp_last_reply(const struct smtp *s)
{
	return &s->reply;
}

const struct smtp_reply *
smtp_greeting_reply(const struct smtp *s)
{
	return &s->greeting;
}

const struct smtp_reply *
smtp_ehlo_reply(const struct smtp *s)
{
	return &s->ehlo;
}

enum smtp_stage
smtp_stage(const struct smtp *s)
{
	return s->stage;
}

enum smtp_stage
smtp_fail_stage(const struct smtp *s)
{
	return s->txn_fail_stage != STAGE_CONNECT ? s->txn_fail_stage :
	    s->stage;
}

struct conn *
smtp_conn(struct smtp *s)
{
	return s->conn;
}

bool
smtp_usable(const struct smtp *s)
{
	return s->usable;
}

bool
smtp_too_big(const struct smtp *s)
{
	return s->txn_too_big;
}

bool
smtp_lost_unanswered(const struct smtp *s)
{
	return !s->usable && (!s->txn_heard || s->txn_first_code == 421);
}

static int
smtp_send_rset(struct smtp *s, struct err *e)
{
	return smtp_write_cmd(s, STAGE_RSET, e, "RSET");
}

/* A refused RSET leaves the server in a state we cannot know: give the
 * session up.  It says nothing about the message, hence temporary. */
static int
smtp_reply_rset(struct smtp *s, struct err *e)
{
	if (s->reply.code / 100 != 2) {
		s->usable = false;
		smtp_reply_error(s, e);
		e->ex = EX_TEMPFAIL;
		return -1;
	}
	s->need_rset = false;
	return 0;
}

int
smtp_reset(struct smtp *s, struct err *e)
{
	if (!s->usable)
		return err_set(e, EX_TEMPFAIL, "%s: session no longer usable",
		    conn_peer(s->conn));
	if (smtp_send_rset(s, e) == -1 || smtp_roundtrip(s, e) == -1)
		return -1;
	return smtp_reply_rset(s, e);
}

void
smtp_quit(struct smtp *s)
{
	struct err ignored;

	if (s == NULL)
		return;
	if (s->usable && smtp_write_cmd(s, STAGE_QUIT, &ignored, "QUIT") == 0 &&
	    smtp_flush(s, &ignored) == 0)
		smtp_read_reply(s, false, &ignored);
	smtp_abort(s);
}

void
smtp_abort(struct smtp *s)
{
	if (s == NULL)
		return;
	conn_close(s->conn);
	free(s);
}

/* ---- transaction: MAIL, RCPT, DATA ------------------------------------- */

/* "host:port", as the user configured it, for messages about the
 * message rather than the dialogue. */
static void
smtp_server_name(const struct smtp *s, char *out, size_t outlen)
{
	if (s->p.host != NULL && s->p.port > 0)
		snprintf(out, outlen, "%s:%d", s->p.host, s->p.port);
	else
		snprintf(out, outlen, "%s", conn_peer(s->conn));
}

/* A refusal for the message's size: said for people, with the size when
 * SIZE made it known, and the server's own words after. */
static void
txn_fail_too_big(struct smtp *s, struct txn *x)
{
	char server[300], have[64];

	s->txn_too_big = true;
	smtp_server_name(s, server, sizeof(server));
	if (x->size > 0)
		err_set(&x->fail, EX_DATAERR, "message is %s after encoding; "
		    "%s refused it as too big: %s (in reply to %s)",
		    size_human((long long)x->size, have, sizeof(have)), server,
		    x->fail_said.line, smtp_stage_name(s->txn_fail_stage));
	else
		err_set(&x->fail, EX_DATAERR, "message too big for %s: it "
		    "said %s (in reply to %s)", server, x->fail_said.line,
		    smtp_stage_name(s->txn_fail_stage));
}

/* Note the first refusal of the transaction; later ones do not replace it. */
static void
txn_fail(struct smtp *s, struct txn *x)
{
	if (x->failed)
		return;
	x->failed = true;
	s->txn_fail_stage = s->stage;
	reply_said_set(&x->fail_said, &s->reply);
	smtp_reply_error(s, &x->fail);
	if (reply_said_too_big(&x->fail_said))
		txn_fail_too_big(s, x);
}

/* RFC 3461 §4: xtext, "+" and two upper-case hex digits for the rest. */
static void
xtext_encode(const char *in, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p > 32 && *p < 127 && *p != '+' && *p != '=') {
			buf_addc(out, (char)*p);
			continue;
		}
		buf_addc(out, '+');
		buf_addc(out, hex[*p >> 4]);
		buf_addc(out, hex[*p & 15]);
	}
}

/* The MAIL FROM parameters this server understands (RFC 1870, 6152,
 * 6531, 3461). */
static void
mail_params(const struct smtp *s, const struct txn *x, struct buf *b)
{
	const struct smtp_txn *t = x->t;
	unsigned f = s->caps.flags;

	if (f & CAP_SIZE)
		buf_printf(b, " SIZE=%lld", (long long)x->size);
	if ((f & CAP_8BITMIME) && (x->eightbit || t->body_8bit_hint))
		buf_adds(b, " BODY=8BITMIME");
	if (x->w.smtputf8)
		buf_adds(b, " SMTPUTF8");
	if ((f & CAP_DSN) && t->dsn_ret != NULL)
		buf_printf(b, " RET=%s", t->dsn_ret);
	if ((f & CAP_DSN) && t->dsn_envid != NULL) {
		buf_adds(b, " ENVID=");
		xtext_encode(t->dsn_envid, b);
	}
}

static int
smtp_send_mail(struct smtp *s, struct txn *x, struct err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_printf(&b, "MAIL FROM:<%s>", x->t->from);
	mail_params(s, x, &b);
	rc = smtp_write_cmd(s, STAGE_MAIL, e, "%s", b.data);
	buf_free(&b);
	return rc;
}

static int
smtp_reply_mail(struct smtp *s, struct txn *x, struct err *e)
{
	(void)e;
	x->mail_ok = s->reply.code / 100 == 2;
	if (x->mail_ok)
		s->need_rset = true;	/* until its final reply */
	else
		txn_fail(s, x);
	return 0;
}

static int
smtp_send_rcpt(struct smtp *s, const struct smtp_rcpt *r, struct err *e)
{
	if (r->notify != NULL && (s->caps.flags & CAP_DSN))
		return smtp_write_cmd(s, STAGE_RCPT, e,
		    "RCPT TO:<%s> NOTIFY=%s", r->addr, r->notify);
	return smtp_write_cmd(s, STAGE_RCPT, e, "RCPT TO:<%s>", r->addr);
}

/* A refused RCPT marks only its recipient, with the reply as data. */
static int
smtp_reply_rcpt(struct smtp *s, struct txn *x, struct smtp_rcpt *r,
    struct err *e)
{
	(void)e;
	if (!x->mail_ok)
		return 0;		/* 503s that follow a refused MAIL */
	if (s->reply.code / 100 == 2) {
		x->accepted++;
		return 0;		/* PENDING until the final reply */
	}
	r->state = RCPT_REFUSED;
	reply_said_set(&r->said, &s->reply);
	return 0;
}

static int
smtp_send_data(struct smtp *s, struct err *e)
{
	return smtp_write_cmd(s, STAGE_DATA, e, "DATA");
}

/*
 * 354 with nobody to deliver to (pipelined DATA after a refused MAIL or
 * every RCPT refused, from a server that ignores RFC 2920 §3.1): send an
 * empty message and let the final reply go.
 */
static int
smtp_reply_data(struct smtp *s, struct txn *x, struct err *e)
{
	if (s->reply.code != 354) {
		if (x->mail_ok && x->accepted > 0)
			txn_fail(s, x);
		return 0;
	}
	if (x->mail_ok && x->accepted > 0) {
		x->data_ok = true;
		return 0;
	}
	smtp_state(s, STAGE_DOT);
	if (conn_write(s->conn, ".\r\n", 3, smtp_timeout_ms(s), e) == -1 ||
	    smtp_roundtrip(s, e) == -1) {
		s->usable = false;
		return -1;
	}
	return 0;
}

/* Queue command i of the transaction: MAIL, the RCPTs, then DATA. */
static int
smtp_send_cmd(struct smtp *s, struct txn *x, size_t i, struct err *e)
{
	if (i == 0)
		return smtp_send_mail(s, x, e);
	if (i <= x->t->nrcpts)
		return smtp_send_rcpt(s, &x->t->rcpts[i - 1], e);
	return smtp_send_data(s, e);
}

static int
smtp_reply_cmd(struct smtp *s, struct txn *x, size_t i, bool last,
    struct err *e)
{
	smtp_state(s, i == 0 ? STAGE_MAIL :
	    i <= x->t->nrcpts ? STAGE_RCPT : STAGE_DATA);
	if (smtp_read_reply(s, last, e) == -1)
		return -1;
	/* 421 answers whatever was asked: the server is going away, and
	 * the replies still due will never come. */
	if (s->reply.code == 421) {
		reply_said_set(&x->lost_said, &s->reply);
		return smtp_reply_error(s, e);
	}
	if (i == 0)
		return smtp_reply_mail(s, x, e);
	if (i <= x->t->nrcpts)
		return smtp_reply_rcpt(s, x, &x->t->rcpts[i - 1], e);
	return smtp_reply_data(s, x, e);
}

/*
 * RSET when the last transaction was aborted (MAIL accepted, no final
 * reply: every RCPT refused, DATA or a BDAT chunk refused, a 354 answered
 * with a lone dot).  With PIPELINING it leads the envelope's first flight
 * (RFC 2920 §3.1 allows RSET anywhere in a group) and its reply is read
 * first; without, it is a round trip of its own.
 */
static int
smtp_rset_queue(struct smtp *s, struct txn *x, struct err *e)
{
	if (!s->need_rset)
		return 0;
	if (smtp_send_rset(s, e) == -1)
		return -1;
	if (s->caps.flags & CAP_PIPELINING) {
		x->rset_due = true;
		return 0;
	}
	if (smtp_roundtrip(s, e) == -1)
		return -1;
	return smtp_reply_rset(s, e);
}

static int
smtp_rset_read(struct smtp *s, struct txn *x, struct err *e)
{
	if (!x->rset_due)
		return 0;
	x->rset_due = false;
	smtp_state(s, STAGE_RSET);
	if (smtp_read_reply(s, false, e) == -1)
		return -1;
	return smtp_reply_rset(s, e);
}

/*
 * The envelope: with PIPELINING the sender runs up to PIPELINE_WINDOW
 * commands ahead and flushes once per flight, then the replies are read
 * in order (RFC 2920); without it the window is one command.  A refused
 * MAIL stops the sending, not the reading of what was sent.
 */
static int
smtp_envelope(struct smtp *s, struct txn *x, struct err *e)
{
	size_t n = 1 + x->t->nrcpts + (x->data_in_flight ? 1 : 0);
	size_t window = (s->caps.flags & CAP_PIPELINING) ? PIPELINE_WINDOW : 1;
	size_t sent = 0, answered = 0;

	if (smtp_rset_queue(s, x, e) == -1)
		return -1;
	while (answered < n) {
		if (answered > 0 && !x->mail_ok)
			break;
		while (sent < n && sent - answered < window)
			if (smtp_send_cmd(s, x, sent++, e) == -1)
				return -1;
		if (smtp_flush(s, e) == -1 || smtp_rset_read(s, x, e) == -1)
			return -1;
		for (; answered < sent; answered++)
			if (smtp_reply_cmd(s, x, answered,
			    answered + 1 == sent, e) == -1)
				return -1;
	}
	return 0;
}

/* ---- body: DATA with dot-stuffing, or BDAT chunks ---------------------- */

/* Dot-stuffing (RFC 5321 §4.5.2) as a streaming filter: bol says whether
 * the next byte starts a line, across blocks. */
static int
dot_stuff_write(struct smtp *s, const char *p, size_t n, bool *bol,
    struct err *e)
{
	size_t start = 0;
	int tmo = smtp_timeout_ms(s);

	for (size_t i = 0; i < n; i++) {
		if (*bol && p[i] == '.') {
			/* Write up to and including this dot; it goes
			 * out again as the start of the next segment. */
			if (conn_write(s->conn, p + start, i + 1 - start, tmo,
			    e) == -1)
				return -1;
			start = i;
		}
		*bol = p[i] == '\n';
	}
	return conn_write(s->conn, p + start, n - start, tmo, e);
}

static int
smtp_body_error(struct smtp *s, struct err *e)
{
	s->usable = false;
	return err_suffix(e, "(sending %s)", smtp_cmd_name(s));
}

/* The dot-stuffed body, ending in CRLF. */
static int
smtp_stream_body(struct smtp *s, const struct body_source *src, struct err *e)
{
	char *block = xmalloc(BODY_BLOCK);
	bool bol = true;
	ssize_t n = 0;
	int rc = 0;

	while (rc == 0 &&
	    (n = src->read(src->ctx, block, BODY_BLOCK, e)) > 0)
		rc = dot_stuff_write(s, block, (size_t)n, &bol, e);
	free(block);
	if (n == -1)
		return -1;
	/* The body must end in CRLF before the terminating dot. */
	if (rc == 0 && !bol)
		rc = conn_write(s->conn, "\r\n", 2, smtp_timeout_ms(s), e);
	return rc;
}

/* Stream the body after 354, then "." CRLF; the payload is not traced. */
static int
smtp_send_body(struct smtp *s, const struct body_source *src, struct err *e)
{
	int rc;

	smtp_state(s, STAGE_BODY);
	conn_trace_pause(s->conn, true);
	rc = smtp_stream_body(s, src, e);
	conn_trace_pause(s->conn, false);
	if (rc == -1)
		return smtp_body_error(s, e);	/* half a message is out */
	smtp_state(s, STAGE_DOT);
	if (conn_write(s->conn, ".\r\n", 3, smtp_timeout_ms(s), e) == -1)
		return smtp_body_error(s, e);
	return smtp_flush(s, e);
}

/*
 * The final reply.  Lost after the dot, we cannot know whether the
 * server took the message: a retry may deliver it twice (RFC 1047).
 * Bytes after a complete final reply put the server out of step, so the
 * session ends here, but the reply stands: after a 2xx the message is
 * delivered, and calling it failed would only send it again.
 */
static int
smtp_reply_final(struct smtp *s, struct txn *x, struct err *e)
{
	if (smtp_read_reply(s, false, e) == -1) {
		if (s->reply.code == 0) {
			e->ex = EX_TEMPFAIL;
			err_prefix(e, "delivery state unknown, the message "
			    "may arrive twice");
		}
		return -1;
	}
	if (conn_pending(s->conn) > 0) {
		conn_trace_note(s->conn, "trailing data after the final "
		    "reply: the session ends");
		s->usable = false;
	}
	/* RFC 5321 §4.1.4: the final reply ends the transaction.  After a
	 * refused BDAT chunk it answers a transaction already failed. */
	if (!x->failed)
		s->need_rset = false;
	if (s->reply.code / 100 != 2)
		txn_fail(s, x);
	return 0;
}

/* Fill buf with up to len bytes from the source (short only at the end). */
static ssize_t
body_fill(const struct body_source *src, char *buf, size_t len, struct err *e)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = src->read(src->ctx, buf + got, len - got, e);
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* "BDAT n [LAST]" and its n raw bytes (RFC 3030 §2), sent at once. */
static int
smtp_send_bdat(struct smtp *s, const char *p, size_t n, bool last,
    struct err *e)
{
	if (smtp_write_cmd(s, last ? STAGE_DOT : STAGE_BODY, e, "BDAT %zu%s",
	    n, last ? " LAST" : "") == -1)
		return -1;
	conn_trace_pause(s->conn, true);
	if (n > 0 && conn_write(s->conn, p, n, smtp_timeout_ms(s), e) == -1) {
		conn_trace_pause(s->conn, false);
		return smtp_body_error(s, e);
	}
	conn_trace_pause(s->conn, false);
	return smtp_flush(s, e);
}

/* One reply to a BDAT that was not the last: 0 (a refusal fails the
 * transaction, RFC 3030 §2: no further chunk may be sent), -1 session lost. */
static int
smtp_reply_chunk(struct smtp *s, struct txn *x, struct err *e)
{
	if (smtp_read_reply(s, false, e) == -1)
		return -1;
	if (s->reply.code / 100 != 2)
		txn_fail(s, x);
	return 0;
}

/*
 * The body in BDAT chunks.  With PIPELINING, chunks go out without waiting
 * for each reply (RFC 3030 §4.2), at most BDAT_WINDOW unanswered: a server
 * that processes a chunk before answering it (Postfix hands it to cleanup)
 * would otherwise stall the stream once per chunk.  After a refused chunk
 * the replies still owed are read, so the session stays in step.
 */
static int
smtp_send_chunks(struct smtp *s, struct txn *x, const struct body_source *src,
    struct err *e)
{
	size_t window = (s->caps.flags & CAP_PIPELINING) ? BDAT_WINDOW : 1;
	size_t unanswered = 0;
	char *chunk = xmalloc(BDAT_CHUNK);
	bool last = false;
	ssize_t n;
	int rc = -1;

	while (!last && !x->failed) {
		if ((n = body_fill(src, chunk, BDAT_CHUNK, e)) == -1) {
			s->usable = false;	/* a chunk may be half sent */
			goto out;
		}
		/* A full chunk may be the last: "BDAT 0 LAST" then ends. */
		last = (size_t)n < BDAT_CHUNK;
		if (smtp_send_bdat(s, chunk, (size_t)n, last, e) == -1)
			goto out;
		if (!last)
			unanswered++;
		while (unanswered > 0 && (unanswered >= window || last ||
		    x->failed)) {
			if (smtp_reply_chunk(s, x, e) == -1)
				goto out;
			unanswered--;
		}
	}
	rc = last ? smtp_reply_final(s, x, e) : 0;
out:
	free(chunk);
	return rc;
}

static int
smtp_body(struct smtp *s, struct txn *x, struct err *e)
{
	const struct body_source *src = x->t->body;
	int rc;

	if (src->open(src->ctx, e) == -1) {
		s->usable = false;
		return -1;
	}
	if (s->bdat)
		rc = smtp_send_chunks(s, x, src, e);
	else if ((rc = smtp_send_body(s, src, e)) == 0)
		rc = smtp_reply_final(s, x, e);
	src->close(src->ctx);
	return rc;
}

/* ---- transaction policy ------------------------------------------------ */

/* Refuse what must not reach a command line (CR/LF injection). */
static int
txn_check(const struct smtp_txn *t, struct err *e)
{
	if (!arg_ok(t->from))
		return err_set(e, EX_DATAERR, "invalid envelope sender");
	for (size_t i = 0; i < t->nrcpts; i++)
		if (!arg_ok(t->rcpts[i].addr) || (t->rcpts[i].notify &&
		    strspn(t->rcpts[i].notify, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz,") !=
		    strlen(t->rcpts[i].notify)))
			return err_set(e, EX_DATAERR,
			    "invalid envelope recipient or NOTIFY");
	if (t->dsn_ret && !ascii_eq_ci(t->dsn_ret, "FULL") &&
	    !ascii_eq_ci(t->dsn_ret, "HDRS"))
		return err_set(e, EX_DATAERR, "invalid DSN RET value");
	if (t->dsn_envid && strlen(t->dsn_envid) > ENVID_MAX)
		return err_set(e, EX_DATAERR, "DSN ENVID longer than %d "
		    "characters", ENVID_MAX);
	if (t->nrcpts == 0)
		return err_set(e, EX_SOFTWARE, "transaction without recipients");
	return 0;
}

/* RFC 1870 §6.1: do not send what the server said it would refuse.  A
 * message over the limit is the message's problem, not the session's
 * (EX_DATAERR, as max_size): no retry makes it smaller. */
static int
txn_check_size(struct smtp *s, struct txn *x, struct err *e)
{
	char have[64], most[64], server[300];

	if (!(s->caps.flags & CAP_SIZE) || s->caps.size_max == 0)
		return 0;
	if ((unsigned long long)x->size <= s->caps.size_max)
		return 0;
	s->txn_too_big = true;
	size_human_pair((long long)x->size, (long long)s->caps.size_max,
	    have, most, sizeof(have));
	smtp_server_name(s, server, sizeof(server));
	return err_set(e, EX_DATAERR, "message is %s after encoding; "
	    "%s accepts at most %s", have, server, most);
}

/* The wire form for this server; its size and 8-bit test only when the
 * server has a use for them (SIZE, 8BITMIME), as they may cost a scan. */
static int
txn_prepare(struct smtp *s, struct txn *x, struct err *e)
{
	const struct body_source *src = x->t->body;
	unsigned f = s->caps.flags;

	if (src->prepare(src->ctx, &x->w, (f & CAP_SIZE) ? &x->size : NULL,
	    (f & CAP_8BITMIME) ? &x->eightbit : NULL, e) == -1)
		return -1;
	return 0;
}

/* Settle every recipient still pending: accepted by the final reply
 * (why NULL), or failed with the transaction for the reason in why.
 * Temporary or permanent is not smtp.c's to say. */
static void
txn_settle(struct smtp *s, struct txn *x, const struct reply_said *why)
{
	for (size_t i = 0; i < x->t->nrcpts; i++) {
		struct smtp_rcpt *r = &x->t->rcpts[i];

		if (r->state != RCPT_PENDING)
			continue;
		if (why == NULL) {
			r->state = RCPT_ACCEPTED;
			reply_said_set(&r->said, &s->reply);
		} else {
			r->state = RCPT_FAILED;
			r->said = *why;
		}
	}
}

/* Every RCPT refused: report the first, temporary if any was not 5xx. */
static int
txn_no_rcpt(struct smtp *s, struct txn *x, struct err *e)
{
	const struct smtp_rcpt *first = NULL;
	bool temp = false;

	for (size_t i = 0; i < x->t->nrcpts; i++) {
		const struct smtp_rcpt *r = &x->t->rcpts[i];

		if (r->state != RCPT_REFUSED)
			continue;
		if (r->said.code / 100 != 5)
			temp = true;
		if (first == NULL)
			first = r;
	}
	if (first == NULL)
		return err_set(e, EX_SOFTWARE, "%s: no recipient accepted, "
		    "none refused", conn_peer(s->conn));
	return err_set(e, temp ? EX_TEMPFAIL : EX_UNAVAILABLE,
	    "no recipient accepted: %s said: %s (in reply to %s)",
	    conn_peer(s->conn), first->said.line,
	    smtp_stage_name(STAGE_RCPT));
}

/* Envelope, DATA or BDAT, body: -1 only for a failure of the session. */
static int
txn_run(struct smtp *s, struct txn *x, struct err *e)
{
	if (smtp_envelope(s, x, e) == -1)
		return -1;
	if (x->failed || !x->mail_ok || x->accepted == 0)
		return 0;
	if (!s->bdat && !x->data_in_flight) {
		if (smtp_send_data(s, e) == -1)
			return -1;
		if (smtp_roundtrip(s, e) == -1 ||
		    smtp_reply_data(s, x, e) == -1)
			return -1;
	}
	if (x->failed || (!s->bdat && !x->data_ok))
		return 0;
	return smtp_body(s, x, e);
}

int
smtp_send(struct smtp *s, struct smtp_txn *t, struct err *e)
{
	struct txn x = { .t = t };
	const struct reply_said *why = &x.lost_said;
	int rc;

	s->txn_fail_stage = STAGE_CONNECT;
	for (size_t i = 0; i < t->nrcpts; i++) {
		t->rcpts[i].state = RCPT_PENDING;
		reply_said_set(&t->rcpts[i].said, NULL);
	}
	err_clear(&x.fail);
	x.w.eightbitmime = (s->caps.flags & CAP_8BITMIME) != 0;
	x.w.smtputf8 = t->smtputf8 && (s->caps.flags & CAP_SMTPUTF8);
	s->bdat = (s->caps.flags & CAP_CHUNKING) != 0;
	/* BDAT waits for the RCPT replies: a chunk cannot be taken back. */
	x.data_in_flight = (s->caps.flags & CAP_PIPELINING) && !s->bdat;
	reply_init(&s->reply);
	s->txn_heard = false;
	s->txn_first_code = 0;
	s->txn_too_big = false;

	if (!s->usable)
		rc = err_set(e, EX_TEMPFAIL, "%s: session no longer usable",
		    conn_peer(s->conn));
	else if ((rc = txn_check(t, e)) == 0 &&
	    (rc = txn_prepare(s, &x, e)) == 0 &&
	    (rc = txn_check_size(s, &x, e)) == 0)
		rc = txn_run(s, &x, e);
	if (rc == 0 && x.failed) {
		*e = x.fail;
		why = &x.fail_said;
		rc = -1;
	} else if (rc == 0 && x.accepted == 0)
		rc = txn_no_rcpt(s, &x, e);
	txn_settle(s, &x, rc == 0 ? NULL : why);
	s->bdat = false;
	return rc;
}
