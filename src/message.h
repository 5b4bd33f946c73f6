/*
 * message.h — one message on its way through postie: read from a file
 * descriptor, header section parsed in memory (bounded), body spooled to an
 * unlinked temporary file (never whole in memory), rewritten per design §3.
 * Its wire form for a given server is wire.h's.
 *
 * Reading (design §3): LF or CRLF input; a leading mbox "From " line is
 * dropped; the header section ends at the first empty line or the first line
 * that is neither field nor continuation (that line is the body's first);
 * with dot_ends_message a line holding a single '.' ends input (sendmail
 * without -i); NUL anywhere, or a header section over HEADER_SECTION_MAX:
 * EX_DATAERR.  While spooling, the body's properties are measured.
 */
#ifndef POSTIE_MESSAGE_H
#define POSTIE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "body.h"
#include "err.h"
#include "header.h"
#include "util.h"

struct mime;
struct wire_cache;

struct message {
	struct header_list headers;
	int	 body_fd;		/* unlinked spool file, body bytes as read;
					 * or the input itself (in_place) */
	off_t	 body_off;		/* where the body starts in body_fd */
	off_t	 body_len;		/* body bytes from body_off */
	off_t	 body_lines;		/* line count (for the CRLF wire size) */
	bool	 body_8bit;		/* an octet >= 0x80 */
	bool	 body_bare_cr;		/* a CR not followed by LF */
	size_t	 body_longest_line;	/* octets, without line end */
	bool	 composed;		/* built by postie (compose mode) */
	struct mime *mime;		/* compose mode: the body generator
					 * (mime.h), owned; NULL: the spool */
	void	(*mime_free)(struct mime *);	/* frees mime */
	struct wire_cache *wire;	/* wire.c's memo of its one scan and
					 * sizes (wire.h), owned; NULL: none */
	void	(*wire_free)(struct wire_cache *);	/* frees wire */
	int	 progress_fd;		/* progress line while sending, or -1 */
	off_t	 progress_files;	/* the attached files' size, for it */
};

struct message_read_opts {
	bool	 dot_ends_message;	/* sendmail without -i */
	const char *spool_dir;		/* where the spool file is made; NULL: $TMPDIR or /tmp */
	/* When fd is a regular file, read the body where it is (body_fd a
	 * descriptor of fd's file, body_off after the header section), not
	 * from a spooled copy (design §3). */
	bool	 in_place;
};

/* Read a whole message from fd.  Errors: EX_DATAERR (NUL, header too
 * large), EX_IOERR / EX_CANTCREAT (spool). */
int	message_read(struct message *m, int fd,
	    const struct message_read_opts *o, struct err *e);
void	message_init(struct message *m);
void	message_free(struct message *m);

/* -t: the addr-specs of To, Cc and Bcc; of Resent-To, Resent-Cc and
 * Resent-Bcc instead when any Resent- field is present (RFC 5322 §3.6.6). */
int	message_header_recipients(const struct message *m, struct strlist *out,
	    struct err *e);

/* What design §3 adds and changes before sending. */
struct rewrite_opts {
	const char *envelope_from;	/* after -f / config / default */
	const char *fullname;		/* -F, may be NULL */
	const char *domain;		/* qualifies unqualified addresses */
	bool	 add_from;		/* From missing → add */
	bool	 add_date;
	bool	 add_msgid;
	bool	 undisclosed;		/* no To/Cc → "To: undisclosed-recipients:;" */
};

/* Remove Bcc/Resent-Bcc; add Date, Message-ID, From when missing (as
 * opts says); qualify unqualified addresses in From, Sender, Reply-To, To
 * and Cc (folded between addresses when that takes a line past 78); add
 * MIME-Version/Content-Type text/plain; charset=utf-8 when the body is
 * 8-bit and there is no Content-Type; fold every field with a line over
 * 998 octets (header_value_fold).  Errors: EX_DATAERR when a field cannot
 * be folded or the section grows past HEADER_SECTION_MAX. */
int	message_rewrite(struct message *m, const struct rewrite_opts *o,
	    struct err *e);

#endif
