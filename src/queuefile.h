/*
 * queuefile.h — the queue's files on disk: the layout of a queue
 * directory, the state file format, and how entries are written so that a
 * crash never leaves a half-written file under a real name.  The queue's
 * operations (run, mailq, delete, back-off, expiry) are queue.h's.
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
 *   config PATH                 the configuration file the account came
 *                               from (its real path), "" for none at all;
 *                               absent in entries older than this key
 *   account NAME                (optional) the account it was submitted with
 *   from ADDR                   "from " alone: the null sender
 *   fromunset 1                 (optional; drop entries, sysmode.h) no
 *                               sender was asked: "from" is a placeholder
 *                               and the system side chooses one
 *   fullname TEXT               (optional; drop entries) -F's full name
 *   notify V / ret V / envid V  (optional) DSN parameters
 *   body8bit 1                  (optional) -B 8BITMIME
 *   notice 1                    (optional) a failure or delay notice
 *   delaynoticed EPOCH          (optional) when a delay notice was sent
 *   attempts N / next EPOCH / last EPOCH
 *   error TEXT                  (optional) the last failure
 *   rcpt<TAB>STATE<TAB>EX<TAB>ADDR<TAB>REASON   one per recipient;
 *                               STATE is pending, sent or failed
 *   said<TAB>CODE<TAB>STATUS<TAB>MTA<TAB>REPLY  (optional, after its rcpt
 *                               line) the server reply behind that state:
 *                               code, enhanced status ("" none), the
 *                               server's host name, its first line; what a
 *                               notice reports (Status, Remote-MTA,
 *                               Diagnostic-Code)
 *   end                         last line: a file without it is refused
 * Unknown keys are ignored (a newer postie may add some).
 *
 * Ids are time-based and random: 9 hex digits of seconds, 5 of
 * microseconds, 8 random ("17F3A2B4C0A1B2C3D4E5F6"), so they sort by age.
 *
 * Queue files are opened as safefile.h says (no symbolic link, no FIFO,
 * a regular file owned by the queue directory's owner), and new files
 * are created with O_EXCL.
 *
 * Every file reaches its name only by rename from tmp/, after fsync; the
 * directory is fsync'd before anyone is told the file is there.  Errors
 * in this module are EX_CANTCREAT (writing) or EX_IOERR / EX_DATAERR
 * (reading), with the path and the system's words.
 */
#ifndef POSTIE_QUEUEFILE_H
#define POSTIE_QUEUEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "message.h"
#include "util.h"

#define QUEUE_ID_MAX		32	/* with the NUL */
#define QUEUE_LINE_MAX		4096	/* one line of a state file */
/* The recipients of one message that postie accepts (submit.c refuses
 * more), and what a state file keeps of each one's last failure and
 * server reply (the entry's "error" line keeps more of the last error):
 * a recipient's "rcpt" and "said" lines are then at most
 * QUEUE_RCPT_BYTES_MAX together, so that every message postie accepts
 * has a state file it can write and read back, whatever its servers
 * reply. */
#define QUEUE_RCPTS_MAX		100000
#define QUEUE_REASON_MAX	200	/* octets of a reason, of a reply */
#define QUEUE_MTA_MAX		255	/* octets of a host name */
#define QUEUE_RCPT_BYTES_MAX	1024	/* "rcpt", state, ex, 254-octet
					 * address, reason: under 480; "said",
					 * code, 15-octet status, host name,
					 * reply: under 500 (tabs, LFs in) */
#define QUEUE_ENV_MAX		(QUEUE_RCPTS_MAX * QUEUE_RCPT_BYTES_MAX + \
				 64 * 1024)	/* a state file, bytes */

enum queue_rcpt_state { QR_PENDING = 0, QR_SENT, QR_FAILED };

struct queue_rcpt {
	char	*addr;
	enum queue_rcpt_state state;
	int	 ex;			/* sysexits of a failure, else 0 */
	char	*reason;		/* last failure for it, or NULL */
	/* The server reply behind the state, as the "said" line keeps it. */
	int	 code;			/* 0: no reply (nothing else set) */
	char	*status;		/* "5.1.1", or NULL */
	char	*mta;			/* the server's host name, or NULL */
	char	*reply;			/* "550 5.1.1 no such user", or NULL */
};

/* One entry's state file in memory.  Strings are owned (queuefile_env_free). */
struct queue_env {
	char	 id[QUEUE_ID_MAX];
	long long created, next_try, last_try;
	int	 attempts;
	char	*config;		/* real path of the account's file; "":
					 * none (embedded); NULL: not recorded */
	char	*account;		/* NULL: choose by sender */
	char	*from;			/* "" null sender */
	bool	 from_unset;		/* drop entry: no sender asked */
	char	*fullname;		/* drop entry: -F, or NULL */
	char	*dsn_notify, *dsn_ret, *dsn_envid;	/* NULL: none */
	bool	 body_8bit_hint;
	char	*last_error;		/* NULL: none */
	bool	 notice;		/* a notice postie wrote: never noticed */
	long long delay_noticed;	/* when a delay notice went, or 0 */
	struct queue_rcpt *rcpts;
	size_t	 nrcpts;
};

/* Parse a state file held in buf (len bytes, need not be NUL-terminated).
 * Refused (EX_DATAERR, naming the line): wrong version, missing "end",
 * a line over QUEUE_LINE_MAX, control characters, a bad number or state,
 * an address that address_check_path refuses, no recipient.  On success
 * q is filled (the caller frees it); on failure q holds nothing. */
int	queuefile_env_parse(struct queue_env *q, const char *buf, size_t len,
	    struct err *e);
/* Append the file form of q to out (CR, LF and TAB in texts become
 * spaces: what is written always parses). */
void	queuefile_env_format(const struct queue_env *q, struct buf *out);
/* Free q's strings and zero it; a zeroed q may be freed again. */
void	queuefile_env_free(struct queue_env *q);

/* True for a well-formed id (what --queue-delete accepts). */
bool	queuefile_id_valid(const char *id);

/*
 * Add a message: q is the state (its id is set here), m the message.
 * The message is streamed from m into tmp/ID.msg (never whole in memory),
 * fsync'd, renamed to ID.msg; then ID.env the same way; the directory is
 * fsync'd after each rename.  Returns only when both are durable; any
 * failure (ENOSPC, EACCES, read-only...) removes what was written and is
 * EX_CANTCREAT with the path and the system's words.
 */
int	queuefile_add(const char *dir, struct message *m, struct queue_env *q,
	    struct err *e);

/* The building blocks queue.c moves entries with. */

/* mkdir -p dir/tmp and dir/failed, each new level 0700; then
 * queuefile_check_dirs. */
int	queuefile_prepare_dirs(const char *dir, struct err *e);

/* dir, dir/tmp and dir/failed (those that exist) are directories owned
 * by the running user and writable by nobody else (safefile_check_dir;
 * tmp/ and failed/ not symbolic links): else -1, EX_NOPERM naming the
 * first one refused.  A queue is used only after this check. */
int	queuefile_check_dirs(const char *dir, struct err *e);

/* fsync the directory dir (after a rename into it). */
int	queuefile_fsync_dir(const char *dir, struct err *e);

/*
 * A new dir/tmp/ID.msg for q: a fresh id is set in q->id, the file is
 * created exclusively (0600) and flock'ed LOCK_EX.  Returns its descriptor
 * and *tmp its path (the caller frees it); on error -1 and *tmp is not
 * set (nothing to free).
 */
int	queuefile_create_msg(const char *dir, struct queue_env *q, char **tmp,
	    struct err *e);

/* Make a file durable under its real name: fsync fd, close it, rename
 * tmp to final, then fsync dir unless dir is NULL.  fd is closed in every
 * case; tmp is left for the caller to remove on error. */
int	queuefile_commit(int fd, const char *tmp, const char *final,
	    const char *dir, struct err *e);

/* Write q as into/ID.env (replacing it atomically) through dir/tmp/;
 * into is dir or dir/failed.  With sync_dir, into is fsync'd too (needed
 * before telling anyone).  Nothing is left in tmp/ on error. */
int	queuefile_write_env(const char *dir, const char *into,
	    const struct queue_env *q, bool sync_dir, struct err *e);

/* Read and parse dir/ID.env into q (the caller frees it on 0).  1 when
 * the file is gone (another run finished the entry): nothing to do.  -1
 * with e: EX_DATAERR when it does not parse or names another id, else
 * EX_IOERR (a read error, larger than QUEUE_ENV_MAX, or refused by
 * safefile_open: a symbolic link, not a regular file, another owner than
 * the directory's). */
int	queuefile_load_env(const char *dir, const char *id,
	    struct queue_env *q, struct err *e);

#endif
