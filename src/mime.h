/*
 * mime.h — compose mode: a message built from the command line (subject,
 * body, an HTML alternative, attachments), whose body is produced on the
 * fly by a MIME generator.
 *
 * The header section is built in memory (bounded by the command line);
 * the body is a list of segments: fixed text (part headers, boundary
 * lines) and leaves, each read from its file in large blocks and encoded
 * as it streams (base64, quoted-printable, or 7bit with CRLF line ends).
 * No attachment is ever held in memory; only stdin (the body or "-a -")
 * and non-regular files (pipes, "-a <(cmd)") are first copied to an
 * unlinked spool file, since they cannot be read twice.
 *
 * Types come from filetype.h (libmagic: MIME type and charset, loaded
 * once and only when a file is attached), unless "-a FILE;type=..." says;
 * files are opened, spooled and scanned by source.h.  Attachments
 * go out base64 so that they arrive byte for byte; the body and the HTML
 * part are text: 7bit when they can be, else quoted-printable, labelled
 * with their real charset (utf-8, us-ascii, or the locale's / unknown-8bit
 * when they are not UTF-8).  Boundaries hold "=_", which neither base64 nor
 * quoted-printable can produce, and are checked against every part that
 * is not encoded.  Subject and display names use RFC 2047, file names
 * RFC 2231 with an RFC 2047 name= fallback.
 *
 * RFC 2045, 2046 (multipart/mixed, multipart/alternative), 2047, 2183
 * (Content-Disposition), 2231.
 */
#ifndef POSTIE_MIME_H
#define POSTIE_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct message;
struct mime;
struct strlist;

/* One attachment, -a FILE[;type=T][;name=N]. */
struct mime_attach {
	char	*path;		/* "-" for in_fd */
	char	*type;		/* NULL: libmagic decides */
	char	*name;		/* NULL: basename of path */
};

/* What to compose: the compose options of the command line (cli.c's
 * cli_mime_opts fills it from struct cli), borrowed for the call.  A NULL
 * list is an empty one. */
struct mime_opts {
	bool	 wrap;			/* -t: in_fd holds a whole message */
	bool	 dot_ends_message;	/* for wrap: a lone "." ends it */
	bool	 progress;		/* progress on stderr, if a terminal */
	const char *subject;		/* -s */
	const char *from;		/* --from */
	const struct strlist *to;	/* recipient arguments (not with wrap) */
	const struct strlist *cc;	/* --cc */
	const struct strlist *bcc;	/* --bcc */
	const struct strlist *headers;	/* --header 'Name: value' */
	const char *body_file;		/* --body FILE|- */
	const char *html_file;		/* --html FILE */
	const struct mime_attach *attach;	/* -a */
	size_t	 nattach;
};

/*
 * Fill m (message_init'ed by the caller) as opt asks.
 *
 * Without wrap (-t): headers To (the recipient arguments), Cc, Bcc, From
 * (--from), Subject, the --header fields, MIME-Version and the MIME
 * structure; the body is --body FILE|-, else stdin (in_fd) when it is not
 * a terminal and not attached with "-a -", else empty.  Recipients are
 * then read from these headers (as with -t).
 * With -t: in_fd holds a whole message (read as message_read does); -s,
 * --from, --cc, --bcc and --header change its header, and the attachments
 * are added to it: its body becomes the first part of a multipart/mixed,
 * its Content-* fields moved into that part (an 8-bit body without a
 * Content-Type is labelled text/plain with its real charset).  That body
 * is content postie did not compose: it goes out through reencode.h's
 * re-encoder, part by part, with the part's Content-Type and
 * Content-Transfer-Encoding as its top-level context, so that it decodes
 * to the same content and every line is at most 998 octets.
 *
 * spool_dir: where spool files are made (NULL: $TMPDIR or /tmp).
 * Sets m->progress_fd to stderr when opt->progress and stderr is a
 * terminal.
 * Errors: EX_NOINPUT naming a missing or unreadable file (nothing is
 * sent); EX_DATAERR for CR/LF in -s or --from, or a type override that is
 * not a MIME type; EX_USAGE for "-a -" twice or a --header naming a MIME
 * field; EX_IOERR / EX_CANTCREAT for spool failures.
 */
int	mime_compose(struct message *m, const struct mime_opts *opt, int in_fd,
	    const char *spool_dir, struct err *e);

/*
 * The body generator, driven by message.c's reader.  mime_rewind starts
 * the stream again (one stream at a time); mime_read fills up to len bytes
 * and returns the count, 0 at the end, -1 with e on a read error or when
 * a file changed under postie (a 7bit part that gained 8-bit bytes).
 * mime_size_bound is an upper bound of the bytes mime_read yields (for
 * SIZE=), whatever the server; mime_is_8bit says whether any part goes
 * out 8-bit to a server that takes 8-bit data (only a message given with
 * -t can have one).
 */
int	mime_rewind(struct mime *mm, struct err *e);
/* The server takes 8-bit data (8BITMIME, RFC 6152): a -t message's body
 * then keeps its 8-bit octets and only parts with lines over 998 octets
 * change.  Without it (the default) that body goes out 7-bit.  Takes
 * effect at the next mime_rewind. */
void	mime_set_8bitmime(struct mime *mm, bool ok);
/* The transaction is SMTPUTF8 (RFC 6531): a -t message's Content-*
 * fields, moved into its first part, then go as written; without it (the
 * default) in their 7-bit form, as every header field (header7bit.h).
 * Takes effect at the next mime_rewind. */
void	mime_set_smtputf8(struct mime *mm, bool on);
ssize_t	mime_read(struct mime *mm, char *buf, size_t len, struct err *e);
off_t	mime_size_bound(const struct mime *mm);
bool	mime_is_8bit(const struct mime *mm);
void	mime_free(struct mime *mm);

/* The charset label for a text body: "us-ascii" (7-bit), "utf-8" (valid
 * UTF-8), else the locale's charset when it is not UTF-8, else
 * "unknown-8bit" (RFC 1428): honest, never a guess. */
const char *mime_text_charset(bool eightbit, bool valid_utf8);

#endif
