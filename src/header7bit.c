/*
 * header7bit.c — header fields made 7-bit, and written as wire text (see
 * header7bit.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "header.h"
#include "header7bit.h"

#define HEADER_FOLD_AT	78	/* RFC 5322 §2.1.1: SHOULD, where postie folds */

/* ---- address lists: display names (RFC 2047 §5 rule 3) ------------------ */

static bool
is_special(char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL;
}

/* Where the top-level separator c (',' or '<') is in p[0..n), outside
 * quoted strings, domain literals, comments and angle brackets; n when
 * there is none. */
static size_t
top_level(const char *p, size_t n, char c)
{
	char quoted = '\0';	/* '"' or ']' while inside one */
	int comment = 0, angle = 0;

	for (size_t i = 0; i < n; i++) {
		if (quoted != '\0') {
			if (p[i] == '\\' && i + 1 < n)
				i++;
			else if (p[i] == quoted)
				quoted = '\0';
			continue;
		}
		if (p[i] == '\\' && i + 1 < n)
			i++;
		else if (comment > 0)
			comment += p[i] == '(' ? 1 : p[i] == ')' ? -1 : 0;
		else if (p[i] == c && angle == 0)
			return i;
		else if (p[i] == '"')
			quoted = '"';
		else if (p[i] == '[')
			quoted = ']';
		else if (p[i] == '(')
			comment = 1;
		else if (p[i] == '<')
			angle++;
		else if (p[i] == '>' && angle > 0)
			angle--;
	}
	return n;
}

/* The phrase as text: quotes and backslash escapes removed. */
static char *
unquote_phrase(const char *p, size_t n)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			continue;
		if (p[i] == '\\' && i + 1 < n)
			i++;
		buf_addc(&b, p[i]);
	}
	return buf_steal(&b);
}

/* RFC 2047 for the phrase; plain words that hold specials are quoted so
 * that they stay one word ("Doe," =?UTF-8?Q?J=C3=B6hn?=). */
static void
add_encoded_phrase(struct buf *out, const char *text, size_t col)
{
	char *enc = rfc2047_encode(text, col);

	for (const char *p = enc; *p != '\0';) {
		size_t ws = strspn(p, " \t\n"), w;
		bool special = false;

		buf_add(out, p, ws);
		p += ws;
		w = strcspn(p, " \t\n");
		for (size_t i = 0; i < w && !(w >= 2 && p[0] == '=' &&
		    p[1] == '?'); i++)
			special |= is_special(p[i]);
		if (special) {
			buf_addc(out, '"');
			for (size_t i = 0; i < w; i++) {
				if (p[i] == '"' || p[i] == '\\')
					buf_addc(out, '\\');
				buf_addc(out, p[i]);
			}
			buf_addc(out, '"');
		} else
			buf_add(out, p, w);
		p += w;
	}
	free(enc);
}

/* One mailbox (or group, or bare address), trimmed, display name
 * encoded when it is not ASCII. */
static void
add_mailbox(struct buf *out, const char *p, size_t n, size_t col)
{
	size_t lt = top_level(p, n, '<'), end = lt;
	char *name;

	while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	/* Group syntax or stray specials around the name: not a plain
	 * "phrase <addr>", so it stays as written. */
	if (lt == n || end == 0 || top_level(p, end, ':') < end ||
	    top_level(p, end, ';') < end || top_level(p, end, '@') < end ||
	    top_level(p, end, '>') < end) {
		buf_add(out, p, n);
		return;
	}
	name = unquote_phrase(p, end);
	if (!mem_has_8bit(name, strlen(name)))
		buf_add(out, p, n);
	else {
		add_encoded_phrase(out, name, col);
		buf_addc(out, ' ');
		buf_add(out, p + lt, n - lt);
	}
	free(name);
}

/* The addresses of value joined with ", ", folded between addresses
 * before column 78; display names encoded when encode. */
static char *
join_addresses(const char *value, size_t prefix_len, bool encode)
{
	const char *p = value;
	size_t n = strlen(value), col = prefix_len;
	struct buf out;

	buf_init(&out);
	while (n > 0) {
		size_t comma = top_level(p, n, ','), a = 0, b = comma;
		const char *nl;

		while (a < b && strchr(" \t\r\n", p[a]) != NULL)
			a++;
		while (b > a && strchr(" \t\r\n", p[b - 1]) != NULL)
			b--;
		if (out.len > 0) {
			buf_addc(&out, ',');
			if (col + 2 + (b - a) > 76) {
				buf_adds(&out, "\n ");
				col = 1;
			} else {
				buf_addc(&out, ' ');
				col += 2;
			}
		}
		if (encode)
			add_mailbox(&out, p + a, b - a, col);
		else
			buf_add(&out, p + a, b - a);
		nl = memrchr(out.data, '\n', out.len);
		col = nl != NULL ? out.len - (size_t)(nl - out.data) - 1 :
		    prefix_len + out.len;
		if (comma == n)
			break;
		p += comma + 1;
		n -= comma + 1;
	}
	return buf_steal(&out);
}

char *
header_addresses_7bit(const char *value, size_t prefix_len)
{
	return join_addresses(value, prefix_len, true);
}

char *
header_addresses_fold(const char *value, size_t prefix_len)
{
	return join_addresses(value, prefix_len, false);
}

/* ---- Content-Type and Content-Disposition parameters (RFC 2231) --------- */

/* RFC 2045 §5.1 token characters (RFC 2231 adds '*' to names, which is
 * allowed here and refused later for 8-bit values). */
static bool
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A parameter: its name and whole text as written, its value unquoted. */
struct param {
	const char *name, *text;
	size_t	 namelen, textlen;
	char	*value;
};

static const char *
skip_wsp(const char *p)
{
	return p + strspn(p, " \t");
}

/* The parameter after a ';' into pm (pm->value newly allocated); *end
 * gets what follows it (WSP skipped).  -1 when malformed. */
static int
param_parse(const char *p, struct param *pm, const char **end)
{
	struct buf v;

	pm->text = pm->name = p = skip_wsp(p);
	while (is_token_char((unsigned char)*p))
		p++;
	pm->namelen = (size_t)(p - pm->name);
	p = skip_wsp(p);
	if (pm->namelen == 0 || *p != '=')
		return -1;
	p = skip_wsp(p + 1);
	buf_init(&v);
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			buf_addc(&v, *p);
		}
		if (*p++ != '"') {
			buf_free(&v);
			return -1;
		}
	} else {	/* a token, or raw 8-bit text some mailers write */
		for (; *p != '\0' && *p != ';' && *p != ' ' && *p != '\t'; p++)
			buf_addc(&v, *p);
	}
	pm->textlen = (size_t)(p - pm->text);
	p = skip_wsp(p);
	if (v.len == 0 || (*p != '\0' && *p != ';')) {
		buf_free(&v);
		return -1;
	}
	pm->value = buf_steal(&v);
	*end = p;
	return 0;
}

/* Content-Type or Content-Disposition: 8-bit parameter values in RFC 2231
 * form, everything else as written; NULL when 8-bit octets are elsewhere.
 * RFC 2047 over the whole value would hide the type and the parameters
 * from every reader. */
static char *
params_7bit(const char *name, const char *v)
{
	size_t n = strcspn(v, ";");
	bool ctype = ascii_eq_ci(name, "Content-Type");
	struct param pm;
	const char *end;
	struct buf out;
	bool ok = true;

	buf_init(&out);
	buf_printf(&out, "%s: ", name);
	buf_add(&out, v, n);
	for (v += n; *v == ';' && param_parse(v + 1, &pm, &end) == 0;
	    v = end) {
		bool eight = mem_has_8bit(pm.value, strlen(pm.value));
		char *pname = xstrndup(pm.name, pm.namelen);

		if (eight && strchr(pname, '*') != NULL)
			ok = false;	/* an RFC 2231 value is ASCII already */
		else if (eight)
			rfc2231_param(&out, pname, pm.value,
			    ctype && ascii_eq_ci(pname, "name"));
		else {
			buf_adds(&out, ";\n ");
			buf_add(&out, pm.text, pm.textlen);
		}
		free(pname);
		free(pm.value);
	}
	buf_adds(&out, v);	/* what does not parse, as it is */
	if (!ok || mem_has_8bit(out.data, out.len)) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

bool
header_lines_fit(const char *p, size_t n, size_t prefix_len)
{
	size_t col = prefix_len;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			col = 0;
		else if (p[i] != '\r' && ++col > WIRE_LINE_MAX)
			return false;
	}
	return true;
}

static bool
lines_fit(const char *s)
{
	return header_lines_fit(s, strlen(s), 0);
}

/* ---- over-long lines ---------------------------------------------------- */

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* One line of a value (no "\n") folded before white space: a fold is
 * made before a word that would take the line past HEADER_FOLD_AT, so
 * that unfolding (RFC 5322 §2.2.3) gives the line back. */
static void
fold_line(struct buf *out, const char *p, size_t n, size_t col)
{
	size_t i = 0;

	while (i < n) {
		size_t ws = i, w;

		while (i < n && is_wsp(p[i]))
			i++;
		w = i;
		while (i < n && !is_wsp(p[i]))
			i++;
		/* Not before the first word of a line: nothing would be
		 * left on it but white space. */
		if (i > w && ws > 0 && w > ws && col > 1 &&
		    col + (i - ws) > HEADER_FOLD_AT) {
			buf_addc(out, '\n');
			col = 0;
		}
		buf_add(out, p + ws, i - ws);
		col += i - ws;
	}
}

char *
header_value_fold(const char *name, const char *value)
{
	size_t prefix = strlen(name) + 2, n = strlen(value);
	struct buf out;
	char *enc;

	if (header_lines_fit(value, n, prefix))
		return xstrdup(value);
	buf_init(&out);
	for (size_t a = 0, col = prefix; a <= n; col = 0) {
		size_t len = strcspn(value + a, "\n");

		if (a > 0)
			buf_addc(&out, '\n');
		if (col + len > WIRE_LINE_MAX)
			fold_line(&out, value + a, len, col);
		else
			buf_add(&out, value + a, len);
		a += len + 1;
	}
	if (header_lines_fit(out.data, out.len, prefix))
		return buf_steal(&out);
	buf_free(&out);
	/* A word too long for any line: encoded words have no such limit,
	 * but they are text only where the field is text. */
	if (!header_is_unstructured(name))
		return NULL;
	buf_init(&out);
	for (const char *p = value; *p != '\0'; p++)
		if (*p != '\n' && *p != '\r')
			buf_addc(&out, *p);
	enc = rfc2047_encode_whole(out.data != NULL ? out.data : "", prefix);
	buf_free(&out);
	if (!header_lines_fit(enc, strlen(enc), prefix)) {
		free(enc);
		return NULL;
	}
	return enc;
}

/* ---- the decision ------------------------------------------------------ */

char *
header_field_7bit(const char *name, const char *value)
{
	char *enc = NULL, *field = NULL;

	if (!mem_has_8bit(value, strlen(value)))
		return xasprintf("%s: %s", name, value);
	if (header_is_unstructured(name))
		enc = rfc2047_encode(value, strlen(name) + 2);
	else if (header_is_address_list(name))
		enc = header_addresses_7bit(value, strlen(name) + 2);
	else if (ascii_eq_ci(name, "Content-Type") ||
	    ascii_eq_ci(name, "Content-Disposition"))
		field = params_7bit(name, value);
	if (enc != NULL && !mem_has_8bit(enc, strlen(enc)))
		field = xasprintf("%s: %s", name, enc);
	free(enc);
	if (field != NULL && !lines_fit(field)) {
		free(field);
		field = NULL;
	}
	return field;
}

void
header_put_wire(struct buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;	/* the LF brings the CRLF */
		if (p[i] == '\n')
			buf_add(b, "\r\n", 2);
		else
			buf_addc(b, p[i] == '\r' ? ' ' : p[i]);
	}
	buf_add(b, "\r\n", 2);
}
