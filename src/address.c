/*
 * address.c — RFC 5322 address lists and RFC 5321 envelope paths (see
 * address.h).
 *
 * One tokenizer and one list walker serve both address_parse_list (which
 * collects addr-specs) and address_qualify_list (which rewrites a field in
 * place): the walker reports each addr-spec with its offsets in the text.
 * Nothing recurses; nested comments are a depth counter.
 *
 * RFC 5322 §3.4 (address lists), §4.4 (obs-route); RFC 5321 §4.1.2
 * (Mailbox), §4.1.3 (address literals), §4.5.3.1 (size limits); RFC 6531
 * (UTF-8 mailboxes); UTS #46 via libidn2.
 */
#include <arpa/inet.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "address.h"

enum tok_kind { TK_END, TK_WORD, TK_SPECIAL };

struct tok {
	enum tok_kind kind;
	char	 c;		/* TK_SPECIAL: one of < > , : ; @ */
	size_t	 start, end;	/* offsets in the text */
};

struct scanner {
	const char *text;
	size_t	 len;
	size_t	 pos;
	bool	 allow_fws;	/* "\n" + WSP is folding (raw header values) */
	struct err *e;
};

/* What the walker reports for each mailbox. */
struct spec {
	size_t	 start, end;	/* the addr-spec, as written */
	bool	 has_at;
};

typedef void (*spec_fn)(void *ctx, const struct scanner *s,
    const struct spec *sp);

static bool
is_special(unsigned char c)
{
	return c != '\0' && strchr("()<>[]:;@\\,\"", c) != NULL;
}

/* A byte that may not appear in an address at all: named as such. */
static int
octet_fail(struct scanner *s, const char *what)
{
	return err_set(s->e, EX_DATAERR, "%s in address list", what);
}

/* Anything else the grammar refuses ("ops example.com", "ops@@x.com",
 * "ops@"): the parser's reason means little to the person who typed it,
 * so say what was expected.  The text is shown bounded (it need not be
 * NUL-terminated); check_octet has refused control bytes already. */
static int
scan_fail(struct scanner *s, const char *what)
{
	enum { SHOWN = 80 };
	size_t n = s->len;

	(void)what;	/* the grammar's words, kept at the call sites */
	for (size_t i = 0; i < n && i <= SHOWN; i++)
		if ((unsigned char)s->text[i] < 32 || s->text[i] == 127)
			n = i;
	return err_set(s->e, EX_DATAERR, "'%.*s%s' is not an address "
	    "(expected user@domain)", (int)(n > SHOWN ? SHOWN : n), s->text,
	    n > SHOWN ? "..." : "");
}

/* Control octets: CR/LF/NUL are refused by name, folding aside. */
static int
check_octet(struct scanner *s, size_t i)
{
	unsigned char c = (unsigned char)s->text[i];

	if (c == '\n' && s->allow_fws && i + 1 < s->len &&
	    (s->text[i + 1] == ' ' || s->text[i + 1] == '\t'))
		return 0;
	if (c == '\r' || c == '\n')
		return octet_fail(s, "line break");
	if (c == '\0')
		return octet_fail(s, "NUL byte");
	if ((c < 32 && c != '\t') || c == 127)
		return octet_fail(s, "control character");
	return 0;
}

/* Skip WSP, folding and (nested) comments. */
static int
skip_cfws(struct scanner *s)
{
	int depth = 0;

	for (; s->pos < s->len; s->pos++) {
		char c = s->text[s->pos];

		if (check_octet(s, s->pos) == -1)
			return -1;
		if (depth > 0 && c == '\\') {
			s->pos++;
			if (s->pos < s->len && check_octet(s, s->pos) == -1)
				return -1;
		} else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == ')')
			return scan_fail(s, "unbalanced ')'");
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\n')
			return 0;
	}
	return depth > 0 ? scan_fail(s, "unterminated comment") : 0;
}

/* A quoted string or domain literal from s->pos, up to its close. */
static int
scan_delimited(struct scanner *s, char close, const char *what)
{
	for (s->pos++; s->pos < s->len; s->pos++) {
		char c = s->text[s->pos];

		if (check_octet(s, s->pos) == -1)
			return -1;
		if (c == '\\') {
			s->pos++;
			if (s->pos < s->len && check_octet(s, s->pos) == -1)
				return -1;
		} else if (c == close) {
			s->pos++;
			return 0;
		} else if (close == ']' && c == '[')
			break;
	}
	return scan_fail(s, what);
}

static int
next_tok(struct scanner *s, struct tok *t)
{
	unsigned char c;

	if (skip_cfws(s) == -1)
		return -1;
	t->start = s->pos;
	if (s->pos >= s->len) {
		t->kind = TK_END;
		t->end = s->pos;
		return 0;
	}
	c = (unsigned char)s->text[s->pos];
	if (strchr("<>,:;@", c) != NULL) {
		t->kind = TK_SPECIAL;
		t->c = (char)c;
		t->end = ++s->pos;
		return 0;
	}
	t->kind = TK_WORD;
	if (c == '"' && scan_delimited(s, '"', "unbalanced '\"'") == -1)
		return -1;
	else if (c == '[' && scan_delimited(s, ']', "unbalanced '['") == -1)
		return -1;
	else if (c == ']')
		return scan_fail(s, "unbalanced ']'");
	else if (c != '"' && c != '[') {
		while (s->pos < s->len) {
			c = (unsigned char)s->text[s->pos];
			if (c == ' ' || c == '\t' || c == '\n' || is_special(c))
				break;
			if (check_octet(s, s->pos) == -1)
				return -1;
			s->pos++;
		}
		if (s->pos == t->start)
			return scan_fail(s, "unexpected character");
	}
	t->end = s->pos;
	return 0;
}

/* Inside "<...>" after the '<': [obs-route ':'] [word ['@' word]] '>'. */
static int
walk_angle(struct scanner *s, struct spec *sp)
{
	struct tok t, at, dom;

	if (next_tok(s, &t) == -1)
		return -1;
	if (t.kind == TK_SPECIAL && t.c == '@') {
		/* obs-route (RFC 5322 §4.4): "@a,@b:" is dropped. */
		do {
			if (next_tok(s, &t) == -1)
				return -1;
		} while (t.kind != TK_END &&
		    !(t.kind == TK_SPECIAL && strchr(":<>", t.c) != NULL));
		if (t.kind != TK_SPECIAL || t.c != ':')
			return scan_fail(s, "malformed route");
		if (next_tok(s, &t) == -1)
			return -1;
	}
	sp->start = sp->end = t.start;
	sp->has_at = false;
	if (t.kind == TK_WORD) {
		sp->end = t.end;
		if (next_tok(s, &at) == -1)
			return -1;
		t = at;
		if (at.kind == TK_SPECIAL && at.c == '@') {
			if (next_tok(s, &dom) == -1)
				return -1;
			if (dom.kind != TK_WORD)
				return scan_fail(s, "missing domain");
			sp->end = dom.end;
			sp->has_at = true;
			if (next_tok(s, &t) == -1)
				return -1;
		}
	}
	if (t.kind != TK_SPECIAL || t.c != '>')
		return scan_fail(s, "'<' without '>'");
	return 0;
}

/* A bare addr-spec from the words before a ',' ';' or the end. */
static int
bare_spec(struct scanner *s, const struct tok *w, size_t n, struct spec *sp)
{
	if (n == 1 && w[0].kind == TK_WORD)
		sp->has_at = false;
	else if (n == 3 && w[0].kind == TK_WORD && w[1].kind == TK_SPECIAL &&
	    w[2].kind == TK_WORD)
		sp->has_at = true;
	else
		return scan_fail(s, "display name without '<'");
	sp->start = w[0].start;
	sp->end = w[n - 1].end;
	return 0;
}

/*
 * Walk an address list and call fn for each mailbox.  Words before '<'
 * (display names) and before ':' (group names) are skipped; at most three
 * tokens are remembered for a bare addr-spec, so memory is constant.
 */
static int
walk_list(struct scanner *s, spec_fn fn, void *ctx)
{
	struct tok t, w[3];
	struct spec sp;
	size_t n = 0;
	bool in_group = false, angled = false, toomany = false;

	for (;;) {
		if (next_tok(s, &t) == -1)
			return -1;
		if (t.kind == TK_WORD || (t.kind == TK_SPECIAL && t.c == '@')) {
			if (angled)
				return scan_fail(s, "text after '>'");
			if (n < 3)
				w[n++] = t;
			else
				toomany = true;
			continue;
		}
		if (t.kind == TK_SPECIAL && t.c == '<') {
			if (angled)
				return scan_fail(s, "text after '>'");
			if (walk_angle(s, &sp) == -1)
				return -1;
			if (sp.end > sp.start)
				fn(ctx, s, &sp);
			angled = true;
			continue;
		}
		if (t.kind == TK_SPECIAL && t.c == '>')
			return scan_fail(s, "'>' without '<'");
		if (t.kind == TK_SPECIAL && t.c == ':') {
			if (in_group || angled)
				return scan_fail(s, "unexpected ':'");
			in_group = true;
			n = 0;
			toomany = false;
			continue;
		}
		/* ',' ';' or the end close a mailbox. */
		if (!angled && (n > 0 || toomany)) {
			if (toomany || bare_spec(s, w, n, &sp) == -1)
				return scan_fail(s, "display name without '<'");
			fn(ctx, s, &sp);
		}
		n = 0;
		angled = toomany = false;
		if (t.kind == TK_SPECIAL && t.c == ';')
			in_group = false;
		if (t.kind == TK_END)
			return 0;
	}
}

static void
collect_spec(void *ctx, const struct scanner *s, const struct spec *sp)
{
	strlist_addn(ctx, s->text + sp->start, sp->end - sp->start);
}

int
address_parse_list(const char *text, size_t len, struct strlist *out,
    struct err *e)
{
	struct scanner s = { text, len, 0, false, e };

	return walk_list(&s, collect_spec, out);
}

struct qualify_ctx {
	struct buf out;
	size_t	 copied;	/* text[0..copied) is already in out */
	const char *domain;
};

static void
qualify_spec(void *ctx, const struct scanner *s, const struct spec *sp)
{
	struct qualify_ctx *q = ctx;

	if (sp->has_at)
		return;
	buf_add(&q->out, s->text + q->copied, sp->end - q->copied);
	buf_printf(&q->out, "@%s", q->domain);
	q->copied = sp->end;
}

char *
address_qualify_list(const char *text, size_t len, const char *domain)
{
	struct qualify_ctx q;
	struct scanner s = { text, len, 0, true, NULL };

	buf_init(&q.out);
	q.copied = 0;
	q.domain = domain;
	if (walk_list(&s, qualify_spec, &q) == -1) {
		buf_free(&q.out);
		return NULL;
	}
	buf_add(&q.out, text + q.copied, len - q.copied);
	return buf_steal(&q.out);
}

/* The address for an error message: printable, bounded, no quotes games. */
static void
sanitize(const char *addr, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; addr[i] != '\0' && o + 4 < outlen; i++) {
		unsigned char c = (unsigned char)addr[i];

		out[o++] = c < 32 || c == 127 ? '?' : (char)c;
		if (o == 80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
	}
	out[o] = '\0';
}

static int
path_fail(struct err *e, const char *addr, const char *why)
{
	char shown[96];

	sanitize(addr, shown, sizeof(shown));
	return err_set(e, EX_DATAERR, "invalid address '%s': %s", shown, why);
}

static bool
valid_utf8(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if ((n = utf8_seq_len((const unsigned char *)s + i, len - i)) == 0)
			return false;
	return true;
}

/* atext (RFC 5322 §3.2.3) plus UTF-8 octets (RFC 6531 §3.3). */
static bool
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static const char *
check_local(const char *p, size_t len)
{
	if (len == 0)
		return "empty local part";
	if (len > ADDR_LOCAL_MAX)
		return "local part longer than 64 octets";
	if (p[0] == '"') {
		/* Quoted-string: qtextSMTP or quoted-pairSMTP (RFC 5321). */
		if (len < 2 || p[len - 1] != '"')
			return "unbalanced quote";
		for (size_t i = 1; i < len - 1; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c == '\\' && i + 1 < len - 1 &&
			    (unsigned char)p[i + 1] >= 32)
				i++;
			else if (c == '"' || c == '\\')
				return "bad quoting in local part";
		}
		return NULL;
	}
	if (p[0] == '.' || p[len - 1] == '.')
		return "local part starts or ends with '.'";
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '.' && p[i + 1] == '.')
			return "'..' in local part";
		if (p[i] != '.' && !is_atext((unsigned char)p[i]))
			return "character not allowed in local part";
	}
	return NULL;
}

static const char *
check_literal(const char *p, size_t len)
{
	char tmp[64];
	unsigned char bin[16];

	if (len < 3 || p[len - 1] != ']' || len - 2 >= sizeof(tmp))
		return "malformed address literal";
	memcpy(tmp, p + 1, len - 2);
	tmp[len - 2] = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1)
		return NULL;
	if (ascii_prefix_ci(tmp, "IPv6:") && inet_pton(AF_INET6, tmp + 5, bin) == 1)
		return NULL;
	return "malformed address literal";
}

static const char *
check_domain(const char *p, size_t len)
{
	size_t label = 0;

	if (len == 0)
		return "empty domain";
	if (len > ADDR_DOMAIN_MAX)
		return "domain longer than 255 octets";
	if (p[0] == '[')
		return check_literal(p, len);
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)p[i] : '.';

		if (c == '.') {
			if (label == 0)
				return "empty label in domain";
			if (p[i - 1] == '-' || p[i - label] == '-')
				return "label starts or ends with '-'";
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c >= 0x80))
			return "character not allowed in domain";
		if (++label > 63)
			return "domain label longer than 63 octets";
	}
	return NULL;
}

/* The '@' that separates local part and domain: the last outside quotes. */
static const char *
split_at(const char *addr)
{
	const char *at = NULL;
	bool quoted = false;

	for (const char *p = addr; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '@')
			at = p;
	}
	return at;
}

int
address_check_path(const char *addr, bool allow_null, struct err *e)
{
	size_t len = strlen(addr);
	const char *at, *why;

	if (len == 0)
		return allow_null ? 0 : path_fail(e, addr, "empty address");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c == '\r' || c == '\n')
			return path_fail(e, addr, "contains a line break");
		if (c < 32 || c == 127)
			return path_fail(e, addr, "contains a control character");
	}
	if (len + 2 > ADDR_PATH_MAX)
		return path_fail(e, addr, "longer than 256 octets");
	if (!valid_utf8(addr, len))
		return path_fail(e, addr, "malformed UTF-8");
	at = split_at(addr);
	/* RFC 5321 §4.1.1.3: "Postmaster" alone is a valid recipient. */
	if (at == NULL && ascii_eq_ci(addr, "postmaster"))
		return 0;
	if (at == NULL)
		return path_fail(e, addr, "no domain");
	if ((why = check_local(addr, (size_t)(at - addr))) != NULL ||
	    (why = check_domain(at + 1, strlen(at + 1))) != NULL)
		return path_fail(e, addr, why);
	return 0;
}

const char *
address_domain(const char *addr)
{
	const char *at = split_at(addr);

	return at != NULL ? at + 1 : NULL;
}

char *
address_qualify(const char *addr, const char *domain)
{
	if (split_at(addr) != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, domain);
}

bool
address_is_8bit(const char *addr)
{
	for (const char *p = addr; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	return false;
}

int
address_to_alabel(const char *addr, char **out, struct err *e)
{
	const char *at = split_at(addr);
	char *ascii = NULL;
	int rc;

	*out = NULL;
	if (at == NULL || at[1] == '[' || !address_is_8bit(at + 1)) {
		*out = xstrdup(addr);
		return 0;
	}
	rc = idn2_to_ascii_8z(at + 1, &ascii,
	    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		char shown[96];

		sanitize(addr, shown, sizeof(shown));
		return err_set(e, EX_DATAERR, "invalid address '%s': %s",
		    shown, idn2_strerror(rc));
	}
	*out = xasprintf("%.*s@%s", (int)(at - addr), addr, ascii);
	idn2_free(ascii);
	return 0;
}
