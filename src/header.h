/*
 * header.h — the header section of an RFC 5322 message, as a list of fields.
 *
 * Each field keeps its raw text (name, colon, value and any folded
 * continuation lines, joined by "\n", without the final line end and without
 * CRs), so that fields postie does not touch go out byte for byte as they
 * came.  Parsing is line by line, as in Postfix: a line is a field when it
 * starts with a name of printable ASCII other than ':' and SP followed by
 * ':' within its first 998 octets (WSP before the colon is tolerated,
 * RFC 5322 §4.5.3 obs-syntax); a
 * continuation when it starts with SP or HTAB; anything else ends the
 * header section.
 */
#ifndef POSTIE_HEADER_H
#define POSTIE_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define HEADER_SECTION_MAX	(1024 * 1024)	/* design §3: larger is EX_DATAERR */
#define HEADER_NAME_MAX		998	/* name, WSP and colon: one wire line */

struct header {
	char	*name;		/* as written, NUL-terminated */
	char	*raw;		/* the whole field, lines joined by '\n' */
	size_t	 raw_len;
};

struct header_list {
	struct header *v;
	size_t	 n;
	size_t	 cap;
	size_t	 bytes;		/* sum of raw_len + 1, bounded by HEADER_SECTION_MAX */
};

void	header_list_init(struct header_list *h);
void	header_list_free(struct header_list *h);

/* Classify one line (without its line end): the length of the field name
 * when it starts a field (its colon within the first HEADER_NAME_MAX
 * octets, so that the first HEADER_NAME_MAX octets of a line decide),
 * 0 otherwise. */
size_t	header_field_name_len(const char *line, size_t len);
bool	header_is_continuation(const char *line, size_t len);

/* Append a new field from its first line / a continuation line to the
 * last field.  Errors: EX_DATAERR when the section would exceed
 * HEADER_SECTION_MAX or a line holds NUL. */
int	header_append_line(struct header_list *h, const char *line, size_t len,
	    struct err *e);
int	header_continue_line(struct header_list *h, const char *line,
	    size_t len, struct err *e);

/* Parse a whole header section held in memory (up to the first empty line
 * or non-header line); *consumed is set to the bytes of input used,
 * including the empty line.  Used by tests and fuzzing. */
int	header_parse(struct header_list *h, const char *text, size_t len,
	    size_t *consumed, struct err *e);

/* Index of the first/next field named name (case-insensitive) at or after
 * start, or -1. */
long	header_find(const struct header_list *h, const char *name, size_t start);

/* The unfolded value of field i (after the colon, CR/LF removed, leading
 * WSP skipped).  Newly allocated. */
char	*header_value(const struct header_list *h, size_t i);
/* The unfolded value of the first field named name, or NULL when there
 * is none.  Newly allocated. */
char	*header_first_value(const struct header_list *h, const char *name);

/* Remove every field named name; returns how many were removed. */
size_t	header_remove(struct header_list *h, const char *name);
/* Remove field i. */
void	header_delete(struct header_list *h, size_t i);

/* Append "Name: value" (value already safe: no CR/LF unless folded with
 * "\n "+WSP).  prepend puts it first. */
void	header_add(struct header_list *h, const char *name, const char *value,
	    bool prepend);
/* How a field's non-ASCII text is made 7-bit (RFC 2047): an unstructured
 * field (Subject, Comments, Keywords, Content-Description, Thread-Topic,
 * Organization, X-*) is encoded whole; an address list (From, To, Cc,
 * Bcc, Reply-To, Sender and their Resent- forms) only in its phrases. */
bool	header_is_unstructured(const char *name);
bool	header_is_address_list(const char *name);

/* Replace field i with "Name: value". */
void	header_replace(struct header_list *h, size_t i, const char *name,
	    const char *value);

#endif
