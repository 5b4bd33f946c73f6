/*
 * reply.h — SMTP replies (RFC 5321 §4.2) and EHLO capabilities.
 *
 * reply_feed takes one line at a time, as read from the connection (a
 * buffer and a length, without the CRLF), and builds the reply the caller
 * owns.  Guarantees, as Postfix's smtp_chat_resp() states them:
 *  - code is three digits 2xx..5xx with every line agreeing, else the reply
 *    is malformed (code 0 after reply_feed returns -1);
 *  - the enhanced status code (RFC 3463) is kept only when its class agrees
 *    with code/100, else status is empty;
 *  - text holds the lines (after "NNN-"/"NNN " and the enhanced code)
 *    joined by '\n', at most REPLY_TEXT_MAX bytes and REPLY_LINES_MAX lines;
 *    beyond that it is truncated (truncated = true), never grown;
 *  - non-printable octets in the text are replaced by '?';
 *  - a reply of more than REPLY_SEEN_LINES_MAX lines or REPLY_SEEN_BYTES_MAX
 *    octets is refused (-1, EX_PROTOCOL) at the first line over: a server
 *    that never ends its reply ("250-" forever) cannot hold postie.
 */
#ifndef POSTIE_REPLY_H
#define POSTIE_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define REPLY_LINE_MAX	4096	/* longer reply lines are a protocol error */
#define REPLY_LINES_MAX	100	/* more lines are truncated (EHLO lists) */
#define REPLY_TEXT_MAX	4096
#define REPLY_SEEN_LINES_MAX	1000		/* lines of one reply */
#define REPLY_SEEN_BYTES_MAX	(64 * 1024)	/* octets of one reply */

struct smtp_reply {
	int	 code;			/* 3 digits; 0 if malformed */
	char	 status[16];		/* "5.1.1", or "" */
	size_t	 nlines;
	char	 text[REPLY_TEXT_MAX];	/* lines joined by '\n' */
	size_t	 text_len;
	bool	 truncated;
	bool	 done;			/* the final line was seen */
	size_t	 seen_lines;		/* fed so far, kept or not */
	size_t	 seen_bytes;
};

void	reply_init(struct smtp_reply *r);
/* Feed one line.  Returns 1 when the reply is complete, 0 when more lines
 * are expected, -1 on a malformed line (EX_PROTOCOL in e, naming it). */
int	reply_feed(struct smtp_reply *r, const char *line, size_t len,
	    struct err *e);
/* "550 5.1.1 text..." on one line (first line only, for messages). */
void	reply_summary(const struct smtp_reply *r, char *out, size_t outlen);

/* What results and logs keep of a reply: its data, and its first line
 * for people.  Policy reads code and status, never line. */
struct reply_said {
	int	 code;			/* 0: no reply (lost, local failure) */
	char	 status[16];		/* enhanced status code, or "" */
	char	 line[ERR_MSG_MAX];	/* reply_summary: "550 5.1.1 no such user" */
};
/* Keep r in d; a NULL r (or code 0) clears d. */
void	reply_said_set(struct reply_said *d, const struct smtp_reply *r);
/* The refusal says the message is too big: RFC 3463's 5.3.4, or 552
 * without an enhanced code (RFC 1870 §6.1's answer to MAIL or to the
 * data).  Ask it of a transaction's refusal only: a RCPT's 552 is most
 * often a full mailbox. */
bool	reply_said_too_big(const struct reply_said *d);

/* EHLO extensions (RFC 1869 and successors). */
enum {
	CAP_PIPELINING	= 1 << 0,
	CAP_SIZE	= 1 << 1,
	CAP_8BITMIME	= 1 << 2,
	CAP_SMTPUTF8	= 1 << 3,
	CAP_DSN		= 1 << 4,
	CAP_CHUNKING	= 1 << 5,
	CAP_STARTTLS	= 1 << 6,
	CAP_AUTH	= 1 << 7,
	CAP_ENHANCEDSTATUSCODES = 1 << 8,
	CAP_BINARYMIME	= 1 << 9,
};

struct smtp_caps {
	unsigned flags;
	unsigned long long size_max;	/* SIZE parameter; 0 = none given */
	char	 auth[256];		/* mechanisms, space-separated, upper case */
};

/* Read the capabilities from a 250 EHLO reply (lines after the first). */
void	caps_from_ehlo(struct smtp_caps *c, const struct smtp_reply *r);
bool	caps_has_auth(const struct smtp_caps *c, const char *mech);

#endif
