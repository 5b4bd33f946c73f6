/*
 * message.c — read one message, its -t recipients, and the rewrite (see
 * message.h); its wire form is wire.c's.
 *
 * Reading is a small state machine over 64 KiB blocks: header lines are
 * assembled in a line buffer bounded by HEADER_SECTION_MAX and handed to
 * header.c; body bytes go through a fixed output buffer to an unlinked
 * spool file while their properties are measured.  Whatever the size of
 * the message, memory holds one block, one buffer and the header section.
 *
 * RFC 5322 (format, §3.6.6 resent fields), RFC 2045 (MIME headers),
 * RFC 2047 (encoded words in an added From).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "encode.h"
#include "header7bit.h"
#include "message.h"
#include "spool.h"

#define READ_BLOCK	(64 * 1024)	/* input and spool write size */
#define LINE_SOFT	78		/* RFC 5322 §2.1.1 */
#define LINE_PROBE	4096		/* a longer header-phase line with no
					 * field name is body, not buffered */

/* ---- reading ---------------------------------------------------------- */

enum read_phase { RP_HEADER, RP_SKIP_FROM, RP_BODY, RP_DONE };
enum dot_state { DOT_NONE, DOT_SEEN, DOT_SEEN_CR };

struct reader_state {
	struct message *m;
	bool	 dot_ends;
	enum read_phase phase;
	bool	 first_line;	/* the mbox "From " line can only be first */
	struct buf line;	/* header phase: the line being assembled */
	bool	 at_bol;	/* body: the next byte starts a line */
	enum dot_state dot;
	bool	 prev_cr;	/* body: the last byte was CR */
	size_t	 cur_line;	/* body: octets on the current line */
	bool	 in_place;	/* the body stays in the input file */
	bool	 body_started;	/* m->body_off is set */
	off_t	 in_base;	/* input offset of in[0] */
	off_t	 line_end;	/* input offset just past rs->line */
	char	 out[READ_BLOCK];
	size_t	 outlen;
	char	 in[READ_BLOCK];
};

static int
spool_flush(struct reader_state *rs, struct err *e)
{
	if (rs->outlen > 0 &&
	    write_all(rs->m->body_fd, rs->out, rs->outlen) == -1)
		return err_sys(e, EX_IOERR, "cannot write spool file");
	rs->outlen = 0;
	return 0;
}

/* Measure body bytes: the facts the wire form is decided from.  Runs
 * between line ends are found with memchr and taken whole (this is the
 * loop every byte of a message goes through); the state carries across
 * calls. */
static int
body_measure(struct reader_state *rs, const char *p, size_t n,
    struct err *e)
{
	struct message *m = rs->m;
	const char *end = p + n;

	if (memchr(p, '\0', n) != NULL)
		return err_set(e, EX_DATAERR, "message contains a NUL byte");
	if (!m->body_8bit && mem_has_8bit(p, n))
		m->body_8bit = true;
	while (p < end) {
		const char *stop = memchr(p, '\n', (size_t)(end - p)), *cr;

		if (stop == NULL)
			stop = end;
		if ((cr = memchr(p, '\r', (size_t)(stop - p))) != NULL)
			stop = cr;
		if (stop > p) {
			if (rs->prev_cr)	/* a CR, then not LF */
				m->body_bare_cr = true;
			rs->prev_cr = false;
			rs->cur_line += (size_t)(stop - p);
		}
		if (stop == end)
			break;
		/* Wire lines end at LF, CRLF and bare CR (which becomes CRLF). */
		if (*stop == '\r') {
			if (rs->prev_cr)
				m->body_bare_cr = true;
			rs->prev_cr = true;
		} else {
			m->body_lines++;
			rs->prev_cr = false;
		}
		if (rs->cur_line > m->body_longest_line)
			m->body_longest_line = rs->cur_line;
		rs->cur_line = 0;
		p = stop + 1;
	}
	return 0;
}

/* Spool body bytes and measure them. */
static int
body_emit(struct reader_state *rs, const char *p, size_t n, struct err *e)
{
	if (body_measure(rs, p, n, e) == -1)
		return -1;
	rs->m->body_len += (off_t)n;
	while (!rs->in_place && n > 0) {
		size_t take = sizeof(rs->out) - rs->outlen;

		if (take == 0) {
			if (spool_flush(rs, e) == -1)
				return -1;
			continue;
		}
		if (take > n)
			take = n;
		memcpy(rs->out + rs->outlen, p, take);
		rs->outlen += take;
		p += take;
		n -= take;
	}
	return 0;
}

/* Body bytes, watching for a line holding a single '.' (sendmail without
 * -i); the state survives block boundaries. */
static int
body_put(struct reader_state *rs, const char *p, size_t n, struct err *e)
{
	size_t run = 0;

	/* In place, where the body starts in the input: p is in the input
	 * block, or in the header-phase line that turned out to be body. */
	if (rs->in_place && !rs->body_started) {
		rs->body_started = true;
		if (p >= rs->in && p < rs->in + sizeof(rs->in))
			rs->m->body_off = rs->in_base + (p - rs->in);
		else
			rs->m->body_off = rs->line_end -
			    (off_t)rs->line.len + (p - rs->line.data);
	}
	if (!rs->dot_ends)
		return body_emit(rs, p, n, e);
	/* Only the octet after a line end can start a "." line: jump from
	 * line end to line end (memchr), not an octet at a time. */
	for (size_t i = 0; i < n;) {
		const char *nl;
		char c = p[i];

		if (rs->dot != DOT_NONE) {
			if (c == '\n') {
				rs->phase = RP_DONE;
				rs->dot = DOT_NONE;
				return 0;
			}
			if (c == '\r' && rs->dot == DOT_SEEN) {
				rs->dot = DOT_SEEN_CR;
				run = ++i;
				continue;
			}
			if (body_emit(rs, ".\r", rs->dot == DOT_SEEN ? 1 : 2,
			    e) == -1)
				return -1;
			rs->dot = DOT_NONE;
			run = i;
		} else if (rs->at_bol && c == '.') {
			if (body_emit(rs, p + run, i - run, e) == -1)
				return -1;
			rs->dot = DOT_SEEN;
			rs->at_bol = false;
			run = ++i;
			continue;
		}
		/* c is not a line-starting '.': on to the next line. */
		if ((nl = memchr(p + i, '\n', n - i)) == NULL) {
			rs->at_bol = false;
			break;
		}
		i = (size_t)(nl - p) + 1;
		rs->at_bol = true;
	}
	return body_emit(rs, p + run, n - run, e);
}

/* One complete header-phase line (raw, with its line end if any). */
static int
read_header_line(struct reader_state *rs, const char *raw, size_t rawlen,
    struct err *e)
{
	struct header_list *h = &rs->m->headers;
	size_t len = rawlen;
	bool first = rs->first_line;

	if (len > 0 && raw[len - 1] == '\n')
		len--;
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	rs->first_line = false;
	if (rs->dot_ends && len == 1 && raw[0] == '.') {
		rs->phase = RP_DONE;
		return 0;
	}
	if (first && len >= 5 && memcmp(raw, "From ", 5) == 0) {
		if (memchr(raw, '\0', rawlen) != NULL)
			return err_set(e, EX_DATAERR,
			    "message contains a NUL byte");
		return 0;
	}
	if (len == 0) {
		rs->phase = RP_BODY;
		return 0;
	}
	if (header_field_name_len(raw, len) > 0)
		return header_append_line(h, raw, len, e);
	if (h->n > 0 && header_is_continuation(raw, len))
		return header_continue_line(h, raw, len, e);
	/* Neither field nor continuation: the body starts here (Postfix). */
	rs->phase = RP_BODY;
	return body_put(rs, raw, rawlen, e);
}

/* A header-phase line grew past LINE_PROBE without its end: decide now
 * whether it can still be a header, so that a huge first body line is
 * never buffered.  The decision is read_header_line's on the whole line,
 * whatever the reads that brought it: the first LINE_PROBE octets settle
 * it (a field's colon is within HEADER_NAME_MAX, header.h). */
static int
probe_long_line(struct reader_state *rs, struct err *e)
{
	struct header_list *h = &rs->m->headers;
	struct buf *l = &rs->line;

	if (rs->first_line && l->len >= 5 && memcmp(l->data, "From ", 5) == 0) {
		if (memchr(l->data, '\0', l->len) != NULL)
			return err_set(e, EX_DATAERR,
			    "message contains a NUL byte");
		rs->phase = RP_SKIP_FROM;
		rs->first_line = false;	/* a second "From " line is not one */
		buf_reset(l);
		return 0;
	}
	if (header_field_name_len(l->data, l->len) > 0 ||
	    (h->n > 0 && header_is_continuation(l->data, l->len))) {
		if (l->len + h->bytes > HEADER_SECTION_MAX)
			return err_set(e, EX_DATAERR,
			    "header section larger than %d bytes",
			    HEADER_SECTION_MAX);
		return 0;
	}
	rs->first_line = false;
	rs->phase = RP_BODY;
	if (body_put(rs, l->data, l->len, e) == -1)
		return -1;
	buf_reset(l);
	return 0;
}

/* Feed one input block through the phases. */
static int
read_feed(struct reader_state *rs, const char *p, size_t n, struct err *e)
{
	while (n > 0 && rs->phase != RP_DONE) {
		const char *nl;
		size_t take;

		if (rs->phase == RP_BODY)
			return body_put(rs, p, n, e);
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (rs->phase == RP_SKIP_FROM) {
			if (memchr(p, '\0', take) != NULL)
				return err_set(e, EX_DATAERR,
				    "message contains a NUL byte");
			if (nl != NULL)
				rs->phase = RP_HEADER;
		} else {
			buf_add(&rs->line, p, take);
			rs->line_end = rs->in_base + (p + take - rs->in);
			if (nl != NULL) {
				if (read_header_line(rs, rs->line.data,
				    rs->line.len, e) == -1)
					return -1;
				buf_reset(&rs->line);
			} else if (rs->line.len > LINE_PROBE &&
			    probe_long_line(rs, e) == -1)
				return -1;
		}
		p += take;
		n -= take;
	}
	return 0;
}

static int
read_finish(struct reader_state *rs, struct err *e)
{
	struct message *m = rs->m;

	if (rs->phase == RP_HEADER && rs->line.len > 0 &&
	    read_header_line(rs, rs->line.data, rs->line.len, e) == -1)
		return -1;
	if (rs->dot == DOT_SEEN_CR && body_emit(rs, ".\r", 2, e) == -1)
		return -1;
	if (rs->dot == DOT_SEEN && body_emit(rs, ".", 1, e) == -1)
		return -1;
	if (rs->prev_cr)
		m->body_bare_cr = true;
	if (rs->cur_line > m->body_longest_line)
		m->body_longest_line = rs->cur_line;
	if (rs->cur_line > 0 || rs->prev_cr)
		m->body_lines++;	/* a last line without its line end */
	if (rs->in_place)
		return 0;
	if (spool_flush(rs, e) == -1)
		return -1;
	if (lseek(m->body_fd, 0, SEEK_SET) == -1)
		return err_sys(e, EX_IOERR, "cannot rewind spool file");
	return 0;
}

int
message_read(struct message *m, int fd, const struct message_read_opts *o,
    struct err *e)
{
	struct reader_state *rs;
	struct stat sb;
	off_t start = -1;
	int rc = -1;

	if (o->in_place && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		start = lseek(fd, 0, SEEK_CUR);
	if (start >= 0)
		m->body_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	else
		m->body_fd = spool_open(o->spool_dir, e);
	if (m->body_fd == -1)
		return start >= 0 ? err_sys(e, EX_IOERR, "cannot read message") :
		    -1;
	rs = xcalloc(1, sizeof(*rs));
	rs->in_place = start >= 0;
	rs->in_base = start >= 0 ? start : 0;
	rs->m = m;
	rs->dot_ends = o->dot_ends_message;
	rs->phase = RP_HEADER;
	rs->first_line = true;
	rs->at_bol = true;
	buf_init(&rs->line);
	for (;;) {
		ssize_t n = spool_read(fd, rs->in, sizeof(rs->in));

		if (n < 0) {
			err_sys(e, EX_IOERR, "cannot read message");
			goto out;
		}
		if (n == 0)
			break;
		if (read_feed(rs, rs->in, (size_t)n, e) == -1)
			goto out;
		rs->in_base += n;
		if (rs->phase == RP_DONE)
			break;
	}
	rc = read_finish(rs, e);
out:
	buf_free(&rs->line);
	free(rs);
	return rc;
}

void
message_init(struct message *m)
{
	memset(m, 0, sizeof(*m));
	header_list_init(&m->headers);
	m->body_fd = -1;
	m->progress_fd = -1;
}

void
message_free(struct message *m)
{
	header_list_free(&m->headers);
	if (m->mime != NULL)
		m->mime_free(m->mime);
	m->mime = NULL;
	if (m->wire != NULL)
		m->wire_free(m->wire);
	m->wire = NULL;
	if (m->body_fd >= 0)
		close(m->body_fd);
	m->body_fd = -1;
}

/* ---- recipients (-t) -------------------------------------------------- */

static int
add_field_addrs(const struct header_list *h, size_t i, struct strlist *out,
    struct err *e)
{
	struct strlist found;
	char *v = header_value(h, i);
	int rc;

	strlist_init(&found);
	rc = address_parse_list(v, strlen(v), &found, e);
	if (rc == -1)
		err_prefix(e, "%s header", h->v[i].name);
	for (size_t k = 0; rc == 0 && k < found.n; k++)
		strlist_add(out, found.v[k]);	/* deduplicated at the end */
	strlist_free(&found);
	free(v);
	return rc;
}

int
message_header_recipients(const struct message *m, struct strlist *out,
    struct err *e)
{
	static const char *const plain[] = { "To", "Cc", "Bcc" };
	static const char *const resent[] = {
		"Resent-To", "Resent-Cc", "Resent-Bcc"
	};
	const struct header_list *h = &m->headers;
	size_t first = h->n;

	for (size_t i = 0; i < h->n && first == h->n; i++)
		if (ascii_prefix_ci(h->v[i].name, "Resent-"))
			first = i;
	if (first == h->n) {
		for (size_t i = 0; i < h->n; i++)
			for (size_t k = 0; k < 3; k++)
				if (ascii_eq_ci(h->v[i].name, plain[k]) &&
				    add_field_addrs(h, i, out, e) == -1)
					return -1;
		strlist_dedup_ci(out);
		return 0;
	}
	/* RFC 5322 §3.6.6: resent blocks are prepended, so the most recent
	 * is the run of Resent-* fields nearest the top. */
	for (size_t i = first; i < h->n &&
	    ascii_prefix_ci(h->v[i].name, "Resent-"); i++)
		for (size_t k = 0; k < 3; k++)
			if (ascii_eq_ci(h->v[i].name, resent[k]) &&
			    add_field_addrs(h, i, out, e) == -1)
				return -1;
	strlist_dedup_ci(out);
	return 0;
}

/* ---- rewriting (design §3) ---------------------------------------------- */

/* "<YYYYMMDDhhmmss.<26 base32 chars>@domain>": 128 random bits make a
 * collision as unlikely as a UUID's. */
static int
make_msgid(const char *domain, char **out, struct err *e)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[16];
	char text[32], stamp[32];
	size_t o = 0, bits = 0;
	unsigned int acc = 0;
	time_t t = time(NULL);
	struct tm tm;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return err_sys(e, EX_OSERR, "getrandom");
	for (size_t i = 0; i < sizeof(rnd); i++) {
		acc = acc << 8 | rnd[i];
		for (bits += 8; bits >= 5; bits -= 5)
			text[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	if (bits > 0)
		text[o++] = b32[(acc << (5 - bits)) & 31];
	text[o] = '\0';
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	*out = xasprintf("<%s.%s@%s>", stamp, text, domain);
	return 0;
}

/* The From value postie adds: "Full Name" <addr>, RFC 2047 when the name
 * is not ASCII; the null sender shows as MAILER-DAEMON@domain. */
static char *
make_from(const struct rewrite_opts *o, const char *domain)
{
	const char *ef = o->envelope_from;
	char *addr, *v;
	struct buf q;

	if (ef == NULL || ef[0] == '\0')
		addr = xasprintf("MAILER-DAEMON@%s", domain);
	else
		addr = address_qualify(ef, domain);
	if (o->fullname == NULL || o->fullname[0] == '\0')
		return addr;
	if (address_is_8bit(o->fullname)) {
		char *enc = rfc2047_encode(o->fullname, 6);

		v = xasprintf("%s <%s>", enc, addr);
		free(enc);
		free(addr);
		return v;
	}
	buf_init(&q);
	buf_addc(&q, '"');
	for (const char *p = o->fullname; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == '"' || *p == '\\')
			buf_addc(&q, '\\');
		buf_addc(&q, *p);
	}
	buf_printf(&q, "\" <%s>", addr);
	free(addr);
	return buf_steal(&q);
}

/* Every line of text (lines joined by "\n") is at most max octets, the
 * first starting at column col. */
static bool
lines_within(const char *text, size_t col, size_t max)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			col = 0;
		else if (++col > max)
			return false;
	}
	return true;
}

/* Qualify bare local names in one address field, keeping everything
 * else as written; a field that does not parse is left alone. */
static void
qualify_field(struct header_list *h, size_t i, const char *domain)
{
	struct header *f = &h->v[i];
	const char *colon = memchr(f->raw, ':', f->raw_len);
	size_t start;
	char *v, *name;

	if (colon == NULL)
		return;
	start = (size_t)(colon - f->raw) + 1;
	while (start < f->raw_len && (f->raw[start] == ' ' ||
	    f->raw[start] == '\t'))
		start++;
	v = address_qualify_list(f->raw + start, f->raw_len - start, domain);
	if (v != NULL && strcmp(v, f->raw + start) != 0) {
		name = xstrdup(f->name);
		/* What postie lengthens it folds, between addresses. */
		if (!lines_within(v, strlen(name) + 2, LINE_SOFT)) {
			char *folded = header_addresses_fold(v,
			    strlen(name) + 2);

			free(v);
			v = folded;
		}
		header_replace(h, i, name, v);
		free(name);
	}
	free(v);
}

/* Design §3: no header line over 998 octets is sent raw; one read so
 * is folded at white space, or encoded (header7bit.h), or refused. */
static int
fold_long_fields(struct header_list *h, struct err *e)
{
	int rc = 0;

	for (size_t i = 0; i < h->n && rc == 0; i++) {
		struct header *f = &h->v[i];
		char *name, *v, *folded;

		if (header_lines_fit(f->raw, f->raw_len, 0))
			continue;
		name = xstrdup(f->name);
		v = header_value(h, i);
		if ((folded = header_value_fold(name, v)) == NULL)
			rc = err_set(e, EX_DATAERR, "%s header field: a line "
			    "over 998 octets with no white space to fold at",
			    name);
		else
			header_replace(h, i, name, folded);
		free(folded);
		free(v);
		free(name);
	}
	return rc;
}

static void
add_mime_for_8bit(struct message *m)
{
	struct header_list *h = &m->headers;

	if (!m->body_8bit || header_find(h, "Content-Type", 0) >= 0)
		return;
	if (header_find(h, "MIME-Version", 0) < 0)
		header_add(h, "MIME-Version", "1.0", false);
	header_add(h, "Content-Type", "text/plain; charset=utf-8", false);
	if (header_find(h, "Content-Transfer-Encoding", 0) < 0)
		header_add(h, "Content-Transfer-Encoding", "8bit", false);
}

int
message_rewrite(struct message *m, const struct rewrite_opts *o,
    struct err *e)
{
	static const char *const qualified[] = {
		"From", "Sender", "Reply-To", "To", "Cc"
	};
	struct header_list *h = &m->headers;
	const char *domain = o->domain != NULL ? o->domain : host_fqdn();
	char *v = NULL;

	header_remove(h, "Bcc");
	header_remove(h, "Resent-Bcc");
	for (size_t i = 0; i < h->n; i++)
		for (size_t k = 0; k < 5; k++)
			if (ascii_eq_ci(h->v[i].name, qualified[k]))
				qualify_field(h, i, domain);
	if (o->add_from && header_find(h, "From", 0) < 0) {
		v = make_from(o, domain);
		header_add(h, "From", v, false);
		free(v);
	}
	if (o->add_date && header_find(h, "Date", 0) < 0) {
		v = date_rfc5322(time(NULL));
		header_add(h, "Date", v, false);
		free(v);
	}
	if (o->add_msgid && header_find(h, "Message-ID", 0) < 0) {
		if (make_msgid(domain, &v, e) == -1)
			return -1;
		header_add(h, "Message-ID", v, false);
		free(v);
	}
	if (o->undisclosed && header_find(h, "To", 0) < 0 &&
	    header_find(h, "Cc", 0) < 0)
		header_add(h, "To", "undisclosed-recipients:;", false);
	add_mime_for_8bit(m);
	if (fold_long_fields(h, e) == -1)
		return -1;
	/* Qualified names and added fields can take a section read within
	 * the limit past it; a queued copy would then never read back. */
	if (h->bytes > HEADER_SECTION_MAX)
		return err_set(e, EX_DATAERR, "header section larger than %d "
		    "bytes once addresses are qualified", HEADER_SECTION_MAX);
	return 0;
}
