/*
 * submit.h — the sendmail-mode submission, start to end.
 *
 * submit_run loads the configuration (cli->config_file), chooses the
 * account (--account, else by -f), reads the message from stdin, collects
 * the recipients (argv lists, plus the headers with -t), expands aliases,
 * qualifies, refuses invalid addresses before any connection (EX_DATAERR),
 * settles the envelope sender, rewrites the header (design §3) and hands the
 * message to delivery_run.  What happens on the wire, and what each failure
 * means, is delivery.c's business; this file only prepares and keeps.
 */
#ifndef POSTIE_SUBMIT_H
#define POSTIE_SUBMIT_H

#include "delivery.h"
#include "err.h"

struct cli;

/*
 * Submit the message on stdin as the command line asks.
 *  - A message larger on the wire than the account's max_size (when not 0)
 *    is refused before any connection: -1, EX_DATAERR, "message size N
 *    exceeds max_size M".
 *  - With --dry-run the envelope ("MAIL FROM:<...>", "RCPT TO:<...>" lines)
 *    and the message are written to out_fd and nothing is sent (rep stays
 *    empty).
 *  - A message refused for good by some recipient is kept by
 *    queue_save_failed (queue_dir/failed/ID.eml + ID.env, else
 *    ~/dead.letter); rep->saved names the file.
 *  - System mode (sysmode.h): a user other than root without -C, whose
 *    search order found no file, on a machine where the system mode is
 *    set up, hands the message (read or composed with the user's own
 *    identity, the recipients as written) to the drop helper instead;
 *    nothing is sent from this process, rep->dropped names the entry.
 *    --account is then EX_USAGE; --dry-run shows what would be dropped.
 * Returns -1 with e when the message could not be attempted at all (no
 * recipients: EX_USAGE; bad input: EX_DATAERR; configuration: EX_CONFIG);
 * else 0 with rep filled: delivery_exit_code(rep) is the exit status.
 * Prints nothing but a warning when metrics_file cannot be written.
 */
int	submit_run(const struct cli *cli, int out_fd, struct report *rep,
	    struct err *e);

/*
 * -bs: a session of SMTP transactions, each run through exactly the path
 * submit_run takes after reading stdin (aliases, qualification, header
 * rewrite, max_size, delivery, failed/, queue).  The configuration is
 * loaded once; -f, -F, -N, -R, -V, -B, -C and --account apply to every
 * transaction as defaults; -t, -i and compose options do not apply.
 *
 * submit_session_open: -1 with e for a configuration error (EX_CONFIG) or
 * an unknown --account.  The session keeps cli (not copied).
 */
struct submit_session;
int	submit_session_open(struct submit_session **ss, const struct cli *cli,
	    struct err *e);
void	submit_session_close(struct submit_session *ss);

/* The domain of the session's account (--account, else by -f, else the
 * default): its domain, else the host's FQDN.  Valid while ss is. */
const char *submit_session_domain(const struct submit_session *ss);

/* max_size (0: none) of the account a transaction from mail_from (NULL:
 * before MAIL) would use: --account, else the account whose from matches
 * mail_from, else -f's, else the default. */
long long submit_session_max_size(const struct submit_session *ss,
	    const char *mail_from);

/* RCPT: rcpt (a bare address, as the client wrote it) expanded through
 * the aliases and qualified as an argv recipient would be, under the
 * account mail_from selects; 0 when every resulting address is valid,
 * else -1 with e: EX_DATAERR naming the address, EX_UNAVAILABLE when the
 * aliases lead only to programs or files (the reason), EX_CONFIG for an
 * aliases file that does not load. */
int	submit_check_rcpt(struct submit_session *ss, const char *mail_from,
	    const char *rcpt, struct err *e);

/* One transaction's envelope, as the client gave it. */
struct submit_envelope {
	const char *from;		/* MAIL FROM: "" the null sender; is
					 * the envelope sender as -f is (when
					 * allow_from_override) */
	const struct strlist *rcpts;	/* the accepted RCPT TO addresses */
	const char *notify;		/* RCPT NOTIFY=, or NULL: -N, account */
	const char *ret;		/* MAIL RET=, or NULL */
	const char *envid;		/* MAIL ENVID= (decoded), or NULL */
	bool	 body_8bit;		/* MAIL BODY=8BITMIME */
	/* A drop entry's (pickup.h): the submitting user, whose name makes
	 * the default sender in place of the running account's, and -F. */
	const char *login;		/* NULL: the running user's */
	const char *fullname;		/* NULL: the session's -F */
};

/* Run one transaction: the message is read from msg_fd (to its end: the
 * client's DATA, dot-unstuffed) and goes where submit_run would send it
 * (into the system queue for a user whose session submit_run would drop:
 * rep->dropped names the entry; t->from NULL: no sender asked).
 * Results as submit_run's: -1 with e when it could not be attempted, else
 * 0 with rep filled (and queued or kept as submit_run would). */
int	submit_transaction(struct submit_session *ss,
	    const struct submit_envelope *t, int msg_fd, struct report *rep,
	    struct err *e);

/*
 * --serverinfo [--account NAME]: connect to the account's smarthost as a
 * submission would (port, TLS, certificate checks), stop after EHLO (no
 * AUTH, no mail), and write to out_fd the peer, the greeting, the TLS
 * parameters and certificate, and the EHLO capabilities, one per line.
 * Errors: EX_USAGE when the account has no host (MX delivery); otherwise
 * the code a delivery would exit with (75 unreachable, 77 TLS refused...).
 */
int	submit_serverinfo(const struct cli *cli, int out_fd, struct err *e);

/* --oauth2-login [--account NAME]: the account's one-time OAuth 2.0
 * authorization (oauth2_login.h), instructions on out_fd, a pasted
 * redirect address read from in_fd.  Errors as oauth2_login. */
int	submit_oauth2_login(const struct cli *cli, int in_fd, int out_fd,
	    struct err *e);

/*
 * -bv: each recipient argument's alias expansion, qualification and route
 * (route_verify, with the account chosen as a submission would: --account,
 * else by -f), written to out_fd; nothing is sent.  Returns 0 when every
 * address has a route, else the sysexits code of the worst failure (the
 * failures are described in what was written); -1 with e when nothing
 * could be checked (configuration: EX_CONFIG; no recipients: EX_USAGE; an
 * argument that does not parse: EX_DATAERR).
 */
int	submit_verify(const struct cli *cli, int out_fd, struct err *e);

/* --pretend (msmtp's -P): write to out_fd the account a message would use
 * (--account, -f, defaults, SMTPSERVER/EMAIL all applied), each setting a
 * line, the password masked, then where mail would go; sends nothing and
 * reads no message.  Errors: those of config_load and config_select,
 * EX_IOERR. */
int	submit_pretend(const struct cli *cli, int out_fd, struct err *e);

/* newaliases, -bi: check that the account's aliases file parses (postie
 * reads it on each submission, so there is nothing to build) and that
 * postie can deliver every entry: each program, file or unreadable
 * :include: target is written to out_fd as "FILE:LINE: ..." (aliases.h's
 * aliases_check).  0, or -1 with e (EX_CONFIG: the aliases file's error,
 * or how many entries cannot be delivered). */
int	submit_check_aliases(const struct cli *cli, int out_fd,
	    struct err *e);

#endif
