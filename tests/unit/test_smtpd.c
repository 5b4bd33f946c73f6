/* test_smtpd.c — unit tests for src/smtpd.c's command parser (-bs). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "smtpd.h"

/* Parse a NUL-free line from an exact-size copy, so that a read past len
 * would be seen under ASan. */
static int
parse(const char *s, struct smtpd_cmd *c, char *why, size_t whylen)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, s, n);
	rc = smtpd_parse(copy, n, c, why, whylen);
	free(copy);
	return rc;
}

/* What the parser must make of each line: the reply code refusing it
 * (0: accepted), the status in the refusal, and for accepted lines the
 * verb and path. */
static const struct parse_case {
	const char *label;
	const char *in;
	int	 rc;
	const char *status;	/* "5.5.4" ... or NULL when accepted */
	enum smtpd_verb verb;
	const char *path;	/* MAIL/RCPT path, HELO/EHLO domain */
} parse_cases[] = {
	{ "ehlo name", "EHLO client.example", 0, NULL, SMTPD_EHLO,
	    "client.example" },
	{ "verbs are case-insensitive", "ehlo x", 0, NULL, SMTPD_EHLO, "x" },
	{ "helo needs a name", "HELO", 501, "5.5.4", SMTPD_HELO, NULL },
	{ "mail path", "MAIL FROM:<a@example.com>", 0, NULL, SMTPD_MAIL,
	    "a@example.com" },
	{ "mail null path", "MAIL FROM:<>", 0, NULL, SMTPD_MAIL, "" },
	{ "space after colon", "MAIL FROM: <a@example.com>", 0, NULL,
	    SMTPD_MAIL, "a@example.com" },
	{ "bare address, as Postfix takes it", "RCPT TO:b@example.net", 0,
	    NULL, SMTPD_RCPT, "b@example.net" },
	{ "source route dropped", "RCPT TO:<@relay.example:b@example.net>",
	    0, NULL, SMTPD_RCPT, "b@example.net" },
	{ "unqualified recipient is for submit to qualify", "RCPT TO:<root>",
	    0, NULL, SMTPD_RCPT, "root" },
	{ "quoted local part with '>'", "RCPT TO:<\"a>b\"@example.net>", 0,
	    NULL, SMTPD_RCPT, "\"a>b\"@example.net" },
	{ "utf-8 address parses", "RCPT TO:<j\xc3\xb6rg@example.net>", 0,
	    NULL, SMTPD_RCPT, "j\xc3\xb6rg@example.net" },
	{ "null recipient refused", "RCPT TO:<>", 501, "5.1.3", SMTPD_RCPT,
	    NULL },
	{ "no closing bracket", "MAIL FROM:<a@example.com", 501, "5.1.7",
	    SMTPD_MAIL, NULL },
	{ "space in address", "RCPT TO:<a b@example.net>", 501, "5.1.3",
	    SMTPD_RCPT, NULL },
	{ "missing FROM:", "MAIL <a@example.com>", 501, "5.5.4", SMTPD_MAIL,
	    NULL },
	{ "text glued after the path", "MAIL FROM:<a@x.example>SIZE=1", 501,
	    "5.5.4", SMTPD_MAIL, NULL },
	{ "unknown MAIL parameter", "MAIL FROM:<a@x.example> AUTH=<>", 555,
	    "5.5.4", SMTPD_MAIL, NULL },
	{ "bad BODY value", "MAIL FROM:<a@x.example> BODY=BINARYMIME", 555,
	    "5.5.4", SMTPD_MAIL, NULL },
	{ "SIZE not a number", "MAIL FROM:<a@x.example> SIZE=12k", 555,
	    "5.5.4", SMTPD_MAIL, NULL },
	{ "SIZE given twice", "MAIL FROM:<a@x.example> SIZE=1 SIZE=2", 555,
	    "5.5.4", SMTPD_MAIL, NULL },
	{ "SMTPUTF8 takes no value", "MAIL FROM:<a@x.example> SMTPUTF8=yes",
	    555, "5.5.4", SMTPD_MAIL, NULL },
	{ "NOTIFY NEVER with others", "RCPT TO:<b@x.example> "
	    "NOTIFY=NEVER,DELAY", 555, "5.5.4", SMTPD_RCPT, NULL },
	{ "NOTIFY trailing comma", "RCPT TO:<b@x.example> NOTIFY=DELAY,",
	    555, "5.5.4", SMTPD_RCPT, NULL },
	{ "ORCPT without type", "RCPT TO:<b@x.example> ORCPT=b@x.example",
	    555, "5.5.4", SMTPD_RCPT, NULL },
	{ "NOTIFY on MAIL", "MAIL FROM:<a@x.example> NOTIFY=NEVER", 555,
	    "5.5.4", SMTPD_MAIL, NULL },
	{ "DATA takes no argument", "DATA now", 501, "5.5.4", SMTPD_DATA,
	    NULL },
	{ "VRFY needs an argument", "VRFY", 501, "5.5.4", SMTPD_VRFY, NULL },
	{ "NOOP may have one", "NOOP anything", 0, NULL, SMTPD_NOOP, NULL },
	{ "AUTH not implemented", "AUTH PLAIN AGZvbwBiYXI=", 502, "5.5.1",
	    SMTPD_HELO, NULL },
	{ "STARTTLS not implemented", "STARTTLS", 502, "5.5.1", SMTPD_HELO,
	    NULL },
	{ "verb must end at a space", "QUITX", 502, "5.5.1", SMTPD_HELO,
	    NULL },
	{ "empty line", "", 502, "5.5.1", SMTPD_HELO, NULL },
	{ "bare CR inside", "NOOP a\rb", 500, "5.5.2", SMTPD_NOOP, NULL },
};

static void
parse_table_cases(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
	    i++) {
		const struct parse_case *t = &parse_cases[i];
		struct smtpd_cmd c;
		char why[SMTPD_REPLY_MAX], status[8];
		int rc = parse(t->in, &c, why, sizeof(why));

		if (rc != t->rc)
			fprintf(stderr, "  case \"%s\": got %d (%s), want %d\n",
			    t->label, rc, why, t->rc);
		CHECK_INT(rc, t->rc);
		if (rc != 0 && t->status != NULL) {
			/* "501 5.5.4 text": the code, then the status. */
			snprintf(status, sizeof(status), "%.5s", why + 4);
			if (strcmp(status, t->status) != 0)
				fprintf(stderr, "  case \"%s\": %s\n", t->label,
				    why);
			CHECK_STR(status, t->status);
			CHECK_INT(atoi(why), rc);
		}
		if (rc != 0 || t->rc != 0)
			continue;
		CHECK_INT(c.verb, t->verb);
		if (t->path != NULL && (c.verb == SMTPD_MAIL ||
		    c.verb == SMTPD_RCPT))
			CHECK_STR(c.path, t->path);
		else if (t->path != NULL)
			CHECK_STR(c.domain, t->path);
	}
}

static void
mail_parameters_all_read(void)
{
	struct smtpd_cmd c;
	char why[SMTPD_REPLY_MAX];

	CHECK_INT(parse("MAIL FROM:<a@x.example>  size=1234 BODY=8bitmime "
	    "SMTPUTF8 RET=hdrs ENVID=QQ+2B+3D1", &c, why, sizeof(why)), 0);
	CHECK_INT(c.size, 1234);
	CHECK_INT(c.body, SMTPD_BODY_8BITMIME);
	CHECK(c.smtputf8);
	CHECK_STR(c.ret, "HDRS");
	CHECK_STR(c.envid, "QQ+=1");
	CHECK_INT(parse("MAIL FROM:<a@x.example>", &c, why, sizeof(why)), 0);
	CHECK_INT(c.size, -1);
	CHECK_INT(c.body, SMTPD_BODY_NONE);
	CHECK_STR(c.envid, "");
}

static void
envid_xtext_checked(void)
{
	struct smtpd_cmd c;
	char why[SMTPD_REPLY_MAX], line[300];

	/* "+0A" decodes to a control character: not an ENVID. */
	CHECK_INT(parse("MAIL FROM:<a@x.example> ENVID=a+0Ab", &c, why,
	    sizeof(why)), 555);
	CHECK_INT(parse("MAIL FROM:<a@x.example> ENVID=a+4", &c, why,
	    sizeof(why)), 555);
	CHECK_INT(parse("MAIL FROM:<a@x.example> ENVID=a+zz", &c, why,
	    sizeof(why)), 555);
	/* RFC 3461 §4.4: at most 100 characters. */
	snprintf(line, sizeof(line), "MAIL FROM:<a@x.example> ENVID=%0101d",
	    0);
	CHECK_INT(parse(line, &c, why, sizeof(why)), 555);
	snprintf(line, sizeof(line), "MAIL FROM:<a@x.example> ENVID=%0100d",
	    0);
	CHECK_INT(parse(line, &c, why, sizeof(why)), 0);
}

static void
rcpt_notify_normalised(void)
{
	struct smtpd_cmd c;
	char why[SMTPD_REPLY_MAX];

	CHECK_INT(parse("RCPT TO:<b@x.example> NOTIFY=delay,Success "
	    "ORCPT=rfc822;b+40x.example", &c, why, sizeof(why)), 0);
	CHECK_STR(c.notify, "SUCCESS,DELAY");
	CHECK(c.orcpt);
	CHECK_INT(parse("RCPT TO:<b@x.example> NOTIFY=never", &c, why,
	    sizeof(why)), 0);
	CHECK_STR(c.notify, "NEVER");
	CHECK_INT(parse("RCPT TO:<b@x.example>", &c, why, sizeof(why)), 0);
	CHECK_STR(c.notify, "");
	CHECK(!c.orcpt);
}

static void
path_over_256_octets_refused(void)
{
	struct smtpd_cmd c;
	char why[SMTPD_REPLY_MAX], line[400], local[300];

	memset(local, 'a', 260);
	local[260] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<%s@x.example>", local);
	CHECK_INT(parse(line, &c, why, sizeof(why)), 501);
	CHECK(strstr(why, "256") != NULL);
}

static void
nul_in_line_refused(void)
{
	struct smtpd_cmd c;
	char why[SMTPD_REPLY_MAX];

	CHECK_INT(smtpd_parse("NOOP a\0b", 8, &c, why, sizeof(why)), 500);
	/* The length, not a NUL, bounds the line. */
	CHECK_INT(smtpd_parse("QUIT and more", 4, &c, why, sizeof(why)), 0);
	CHECK_INT(c.verb, SMTPD_QUIT);
}

static void
refusal_fits_small_buffer(void)
{
	struct smtpd_cmd c;
	char why[12];

	CHECK_INT(parse("MAIL FROM:<a@x.example> FOO=BAR", &c, why,
	    sizeof(why)), 555);
	CHECK(strlen(why) < sizeof(why));
	CHECK(strncmp(why, "555 5.5.4 ", 10) == 0);
}

/* ---- the session, over pipes, with a configuration that sends nowhere ---- */

/* Run a session on input (written first; the write end stays open when
 * keep_open, so only the idle timeout ends it) and return what postie
 * wrote, NUL-terminated in out. */
static int
session(const char *input, bool keep_open, char *out, size_t outlen)
{
	char dir[] = "/tmp/postie-test-smtpd.XXXXXX", cfg[128], cmd[160];
	char *argv[] = { "postie", "-C", cfg, "-bs", NULL };
	struct smtpd_opts o = { .idle_timeout = 1 };
	int in[2], res[2], rc = -1;
	struct cli cli;
	struct err e;
	FILE *f;
	ssize_t n;

	if (mkdtemp(dir) == NULL || pipe(in) == -1 || pipe(res) == -1)
		return -1;
	snprintf(cfg, sizeof(cfg), "%s/config", dir);
	if ((f = fopen(cfg, "w")) == NULL)
		return -1;
	fprintf(f, "account default\nhost 127.0.0.1\nport 1\ntls off\n"
	    "domain unit.example\nqueue off\nqueue_dir %s/q\n", dir);
	fclose(f);
	err_clear(&e);
	if (cli_parse(&cli, 4, argv, &e) == -1)
		return -1;
	if (write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
		return -1;
	if (!keep_open)
		close(in[1]);
	o.in_fd = in[0];
	o.out_fd = res[1];
	rc = smtpd_run(&cli, &o, &e);
	close(res[1]);
	n = read(res[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(res[0]);
	close(in[0]);
	if (keep_open)
		close(in[1]);
	cli_free(&cli);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
	return rc;
}

static void
session_idle_client_gets_421(void)
{
	char out[4096];

	CHECK_INT(session("EHLO x\r\n", true, out, sizeof(out)), 0);
	CHECK(strncmp(out, "220 unit.example ESMTP postie\r\n", 31) == 0);
	CHECK(strstr(out, "250 ENHANCEDSTATUSCODES\r\n") != NULL);
	CHECK(strstr(out, "\r\n421 4.4.2 ") != NULL);
}

static void
session_idle_in_data_discards(void)
{
	char out[4096];

	CHECK_INT(session("HELO x\nMAIL FROM:<a@x.example>\nRCPT TO:<b@y."
	    "example>\nDATA\nSubject: half\n", true, out, sizeof(out)), 0);
	CHECK(strstr(out, "354 ") != NULL);
	CHECK(strstr(out, "\r\n421 4.4.2 ") != NULL);
	/* Discarded, not delivered: the relay (port 1) was never tried. */
	CHECK(strstr(out, "451") == NULL);
}

static void
session_pipelined_replies_in_order(void)
{
	char out[4096];
	const char *want = "250 unit.example\r\n250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n501 5.1.3 invalid address 'c d@y.example': "
	    "character not allowed in local part"
	    "\r\n250 2.0.0 Ok\r\n503 5.5.1 Error: need MAIL command\r\n"
	    "221 2.0.0 Bye\r\n";

	CHECK_INT(session("HELO x\r\nMAIL FROM:<a@x.example>\r\n"
	    "RCPT TO:<b@y.example>\r\nRCPT TO:<c d@y.example>\r\nRSET\r\n"
	    "RCPT TO:<b@y.example>\r\nQUIT\r\nNOOP\r\n", false, out,
	    sizeof(out)), 0);
	CHECK_STR(strstr(out, "\r\n") ? strstr(out, "\r\n") + 2 : out, want);
}

static void
session_long_line_refused_session_goes_on(void)
{
	char in[3000], out[4096];

	memset(in, 'x', sizeof(in));
	memcpy(in, "NOOP ", 5);
	memcpy(in + 2100, "\r\nNOOP\r\n", 9);
	in[2109] = '\0';
	CHECK_INT(session(in, false, out, sizeof(out)), 0);
	CHECK(strstr(out, "\r\n500 5.5.2 ") != NULL);
	CHECK(strstr(out, "\r\n250 2.0.0 Ok\r\n") != NULL);
}

static const struct test tests[] = {
	TEST(parse_table_cases),
	TEST(mail_parameters_all_read),
	TEST(envid_xtext_checked),
	TEST(rcpt_notify_normalised),
	TEST(path_over_256_octets_refused),
	TEST(nul_in_line_refused),
	TEST(refusal_fits_small_buffer),
	TEST(session_idle_client_gets_421),
	TEST(session_idle_in_data_discards),
	TEST(session_pipelined_replies_in_order),
	TEST(session_long_line_refused_session_goes_on),
};

CHECK_MAIN(tests)
