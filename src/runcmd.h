/*
 * runcmd.h — run a command the configuration names (eval, passwordeval)
 * and take the first line of what it prints, bounded in time.
 *
 * The command runs as "/bin/sh -c CMD" in a process group of its own,
 * with /dev/null as stdin (in sendmail mode stdin is the message: the
 * command must not eat it) and postie's stderr (gpg and pinentry talk
 * there).  When the time is up the whole group is killed with SIGKILL,
 * so a command that forks (a shell pipeline, a gpg agent start) cannot
 * hold postie or outlive it.
 */
#ifndef POSTIE_RUNCMD_H
#define POSTIE_RUNCMD_H

#include "err.h"

/* A command gets this long when the account sets no timeout: as long as
 * RFC 5321's longest wait, and enough to type a passphrase. */
#define RUNCMD_DEFAULT_TIMEOUT_MS	(300 * 1000)
/* Output kept; the rest is read and dropped so the command never dies of
 * SIGPIPE.  A first line longer than this is an error. */
#define RUNCMD_KEEP_MAX		4096

/*
 * Run cmd and return in *line (the caller frees it; explicit_bzero it
 * first when it may hold a secret) the first line of its standard output
 * without its CR LF.  what names the key in messages ("passwordeval").
 * timeout_ms <= 0 means RUNCMD_DEFAULT_TIMEOUT_MS.
 * Errors: EX_CONFIG when the command exits non-zero, is killed by a
 * signal or prints a first line longer than RUNCMD_KEEP_MAX;
 * EX_TEMPFAIL when it runs out of time (its group is killed);
 * EX_OSERR when it cannot be started.
 */
int	runcmd_first_line(const char *what, const char *cmd, int timeout_ms,
	    char **line, struct err *e);

#endif
