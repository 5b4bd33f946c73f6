/* test_queue.c — unit tests for src/queue.c: the state file format, the
 * back-off, adding entries durably, and queue runs against a refused port
 * (no server needed: a deferral is what a run does when nobody answers). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "queue.h"

static const char sample_env[] =
    "postie-queue 1\n"
    "id 17F3A2B4C0A1B2C3D4E5F6\n"
    "created 1700000000\n"
    "account work\n"
    "from cron@example.com\n"
    "notify SUCCESS,DELAY\n"
    "ret HDRS\n"
    "envid abc\n"
    "body8bit 1\n"
    "attempts 3\n"
    "next 1700001200\n"
    "last 1700000600\n"
    "error 127.0.0.1:25 said: 451 4.3.0 try later (in reply to MAIL FROM)\n"
    "rcpt\tpending\t75\tbob@example.net\t451 later\n"
    "rcpt\tsent\t0\tann@example.net\t\n"
    "rcpt\tfailed\t67\tnobody@example.net\t550 5.1.1 no such user\n"
    "said\t550\t5.1.1\tmx.example.net\t550 5.1.1 no such user\n"
    "end\n";

/* ---- format ---- */

static void
backoff_doubles_from_5_minutes_to_4_hours(void)
{
	CHECK_INT(queue_backoff(1), 300);
	CHECK_INT(queue_backoff(2), 600);
	CHECK_INT(queue_backoff(3), 1200);
	CHECK_INT(queue_backoff(6), 9600);
	CHECK_INT(queue_backoff(7), 14400);
	CHECK_INT(queue_backoff(1000), 14400);
}

/* A configuration problem waits an hour at least; a pending 75 or a
 * failed 77 does not count. */
static void
backoff_of_configuration_problem_is_an_hour(void)
{
	struct queue_rcpt r[2] = {
		{ .addr = "a@x", .state = QR_PENDING, .ex = EX_TEMPFAIL },
		{ .addr = "b@x", .state = QR_FAILED, .ex = EX_NOPERM },
	};
	struct queue_env q = { .rcpts = r, .nrcpts = 2 };

	CHECK_INT(queue_entry_backoff(&q, 1), 300);
	r[0].ex = EX_NOPERM;
	CHECK_INT(queue_entry_backoff(&q, 1), 3600);
	CHECK_INT(queue_entry_backoff(&q, 7), 14400);
	r[0].ex = EX_CONFIG;
	CHECK_INT(queue_entry_backoff(&q, 2), 3600);
}

static void
env_parse_reads_every_field(void)
{
	struct queue_env q;
	struct err e;

	CHECK_INT(queuefile_env_parse(&q, sample_env, sizeof(sample_env) - 1, &e),
	    0);
	CHECK_STR(q.id, "17F3A2B4C0A1B2C3D4E5F6");
	CHECK_INT(q.created, 1700000000);
	CHECK_STR(q.account, "work");
	CHECK_STR(q.from, "cron@example.com");
	CHECK_STR(q.dsn_notify, "SUCCESS,DELAY");
	CHECK_STR(q.dsn_ret, "HDRS");
	CHECK_STR(q.dsn_envid, "abc");
	CHECK(q.body_8bit_hint);
	CHECK_INT(q.attempts, 3);
	CHECK_INT(q.next_try, 1700001200);
	CHECK_INT(q.last_try, 1700000600);
	CHECK_INT(q.nrcpts, 3);
	if (q.nrcpts == 3) {
		CHECK_INT(q.rcpts[0].state, QR_PENDING);
		CHECK_STR(q.rcpts[0].addr, "bob@example.net");
		CHECK_STR(q.rcpts[0].reason, "451 later");
		CHECK_INT(q.rcpts[1].state, QR_SENT);
		CHECK(q.rcpts[1].reason == NULL);
		CHECK_INT(q.rcpts[2].state, QR_FAILED);
		CHECK_INT(q.rcpts[2].ex, 67);
		CHECK_INT(q.rcpts[0].code, 0);
		CHECK(q.rcpts[0].reply == NULL);
		CHECK_INT(q.rcpts[2].code, 550);
		CHECK_STR(q.rcpts[2].status, "5.1.1");
		CHECK_STR(q.rcpts[2].mta, "mx.example.net");
		CHECK_STR(q.rcpts[2].reply, "550 5.1.1 no such user");
	}
	queuefile_env_free(&q);
}

/* parse(format(x)) == x for a state file built in memory with every
 * field set (the other direction is env_format_then_parse_is_identity). */
static void
env_struct_survives_format_and_parse(void)
{
	struct queue_rcpt rv[3] = {
		{ "bob@example.net", QR_PENDING, 75, "451 4.3.0 later",
		    451, NULL, "mx.example.net", "451 later" },
		{ "carol@example.net", QR_SENT, 0, NULL, 0, NULL, NULL, NULL },
		{ "dave@example.net", QR_FAILED, 67, "550 5.1.1 no such user",
		    550, "5.1.1", "mx.example.net", "550 5.1.1 no such user" },
	};
	struct queue_env x = {
		.id = "17F3A2B4C0A1B2C3D4E5F6", .created = 1700000000,
		.next_try = 1700001200, .last_try = 1700000600, .attempts = 3,
		.account = "work", .from = "cron@example.com",
		.dsn_notify = "SUCCESS,DELAY", .dsn_ret = "HDRS",
		.dsn_envid = "abc", .body_8bit_hint = true,
		.last_error = "451 4.3.0 later", .notice = true,
		.delay_noticed = 1700000900, .rcpts = rv, .nrcpts = 3,
	};
	struct queue_env y;
	struct buf b;
	struct err e;

	buf_init(&b);
	queuefile_env_format(&x, &b);
	CHECK_INT(queuefile_env_parse(&y, b.data, b.len, &e), 0);
	buf_free(&b);
	CHECK_STR(y.id, x.id);
	CHECK_INT(y.created, x.created);
	CHECK_INT(y.next_try, x.next_try);
	CHECK_INT(y.last_try, x.last_try);
	CHECK_INT(y.attempts, x.attempts);
	CHECK_STR(y.account, x.account);
	CHECK_STR(y.from, x.from);
	CHECK_STR(y.dsn_notify, x.dsn_notify);
	CHECK_STR(y.dsn_ret, x.dsn_ret);
	CHECK_STR(y.dsn_envid, x.dsn_envid);
	CHECK_INT(y.body_8bit_hint, x.body_8bit_hint);
	CHECK_STR(y.last_error, x.last_error);
	CHECK_INT(y.notice, x.notice);
	CHECK_INT(y.delay_noticed, x.delay_noticed);
	CHECK_INT(y.nrcpts, x.nrcpts);
	for (size_t i = 0; i < y.nrcpts && i < x.nrcpts; i++) {
		CHECK_STR(y.rcpts[i].addr, x.rcpts[i].addr);
		CHECK_INT(y.rcpts[i].state, x.rcpts[i].state);
		CHECK_INT(y.rcpts[i].ex, x.rcpts[i].ex);
		CHECK_STR(y.rcpts[i].reason, x.rcpts[i].reason);
		CHECK_INT(y.rcpts[i].code, x.rcpts[i].code);
		CHECK_STR(y.rcpts[i].status, x.rcpts[i].status);
		CHECK_STR(y.rcpts[i].mta, x.rcpts[i].mta);
		CHECK_STR(y.rcpts[i].reply, x.rcpts[i].reply);
	}
	queuefile_env_free(&y);
}

static void
env_format_then_parse_is_identity(void)
{
	struct queue_env q;
	struct buf b;
	struct err e;

	buf_init(&b);
	CHECK_INT(queuefile_env_parse(&q, sample_env, sizeof(sample_env) - 1, &e),
	    0);
	queuefile_env_format(&q, &b);
	CHECK_MEM(b.data, b.len, sample_env, sizeof(sample_env) - 1);
	queuefile_env_free(&q);
	buf_free(&b);
}

static void
env_format_flattens_line_ends_in_reasons(void)
{
	struct queue_rcpt r = { .addr = "a@x", .reason = "two\r\nlines\tx" };
	struct queue_env q = { .id = "0123456789ABCDEF", .from = "",
	    .rcpts = &r, .nrcpts = 1, .last_error = "bad\nline" };
	struct queue_env back;
	struct buf b;
	struct err e;

	buf_init(&b);
	queuefile_env_format(&q, &b);
	CHECK_INT(queuefile_env_parse(&back, b.data, b.len, &e), 0);
	CHECK_STR(back.last_error, "bad line");
	if (back.nrcpts == 1)
		CHECK_STR(back.rcpts[0].reason, "two  lines x");
	CHECK_STR(back.from, "");
	queuefile_env_free(&back);
	buf_free(&b);
}

/* -V is any argv string and a reason may hold a server's or the system's
 * words: whatever the state file is given, what is written parses (else
 * the entry would wait forever as a "bad" file). */
static void
env_format_flattens_other_control_characters(void)
{
	struct queue_rcpt r = { .addr = "a@x", .reason = "bell\a del\x7f" };
	struct queue_env q = { .id = "0123456789ABCDEF", .from = "",
	    .rcpts = &r, .nrcpts = 1, .dsn_envid = "env\x01id",
	    .account = "we\x1bird", .last_error = "esc\x1b[K" };
	struct queue_env back;
	struct buf b;
	struct err e;

	buf_init(&b);
	queuefile_env_format(&q, &b);
	CHECK_INT(queuefile_env_parse(&back, b.data, b.len, &e), 0);
	CHECK_STR(back.dsn_envid, "env id");
	CHECK_STR(back.account, "we ird");
	CHECK_STR(back.last_error, "esc [K");
	if (back.nrcpts == 1)
		CHECK_STR(back.rcpts[0].reason, "bell  del ");
	queuefile_env_free(&back);
	buf_free(&b);
}

/* A drop entry's fields (sysmode.h): -F's name, and "no sender asked",
 * survive the round trip; a queue entry has neither. */
static void
env_drop_fields_round_trip(void)
{
	struct queue_rcpt r = { .addr = "root@postie-local.invalid" };
	struct queue_env q = { .id = "0123456789ABCDEF", .from = "",
	    .rcpts = &r, .nrcpts = 1, .fullname = "Cron\nDaemon",
	    .from_unset = true };
	struct queue_env back, plain;
	struct buf b;
	struct err e;

	buf_init(&b);
	queuefile_env_format(&q, &b);
	CHECK_INT(queuefile_env_parse(&back, b.data, b.len, &e), 0);
	CHECK_STR(back.fullname, "Cron Daemon");
	CHECK(back.from_unset);
	queuefile_env_free(&back);
	buf_free(&b);
	CHECK_INT(queuefile_env_parse(&plain, sample_env, sizeof(sample_env) - 1,
	    &e), 0);
	CHECK(plain.fullname == NULL);
	CHECK(!plain.from_unset);
	queuefile_env_free(&plain);
}

/* An account name may be as long as a configuration line: the state
 * file keeps the start of a field, never a line it cannot read back. */
static void
env_format_bounds_every_line(void)
{
	char *huge = malloc(5001);
	struct queue_rcpt r = { .addr = "a@x" };
	struct queue_env q = { .id = "0123456789ABCDEF", .from = "",
	    .rcpts = &r, .nrcpts = 1 };
	struct queue_env back;
	struct buf b;
	struct err e;

	memset(huge, 'a', 5000);
	huge[5000] = '\0';
	q.account = q.last_error = r.reason = huge;
	buf_init(&b);
	queuefile_env_format(&q, &b);
	CHECK_INT(queuefile_env_parse(&back, b.data, b.len, &e), 0);
	CHECK(back.account != NULL && strlen(back.account) >= 512 &&
	    strncmp(back.account, huge, strlen(back.account)) == 0);
	queuefile_env_free(&back);
	buf_free(&b);
	free(huge);
}

static void
env_parse_refuses_every_truncation(void)
{
	size_t len = sizeof(sample_env) - 1;
	struct queue_env q;
	struct err e;
	int accepted = 0;

	for (size_t n = 0; n < len; n++)
		if (queuefile_env_parse(&q, sample_env, n, &e) == 0) {
			accepted++;
			queuefile_env_free(&q);
		}
	CHECK_INT(accepted, 0);
}

static void
env_parse_refuses_bad_input(void)
{
	static const char *const bad[] = {
		"postie-queue 2\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tpending\t0\ta@x\t\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tlost\t0\ta@x\t\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom x\r@y\n"
		    "rcpt\tpending\t0\ta@x\t\nend\n",
		"postie-queue 1\nid ../../etc\nfrom \n"
		    "rcpt\tpending\t0\ta@x\t\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tpending\t0\t<a@x>\t\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \nattempts -1\n"
		    "rcpt\tpending\t0\ta@x\t\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tpending\t0\ta@x\t\nend\nmore\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "said\t550\t5.1.1\tmx\t550 no\n"
		    "rcpt\tpending\t0\ta@x\t\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tpending\t0\ta@x\t\n"
		    "said\t150\t\tmx\t150 no\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tpending\t0\ta@x\t\n"
		    "said\t550\t5.1.x\tmx\t550 no\nend\n",
		"postie-queue 1\nid 0123456789ABCDEF\nfrom \n"
		    "rcpt\tpending\t0\ta@x\t\n"
		    "said\t550\t5.1.1\tmx\n"
		    "end\n",
	};
	struct queue_env q;
	struct err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = queuefile_env_parse(&q, bad[i], strlen(bad[i]), &e);

		if (rc == 0) {
			fprintf(stderr, "  accepted bad case %zu\n", i);
			queuefile_env_free(&q);
		}
		CHECK_INT(rc, -1);
		CHECK_INT(e.ex, EX_DATAERR);
	}
}

static void
id_valid_accepts_only_upper_hex(void)
{
	CHECK(queuefile_id_valid("17F3A2B4C0A1B2C3D4E5F6"));
	CHECK(!queuefile_id_valid(""));
	CHECK(!queuefile_id_valid("17f3a2b4c0a1"));
	CHECK(!queuefile_id_valid("../17F3A2B4C0"));
	CHECK(!queuefile_id_valid("17F3A2B4C0A1B2C3D4E5F6/x"));
}

/* ---- adding and running, in a scratch directory ---- */

static char scratch[64];

static const char *
fresh_dir(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/test_queue.XXXXXX");
	if (mkdtemp(scratch) == NULL)
		abort();
	return scratch;
}

static void
rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
	free(cmd);
}

static int
read_message(struct message *m, const char *text)
{
	char path[] = "/tmp/test_queue_msg.XXXXXX";
	struct message_read_opts ro = { .dot_ends_message = false };
	struct err e;
	int fd = mkstemp(path), rc;

	unlink(path);
	if (write_all(fd, text, strlen(text)) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	message_init(m);
	rc = message_read(m, fd, &ro, &e);
	close(fd);
	return rc;
}

/* An entry for bob@example.net, created `age` seconds before now. */
static int
add_entry(const char *dir, long long now, long long age, char *id)
{
	struct queue_rcpt r = { .addr = "bob@example.net", .ex = 75,
	    .reason = "451 later" };
	struct queue_env q = { .from = "cron@example.com", .rcpts = &r,
	    .nrcpts = 1, .created = now - age, .attempts = 1,
	    .next_try = now - age + 300, .last_error = "451 later" };
	struct message m;
	struct err e;
	int rc;

	if (read_message(&m, "Subject: hi\n\nbody line\n") == -1)
		return -1;
	rc = queuefile_add(dir, &m, &q, &e);
	if (rc == -1)
		fprintf(stderr, "  queuefile_add: %s\n", e.msg);
	strcpy(id, q.id);
	message_free(&m);
	return rc;
}

static char *
slurp(const char *path)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf_init(&b);
	buf_adds(&b, "");
	if (fd < 0)
		return buf_steal(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	return buf_steal(&b);
}

static bool
exists(const char *dir, const char *id, const char *suffix)
{
	char *p = xasprintf("%s/%s%s", dir, id, suffix);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

static int
file_mode(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

static void
add_writes_message_and_state_private(void)
{
	const char *dir = fresh_dir();
	char *qdir = xasprintf("%s/q", dir), id[QUEUE_ID_MAX], *p, *s;

	CHECK_INT(add_entry(qdir, 1700000000, 0, id), 0);
	CHECK(queuefile_id_valid(id));
	p = xasprintf("%s/%s.msg", qdir, id);
	s = slurp(p);
	CHECK_STR(s, "Subject: hi\r\n\r\nbody line\r\n");
	CHECK_INT(file_mode(p), 0600);
	CHECK_INT(file_mode(qdir), 0700);
	free(s);
	free(p);
	p = xasprintf("%s/%s.env", qdir, id);
	s = slurp(p);
	CHECK(strstr(s, "rcpt\tpending\t75\tbob@example.net\t451 later\n") !=
	    NULL);
	CHECK_INT(file_mode(p), 0600);
	free(s);
	free(p);
	p = xasprintf("rmdir '%s/tmp' 2>/dev/null", qdir);	/* tmp/ is empty */
	CHECK_INT(system(p), 0);
	free(p);
	free(qdir);
	rm_rf(dir);
}

/* The first message queued makes the directories (each new level is then
 * synced into its parent); queue_dir may be relative to the cwd. */
static void
add_makes_missing_directories_absolute_or_relative(void)
{
	const char *dir = fresh_dir();
	char *qdir = xasprintf("%s/a/b/q", dir), id[QUEUE_ID_MAX];
	char cwd[4096];

	CHECK_INT(add_entry(qdir, 1700000000, 0, id), 0);
	CHECK(exists(qdir, id, ".env"));
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_INT(chdir(dir), 0);
	CHECK_INT(add_entry("rel", 1700000000, 0, id), 0);
	CHECK(exists("rel", id, ".msg"));
	CHECK(exists("rel", id, ".env"));
	CHECK_INT(chdir(cwd), 0);
	free(qdir);
	rm_rf(dir);
}

/* n recipients with the longest addresses postie accepts (a 256-octet
 * path: 254 between the angle brackets)
 * and a server reply far longer than a state file keeps of it. */
static struct queue_rcpt *
long_rcpts(size_t n, char *reason)
{
	struct queue_rcpt *r = xcalloc(n, sizeof(*r));
	char label[59];		/* 64 + 1 + 3 * (58 + 1) + 1 + 11 = 254 */
	static char host[256];	/* the longest host name */

	memset(label, 'd', 58);
	label[58] = '\0';
	memset(host, 'h', 255);
	for (size_t i = 63; i < 255; i += 64)
		host[i] = '.';
	memset(reason, 'x', 999);
	memcpy(reason, "451 4.7.1 ", 10);
	reason[999] = '\0';
	for (size_t i = 0; i < n; i++) {
		r[i].addr = xasprintf("%064zu@%s.%s.%sd.example.net", i, label,
		    label, label);
		r[i].ex = EX_TEMPFAIL;
		r[i].reason = reason;
		r[i].code = 451;
		r[i].status = "4.7.1";
		r[i].mta = host;
		r[i].reply = reason;
	}
	return r;
}

static void
free_rcpts(struct queue_rcpt *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].addr);
	free(r);
}

/* Every message postie accepts (QUEUE_RCPTS_MAX recipients) has a state
 * file it can write and read back, whatever its servers replied: 20,000
 * deferred recipients with long replies once overflowed a 4 MiB cap, so
 * that the message could not be queued after half of it was delivered.
 * Those 20,000 are written and read back, and no recipient takes more
 * than QUEUE_RCPT_BYTES_MAX (so QUEUE_RCPTS_MAX of them fit
 * QUEUE_ENV_MAX: writing all of them here takes long under ASan). */
static void
add_keeps_every_recipient_postie_accepts(void)
{
	const char *dir = fresh_dir();
	char *qdir = xasprintf("%s/q", dir), id[QUEUE_ID_MAX], reason[1000];
	char *path, *s, *line, *nl = NULL;
	size_t n = 20000;
	struct queue_rcpt *r = long_rcpts(n, reason);
	struct queue_env q = { .from = "", .rcpts = r, .nrcpts = n };
	struct queue_env back;
	struct message m;
	struct err e;

	CHECK_INT(read_message(&m, "x\n"), 0);
	CHECK_INT(queuefile_add(qdir, &m, &q, &e), 0);
	snprintf(id, sizeof(id), "%s", q.id);
	memset(&back, 0, sizeof(back));
	if (queuefile_load_env(qdir, id, &back, &e) != 0)
		CHECK_STR(e.msg, "");	/* fails, saying why */
	CHECK(back.nrcpts == n);
	if (back.nrcpts != n)
		return;
	CHECK_STR(back.rcpts[n - 1].addr, r[n - 1].addr);
	CHECK(back.rcpts[n - 1].state == QR_PENDING);
	CHECK(strncmp(back.rcpts[n - 1].reason, "451 4.7.1 xxx", 13) == 0);
	queuefile_env_free(&back);
	path = xasprintf("%s/%s.env", qdir, id);
	s = slurp(path);
	/* Each recipient: its "rcpt" line, then its "said" line (strstr
	 * only once: under ASan each call measures the whole rest). */
	for (line = strstr(s, "\nrcpt\t"); line != NULL; line = nl) {
		line++;
		nl = strchr(line, '\n');
		CHECK(nl != NULL && strncmp(nl, "\nsaid\t451\t", 10) == 0);
		if (nl == NULL || (nl = strchr(nl + 1, '\n')) == NULL)
			break;
		if ((size_t)(nl - line) + 1 > QUEUE_RCPT_BYTES_MAX)
			CHECK_INT(nl - line + 1, QUEUE_RCPT_BYTES_MAX);
		if (strncmp(nl, "\nrcpt\t", 6) != 0)
			break;
	}
	CHECK(nl != NULL && strcmp(nl, "\nend\n") == 0);
	CHECK((size_t)QUEUE_RCPTS_MAX * QUEUE_RCPT_BYTES_MAX < QUEUE_ENV_MAX);
	free(s);
	free(path);
	free_rcpts(r, n);
	message_free(&m);
	free(qdir);
	rm_rf(dir);
}

/* More than that is refused when writing (the submission refuses it
 * before), so that the caller keeps the message (exit 73), and nothing
 * is left behind. */
static void
add_refuses_more_recipients_than_postie_accepts(void)
{
	const char *dir = fresh_dir();
	char *qdir = xasprintf("%s/q", dir), *cmd, reason[1000];
	size_t n = QUEUE_RCPTS_MAX + 1;
	struct queue_rcpt *r = long_rcpts(n, reason);	/* refused unformatted */
	struct queue_env q = { .from = "", .rcpts = r, .nrcpts = n };
	struct message m;
	struct err e;

	CHECK_INT(read_message(&m, "x\n"), 0);
	CHECK_INT(queuefile_add(qdir, &m, &q, &e), -1);
	CHECK_INT(e.ex, EX_CANTCREAT);
	CHECK(strstr(e.msg, "too large") != NULL);
	cmd = xasprintf("test -z \"$(ls -A '%s' | grep -v '^tmp$' | "
	    "grep -v '^failed$')$(ls -A '%s/tmp')\"", qdir, qdir);
	CHECK_INT(system(cmd), 0);
	free(cmd);
	free_rcpts(r, n);
	message_free(&m);
	free(qdir);
	rm_rf(dir);
}

static void
add_to_unwritable_place_is_cantcreat(void)
{
	const char *dir = fresh_dir();
	char *file = xasprintf("%s/plain-file", dir);
	char *qdir = xasprintf("%s/queue", file);
	struct queue_rcpt r = { .addr = "bob@example.net" };
	struct queue_env q = { .from = "", .rcpts = &r, .nrcpts = 1 };
	struct message m;
	struct err e;

	close(open(file, O_WRONLY | O_CREAT, 0600));
	CHECK_INT(read_message(&m, "x\n"), 0);
	CHECK_INT(queuefile_add(qdir, &m, &q, &e), -1);
	CHECK_INT(e.ex, EX_CANTCREAT);
	CHECK(strstr(e.msg, "plain-file") != NULL);
	message_free(&m);
	free(qdir);
	free(file);
	rm_rf(dir);
}

/* A configuration whose smarthost refuses connections.  queue_dir is in
 * "defaults" so that the embedded default shares it: a run then never
 * looks at the real /var/spool/postie or ~/.local/state. */
static char *
refused_config(const char *dir, const char *extra)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char *path = xasprintf("%s/config", dir), *text;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		abort();
	close(s);	/* nobody listens there now */
	text = xasprintf("defaults\nqueue_dir %s/q\naccount default\n"
	    "host 127.0.0.1\nport %d\ntls off\ntimeout 5\n%s", dir,
	    ntohs(sin.sin_port), extra);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (write_all(fd, text, strlen(text)) == -1)
		abort();
	close(fd);
	free(text);
	return path;
}

static void
run_defers_with_backoff_and_records_the_error(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, ""), *qdir = xasprintf("%s/q", dir);
	char id[QUEUE_ID_MAX], *p, *s;
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct queue_stats st;
	struct err e;

	CHECK_INT(add_entry(qdir, o.now, 60, id), 0);
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK_INT(st.deferred, 1);
	CHECK_INT(st.sent + st.failed + st.bad, 0);
	p = xasprintf("%s/%s.env", qdir, id);
	s = slurp(p);
	CHECK(strstr(s, "attempts 2\n") != NULL);
	CHECK(strstr(s, "next 1700000600\n") != NULL);	/* now + 10 min */
	CHECK(strstr(s, "rcpt\tpending\t") != NULL);
	CHECK(strstr(s, "error ") != NULL);
	free(s);
	/* --due honours the back-off: nothing is tried before next. */
	o.due = true;
	o.now += 599;
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK_INT(st.not_due, 1);
	CHECK_INT(st.deferred, 0);
	free(p);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

static void
run_expires_into_failed_after_lifetime(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, "queue_lifetime 1h\n");
	char *qdir = xasprintf("%s/q", dir), *fdir = xasprintf("%s/failed", qdir);
	char id[QUEUE_ID_MAX];
	struct queue_opts o = { .config_file = cfg, .now = 1700000000,
	    .due = true };
	struct queue_stats st;
	struct err e;

	CHECK_INT(add_entry(qdir, o.now, 3601, id), 0);
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK_INT(st.failed, 1);
	CHECK(!exists(qdir, id, ".env"));
	CHECK(!exists(qdir, id, ".msg"));
	CHECK(exists(fdir, id, ".eml"));
	CHECK(exists(fdir, id, ".env"));
	free(fdir);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

static void
run_skips_an_entry_locked_by_another_run(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, ""), *qdir = xasprintf("%s/q", dir);
	char id[QUEUE_ID_MAX], *msg;
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct queue_stats st;
	struct err e;
	int fd;

	CHECK_INT(add_entry(qdir, o.now, 0, id), 0);
	msg = xasprintf("%s/%s.msg", qdir, id);
	fd = open(msg, O_RDONLY);
	CHECK_INT(flock(fd, LOCK_EX), 0);
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK_INT(st.busy, 1);
	CHECK_INT(st.deferred, 0);
	close(fd);
	free(msg);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

static void
run_removes_unlocked_message_without_state(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, ""), *qdir = xasprintf("%s/q", dir);
	char id[QUEUE_ID_MAX], *env;
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct queue_stats st;
	struct err e;

	CHECK_INT(add_entry(qdir, o.now, 0, id), 0);
	env = xasprintf("%s/%s.env", qdir, id);
	unlink(env);		/* as a submission killed before its rename */
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK(!exists(qdir, id, ".msg"));
	CHECK_INT(st.deferred + st.bad, 0);
	free(env);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

static void
load_env_names_the_id_it_found(void)
{
	const char *dir = fresh_dir();
	char *qdir = xasprintf("%s/q", dir), *from, *to;
	char id[QUEUE_ID_MAX];
	struct queue_env q;
	struct err e;

	CHECK_INT(add_entry(qdir, 1700000000, 0, id), 0);
	from = xasprintf("%s/%s.env", qdir, id);
	to = xasprintf("%s/ABCDEF0123.env", qdir);
	CHECK_INT(rename(from, to), 0);
	CHECK_INT(queuefile_load_env(qdir, "ABCDEF0123", &q, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	if (strstr(e.msg, id) == NULL)
		fprintf(stderr, "  got \"%s\", want the id %s in it\n", e.msg, id);
	CHECK(strstr(e.msg, id) != NULL);
	free(from);
	free(to);
	free(qdir);
	rm_rf(dir);
}

static void
run_moves_a_message_with_nul_to_failed_and_says_so(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, ""), *qdir = xasprintf("%s/q", dir);
	char *fdir = xasprintf("%s/failed", qdir), *msg;
	char id[QUEUE_ID_MAX];
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct queue_stats st;
	struct err e;
	int fd, n = 0;

	CHECK_INT(add_entry(qdir, o.now, 60, id), 0);
	msg = xasprintf("%s/%s.msg", qdir, id);
	fd = open(msg, O_WRONLY | O_APPEND);
	CHECK_INT((int)write(fd, "a\0b\r\n", 5), 5);
	close(fd);
	CHECK_INT(queue_run(&o, &st, &e), 0);
	/* (The sender's failure notice, when notices are on, quotes the
	 * message and so counts as one more.) */
	CHECK(st.failed >= 1);
	CHECK_INT(st.deferred, 0);
	for (size_t i = 0; i < st.problems.n; i++)
		if (strstr(st.problems.v[i], id) != NULL) {
			CHECK(strstr(st.problems.v[i], "NUL") != NULL);
			n++;
		}
	CHECK_INT(n, 1);
	queue_stats_free(&st);
	CHECK(!exists(qdir, id, ".env"));
	CHECK(exists(fdir, id, ".eml"));
	CHECK(exists(fdir, id, ".env"));
	free(msg);
	free(fdir);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

static void
list_shows_id_sender_recipient_and_error(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, ""), *qdir = xasprintf("%s/q", dir);
	char id[QUEUE_ID_MAX], out[] = "/tmp/test_queue_list.XXXXXX", *s;
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct err e;
	int fd = mkstemp(out);

	CHECK_INT(queue_list(&o, fd, &e), 0);
	CHECK_INT(add_entry(qdir, o.now, 3700, id), 0);
	CHECK_INT(queue_list(&o, fd, &e), 0);
	close(fd);
	s = slurp(out);
	unlink(out);
	CHECK(strstr(s, "Mail queue is empty\n") != NULL);
	CHECK(strstr(s, id) != NULL);
	CHECK(strstr(s, "1h01m  cron@example.com\n") != NULL);
	CHECK(strstr(s, "    bob@example.net\n") != NULL);
	CHECK(strstr(s, "last error: 451 later") != NULL);
	free(s);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

/* A submission's report: ann accepted, nobody refused (550), bob
 * deferred (451). */
static void
fill_report(struct report *rep)
{
	static const char *const addr[] = { "ann@example.net",
	    "nobody@example.net", "bob@example.net" };
	static const enum outcome out[] = { OUT_SENT, OUT_PERMFAIL,
	    OUT_TEMPFAIL };
	static const char *const text[] = {
		"250 ok",
		"h said: 550 5.1.1 no such user (in reply to RCPT TO)",
		"h said: 451 later",
	};

	memset(rep, 0, sizeof(*rep));
	rep->n = 3;
	rep->v = xcalloc(3, sizeof(*rep->v));
	for (size_t i = 0; i < 3; i++) {
		rep->v[i].addr = xstrdup(addr[i]);
		rep->v[i].outcome = out[i];
		rep->v[i].ex = i == 1 ? EX_NOUSER : i == 2 ? EX_TEMPFAIL : 0;
		snprintf(rep->v[i].text, sizeof(rep->v[i].text), "%s", text[i]);
	}
}

static void
save_failed_writes_eml_and_env_like_a_queue_run(void)
{
	const char *dir = fresh_dir();
	char *qdir = xasprintf("%s/q", dir), *fdir = xasprintf("%s/failed", qdir);
	char *cfg = refused_config(dir, ""), *id, *p, *s;
	char out[] = "/tmp/test_queue_list.XXXXXX";
	struct account a = { .name = "default", .queue_dir = qdir };
	struct envelope env = { .from = "cron@example.com" };
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct message m;
	struct report rep;
	struct err e;
	int fd;

	fill_report(&rep);
	CHECK_INT(read_message(&m, "Subject: hi\n\nbody line\n"), 0);
	queue_save_failed(&a, &m, &env, &rep);
	CHECK(strncmp(rep.saved, fdir, strlen(fdir)) == 0);
	CHECK(strlen(rep.saved) > 4 &&
	    strcmp(rep.saved + strlen(rep.saved) - 4, ".eml") == 0);
	s = slurp(rep.saved);
	CHECK_STR(s, "Subject: hi\r\n\r\nbody line\r\n");	/* no "From " */
	free(s);
	id = xstrndup(rep.saved + strlen(fdir) + 1,
	    strlen(rep.saved) - strlen(fdir) - 5);
	CHECK(queuefile_id_valid(id));
	p = xasprintf("%s/%s.env", fdir, id);
	s = slurp(p);
	CHECK(strstr(s, "from cron@example.com\n") != NULL);
	CHECK(strstr(s, "error h said: 550 5.1.1 no such user") != NULL);
	CHECK(strstr(s, "rcpt\tsent\t0\tann@example.net\t") != NULL);
	CHECK(strstr(s, "rcpt\tfailed\t67\tnobody@example.net\th said: 550")
	    != NULL);
	CHECK(strstr(s, "bob@example.net") == NULL);	/* the queue's own */
	CHECK_INT(file_mode(p), 0600);
	free(s);
	/* mailq says where the failed messages are. */
	fd = mkstemp(out);
	CHECK_INT(queue_list(&o, fd, &e), 0);
	close(fd);
	s = slurp(out);
	unlink(out);
	CHECK(strstr(s, "Mail queue is empty\n") != NULL);
	CHECK(strstr(s, "-- 1 failed message in ") != NULL);
	CHECK(strstr(s, fdir) != NULL);
	free(s);
	free(p);
	free(id);
	message_free(&m);
	report_free(&rep);
	free(cfg);
	free(fdir);
	free(qdir);
	rm_rf(dir);
}

static void
save_failed_falls_back_to_dead_letter(void)
{
	const char *dir = fresh_dir();
	char *file = xasprintf("%s/plain-file", dir);
	char *qdir = xasprintf("%s/queue", file), *dead, *s;
	char *home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	struct account a = { .name = "default", .queue_dir = qdir };
	struct envelope env = { .from = "" };
	struct message m;
	struct report rep;

	close(open(file, O_WRONLY | O_CREAT, 0600));	/* no queue dir there */
	setenv("HOME", dir, 1);
	fill_report(&rep);
	/* mbox: a body line starting "From " is quoted, or a mail reader
	 * would split the message there. */
	CHECK_INT(read_message(&m, "Subject: hi\n\nbody\nFrom here on\n"
	    "Fro\nFrom\n"), 0);
	queue_save_failed(&a, &m, &env, &rep);
	dead = xasprintf("%s/dead.letter", dir);
	CHECK_STR(rep.saved, dead);
	s = slurp(dead);
	CHECK(strncmp(s, "From MAILER-DAEMON ", 19) == 0);
	CHECK(strstr(s, "\nSubject: hi\r\n\r\nbody\r\n>From here on\r\n"
	    "Fro\r\nFrom\r\n\n") != NULL);
	CHECK(strstr(s, "\nFrom here") == NULL);
	free(s);
	/* Nothing refused: nothing saved. */
	rep.v[1].outcome = OUT_SENT;
	queue_save_failed(&a, &m, &env, &rep);
	CHECK_STR(rep.saved, "");
	if (home != NULL)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(home);
	free(dead);
	message_free(&m);
	report_free(&rep);
	free(qdir);
	free(file);
	rm_rf(dir);
}

static void
delete_removes_entry_and_refuses_bad_ids(void)
{
	const char *dir = fresh_dir();
	char *cfg = refused_config(dir, ""), *qdir = xasprintf("%s/q", dir);
	char id[QUEUE_ID_MAX];
	struct queue_opts o = { .config_file = cfg };
	struct err e;

	CHECK_INT(add_entry(qdir, 1700000000, 0, id), 0);
	CHECK_INT(queue_delete(&o, "../../etc/passwd", &e), -1);
	CHECK_INT(e.ex, EX_USAGE);
	CHECK_INT(queue_delete(&o, "0123456789ABCDEF", &e), -1);
	CHECK_INT(e.ex, EX_NOINPUT);
	CHECK_INT(queue_delete(&o, id, &e), 0);
	CHECK(!exists(qdir, id, ".env"));
	CHECK(!exists(qdir, id, ".msg"));
	CHECK_INT(queue_delete(&o, id, &e), -1);
	CHECK_INT(e.ex, EX_NOINPUT);
	free(qdir);
	free(cfg);
	rm_rf(dir);
}

/* ---- every queue directory of the configuration ---- */

static int
parse_config(struct config *cfg, const char *text)
{
	struct err e;
	int rc = config_parse(cfg, text, strlen(text), "test", &e);

	if (rc == -1)
		fprintf(stderr, "  config: %s\n", e.msg);
	return rc;
}

/* a and b share a directory (b names it with a trailing slash), c has its
 * own, d reaches c's through a symlink, e's is not made yet; the embedded
 * default keeps the per-user one.  Each comes once, in file order, the
 * embedded default last. */
static void
dirs_lists_each_distinct_directory_once(void)
{
	const char *dir = fresh_dir();
	char *state = xasprintf("%s/state", dir), *text, *p, *embedded;
	struct config cfg;
	struct strlist l;
	struct err e;

	p = xasprintf("mkdir '%s/shared' '%s/own' && ln -s own '%s/link'", dir,
	    dir, dir);
	CHECK_INT(system(p), 0);
	free(p);
	setenv("XDG_STATE_HOME", state, 1);
	embedded = getuid() == 0 ? xstrdup("/var/spool/postie") :
	    xasprintf("%s/postie/queue", state);
	text = xasprintf("account a\nhost h\nqueue_dir %s/shared\n"
	    "account b\nhost h\nqueue_dir %s/shared/\n"
	    "account c\nhost h\nqueue_dir %s/own\n"
	    "account d\nhost h\nqueue_dir %s/link\n"
	    "account e\nhost h\nqueue_dir %s/later\n", dir, dir, dir, dir, dir);
	CHECK_INT(parse_config(&cfg, text), 0);
	CHECK_INT(queue_dirs(&cfg, NULL, &l, &e), 0);
	CHECK_INT(l.n, 4);
	if (l.n == 4) {
		p = xasprintf("%s/shared", dir);
		CHECK_STR(l.v[0], p);
		free(p);
		p = xasprintf("%s/own", dir);
		CHECK_STR(l.v[1], p);
		free(p);
		p = xasprintf("%s/later", dir);
		CHECK_STR(l.v[2], p);
		free(p);
		CHECK_STR(l.v[3], embedded);
	}
	strlist_free(&l);
	/* --account: that account's directory alone. */
	CHECK_INT(queue_dirs(&cfg, "d", &l, &e), 0);
	CHECK_INT(l.n, 1);
	p = xasprintf("%s/link", dir);
	if (l.n == 1)
		CHECK_STR(l.v[0], p);
	free(p);
	strlist_free(&l);
	CHECK_INT(queue_dirs(&cfg, "nosuch", &l, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	strlist_free(&l);
	config_free(&cfg);
	free(text);
	/* queue_dir in "defaults": the embedded default shares it. */
	text = xasprintf("defaults\nqueue_dir %s/shared\naccount a\nhost h\n",
	    dir);
	CHECK_INT(parse_config(&cfg, text), 0);
	CHECK_INT(queue_dirs(&cfg, NULL, &l, &e), 0);
	CHECK_INT(l.n, 1);
	strlist_free(&l);
	config_free(&cfg);
	free(text);
	unsetenv("XDG_STATE_HOME");
	free(embedded);
	free(state);
	rm_rf(dir);
}

/* An entry in each of two accounts' directories: a plain run tries both,
 * --account only its own; mailq names both directories; --queue-delete
 * finds an entry in the second. */
static void
run_list_and_delete_cover_every_queue_dir(void)
{
	const char *dir = fresh_dir();
	char *q1 = xasprintf("%s/q", dir), *q2 = xasprintf("%s/q2", dir);
	char *extra = xasprintf("account other : default\nqueue_dir %s\n", q2);
	char *cfg = refused_config(dir, extra), *s;
	char id1[QUEUE_ID_MAX], id2[QUEUE_ID_MAX];
	char out[] = "/tmp/test_queue_list.XXXXXX";
	struct queue_opts o = { .config_file = cfg, .now = 1700000000 };
	struct queue_stats st;
	struct err e;
	int fd;

	CHECK_INT(add_entry(q1, o.now, 60, id1), 0);
	CHECK_INT(add_entry(q2, o.now, 60, id2), 0);
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK_INT(st.deferred, 2);
	o.account = "other";
	CHECK_INT(queue_run(&o, &st, &e), 0);
	queue_stats_free(&st);
	CHECK_INT(st.deferred, 1);
	o.account = NULL;
	fd = mkstemp(out);
	CHECK_INT(queue_list(&o, fd, &e), 0);
	close(fd);
	s = slurp(out);
	unlink(out);
	CHECK(strstr(s, "Mail queue is empty") == NULL);
	CHECK(strstr(s, id1) != NULL && strstr(s, id2) != NULL);
	free(extra);
	extra = xasprintf("== %s\n", q1);
	CHECK(strncmp(s, extra, strlen(extra)) == 0);
	free(extra);
	extra = xasprintf("\n== %s\n", q2);
	CHECK(strstr(s, extra) != NULL);
	free(extra);
	free(s);
	CHECK_INT(queue_delete(&o, id2, &e), 0);
	CHECK(!exists(q2, id2, ".env"));
	CHECK(exists(q1, id1, ".env"));
	CHECK_INT(queue_delete(&o, id2, &e), -1);
	CHECK_INT(e.ex, EX_NOINPUT);
	free(q2);
	free(q1);
	free(cfg);
	rm_rf(dir);
}

static const struct test tests[] = {
	TEST(backoff_doubles_from_5_minutes_to_4_hours),
	TEST(backoff_of_configuration_problem_is_an_hour),
	TEST(env_parse_reads_every_field),
	TEST(env_format_then_parse_is_identity),
	TEST(env_struct_survives_format_and_parse),
	TEST(env_format_flattens_line_ends_in_reasons),
	TEST(env_format_flattens_other_control_characters),
	TEST(env_drop_fields_round_trip),
	TEST(env_format_bounds_every_line),
	TEST(env_parse_refuses_every_truncation),
	TEST(env_parse_refuses_bad_input),
	TEST(id_valid_accepts_only_upper_hex),
	TEST(add_writes_message_and_state_private),
	TEST(add_makes_missing_directories_absolute_or_relative),
	TEST(add_keeps_every_recipient_postie_accepts),
	TEST(add_refuses_more_recipients_than_postie_accepts),
	TEST(add_to_unwritable_place_is_cantcreat),
	TEST(run_defers_with_backoff_and_records_the_error),
	TEST(run_expires_into_failed_after_lifetime),
	TEST(run_skips_an_entry_locked_by_another_run),
	TEST(run_removes_unlocked_message_without_state),
	TEST(load_env_names_the_id_it_found),
	TEST(run_moves_a_message_with_nul_to_failed_and_says_so),
	TEST(list_shows_id_sender_recipient_and_error),
	TEST(save_failed_writes_eml_and_env_like_a_queue_run),
	TEST(save_failed_falls_back_to_dead_letter),
	TEST(delete_removes_entry_and_refuses_bad_ids),
	TEST(dirs_lists_each_distinct_directory_once),
	TEST(run_list_and_delete_cover_every_queue_dir),
};

CHECK_MAIN(tests)
