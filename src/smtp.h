/*
 * smtp.h — the SMTP client state machine (RFC 5321) over one conn.
 *
 * One session: greeting, EHLO (HELO when EHLO is refused), STARTTLS and a
 * second EHLO with all capabilities forgotten, AUTH; then any number of
 * transactions, then QUIT.  RSET goes only ahead of a transaction that
 * follows an aborted one (MAIL accepted, no final reply), pipelined first
 * in its flight when the server offers PIPELINING: a final reply ends a
 * transaction (RFC 5321 §4.1.4).  A transaction pipelines
 * MAIL, every RCPT and DATA (or the first BDAT) in one flush when the server
 * offers PIPELINING, and matches the replies in order; a refused RCPT marks
 * only that recipient.  Extensions used when offered: SIZE, 8BITMIME,
 * SMTPUTF8, DSN, CHUNKING (BDAT, no dot-stuffing), ENHANCEDSTATUSCODES.
 * Each state has its timeout (RFC 5321 §4.5.3.2) unless params.timeout_s.
 *
 * Errors describe what the server said and to which command:
 *   "smtp.example.com[192.0.2.7]:587 said: 550 5.1.1 no such user
 *    (in reply to RCPT TO)".
 * ex is a first guess (4xx and lost connections EX_TEMPFAIL, 5xx
 * EX_UNAVAILABLE, untrusted TLS or refused AUTH EX_NOPERM, a malformed
 * reply EX_PROTOCOL).  The results are data: each recipient's state and
 * the reply that decided it (struct smtp_rcpt); delivery.c decides the
 * classification from those, and from ex and the stage only for a
 * failure that no reply explains.
 */
#ifndef POSTIE_SMTP_H
#define POSTIE_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "body.h"
#include "conn.h"
#include "err.h"
#include "reply.h"
#include "sasl.h"
#include "tls.h"

struct smtp_params {
	const char *helo_name;		/* EHLO argument */
	enum tls_mode tls;
	struct tls_params tlsp;		/* for STARTTLS (implicit TLS is the caller's) */
	bool	 auth;			/* authenticate when credentials are set */
	enum auth_method auth_method;
	const char *user;
	const char *password;
	const char *host;		/* for OAUTHBEARER host= */
	int	 port;
	int	 timeout_s;		/* 0: RFC 5321 §4.5.3.2 per-state values */
	/* OAuth 2.0 (oauth2.h), when set: password is an access token, sent
	 * with OAUTHBEARER or XOAUTH2 (auth_method AUTH_AUTO: whichever the
	 * server offers, OAUTHBEARER first).  When the server refuses it
	 * (5xx after AUTH, or the mechanism's error challenge), token_renew
	 * is asked once for a fresh token (newly allocated; smtp.c wipes
	 * and frees it) and AUTH is tried again in the same session. */
	int	(*token_renew)(void *arg, const char *refused, char **token,
		    struct err *e);
	void	*token_arg;
	/* Out, when not NULL: set true when the server answered STARTTLS
	 * with 2xx and the TLS negotiation after it failed, so that the
	 * caller may try the host again without TLS (RFC 7435). */
	bool	*tls_failed;
};

/* Where a session or transaction stopped, for messages and policy. */
enum smtp_stage {
	STAGE_CONNECT = 0, STAGE_GREETING, STAGE_EHLO, STAGE_HELO,
	STAGE_STARTTLS, STAGE_AUTH, STAGE_MAIL, STAGE_RCPT, STAGE_DATA,
	STAGE_BODY, STAGE_DOT, STAGE_RSET, STAGE_QUIT,
};
const char *smtp_stage_name(enum smtp_stage s);	/* "RCPT TO", "end of DATA" ... */

/* What became of one recipient.  smtp.c only reports; whether a refusal
 * or a failure is temporary or permanent is delivery.c's to decide. */
enum rcpt_state {
	RCPT_PENDING = 0,	/* no word yet (only while smtp_send runs) */
	RCPT_ACCEPTED,		/* the final reply took the message for it */
	RCPT_REFUSED,		/* its own RCPT reply refused it (said) */
	RCPT_FAILED,		/* the transaction failed: smtp_send's err */
};

struct smtp_rcpt {
	const char *addr;		/* as it goes in RCPT TO:<...> */
	const char *notify;		/* DSN NOTIFY= value, or NULL */
	enum rcpt_state state;
	/* The reply that decided state: the RCPT reply (REFUSED), the final
	 * reply (ACCEPTED), the refusal that failed the transaction (FAILED;
	 * code 0 when no reply did: connection lost, malformed reply, a
	 * local check such as SIZE). */
	struct reply_said said;
};

struct smtp_txn {
	const char *from;		/* "" for the null sender */
	struct smtp_rcpt *rcpts;
	size_t	 nrcpts;
	const char *dsn_ret;		/* RET=FULL|HDRS or NULL */
	const char *dsn_envid;		/* ENVID= (xtext-encoded by smtp.c) or NULL */
	bool	 smtputf8;		/* ask for SMTPUTF8 (server offers it) */
	bool	 body_8bit_hint;	/* -B 8BITMIME */
	/* The message: prepared for this server's wire_opts, then read
	 * once (body.h).  Borrowed for the call. */
	const struct body_source *body;
};

struct smtp;

/* Run the session up to "ready for MAIL": greeting, EHLO, STARTTLS (per
 * p->tls), AUTH.  The conn is owned by the session from here on.  On
 * failure the session is closed (after QUIT when the server is still
 * talking), *s is NULL, and *said (when not NULL) holds the refusal that
 * e describes (code 0 when no reply refused: lost, TLS, malformed). */
int	smtp_open(struct smtp **s, struct conn *c, const struct smtp_params *p,
	    struct reply_said *said, struct err *e);
/* What a failed smtp_open ran into, when a fixed configuration may cure
 * it: the facts only; delivery.c decides what to advise. */
enum smtp_fault {
	FAULT_NONE = 0,
	FAULT_AUTH_REFUSED,	/* 5xx to AUTH: the credentials */
	FAULT_NO_STARTTLS,	/* STARTTLS required, not offered */
	FAULT_STARTTLS_REFUSED,	/* STARTTLS answered 5xx */
	FAULT_TLS_UNTRUSTED,	/* the certificate failed the check */
};
/* smtp_open, and *fault (not NULL) set on failure. */
int	smtp_open_fault(struct smtp **s, struct conn *c,
	    const struct smtp_params *p, struct reply_said *said,
	    enum smtp_fault *fault, struct err *e);

const struct smtp_caps *smtp_caps(const struct smtp *s);
/* The last reply received (code 0 when the failure had no reply). */
const struct smtp_reply *smtp_last_reply(const struct smtp *s);
enum smtp_stage smtp_stage(const struct smtp *s);
/* After smtp_send returned -1: the stage whose reply failed the
 * transaction (STAGE_MAIL for a refused MAIL FROM, even when pipelined
 * replies were read after it), else the stage the session stopped at. */
enum smtp_stage smtp_fail_stage(const struct smtp *s);
struct conn *smtp_conn(struct smtp *s);
/* What the server said about itself, for --serverinfo (open it with
 * p->auth false to stop after EHLO): the greeting, and the reply to the
 * last EHLO (inside TLS after STARTTLS), capability lines and all.  code 0
 * when there was none (HELO was used). */
const struct smtp_reply *smtp_greeting_reply(const struct smtp *s);
const struct smtp_reply *smtp_ehlo_reply(const struct smtp *s);

/* One transaction.  Fills each rcpt's state and said.  Returns 0 when the server
 * accepted the message for at least one recipient; -1 otherwise, with e
 * describing the failure (the whole transaction failed: MAIL refused, every
 * RCPT refused, DATA or the final reply refused, connection lost).  After
 * -1 the session may still be usable when smtp_usable() says so. */
int	smtp_send(struct smtp *s, struct smtp_txn *t, struct err *e);
bool	smtp_usable(const struct smtp *s);
/* After smtp_send returned -1: the message was refused for its size,
 * before sending (over the SIZE the server announced; e->ex EX_DATAERR)
 * or by the server's reply (reply_said_too_big).  e then says so in
 * words for people: "message is 2.7 GiB after encoding;
 * smtp.example.com:587 accepts at most 32 MiB". */
bool	smtp_too_big(const struct smtp *s);
/* After smtp_send returned -1: the session was lost before the server
 * answered any command of this transaction (dropped, or its first answer
 * was 421, as from a server closing an idle session; RFC 5321 §3.8).
 * Nothing was accepted, so the message may go over a new connection at
 * once.  A session that timed out waiting also says true: the caller
 * decides whether a stall deserves a retry. */
bool	smtp_lost_unanswered(const struct smtp *s);
/* RSET now.  smtp_send needs no call to it: it sends RSET itself when the
 * last transaction was aborted. */
int	smtp_reset(struct smtp *s, struct err *e);

/* QUIT (best effort, short timeout) and close; frees s. */
void	smtp_quit(struct smtp *s);
/* Close without QUIT; frees s. */
void	smtp_abort(struct smtp *s);

#endif
