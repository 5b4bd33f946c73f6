/* test_log.c — credential masking, the -X transcript, the outcome line. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

/* base64 of "\0user\0s3cret-PW", "user", "s3cret-PW" and an OAuth token. */
#define SECRET_PLAIN	"AHVzZXIAczNjcmV0LVBX"
#define SECRET_USER	"dXNlcg=="
#define SECRET_PASS	"czNjcmV0LVBX"
#define SECRET_TOKEN	"dXNlcj11c2VyAWF1dGg9QmVhcmVyIHlhMjkuc2VjcmV0AQE="

struct step {
	char	 dir;
	const char *line;
	const char *want;
};

/* Run a dialogue through log_mask_line; every line must come out as want
 * and no secret may appear anywhere in the output. */
static void
run_dialogue(const struct step *s, size_t n)
{
	bool mask = false;
	struct buf all;

	buf_init(&all);
	for (size_t i = 0; i < n; i++) {
		struct buf b;

		buf_init(&b);
		log_mask_line(s[i].dir, s[i].line, strlen(s[i].line), &mask, &b);
		CHECK_STR(b.data, s[i].want);
		buf_add(&all, b.data, b.len);
		buf_addc(&all, '\n');
		buf_free(&b);
	}
	CHECK(strstr(all.data, SECRET_PLAIN) == NULL);
	CHECK(strstr(all.data, SECRET_USER) == NULL);
	CHECK(strstr(all.data, SECRET_PASS) == NULL);
	CHECK(strstr(all.data, SECRET_TOKEN) == NULL);
	buf_free(&all);
}

static void
mask_auth_plain_initial_response(void)
{
	static const struct step s[] = {
		{ '>', "EHLO client.example", "EHLO client.example" },
		{ '<', "250-AUTH PLAIN LOGIN", "250-AUTH PLAIN LOGIN" },
		{ '>', "AUTH PLAIN " SECRET_PLAIN, "AUTH PLAIN <hidden>" },
		{ '<', "235 2.7.0 ok", "235 2.7.0 ok" },
		{ '>', "MAIL FROM:<a@example.org>", "MAIL FROM:<a@example.org>" },
	};

	run_dialogue(s, sizeof(s) / sizeof(s[0]));
}

static void
mask_lowercase_auth_and_other_mechanisms(void)
{
	static const struct step s[] = {
		{ '>', "auth plain " SECRET_PLAIN, "auth plain <hidden>" },
		{ '>', "AUTH XOAUTH2 " SECRET_TOKEN, "AUTH XOAUTH2 <hidden>" },
		{ '>', "AUTH OAUTHBEARER " SECRET_TOKEN,
		  "AUTH OAUTHBEARER <hidden>" },
		{ '>', "AUTH LOGIN " SECRET_USER, "AUTH LOGIN <hidden>" },
	};

	run_dialogue(s, sizeof(s) / sizeof(s[0]));
}

static void
mask_every_answer_to_a_334(void)
{
	static const struct step s[] = {
		{ '>', "AUTH LOGIN", "AUTH LOGIN" },
		{ '<', "334 VXNlcm5hbWU6", "334 VXNlcm5hbWU6" },
		{ '>', SECRET_USER, "<hidden>" },
		{ '<', "334 UGFzc3dvcmQ6", "334 UGFzc3dvcmQ6" },
		{ '>', SECRET_PASS, "<hidden>" },
		{ '<', "235 2.7.0 Authentication successful",
		  "235 2.7.0 Authentication successful" },
		{ '>', "MAIL FROM:<a@x>", "MAIL FROM:<a@x>" },
	};

	run_dialogue(s, sizeof(s) / sizeof(s[0]));
}

/* A note in the trace (a stage change) is kept as it is and does not
 * end the masking of the answer to a 334. */
static void
note_between_challenge_and_answer_keeps_mask(void)
{
	static const struct step s[] = {
		{ '<', "334 UGFzc3dvcmQ6", "334 UGFzc3dvcmQ6" },
		{ '*', "AUTH -> AUTH", "AUTH -> AUTH" },
		{ '>', SECRET_PASS, "<hidden>" },
	};

	run_dialogue(s, sizeof(s) / sizeof(s[0]));
}

static void
mask_cram_md5_response(void)
{
	static const struct step s[] = {
		{ '>', "AUTH CRAM-MD5", "AUTH CRAM-MD5" },
		{ '<', "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+",
		  "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+" },
		{ '>', SECRET_PASS, "<hidden>" },
		{ '<', "535 5.7.8 bad", "535 5.7.8 bad" },
		{ '>', "QUIT", "QUIT" },
	};

	run_dialogue(s, sizeof(s) / sizeof(s[0]));
}

static void
mask_leaves_other_lines_verbatim(void)
{
	static const struct step s[] = {
		{ '>', "AUTHOR is not a command", "AUTHOR is not a command" },
		{ '<', "3340 not a challenge", "3340 not a challenge" },
		{ '>', "RCPT TO:<b@example.org>", "RCPT TO:<b@example.org>" },
		{ '>', "DATA", "DATA" },
	};

	run_dialogue(s, sizeof(s) / sizeof(s[0]));
}

static void
mask_reads_only_len_bytes(void)
{
	static const char line[] = "AUTH PLAIN " SECRET_PLAIN "GARBAGE";
	bool mask = false;
	struct buf b;

	buf_init(&b);
	log_mask_line('>', line, 10, &mask, &b);	/* "AUTH PLAIN" */
	CHECK_STR(b.data, "AUTH PLAIN");
	buf_free(&b);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	buf_init(&b);
	if (f == NULL)
		return buf_steal(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

static char *
temp_path(const char *name)
{
	char dir[] = "/tmp/test_log.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return NULL;
	return xasprintf("%s/%s", dir, name);
}

static void
remove_temp(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

/* Past the "=== postie session DATE, pid N ===" line that opens each
 * run in a transcript, checked; NULL when it is not there. */
static const char *
after_session_mark(const char *s)
{
	const char *head = "=== postie session ", *nl = strchr(s, '\n');

	if (strncmp(s, head, strlen(head)) != 0 || nl == NULL ||
	    nl - s < 4 || strncmp(nl - 4, " ===", 4) != 0 ||
	    strstr(s, " UTC, pid ") == NULL || strstr(s, " UTC, pid ") > nl)
		return NULL;
	return nl + 1;
}

static void
transcript_appends_masked_lines(void)
{
	char *path = temp_path("transcript");
	struct log_trace t;
	struct err e;
	FILE *f;
	char *got;

	CHECK(path != NULL);
	if (path == NULL)
		return;
	f = fopen(path, "w");
	fputs("earlier run\n", f);
	fclose(f);
	err_clear(&e);
	CHECK_INT(log_trace_open(&t, false, path, &e), 0);
	log_trace(&t, '<', "220 mx.example ESMTP\r\n", 22);
	log_trace(&t, '>', "AUTH LOGIN", 10);
	log_trace(&t, '<', "334 VXNlcm5hbWU6", 16);
	log_trace(&t, '>', SECRET_USER, strlen(SECRET_USER));
	log_trace(&t, '<', "334 UGFzc3dvcmQ6", 16);
	log_trace(&t, '>', SECRET_PASS, strlen(SECRET_PASS));
	log_trace(&t, '>', "QUIT", 4);
	log_trace_close(&t);
	got = slurp(path);
	CHECK(strncmp(got, "earlier run\n", 12) == 0);
	CHECK_STR(after_session_mark(got + 12),
	    "<- 220 mx.example ESMTP\n"
	    "-> AUTH LOGIN\n"
	    "<- 334 VXNlcm5hbWU6\n"
	    "-> <hidden>\n"
	    "<- 334 UGFzc3dvcmQ6\n"
	    "-> <hidden>\n"
	    "-> QUIT\n");
	CHECK(strstr(got, SECRET_PASS) == NULL);
	free(got);
	remove_temp(path);
}

/* -v shows the dialogue on a terminal: a hostile server's ESC sequences
 * (or CR, BS) must not reach it, as --serverinfo already ensures. */
static void
transcript_turns_control_characters_into_question_marks(void)
{
	char *path = temp_path("transcript");
	struct log_trace t;
	struct err e;
	char *got;

	CHECK(path != NULL);
	if (path == NULL)
		return;
	err_clear(&e);
	CHECK_INT(log_trace_open(&t, false, path, &e), 0);
	log_trace(&t, '<', "250-mx \x1b]0;pwned\x07\x1b[2J\r\n", 23);
	log_trace(&t, '<', "250 caf\xc3\xa9\tok\b\x7f\r\n", 16);
	log_trace_close(&t);
	got = slurp(path);
	CHECK_STR(after_session_mark(got), "<- 250-mx ?]0;pwned??[2J\n"
	    "<- 250 caf\xc3\xa9\tok??\n");
	free(got);
	remove_temp(path);
}

static void
transcript_open_failure_is_reported(void)
{
	struct log_trace t;
	struct err e;

	err_clear(&e);
	CHECK_INT(log_trace_open(&t, false, "/nonexistent/dir/x", &e), -1);
	CHECK_INT(e.ex, EX_CANTCREAT);
	CHECK(strstr(e.msg, "/nonexistent/dir/x") != NULL);
}

static struct account
log_account(char *logfile)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.logfile = logfile;
	return a;
}

static void
outcome_line_has_every_field(void)
{
	char *path = temp_path("log");
	struct account a = log_account(path);
	struct log_entry le = {
		.queue_id = "Q123", .from = "alice@example.org",
		.to = "bob@example.net,carol@example.com", .size = 1234,
		.server = "mx.example.net[192.0.2.7]", .tls = "TLS1.3",
		.reply = "250 2.0.0 Ok: queued as 4Xyz", .outcome = "sent",
	};
	char *got, *want, *colon;

	log_outcome(&a, &le);
	le.queue_id = NULL;
	le.from = "";
	le.outcome = "deferred";
	le.reply = "451 4.3.0 \"busy\"\nretry later";
	le.tls = NULL;
	log_outcome(&a, &le);
	got = slurp(path);
	want = xasprintf(" %s postie[%ld]: id=Q123 from=<alice@example.org> "
	    "to=<bob@example.net>,<carol@example.com> size=1234 "
	    "server=mx.example.net[192.0.2.7] tls=TLS1.3 "
	    "reply=\"250 2.0.0 Ok: queued as 4Xyz\" status=sent\n", host_fqdn(),
	    (long)getpid());
	CHECK(strstr(got, want) != NULL);
	free(want);
	want = xasprintf("id=- from=<> to=<bob@example.net>,<carol@example.com>"
	    " size=1234 server=mx.example.net[192.0.2.7] tls=- reply=\"451 "
	    "4.3.0 'busy' retry later\" status=deferred\n");
	CHECK(strstr(got, want) != NULL);
	free(want);
	/* Two lines, each starting with a time "Mon dd hh:mm:ss". */
	colon = strchr(got, '\n');
	CHECK(colon != NULL && strchr(colon + 1, '\n') == got + strlen(got) - 1);
	CHECK(strlen(got) > 16 && got[3] == ' ' && got[9] == ':' &&
	    got[12] == ':' && got[15] == ' ');
	free(got);
	remove_temp(path);
}

static void
outcome_dash_logfile_is_stdout(void)
{
	char *path = temp_path("stdout");
	struct account a = log_account("-");
	struct log_entry le = {
		.from = "a@x", .to = "b@y", .size = 1, .server = "h",
		.tls = "-", .reply = "250 ok", .outcome = "bounced",
	};
	int saved = dup(1);
	FILE *f = fopen(path, "w");
	char *got;

	fflush(stdout);
	dup2(fileno(f), 1);
	log_outcome(&a, &le);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(f);
	got = slurp(path);
	CHECK(strstr(got, "to=<b@y> size=1 server=h tls=- reply=\"250 ok\" "
	    "status=bounced\n") != NULL);
	free(got);
	remove_temp(path);
}

static void
outcome_without_logfile_or_syslog_writes_nothing(void)
{
	struct account a = log_account(NULL);
	struct log_entry le = { .outcome = "sent" };

	log_outcome(&a, &le);	/* must not crash or write */
	a.syslog = "LOG_LOCAL3";
	log_outcome(&a, &le);	/* reaches syslog(3); nothing to check here */
	CHECK(1);
}

static const struct test tests[] = {
	TEST(mask_auth_plain_initial_response),
	TEST(mask_lowercase_auth_and_other_mechanisms),
	TEST(mask_every_answer_to_a_334),
	TEST(note_between_challenge_and_answer_keeps_mask),
	TEST(mask_cram_md5_response),
	TEST(mask_leaves_other_lines_verbatim),
	TEST(mask_reads_only_len_bytes),
	TEST(transcript_appends_masked_lines),
	TEST(transcript_turns_control_characters_into_question_marks),
	TEST(transcript_open_failure_is_reported),
	TEST(outcome_line_has_every_field),
	TEST(outcome_dash_logfile_is_stdout),
	TEST(outcome_without_logfile_or_syslog_writes_nothing),
};

CHECK_MAIN(tests)
