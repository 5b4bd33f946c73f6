/*
 * source.h — the content of a composed part (the body, the HTML part, an
 * attachment): a file opened so that it can be read twice, by offset, with
 * its size known before MAIL FROM; and the scan of a text source that
 * decides its transfer encoding and its charset.
 *
 * A regular file is read in place and never held in memory.  Standard
 * input ("-") and what is not a regular file (a pipe, "-a <(cmd)", a
 * device) are first copied to an unlinked spool file (spool.h), since they cannot be read twice.  A directory is
 * refused.  The scan reads the source once, in SOURCE_BLOCK blocks.
 */
#ifndef POSTIE_SOURCE_H
#define POSTIE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define SOURCE_BLOCK	(192 * 1024)	/* read block, a multiple of 3 and 57 */

/* A source opened for a part.  fd is read with pread (spool_pread), so
 * the offset does not matter; fd -1 with len 0 stands for empty content. */
struct source {
	int	 fd;
	bool	 own_fd;	/* source_close closes fd */
	off_t	 len;		/* the size when opened: what is sent */
	char	*label;		/* path as given, for messages; owned */
};

/* What a scan of a text source found. */
struct source_scan {
	bool	 eightbit;	/* an octet >= 0x80 */
	bool	 utf8_ok;	/* the content is valid UTF-8 */
	bool	 nul;		/* a NUL octet */
	bool	 bare_cr;	/* a CR not followed by LF */
	bool	 has_boundary;	/* the boundary given to source_scan */
	size_t	 longest;	/* the longest line, without its line end */
	off_t	 lines;		/* line count, a last unterminated one too */
};

/*
 * Open path for reading as a part's source; "-" is in_fd (label "standard
 * input").  Stdin and non-regular files are copied to a spool file in
 * spool_dir (NULL: $TMPDIR or /tmp).  The first byte of a regular file is
 * read now, so that an unreadable file fails before any connection.
 * s is overwritten; on error it may hold a label and a descriptor:
 * source_close it in every case.
 * Errors: EX_NOINPUT naming the file (missing, unreadable, a directory,
 * a read error while spooling); EX_IOERR / EX_CANTCREAT for the spool file.
 */
int	source_open(struct source *s, const char *path, int in_fd,
	    const char *spool_dir, struct err *e);

/* Close s's descriptor when it owns it and free its label; s may be
 * closed twice. */
void	source_close(struct source *s);

/*
 * Scan src's len bytes for the properties of struct source_scan (s is
 * overwritten).  boundary (may be NULL) is searched as it is, across block
 * edges.  blk is the caller's work buffer of at least SOURCE_BLOCK bytes
 * plus the boundary's length, reused between calls.
 * Errors: EX_NOINPUT naming src's label on a read error.
 */
int	source_scan(const struct source *src, const char *boundary,
	    struct source_scan *s, char *blk, struct err *e);

#endif
