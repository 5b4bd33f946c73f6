/*
 * delivery.h — hand one message to its destinations and say, for each
 * recipient, what happened.  The policy lives here and only here: which
 * failures are temporary (design §5, Postfix's idea: whatever a fixed
 * configuration cures is temporary too), which are permanent and with which
 * sysexits code, when to try the next host.
 *
 * For each destination of the route (up to the account's mx_parallel of
 * them at once, each in a child process, when there are several and the
 * run keeps no sessions: the report and the log are the same as one
 * after another): connect (each host, each address in
 * turn; an MX address gets at most 30 s to accept the connection, as
 * Postfix's smtp_connect_timeout, the configured timeout bounding the
 * rest), smtp_open, smtp_send, QUIT.  Per-recipient results are merged into
 * one report; delivery_exit_code turns the report into one exit code.
 */
#ifndef POSTIE_DELIVERY_H
#define POSTIE_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "conn.h"
#include "err.h"
#include "message.h"
#include "route.h"
#include "smtp.h"

struct envelope {
	const char *from;		/* "" null sender */
	struct strlist rcpts;		/* after aliases and qualification */
	const char *dsn_notify;		/* -N or dsn_notify */
	const char *dsn_ret;		/* -R or dsn_return */
	const char *dsn_envid;		/* -V */
	bool	 body_8bit_hint;	/* -B 8BITMIME */
};

/* OUT_QUEUED: a temporary failure that the queue now owns (queue.c sets
 * it after writing the entry); it counts as success for the exit code. */
enum outcome { OUT_SENT = 0, OUT_TEMPFAIL, OUT_PERMFAIL, OUT_QUEUED };

struct rcpt_result {
	char	*addr;
	enum outcome outcome;
	int	 ex;			/* sysexits for a failure */
	char	 text[ERR_MSG_MAX];	/* the reason, with the server's words */
	/* The server's reply behind the outcome ("550 5.1.1 no such user"),
	 * or "" when none was (connection failed, a local check). */
	char	 reply[ERR_MSG_MAX];
	int	 code;			/* that reply's code, or 0 */
	char	 status[16];		/* its enhanced status code, or "" */
	char	 mta[256];		/* the server that said it, or "" */
};

/* Whether a smarthost could take the message at all (design §5.5, for
 * fallback_accounts): RELAY_UNREACHABLE: no connection, a timeout, a 4xx
 * greeting or a session dropped before it answered (remembered for
 * host_down_time); RELAY_UNAVAILABLE: it answered but refused for a
 * reason another relay may not have, before any recipient was taken
 * (4xx to MAIL, STARTTLS or AUTH trouble).  MX destinations leave
 * RELAY_OK. */
enum relay_state { RELAY_OK = 0, RELAY_UNREACHABLE, RELAY_UNAVAILABLE };

struct report {
	struct rcpt_result *v;
	size_t	 n;
	enum relay_state relay;
	char	 server[256];		/* last "host[addr]:port" used */
	char	 tls[128];		/* "TLSv1.3 ..." or "" */
	char	 reply[ERR_MSG_MAX];	/* the server's final reply */
	char	 saved[512];		/* where a refused message was kept, or "" */
	/* A smarthost failure that a fixed configuration cures (535 to
	 * AUTH, STARTTLS missing or refused, an untrusted certificate):
	 * which keys to fix ("the password"), or "". */
	char	 fix[64];
	/* The message was refused for its size (smtp_too_big): permanent
	 * (EX_DATAERR) and, as for max_size, not kept: a copy of a
	 * message too big to send only fills the disk. */
	bool	 too_big;
	char	 queue_id[32];		/* the queue entry of OUT_QUEUED, or "" */
	char	 dropped[40];		/* the drop entry (sysmode.h), or "" */
};

struct delivery_opts {
	bool	 verbose;		/* -v: dialogue on stderr */
	const char *transcript;		/* -X FILE */
	const char *password;		/* already resolved (config_password) */
	struct delivery_cache *cache;	/* a queue run's kept sessions, or NULL */
	/* Called between two destinations of the message (never after the
	 * last) with the report so far; done[i] is true for each entry
	 * already final.  A queue run records them there, so that a run
	 * killed before the next destination never sends again to one
	 * already served.  NULL: not called. */
	void	(*progress)(void *arg, const struct report *rep,
		    const bool *done);
	void	*progress_arg;
};

/*
 * Sessions kept across delivery_run calls, for a queue run (design §5: one
 * connection per destination serves all its messages).  With o->cache
 * set, a session still usable after its transaction is kept instead of
 * QUIT; a later message for the same account, host and port goes over it,
 * with no RSET unless the last transaction was aborted (a kept session
 * the server has closed meanwhile, found out when the next transaction's
 * first command gets no answer or a 421, is replaced by a new connection
 * for the same message at once).  A host that could not be reached
 * (connection failed, 4xx greeting, dropped before EHLO, TLS handshake
 * failed), or that broke a session after making postie wait a whole
 * timeout (a stall), is not tried again by the same cache: later messages
 * get the same error at once.  At most
 * DELIVERY_CACHE_MAX sessions stay open; the oldest is QUIT to make room.
 * delivery_cache_close QUITs every kept session and frees c.
 */
#define DELIVERY_CACHE_MAX	16
struct delivery_cache;
struct delivery_cache *delivery_cache_new(void);
void	delivery_cache_close(struct delivery_cache *c);

/* Deliver m to every recipient of env along the account's route.  The
 * report is always filled (one entry per envelope recipient) unless a
 * failure prevents any attempt (then -1 with e: bad route, EX_CONFIG...),
 * or the smarthost's port does not speak the configured TLS mode
 * (tlsport.h: -1, EX_CONFIG, what to change; no report, nothing for the
 * queue: no retry cures it). */
int	delivery_run(const struct account *a, struct message *m,
	    const struct envelope *env, const struct delivery_opts *o,
	    struct report *rep, struct err *e);
void	report_free(struct report *rep);

/* For --serverinfo: connect to the account's smarthost (a->host must be
 * set) with its port, TLS mode and certificate checks, and run the session
 * up to EHLO (after STARTTLS when the account uses it), without a
 * transaction.  The caller reads smtp_greeting_reply, smtp_ehlo_reply and
 * smtp_conn, then smtp_quit.  On failure -1 with e, its code classified
 * as for a delivery (delivery_classify).  o may be NULL (all false). */
struct probe_opts {
	/* Go on past an untrusted certificate and a missing or refused
	 * STARTTLS, so that they can be shown (the caller reads
	 * tls_peer_verified and conn_is_tls); never with password. */
	bool	 lenient;
	/* Authenticate with it (--serverinfo --auth), as a delivery would;
	 * NULL: stop before AUTH.  An OAuth 2.0 account (config_oauth2)
	 * authenticates with its access token instead (any non-NULL value
	 * asks for AUTH). */
	const char *password;
	enum smtp_fault fault;	/* out: after a failure (smtp.h) */
};
int	delivery_probe(const struct account *a, struct probe_opts *o,
	    struct smtp **s, struct err *e);

/* The exit code of a submission: a temporary failure the queue does not
 * own (queue off) wins, since the caller must try again; then, only when
 * no recipient was sent or queued, the first permanent refusal; else 0
 * (a partial refusal is reported on stderr and by a notice instead). */
int	delivery_exit_code(const struct report *rep);

/* Whether m is DKIM-signed with a's keys (dkim_key; design §4): a NULL
 * *signer when a has no key; else the keys loaded (the caller frees
 * *signer with dkim_signer_free) and *d the d= to sign as, or NULL when
 * the From domain is outside dkim_domain; note says which, for -v and
 * the log ("signed d=... s=..." or "unsigned: ...").  Errors: EX_CONFIG
 * for a key dkim_signer_new refuses. */
struct dkim_signer;
int	delivery_dkim_choose(const struct account *a, const struct message *m,
	    struct dkim_signer **signer, char **d, char *note, size_t notelen,
	    struct err *e);

/*
 * The classification (design §5), the one place that decides; exposed so
 * that the unit tests (and a queue run) apply the same policy.
 */
/* A 5xx refusal of one RCPT, from its reply (smtp_rcpt.said): EX_NOUSER
 * (67) for 550, 551 and 553 with no enhanced code, 5.0.0 or 5.1.x;
 * EX_NOHOST (68) for 5.1.2, 5.1.10 (null MX) or "no such domain" in the
 * server's words; else EX_UNAVAILABLE (69). */
int	delivery_rcpt_ex(const struct reply_said *said);
/* A failure of the whole session or transaction, from the lower layer's
 * first guess (e->ex) and the stage it stopped at: a STARTTLS or AUTH
 * failure is temporary with EX_NOPERM (77: a fixed configuration cures it);
 * EX_PROTOCOL (76), EX_IOERR, EX_OSERR, EX_SOFTWARE, EX_CONFIG and
 * EX_NOPERM are temporary and kept; 5xx-like codes (69, 67, 68, 65) are
 * permanent and kept; anything else is temporary EX_TEMPFAIL (75). */
void	delivery_classify(const struct err *e, enum smtp_stage stage,
	    enum outcome *out, int *ex);

#endif
