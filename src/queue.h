/*
 * queue.h — the durable queue (spec §5): once postie exits 0 it owns the
 * message until a server accepts it.
 *
 * Layout of a queue directory (0700; files 0600):
 *   ID.msg        the message in wire form (CRLF, headers as rewritten,
 *                 8-bit and UTF-8 kept: re-encoded per server at delivery);
 *                 written once, never changed.  Its flock is the entry's
 *                 lock: whoever holds it may deliver, change or remove it.
 *   ID.env        the state: envelope, each recipient's state, attempts,
 *                 next try, last error (format below).  Replaced whole by
 *                 rename, never edited in place.  An entry exists when its
 *                 ID.env exists; ID.msg is renamed in first, removed last.
 *   tmp/          files being written (tmp name, fsync, rename, fsync dir)
 *   failed/       ID.eml + ID.env of messages refused for good or expired
 *
 * State file (text, one "key value" a line, LF):
 *   postie-queue 1              first line, the format version
 *   id ID
 *   created EPOCH               when the message was accepted
 *   account NAME                (optional) the account it was submitted with
 *   from ADDR                   "from " alone: the null sender
 *   notify V / ret V / envid V  (optional) DSN parameters
 *   body8bit 1                  (optional) -B 8BITMIME
 *   attempts N / next EPOCH / last EPOCH
 *   error TEXT                  (optional) the last failure
 *   rcpt<TAB>STATE<TAB>EX<TAB>ADDR<TAB>REASON   one per recipient;
 *                               STATE is pending, sent or failed
 *   end                         last line: a file without it is refused
 * Unknown keys are ignored (a newer postie may add some).
 *
 * Ids are time-based and random: 9 hex digits of seconds, 5 of
 * microseconds, 8 random ("17F3A2B4C0A1B2C3D4E5F6"), so they sort by age.
 */
#ifndef POSTIE_QUEUE_H
#define POSTIE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "delivery.h"
#include "err.h"
#include "message.h"
#include "util.h"

#define QUEUE_ID_MAX		32	/* with the NUL */
#define QUEUE_FIRST_DELAY	(5 * 60)	/* spec §5: 5 min ... */
#define QUEUE_MAX_DELAY		(4 * 60 * 60)	/* ... doubling to 4 h */
#define QUEUE_ENV_MAX		(4 * 1024 * 1024)	/* a state file, bytes */
#define QUEUE_LINE_MAX		4096	/* one line of a state file */

enum queue_rcpt_state { QR_PENDING = 0, QR_SENT, QR_FAILED };

struct queue_rcpt {
	char	*addr;
	enum queue_rcpt_state state;
	int	 ex;			/* sysexits of a failure, else 0 */
	char	*reason;		/* last failure for it, or NULL */
};

/* One entry's state file in memory.  Strings are owned (queue_env_free). */
struct queue_env {
	char	 id[QUEUE_ID_MAX];
	long long created, next_try, last_try;
	int	 attempts;
	char	*account;		/* NULL: choose by sender */
	char	*from;			/* "" null sender */
	char	*dsn_notify, *dsn_ret, *dsn_envid;	/* NULL: none */
	bool	 body_8bit_hint;
	char	*last_error;		/* NULL: none */
	struct queue_rcpt *rcpts;
	size_t	 nrcpts;
};

/* Parse a state file held in buf (len bytes, need not be NUL-terminated).
 * Refused (EX_DATAERR, naming the line): wrong version, missing "end",
 * a line over QUEUE_LINE_MAX, control characters, a bad number or state,
 * an address that address_check_path refuses, no recipient.  On success
 * q is filled (the caller frees it); on failure q holds nothing. */
int	queue_env_parse(struct queue_env *q, const char *buf, size_t len,
	    struct err *e);
/* Append the file form of q to out (CR, LF and TAB in texts become
 * spaces: what is written always parses). */
void	queue_env_format(const struct queue_env *q, struct buf *out);
void	queue_env_free(struct queue_env *q);

/* Seconds to wait after the n-th failed attempt (n >= 1): 5 min, 10, 20,
 * ... capped at 4 h. */
long long queue_backoff(int attempts);

/* True for a well-formed id (what --queue-delete accepts). */
bool	queue_id_valid(const char *id);

/* The account's queue directory: queue_dir, else /var/spool/postie for
 * root, else $XDG_STATE_HOME/postie/queue (~/.local/state/...).  Caller
 * frees. */
char	*queue_dir_path(const struct account *a);

/*
 * Add a message: q is the state (its id is set here), m the message.
 * The message is streamed from m into tmp/ID.msg (never whole in memory),
 * fsync'd, renamed to ID.msg; then ID.env the same way; the directory is
 * fsync'd after each rename.  Returns only when both are durable; any
 * failure (ENOSPC, EACCES, read-only...) removes what was written and is
 * EX_CANTCREAT with the path and the system's words.
 */
int	queue_add(const char *dir, struct message *m, struct queue_env *q,
	    struct err *e);

/*
 * After a submission's delivery_run: with the account's queue on, put the
 * message and the recipients that rep reports OUT_TEMPFAIL in the queue;
 * they become OUT_QUEUED and rep->queue_id names the entry.  With no such
 * recipient, or queue off, does nothing and returns 0.  -1 with e
 * (EX_CANTCREAT, naming the reason the delivery was deferred too) when the
 * queue could not be written: rep is left as it was.
 */
int	queue_defer(const struct account *a, struct message *m,
	    const struct envelope *env, struct report *rep, struct err *e);

/*
 * After a submission's delivery_run: the recipients that rep reports
 * OUT_PERMFAIL are kept as a queue run keeps a refused message, in the
 * account's queue directory: failed/ID.eml (the message in wire form)
 * beside failed/ID.env (the state file above: the envelope, each
 * recipient sent or failed with its reason, the first refusal as the last
 * error).  When that cannot be written, the message is appended to
 * ~/dead.letter (mbox, after a "From " line).  rep->saved names the file
 * written: ID.eml or dead.letter; "" when nothing was refused or nothing
 * could be written.
 */
void	queue_save_failed(const struct account *a, struct message *m,
	    const struct envelope *env, struct report *rep);

/* What -q, -bp and --queue-delete need from the command line. */
struct queue_opts {
	const char *config_file;	/* -C, or NULL */
	const char *account;		/* --account: whose queue_dir */
	bool	 due;			/* --due: honour the back-off */
	bool	 verbose;		/* -v */
	const char *transcript;		/* -X FILE */
	long long now;			/* 0: time(NULL); tests set it */
};

struct queue_stats {
	size_t	 sent;			/* entries finished, all sent */
	size_t	 deferred;		/* still pending after this run */
	size_t	 failed;		/* moved to failed/ (refused or expired) */
	size_t	 busy;			/* locked by another run: skipped */
	size_t	 not_due;		/* --due: waiting for their time */
	size_t	 bad;			/* state files that do not parse */
	char	 problem[ERR_MSG_MAX];	/* the first bad file, or "" */
};

/*
 * Run the queue once: every entry (with o->due, only those whose next try
 * has come, or that have expired), each under its flock (an entry locked
 * by another run is skipped, so concurrent runs never deliver one message
 * twice).  Recipients still pending get one more attempt; the state file
 * records each recipient's result before the next entry; a message with
 * nothing pending leaves the queue (to failed/ when a recipient refused
 * it); one still pending past queue_lifetime moves to failed/ (logged).
 * Sessions are reused across entries for the same destination.  Returns
 * -1 only when the queue cannot be run at all (configuration: EX_CONFIG;
 * unreadable directory: EX_IOERR).
 */
int	queue_run(const struct queue_opts *o, struct queue_stats *st,
	    struct err *e);

/* mailq / -bp: id, age, size, sender, recipients still pending, last
 * error, written to fd.  "Mail queue is empty" when it is.  A last line
 * counts the messages kept in failed/ and says where, when there are
 * any. */
int	queue_list(const struct queue_opts *o, int fd, struct err *e);

/* --queue-delete ID: remove one entry.  EX_USAGE for a malformed id,
 * EX_NOINPUT when there is no such entry, EX_TEMPFAIL when a queue run
 * holds it. */
int	queue_delete(const struct queue_opts *o, const char *id, struct err *e);

#endif
