/*
 * smtpd.c — postie -bs: SMTP on stdin/stdout (see smtpd.h).
 *
 * The parser (smtpd_parse) is a table of verbs, each with a small
 * argument parser; MAIL and RCPT share the path and parameter readers.
 * The session (smtpd_run) is a state enum with a table of names; every
 * change goes through session_state(), which traces it with -v.  One
 * handler per verb judges the command against the state and writes its
 * reply.  Replies are buffered and flushed only when the input runs dry
 * (RFC 2920 §3.2: a pipelined group is answered in one write), and
 * always before postie would block on input.
 *
 * DATA is dot-unstuffed as it arrives (RFC 5321 §4.5.2), a line holding
 * only "." ends it, and the octets go to an unlinked spool file, never
 * to memory; the whole sendmail-mode path then reads that file
 * (submit_transaction).  -i and the sendmail dot rule do not apply: the
 * SMTP framing has already ended the message.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "delivery.h"
#include "smtpd.h"
#include "spool.h"
#include "submit.h"
#include "util.h"

/* ---- the command parser ---------------------------------------------- */

/* Replies are ASCII text (RFC 5321 §4.2): what a client wrote and is
 * quoted back (tabs, control characters, UTF-8) becomes '?'. */
static void
printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* Fill reply with "CODE STATUS text" and return code. */
static int __attribute__((format(printf, 5, 6)))
refuse(char *reply, size_t replylen, int code, const char *status,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(reply, replylen, "%d %s ", code, status);
	if (n > 0 && (size_t)n < replylen) {
		va_start(ap, fmt);
		vsnprintf(reply + n, replylen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	printable(reply);
	return code;
}

/* A bounded view of the rest of a command line. */
struct cursor {
	const char *p;
	size_t	 n;
};

static void
skip_spaces(struct cursor *c)
{
	while (c->n > 0 && *c->p == ' ') {
		c->p++;
		c->n--;
	}
}

/* Case-insensitive match of a literal prefix; consumed when it matches. */
static bool
eat(struct cursor *c, const char *lit)
{
	size_t l = strlen(lit);

	if (c->n < l || !ascii_eqn_ci(c->p, lit, l))
		return false;
	c->p += l;
	c->n -= l;
	return true;
}

/* Copy c into out (size outlen, NUL-terminated); false when too long. */
static bool
copy_bounded(char *out, size_t outlen, const char *p, size_t n)
{
	if (n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* The length of the "<...>" at c (quotes and backslash pairs inside
 * skipped), or 0 when there is no closing '>'. */
static size_t
bracket_len(const struct cursor *c)
{
	bool quoted = false;

	for (size_t i = 1; i < c->n; i++) {
		if (c->p[i] == '\\' && i + 1 < c->n)
			i++;
		else if (c->p[i] == '"')
			quoted = !quoted;
		else if (c->p[i] == '>' && !quoted)
			return i + 1;
	}
	return 0;
}

/* address_check_path, for an address that may still lack its domain:
 * "root" is qualified later, as an argv recipient or -f is (submit.c), so
 * only its local part is judged here. */
static int
check_path(const char *addr, bool mail, struct err *e)
{
	char *q;
	int rc;

	if (*addr == '\0' || strchr(addr, '@') != NULL)
		return address_check_path(addr, mail, e);
	q = address_qualify(addr, "localhost");
	rc = address_check_path(q, mail, e);
	free(q);
	if (rc == -1)
		err_set(e, EX_DATAERR, "invalid address '%s'", addr);
	return rc;
}

/*
 * The reverse-path or forward-path at c: "<addr>", "<>", "<@a,@b:addr>"
 * (the source route is dropped, RFC 5321 §4.1.1.3), or a bare address up
 * to the next space (as Postfix accepts it).  Checked by address_check_path
 * (the null path only for MAIL).
 */
static int
parse_path(struct cursor *c, bool mail, char *out, char *reply,
    size_t replylen)
{
	const char *status = mail ? "5.1.7" : "5.1.3";
	const char *what = mail ? "sender" : "recipient";
	const char *p;
	size_t n, total;
	struct err e;

	skip_spaces(c);
	if (c->n > 0 && *c->p == '<') {
		if ((total = bracket_len(c)) == 0)
			return refuse(reply, replylen, 501, status,
			    "bad %s address syntax: no closing '>'", what);
		p = c->p + 1;
		n = total - 2;
		if (n > 0 && *p == '@') {	/* source route */
			const char *colon = memchr(p, ':', n);

			if (colon == NULL)
				return refuse(reply, replylen, 501, status,
				    "bad %s address syntax", what);
			n -= (size_t)(colon + 1 - p);
			p = colon + 1;
		}
	} else {
		const char *sp = memchr(c->p, ' ', c->n);

		total = sp != NULL ? (size_t)(sp - c->p) : c->n;
		p = c->p;
		n = total;
		if (n == 0)
			return refuse(reply, replylen, 501, "5.5.4",
			    "Syntax: %s", mail ? "MAIL FROM:<address>" :
			    "RCPT TO:<address>");
	}
	if (!copy_bounded(out, SMTPD_PATH_MAX + 1, p, n))
		return refuse(reply, replylen, 501, status,
		    "%s address longer than %d octets", what, SMTPD_PATH_MAX);
	if (check_path(out, mail, &e) == -1)
		return refuse(reply, replylen, 501, status, "%s", e.msg);
	c->p += total;
	c->n -= total;
	return 0;
}

/* RFC 3461 §4: xtext, "+XX" for octets outside 33..126, '+' and '='.
 * Decoded into out; the result must be printable ASCII. */
static bool
xtext_decode(const char *p, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '+') {
			const char *h, *l;

			if (i + 2 >= n || p[i + 1] == '\0' || p[i + 2] == '\0')
				return false;
			h = memchr(hex, p[i + 1], 16);
			l = memchr(hex, p[i + 2], 16);
			if (h == NULL || l == NULL)
				return false;
			ch = (unsigned char)((h - hex) << 4 | (l - hex));
			i += 2;
		} else if (ch < 33 || ch > 126 || ch == '=')
			return false;
		if (ch < 32 || ch > 126 || o + 1 >= outlen)
			return false;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return true;
}

/* NOTIFY=NEVER, or a list of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1),
 * normalised to upper case in that order. */
static bool
parse_notify(const char *p, size_t n, char *out, size_t outlen)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	bool seen[3] = { false, false, false }, never = false;

	while (n > 0) {
		const char *comma = memchr(p, ',', n);
		size_t l = comma != NULL ? (size_t)(comma - p) : n;
		size_t k;

		if (l == 5 && ascii_eqn_ci(p, "NEVER", 5))
			never = true;
		else {
			for (k = 0; k < 3; k++)
				if (strlen(words[k]) == l &&
				    ascii_eqn_ci(p, words[k], l))
					break;
			if (k == 3)
				return false;
			seen[k] = true;
		}
		if (comma == NULL)
			break;
		n -= l + 1;
		p = comma + 1;
		if (n == 0)
			return false;		/* trailing comma */
	}
	if (never)
		return !seen[0] && !seen[1] && !seen[2] &&
		    copy_bounded(out, outlen, "NEVER", 5);
	out[0] = '\0';
	for (size_t k = 0; k < 3; k++)
		if (seen[k]) {
			if (out[0] != '\0')
				strcat(out, ",");
			strcat(out, words[k]);
		}
	return out[0] != '\0';
}

/* ORCPT=addr-type;xtext (RFC 3461 §4.2): the type an atom, the value
 * non-empty xtext (or utf-8-addr-xtext, RFC 6533: printable too). */
static bool
orcpt_ok(const char *p, size_t n)
{
	const char *semi = memchr(p, ';', n);
	char dummy[SMTPD_LINE_MAX + 1];

	if (semi == NULL || semi == p || semi + 1 == p + n)
		return false;
	for (const char *q = p; q < semi; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '-'))
			return false;
	return xtext_decode(semi + 1, (size_t)(p + n - semi - 1), dummy,
	    sizeof(dummy));
}

/* One MAIL parameter, keyword[=value]. */
static int
mail_param(struct smtpd_cmd *c, const char *k, size_t kl, const char *v,
    size_t vl, bool has_v, char *reply, size_t replylen)
{
	if (kl == 4 && ascii_eqn_ci(k, "SIZE", 4) && has_v) {
		long long size = 0;

		if (vl == 0 || vl > 18 || c->size != -1)
			goto bad;
		for (size_t i = 0; i < vl; i++) {
			if (v[i] < '0' || v[i] > '9')
				goto bad;
			size = size * 10 + (v[i] - '0');
		}
		c->size = size;
	} else if (kl == 4 && ascii_eqn_ci(k, "BODY", 4) && has_v &&
	    c->body == SMTPD_BODY_NONE) {
		if (vl == 4 && ascii_eqn_ci(v, "7BIT", 4))
			c->body = SMTPD_BODY_7BIT;
		else if (vl == 8 && ascii_eqn_ci(v, "8BITMIME", 8))
			c->body = SMTPD_BODY_8BITMIME;
		else
			goto bad;
	} else if (kl == 8 && ascii_eqn_ci(k, "SMTPUTF8", 8) && !has_v &&
	    !c->smtputf8)
		c->smtputf8 = true;
	else if (kl == 3 && ascii_eqn_ci(k, "RET", 3) && has_v &&
	    c->ret[0] == '\0') {
		if (vl == 4 && ascii_eqn_ci(v, "FULL", 4))
			strcpy(c->ret, "FULL");
		else if (vl == 4 && ascii_eqn_ci(v, "HDRS", 4))
			strcpy(c->ret, "HDRS");
		else
			goto bad;
	} else if (kl == 5 && ascii_eqn_ci(k, "ENVID", 5) && has_v &&
	    c->envid[0] == '\0') {
		if (vl == 0 || !xtext_decode(v, vl, c->envid, sizeof(c->envid)))
			goto bad;
	} else
		goto bad;
	return 0;
bad:
	return refuse(reply, replylen, 555, "5.5.4",
	    "MAIL parameter %.*s not recognised, repeated or malformed",
	    (int)(kl < 40 ? kl : 40), k);
}

/* One RCPT parameter. */
static int
rcpt_param(struct smtpd_cmd *c, const char *k, size_t kl, const char *v,
    size_t vl, bool has_v, char *reply, size_t replylen)
{
	if (kl == 6 && ascii_eqn_ci(k, "NOTIFY", 6) && has_v &&
	    c->notify[0] == '\0') {
		if (parse_notify(v, vl, c->notify, sizeof(c->notify)))
			return 0;
	} else if (kl == 5 && ascii_eqn_ci(k, "ORCPT", 5) && has_v &&
	    !c->orcpt) {
		if (orcpt_ok(v, vl)) {
			c->orcpt = true;
			return 0;
		}
	}
	return refuse(reply, replylen, 555, "5.5.4",
	    "RCPT parameter %.*s not recognised, repeated or malformed",
	    (int)(kl < 40 ? kl : 40), k);
}

/* The parameters after a path: space-separated keyword[=value]. */
static int
parse_params(struct cursor *c, struct smtpd_cmd *cmd, char *reply,
    size_t replylen)
{
	if (c->n > 0 && *c->p != ' ')
		return refuse(reply, replylen, 501, "5.5.4",
		    "unexpected text after the address");
	for (;;) {
		const char *k, *eq, *sp;
		size_t len;
		int rc;

		skip_spaces(c);
		if (c->n == 0)
			return 0;
		k = c->p;
		sp = memchr(k, ' ', c->n);
		len = sp != NULL ? (size_t)(sp - k) : c->n;
		eq = memchr(k, '=', len);
		if (cmd->verb == SMTPD_MAIL)
			rc = mail_param(cmd, k, eq ? (size_t)(eq - k) : len,
			    eq ? eq + 1 : NULL, eq ? len - (size_t)(eq - k) - 1
			    : 0, eq != NULL, reply, replylen);
		else
			rc = rcpt_param(cmd, k, eq ? (size_t)(eq - k) : len,
			    eq ? eq + 1 : NULL, eq ? len - (size_t)(eq - k) - 1
			    : 0, eq != NULL, reply, replylen);
		if (rc != 0)
			return rc;
		c->p += len;
		c->n -= len;
	}
}

/* MAIL FROM:<path> [params], RCPT TO:<path> [params]. */
static int
arg_envelope(struct cursor *c, struct smtpd_cmd *cmd, char *reply,
    size_t replylen)
{
	bool mail = cmd->verb == SMTPD_MAIL;
	int rc;

	skip_spaces(c);
	if (!eat(c, mail ? "FROM:" : "TO:"))
		return refuse(reply, replylen, 501, "5.5.4", "Syntax: %s",
		    mail ? "MAIL FROM:<address>" : "RCPT TO:<address>");
	if ((rc = parse_path(c, mail, cmd->path, reply, replylen)) != 0)
		return rc;
	if (!mail && cmd->path[0] == '\0')
		return refuse(reply, replylen, 501, "5.1.3",
		    "the null path is no recipient");
	return parse_params(c, cmd, reply, replylen);
}

/* HELO/EHLO domain-or-address-literal: one word. */
static int
arg_domain(struct cursor *c, struct smtpd_cmd *cmd, char *reply,
    size_t replylen)
{
	const char *sp;
	size_t n;

	skip_spaces(c);
	sp = memchr(c->p, ' ', c->n);
	n = sp != NULL ? (size_t)(sp - c->p) : c->n;
	if (n == 0)
		return refuse(reply, replylen, 501, "5.5.4", "Syntax: %s "
		    "hostname", cmd->verb == SMTPD_EHLO ? "EHLO" : "HELO");
	if (!copy_bounded(cmd->domain, sizeof(cmd->domain), c->p, n))
		return refuse(reply, replylen, 501, "5.5.4",
		    "host name longer than %d octets", SMTPD_PATH_MAX);
	return 0;
}

static int
arg_none(struct cursor *c, struct smtpd_cmd *cmd, char *reply,
    size_t replylen)
{
	skip_spaces(c);
	(void)cmd;
	if (c->n > 0)
		return refuse(reply, replylen, 501, "5.5.4",
		    "no argument expected");
	return 0;
}

static int
arg_any(struct cursor *c, struct smtpd_cmd *cmd, char *reply,
    size_t replylen)
{
	(void)c; (void)cmd; (void)reply; (void)replylen;
	return 0;
}

static int
arg_required(struct cursor *c, struct smtpd_cmd *cmd, char *reply,
    size_t replylen)
{
	skip_spaces(c);
	(void)cmd;
	if (c->n == 0)
		return refuse(reply, replylen, 501, "5.5.4", "Syntax: VRFY "
		    "address");
	return 0;
}

static const struct verb_def {
	const char *name;
	enum smtpd_verb verb;
	int	(*arg)(struct cursor *, struct smtpd_cmd *, char *, size_t);
} verbs[] = {
	{ "HELO", SMTPD_HELO, arg_domain },
	{ "EHLO", SMTPD_EHLO, arg_domain },
	{ "MAIL", SMTPD_MAIL, arg_envelope },
	{ "RCPT", SMTPD_RCPT, arg_envelope },
	{ "DATA", SMTPD_DATA, arg_none },
	{ "RSET", SMTPD_RSET, arg_none },
	{ "NOOP", SMTPD_NOOP, arg_any },
	{ "QUIT", SMTPD_QUIT, arg_none },
	{ "VRFY", SMTPD_VRFY, arg_required },
	{ "HELP", SMTPD_HELP, arg_any },
};

int
smtpd_parse(const char *line, size_t len, struct smtpd_cmd *c, char *reply,
    size_t replylen)
{
	struct cursor cur = { line, len };

	memset(c, 0, sizeof(*c));
	c->size = -1;
	reply[0] = '\0';
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f)
			return refuse(reply, replylen, 500, "5.5.2",
			    "control character in the command line");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		const struct verb_def *v = &verbs[i];

		if (len < 4 || !ascii_eqn_ci(line, v->name, 4) ||
		    (len > 4 && line[4] != ' '))
			continue;
		c->verb = v->verb;
		cur.p += 4;
		cur.n -= 4;
		return v->arg(&cur, c, reply, replylen);
	}
	return refuse(reply, replylen, 502, "5.5.1", "command not "
	    "implemented");
}

/* ---- the session ------------------------------------------------------ */

#define IN_BLOCK	(64 * 1024)	/* input buffer: a pipelined flight
					 * of commands, or a block of DATA */
#define SPOOL_BLOCK	(64 * 1024)	/* DATA reaches the spool in writes
					 * this large */

enum smtpd_state { ST_START, ST_READY, ST_MAIL, ST_RCPT, ST_DATA, ST_QUIT };
static const char *const state_names[] = {
	[ST_START] = "START", [ST_READY] = "READY", [ST_MAIL] = "MAIL",
	[ST_RCPT] = "RCPT", [ST_DATA] = "DATA", [ST_QUIT] = "QUIT",
};

/* Why reading stopped. */
enum in_result { IN_OK = 1, IN_EOF = 0, IN_TIMEOUT = -1, IN_ERROR = -2 };

struct smtpd {
	const struct smtpd_opts *o;
	struct submit_session *ss;
	const char *domain;		/* our name in the greeting */
	enum smtpd_state state;
	char	 in[IN_BLOCK];
	size_t	 in_off, in_len;
	struct buf out;			/* replies not yet written */
	bool	 out_failed;		/* the client stopped reading */
	/* the transaction */
	char	*from;
	bool	 smtputf8;
	bool	 body_8bit;
	char	 ret[5];
	char	*envid;
	char	*notify;		/* the NOTIFY of its recipients */
	bool	 notify_set;
	struct strlist rcpts;
	long long max_size;		/* the transaction's account's */
};

static void
trace(const struct smtpd *d, const char *dir, const char *line, size_t len)
{
	struct buf b;

	if (!d->o->verbose)
		return;
	buf_init(&b);
	buf_printf(&b, "bs %s ", dir);
	/* As log_trace: nothing a client wrote reaches a terminal raw. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		buf_addc(&b, (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' :
		    (char)ch);
	}
	buf_addc(&b, '\n');
	(void)!write(STDERR_FILENO, b.data, b.len);
	buf_free(&b);
}

/* The ONLY way to change the session's state: traced with -v. */
static void
session_state(struct smtpd *d, enum smtpd_state to)
{
	if (d->state != to && d->o->verbose) {
		char line[64];
		int n = snprintf(line, sizeof(line), "state %s -> %s",
		    state_names[d->state], state_names[to]);

		trace(d, "--", line, (size_t)n);
	}
	d->state = to;
}

/* Queue one reply line (or the last line of a multi-line reply).  The
 * text loses control characters and is cut at SMTPD_REPLY_MAX: a server's
 * words passed on must not break the framing. */
static void __attribute__((format(printf, 4, 5)))
reply(struct smtpd *d, int code, const char *status, const char *fmt, ...)
{
	char text[SMTPD_REPLY_MAX];
	size_t start = d->out.len, n;
	va_list ap;
	int k;

	k = snprintf(text, sizeof(text), "%d %s%s", code, status,
	    *status != '\0' ? " " : "");
	va_start(ap, fmt);
	vsnprintf(text + k, sizeof(text) - (size_t)k, fmt, ap);
	va_end(ap);
	printable(text);
	n = strlen(text);
	buf_add(&d->out, text, n);
	trace(d, "->", d->out.data + start, n);
	buf_adds(&d->out, "\r\n");
}

/* A line of a multi-line reply, "250-text" (not the last). */
static void __attribute__((format(printf, 3, 4)))
continued(struct smtpd *d, int code, const char *fmt, ...)
{
	char text[SMTPD_REPLY_MAX];
	va_list ap;
	int k;

	k = snprintf(text, sizeof(text), "%d-", code);
	va_start(ap, fmt);
	vsnprintf(text + k, sizeof(text) - (size_t)k, fmt, ap);
	va_end(ap);
	printable(text);
	buf_adds(&d->out, text);
	trace(d, "->", text, strlen(text));
	buf_adds(&d->out, "\r\n");
}

static int
flush_out(struct smtpd *d)
{
	if (d->out.len == 0 || d->out_failed)
		return d->out_failed ? -1 : 0;
	if (write_all(d->o->out_fd, d->out.data, d->out.len) == -1) {
		d->out_failed = true;
		return -1;
	}
	d->out.len = 0;
	return 0;
}

/* Read more input behind what is buffered (moved to the front first).
 * Replies still queued go out before postie waits: the client may be
 * waiting for them (RFC 2920 §3.2). */
static enum in_result
in_fill(struct smtpd *d)
{
	struct pollfd pfd = { .fd = d->o->in_fd, .events = POLLIN };
	ssize_t r;
	int pr;

	if (d->in_off > 0) {
		memmove(d->in, d->in + d->in_off, d->in_len - d->in_off);
		d->in_len -= d->in_off;
		d->in_off = 0;
	}
	if (flush_out(d) == -1)
		return IN_ERROR;
	do
		pr = poll(&pfd, 1, d->o->idle_timeout * 1000);
	while (pr == -1 && errno == EINTR);
	if (pr == 0)
		return IN_TIMEOUT;
	r = spool_read(d->o->in_fd, d->in + d->in_len,
	    sizeof(d->in) - d->in_len);
	if (r < 0)
		return IN_ERROR;
	if (r == 0)
		return IN_EOF;
	d->in_len += (size_t)r;
	return IN_OK;
}

/* The next command line (without CRLF or LF) in *line, *len.  A line
 * over SMTPD_LINE_MAX is skipped to its end and reported by *too_long. */
static enum in_result
read_command(struct smtpd *d, const char **line, size_t *len,
    bool *too_long)
{
	bool skipping = false;

	for (;;) {
		char *p = d->in + d->in_off;
		size_t avail = d->in_len - d->in_off;
		char *nl = memchr(p, '\n', avail);
		enum in_result r;

		if (nl != NULL) {
			size_t n = (size_t)(nl - p);

			d->in_off += n + 1;
			if (n > 0 && p[n - 1] == '\r')
				n--;
			*too_long = skipping || n > SMTPD_LINE_MAX;
			*line = p;
			*len = n;
			return IN_OK;
		}
		if (avail > SMTPD_LINE_MAX + 1) {	/* + a CR */
			skipping = true;
			d->in_off = d->in_len;
		}
		if ((r = in_fill(d)) != IN_OK)
			return r;
	}
}

/* An unlinked spool file with a write buffer in front of it. */
struct data_spool {
	int	 fd;
	struct buf b;
	long long bytes;		/* unstuffed octets of DATA */
	bool	 failed;
};

static void
spool_add(struct data_spool *sp, const char *p, size_t n)
{
	sp->bytes += (long long)n;
	if (sp->failed)
		return;
	buf_add(&sp->b, p, n);
	if (sp->b.len >= SPOOL_BLOCK) {
		if (write_all(sp->fd, sp->b.data, sp->b.len) == -1)
			sp->failed = true;
		sp->b.len = 0;
	}
}

/*
 * DATA up to the line holding only "." (CRLF or LF), dot-unstuffed
 * (RFC 5321 §4.5.2), into sp.  The match state (at the start of a line
 * or not) carries across reads, so lines of any length stream through.
 */
static enum in_result
read_data(struct smtpd *d, struct data_spool *sp)
{
	bool bol = true;

	for (;;) {
		char *p = d->in + d->in_off, *nl;
		size_t avail = d->in_len - d->in_off, n;
		enum in_result r;

		/* At a line start, up to three octets decide: ".", ".\n",
		 * ".\r\n" end the data, any other leading '.' is dropped. */
		if (avail == 0 || (bol && p[0] == '.' && (avail < 2 ||
		    (p[1] == '\r' && avail < 3)))) {
			if ((r = in_fill(d)) != IN_OK)
				return r;
			continue;
		}
		if (bol && p[0] == '.') {
			if (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n')) {
				d->in_off += p[1] == '\n' ? 2 : 3;
				return IN_OK;
			}
			d->in_off++;
			p++;
			avail--;
		}
		nl = memchr(p, '\n', avail);
		n = nl != NULL ? (size_t)(nl - p) + 1 : avail;
		spool_add(sp, p, n);
		d->in_off += n;
		bol = nl != NULL;
	}
}

static void
txn_clear(struct smtpd *d)
{
	free(d->from);
	free(d->envid);
	free(d->notify);
	d->from = d->envid = d->notify = NULL;
	d->notify_set = false;
	d->smtputf8 = d->body_8bit = false;
	d->ret[0] = '\0';
	strlist_free(&d->rcpts);
	strlist_init(&d->rcpts);
	d->max_size = 0;
}

/* ---- one handler per verb ---- */

static void
do_helo(struct smtpd *d, const struct smtpd_cmd *c)
{
	long long size = submit_session_max_size(d->ss, NULL);

	txn_clear(d);
	session_state(d, ST_READY);
	if (c->verb == SMTPD_HELO) {
		reply(d, 250, "", "%s", d->domain);
		return;
	}
	/* RFC 5321 §4.1.1.1: the name, then one extension a line.  No AUTH
	 * (the local user is the identity) and no STARTTLS (a pipe). */
	continued(d, 250, "%s", d->domain);
	continued(d, 250, "PIPELINING");
	continued(d, 250, "SIZE %lld", size);
	continued(d, 250, "8BITMIME");
	continued(d, 250, "SMTPUTF8");
	continued(d, 250, "DSN");
	reply(d, 250, "", "ENHANCEDSTATUSCODES");
}

/* RFC 1870 §6.1: over the account's max_size, in sizes for people. */
static void
too_big(struct smtpd *d, long long size)
{
	char have[64], most[64];

	size_human_pair(size, d->max_size, have, most, sizeof(have));
	reply(d, 552, "5.3.4", "message is %s; max_size allows at most %s",
	    have, most);
}

static void
do_mail(struct smtpd *d, const struct smtpd_cmd *c)
{
	if (d->state == ST_START) {
		reply(d, 503, "5.5.1", "Error: send HELO or EHLO first");
		return;
	}
	if (d->state != ST_READY) {
		reply(d, 503, "5.5.1", "Error: nested MAIL command");
		return;
	}
	if (address_is_8bit(c->path) && !c->smtputf8) {
		reply(d, 553, "5.6.7", "non-ASCII sender address needs "
		    "MAIL FROM:<...> SMTPUTF8");
		return;
	}
	d->max_size = submit_session_max_size(d->ss, c->path);
	if (d->max_size > 0 && c->size > d->max_size) {
		too_big(d, c->size);
		return;
	}
	d->from = xstrdup(c->path);
	d->smtputf8 = c->smtputf8;
	d->body_8bit = c->body == SMTPD_BODY_8BITMIME;
	memcpy(d->ret, c->ret, sizeof(d->ret));
	d->envid = c->envid[0] != '\0' ? xstrdup(c->envid) : NULL;
	session_state(d, ST_MAIL);
	reply(d, 250, "2.1.0", "Ok");
}

/* The envelope carries one NOTIFY for all recipients (delivery.h): a
 * recipient asking for another one waits for the next transaction, which
 * a 452 asks the client to start (RFC 5321 §4.5.3.1.10). */
static bool
notify_fits(struct smtpd *d, const struct smtpd_cmd *c)
{
	const char *want = c->notify[0] != '\0' ? c->notify : NULL;

	if (!d->notify_set)
		return true;
	if (want == NULL || d->notify == NULL)
		return want == d->notify;
	return strcmp(want, d->notify) == 0;
}

static void
do_rcpt(struct smtpd *d, const struct smtpd_cmd *c)
{
	struct err e;

	err_clear(&e);
	if (d->state != ST_MAIL && d->state != ST_RCPT) {
		reply(d, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	if (d->rcpts.n >= SMTPD_RCPT_MAX) {
		reply(d, 452, "4.5.3", "Error: too many recipients");
		return;
	}
	if (address_is_8bit(c->path) && !d->smtputf8) {
		reply(d, 553, "5.6.7", "non-ASCII recipient address needs "
		    "MAIL FROM:<...> SMTPUTF8");
		return;
	}
	if (!notify_fits(d, c)) {
		reply(d, 452, "4.5.3", "one NOTIFY per transaction: send "
		    "this recipient in the next one");
		return;
	}
	if (submit_check_rcpt(d->ss, d->from, c->path, &e) == -1) {
		if (e.ex == EX_DATAERR)
			reply(d, 553, "5.1.3", "%s", e.msg);
		else if (e.ex == EX_UNAVAILABLE)
			reply(d, 550, "5.1.1", "%s", e.msg);
		else
			reply(d, 451, "4.3.0", "%s", e.msg);
		return;
	}
	if (!d->notify_set && c->notify[0] != '\0')
		d->notify = xstrdup(c->notify);
	d->notify_set = true;
	strlist_add(&d->rcpts, c->path);
	session_state(d, ST_RCPT);
	reply(d, 250, "2.1.5", "Ok");
}

/* The enhanced status for a recipient refused for good, from the class
 * delivery.c gave it (the server's own code is passed on as it was). */
static const char *
refusal_status(int ex)
{
	return ex == EX_NOUSER ? "5.1.1" : ex == EX_NOHOST ? "5.1.2" :
	    "5.0.0";
}

/* The refused recipients after a partial acceptance, for the 250 text. */
static void
describe_refused(const struct report *rep, struct buf *b)
{
	size_t nref = 0;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome == OUT_PERMFAIL)
			buf_printf(b, "%s%s", nref++ == 0 ? "; refused: " :
			    ", ", rep->v[i].addr);
	if (nref > 0 && rep->saved[0] != '\0')
		buf_printf(b, " (kept in %s)", rep->saved);
}

/*
 * The reply to the final ".", from what submit_transaction did: 250 once
 * every recipient is delivered, queued or refused for good with at least
 * one accepted (the refused ones are in failed/, as a queue run keeps
 * them); 5xx when every recipient was refused for good; 451 when a
 * recipient is left neither sent nor queued (queue off, or the queue
 * could not be written): the client still owns the message.
 */
static void
reply_to_dot(struct smtpd *d, int rc, const struct report *rep,
    const struct err *e)
{
	const struct rcpt_result *perm = NULL, *temp = NULL;
	size_t nperm = 0;
	struct buf b;

	if (rc == -1) {
		if (rep->n == 0 && (e->ex == EX_DATAERR || e->ex == EX_USAGE))
			reply(d, 554, "5.6.0", "%s", e->msg);
		else
			reply(d, 451, "4.3.0", "%s", e->msg);
		return;
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct rcpt_result *r = &rep->v[i];

		if (r->outcome == OUT_PERMFAIL && nperm++ == 0)
			perm = r;
		if (r->outcome == OUT_TEMPFAIL && temp == NULL)
			temp = r;
	}
	if (temp != NULL) {
		reply(d, 451, "4.3.0", "%s", temp->text);
		return;
	}
	if (perm != NULL && nperm == rep->n) {
		int code = perm->code >= 500 && perm->code <= 599 ?
		    perm->code : 550;

		reply(d, code, refusal_status(perm->ex), "%s", perm->text);
		return;
	}
	buf_init(&b);
	if (rep->queue_id[0] != '\0')
		buf_printf(&b, "queued as %s", rep->queue_id);
	else
		buf_printf(&b, "sent via %s: %s", rep->server, rep->reply);
	describe_refused(rep, &b);
	reply(d, 250, "2.0.0", "%s", b.data);
	buf_free(&b);
}

/* Hand the spooled message to the sendmail-mode path and answer. */
static void
run_transaction(struct smtpd *d, struct data_spool *sp)
{
	struct submit_envelope t = {
		.from = d->from,
		.rcpts = &d->rcpts,
		.notify = d->notify,
		.ret = d->ret[0] != '\0' ? d->ret : NULL,
		.envid = d->envid,
		.body_8bit = d->body_8bit,
	};
	struct report rep;
	struct err e;
	int rc;

	err_clear(&e);
	memset(&rep, 0, sizeof(rep));
	if (sp->failed || lseek(sp->fd, 0, SEEK_SET) == -1) {
		reply(d, 451, "4.3.0", "cannot write the spool file: %s",
		    strerror(errno));
		return;
	}
	rc = submit_transaction(d->ss, &t, sp->fd, &rep, &e);
	reply_to_dot(d, rc, &rep, &e);
	report_free(&rep);
}

/* DATA: 354, the message into a spool, then the reply to ".".  Returns
 * what ended the input when it ended before the "." (the message is
 * discarded: nothing sent, nothing queued). */
static enum in_result
do_data(struct smtpd *d)
{
	struct data_spool sp = { .fd = -1 };
	enum in_result r;
	struct err e;

	if (d->state == ST_MAIL) {
		reply(d, 554, "5.5.1", "Error: no valid recipients");
		return IN_OK;
	}
	if (d->state != ST_RCPT) {
		reply(d, 503, "5.5.1", "Error: need RCPT command");
		return IN_OK;
	}
	if ((sp.fd = spool_open(NULL, &e)) == -1) {
		reply(d, 451, "4.3.0", "%s", e.msg);
		return IN_OK;
	}
	buf_init(&sp.b);
	session_state(d, ST_DATA);
	reply(d, 354, "", "End data with <CR><LF>.<CR><LF>");
	r = read_data(d, &sp);
	if (d->o->verbose) {
		char line[80];
		int n = snprintf(line, sizeof(line), "[%lld octets of data]%s",
		    sp.bytes, r == IN_OK ? " ." : ", cut short");

		trace(d, "<-", line, (size_t)n);
	}
	if (r == IN_OK && !sp.failed && sp.b.len > 0 &&
	    write_all(sp.fd, sp.b.data, sp.b.len) == -1)
		sp.failed = true;
	if (r == IN_OK && d->max_size > 0 && sp.bytes > d->max_size)
		too_big(d, sp.bytes);
	else if (r == IN_OK)
		run_transaction(d, &sp);
	buf_free(&sp.b);
	close(sp.fd);
	txn_clear(d);
	if (r == IN_OK)
		session_state(d, ST_READY);
	return r;
}

static void
do_other(struct smtpd *d, const struct smtpd_cmd *c)
{
	switch (c->verb) {
	case SMTPD_RSET:
		txn_clear(d);
		if (d->state != ST_START)
			session_state(d, ST_READY);
		reply(d, 250, "2.0.0", "Ok");
		break;
	case SMTPD_NOOP:
		reply(d, 250, "2.0.0", "Ok");
		break;
	case SMTPD_VRFY:
		reply(d, 252, "2.5.2", "Cannot VRFY user, but will accept "
		    "message and attempt delivery");
		break;
	case SMTPD_HELP:
		reply(d, 214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA "
		    "RSET NOOP VRFY HELP QUIT");
		break;
	case SMTPD_QUIT:
		reply(d, 221, "2.0.0", "Bye");
		session_state(d, ST_QUIT);
		break;
	default:
		break;
	}
}

/* One command line: parse, judge, reply. */
static enum in_result
command(struct smtpd *d, const char *line, size_t len, bool too_long)
{
	char why[SMTPD_REPLY_MAX];
	struct smtpd_cmd c;

	trace(d, "<-", line, len > 200 ? 200 : len);
	if (too_long) {
		reply(d, 500, "5.5.2", "Error: line longer than %d octets",
		    SMTPD_LINE_MAX);
		return IN_OK;
	}
	if (smtpd_parse(line, len, &c, why, sizeof(why)) != 0) {
		reply(d, atoi(why), "", "%s", why + 4);
		return IN_OK;
	}
	switch (c.verb) {
	case SMTPD_HELO:
	case SMTPD_EHLO:
		do_helo(d, &c);
		break;
	case SMTPD_MAIL:
		do_mail(d, &c);
		break;
	case SMTPD_RCPT:
		do_rcpt(d, &c);
		break;
	case SMTPD_DATA:
		return do_data(d);
	default:
		do_other(d, &c);
		break;
	}
	return IN_OK;
}

int
smtpd_run(const struct cli *cli, const struct smtpd_opts *o, struct err *e)
{
	struct smtpd *d = xcalloc(1, sizeof(*d));
	enum in_result r = IN_OK;
	int rc = 0;

	d->o = o;
	buf_init(&d->out);
	strlist_init(&d->rcpts);
	/* A client that goes away is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (submit_session_open(&d->ss, cli, e) == -1) {
		reply(d, 421, "4.3.0", "postie: %s", e->msg);
		flush_out(d);
		buf_free(&d->out);
		free(d);
		return -1;
	}
	d->domain = submit_session_domain(d->ss);
	reply(d, 220, "", "%s ESMTP postie", d->domain);
	while (r == IN_OK && d->state != ST_QUIT) {
		const char *line;
		size_t len;
		bool too_long;

		r = read_command(d, &line, &len, &too_long);
		if (r == IN_OK)
			r = command(d, line, len, too_long);
	}
	if (r == IN_TIMEOUT)
		reply(d, 421, "4.4.2", "%s Error: timeout exceeded", d->domain);
	if (flush_out(d) == -1 || r == IN_ERROR)
		rc = err_sys(e, EX_IOERR, "-bs: the SMTP client");
	txn_clear(d);
	strlist_free(&d->rcpts);
	submit_session_close(d->ss);
	buf_free(&d->out);
	free(d);
	return rc;
}
