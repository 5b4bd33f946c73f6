/*
 * dsn.c — delivery status notifications (RFC 3464, RFC 6522, RFC 3834).
 *
 * The notice is built in a small buffer part by part and flushed to the
 * output as it grows; the original message is copied in blocks, so memory
 * does not depend on its size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "dsn.h"
#include "util.h"

#define DSN_VALUE_MAX	900	/* one header line stays under 998 octets */
#define DSN_BLOCK	(64 * 1024)

/* Where the notice goes and how much of it is still in memory. */
struct dsn_out {
	int	 fd;
	struct buf b;
	int	 failed;		/* write error seen */
};

static void
out_flush(struct dsn_out *o)
{
	if (o->b.len > 0 && !o->failed &&
	    write_all(o->fd, o->b.data, o->b.len) == -1)
		o->failed = errno != 0 ? errno : EIO;
	buf_reset(&o->b);
}

static void
out_maybe_flush(struct dsn_out *o)
{
	if (o->b.len >= DSN_BLOCK)
		out_flush(o);
}

/* A line of text for the notice: printable ASCII kept, everything else
 * '?', at most DSN_VALUE_MAX octets, then CRLF. */
static void
put_safe(struct dsn_out *o, const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n < DSN_VALUE_MAX; s++, n++) {
		unsigned char c = (unsigned char)*s;

		buf_addc(&o->b, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
}

static void
put_field(struct dsn_out *o, const char *name, const char *value)
{
	buf_adds(&o->b, name);
	buf_adds(&o->b, ": ");
	put_safe(o, value);
	buf_adds(&o->b, "\r\n");
}

static void
put_date_field(struct dsn_out *o, const char *name, time_t t)
{
	char *d = date_rfc5322(t);

	put_field(o, name, d);
	free(d);
}

/* "rfc822; addr" for an ASCII address, "utf-8; addr" otherwise (RFC 6533
 * §3). */
static void
put_addr_field(struct dsn_out *o, const char *name, const char *addr)
{
	bool ascii = !mem_has_8bit(addr, strlen(addr));
	char *v = xasprintf("%s; %s", ascii ? "rfc822" : "utf-8", addr);

	put_field(o, name, v);
	free(v);
}

static void
put_header(struct dsn_out *o, const struct dsn *d, const char *boundary,
    const char *token)
{
	char *v;

	v = xasprintf("Mail Delivery System <%s>", d->from);
	put_field(o, "From", v);
	free(v);
	v = xasprintf("<%s>", d->to);
	put_field(o, "To", v);
	free(v);
	put_field(o, "Subject", d->delayed ?
	    "Delayed Mail (still being retried)" :
	    "Undelivered Mail Returned to Sender");
	put_date_field(o, "Date", time(NULL));
	v = xasprintf("<%s.dsn@%s>", token, d->reporting_mta);
	put_field(o, "Message-ID", v);
	free(v);
	put_field(o, "Auto-Submitted", "auto-replied");
	put_field(o, "MIME-Version", "1.0");
	v = xasprintf("multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"", boundary);
	buf_printf(&o->b, "Content-Type: %s\r\n\r\n", v);
	free(v);
	buf_adds(&o->b, "This is a MIME-encapsulated message.\r\n\r\n");
}

static void
put_human(struct dsn_out *o, const struct dsn *d, const char *boundary)
{
	char *arrived = date_rfc5322(d->arrival);

	buf_printf(&o->b, "--%s\r\n", boundary);
	put_field(o, "Content-Description", "Notification");
	buf_adds(&o->b, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	buf_adds(&o->b, "This is postie, the mail submission program at ");
	put_safe(o, d->reporting_mta);
	buf_adds(&o->b, ".\r\n\r\n");
	if (d->delayed)
		buf_adds(&o->b, "Your message has not been delivered yet to "
		    "the recipients below.\r\nIt is still in the queue and "
		    "will be tried again: you need not send it again.\r\n");
	else
		buf_adds(&o->b, "Your message could not be delivered to the "
		    "recipients below,\r\nand postie has given up on it.\r\n");
	buf_adds(&o->b, "It was accepted on ");
	put_safe(o, arrived);
	if (d->queue_id != NULL) {
		buf_adds(&o->b, " (queue id ");
		put_safe(o, d->queue_id);
		buf_adds(&o->b, ")");
	}
	buf_adds(&o->b, ".\r\n\r\n");
	free(arrived);
	for (size_t i = 0; i < d->nrcpts; i++) {
		const struct dsn_rcpt *r = &d->rcpts[i];

		buf_adds(&o->b, "<");
		put_safe(o, r->addr);
		buf_adds(&o->b, ">: ");
		put_safe(o, r->reason != NULL ? r->reason :
		    r->diagnostic != NULL ? r->diagnostic :
		    "no reason recorded");
		buf_adds(&o->b, "\r\n");
	}
	buf_adds(&o->b, "\r\nWhat you can do: check each address above for "
	    "typing mistakes. When the\r\nserver's words name another "
	    "problem (a full mailbox, a refused sender,\r\na policy), "
	    "reach the recipient another way or ask your mail\r\n"
	    "administrator. The original message, or its header, "
	    "follows.\r\n\r\n");
}

static void
put_status(struct dsn_out *o, const struct dsn *d, const char *boundary)
{
	char *v;

	buf_printf(&o->b, "--%s\r\n", boundary);
	put_field(o, "Content-Description", "Delivery report");
	buf_adds(&o->b, "Content-Type: message/delivery-status\r\n\r\n");
	v = xasprintf("dns; %s", d->reporting_mta);
	put_field(o, "Reporting-MTA", v);
	free(v);
	if (d->queue_id != NULL)
		put_field(o, "X-Postie-Queue-ID", d->queue_id);
	if (d->envid != NULL)
		put_field(o, "Original-Envelope-Id", d->envid);
	put_date_field(o, "Arrival-Date", d->arrival);
	for (size_t i = 0; i < d->nrcpts; i++) {
		const struct dsn_rcpt *r = &d->rcpts[i];

		buf_adds(&o->b, "\r\n");
		put_addr_field(o, "Final-Recipient", r->addr);
		put_field(o, "Action", d->delayed ? "delayed" : "failed");
		put_field(o, "Status", r->status);
		if (r->remote_mta != NULL) {
			v = xasprintf("dns; %s", r->remote_mta);
			put_field(o, "Remote-MTA", v);
			free(v);
		}
		if (r->diagnostic != NULL) {
			v = xasprintf("smtp; %s", r->diagnostic);
			put_field(o, "Diagnostic-Code", v);
			free(v);
		}
		if (d->delayed && d->retry_until > 0)
			put_date_field(o, "Will-Retry-Until", d->retry_until);
	}
	buf_adds(&o->b, "\r\n");
}

/* Copy the original: whole, or up to the end of its header section.
 * Returns 0, or -1 with e on a read error. */
static int
put_original(struct dsn_out *o, int fd, off_t len, bool headers_only,
    struct err *e)
{
	char *blk = xmalloc(DSN_BLOCK);
	unsigned last = 0;		/* the last octets seen, shifted in */
	bool ends_crlf = true;
	off_t off = 0;

	while (off < len) {
		size_t want = len - off < DSN_BLOCK ? (size_t)(len - off) :
		    DSN_BLOCK, take;
		ssize_t n = pread(fd, blk, want, off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(blk);
			return err_sys(e, EX_IOERR, "cannot read the original "
			    "message for a delivery notice");
		}
		take = (size_t)n;
		if (headers_only)
			for (size_t i = 0; i < (size_t)n; i++) {
				last = last << 8 | (unsigned char)blk[i];
				if ((last & 0xffffffffu) == 0x0d0a0d0au) {
					take = i + 1;	/* the empty line too */
					len = off;	/* stop after this */
					break;
				}
			}
		buf_add(&o->b, blk, take);
		out_flush(o);
		if (take > 0)
			ends_crlf = take >= 2 && blk[take - 2] == '\r' &&
			    blk[take - 1] == '\n';
		off += n;
	}
	if (!ends_crlf)
		buf_adds(&o->b, "\r\n");
	free(blk);
	return 0;
}

int
dsn_write(const struct dsn *d, int msg_fd, off_t msg_len, int out_fd,
    struct err *e)
{
	struct dsn_out o = { .fd = out_fd };
	char token[27], *boundary;
	bool headers_only = d->headers_only || msg_len > DSN_FULL_MAX;
	int rc;

	if (random_token(token, sizeof(token)) == -1)
		return err_sys(e, EX_OSERR, "getrandom");
	/* "=_" cannot come out of base64 or quoted-printable. */
	boundary = xasprintf("=_postie.dsn.%s", token);
	buf_init(&o.b);
	put_header(&o, d, boundary, token);
	put_human(&o, d, boundary);
	put_status(&o, d, boundary);
	out_maybe_flush(&o);
	buf_printf(&o.b, "--%s\r\n", boundary);
	put_field(&o, "Content-Description", headers_only ?
	    "Undelivered Message Headers" : "Undelivered Message");
	buf_printf(&o.b, "Content-Type: %s\r\n\r\n", headers_only ?
	    "text/rfc822-headers" : "message/rfc822");
	rc = put_original(&o, msg_fd, msg_len, headers_only, e);
	if (rc == 0) {
		buf_printf(&o.b, "\r\n--%s--\r\n", boundary);
		out_flush(&o);
		if (o.failed) {
			errno = o.failed;
			rc = err_sys(e, EX_CANTCREAT,
			    "cannot write a delivery notice");
		}
	}
	buf_free(&o.b);
	free(boundary);
	return rc;
}

const char *
dsn_status_for_ex(int ex, bool expired)
{
	if (expired)
		return "4.4.7";
	if (ex == EX_NOUSER)
		return "5.1.1";
	if (ex == EX_NOHOST)
		return "5.1.2";
	return "5.0.0";
}
