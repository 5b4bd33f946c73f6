/*
 * wire.h — the wire form of a message for one server's capabilities
 * (struct wire_opts): its size bound (SIZE=), whether it is 8-bit
 * (BODY=8BITMIME), a reader that yields it, and a writer to a file.
 *
 * The wire form: CRLF line ends; header fields as rewritten, made 7-bit
 * (header7bit.h) unless the transaction is SMTPUTF8; the body as read
 * when the server takes it, else re-encoded (design §3: lines over 998
 * octets in a message postie did not compose; 8-bit data to a server
 * without 8BITMIME): a single text part quoted-printable, a MIME body
 * part by part (reencode.h); a composed body as mime.h generates it.
 * Not dot-stuffed: framing belongs to smtp.c.
 */
#ifndef POSTIE_WIRE_H
#define POSTIE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "body.h"
#include "err.h"
#include "message.h"

/* True when the body must be re-encoded for this server (design §3: lines over
 * 998 octets in a message postie did not compose; 8-bit to a server without
 * 8BITMIME).  A single-part body then goes out quoted-printable; a MIME
 * body is re-encoded part by part (reencode.h). */
bool	wire_needs_reencode(const struct message *m, const struct wire_opts *w);

/* True when the wire form is 8-bit (MAIL FROM ... BODY=8BITMIME). */
bool	wire_is_8bit(const struct message *m, const struct wire_opts *w);

/* Upper bound of the wire size (for SIZE=): headers + CRLF body. */
off_t	wire_size(const struct message *m, const struct wire_opts *w);

/* A stream of the message in wire form (see above).  When m->progress_fd >= 0 and
 * the message is over PROGRESS_MIN, a progress line is kept up to
 * date there (a few times a second) and cleared at close. */
struct wire_reader;
int	wire_reader_open(struct wire_reader **r, struct message *m,
	    const struct wire_opts *w, struct err *e);
/* Fill up to len bytes; returns the count, 0 at the end, -1 on error. */
ssize_t	wire_reader_read(struct wire_reader *r, char *buf, size_t len,
	    struct err *e);
void	wire_reader_close(struct wire_reader *r);

/* Write the wire form to fd (--dry-run, dead.letter, queue). */
int	wire_write(struct message *m, const struct wire_opts *w, int fd,
	    struct err *e);

#endif
