/*
 * NAME
 *	reply.c — SMTP reply parser and EHLO capabilities
 *
 * SUMMARY
 *	reply_feed() builds one reply (RFC 5321 §4.2) from the lines the
 *	connection hands it; caps_from_ehlo() reads the EHLO keywords
 *	(RFC 1869 and successors) through one keyword table.
 *
 * DESCRIPTION
 *	Every guarantee is stated in reply.h.  The parser never trusts the
 *	server: a line is taken as a buffer and a length, its code must be
 *	three digits 2xx..5xx and agree with the earlier lines, the separator
 *	must be '-' or ' ' (or nothing on a bare final "250"), and what it
 *	keeps is capped: REPLY_TEXT_MAX bytes of text, REPLY_LINES_MAX lines;
 *	what it reads of one reply too (REPLY_SEEN_LINES_MAX lines,
 *	REPLY_SEEN_BYTES_MAX octets), so that a reply that never ends fails.
 *	The enhanced status code (RFC 3463: class "." subject "." detail,
 *	subject and detail 1-3 digits) is kept only when its class agrees
 *	with the reply class, as Postfix's smtp_chat_resp() does.
 *
 * DIAGNOSTICS
 *	reply_feed() returns -1 with EX_PROTOCOL and a message quoting (the
 *	sanitised start of) the offending line.
 *
 * SEE ALSO
 *	RFC 5321 §4.2, RFC 3463, RFC 2034, RFC 1869, RFC 4954 (AUTH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "util.h"

#define STATUS_PART_MAX	3	/* RFC 3463: subject and detail are 1*3digit */
#define QUOTE_MAX	60	/* bytes of a bad line quoted in errors */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_print(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

void
reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->status[0] = '\0';
	r->nlines = 0;
	r->text[0] = '\0';
	r->text_len = 0;
	r->truncated = false;
	r->done = false;
	r->seen_lines = r->seen_bytes = 0;
}

/* The line, sanitised and shortened, for an error message. */
static int
reply_malformed(struct smtp_reply *r, const char *line, size_t len,
    const char *why, struct err *e)
{
	char quote[QUOTE_MAX + 1];
	size_t n = len < QUOTE_MAX ? len : QUOTE_MAX;

	for (size_t i = 0; i < n; i++)
		quote[i] = is_print((unsigned char)line[i]) ? line[i] : '?';
	quote[n] = '\0';
	r->code = 0;
	r->done = true;
	return err_set(e, EX_PROTOCOL, "malformed SMTP reply (%s): \"%s%s\"",
	    why, quote, len > n ? "..." : "");
}

/*
 * Length of an RFC 3463 enhanced status code at the start of p, followed
 * by a space or the end of the line; 0 when there is none.
 */
static size_t
status_code_len(const char *p, size_t len)
{
	size_t i = 0, digits;

	if (len < 5 || !is_digit(p[0]) || p[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		for (digits = 0; i < len && is_digit(p[i]); i++)
			digits++;
		if (digits == 0 || digits > STATUS_PART_MAX)
			return 0;
		if (part == 0) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && p[i] != ' ')
		return 0;
	return i;
}

/* Keep the enhanced code of the first line when its class agrees. */
static void
reply_take_status(struct smtp_reply *r, const char *p, size_t n)
{
	if (r->nlines != 0 || n >= sizeof(r->status))
		return;
	/* RFC 3463 has classes 2, 4 and 5 only: a 354 keeps none. */
	if (p[0] - '0' != r->code / 100 || r->code / 100 == 3)
		return;
	memcpy(r->status, p, n);
	r->status[n] = '\0';
}

/* Append one line of text, joined by '\n', within the caps. */
static void
reply_add_text(struct smtp_reply *r, const char *p, size_t n)
{
	size_t room;

	if (r->nlines >= REPLY_LINES_MAX) {
		r->truncated = true;
		return;
	}
	/* One byte for the NUL, one for the joining newline. */
	room = sizeof(r->text) - 1 - r->text_len;
	if (r->nlines > 0) {
		if (room == 0) {
			r->truncated = true;
			return;
		}
		r->text[r->text_len++] = '\n';
		room--;
	}
	if (n > room) {
		n = room;
		r->truncated = true;
	}
	for (size_t i = 0; i < n; i++)
		r->text[r->text_len++] =
		    is_print((unsigned char)p[i]) ? p[i] : '?';
	r->text[r->text_len] = '\0';
	r->nlines++;
}

int
reply_feed(struct smtp_reply *r, const char *line, size_t len,
    struct err *e)
{
	int code;
	size_t n;

	if (r->done)
		reply_init(r);
	if (len > REPLY_LINE_MAX)
		return reply_malformed(r, line, len, "line too long", e);
	/* The line cap alone would let a reply go on for ever. */
	r->seen_lines++;
	r->seen_bytes += len + 2;
	if (r->seen_lines > REPLY_SEEN_LINES_MAX ||
	    r->seen_bytes > REPLY_SEEN_BYTES_MAX) {
		r->code = 0;
		r->done = true;
		return err_set(e, EX_PROTOCOL, "SMTP reply longer than %d "
		    "lines or %d octets, not ended", REPLY_SEEN_LINES_MAX,
		    REPLY_SEEN_BYTES_MAX);
	}
	if (len < 3 || !is_digit(line[0]) || !is_digit(line[1]) ||
	    !is_digit(line[2]) || line[0] < '2' || line[0] > '5')
		return reply_malformed(r, line, len, "no reply code", e);
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->code != 0 && code != r->code)
		return reply_malformed(r, line, len, "reply code changed", e);
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return reply_malformed(r, line, len, "no space after code", e);
	r->code = code;
	r->done = len == 3 || line[3] == ' ';

	line += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;
	if ((n = status_code_len(line, len)) > 0) {
		reply_take_status(r, line, n);
		line += n;
		len -= n;
		if (len > 0)
			line++, len--;
	}
	reply_add_text(r, line, len);
	return r->done ? 1 : 0;
}

void
reply_summary(const struct smtp_reply *r, char *out, size_t outlen)
{
	const char *nl = memchr(r->text, '\n', r->text_len);
	int first = nl ? (int)(nl - r->text) : (int)r->text_len;

	if (r->code == 0) {
		snprintf(out, outlen, "(no reply)");
		return;
	}
	snprintf(out, outlen, "%d%s%s%s%.*s", r->code,
	    r->status[0] ? " " : "", r->status, first > 0 ? " " : "",
	    first, r->text);
}

void
reply_said_set(struct reply_said *d, const struct smtp_reply *r)
{
	memset(d, 0, sizeof(*d));
	if (r == NULL || r->code == 0)
		return;
	d->code = r->code;
	snprintf(d->status, sizeof(d->status), "%s", r->status);
	reply_summary(r, d->line, sizeof(d->line));
}

bool
reply_said_too_big(const struct reply_said *d)
{
	return strcmp(d->status, "5.3.4") == 0 ||
	    (d->code == 552 && d->status[0] == '\0');
}

/* --- EHLO capabilities --------------------------------------------- */

/* One EHLO line's parameters: what follows the keyword. */
struct ehlo_args {
	const char *p;
	size_t	 len;
};

static void	cap_size(struct smtp_caps *, const struct ehlo_args *);
static void	cap_auth(struct smtp_caps *, const struct ehlo_args *);

/* Postfix's ehlo_mask.c idea: one table names every keyword postie uses. */
static const struct ehlo_keyword {
	const char *name;
	unsigned flag;
	void	(*args)(struct smtp_caps *, const struct ehlo_args *);
} ehlo_keywords[] = {
	{ "PIPELINING",		 CAP_PIPELINING,	 NULL },
	{ "SIZE",		 CAP_SIZE,		 cap_size },
	{ "8BITMIME",		 CAP_8BITMIME,		 NULL },
	{ "SMTPUTF8",		 CAP_SMTPUTF8,		 NULL },
	{ "DSN",		 CAP_DSN,		 NULL },
	{ "CHUNKING",		 CAP_CHUNKING,		 NULL },
	{ "STARTTLS",		 CAP_STARTTLS,		 NULL },
	{ "AUTH",		 CAP_AUTH,		 cap_auth },
	{ "ENHANCEDSTATUSCODES", CAP_ENHANCEDSTATUSCODES, NULL },
	{ "BINARYMIME",		 CAP_BINARYMIME,	 NULL },
};

/* "SIZE 10240000": the limit; "SIZE" or "SIZE 0" means none announced. */
static void
cap_size(struct smtp_caps *c, const struct ehlo_args *a)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < a->len && is_digit(a->p[i]); i++) {
		if (v > (~0ULL - 9) / 10)
			return;		/* absurd: treat as no limit */
		v = v * 10 + (unsigned)(a->p[i] - '0');
	}
	if (i == a->len)
		c->size_max = v;
}

/* RFC 4422 §3.1: a mechanism name is 1-20 of [A-Z0-9-_]. */
static bool
sasl_name_ok(const char *p, size_t n)
{
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		char u = p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i];

		if (!((u >= 'A' && u <= 'Z') || is_digit(u) || u == '-' ||
		    u == '_'))
			return false;
	}
	return true;
}

static void
cap_auth_add(struct smtp_caps *c, const char *p, size_t n)
{
	size_t len = strlen(c->auth);
	char name[21];

	if (!sasl_name_ok(p, n))
		return;
	for (size_t i = 0; i < n; i++)
		name[i] = p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i];
	name[n] = '\0';
	if (caps_has_auth(c, name))
		return;
	if (len + (len > 0) + n + 1 > sizeof(c->auth))
		return;			/* full: later names are dropped */
	if (len > 0)
		c->auth[len++] = ' ';
	memcpy(c->auth + len, name, n + 1);
}

/* "AUTH PLAIN LOGIN" and the old "AUTH=PLAIN LOGIN" both land here. */
static void
cap_auth(struct smtp_caps *c, const struct ehlo_args *a)
{
	size_t i = 0, start;

	while (i < a->len) {
		while (i < a->len && a->p[i] == ' ')
			i++;
		start = i;
		while (i < a->len && a->p[i] != ' ')
			i++;
		if (i > start)
			cap_auth_add(c, a->p + start, i - start);
	}
}

static void
caps_line(struct smtp_caps *c, const char *line, size_t len)
{
	size_t kw = 0;
	struct ehlo_args a;

	while (kw < len && line[kw] != ' ' && line[kw] != '=')
		kw++;
	a.p = line + kw + (kw < len);
	a.len = len - kw - (kw < len);
	for (size_t i = 0; i < sizeof(ehlo_keywords) / sizeof(ehlo_keywords[0]);
	    i++) {
		const struct ehlo_keyword *k = &ehlo_keywords[i];

		if (strlen(k->name) != kw || !ascii_eqn_ci(line, k->name, kw))
			continue;
		c->flags |= k->flag;
		if (k->args != NULL)
			k->args(c, &a);
		return;
	}
}

void
caps_from_ehlo(struct smtp_caps *c, const struct smtp_reply *r)
{
	const char *p = r->text, *end = r->text + r->text_len, *nl;

	memset(c, 0, sizeof(*c));
	if (r->code / 100 != 2)
		return;
	/* The first line is the greeting ("mx.example.com Hello ..."). */
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		caps_line(c, p, (size_t)(nl - p));
	}
}

bool
caps_has_auth(const struct smtp_caps *c, const char *mech)
{
	size_t n = strlen(mech);
	const char *p = c->auth;

	if (n == 0)
		return false;
	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (w == n && ascii_eqn_ci(p, mech, n))
			return true;
		p += w;
		while (*p == ' ')
			p++;
	}
	return false;
}
