/*
 * smtpd.h — postie -bs: the server side of SMTP on stdin/stdout, for the
 * callers that talk to /usr/sbin/sendmail -bs (Symfony Mailer, Laravel,
 * SwiftMailer, Nextcloud, Alpine).
 *
 * Two parts.  smtpd_parse reads one command line (a buffer and a length,
 * never beyond it) into a struct smtpd_cmd, or says which reply refuses
 * it: the parser the unit tests and the fuzz target drive.  smtpd_run is
 * the session: greeting, the state machine (HELO/EHLO, MAIL, RCPT, DATA,
 * RSET, NOOP, VRFY, HELP, QUIT), dot-unstuffing of DATA into a spool file,
 * and one transaction at a time handed to submit_transaction, whose
 * outcome is the reply to the final ".".  That reply comes only once
 * postie owns the message: delivered, or durably queued.
 *
 * RFC 5321 (SMTP), RFC 2920 (PIPELINING: replies in order, flushed when
 * the input runs dry), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531
 * (SMTPUTF8), RFC 3461 (DSN), RFC 2034/3463 (enhanced status codes).
 */
#ifndef POSTIE_SMTPD_H
#define POSTIE_SMTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define SMTPD_LINE_MAX		2048	/* command line octets, without the
					 * line end (RFC 5321 §4.5.3.1.4 asks
					 * for at least 512); longer: 500 5.5.2 */
#define SMTPD_PATH_MAX		256	/* RFC 5321 §4.5.3.1.3 */
#define SMTPD_ENVID_MAX		100	/* RFC 3461 §4.4 */
#define SMTPD_RCPT_MAX		1000	/* per transaction; more: 452 4.5.3 */
#define SMTPD_IDLE_TIMEOUT	300	/* seconds without input: 421 4.4.2 */
#define SMTPD_REPLY_MAX		512	/* one reply line (RFC 5321 §4.5.3.1.5) */

enum smtpd_verb {
	SMTPD_HELO, SMTPD_EHLO, SMTPD_MAIL, SMTPD_RCPT, SMTPD_DATA,
	SMTPD_RSET, SMTPD_NOOP, SMTPD_QUIT, SMTPD_VRFY, SMTPD_HELP,
};

enum smtpd_body { SMTPD_BODY_NONE, SMTPD_BODY_7BIT, SMTPD_BODY_8BITMIME };

/* One parsed command.  Strings are NUL-terminated copies, bounded. */
struct smtpd_cmd {
	enum smtpd_verb verb;
	char	 domain[SMTPD_PATH_MAX + 1];	/* HELO/EHLO argument */
	char	 path[SMTPD_PATH_MAX + 1];	/* MAIL/RCPT address without <>
						 * and source route; "" null */
	/* MAIL parameters */
	long long size;				/* SIZE=, -1 when absent */
	enum smtpd_body body;
	bool	 smtputf8;
	char	 ret[5];			/* "FULL", "HDRS" or "" */
	char	 envid[SMTPD_ENVID_MAX + 1];	/* xtext decoded, or "" */
	/* RCPT parameters */
	char	 notify[32];	/* "NEVER" or some of "SUCCESS,FAILURE,DELAY"
				 * in that order, upper case; "" absent */
	bool	 orcpt;		/* ORCPT= given (checked, not carried) */
};

/*
 * Parse one command line (line[0..len), without its CRLF or LF).
 * Returns 0 with c filled; else the reply code refusing it, with the
 * whole reply line (code, enhanced status, text, no CRLF) in reply:
 *  500 5.5.2  the line holds a control character (NUL, CR, ...);
 *  502 5.5.1  an unknown or unimplemented command (AUTH, STARTTLS, ...);
 *  501 5.5.4  bad syntax or a missing or unexpected argument;
 *  501 5.1.7 / 501 5.1.3  a MAIL / RCPT address that address_check_path
 *             refuses (or over SMTPD_PATH_MAX);
 *  555 5.5.4  an unknown MAIL or RCPT parameter, or a bad value.
 * Non-ASCII (UTF-8) addresses parse; whether SMTPUTF8 was asked for is
 * the session's to judge.
 */
int	smtpd_parse(const char *line, size_t len, struct smtpd_cmd *c,
	    char *reply, size_t replylen);

/* The session's files and limits; main passes stdin, stdout and
 * SMTPD_IDLE_TIMEOUT, the tests a shorter timeout. */
struct smtpd_opts {
	int	 in_fd;
	int	 out_fd;
	int	 idle_timeout;		/* seconds */
	bool	 verbose;		/* -v: the client dialogue on stderr */
};

struct cli;

/*
 * Run one -bs session until QUIT, end of input or the idle timeout.  The
 * command line's -f, -F, -N, -R, -V, -C and --account are every
 * transaction's defaults (submit.h).  End of input in the middle of DATA
 * discards that message (nothing sent, nothing queued).  Returns 0 then:
 * every transaction that got a reply was answered as it deserved.
 * -1 with e when the session could not start (configuration: EX_CONFIG,
 * after a 421 to the client) or the client could not be written to
 * (EX_IOERR).  Writes nothing but SMTP to out_fd; with verbose, the
 * client's commands and postie's replies go to stderr, as "bs <- " and
 * "bs -> " lines, next to the relay dialogue.
 */
int	smtpd_run(const struct cli *cli, const struct smtpd_opts *o,
	    struct err *e);

#endif
