/*
 * notice.h — telling the sender, and whoever watches, that a message
 * postie accepted failed for good or is late (design §5.4).
 *
 * A notice is due only when every rule below allows it:
 *   - the message has a sender (not the null sender) and is not itself a
 *     notice (a notice that fails is kept in failed/ and logged, never
 *     noticed: no loops);
 *   - its Auto-Submitted field is absent or "no" (RFC 3834 §2);
 *   - its DSN NOTIFY (RFC 3461 §4.1), when it has one, is not NEVER and
 *     names the event: FAILURE for a failure or an expiry, DELAY for a
 *     delay;
 *   - the account has notify_failure on (failure, expiry) or notify_delay
 *     set (delay);
 *   - fewer than notify_limit notices went to that sender in the last
 *     hour (a state file beside the queue, dir/notice-rate, under flock).
 * A notice is written as a new entry of the same queue directory, with
 * the same account, the null sender (or notify_from) and the "notice"
 * mark, so it goes out as any message does and waits in the queue when
 * the relay is down.  notify_command, when set, runs for every event
 * whether or not a notice was due; its failure is only logged.
 */
#ifndef POSTIE_NOTICE_H
#define POSTIE_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "queuefile.h"

#define NOTICE_RATE_WINDOW	3600	/* seconds: notify_limit per hour */
#define NOTICE_COMMAND_TIMEOUT	30	/* seconds notify_command may run */

enum notice_event { NOTICE_FAILED = 0, NOTICE_DELAYED, NOTICE_EXPIRED };

/* "failed", "delayed", "expired": POSTIE_EVENT and the log's word. */
const char *notice_event_name(enum notice_event ev);

/* Why no notice is due for q's message, whose Auto-Submitted value is
 * auto_submitted (NULL when it has none), as a short phrase for the log
 * ("the sender is null"...); NULL when one is due.  The rate limit is
 * notice_rate_take's. */
const char *notice_refusal(const struct account *a, const struct queue_env *q,
	    enum notice_event ev, const char *auto_submitted);

/* Count one notice to sender in dir/notice-rate when fewer than limit
 * went to it in the NOTICE_RATE_WINDOW before now: *allowed says which.
 * limit <= 0 allows none.  Errors: EX_CANTCREAT / EX_IOERR with the
 * path; *allowed is then false. */
int	notice_rate_take(const char *dir, const char *sender, int limit,
	    time_t now, bool *allowed, struct err *e);

/*
 * Write a notice about q's message (msg_fd, msg_len bytes: its ID.msg or
 * failed/ID.eml) as a new entry of queue directory dir; new_id gets its
 * id.  Only the recipients of q in state QR_FAILED (ev failed/expired) or
 * QR_PENDING (ev delayed, or expired) are reported.  Errors as
 * queuefile's, EX_CANTCREAT.
 */
int	notice_queue(const char *dir, const struct account *a,
	    const struct queue_env *q, int msg_fd, off_t msg_len,
	    enum notice_event ev, time_t now, char *new_id, struct err *e);

/* Run the account's notify_command for ev about q with POSTIE_EVENT,
 * POSTIE_QUEUE_ID, POSTIE_SENDER, POSTIE_RECIPIENTS (comma-separated)
 * and POSTIE_REASON in its environment, stdin /dev/null, stdout and
 * stderr to /dev/null, killed (its process group) after
 * NOTICE_COMMAND_TIMEOUT.  -1 with e when it could not run, timed out
 * or exited non-zero. */
int	notice_command(const struct account *a, const struct queue_env *q,
	    enum notice_event ev, struct err *e);

/* The Auto-Submitted value of the message in fd (its header section,
 * read from offset 0, at most HEADER_SECTION_MAX), or NULL when it has
 * none or the header cannot be read.  Newly allocated. */
char	*notice_auto_submitted(int fd);

#endif
