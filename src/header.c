/*
 * header.c — the header section as a list of raw fields (see header.h).
 *
 * Fields are kept as written (minus CRs and the final line end) so that
 * everything postie does not rewrite leaves byte for byte as it came.  The
 * whole section is bounded by HEADER_SECTION_MAX: hostile input cannot make
 * the list grow without limit.
 *
 * RFC 5322 §2.2 (fields), §2.2.3 (folding), §4.5.3 (obs WSP before colon).
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "header.h"
#include "util.h"

void
header_list_init(struct header_list *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
	h->bytes = 0;
}

void
header_list_free(struct header_list *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].raw);
	}
	free(h->v);
	header_list_init(h);
}

/* ftext (RFC 5322 §3.6.8): printable US-ASCII except ':'. */
static bool
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

size_t
header_field_name_len(const char *line, size_t len)
{
	size_t n = 0, i;

	while (n < len && is_ftext((unsigned char)line[n]))
		n++;
	if (n == 0)
		return 0;
	for (i = n; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	/* The colon past the first 998 octets: no wire line could hold
	 * the field's first line, and a reader that has seen only the
	 * line's start must judge the same (message.c's LINE_PROBE). */
	if (i >= HEADER_NAME_MAX)
		return 0;
	return i < len && line[i] == ':' ? n : 0;
}

bool
header_is_continuation(const char *line, size_t len)
{
	return len > 0 && (line[0] == ' ' || line[0] == '\t');
}

/* A line as given minus one trailing CR (callers may pass CRLF lines). */
static size_t
strip_cr(const char *line, size_t len)
{
	return len > 0 && line[len - 1] == '\r' ? len - 1 : len;
}

static int
check_line(const struct header_list *h, const char *line, size_t len,
    struct err *e)
{
	if (memchr(line, '\0', len) != NULL)
		return err_set(e, EX_DATAERR, "message contains a NUL byte");
	if (len + 1 > HEADER_SECTION_MAX - h->bytes)
		return err_set(e, EX_DATAERR,
		    "header section larger than %d bytes", HEADER_SECTION_MAX);
	return 0;
}

static void
push(struct header_list *h, char *name, char *raw, size_t raw_len, size_t at)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	memmove(&h->v[at + 1], &h->v[at], (h->n - at) * sizeof(*h->v));
	h->v[at].name = name;
	h->v[at].raw = raw;
	h->v[at].raw_len = raw_len;
	h->n++;
	h->bytes += raw_len + 1;
}

int
header_append_line(struct header_list *h, const char *line, size_t len,
    struct err *e)
{
	size_t nlen;

	len = strip_cr(line, len);
	if (check_line(h, line, len, e) == -1)
		return -1;
	nlen = header_field_name_len(line, len);
	if (nlen == 0)
		return err_set(e, EX_DATAERR, "not a header field");
	push(h, xstrndup(line, nlen), xstrndup(line, len), len, h->n);
	return 0;
}

int
header_continue_line(struct header_list *h, const char *line, size_t len,
    struct err *e)
{
	struct header *f;

	len = strip_cr(line, len);
	if (h->n == 0)
		return err_set(e, EX_DATAERR, "continuation line before any field");
	if (check_line(h, line, len, e) == -1)
		return -1;
	f = &h->v[h->n - 1];
	f->raw = xreallocarray(f->raw, f->raw_len + len + 2, 1);
	f->raw[f->raw_len] = '\n';
	memcpy(f->raw + f->raw_len + 1, line, len);
	f->raw_len += len + 1;
	f->raw[f->raw_len] = '\0';
	h->bytes += len + 1;
	return 0;
}

int
header_parse(struct header_list *h, const char *text, size_t len,
    size_t *consumed, struct err *e)
{
	size_t off = 0;

	*consumed = 0;
	while (off < len) {
		const char *line = text + off, *nl;
		size_t llen, next, body;

		nl = memchr(line, '\n', len - off);
		llen = nl != NULL ? (size_t)(nl - line) : len - off;
		next = off + llen + (nl != NULL);
		body = strip_cr(line, llen);
		if (body == 0) {
			*consumed = next;
			return 0;
		}
		if (header_field_name_len(line, body) > 0) {
			if (header_append_line(h, line, body, e) == -1)
				return -1;
		} else if (h->n > 0 && header_is_continuation(line, body)) {
			if (header_continue_line(h, line, body, e) == -1)
				return -1;
		} else
			return 0;
		off = next;
		*consumed = off;
	}
	return 0;
}

long
header_find(const struct header_list *h, const char *name, size_t start)
{
	for (size_t i = start; i < h->n; i++)
		if (ascii_eq_ci(h->v[i].name, name))
			return (long)i;
	return -1;
}

char *
header_value(const struct header_list *h, size_t i)
{
	const struct header *f = &h->v[i];
	const char *p = memchr(f->raw, ':', f->raw_len);
	size_t start = p != NULL ? (size_t)(p - f->raw) + 1 : f->raw_len;
	struct buf b;

	buf_init(&b);
	while (start < f->raw_len && (f->raw[start] == ' ' ||
	    f->raw[start] == '\t' || f->raw[start] == '\n'))
		start++;
	/* Unfolding (RFC 5322 §2.2.3) removes the line breaks only. */
	for (size_t j = start; j < f->raw_len; j++)
		if (f->raw[j] != '\n' && f->raw[j] != '\r')
			buf_addc(&b, f->raw[j]);
	while (b.len > 0 && (b.data[b.len - 1] == ' ' ||
	    b.data[b.len - 1] == '\t'))
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

char *
header_first_value(const struct header_list *h, const char *name)
{
	long i = header_find(h, name, 0);

	return i < 0 ? NULL : header_value(h, (size_t)i);
}

void
header_delete(struct header_list *h, size_t i)
{
	if (i >= h->n)
		return;
	h->bytes -= h->v[i].raw_len + 1;
	free(h->v[i].name);
	free(h->v[i].raw);
	memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof(*h->v));
	h->n--;
}

/* One pass: a field at a time through header_delete would move the
 * rest of the list for each (quadratic in a 1 MiB section of Bcc
 * fields). */
size_t
header_remove(struct header_list *h, const char *name)
{
	size_t removed = 0, keep = 0;

	for (size_t i = 0; i < h->n; i++) {
		if (!ascii_eq_ci(h->v[i].name, name)) {
			h->v[keep++] = h->v[i];
			continue;
		}
		h->bytes -= h->v[i].raw_len + 1;
		free(h->v[i].name);
		free(h->v[i].raw);
		removed++;
	}
	h->n = keep;
	return removed;
}

void
header_add(struct header_list *h, const char *name, const char *value,
    bool prepend)
{
	char *raw = xasprintf("%s: %s", name, value);

	push(h, xstrdup(name), raw, strlen(raw), prepend ? 0 : h->n);
}

void
header_replace(struct header_list *h, size_t i, const char *name,
    const char *value)
{
	struct header *f;
	char *raw;

	if (i >= h->n)
		return;
	f = &h->v[i];
	raw = xasprintf("%s: %s", name, value);
	h->bytes -= f->raw_len + 1;
	free(f->name);
	free(f->raw);
	f->name = xstrdup(name);
	f->raw = raw;
	f->raw_len = strlen(raw);
	h->bytes += f->raw_len + 1;
}

static bool
name_in(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_eq_ci(name, names[i]))
			return true;
	return false;
}

bool
header_is_unstructured(const char *name)
{
	static const char *const names[] = {
		"Subject", "Comments", "Keywords", "Content-Description",
		"Thread-Topic", "Organization",
	};

	return name_in(name, names, sizeof(names) / sizeof(names[0])) ||
	    ascii_prefix_ci(name, "X-");
}

bool
header_is_address_list(const char *name)
{
	static const char *const names[] = {
		"From", "To", "Cc", "Bcc", "Reply-To", "Sender",
		"Resent-From", "Resent-To", "Resent-Cc", "Resent-Sender",
	};

	return name_in(name, names, sizeof(names) / sizeof(names[0]));
}
