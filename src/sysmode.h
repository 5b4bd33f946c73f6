/*
 * sysmode.h — the system mode of a multi-user machine (doc/multiuser.md):
 * where its parts live, the format of a drop entry, and two questions:
 * is the mode set up here, and is this process its account.
 *
 * Who runs as whom:
 *  - a user's postie (never setuid or setgid) forms the entry with the
 *    user's own identity and pipes it to the drop helper;
 *  - the helper, postie-drop (setgid to the drop group, nothing else),
 *    writes it into the drop directory under a random name, recording
 *    the uid the kernel says ran it;
 *  - "postie -q" run as the system account (the drop directory's owner)
 *    takes each entry, checks it, and submits it with the system
 *    configuration, which only that account can read.
 *
 * A drop entry (a file in SYSMODE_DROP_DIR, mode 0640, owned by the
 * submitting user, group the drop group, one link):
 *   postie-drop 1\n                the format's version
 *   uid N\n                        getuid() of the helper's caller
 *   env LEN\n                      LEN bytes of state follow
 *   LEN bytes                      a queuefile.h state file: sender ("from"
 *                                  absent: none asked), DSN, recipients
 *                                  as written (aliases and qualification
 *                                  are the system side's: a name without
 *                                  '@' travels as NAME@SYSMODE_LOCAL, the
 *                                  state file takes only full addresses)
 *   the message, to the end        CRLF wire form, as the user's postie
 *                                  read or composed it
 * The helper writes the first two lines itself; what the user's postie
 * sends it is "env LEN\n", the state, and the message in chunks ("N\n"
 * then N bytes, N at most SYSMODE_CHUNK_MAX; "0\n" ends it), which the
 * helper writes out unframed: an input that ends before "0\n" (a postie
 * that failed halfway) leaves no entry.  Nothing is trusted further than
 * the checks on the system side prove.
 */
#ifndef POSTIE_SYSMODE_H
#define POSTIE_SYSMODE_H

#include <stdbool.h>
#include <sys/types.h>

/* The build passes both (Makefile.am); these serve builds that do not,
 * such as the fuzz targets. */
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/libexec/postie"
#endif

/* Every user writes here through the helper; only the account reads
 * (mode 1730, owner the system account, group the drop group). */
#define SYSMODE_DROP_DIR	LOCALSTATEDIR "/spool/postie-drop"
/* The system account's own queue (0700): what the drop run deferred. */
#define SYSMODE_QUEUE_DIR	LOCALSTATEDIR "/spool/postie-system"
/* Entries refused by the drop run are moved here, never used again. */
#define SYSMODE_BAD_DIR		SYSMODE_QUEUE_DIR "/bad-drop"
/* "user_config off" in the system file, made public (the file itself is
 * the account's alone): present, owned by the account, when it is off.
 * The account's queue run writes or removes it each time; the queue
 * directory is 0711 so that users can look, never list. */
#define SYSMODE_USERS_OFF	SYSMODE_QUEUE_DIR "/user_config_off"
/* The account's queue listed for the users (mailq), who cannot read it:
 * -bp's --json lines and its text, rewritten by each run of the account
 * (queue.h's queue_publish), mode 0644.  Envelopes only. */
#define SYSMODE_MAILQ_JSON	SYSMODE_QUEUE_DIR "/mailq.json"
#define SYSMODE_MAILQ_TXT	SYSMODE_QUEUE_DIR "/mailq.txt"
/* The setgid helper. */
#define SYSMODE_HELPER		PKGLIBEXECDIR "/postie-drop"

/* The domain a local name ("root") travels with; .invalid (RFC 2606)
 * is never anybody's domain.  The system side strips it. */
#define SYSMODE_LOCAL		"postie-local.invalid"

#define SYSMODE_DROP_MAGIC	"postie-drop 1"
#define SYSMODE_ENV_MAX		(1024 * 1024)	/* the state part, bytes */
/* One entry, all of it: larger is refused by the helper (EX_DATAERR). */
#define SYSMODE_DROP_MAX	(512LL * 1024 * 1024)
#define SYSMODE_ENTRY_MODE	0640
#define SYSMODE_CHUNK_MAX	65536
/* An entry's name: 32 lower-case hex digits; "t" and the same while the
 * helper writes it. */
#define SYSMODE_NAME_LEN	32

/* The mode is set up: the drop directory is a directory of mode 1730
 * owned by an account other than root, and the helper a regular file,
 * setgid to the directory's group.  Nothing else is looked at. */
bool	sysmode_ready(void);

/* This process runs as the system account: its effective uid owns the
 * drop directory (and is not root). */
bool	sysmode_is_account(void);

/* uid is the system account's (the drop directory's owner, not root):
 * root may use a password file that account owns, its own system file. */
bool	sysmode_is_account_uid(uid_t uid);

/* SYSMODE_USERS_OFF is there, a regular file owned by the account:
 * users' own configuration files are not to be read (config.h). */
bool	sysmode_users_off(void);

/* As the account: make SYSMODE_USERS_OFF say off (create it; rename
 * from a temporary name) or on (remove it).  0, or -1 with errno. */
int	sysmode_publish_users_off(bool off);

#endif
