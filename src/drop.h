/*
 * drop.h — the two ends of a drop entry (sysmode.h has its format and
 * doc/multiuser.md the whole story): a user's postie hands one to the
 * setgid helper, and the system account's queue run opens one it found.
 * Neither end runs with privileges it was not started with; what one
 * end wrote, the other checks before it believes any of it.
 */
#ifndef POSTIE_DROP_H
#define POSTIE_DROP_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "message.h"
#include "queuefile.h"
#include "sysmode.h"

/*
 * The user's end: run SYSMODE_HELPER (with an empty environment and no
 * arguments) and stream q's state and m's wire form to it.  q: from
 * (from_unset when no sender was asked), fullname, DSN, body type, and
 * the recipients as the user wrote them; its id and times are set here.
 * On 0 the entry is durable and name (SYSMODE_NAME_LEN + 1 bytes) holds
 * its name.  -1 with e: the helper's exit code (EX_DATAERR too large,
 * EX_CANTCREAT the drop directory cannot take it...) and its one line,
 * or EX_OSERR when it could not be run.
 */
int	drop_send(struct queue_env *q, struct message *m, char *name,
	    struct err *e);

/*
 * The system account's end: open the entry dir/name, which must be a
 * regular file with one link (not a symbolic link, FIFO or device:
 * safefile.h), of group gid, mode SYSMODE_ENTRY_MODE, no larger than an
 * entry can be, whose "uid" line names its owner, and whose state parses
 * (queuefile_env_parse) with every recipient pending.  On 0: *fd is open at
 * the first byte of the message (the caller closes it), q is filled (the
 * caller frees it; its account and config are cleared: the system side
 * chooses), *uid is the submitting user.  1: the entry is gone.  -1 with
 * e (EX_DATAERR naming what is wrong): the entry must not be used.
 */
int	drop_open(const char *dir, const char *name, gid_t gid,
	    struct queue_env *q, uid_t *uid, int *fd, struct err *e);

/*
 * drop_open's two parsers, on bytes already read (the fuzz target's too).
 * drop_header_parse: the entry's first len bytes (at most the first 96
 * are looked at) must be its three lines, the magic, "uid N" with N
 * owner, "env LEN" with LEN at most SYSMODE_ENV_MAX; returns the header's
 * length with *envlen, or -1 with e (EX_DATAERR).  drop_state_parse: the
 * len bytes of state (not NUL-terminated) parse as a queue file's with
 * every recipient pending; on 0, q is filled (the caller frees it) with
 * its account and config cleared; -1 with e (q freed).
 */
long	drop_header_parse(const char *hdr, size_t len, uid_t owner,
	    unsigned long long *envlen, struct err *e);
int	drop_state_parse(const char *buf, size_t len, struct queue_env *q,
	    struct err *e);

#endif
