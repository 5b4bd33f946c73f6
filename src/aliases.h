/*
 * aliases.h — the aliases file (msmtp's format, as in /etc/aliases):
 *   name: addr, addr
 *   default: addr
 * '#' comments; continuation lines start with white space.  Lookup is
 * case-insensitive on the name; expansion is one level (msmtp's meaning),
 * the "default" entry catches any local name not listed.  Only names
 * without '@' are looked up.
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

/* Append the expansion of addr to out: its aliases when addr has no '@'
 * and is listed (or "default" exists), else addr itself unchanged.
 * a may be NULL (no aliases file). */
void	aliases_expand(const struct aliases *a, const char *addr,
	    struct strlist *out);

#endif
