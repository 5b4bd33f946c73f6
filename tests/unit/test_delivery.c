/*
 * test_delivery.c — unit tests for src/delivery.c: the failure policy of
 * spec §5 and delivery_exit_code's merging.
 *
 * Two levels.  The classification functions (delivery_rcpt_ex,
 * delivery_classify) are called directly with the replies and first
 * guesses the lower layers produce.  Then delivery_run is driven end to end
 * against a scripted fake server (a forked child on a loopback listener,
 * one protocol unit read per step, as in test_smtp.c), with a real account
 * (config_parse), route and message, so that what a user sees — each
 * recipient's outcome and the exit code — is checked, not only the tables.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "delivery.h"
#include "message.h"
#include "util.h"

/* ---- classification ------------------------------------------------------ */

/* The RCPT reply "550 5.1.1 no such user" as smtp.c keeps it. */
static const struct reply_said *
said(const char *line)
{
	static struct reply_said d;
	char *end;

	memset(&d, 0, sizeof(d));
	d.code = (int)strtol(line, &end, 10);
	if (end[0] == ' ' && end[1] >= '2' && end[1] <= '5' && end[2] == '.')
		snprintf(d.status, sizeof(d.status), "%.*s",
		    (int)strcspn(end + 1, " "), end + 1);
	snprintf(d.line, sizeof(d.line), "%s", line);
	return &d;
}

static void
rcpt_550_511_is_no_such_user(void)
{
	CHECK_INT(delivery_rcpt_ex(said("550 5.1.1 no such user")),
	    EX_NOUSER);
	CHECK_INT(EX_NOUSER, 67);
}

static void
rcpt_550_without_enhanced_code_is_no_such_user(void)
{
	CHECK_INT(delivery_rcpt_ex(said("550 mailbox unavailable")),
	    EX_NOUSER);
	CHECK_INT(delivery_rcpt_ex(said("553 5.1.3 bad address syntax")),
	    EX_NOUSER);
	CHECK_INT(delivery_rcpt_ex(said("551 5.1.6 user not local")),
	    EX_NOUSER);
}

static void
rcpt_512_and_null_mx_are_no_such_host(void)
{
	CHECK_INT(delivery_rcpt_ex(said("550 5.1.2 bad destination "
	    "system")), EX_NOHOST);
	CHECK_INT(EX_NOHOST, 68);
	CHECK_INT(delivery_rcpt_ex(said("556 5.1.10 null MX")),
	    EX_NOHOST);
	CHECK_INT(delivery_rcpt_ex(said("554 no such domain")),
	    EX_NOHOST);
}

static void
rcpt_other_5xx_is_unavailable(void)
{
	CHECK_INT(delivery_rcpt_ex(said("552 5.2.2 mailbox full")),
	    EX_UNAVAILABLE);
	CHECK_INT(delivery_rcpt_ex(said("550 5.7.1 relaying denied")),
	    EX_UNAVAILABLE);
	CHECK_INT(delivery_rcpt_ex(said("554 5.1.1 transaction failed")),
	    EX_UNAVAILABLE);	/* 554 is not a "no such user" code */
	CHECK_INT(delivery_rcpt_ex(said("550 5.3.0 system error")),
	    EX_UNAVAILABLE);
	CHECK_INT(EX_UNAVAILABLE, 69);
}

/* The enhanced code must follow the reply code itself: a "5.1.1" elsewhere
 * in the text does not count. */
static void
rcpt_status_read_after_the_reply_code_only(void)
{
	CHECK_INT(delivery_rcpt_ex(said("550 5.7.1 see 5.1.2 docs")),
	    EX_UNAVAILABLE);
}

struct classify_case {
	int	 ex;			/* the lower layer's first guess */
	enum smtp_stage stage;
	enum outcome want_out;
	int	 want_ex;
};

static void
session_failures_classified_per_spec(void)
{
	static const struct classify_case cases[] = {
		/* 4xx, refused, timed out, lost: temporary, 75 */
		{ EX_TEMPFAIL, STAGE_GREETING, OUT_TEMPFAIL, EX_TEMPFAIL },
		{ EX_TEMPFAIL, STAGE_MAIL, OUT_TEMPFAIL, EX_TEMPFAIL },
		{ EX_TEMPFAIL, STAGE_CONNECT, OUT_TEMPFAIL, EX_TEMPFAIL },
		/* TLS and AUTH: a fixed configuration cures them: 77 */
		{ EX_NOPERM, STAGE_CONNECT, OUT_TEMPFAIL, EX_NOPERM },
		{ EX_UNAVAILABLE, STAGE_STARTTLS, OUT_TEMPFAIL, EX_NOPERM },
		{ EX_TEMPFAIL, STAGE_STARTTLS, OUT_TEMPFAIL, EX_NOPERM },
		{ EX_UNAVAILABLE, STAGE_AUTH, OUT_TEMPFAIL, EX_NOPERM },
		{ EX_NOPERM, STAGE_AUTH, OUT_TEMPFAIL, EX_NOPERM },
		/* malformed reply: temporary, 76 */
		{ EX_PROTOCOL, STAGE_EHLO, OUT_TEMPFAIL, EX_PROTOCOL },
		{ EX_PROTOCOL, STAGE_DOT, OUT_TEMPFAIL, EX_PROTOCOL },
		/* 5xx to the session or transaction: permanent */
		{ EX_UNAVAILABLE, STAGE_MAIL, OUT_PERMFAIL, EX_UNAVAILABLE },
		{ EX_UNAVAILABLE, STAGE_GREETING, OUT_PERMFAIL, EX_UNAVAILABLE },
		{ EX_NOHOST, STAGE_CONNECT, OUT_PERMFAIL, EX_NOHOST },
		{ EX_DATAERR, STAGE_MAIL, OUT_PERMFAIL, EX_DATAERR },
		/* a configuration error stays one, and stays temporary */
		{ EX_CONFIG, STAGE_CONNECT, OUT_TEMPFAIL, EX_CONFIG },
		/* an unknown code is not taken for a refusal */
		{ EX_USAGE, STAGE_DATA, OUT_TEMPFAIL, EX_TEMPFAIL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct classify_case *c = &cases[i];
		struct err e;
		enum outcome out = OUT_SENT;
		int ex = -1;

		err_set(&e, c->ex, "case %zu", i);
		delivery_classify(&e, c->stage, &out, &ex);
		if (out != c->want_out || ex != c->want_ex)
			fprintf(stderr, "  case %zu (ex %d, stage %s):\n", i,
			    c->ex, smtp_stage_name(c->stage));
		CHECK_INT(out, c->want_out);
		CHECK_INT(ex, c->want_ex);
	}
}

/* ---- delivery_exit_code -------------------------------------------------- */

static int
exit_code_of(const enum outcome *out, const int *ex, size_t n)
{
	struct rcpt_result v[8];
	struct report rep = { .v = v, .n = n };

	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < n; i++) {
		v[i].outcome = out[i];
		v[i].ex = ex[i];
	}
	return delivery_exit_code(&rep);
}

static void
exit_code_zero_when_all_sent(void)
{
	enum outcome o[] = { OUT_SENT, OUT_SENT };
	int x[] = { 0, 0 };

	CHECK_INT(exit_code_of(o, x, 2), 0);
	CHECK_INT(exit_code_of(o, x, 0), 0);
}

static void
exit_code_permanent_before_temporary(void)
{
	enum outcome o[] = { OUT_TEMPFAIL, OUT_PERMFAIL };
	int x[] = { EX_TEMPFAIL, EX_NOUSER };

	CHECK_INT(exit_code_of(o, x, 2), EX_NOUSER);
}

static void
exit_code_partial_refusal_is_success(void)
{
	enum outcome sent[] = { OUT_SENT, OUT_PERMFAIL };
	enum outcome queued[] = { OUT_PERMFAIL, OUT_QUEUED };
	enum outcome temp[] = { OUT_SENT, OUT_TEMPFAIL, OUT_PERMFAIL };
	int x[] = { 0, EX_NOUSER, EX_NOUSER };
	int y[] = { 0, EX_TEMPFAIL, EX_NOUSER };

	CHECK_INT(exit_code_of(sent, x, 2), 0);
	CHECK_INT(exit_code_of(queued, x + 1, 2), 0);
	/* Not queued (queue off): the caller must keep the message. */
	CHECK_INT(exit_code_of(temp, y, 3), EX_TEMPFAIL);
}

static void
exit_code_first_permanent_wins(void)
{
	enum outcome o[] = { OUT_PERMFAIL, OUT_PERMFAIL };
	int x[] = { EX_NOHOST, EX_NOUSER };

	CHECK_INT(exit_code_of(o, x, 2), EX_NOHOST);
}

static void
exit_code_temporary_keeps_its_code(void)
{
	enum outcome o[] = { OUT_SENT, OUT_TEMPFAIL, OUT_TEMPFAIL };
	int x[] = { 0, EX_NOPERM, EX_TEMPFAIL };

	CHECK_INT(exit_code_of(o, x, 3), EX_NOPERM);
}

static void
exit_code_defaults_when_result_has_no_code(void)
{
	enum outcome p[] = { OUT_PERMFAIL };
	enum outcome t[] = { OUT_TEMPFAIL };
	int x[] = { 0 };

	CHECK_INT(exit_code_of(p, x, 1), EX_UNAVAILABLE);
	CHECK_INT(exit_code_of(t, x, 1), EX_TEMPFAIL);
}

/* ---- fake server ----------------------------------------------------------- */

struct step {
	const char *expect;	/* command prefix read first, or NULL */
	const char *reply;	/* sent after it; NULL: close the connection;
				 * "" (NEXT_CONN): close, accept the next one */
};

#define SRV_BUF	(256 * 1024)

struct srv {
	char	 buf[SRV_BUF];
	size_t	 len;
	int	 fd;
	bool	 data_mode;	/* after a 354: the payload through CRLF.CRLF */
};

static size_t
unit_len(const struct srv *v)
{
	const char *end;

	if (v->data_mode) {
		if (v->len >= 3 && memcmp(v->buf, ".\r\n", 3) == 0)
			return 3;
		end = memmem(v->buf, v->len, "\r\n.\r\n", 5);
		return end ? (size_t)(end - v->buf) + 5 : 0;
	}
	end = memmem(v->buf, v->len, "\r\n", 2);
	return end ? (size_t)(end - v->buf) + 2 : 0;
}

/* One unit into the front of the buffer; its length, or 0 at EOF. */
static size_t
srv_unit(struct srv *v)
{
	size_t n;
	ssize_t r;

	while ((n = unit_len(v)) == 0) {
		if (v->len == sizeof(v->buf))
			return 0;
		r = read(v->fd, v->buf + v->len, sizeof(v->buf) - v->len);
		if (r <= 0)
			return 0;
		v->len += (size_t)r;
	}
	return n;
}

static void
srv_consume(struct srv *v, size_t n)
{
	memmove(v->buf, v->buf + n, v->len - n);
	v->len -= n;
}

/* The child: follow the script (exit 2 on an unexpected command), then
 * answer a QUIT and wait for the client to close.  NEXT_CONN closes the
 * connection unasked, as a server ending an idle session does, and takes
 * the client's next one. */
static void
srv_run(int lfd, const struct step *steps)
{
	static struct srv v;
	size_t n;

	alarm(10);
	if ((v.fd = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	for (; steps->expect != NULL || steps->reply != NULL; steps++) {
		if (steps->expect != NULL) {
			if ((n = srv_unit(&v)) == 0)
				_exit(3);
			if (strncmp(v.buf, steps->expect,
			    strlen(steps->expect)) != 0)
				_exit(2);
			v.data_mode = false;
			srv_consume(&v, n);
		}
		if (steps->reply == NULL)
			_exit(0);
		if (steps->reply[0] == '\0') {
			close(v.fd);
			v.len = 0;
			if ((v.fd = accept(lfd, NULL, NULL)) == -1)
				_exit(1);
			continue;
		}
		if (write(v.fd, steps->reply, strlen(steps->reply)) < 0)
			_exit(1);
		v.data_mode = strncmp(steps->reply, "354", 3) == 0;
	}
	while ((n = srv_unit(&v)) > 0) {
		if (strncmp(v.buf, "QUIT", 4) == 0 &&
		    write(v.fd, "221 bye\r\n", 9) < 0)
			_exit(1);
		srv_consume(&v, n);
	}
	_exit(0);
}

/* Listen on a loopback port, fork the server; its port, or 0. */
static int
fake_start(pid_t *pid, const struct step *steps)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int lfd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		return 0;
	if ((*pid = fork()) == 0)
		srv_run(lfd, steps);
	close(lfd);
	return ntohs(sin.sin_port);
}

/* The server's exit status: 0 when the client followed the script. */
static int
fake_finish(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A port nothing listens on (bound, then closed). */
static int
closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* ---- one delivery_run against the fake ----------------------------------- */

struct run {
	struct report rep;
	int	 rc;			/* delivery_run's */
	int	 ex;			/* delivery_exit_code */
	int	 server;		/* fake_finish */
	struct err e;
};

static int
message_from(struct message *m, const char *text)
{
	struct message_read_opts ro = { .dot_ends_message = false };
	struct err e;
	int p[2], rc;

	message_init(m);
	if (pipe(p) == -1)
		return -1;
	if (write(p[1], text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(p[1]);
	rc = message_read(m, p[0], &ro, &e);
	close(p[0]);
	if (rc == -1)
		fprintf(stderr, "  message_read: %s\n", e.msg);
	return rc;
}

/* Deliver a small message from a@example.com to rcpts (comma-separated)
 * through an account of extra config lines, against steps (NULL: no
 * server, a closed port). */
static void
deliver(struct run *r, const struct step *steps, const char *rcpts,
    const char *extra, const char *password)
{
	struct delivery_opts o = { .password = password };
	struct envelope env = { .from = "a@example.com" };
	struct message m;
	struct config cfg;
	const struct account *a;
	char text[1024];
	pid_t pid = 0;
	int port;

	memset(r, 0, sizeof(*r));
	r->rc = -2;
	port = steps != NULL ? fake_start(&pid, steps) : closed_port();
	snprintf(text, sizeof(text), "account t\nhost 127.0.0.1\nport %d\n"
	    "tls off\ntimeout 5\ndomain client.example\n%s", port,
	    extra != NULL ? extra : "");
	if (port == 0 || config_parse(&cfg, text, strlen(text), "test",
	    &r->e) == -1) {
		fprintf(stderr, "  setup: %s\n", r->e.msg);
		return;
	}
	a = config_select(&cfg, "t", NULL, &r->e);
	strlist_init(&env.rcpts);
	for (const char *p = rcpts, *q; *p != '\0'; p = *q ? q + 1 : q) {
		q = p + strcspn(p, ",");
		strlist_addn(&env.rcpts, p, (size_t)(q - p));
	}
	if (a != NULL && message_from(&m, "Subject: t\n\nbody\n") == 0) {
		r->rc = delivery_run(a, &m, &env, &o, &r->rep, &r->e);
		r->ex = delivery_exit_code(&r->rep);
		message_free(&m);
	}
	r->server = pid != 0 ? fake_finish(pid) : 0;
	strlist_free(&env.rcpts);
	config_free(&cfg);
}

#define GREET	{ NULL, "220 fake ESMTP\r\n" }
#define EHLO	{ "EHLO client.example", "250-fake\r\n250 8BITMIME\r\n" }
#define END	{ NULL, NULL }
#define NEXT_CONN { NULL, "" }

static void
rcpt_550_511_refuses_only_that_recipient(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:<a@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<gone@example.net>", "550 5.1.1 no such user\r\n" },
		{ "RCPT TO:<ok@example.net>", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "", "250 2.0.0 queued as X\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "gone@example.net,ok@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.server, 0);
	CHECK_INT(r.rep.n, 2);
	if (r.rep.n == 2) {
		CHECK_STR(r.rep.v[0].addr, "gone@example.net");
		CHECK_INT(r.rep.v[0].outcome, OUT_PERMFAIL);
		CHECK_INT(r.rep.v[0].ex, EX_NOUSER);
		CHECK(strstr(r.rep.v[0].text, "550 5.1.1 no such user") != NULL);
		CHECK(strstr(r.rep.v[0].text, "(in reply to RCPT TO)") != NULL);
		CHECK_STR(r.rep.v[0].reply, "550 5.1.1 no such user");
		CHECK_INT(r.rep.v[1].outcome, OUT_SENT);
	}
	/* One recipient has it: exit 0, the refusal goes to stderr. */
	CHECK_INT(r.ex, 0);
	CHECK(strstr(r.rep.reply, "queued as X") != NULL);
	report_free(&r.rep);
}

static void
rcpt_512_exits_68_and_552_exits_69(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "250 ok\r\n" },
		{ "RCPT TO:<x@nohost.example>", "550 5.1.2 bad destination\r\n" },
		{ "RCPT TO:<full@example.net>", "552 5.2.2 mailbox full\r\n" },
		{ "QUIT", "221 bye\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "x@nohost.example,full@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.server, 0);	/* no DATA once every RCPT was refused */
	CHECK_INT(r.rep.n, 2);
	if (r.rep.n == 2) {
		CHECK_INT(r.rep.v[0].outcome, OUT_PERMFAIL);
		CHECK_INT(r.rep.v[0].ex, EX_NOHOST);
		CHECK_INT(r.rep.v[1].outcome, OUT_PERMFAIL);
		CHECK_INT(r.rep.v[1].ex, EX_UNAVAILABLE);
	}
	CHECK_INT(r.ex, 68);
	report_free(&r.rep);
}

static void
rcpt_4xx_is_temporary_75(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "250 ok\r\n" },
		{ "RCPT TO:<later@example.net>", "450 4.2.1 try later\r\n" },
		{ "RCPT TO:<ok@example.net>", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "", "250 ok\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "later@example.net,ok@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.server, 0);
	if (r.rep.n == 2) {
		CHECK_INT(r.rep.v[0].outcome, OUT_TEMPFAIL);
		CHECK_INT(r.rep.v[0].ex, EX_TEMPFAIL);
		CHECK_INT(r.rep.v[1].outcome, OUT_SENT);
	}
	CHECK_INT(r.ex, 75);
	report_free(&r.rep);
}

static void
permanent_refusal_outranks_temporary_in_exit_code(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "250 ok\r\n" },
		{ "RCPT TO:<later@example.net>", "451 4.3.0 busy\r\n" },
		{ "RCPT TO:<gone@example.net>", "550 5.1.1 unknown\r\n" },
		{ "QUIT", "221 bye\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "later@example.net,gone@example.net", NULL, NULL);
	CHECK_INT(r.server, 0);
	CHECK_INT(r.ex, 67);
	report_free(&r.rep);
}

static void
mail_refused_4xx_defers_every_recipient(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "451 4.3.2 not now\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net,two@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.rep.n, 2);
	for (size_t i = 0; i < r.rep.n; i++) {
		CHECK_INT(r.rep.v[i].outcome, OUT_TEMPFAIL);
		CHECK_INT(r.rep.v[i].ex, EX_TEMPFAIL);
		CHECK(strstr(r.rep.v[i].text, "451 4.3.2") != NULL);
		CHECK_STR(r.rep.v[i].reply, "451 4.3.2 not now");
	}
	CHECK_INT(r.ex, 75);
	report_free(&r.rep);
}

static void
mail_refused_5xx_bounces_every_recipient(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "553 5.7.1 sender rejected\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net,two@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	for (size_t i = 0; i < r.rep.n; i++)
		CHECK_INT(r.rep.v[i].outcome, OUT_PERMFAIL);
	CHECK_INT(r.ex, 69);
	report_free(&r.rep);
}

static void
greeting_421_is_temporary(void)
{
	static const struct step s[] = {
		{ NULL, "421 4.3.2 too busy\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.rep.n, 1);
	if (r.rep.n == 1) {
		CHECK_INT(r.rep.v[0].outcome, OUT_TEMPFAIL);
		CHECK(strstr(r.rep.v[0].text, "421") != NULL);
		CHECK_STR(r.rep.v[0].reply, "421 4.3.2 too busy");
	}
	CHECK_INT(r.ex, 75);
	report_free(&r.rep);
}

static void
greeting_554_is_permanent(void)
{
	static const struct step s[] = {
		{ NULL, "554 5.7.1 no service for you\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	if (r.rep.n == 1)
		CHECK_INT(r.rep.v[0].outcome, OUT_PERMFAIL);
	CHECK_INT(r.ex, 69);
	report_free(&r.rep);
}

static void
connection_refused_is_temporary_75(void)
{
	struct run r;

	deliver(&r, NULL, "one@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	if (r.rep.n == 1)
		CHECK_INT(r.rep.v[0].outcome, OUT_TEMPFAIL);
	CHECK_INT(r.ex, 75);
	report_free(&r.rep);
}

static void
malformed_reply_is_protocol_error_76(void)
{
	static const struct step s[] = {
		GREET,
		{ "EHLO", "hello there\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	if (r.rep.n == 1)
		CHECK_INT(r.rep.v[0].outcome, OUT_TEMPFAIL);
	CHECK_INT(r.ex, 76);
	report_free(&r.rep);
}

static void
starttls_not_offered_is_temporary_77(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		END,
	};
	struct run r;

	/* "tls on" after the helper's "tls off": STARTTLS required. */
	deliver(&r, s, "one@example.net", "tls on\ntls_starttls on\n", NULL);
	CHECK_INT(r.rc, 0);
	if (r.rep.n == 1) {
		CHECK_INT(r.rep.v[0].outcome, OUT_TEMPFAIL);
		CHECK(strstr(r.rep.v[0].text, "STARTTLS") != NULL);
	}
	CHECK_INT(r.ex, 77);
	report_free(&r.rep);
}

static void
auth_refused_is_temporary_77(void)
{
	static const struct step s[] = {
		GREET,
		{ "EHLO", "250-fake\r\n250 AUTH PLAIN\r\n" },
		{ "AUTH PLAIN", "535 5.7.8 bad credentials\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net", "auth plain\nuser u\n", "secret");
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.server, 0);
	if (r.rep.n == 1) {
		CHECK_INT(r.rep.v[0].outcome, OUT_TEMPFAIL);
		CHECK(strstr(r.rep.v[0].text, "535") != NULL);
	}
	CHECK_INT(r.ex, 77);
	report_free(&r.rep);
}

static void
final_reply_5xx_after_data_bounces_all(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "250 ok\r\n" },
		{ "RCPT TO:<one@example.net>", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "", "554 5.6.0 content rejected\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net", NULL, NULL);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.server, 0);
	if (r.rep.n == 1) {
		CHECK_INT(r.rep.v[0].outcome, OUT_PERMFAIL);
		CHECK(strstr(r.rep.v[0].text, "content rejected") != NULL);
	}
	CHECK_INT(r.ex, 69);
	report_free(&r.rep);
}

static void
report_names_server(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:", "250 ok\r\n" },
		{ "RCPT TO:", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "", "250 2.0.0 ok id=42\r\n" },
		END,
	};
	struct run r;

	deliver(&r, s, "one@example.net", NULL, NULL);
	CHECK_INT(r.ex, 0);
	CHECK(strstr(r.rep.server, "127.0.0.1") != NULL);
	CHECK_STR(r.rep.tls, "");
	CHECK(strstr(r.rep.reply, "250 2.0.0 ok id=42") != NULL);
	report_free(&r.rep);
}

/* ---- a queue run: sessions kept in a delivery_cache ---------------------- */

#define QMAX	4

/* Deliver n messages, one recipient each (rcpt1@, rcpt2@ ...), one
 * account, through one delivery_cache, as a queue run does. */
static void
deliver_queue(struct run *r, size_t n, const struct step *steps,
    int *server)
{
	struct delivery_opts o = { .password = NULL };
	struct envelope env = { .from = "a@example.com" };
	struct config cfg;
	const struct account *a = NULL;
	struct message m;
	char text[512], to[64];
	pid_t pid = 0;
	int port;

	memset(r, 0, n * sizeof(*r));
	*server = -2;
	if ((port = fake_start(&pid, steps)) == 0)
		return;
	snprintf(text, sizeof(text), "account t\nhost 127.0.0.1\nport %d\n"
	    "tls off\ntimeout 5\ndomain client.example\n", port);
	if (config_parse(&cfg, text, strlen(text), "test", &r[0].e) == 0)
		a = config_select(&cfg, "t", NULL, &r[0].e);
	o.cache = delivery_cache_new();
	for (size_t i = 0; a != NULL && i < n; i++) {
		r[i].rc = -2;
		strlist_init(&env.rcpts);
		snprintf(to, sizeof(to), "rcpt%zu@example.net", i + 1);
		strlist_add(&env.rcpts, to);
		if (message_from(&m, "Subject: q\n\nbody\n") == 0) {
			r[i].rc = delivery_run(a, &m, &env, &o, &r[i].rep,
			    &r[i].e);
			r[i].ex = delivery_exit_code(&r[i].rep);
			message_free(&m);
		}
		strlist_free(&env.rcpts);
	}
	delivery_cache_close(o.cache);
	*server = fake_finish(pid);
	if (a != NULL)
		config_free(&cfg);
}

/* Message k of a queue run: its envelope and body, accepted. */
#define QMSG(k) \
	{ "MAIL FROM:<a@example.com>", "250 ok\r\n" }, \
	{ "RCPT TO:<rcpt" #k "@example.net>", "250 ok\r\n" }, \
	{ "DATA", "354 go\r\n" }, \
	{ "", "250 2.0.0 queued as Q" #k "\r\n" }

static void
queue_run_sends_on_one_session_without_rset(void)
{
	static const struct step s[] = {
		GREET, EHLO, QMSG(1), QMSG(2), QMSG(3),
		{ "QUIT", "221 bye\r\n" }, END,
	};
	struct run r[QMAX];
	int server;

	deliver_queue(r, 3, s, &server);
	CHECK_INT(server, 0);	/* one EHLO, no RSET: the script's order */
	for (size_t i = 0; i < 3; i++) {
		CHECK_INT(r[i].rc, 0);
		CHECK_INT(r[i].ex, 0);
		CHECK_INT(r[i].rep.n, 1);
		if (r[i].rep.n == 1)
			CHECK_INT(r[i].rep.v[0].outcome, OUT_SENT);
		report_free(&r[i].rep);
	}
}

static void
queue_run_rsets_after_a_refused_recipient(void)
{
	static const struct step s[] = {
		GREET, EHLO,
		{ "MAIL FROM:<a@example.com>", "250 ok\r\n" },
		{ "RCPT TO:<rcpt1@", "550 5.1.1 no such user\r\n" },
		{ "RSET", "250 flushed\r\n" },
		QMSG(2),
		{ "QUIT", "221 bye\r\n" }, END,
	};
	struct run r[QMAX];
	int server;

	deliver_queue(r, 2, s, &server);
	CHECK_INT(server, 0);
	CHECK_INT(r[0].ex, EX_NOUSER);
	CHECK_INT(r[1].ex, 0);
	if (r[1].rep.n == 1)
		CHECK_INT(r[1].rep.v[0].outcome, OUT_SENT);
	report_free(&r[0].rep);
	report_free(&r[1].rep);
}

static void
kept_session_closed_while_idle_reconnects_not_deferred(void)
{
	static const struct step s[] = {
		GREET, EHLO, QMSG(1),
		NEXT_CONN,		/* the server ends the idle session */
		GREET, EHLO, QMSG(2), QMSG(3),
		{ "QUIT", "221 bye\r\n" }, END,
	};
	struct run r[QMAX];
	int server;

	deliver_queue(r, 3, s, &server);
	CHECK_INT(server, 0);	/* a second EHLO, each message once */
	for (size_t i = 0; i < 3; i++) {
		CHECK_INT(r[i].ex, 0);
		CHECK_INT(r[i].rep.n, 1);
		if (r[i].rep.n == 1)
			CHECK_INT(r[i].rep.v[0].outcome, OUT_SENT);
		report_free(&r[i].rep);
	}
}

static void
kept_session_421_on_mail_reconnects_not_deferred(void)
{
	static const struct step s[] = {
		GREET, EHLO, QMSG(1),
		{ "MAIL FROM:", "421 4.4.2 idle timeout exceeded\r\n" },
		NEXT_CONN,
		GREET, EHLO, QMSG(2),
		{ "QUIT", "221 bye\r\n" }, END,
	};
	struct run r[QMAX];
	int server;

	deliver_queue(r, 2, s, &server);
	CHECK_INT(server, 0);
	CHECK_INT(r[1].ex, 0);
	if (r[1].rep.n == 1) {
		CHECK_INT(r[1].rep.v[0].outcome, OUT_SENT);
		CHECK(strstr(r[1].rep.reply, "queued as Q2") != NULL);
	}
	report_free(&r[0].rep);
	report_free(&r[1].rep);
}

static void
kept_session_lost_after_mail_accepted_is_deferred(void)
{
	static const struct step s[] = {
		GREET, EHLO, QMSG(1),
		{ "MAIL FROM:", "250 ok\r\n" },
		{ "RCPT TO:<rcpt2@", NULL },	/* drops mid-transaction */
	};
	struct run r[QMAX];
	int server;

	deliver_queue(r, 2, s, &server);
	CHECK_INT(server, 0);
	CHECK_INT(r[0].ex, 0);
	/* Answered, then lost: not retried on the spot (one connection
	 * only, the server would have had to accept a second). */
	CHECK_INT(r[1].ex, EX_TEMPFAIL);
	if (r[1].rep.n == 1) {
		CHECK_INT(r[1].rep.v[0].outcome, OUT_TEMPFAIL);
		CHECK(strstr(r[1].rep.v[0].text, "RCPT TO") != NULL);
	}
	report_free(&r[0].rep);
	report_free(&r[1].rep);
}

/* ---- delivery_probe (--serverinfo) --------------------------------------- */

/* Probe an account of extra lines (after host, port, tls off) against
 * steps; NULL steps: a closed port. */
static int
probe(const struct step *steps, const char *extra, struct smtp **s,
    struct err *e, pid_t *pid)
{
	struct config cfg;
	const struct account *a;
	char text[512];
	int port, rc = -1;

	*pid = 0;
	port = steps != NULL ? fake_start(pid, steps) : closed_port();
	snprintf(text, sizeof(text), "account t\nhost 127.0.0.1\nport %d\n"
	    "tls off\ntimeout 5\ndomain client.example\n%s", port, extra);
	if (config_parse(&cfg, text, strlen(text), "test", e) == -1)
		return -1;
	if ((a = config_select(&cfg, "t", NULL, e)) != NULL)
		rc = delivery_probe(a, NULL, s, e);
	config_free(&cfg);
	return rc;
}

static void
probe_keeps_greeting_and_ehlo_and_sends_no_auth(void)
{
	static const struct step st[] = {
		{ NULL, "220-fake.example ESMTP\r\n220 second line\r\n" },
		{ "EHLO client.example", "250-fake.example hi\r\n"
		    "250-PIPELINING\r\n250 AUTH PLAIN\r\n" },
		{ "QUIT", "221 bye\r\n" },	/* straight after EHLO */
		END,
	};
	const struct smtp_reply *g, *h;
	struct smtp *s = NULL;
	struct err e;
	pid_t pid;

	err_clear(&e);
	CHECK_INT(probe(st, "auth plain\nuser u\npassword p\n", &s, &e,
	    &pid), 0);
	if (s != NULL) {
		g = smtp_greeting_reply(s);
		h = smtp_ehlo_reply(s);
		CHECK_INT(g->code, 220);
		CHECK_MEM(g->text, g->text_len, "fake.example ESMTP\nsecond line",
		    strlen("fake.example ESMTP\nsecond line"));
		CHECK_INT(h->code, 250);
		CHECK_MEM(h->text, h->text_len,
		    "fake.example hi\nPIPELINING\nAUTH PLAIN",
		    strlen("fake.example hi\nPIPELINING\nAUTH PLAIN"));
		CHECK(!conn_is_tls(smtp_conn(s)));
		smtp_quit(s);
	}
	CHECK_INT(fake_finish(pid), 0);
}

static void
probe_failure_has_delivery_codes(void)
{
	static const struct step st[] = { GREET, EHLO, END };
	struct smtp *s = NULL;
	struct err e;
	pid_t pid;

	err_clear(&e);
	CHECK_INT(probe(NULL, "", &s, &e, &pid), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(s == NULL);
	err_clear(&e);
	CHECK_INT(probe(st, "tls on\ntls_starttls on\n", &s, &e, &pid), -1);
	CHECK_INT(e.ex, EX_NOPERM);	/* STARTTLS required, not offered */
	CHECK(strstr(e.msg, "STARTTLS") != NULL);
	CHECK_INT(fake_finish(pid), 0);
}

static const struct test tests[] = {
	TEST(rcpt_550_511_is_no_such_user),
	TEST(rcpt_550_without_enhanced_code_is_no_such_user),
	TEST(rcpt_512_and_null_mx_are_no_such_host),
	TEST(rcpt_other_5xx_is_unavailable),
	TEST(rcpt_status_read_after_the_reply_code_only),
	TEST(session_failures_classified_per_spec),
	TEST(exit_code_zero_when_all_sent),
	TEST(exit_code_permanent_before_temporary),
	TEST(exit_code_partial_refusal_is_success),
	TEST(exit_code_first_permanent_wins),
	TEST(exit_code_temporary_keeps_its_code),
	TEST(exit_code_defaults_when_result_has_no_code),
	TEST(rcpt_550_511_refuses_only_that_recipient),
	TEST(rcpt_512_exits_68_and_552_exits_69),
	TEST(rcpt_4xx_is_temporary_75),
	TEST(permanent_refusal_outranks_temporary_in_exit_code),
	TEST(mail_refused_4xx_defers_every_recipient),
	TEST(mail_refused_5xx_bounces_every_recipient),
	TEST(greeting_421_is_temporary),
	TEST(greeting_554_is_permanent),
	TEST(connection_refused_is_temporary_75),
	TEST(malformed_reply_is_protocol_error_76),
	TEST(starttls_not_offered_is_temporary_77),
	TEST(auth_refused_is_temporary_77),
	TEST(final_reply_5xx_after_data_bounces_all),
	TEST(report_names_server),
	TEST(queue_run_sends_on_one_session_without_rset),
	TEST(queue_run_rsets_after_a_refused_recipient),
	TEST(kept_session_closed_while_idle_reconnects_not_deferred),
	TEST(kept_session_421_on_mail_reconnects_not_deferred),
	TEST(kept_session_lost_after_mail_accepted_is_deferred),
	TEST(probe_keeps_greeting_and_ehlo_and_sends_no_auth),
	TEST(probe_failure_has_delivery_codes),
};

CHECK_MAIN(tests)
