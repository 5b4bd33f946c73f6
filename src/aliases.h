/*
 * aliases.h — the aliases file (msmtp's format, as in /etc/aliases):
 *   name: addr, addr
 *   default: addr
 * '#' comments; continuation lines start with white space.  Lookup is
 * case-insensitive on the name; only names without '@' are looked up.
 *
 * Expansion is sendmail's and Postfix's: recursive (Debian's
 * "postmaster: root" then "root: ops@example.com" reaches ops@), with loop
 * detection (an alias that reaches itself, directly or through others,
 * delivers to the name), ":include:/path" items read from the file (one
 * or more addresses a line, '#' comments), duplicates dropped; "default"
 * (msmtp's) catches a local name not listed, at the top level only.
 * "owner-NAME" entries are ordinary aliases (postie sends with the
 * submitter's envelope sender, so they redirect no bounces).
 * Pipe ("|command") and file ("/path") targets cannot be delivered by a
 * program that only hands mail to SMTP servers: they are refusals,
 * reported with the alias that named them, never addresses.
 */
#ifndef POSTIE_ALIASES_H
#define POSTIE_ALIASES_H

#include <stddef.h>

#include "err.h"
#include "util.h"

struct aliases;

/* Parse an aliases file held in memory.  Errors: EX_CONFIG naming the line. */
int	aliases_parse(struct aliases **out, const char *text, size_t len,
	    const char *name, struct err *e);
/* Read and parse a file.  Errors: EX_CONFIG (unreadable or malformed). */
int	aliases_load(struct aliases **out, const char *path, struct err *e);
void	aliases_free(struct aliases *a);

#define ALIASES_DEPTH_MAX	20	/* nested aliases and :include: files */

/* A target that cannot be delivered: the alias that named it, and why
 * ("alias prog: \"|/usr/bin/procmail\" is a program; ..."). */
struct alias_refusal {
	char	*name;
	char	*reason;
};
struct alias_refusals {
	struct alias_refusal *v;
	size_t	 n;
};
void	alias_refusals_free(struct alias_refusals *r);

/* Append the expansion of addr to out (its duplicates dropped, local
 * names left unqualified; what out held before is not looked at: a
 * caller that expands many addresses into one list deduplicates it once,
 * with strlist_dedup_ci) and what cannot be delivered to refused.  addr with
 * '@', or not listed (and no "default"), is appended unchanged.  a may be
 * NULL (no aliases file). */
void	aliases_expand(const struct aliases *a, const char *addr,
	    struct strlist *out, struct alias_refusals *refused);

/* newaliases: every entry that postie cannot deliver (pipe and file
 * targets, :include: files that cannot be read, and those within them),
 * one line each to out: "FILE:LINE: alias NAME: ...".  Returns how many. */
size_t	aliases_check(const struct aliases *a, struct buf *out);

#endif
