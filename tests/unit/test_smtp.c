/*
 * test_smtp.c — unit tests for src/smtp.c against a scripted fake server.
 *
 * The fake server is a forked child on a loopback listener.  It follows a
 * script of steps (the command it expects, the reply it sends), reads the
 * client's input as protocol units (a command line; after a 354 the whole
 * DATA payload through CRLF.CRLF; a BDAT line with its octets), and logs
 * each unit with the number of the read() call that completed it, so a
 * test can check that pipelined commands arrived in one read.
 *
 * The body source (body.h) is a fake over a buffer that hands out a fixed
 * body in blocks of a chosen size, to put dot-stuffing boundaries where a
 * test wants them.
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
#include "smtp.h"
#include "util.h"

/* ---- fake body source -------------------------------------------------- */

/* A body from a buffer, handed out in blocks of at most block bytes. */
struct fake_body {
	const char *text;
	size_t	 block;
	bool	 eightbit;	/* the wire form is 8-bit when 8BITMIME is */
	size_t	 off;
	struct wire_opts w;	/* of the last prepare */
	int	 prepared;	/* calls to prepare */
};

static int
fake_prepare(void *ctx, const struct wire_opts *w, off_t *size,
    bool *eightbit, struct err *e)
{
	struct fake_body *fb = ctx;

	(void)e;
	fb->w = *w;
	fb->prepared++;
	if (size != NULL)
		*size = (off_t)strlen(fb->text);
	if (eightbit != NULL)
		*eightbit = fb->eightbit && w->eightbitmime;
	return 0;
}

static int
fake_open(void *ctx, struct err *e)
{
	struct fake_body *fb = ctx;

	(void)e;
	fb->off = 0;
	return 0;
}

static ssize_t
fake_read(void *ctx, char *buf, size_t len, struct err *e)
{
	struct fake_body *fb = ctx;
	size_t left = strlen(fb->text) - fb->off;

	(void)e;
	if (len > fb->block)
		len = fb->block;
	if (len > left)
		len = left;
	memcpy(buf, fb->text + fb->off, len);
	fb->off += len;
	return (ssize_t)len;
}

static void
fake_close(void *ctx)
{
	(void)ctx;
}

static struct fake_body fbody;
static const struct body_source body_src = { &fbody, fake_prepare, fake_open,
	fake_read, fake_close };

/* ---- fake server --------------------------------------------------------- */

struct step {
	const char *expect;	/* command prefix to read first, or NULL */
	const char *reply;	/* sent after it, or NULL (then close) */
};

#define SRV_BUF	(4 * 1024 * 1024)
#define LOG_MAX	32

struct srv {
	char	*buf;
	size_t	 len;
	int	 fd;
	int	 reads;
	bool	 data_mode;	/* after a 354: the next unit is the payload */
};

/* Length of the first complete unit in the buffer, or 0. */
static size_t
unit_len(const struct srv *v)
{
	char *end;
	size_t n;

	if (v->data_mode) {
		if (v->len >= 3 && memcmp(v->buf, ".\r\n", 3) == 0)
			return 3;
		end = memmem(v->buf, v->len, "\r\n.\r\n", 5);
		return end ? (size_t)(end - v->buf) + 5 : 0;
	}
	end = memmem(v->buf, v->len, "\r\n", 2);
	if (end == NULL)
		return 0;
	n = (size_t)(end - v->buf) + 2;
	if (v->len >= 5 && memcmp(v->buf, "BDAT ", 5) == 0)
		n += strtoul(v->buf + 5, NULL, 10);
	return n <= v->len ? n : 0;
}

/* Read until one unit is complete; log it.  -1 at EOF. */
static int
srv_unit(struct srv *v, FILE *log, size_t *n)
{
	ssize_t r;

	while ((*n = unit_len(v)) == 0) {
		r = read(v->fd, v->buf + v->len, SRV_BUF - v->len);
		if (r <= 0) {
			fprintf(log, "%d 3\nEOF\n", v->reads);
			return -1;
		}
		v->reads++;
		v->len += (size_t)r;
	}
	fprintf(log, "%d %zu\n", v->reads, *n);
	fwrite(v->buf, 1, *n, log);
	fputc('\n', log);
	return 0;
}

static void
srv_run(int lfd, const struct step *steps, const char *logpath)
{
	struct srv v = { .buf = malloc(SRV_BUF) };
	FILE *log = fopen(logpath, "w");
	bool hangup = false;
	size_t n;

	alarm(10);
	v.fd = accept(lfd, NULL, NULL);
	for (; steps->expect != NULL || steps->reply != NULL; steps++) {
		if (steps->expect != NULL) {
			if (srv_unit(&v, log, &n) == -1)
				_exit(1);
			if (strncmp(v.buf, steps->expect,
			    strlen(steps->expect)) != 0) {
				fprintf(log, "0 8\nMISMATCH\n");
				_exit(1);
			}
			v.data_mode = false;
			memmove(v.buf, v.buf + n, v.len - n);
			v.len -= n;
		}
		if ((hangup = steps->reply == NULL))
			break;
		if (write(v.fd, steps->reply, strlen(steps->reply)) < 0)
			_exit(1);
		v.data_mode = strncmp(steps->reply, "354", 3) == 0;
	}
	if (!hangup)	/* log what follows the script (EOF, we hope) */
		srv_unit(&v, log, &n);
	fclose(log);
	_exit(0);
}

struct fake {
	pid_t	 pid;
	char	 logpath[64];
	/* What the server read, unit by unit. */
	size_t	 n;
	int	 readno[LOG_MAX];
	char	*unit[LOG_MAX];
};

static struct conn *
fake_start(struct fake *f, const struct step *steps)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	struct conn *c = NULL;
	struct err e;
	int lfd;

	memset(f, 0, sizeof(*f));
	snprintf(f->logpath, sizeof(f->logpath), "/tmp/test_smtp.%d.log",
	    (int)getpid());
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		return NULL;
	if ((f->pid = fork()) == 0)
		srv_run(lfd, steps, f->logpath);
	close(lfd);
	if (conn_connect_addr(&c, (struct sockaddr *)&sin, slen, NULL, 5000,
	    &e) == -1) {
		fprintf(stderr, "  connect: %s\n", e.msg);
		return NULL;
	}
	return c;
}

/* Wait for the server and load its log. */
static void
fake_finish(struct fake *f)
{
	FILE *log;
	int rn;
	size_t len;

	waitpid(f->pid, NULL, 0);
	if ((log = fopen(f->logpath, "r")) == NULL)
		return;
	while (f->n < LOG_MAX && fscanf(log, "%d %zu", &rn, &len) == 2) {
		fgetc(log);
		f->readno[f->n] = rn;
		f->unit[f->n] = calloc(1, len + 1);
		if (fread(f->unit[f->n], 1, len, log) != len)
			break;
		fgetc(log);
		f->n++;
	}
	fclose(log);
	unlink(f->logpath);
}

static void
fake_free(struct fake *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->unit[i]);
}

/* The index of the first unit starting with prefix, or -1. */
static int
fake_find(const struct fake *f, const char *prefix)
{
	for (size_t i = 0; i < f->n; i++)
		if (strncmp(f->unit[i], prefix, strlen(prefix)) == 0)
			return (int)i;
	return -1;
}

/* ---- helpers ------------------------------------------------------------- */

static struct smtp_params
params(void)
{
	struct smtp_params p = { .helo_name = "client.example",
	    .tls = TLSMODE_NONE, .timeout_s = 5 };
	return p;
}

static void
set_body(const char *text, size_t block)
{
	memset(&fbody, 0, sizeof(fbody));
	fbody.text = text;
	fbody.block = block;
}

/* A transaction from a@example.org to the given addresses. */
static void
txn_init(struct smtp_txn *t, struct smtp_rcpt *r, size_t n,
    const char *const *addrs)
{
	memset(t, 0, sizeof(*t));
	memset(r, 0, n * sizeof(*r));
	for (size_t i = 0; i < n; i++)
		r[i].addr = addrs[i];
	t->from = "a@example.org";
	t->rcpts = r;
	t->nrcpts = n;
	t->body = &body_src;
}

#define GREET	"220 mx.test ESMTP\r\n"
#define EHLO_PIPE "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 100000\r\n"
#define EHLO_PLAIN "250-mx.test\r\n250 8BITMIME\r\n"

/* Run one session that sends one transaction; returns smtp_send's rc. */
static int
run_txn(struct fake *f, const struct step *steps, struct smtp_params *p,
    struct smtp_txn *t, struct err *e)
{
	struct conn *c = fake_start(f, steps);
	struct smtp *s;
	int rc;

	if (c == NULL)
		return -2;
	if (smtp_open(&s, c, p, NULL, e) == -1) {
		fake_finish(f);
		return -3;
	}
	rc = smtp_send(s, t, e);
	if (getenv("TEST_VERBOSE") && rc != 0)
		fprintf(stderr, "  smtp_send: %s\n", e->msg);
	smtp_quit(s);
	fake_finish(f);
	return rc;
}

/* ---- tests ---------------------------------------------------------------- */

static void
pipelined_envelope_arrives_in_one_read(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO client.example", EHLO_PIPE },
		{ "MAIL FROM:<a@example.org> SIZE=7\r\n", "250 2.1.0 ok\r\n" },
		{ "RCPT TO:<b@example.org>\r\n", "250 2.1.5 ok\r\n" },
		{ "RCPT TO:<c@example.org>\r\n", "250 2.1.5 ok\r\n" },
		{ "DATA\r\n", "354 go\r\n" },
		{ "hello\r\n.\r\n", "250 2.0.0 queued\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org", "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[2];
	struct smtp_txn t;
	struct fake f;
	struct err e;
	int mail;

	set_body("hello\r\n", 65536);
	txn_init(&t, r, 2, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	mail = fake_find(&f, "MAIL");
	CHECK(mail >= 0);
	CHECK_INT(fake_find(&f, "DATA"), mail + 3);
	if (mail >= 0 && (size_t)mail + 3 < f.n) {
		CHECK_INT(f.readno[mail + 1], f.readno[mail]);
		CHECK_INT(f.readno[mail + 2], f.readno[mail]);
		CHECK_INT(f.readno[mail + 3], f.readno[mail]);
	}
	CHECK(fake_find(&f, "QUIT") >= 0);
	CHECK_INT(r[0].state, RCPT_ACCEPTED);
	CHECK_INT(r[1].state, RCPT_ACCEPTED);
	CHECK_INT(r[0].said.code, 250);
	fake_free(&f);
}

static void
lockstep_without_pipelining_one_read_per_command(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL FROM:<a@example.org>\r\n", "250 ok\r\n" },
		{ "RCPT TO:<b@example.org>\r\n", "250 ok\r\n" },
		{ "DATA\r\n", "354 go\r\n" },
		{ "x\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;
	int mail;

	set_body("x\r\n", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	mail = fake_find(&f, "MAIL");
	CHECK(mail >= 0 && (size_t)mail + 2 < f.n);
	if (mail >= 0 && (size_t)mail + 2 < f.n) {
		CHECK(f.readno[mail + 1] > f.readno[mail]);
		CHECK(f.readno[mail + 2] > f.readno[mail + 1]);
	}
	CHECK_INT(r[0].state, RCPT_ACCEPTED);
	fake_free(&f);
}

static void
rcpt_550_marks_only_that_rcpt(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<b@", "550 5.1.1 <b@example.org>: no such user\r\n" },
		{ "RCPT TO:<c@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "hi\r\n.\r\n", "250 2.0.0 queued as X\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org", "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[2];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 2, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK_INT(r[0].state, RCPT_REFUSED);
	CHECK_INT(r[0].said.code, 550);
	CHECK_STR(r[0].said.status, "5.1.1");
	CHECK_STR(r[0].said.line, "550 5.1.1 <b@example.org>: no such user");
	CHECK_INT(r[1].state, RCPT_ACCEPTED);
	fake_free(&f);
}

static void
rcpt_451_defers_only_that_rcpt(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<b@", "250 ok\r\n" },
		{ "RCPT TO:<c@", "451 4.3.0 try later\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "hi\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org", "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[2];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 2, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK_INT(r[0].state, RCPT_ACCEPTED);
	CHECK_INT(r[1].state, RCPT_REFUSED);
	CHECK_INT(r[1].said.code, 451);
	fake_free(&f);
}

static void
all_rcpts_refused_pipelined_354_gets_empty_dot(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT", "550 5.1.1 no such user\r\n" },
		{ "DATA", "354 go anyway\r\n" },
		{ ".\r\n", "554 5.5.1 no valid recipients\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("secret body\r\n", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_UNAVAILABLE);
	CHECK(strstr(e.msg, "no recipient accepted") != NULL);
	CHECK_INT(r[0].state, RCPT_REFUSED);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "secret") < 0);
	CHECK(fake_find(&f, "QUIT") >= 0);
	fake_free(&f);
}

static void
mail_refused_fails_every_rcpt(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "553 5.1.8 sender rejected\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org", "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[2];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 2, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_UNAVAILABLE);
	CHECK(strstr(e.msg, "553 5.1.8 sender rejected (in reply to MAIL "
	    "FROM)") != NULL);
	CHECK_INT(r[0].state, RCPT_FAILED);
	CHECK_INT(r[1].state, RCPT_FAILED);
	CHECK_INT(r[1].said.code, 553);
	CHECK_STR(r[1].said.status, "5.1.8");
	CHECK(fake_find(&f, "RCPT") < 0);
	fake_free(&f);
}

static void
greeting_421_is_tempfail_without_quit(void)
{
	static const struct step steps[] = {
		{ NULL, "421 4.3.2 too busy\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct conn *c;
	struct smtp *s = (struct smtp *)&p;
	struct fake f;
	struct err e;

	c = fake_start(&f, steps);
	CHECK(c != NULL);
	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), -1);
	CHECK(s == NULL);
	fake_finish(&f);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(strstr(e.msg, "421 4.3.2 too busy") != NULL);
	CHECK(fake_find(&f, "QUIT") < 0);
	fake_free(&f);
}

static void
greeting_554_refuses_session_and_quits(void)
{
	static const struct step steps[] = {
		{ NULL, "554 5.7.1 go away\r\n" }, { "QUIT", "221 bye\r\n" },
		{ NULL, NULL },
	};
	struct smtp_params p = params();
	struct reply_said said;
	struct smtp *s;
	struct fake f;
	struct err e;
	struct conn *c = fake_start(&f, steps);

	CHECK_INT(smtp_open(&s, c, &p, &said, &e), -1);
	fake_finish(&f);
	CHECK_INT(e.ex, EX_UNAVAILABLE);
	CHECK(strstr(e.msg, "refused the session") != NULL);
	CHECK_INT(said.code, 554);
	CHECK_STR(said.line, "554 5.7.1 go away");
	CHECK(fake_find(&f, "QUIT") >= 0);
	fake_free(&f);
}

static void
starttls_required_not_offered_sends_no_mail(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct smtp *s;
	struct fake f;
	struct err e;
	struct conn *c = fake_start(&f, steps);

	p.tls = TLSMODE_STARTTLS;
	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), -1);
	fake_finish(&f);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "does not offer STARTTLS; TLS is required") !=
	    NULL);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "MAIL") < 0);
	CHECK(fake_find(&f, "QUIT") >= 0);
	fake_free(&f);
}

static void
starttls_opportunistic_not_offered_goes_on(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct smtp *s = NULL;
	struct fake f;
	struct err e;
	struct conn *c = fake_start(&f, steps);

	p.tls = TLSMODE_OPPORTUNISTIC;
	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), 0);
	if (s != NULL) {
		CHECK_INT(smtp_caps(s)->flags, CAP_8BITMIME);
		smtp_quit(s);
	}
	fake_finish(&f);
	CHECK(fake_find(&f, "STARTTLS") < 0);
	fake_free(&f);
}

static void
ehlo_refused_falls_back_to_helo(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "502 5.5.2 what?\r\n" },
		{ "HELO client.example\r\n", "250 mx.test\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct smtp *s = NULL;
	struct fake f;
	struct err e;
	struct conn *c = fake_start(&f, steps);

	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), 0);
	if (s != NULL) {
		CHECK_INT(smtp_caps(s)->flags, 0);
		smtp_quit(s);
	}
	fake_finish(&f);
	CHECK(fake_find(&f, "HELO") >= 0);
	fake_free(&f);
}

/* Body dot-stuffed, CRLF added at the end, whatever the block size. */
static void
dot_stuffing_across_blocks(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "..a\r\nb.\r\n...\r\n\r\n..\r\n..x\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	static const size_t blocks[] = { 1, 2, 3, 65536 };
	const char *want = "..a\r\nb.\r\n...\r\n\r\n..\r\n..x\r\n.\r\n";

	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		struct smtp_params p = params();
		struct smtp_rcpt r[1];
		struct smtp_txn t;
		struct fake f;
		struct err e;
		int data;

		set_body(".a\r\nb.\r\n..\r\n\r\n.\r\n.x", blocks[i]);
		txn_init(&t, r, 1, to);
		CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
		data = fake_find(&f, "DATA");
		CHECK(data >= 0 && (size_t)data + 1 < f.n);
		if (data >= 0 && (size_t)data + 1 < f.n)
			CHECK_STR(f.unit[data + 1], want);
		fake_free(&f);
	}
}

static void
empty_body_sends_only_dot(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { ".\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	fake_free(&f);
}

static void
bdat_framing_when_chunking(void)
{
	static const struct step steps[] = {
		{ NULL, GREET },
		{ "EHLO", "250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "BDAT 12 LAST\r\n.dot\r\nline\r\n", "250 2.0.0 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;
	int mail;

	set_body(".dot\r\nline\r\n", 4);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "DATA") < 0);
	mail = fake_find(&f, "MAIL");
	CHECK(mail >= 0 && (size_t)mail + 2 < f.n);
	if (mail >= 0 && (size_t)mail + 2 < f.n) {
		CHECK_INT(f.readno[mail + 1], f.readno[mail]);
		CHECK(f.readno[mail + 2] > f.readno[mail + 1]);
	}
	CHECK_INT(r[0].state, RCPT_ACCEPTED);
	fake_free(&f);
}

/* A body of n 'x' octets (static: the fake reader keeps the pointer). */
static const char *
big_body(size_t n)
{
	static char *body;

	free(body);
	body = malloc(n + 1);
	memset(body, 'x', n);
	body[n] = '\0';
	return body;
}

#define EHLO_CHUNK "250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n"

/* The server answers the first chunk only after the second has arrived:
 * a client that waits for each reply would stall until its timeout. */
static void
bdat_chunks_pipelined_without_waiting(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_CHUNK },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "BDAT 1048576\r\n", "" },
		{ "BDAT 1048576\r\n", "250 ok\r\n250 ok\r\n" },
		{ "BDAT 5 LAST\r\n", "250 2.0.0 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	p.timeout_s = 3;
	set_body(big_body(2 * 1048576 + 5), 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK_INT(r[0].state, RCPT_ACCEPTED);
	fake_free(&f);
}

/* A refused chunk ends the body: at most the pipelined window more, their
 * replies read, then QUIT; the recipient is deferred. */
static void
bdat_refused_chunk_stops_the_body(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_CHUNK },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "BDAT 1048576\r\n", "452 4.3.1 disk full\r\n" },
		{ "BDAT 1048576\r\n", "503 5.5.1 discarded\r\n" },
		{ "BDAT 1048576\r\n", "503 5.5.1 discarded\r\n" },
		{ "BDAT 1048576\r\n", "503 5.5.1 discarded\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body(big_body(8 * 1048576 + 5), 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "QUIT") > 0);
	CHECK_INT(r[0].state, RCPT_FAILED);
	CHECK_STR(r[0].said.line, "452 4.3.1 disk full");
	fake_free(&f);
}

static void
final_451_defers_accepted_rcpts(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<b@", "250 ok\r\n" },
		{ "RCPT TO:<c@", "550 no\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "hi\r\n.\r\n", "451 4.3.0 queue full\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org", "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[2];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 2, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(strstr(e.msg, "(in reply to end of DATA)") != NULL);
	CHECK_INT(r[0].state, RCPT_FAILED);
	CHECK_INT(r[0].said.code, 451);
	CHECK_INT(r[1].state, RCPT_REFUSED);
	fake_free(&f);
}

static void
lost_after_dot_says_state_unknown(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", NULL },
		{ NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(strstr(e.msg, "delivery state unknown") != NULL);
	CHECK_INT(r[0].state, RCPT_FAILED);
	CHECK_INT(r[0].said.code, 0);	/* no reply explains it */
	fake_free(&f);
}

static void
rcpt_421_ends_transaction_as_tempfail(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<b@", "250 ok\r\n" },
		{ "RCPT TO:<c@", "421 4.7.0 shutting down\r\n" },
		{ NULL, NULL },
	};
	static const char *const to[] = { "b@example.org", "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[2];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 2, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(strstr(e.msg, "421 4.7.0 shutting down (in reply to RCPT TO)") !=
	    NULL);
	CHECK_INT(r[0].state, RCPT_FAILED);
	CHECK_INT(r[1].state, RCPT_FAILED);
	CHECK_INT(r[0].said.code, 421);
	fake_free(&f);
}

static void
trailing_data_without_pipelining_is_protocol_error(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n250 surprise\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK(strstr(e.msg, "trailing data") != NULL);
	CHECK(strstr(e.msg, "(in reply to MAIL FROM)") != NULL);
	fake_free(&f);
}

static void
dsn_and_8bit_parameters_when_offered(void)
{
	static const struct step steps[] = {
		{ NULL, GREET },
		{ "EHLO", "250-mx.test\r\n250-DSN\r\n250-8BITMIME\r\n"
		    "250 SMTPUTF8\r\n" },
		{ "MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 RET=HDRS "
		    "ENVID=a+2Bb+3Dc+20d\r\n", "250 ok\r\n" },
		{ "RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE\r\n",
		    "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 1, to);
	fbody.eightbit = true;
	t.smtputf8 = true;
	t.dsn_ret = "HDRS";
	t.dsn_envid = "a+b=c d";
	r[0].notify = "SUCCESS,FAILURE";
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	fake_free(&f);
}

static void
no_dsn_parameters_when_not_offered(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL FROM:<a@example.org>\r\n", "250 ok\r\n" },
		{ "RCPT TO:<b@example.org>\r\n", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 1, to);
	t.dsn_ret = "FULL";
	t.smtputf8 = true;
	r[0].notify = "NEVER";
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	/* The body was prepared once, for what this server takes. */
	CHECK_INT(fbody.prepared, 1);
	CHECK(fbody.w.eightbitmime);
	CHECK(!fbody.w.smtputf8);
	fake_free(&f);
}

static void
crlf_in_address_refused_before_sending(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org\r\nRCPT TO:<x@y>" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hi\r\n", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK(fake_find(&f, "MAIL") < 0);
	fake_free(&f);
}

static void
size_over_server_limit_not_sent(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 SIZE 3\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct fake f;
	struct err e;

	set_body("hello\r\n", 65536);
	txn_init(&t, r, 1, to);
	CHECK_INT(run_txn(&f, steps, &p, &t, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK(strstr(e.msg, "accepts at most 3 bytes") != NULL);
	CHECK_INT(r[0].state, RCPT_FAILED);
	CHECK(fake_find(&f, "MAIL") < 0);
	fake_free(&f);
}

static void
reset_sends_rset(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "RSET\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct smtp *s = NULL;
	struct fake f;
	struct err e;
	struct conn *c = fake_start(&f, steps);

	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), 0);
	if (s != NULL) {
		CHECK_INT(smtp_reset(s, &e), 0);
		CHECK(smtp_usable(s));
		smtp_quit(s);
	}
	fake_finish(&f);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "QUIT") >= 0);
	fake_free(&f);
}

/* ---- transactions on one session (a queue run) --------------------------- */

/* The index of the first unit from start on that begins with prefix, or -1. */
static int
fake_find_from(const struct fake *f, const char *prefix, int start)
{
	for (size_t i = start < 0 ? 0 : (size_t)start; i < f->n; i++)
		if (strncmp(f->unit[i], prefix, strlen(prefix)) == 0)
			return (int)i;
	return -1;
}

struct two {
	int	 rc[2];			/* smtp_send's */
	bool	 lost[2];		/* smtp_lost_unanswered after each */
	struct err e[2];
};

/* One session, two transactions (b@ then c@), then QUIT.  -1 when the
 * session did not open. */
static int
run_two(struct fake *f, const struct step *steps, struct two *w)
{
	static const char *const to1[] = { "b@example.org" };
	static const char *const to2[] = { "c@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r1[1], r2[1];
	struct smtp_txn t1, t2;
	struct conn *c = fake_start(f, steps);
	struct smtp *s = NULL;
	struct err e;

	memset(w, 0, sizeof(*w));
	txn_init(&t1, r1, 1, to1);
	txn_init(&t2, r2, 1, to2);
	if (c == NULL || smtp_open(&s, c, &p, NULL, &e) == -1) {
		fake_finish(f);
		return -1;
	}
	w->rc[0] = smtp_send(s, &t1, &w->e[0]);
	w->lost[0] = w->rc[0] == -1 && smtp_lost_unanswered(s);
	w->rc[1] = smtp_send(s, &t2, &w->e[1]);
	w->lost[1] = w->rc[1] == -1 && smtp_lost_unanswered(s);
	smtp_quit(s);
	fake_finish(f);
	return 0;
}

static void
no_rset_after_a_transaction_that_ended(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 one\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<c@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 two\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], 0);
	CHECK_INT(w.rc[1], 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "RSET") < 0);
	CHECK(fake_find_from(&f, "MAIL", fake_find(&f, "MAIL") + 1) >= 0);
	fake_free(&f);
}

static void
no_rset_after_a_refused_final_reply(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "hi\r\n.\r\n", "554 5.7.1 spam\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<c@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 two\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], -1);		/* 554 at the end of DATA */
	CHECK_INT(w.e[0].ex, EX_UNAVAILABLE);
	CHECK(!w.lost[0]);
	CHECK_INT(w.rc[1], 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "RSET") < 0);
	fake_free(&f);
}

static void
rset_leads_next_flight_after_all_rcpts_refused(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" },
		{ "RCPT TO:<b@", "550 5.1.1 no such user\r\n" },
		{ "DATA", "503 5.5.1 no valid recipients\r\n" },
		{ "RSET\r\n", "250 flushed\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<c@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 two\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;
	int rset;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], -1);
	CHECK_INT(w.rc[1], 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	rset = fake_find(&f, "RSET");
	CHECK(rset >= 0);
	if (rset >= 0) {
		/* RSET, MAIL, RCPT, DATA: one flight, one read. */
		CHECK(strncmp(f.unit[rset + 1], "MAIL", 4) == 0);
		CHECK_INT(f.readno[rset + 1], f.readno[rset]);
		CHECK_INT(f.readno[rset + 3], f.readno[rset]);
	}
	fake_free(&f);
}

static void
rset_round_trip_after_aborted_without_pipelining(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "DATA", "451 4.3.0 not now\r\n" },
		{ "RSET\r\n", "250 flushed\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<c@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 two\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;
	int rset;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], -1);
	CHECK_INT(w.e[0].ex, EX_TEMPFAIL);
	CHECK(!w.lost[0]);
	CHECK_INT(w.rc[1], 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	rset = fake_find(&f, "RSET");
	CHECK(rset >= 0);
	if (rset >= 0)
		CHECK(f.readno[rset + 1] > f.readno[rset]);
	fake_free(&f);
}

static void
no_rset_after_a_refused_bdat_last(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 CHUNKING\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "BDAT 4 LAST\r\n", "554 5.7.1 spam\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<c@", "250 ok\r\n" },
		{ "BDAT 4 LAST\r\n", "250 two\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], -1);		/* the final reply ended it */
	CHECK_INT(w.rc[1], 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "RSET") < 0);
	fake_free(&f);
}

static void
rset_after_a_refused_bdat_chunk(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 CHUNKING\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "BDAT 1048576\r\n", "452 4.3.1 disk full\r\n" },
		{ "RSET\r\n", "250 flushed\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<c@", "250 ok\r\n" },
		{ "BDAT 1048576\r\n", "250 more\r\n" },
		{ "BDAT 5 LAST\r\n", "250 two\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;

	set_body(big_body(1048576 + 5), 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], -1);
	CHECK_INT(w.rc[1], 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	CHECK(fake_find(&f, "RSET") >= 0);
	fake_free(&f);
}

static void
kept_session_closed_is_lost_unanswered(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 one\r\n" },
		{ "MAIL", NULL },	/* gone before answering */
	};
	struct fake f;
	struct two w;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[0], 0);
	CHECK_INT(w.rc[1], -1);
	CHECK_INT(w.e[1].ex, EX_TEMPFAIL);
	CHECK(w.lost[1]);
	fake_free(&f);
}

static void
idle_421_is_lost_unanswered(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 one\r\n" },
		{ "MAIL", "421 4.4.2 idle timeout\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[1], -1);
	CHECK(w.lost[1]);
	CHECK(fake_find(&f, "QUIT") < 0);	/* no QUIT after 421 */
	fake_free(&f);
}

static void
lost_after_an_answer_is_not_unanswered(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" }, { "RCPT TO:<b@", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 one\r\n" },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", NULL },
	};
	static const struct step refused[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "550 5.7.1 go away\r\n" },
		{ "MAIL", "550 5.7.1 go away\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct fake f;
	struct two w;

	set_body("hi\r\n", 65536);
	CHECK_INT(run_two(&f, steps, &w), 0);
	CHECK_INT(w.rc[1], -1);
	CHECK(!w.lost[1]);		/* MAIL was answered: no retry */
	fake_free(&f);
	CHECK_INT(run_two(&f, refused, &w), 0);
	CHECK_INT(w.rc[0], -1);
	CHECK_INT(w.e[0].ex, EX_UNAVAILABLE);
	CHECK(!w.lost[0]);		/* refused, not lost */
	CHECK(!w.lost[1]);
	CHECK(fake_find(&f, "RSET") < 0);	/* MAIL refused: nothing open */
	fake_free(&f);
}

/* Open a session on the script, expect smtp_open's rc, then QUIT. */
static int
open_only(struct fake *f, const struct step *steps, struct smtp_params *p,
    struct err *e)
{
	struct conn *c = fake_start(f, steps);
	struct smtp *s = NULL;
	int rc;

	if (c == NULL)
		return -2;
	rc = smtp_open(&s, c, p, NULL, e);
	if (rc == 0)
		smtp_quit(s);
	fake_finish(f);
	return rc;
}

static void
auth_plain_initial_response(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 AUTH PLAIN\r\n" },
		{ "AUTH PLAIN AHVzZXIAcGFzcw==\r\n", "235 2.7.0 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct fake f;
	struct err e;

	p.auth = true;
	p.auth_method = AUTH_AUTO;
	p.user = "user";
	p.password = "pass";
	CHECK_INT(open_only(&f, steps, &p, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	fake_free(&f);
}

static void
auth_login_answers_challenges(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 AUTH=LOGIN\r\n" },
		{ "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n" },
		{ "dXNlcg==\r\n", "334 UGFzc3dvcmQ6\r\n" },
		{ "cGFzcw==\r\n", "235 2.7.0 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct fake f;
	struct err e;

	p.auth = true;
	p.auth_method = AUTH_LOGIN;
	p.user = "user";
	p.password = "pass";
	CHECK_INT(open_only(&f, steps, &p, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	fake_free(&f);
}

static void
auth_535_is_noperm(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 AUTH PLAIN\r\n" },
		{ "AUTH PLAIN", "535 5.7.8 bad credentials\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct fake f;
	struct err e;

	p.auth = true;
	p.auth_method = AUTH_AUTO;
	p.user = "user";
	p.password = "wrong";
	CHECK_INT(open_only(&f, steps, &p, &e), -1);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "authentication failed") != NULL);
	CHECK(strstr(e.msg, "535 5.7.8 bad credentials (in reply to AUTH)") !=
	    NULL);
	CHECK(fake_find(&f, "QUIT") >= 0);
	fake_free(&f);
}

static void
auth_never_in_plaintext_unless_tls_off(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 AUTH PLAIN\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct fake f;
	struct err e;

	p.tls = TLSMODE_OPPORTUNISTIC;
	p.auth = true;
	p.auth_method = AUTH_AUTO;
	p.user = "user";
	p.password = "pass";
	CHECK_INT(open_only(&f, steps, &p, &e), -1);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "without TLS") != NULL);
	CHECK(fake_find(&f, "AUTH") < 0);
	fake_free(&f);
}

static void
auth_skipped_without_password(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 AUTH PLAIN\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	struct smtp_params p = params();
	struct fake f;
	struct err e;

	p.auth = true;
	p.auth_method = AUTH_AUTO;
	p.user = "user";
	CHECK_INT(open_only(&f, steps, &p, &e), 0);
	CHECK(fake_find(&f, "MISMATCH") < 0);
	fake_free(&f);
}

static void
starttls_early_data_rejected(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", "250-mx.test\r\n250 STARTTLS\r\n" },
		{ "STARTTLS\r\n", "220 go ahead\r\n250 injected\r\n" },
		{ NULL, NULL },
	};
	struct smtp_params p = params();
	struct fake f;
	struct err e;

	p.tls = TLSMODE_STARTTLS;
	CHECK_INT(open_only(&f, steps, &p, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK(strstr(e.msg, "STARTTLS") != NULL);
	fake_free(&f);
}

static void
trace_collect(void *arg, char dir, const char *line, size_t len)
{
	struct buf *b = arg;

	buf_addc(b, dir);
	buf_add(b, line, len);
	buf_addc(b, '\n');
}

static void
body_never_reaches_the_trace(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PIPE },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" },
		{ "secret line\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct smtp *s = NULL;
	struct fake f;
	struct err e;
	struct buf tr;
	struct conn *c = fake_start(&f, steps);

	buf_init(&tr);
	set_body("secret line\r\n", 65536);
	txn_init(&t, r, 1, to);
	conn_set_trace(c, trace_collect, &tr);
	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), 0);
	if (s != NULL) {
		CHECK_INT(smtp_send(s, &t, &e), 0);
		smtp_quit(s);
	}
	fake_finish(&f);
	CHECK(tr.data != NULL && strstr(tr.data, "DATA") != NULL);
	CHECK(tr.data != NULL && strstr(tr.data, "QUIT") != NULL);
	CHECK(tr.data == NULL || strstr(tr.data, "secret") == NULL);
	buf_free(&tr);
	fake_free(&f);
}

/* Stage notes ('*') from the trace, one per line. */
static void
note_sink(void *arg, char dir, const char *line, size_t len)
{
	struct buf *b = arg;

	if (dir != '*')
		return;
	buf_add(b, line, len);
	buf_addc(b, '\n');
}

static void
stage_changes_are_traced(void)
{
	static const struct step steps[] = {
		{ NULL, GREET }, { "EHLO", EHLO_PLAIN },
		{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" },
		{ "DATA", "354 go\r\n" }, { "hi\r\n.\r\n", "250 ok\r\n" },
		{ "QUIT", "221 bye\r\n" }, { NULL, NULL },
	};
	static const char *const to[] = { "b@example.org" };
	struct smtp_params p = params();
	struct smtp_rcpt r[1];
	struct smtp_txn t;
	struct smtp *s;
	struct fake f;
	struct err e;
	struct buf notes;
	struct conn *c;

	buf_init(&notes);
	set_body("hi\r\n", 65536);
	txn_init(&t, r, 1, to);
	c = fake_start(&f, steps);
	CHECK(c != NULL);
	conn_set_trace(c, note_sink, &notes);
	CHECK_INT(smtp_open(&s, c, &p, NULL, &e), 0);
	if (s != NULL) {
		CHECK_INT(smtp_send(s, &t, &e), 0);
		smtp_quit(s);
	}
	fake_finish(&f);
	buf_addc(&notes, '\0');
	CHECK_STR(notes.data, "connect -> initial greeting\n"
	    "initial greeting -> EHLO\n" "EHLO -> MAIL FROM\n"
	    "MAIL FROM -> RCPT TO\n" "RCPT TO -> DATA\n"
	    "DATA -> message body\n" "message body -> end of DATA\n"
	    "end of DATA -> QUIT\n");
	buf_free(&notes);
	fake_free(&f);
}

static void
stage_names_for_messages(void)
{
	CHECK_STR(smtp_stage_name(STAGE_RCPT), "RCPT TO");
	CHECK_STR(smtp_stage_name(STAGE_DOT), "end of DATA");
	CHECK_STR(smtp_stage_name(STAGE_MAIL), "MAIL FROM");
}

static const struct test tests[] = {
	TEST(pipelined_envelope_arrives_in_one_read),
	TEST(lockstep_without_pipelining_one_read_per_command),
	TEST(rcpt_550_marks_only_that_rcpt),
	TEST(rcpt_451_defers_only_that_rcpt),
	TEST(all_rcpts_refused_pipelined_354_gets_empty_dot),
	TEST(mail_refused_fails_every_rcpt),
	TEST(greeting_421_is_tempfail_without_quit),
	TEST(greeting_554_refuses_session_and_quits),
	TEST(starttls_required_not_offered_sends_no_mail),
	TEST(starttls_opportunistic_not_offered_goes_on),
	TEST(ehlo_refused_falls_back_to_helo),
	TEST(dot_stuffing_across_blocks),
	TEST(empty_body_sends_only_dot),
	TEST(bdat_framing_when_chunking),
	TEST(bdat_chunks_pipelined_without_waiting),
	TEST(bdat_refused_chunk_stops_the_body),
	TEST(final_451_defers_accepted_rcpts),
	TEST(lost_after_dot_says_state_unknown),
	TEST(rcpt_421_ends_transaction_as_tempfail),
	TEST(trailing_data_without_pipelining_is_protocol_error),
	TEST(dsn_and_8bit_parameters_when_offered),
	TEST(no_dsn_parameters_when_not_offered),
	TEST(crlf_in_address_refused_before_sending),
	TEST(size_over_server_limit_not_sent),
	TEST(reset_sends_rset),
	TEST(no_rset_after_a_transaction_that_ended),
	TEST(no_rset_after_a_refused_final_reply),
	TEST(rset_leads_next_flight_after_all_rcpts_refused),
	TEST(rset_round_trip_after_aborted_without_pipelining),
	TEST(no_rset_after_a_refused_bdat_last),
	TEST(rset_after_a_refused_bdat_chunk),
	TEST(kept_session_closed_is_lost_unanswered),
	TEST(idle_421_is_lost_unanswered),
	TEST(lost_after_an_answer_is_not_unanswered),
	TEST(auth_plain_initial_response),
	TEST(auth_login_answers_challenges),
	TEST(auth_535_is_noperm),
	TEST(auth_never_in_plaintext_unless_tls_off),
	TEST(auth_skipped_without_password),
	TEST(starttls_early_data_rejected),
	TEST(body_never_reaches_the_trace),
	TEST(stage_changes_are_traced),
	TEST(stage_names_for_messages),
};

CHECK_MAIN(tests)
