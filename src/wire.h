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

/*
 * One scan: what costs a pass over the body is done once per message and
 * kept in m->wire (freed by message_free): the re-encoder of a MIME body
 * after its pass 1 (reencode.h), restarted for each server's
 * capabilities, and the size bound for each capability set asked.  The
 * first call freezes the message: the header section and body are final
 * by then (after message_rewrite; DKIM-Signature fields are added by the
 * body source, not to m).  A header section that changed all the same
 * (another field count or size) drops the sizes and the scan.
 */

/* True when the body must be re-encoded for this server (design §3: lines over
 * 998 octets in a message postie did not compose; 8-bit to a server without
 * 8BITMIME).  A single-part body then goes out quoted-printable; a MIME
 * body is re-encoded part by part (reencode.h). */
bool	wire_needs_reencode(const struct message *m, const struct wire_opts *w);

/* True when the wire form is 8-bit (MAIL FROM ... BODY=8BITMIME). */
bool	wire_is_8bit(const struct message *m, const struct wire_opts *w);

/* Upper bound of the wire size (for SIZE=): headers + CRLF body.
 * Computed once per message and capability set (see above). */
off_t	wire_size(struct message *m, const struct wire_opts *w);

/* How many passes over m's body the wire form has made so far beyond
 * reading it (pass 1 of a re-encoder): at most 1 per message, whatever the
 * servers, sizes and readers asked (for tests and -v). */
unsigned wire_scans(const struct message *m);

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
