/*
 * dsn.h — delivery status notifications: the message postie sends the
 * envelope sender when a message it accepted fails for good or waits too
 * long (RFC 3464 delivery-status, inside RFC 6522 multipart/report).
 *
 * The notice has three parts:
 *   1. text/plain: what happened, each recipient with the server's words,
 *      and what the sender can do;
 *   2. message/delivery-status: Reporting-MTA, Arrival-Date and, per
 *      recipient, Final-Recipient, Action, Status, Remote-MTA,
 *      Diagnostic-Code (RFC 3464 §2.2, §2.3);
 *   3. the original: message/rfc822 whole, or text/rfc822-headers (its
 *      header section only) when the sender asked RET=HDRS or the message
 *      is over DSN_FULL_MAX.
 * Its header says Auto-Submitted: auto-replied (RFC 3834), so that no
 * notice is ever sent about it, and it goes out with the null sender.
 *
 * Whether a notice is due at all (null sender, Auto-Submitted, NOTIFY,
 * the rate limit) is notify.h's decision; this module only writes one.
 * Text from servers is hostile: control characters and 8-bit octets
 * become '?' and each value is cut to fit one line.  The original is
 * streamed, never held in memory.
 */
#ifndef POSTIE_DSN_H
#define POSTIE_DSN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define DSN_FULL_MAX	(1024 * 1024)	/* larger originals: headers only */

/* One recipient the notice reports on. */
struct dsn_rcpt {
	const char *addr;		/* the envelope recipient */
	const char *status;		/* RFC 3463 code, "5.1.1" */
	const char *remote_mta;		/* the server's host name, or NULL */
	const char *diagnostic;		/* the server's reply ("550 5.1.1 no
					 * such user"), or NULL when none */
	const char *reason;		/* postie's sentence for people, or
					 * NULL (then the diagnostic) */
};

struct dsn {
	bool	 delayed;		/* Action: delayed (else failed) */
	const char *reporting_mta;	/* this host's name */
	const char *from;		/* the notice's From address */
	const char *to;			/* the original envelope sender */
	const char *queue_id;		/* the original's queue id, or NULL */
	const char *envid;		/* the original's ENVID, or NULL */
	time_t	 arrival;		/* when postie accepted the original */
	time_t	 retry_until;		/* delayed: when it will give up */
	bool	 headers_only;		/* RET=HDRS: only the header section */
	const struct dsn_rcpt *rcpts;
	size_t	 nrcpts;
};

/*
 * Write the notice d about the original message (msg_len bytes at offset
 * 0 of msg_fd, in wire form: CRLF line ends) to out_fd, with CRLF line
 * ends.  The original is included whole unless d->headers_only or it is
 * larger than DSN_FULL_MAX.  Errors: EX_IOERR (reading the original),
 * EX_CANTCREAT (writing), EX_OSERR (no randomness for the boundary).
 */
int	dsn_write(const struct dsn *d, int msg_fd, off_t msg_len, int out_fd,
	    struct err *e);

/* The RFC 3463 status a notice gives a failure known only by its sysexits
 * code: 5.1.1 (EX_NOUSER), 5.1.2 (EX_NOHOST), 4.4.7 when expired, else
 * 5.0.0.  Static strings. */
const char *dsn_status_for_ex(int ex, bool expired);

#endif
