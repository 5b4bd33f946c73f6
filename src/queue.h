/*
 * queue.h — the durable queue (design §5): once postie exits 0 it owns the
 * message until a server accepts it.
 *
 * The files of a queue directory (ID.msg, ID.env, tmp/, failed/), the
 * state file format and the crash-safe writes are queuefile.h's; this
 * module runs the queue: defer a submission's recipients, keep refused
 * messages, retry with back-off, expire, list and delete entries.
 */
#ifndef POSTIE_QUEUE_H
#define POSTIE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "delivery.h"
#include "err.h"
#include "message.h"
#include "metrics.h"
#include "queuefile.h"	/* struct queue_env, queuefile_add */
#include "util.h"

#define QUEUE_FIRST_DELAY	(5 * 60)	/* design §5: 5 min ... */
#define QUEUE_MAX_DELAY		(4 * 60 * 60)	/* ... doubling to 4 h */

/* Seconds to wait after the n-th failed attempt (n >= 1): 5 min, 10, 20,
 * ... capped at 4 h. */
long long queue_backoff(int attempts);

/* An entry whose failure a fixed configuration cures (refused password,
 * STARTTLS missing or refused, untrusted certificate: ex EX_NOPERM or
 * EX_CONFIG) waits at least this long between automatic tries (the
 * timer's "postie -q --due"), so that a provider does not lock the
 * account for repeated wrong passwords; "postie -q" by hand tries it
 * at once. */
#define QUEUE_CONFIG_DELAY	(60 * 60)
/* The back-off of q after its attempts-th failure: queue_backoff, at
 * least QUEUE_CONFIG_DELAY for a configuration problem. */
long long queue_entry_backoff(const struct queue_env *q, int attempts);

/* The system's queue: root's, listed by every user's mailq too. */
#define QUEUE_SYSTEM_DIR "/var/spool/postie"

/* The account's queue directory: queue_dir, else QUEUE_SYSTEM_DIR for
 * root, else SYSMODE_QUEUE_DIR for the system mode's account (sysmode.h),
 * else $XDG_STATE_HOME/postie/queue (~/.local/state/...).  Caller
 * frees. */
char	*queue_dir_path(const struct account *a);

/* For a user other than root whose own timer is not enabled (no
 * postie-queue.timer link in ~/.config/systemd/user/timers.target.wants),
 * one line saying how the user's own queue gets retried; else NULL.
 * Root's queue has the system's timer or cron line. */
const char *queue_retry_hint(void);

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
 * could be written, and when the message was refused for its size
 * (rep->too_big: nothing is kept, as for max_size).
 */
void	queue_save_failed(const struct account *a, struct message *m,
	    const struct envelope *env, struct report *rep);

/*
 * The queue directories that -q, -bp and --queue-delete cover: with
 * account != NULL, that account's alone; else every distinct
 * queue_dir_path of the configuration, the file's accounts in file order
 * and then the embedded default, each directory once (two names of one
 * existing directory, as realpath resolves them, count once), so that a
 * message deferred under any account is retried by a plain "postie -q".
 * For a user other than root, -bp also lists QUEUE_SYSTEM_DIR when the
 * user can open it (Postfix's mailq shows the system queue to everyone).
 * dirs is initialised here; -1 (EX_CONFIG) for an unknown account.
 */
int	queue_dirs(const struct config *cfg, const char *account,
	    struct strlist *dirs, struct err *e);

/*
 * After a submission that queue_save_failed kept in a queue directory's
 * failed/ (rep->saved): when some recipient was sent or queued (a partial
 * refusal, which exits 0), write the sender's failure notice into that
 * queue directory (with notice.h's rules and rate limit) and try to send
 * it at once, as a queue run would; it waits in the queue otherwise.
 * Nothing when every recipient was refused (the exit code tells the
 * caller).  -1 with e when the configuration or the kept state cannot be
 * read.
 */
int	queue_notice_refused(const char *config_file, const struct account *a,
	    const struct report *rep, struct err *e);

/* After a submission (rep) or a queue run: advance u by what rep says
 * (every recipient sent: one sent; any queued: one deferred; any refused
 * for good: one failed) and rewrite a's metrics_file over every queue
 * directory of cfg.  Nothing when a has no metrics_file.  Errors as
 * metrics_write's. */
int	queue_metrics(const struct config *cfg, const struct account *a,
	    const struct report *rep, struct metrics_update *u,
	    struct err *e);

/* What -q, -bp and --queue-delete need from the command line. */
struct queue_opts {
	const char *config_file;	/* -C, or NULL */
	const char *account;		/* --account: only its queue_dir */
	bool	 due;			/* --due: honour the back-off */
	bool	 verbose;		/* -v */
	bool	 json;			/* -bp --json */
	const char *transcript;		/* -X FILE */
	long long now;			/* 0: time(NULL); tests set it */
	bool	 snapshot;		/* -bp of this queue alone: no
					 * system queue, no snapshot */
};

struct queue_stats {
	size_t	 sent;			/* entries finished, all sent */
	size_t	 deferred;		/* still pending after this run */
	size_t	 failed;		/* moved to failed/ (refused or expired) */
	size_t	 busy;			/* locked by another run: skipped */
	size_t	 not_due;		/* --due: waiting for their time */
	size_t	 bad;			/* entries that cannot be used */
	size_t	 notices;		/* failure and delay notices written */
	size_t	 foreign;		/* left for another configuration */
	struct strlist problems;	/* one line each: what and why */
};

/* Free st's problems (queue_run fills them even when it fails). */
void	queue_stats_free(struct queue_stats *st);

/*
 * Run the queue once, in each of queue_dirs' directories: every entry (with o->due, only those whose next try
 * has come, or that have expired), each under its flock (an entry locked
 * by another run is skipped, so concurrent runs never deliver one message
 * twice).  Recipients still pending get one more attempt; the state file
 * records each recipient's result before the next entry; a message with
 * nothing pending leaves the queue (to failed/ when a recipient refused
 * it); one still pending past queue_lifetime moves to failed/ (logged).
 * Sessions are reused across entries for the same destination.  With the
 * default account's mx_parallel above 1, a directory's entries are split
 * into groups that share no destination, and up to that many groups run
 * at once, each in a child process that does its entries as above (see
 * queue.c); st is the sum of theirs.  Returns
 * An entry is sent only through the account it was submitted with, of
 * the same configuration file (an entry that names no account: the
 * account its sender selects); an entry whose account this run's
 * configuration does not have is left as it is, and st->problems gets
 * one line per file and account saying which run it needs ("run postie
 * -q -C FILE").  Before any directory is used, queuefile_check_dirs must accept it.
 * Each queue file is opened with safefile_open: an entry whose file is a
 * symbolic link, a FIFO, not a regular file or owned by another user is
 * not used, and named once in st->problems.  Returns -1 when the
 * configuration is wrong (EX_CONFIG, nothing run) or a directory cannot
 * be read (EX_IOERR) or is refused (EX_NOPERM): the first such, after the
 * others have been run; the others are in st->problems.
 */
int	queue_run(const struct queue_opts *o, struct queue_stats *st,
	    struct err *e);

/* mailq / -bp --json (o->json): one JSON object per line per message,
 * as Postfix's postqueue -j: queue_name ("deferred", or "failed" for
 * failed/), queue_id, queue_dir, arrival_time and next_attempt (epoch
 * seconds), message_size, sender, account (null when not recorded),
 * attempts, recipients: [{address, delay_reason}] for every recipient
 * not yet sent.  Nothing at all for an empty queue.
 * mailq / -bp: id, age, size, sender, recipients still pending, last
 * error, written to fd: one listing per directory that holds entries,
 * each after a "== DIR" line when more than one does; "Mail queue is
 * empty" when none does.  A line per directory counts the messages kept
 * in its failed/ and says where, when there are any.  An unreadable
 * directory is listed as empty and makes it return -1 (EX_IOERR).
 * For a user other than root and the system account, then the system
 * queue's snapshot (queue_publish) when there is one: with a "== system
 * queue as of HH:MM:SS" line, or with --json a "snapshot_time" (epoch
 * seconds) in each of its lines. */
int	queue_list(const struct queue_opts *o, int fd, struct err *e);

/* The system account's -q (sysmode.h): publish its queue's envelopes,
 * which users cannot read, as -bp's listing and its --json lines of
 * this configuration's queues alone, into SYSMODE_MAILQ_TXT and
 * SYSMODE_MAILQ_JSON (mode 0644, each replaced by a rename).  Envelopes
 * only: ids, sizes, times, senders, recipients, delay reasons.  -1 with
 * e when one cannot be written. */
int	queue_publish(const struct queue_opts *o, struct err *e);

/* --queue-delete ID: remove one entry, looked for in each directory in
 * turn.  EX_USAGE for a malformed id, EX_NOINPUT when there is no such
 * entry, EX_TEMPFAIL when a queue run holds it. */
int	queue_delete(const struct queue_opts *o, const char *id, struct err *e);

#endif
