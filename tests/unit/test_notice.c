/* test_notice.c — the notice rules, the rate limit, the RFC 3464 notice
 * (dsn.c) and JSON strings (json.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "check.h"
#include "config_keys.h"
#include "dsn.h"
#include "json.h"
#include "notice.h"

static void
account_for_test(struct account *a)
{
	config_account_init(a);
	a->notify_delay = 3600;
}

static void
env_for_test(struct queue_env *q, const char *from, const char *notify)
{
	memset(q, 0, sizeof(*q));
	q->from = (char *)from;
	q->dsn_notify = (char *)notify;
}

static void
refusal_follows_the_rules(void)
{
	struct account a;
	struct queue_env q;

	account_for_test(&a);
	env_for_test(&q, "jane@example.com", NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, NULL) == NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, "no") == NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, "No") == NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, "auto-generated") != NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_DELAYED, NULL) == NULL);
	q.notice = true;
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, NULL) != NULL);
	env_for_test(&q, "", NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_EXPIRED, NULL) != NULL);
	env_for_test(&q, "jane@example.com", "NEVER");
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, NULL) != NULL);
	env_for_test(&q, "jane@example.com", "SUCCESS,DELAY");
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, NULL) != NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_DELAYED, NULL) == NULL);
	env_for_test(&q, "jane@example.com", "failure");
	CHECK(notice_refusal(&a, &q, NOTICE_EXPIRED, NULL) == NULL);
	CHECK(notice_refusal(&a, &q, NOTICE_DELAYED, NULL) != NULL);
	env_for_test(&q, "jane@example.com", NULL);
	a.notify_failure = false;
	CHECK(notice_refusal(&a, &q, NOTICE_FAILED, NULL) != NULL);
	a.notify_delay = 0;
	CHECK(notice_refusal(&a, &q, NOTICE_DELAYED, NULL) != NULL);
	config_account_clear(&a);
}

static void
rate_limit_counts_per_sender_per_hour(void)
{
	char dir[] = "/tmp/test_notice.XXXXXX";
	bool ok;
	struct err e;
	int allowed = 0;

	CHECK(mkdtemp(dir) != NULL);
	for (int i = 0; i < 5; i++) {
		CHECK_INT(notice_rate_take(dir, "a@example.com", 3, 10000 + i,
		    &ok, &e), 0);
		allowed += ok;
	}
	CHECK_INT(allowed, 3);
	CHECK_INT(notice_rate_take(dir, "b@example.com", 3, 10005, &ok, &e), 0);
	CHECK(ok);
	/* An hour later the window is empty again. */
	CHECK_INT(notice_rate_take(dir, "a@example.com", 3, 10000 + 3601, &ok,
	    &e), 0);
	CHECK(ok);
	CHECK_INT(notice_rate_take(dir, "a@example.com", 0, 20000, &ok, &e), 0);
	CHECK(!ok);
	{
		char *p = NULL;

		CHECK(asprintf(&p, "rm -rf %s", dir) > 0);
		CHECK_INT(system(p), 0);
		free(p);
	}
}

/* Write a notice about original into a string. */
static char *
notice_text(const struct dsn *d, const char *original)
{
	char path[] = "/tmp/test_notice_msg.XXXXXX";
	int in = mkstemp(path), out;
	char opath[] = "/tmp/test_notice_out.XXXXXX";
	struct err e;
	char *text;
	off_t len;

	CHECK(write(in, original, strlen(original)) == (ssize_t)strlen(original));
	out = mkstemp(opath);
	CHECK_INT(dsn_write(d, in, (off_t)strlen(original), out, &e), 0);
	len = lseek(out, 0, SEEK_END);
	text = calloc(1, (size_t)len + 1);
	CHECK(pread(out, text, (size_t)len, 0) == len);
	close(in);
	close(out);
	unlink(path);
	unlink(opath);
	return text;
}

static void
dsn_has_the_parts_and_fields(void)
{
	struct dsn_rcpt r = {
		.addr = "bob@example.net", .status = "5.1.1",
		.remote_mta = "mx.example.net",
		.diagnostic = "550 5.1.1 no\r\nInjected: yes \x01\xff such user",
	};
	struct dsn d = {
		.reporting_mta = "host.example.com",
		.from = "MAILER-DAEMON@host.example.com",
		.to = "jane@example.com", .queue_id = "ABC", .arrival = 1,
		.rcpts = &r, .nrcpts = 1,
	};
	char *t = notice_text(&d, "Subject: hi\r\n\r\nbody line\r\n");

	CHECK(strstr(t, "Content-Type: multipart/report; "
	    "report-type=delivery-status;") != NULL);
	CHECK(strstr(t, "Auto-Submitted: auto-replied\r\n") != NULL);
	CHECK(strstr(t, "Final-Recipient: rfc822; bob@example.net\r\n") != NULL);
	CHECK(strstr(t, "Action: failed\r\nStatus: 5.1.1\r\n") != NULL);
	CHECK(strstr(t, "Remote-MTA: dns; mx.example.net\r\n") != NULL);
	/* The server's CR LF cannot start a field of its own. */
	CHECK(strstr(t, "\r\nInjected:") == NULL);
	CHECK(strstr(t, "Diagnostic-Code: smtp; 550 5.1.1 no??Injected: "
	    "yes ?? such user\r\n") != NULL);
	CHECK(strstr(t, "Content-Type: message/rfc822\r\n\r\nSubject: hi\r\n"
	    "\r\nbody line\r\n") != NULL);
	for (const char *p = t; *p != '\0'; p++)
		CHECK((unsigned char)*p < 0x80);
	free(t);
}

static void
dsn_headers_only_stops_at_the_empty_line(void)
{
	struct dsn_rcpt r = { .addr = "b@x.example", .status = "5.0.0" };
	struct dsn d = {
		.reporting_mta = "h.example", .from = "m@h.example",
		.to = "j@h.example", .arrival = 1, .rcpts = &r, .nrcpts = 1,
		.headers_only = true,
	};
	char *t = notice_text(&d, "Subject: secret\r\nX: y\r\n\r\nBODY\r\n");

	CHECK(strstr(t, "text/rfc822-headers") != NULL);
	CHECK(strstr(t, "Subject: secret\r\nX: y\r\n") != NULL);
	CHECK(strstr(t, "BODY") == NULL);
	free(t);
}

static void
dsn_status_from_exit_codes(void)
{
	CHECK_STR(dsn_status_for_ex(EX_NOUSER, false), "5.1.1");
	CHECK_STR(dsn_status_for_ex(EX_NOHOST, false), "5.1.2");
	CHECK_STR(dsn_status_for_ex(EX_UNAVAILABLE, false), "5.0.0");
	CHECK_STR(dsn_status_for_ex(EX_TEMPFAIL, true), "4.4.7");
}

static void
json_strings_are_always_valid(void)
{
	struct buf b;

	buf_init(&b);
	json_add_string(&b, "a\"b\\c\n\x01");
	CHECK_STR(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	buf_reset(&b);
	json_add_string(&b, "caf\xc3\xa9 \xff\xc3(\xed\xa0\x80!");
	/* é kept; a stray byte, a cut sequence and a surrogate: U+FFFD. */
	CHECK_STR(b.data, "\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd("
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!\"");
	buf_reset(&b);
	json_add_string(&b, NULL);
	CHECK_STR(b.data, "null");
	buf_reset(&b);
	json_add_key(&b, "k", 1);
	json_add_key(&b, "l", 0);
	CHECK_STR(b.data, "\"k\":,\"l\":");
	buf_free(&b);
}

static const struct test tests[] = {
	TEST(refusal_follows_the_rules),
	TEST(rate_limit_counts_per_sender_per_hour),
	TEST(dsn_has_the_parts_and_fields),
	TEST(dsn_headers_only_stops_at_the_empty_line),
	TEST(dsn_status_from_exit_codes),
	TEST(json_strings_are_always_valid),
};

CHECK_MAIN(tests)
