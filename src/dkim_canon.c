/*
 * dkim_canon.c — relaxed canonicalization of header fields and of the
 * body (RFC 6376 §3.4.2, §3.4.4); see dkim_canon.h.
 *
 * The body filter holds back what it cannot yet judge, and nothing else:
 * WSP (dropped at a line end, one SP before anything else), a CR (a line
 * end if LF follows) and a count of empty lines (dropped at the end of
 * the body, put out before the next non-empty line).  Runs of ordinary
 * octets go to the callback in one call.
 */
#include <string.h>

#include "dkim_canon.h"

static const char crlf_x64[] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

void
dkim_body_canon_init(struct dkim_body_canon *c, dkim_canon_out out,
    void *arg)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->arg = arg;
}

/* Before the first octet of a non-empty line: the empty lines held back
 * were not trailing after all. */
static void
flush_empty_lines(struct dkim_body_canon *c)
{
	while (c->empty_lines > 0) {
		uint64_t n = c->empty_lines > 64 ? 64 : c->empty_lines;

		c->out(c->arg, crlf_x64, (size_t)n * 2);
		c->empty_lines -= n;
	}
}

/* Put out n octets of line content (no WSP, no CR among them, except a
 * single literal CR that turned out not to start a line end). */
static void
put_content(struct dkim_body_canon *c, const char *p, size_t n)
{
	if (!c->line) {
		flush_empty_lines(c);
		c->line = true;
	}
	if (c->wsp) {
		c->out(c->arg, " ", 1);
		c->wsp = false;
	}
	c->out(c->arg, p, n);
}

static void
end_line(struct dkim_body_canon *c)
{
	c->wsp = false;		/* WSP at the end of a line is dropped */
	if (c->line)
		c->out(c->arg, "\r\n", 2);
	else
		c->empty_lines++;
	c->line = false;
}

/* The length of the run at p of octets that need no judging. */
static size_t
plain_run(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
		i++;
	return i;
}

void
dkim_body_canon_feed(struct dkim_body_canon *c, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		char ch = p[i];

		if (c->cr) {
			c->cr = false;
			if (ch == '\n') {
				end_line(c);
				i++;
				continue;
			}
			put_content(c, "\r", 1);	/* a bare CR: data */
		}
		if (ch == '\r') {
			c->cr = true;
			i++;
		} else if (ch == ' ' || ch == '\t') {
			c->wsp = true;
			i++;
		} else {
			size_t run = plain_run(p + i, n - i);

			put_content(c, p + i, run);
			i += run;
		}
	}
}

void
dkim_body_canon_end(struct dkim_body_canon *c)
{
	if (c->cr) {
		c->cr = false;
		put_content(c, "\r", 1);
	}
	if (c->wsp && !c->line) {
		/* WSP alone on a last line without CRLF: kept as one SP, as
		 * a verifier that adds the missing CRLF afterwards sees it. */
		flush_empty_lines(c);
		c->out(c->arg, " ", 1);
		c->wsp = false;
		c->line = true;
	}
	if (c->line) {
		if (c->wsp)
			c->out(c->arg, " ", 1);
		c->out(c->arg, "\r\n", 2);
	}
	c->wsp = c->line = false;
	c->empty_lines = 0;
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

void
dkim_header_canon(struct buf *out, const char *field, size_t len)
{
	const char *colon = memchr(field, ':', len);
	size_t nlen = colon != NULL ? (size_t)(colon - field) : len;
	bool wsp = false, started = false;

	while (nlen > 0 && is_wsp(field[nlen - 1]))
		nlen--;
	for (size_t i = 0; i < nlen; i++)
		buf_addc(out, (char)ascii_tolower((unsigned char)field[i]));
	buf_addc(out, ':');
	if (colon != NULL) {
		for (size_t i = (size_t)(colon - field) + 1; i < len; i++) {
			char ch = field[i];

			/* Unfolding: a CRLF inside a field is followed by
			 * WSP; both go, the WSP counting as a run. */
			if (ch == '\r' && i + 1 < len && field[i + 1] == '\n') {
				i++;
				continue;
			}
			if (is_wsp(ch)) {
				wsp = true;
				continue;
			}
			if (wsp && started)
				buf_addc(out, ' ');
			wsp = false;
			started = true;
			buf_addc(out, ch);
		}
	}
	buf_add(out, "\r\n", 2);
}
