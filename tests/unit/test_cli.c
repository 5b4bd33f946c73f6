/* test_cli.c — the command line as real callers write it (spec §1). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"

#define MAXARGS 32

/* Parse a NULL-terminated argv; returns cli_parse's result. */
static int
parse(struct cli *cli, struct err *e, const char *const *args)
{
	char *argv[MAXARGS + 1];
	int argc = 0;

	while (args[argc] != NULL && argc < MAXARGS) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	err_clear(e);
	return cli_parse(cli, argc, argv, e);
}

/* Recipients joined by '|' for one comparison. */
static char *
rcpts(const struct cli *cli)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < cli->rcpt_args.n; i++) {
		if (i > 0)
			buf_addc(&b, '|');
		buf_adds(&b, cli->rcpt_args.v[i]);
	}
	return buf_steal(&b);
}

/* The argv of each caller in spec §1's users table, and what it means. */
static const struct caller_case {
	const char *label;
	const char *argv[MAXARGS];
	bool	 read_recipients;
	bool	 dot_ends_message;
	const char *from;		/* NULL: no -f */
	const char *fullname;
	const char *body_type;
	const char *rcpts;		/* joined by '|' */
} callers[] = {
	{ "cron", { "/usr/sbin/sendmail", "-FCronDaemon", "-i",
	    "-B8BITMIME", "-oem", "root", NULL },
	    false, false, NULL, "CronDaemon", "8BITMIME", "root" },
	{ "at/smartd -t", { "sendmail", "-t", NULL },
	    true, true, NULL, NULL, NULL, "" },
	{ "unattended-upgrades", { "sendmail", "-oi", "-t", "-f", "root",
	    NULL }, true, false, "root", NULL, NULL, "" },
	{ "mail client", { "sendmail", "-oem", "-oi", "--", "a@x", "b@y",
	    NULL }, false, false, NULL, NULL, NULL, "a@x|b@y" },
	{ "git send-email", { "postie", "-i", "jane@example.com", NULL },
	    false, false, NULL, NULL, NULL, "jane@example.com" },
	{ "cron MAILTO list", { "sendmail", "-FCronDaemon", "-i", "-odi",
	    "-oem", "-oi", "-t", "a@x,b@y", NULL },
	    true, false, NULL, "CronDaemon", NULL, "a@x,b@y" },
	{ "bundled -ti", { "sendmail", "-ti", "-froot@x", NULL },
	    true, false, "root@x", NULL, NULL, "" },
	{ "sudo style", { "/usr/sbin/sendmail", "-t", "-i", NULL },
	    true, false, NULL, NULL, NULL, "" },
};

static void
real_callers_parse_as_meant(void)
{
	for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		const struct caller_case *c = &callers[i];
		int before = check_failures;
		struct cli cli;
		struct err e;
		char *got;

		CHECK_INT(parse(&cli, &e, c->argv), 0);
		CHECK_STR(e.msg, "");
		CHECK_INT(cli.mode, CLI_DELIVER);
		CHECK_INT(cli.read_recipients, c->read_recipients);
		CHECK_INT(cli.dot_ends_message, c->dot_ends_message);
		CHECK_STR(cli.from, c->from);
		CHECK_INT(cli.from_given, c->from != NULL);
		CHECK_STR(cli.fullname, c->fullname);
		CHECK_STR(cli.body_type, c->body_type);
		CHECK_INT(cli.compose, false);
		got = rcpts(&cli);
		CHECK_STR(got, c->rcpts);
		free(got);
		cli_free(&cli);
		if (check_failures > before)
			fprintf(stderr, "  ^ in case %s\n", c->label);
	}
}

/* Glued and separate values mean the same. */
static const struct value_case {
	const char *argv[4];
	size_t	 field;			/* offsetof the char * in struct cli */
	const char *want;
} values[] = {
	{ { "postie", "-froot", NULL }, offsetof(struct cli, from), "root" },
	{ { "postie", "-f", "root", NULL }, offsetof(struct cli, from), "root" },
	{ { "postie", "-r", "a@x", NULL }, offsetof(struct cli, from), "a@x" },
	{ { "postie", "-f", "", NULL }, offsetof(struct cli, from), "" },
	{ { "postie", "-f", "<>", NULL }, offsetof(struct cli, from), "" },
	{ { "postie", "-f<>", NULL }, offsetof(struct cli, from), "" },
	{ { "postie", "-f", "<a@x>", NULL }, offsetof(struct cli, from), "a@x" },
	{ { "postie", "-F", "Cron Daemon", NULL },
	    offsetof(struct cli, fullname), "Cron Daemon" },
	{ { "postie", "-B", "7BIT", NULL }, offsetof(struct cli, body_type), "7BIT" },
	{ { "postie", "-Nnever", NULL }, offsetof(struct cli, dsn_notify), "never" },
	{ { "postie", "-N", "success,failure,delay", NULL },
	    offsetof(struct cli, dsn_notify), "success,failure,delay" },
	/* Postfix's sendmail(1) spells its default "delay, failure": the
	 * blank must not reach NOTIFY= (smtp.c refuses it, exit 65). */
	{ { "postie", "-N", "delay, failure", NULL },
	    offsetof(struct cli, dsn_notify), "delay,failure" },
	{ { "postie", "-N", " Never ", NULL },
	    offsetof(struct cli, dsn_notify), "never" },
	{ { "postie", "-Rhdrs", NULL }, offsetof(struct cli, dsn_ret), "hdrs" },
	{ { "postie", "-R", "full", NULL }, offsetof(struct cli, dsn_ret), "full" },
	{ { "postie", "-Vid-42", NULL }, offsetof(struct cli, dsn_envid), "id-42" },
	{ { "postie", "-C", "/etc/p.conf", NULL },
	    offsetof(struct cli, config_file), "/etc/p.conf" },
	{ { "postie", "-X/tmp/t.log", NULL },
	    offsetof(struct cli, transcript), "/tmp/t.log" },
	{ { "postie", "--account", "work", NULL },
	    offsetof(struct cli, account), "work" },
	{ { "postie", "--account=work", NULL }, offsetof(struct cli, account), "work" },
	{ { "postie", "-s", "Nightly report", NULL },
	    offsetof(struct cli, subject), "Nightly report" },
	{ { "postie", "--subject=Hi", NULL }, offsetof(struct cli, subject), "Hi" },
	{ { "postie", "--from", "ops@x", NULL },
	    offsetof(struct cli, compose_from), "ops@x" },
	{ { "postie", "--body", "-", NULL }, offsetof(struct cli, body_file), "-" },
	{ { "postie", "--html", "r.html", NULL },
	    offsetof(struct cli, html_file), "r.html" },
	{ { "postie", "--queue-delete", "ABC123", NULL },
	    offsetof(struct cli, queue_id), "ABC123" },
};

static void
glued_and_separate_values_agree(void)
{
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int before = check_failures;
		struct cli cli;
		struct err e;

		CHECK_INT(parse(&cli, &e, values[i].argv), 0);
		CHECK_STR(e.msg, "");
		CHECK_STR(*(char **)((char *)&cli + values[i].field),
		    values[i].want);
		CHECK_INT(cli.rcpt_args.n, 0);
		cli_free(&cli);
		if (check_failures > before)
			fprintf(stderr, "  ^ in case %s\n", values[i].argv[1]);
	}
}

/* Modes chosen by flags and by argv[0]. */
static const struct mode_case {
	const char *argv[4];
	enum cli_mode mode;
} modes[] = {
	{ { "postie", NULL }, CLI_DELIVER },
	{ { "postie", "-bm", NULL }, CLI_DELIVER },
	{ { "postie", "-bp", NULL }, CLI_QUEUE_LIST },
	{ { "postie", "-bs", NULL }, CLI_SMTP_STDIO },
	{ { "postie", "-bv", NULL }, CLI_VERIFY },
	{ { "postie", "-bi", NULL }, CLI_NEWALIASES },
	{ { "postie", "-I", NULL }, CLI_NEWALIASES },
	{ { "postie", "-q", NULL }, CLI_QUEUE_RUN },
	{ { "postie", "-q30m", NULL }, CLI_QUEUE_RUN },
	{ { "postie", "-q", "--due", NULL }, CLI_QUEUE_RUN },
	{ { "postie", "--serverinfo", NULL }, CLI_SERVERINFO },
	{ { "postie", "--oauth2-login", NULL }, CLI_OAUTH2_LOGIN },
	{ { "postie", "--queue-delete", "X1", NULL }, CLI_QUEUE_DELETE },
	{ { "postie", "--version", NULL }, CLI_VERSION },
	{ { "postie", "--help", NULL }, CLI_HELP },
	{ { "/usr/bin/mailq", NULL }, CLI_QUEUE_LIST },
	{ { "mailq", NULL }, CLI_QUEUE_LIST },
	{ { "/usr/bin/newaliases", NULL }, CLI_NEWALIASES },
	{ { "/usr/sbin/sendmail", NULL }, CLI_DELIVER },
	{ { "/usr/lib/sendmail", "-bp", NULL }, CLI_QUEUE_LIST },
};

static void
modes_follow_flags_and_argv0(void)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int before = check_failures;
		struct cli cli;
		struct err e;

		CHECK_INT(parse(&cli, &e, modes[i].argv), 0);
		CHECK_INT(cli.mode, modes[i].mode);
		cli_free(&cli);
		if (check_failures > before)
			fprintf(stderr, "  ^ in case %s %s\n", modes[i].argv[0],
			    modes[i].argv[1] ? modes[i].argv[1] : "");
	}
}

static void
argv0_basename_is_progname(void)
{
	const char *argv[] = { "/usr/sbin/sendmail", "-t", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(cli.progname, "sendmail");
	cli_free(&cli);
}

static void
due_flag_is_recorded(void)
{
	const char *argv[] = { "postie", "-q", "--due", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.queue_due, true);
	cli_free(&cli);
}

/* Every compatibility flag of spec §1 is accepted and changes nothing. */
static void
compat_flags_are_accepted_and_ignored(void)
{
	const char *argv[] = { "sendmail", "-oem", "-oep", "-oeq", "-odi",
	    "-odb", "-om", "-o7", "-o8", "-oXopt", "-oA/etc/aliases", "-h",
	    "17", "-n", "-m", "-U", "-G", "-L", "tag", "-Am", "-Ac", "-O",
	    "DeliveryMode=b", "-x", "-c", "root", NULL };
	const char *more[] = { "sendmail", "-h17", "-Lmytag", "-O", "a=b",
	    "-o", "em", "-v", "-v", "root", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(cli.mode, CLI_DELIVER);
	CHECK_INT(cli.dot_ends_message, true);
	CHECK_INT(cli.rcpt_args.n, 1);
	CHECK_STR(cli.rcpt_args.n ? cli.rcpt_args.v[0] : NULL, "root");
	cli_free(&cli);

	CHECK_INT(parse(&cli, &e, more), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(cli.verbose, true);
	CHECK_INT(cli.rcpt_args.n, 1);
	cli_free(&cli);
}

/* Unknown flags and missing values: EX_USAGE naming the flag. */
static const struct error_case {
	const char *argv[4];
	const char *msg;
} errors[] = {
	{ { "postie", "-k", NULL }, "unknown option -k" },
	{ { "postie", "-tk", NULL }, "unknown option -k" },
	{ { "postie", "--frobnicate", NULL },
	    "unknown option --frobnicate (see postie --help)" },
	{ { "postie", "--frob=1", NULL },
	    "unknown option --frob (did you mean --from? see postie --help)" },
	{ { "postie", "--dryrun", NULL },
	    "unknown option --dryrun (did you mean --dry-run? see postie "
	    "--help)" },
	{ { "postie", "--queue-del", "ID", NULL },
	    "unknown option --queue-del (did you mean --queue-delete? see "
	    "postie --help)" },
	{ { "postie", "--acount=work", NULL },
	    "unknown option --acount (did you mean --account? see postie "
	    "--help)" },
	/* Typed alone, -h and -V mean help and version to a newcomer. */
	{ { "postie", "-h", NULL }, "option -h requires a value (a hop "
	    "count, accepted for sendmail's callers); for help use postie "
	    "--help" },
	{ { "postie", "-V", NULL }, "option -V requires a value (a DSN "
	    "envelope id); for the version use postie --version" },
	{ { "postie", "--due", NULL }, "--due only limits a queue run to the "
	    "messages whose retry time has come: use postie -q --due" },
	{ { "postie", "-bp", "--due", NULL }, "--due only limits a queue run "
	    "to the messages whose retry time has come: use postie -q --due" },
	{ { "postie", "-bz", NULL }, "unknown option -bz" },
	{ { "postie", "-f", NULL }, "option -f requires a value" },
	{ { "postie", "--account", NULL }, "option --account requires a value" },
	{ { "postie", "--dry-run=yes", NULL }, "option --dry-run takes no value" },
	{ { "postie", "-Nsometimes", NULL },
	    "invalid -N value 'sometimes': use never or success,failure,delay" },
	{ { "postie", "-R", "body", NULL },
	    "invalid -R value 'body': use full or hdrs" },
	/* RFC 3461 §4.4: at most 100 printable characters.  A longer one
	 * was queued (exit 0) into a state file line too long to read back. */
	{ { "postie", "-V", "1234567890123456789012345678901234567890"
	    "12345678901234567890123456789012345678901234567890123456789012",
	    NULL }, "invalid -V value: at most 100 printable ASCII "
	    "characters" },
	{ { "postie", "-Vid\x01x", NULL }, "invalid -V value: at most 100 "
	    "printable ASCII characters" },
	{ { "postie", "-V", "", NULL }, "invalid -V value: at most 100 "
	    "printable ASCII characters" },
	{ { "postie", "--header", "NoColon", NULL },
	    "--header 'NoColon': expected 'Name: value'" },
	/* A recipient field through --header adds a recipient unseen. */
	{ { "postie", "--header", "Bcc: x@example.com", NULL },
	    "--header 'Bcc:': recipients are not added through --header; "
	    "use --bcc" },
	{ { "postie", "--header=cc:x@example.com", NULL },
	    "--header 'cc:': recipients are not added through --header; "
	    "use --cc" },
	{ { "postie", "--header", "Resent-To: x@example.com", NULL },
	    "--header 'Resent-To:': recipients are not added through "
	    "--header; use a recipient argument" },
	{ { "postie", "-bd", NULL },
	    "-bd: postie has no daemon mode; it only submits mail" },
};

static void
bad_flags_fail_with_usage_naming_them(void)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct cli cli;
		struct err e;

		CHECK_INT(parse(&cli, &e, errors[i].argv), -1);
		CHECK_INT(e.ex, EX_USAGE);
		CHECK_STR(e.msg, errors[i].msg);
		cli_free(&cli);
	}
}

/* A line break in --header is header injection: refused as bad input. */
static void
header_with_line_break_is_data_error(void)
{
	const char *argv[] = { "postie", "--header",
	    "X-A: 1\r\nBcc: victim@example.org", "a@x", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK_STR(e.msg, "--header: the value must be one line");
	cli_free(&cli);
}

/* "--" ends the options: what follows is a recipient even when it looks
 * like a flag.  Before it, options may follow recipients (as msmtp):
 * "postie a@x --dry-run" must not mail "--dry-run". */
static void
double_dash_ends_options(void)
{
	const char *argv[] = { "sendmail", "-i", "--", "-t", "a@x", NULL };
	const char *stop[] = { "sendmail", "a@x", "--dry-run", "-t", "b@y",
	    NULL };
	struct cli cli;
	struct err e;
	char *got;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.read_recipients, false);
	got = rcpts(&cli);
	CHECK_STR(got, "-t|a@x");
	free(got);
	cli_free(&cli);

	CHECK_INT(parse(&cli, &e, stop), 0);
	CHECK_INT(cli.read_recipients, true);
	CHECK_INT(cli.dry_run, true);
	got = rcpts(&cli);
	CHECK_STR(got, "a@x|b@y");
	free(got);
	cli_free(&cli);
}

static void
null_sender_is_empty_string_and_given(void)
{
	const char *argv[] = { "sendmail", "-f", "", "root", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.from_given, true);
	CHECK_STR(cli.from, "");
	CHECK_INT(cli.rcpt_args.n, 1);
	cli_free(&cli);
}

static void
dsn_and_body_flags_are_recorded(void)
{
	const char *argv[] = { "sendmail", "-N", "failure,delay", "-Rhdrs",
	    "-V", "env1", "-B8BITMIME", "-X", "/tmp/x", "-C/etc/c", "a@x",
	    NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(cli.dsn_notify, "failure,delay");
	CHECK_STR(cli.dsn_ret, "hdrs");
	CHECK_STR(cli.dsn_envid, "env1");
	CHECK_STR(cli.body_type, "8BITMIME");
	CHECK_STR(cli.transcript, "/tmp/x");
	CHECK_STR(cli.config_file, "/etc/c");
	cli_free(&cli);
}

/* spec §1's compose example, and every compose option. */
static void
compose_options_fill_cli_compose(void)
{
	const char *argv[] = { "postie", "-s", "Nightly report", "-a",
	    "report.pdf", "-a", "data.csv;type=text/csv;name=Daten.csv",
	    "--cc", "c@x", "--bcc", "b@x", "--header", "X-Job: nightly",
	    "--html", "r.html", "ops@example.com", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(cli.compose, true);
	CHECK_INT(cli.mode, CLI_DELIVER);
	CHECK_STR(cli.subject, "Nightly report");
	CHECK_INT(cli.nattach, 2);
	if (cli.nattach == 2) {
		CHECK_STR(cli.attach[0].path, "report.pdf");
		CHECK_STR(cli.attach[0].type, NULL);
		CHECK_STR(cli.attach[0].name, NULL);
		CHECK_STR(cli.attach[1].path, "data.csv");
		CHECK_STR(cli.attach[1].type, "text/csv");
		CHECK_STR(cli.attach[1].name, "Daten.csv");
	}
	CHECK_INT(cli.cc.n, 1);
	CHECK_INT(cli.bcc.n, 1);
	CHECK_INT(cli.headers.n, 1);
	CHECK_STR(cli.headers.n ? cli.headers.v[0] : NULL, "X-Job: nightly");
	CHECK_STR(cli.html_file, "r.html");
	CHECK_INT(cli.rcpt_args.n, 1);
	CHECK_STR(cli.rcpt_args.n ? cli.rcpt_args.v[0] : NULL,
	    "ops@example.com");
	cli_free(&cli);
}

static void
attach_name_before_type_and_semicolon_in_path(void)
{
	const char *argv[] = { "postie", "--attach", "a;b.png;name=x.png",
	    "--attach=-;type=image/png", "r@x", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.nattach, 2);
	if (cli.nattach == 2) {
		CHECK_STR(cli.attach[0].path, "a;b.png");
		CHECK_STR(cli.attach[0].name, "x.png");
		CHECK_STR(cli.attach[0].type, NULL);
		CHECK_STR(cli.attach[1].path, "-");
		CHECK_STR(cli.attach[1].type, "image/png");
	}
	cli_free(&cli);
}

/* A file name that holds ";name=" or ";type=" itself: "\;" escapes
 * the ';', "\\" a backslash; any other backslash stays. */
static void
attach_escaped_semicolon_stays_in_path(void)
{
	const char *argv[] = { "postie", "-a", "r\\;name=x.txt;name=y.txt",
	    "-a", "c:\\x\\\\;type=text/plain", "r@x", NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.nattach, 2);
	if (cli.nattach == 2) {
		CHECK_STR(cli.attach[0].path, "r;name=x.txt");
		CHECK_STR(cli.attach[0].name, "y.txt");
		CHECK_STR(cli.attach[1].path, "c:\\x\\");
		CHECK_STR(cli.attach[1].type, "text/plain");
	}
	cli_free(&cli);
}

static void
from_alone_does_not_switch_to_compose(void)
{
	const char *argv[] = { "postie", "--from", "me@x", "--dry-run", "r@x",
	    NULL };
	struct cli cli;
	struct err e;

	CHECK_INT(parse(&cli, &e, argv), 0);
	CHECK_INT(cli.compose, false);
	CHECK_INT(cli.dry_run, true);
	cli_free(&cli);
}

static void
usage_ends_with_man_postie(void)
{
	const char *u = cli_usage();
	const char *tail = "man postie\n";

	CHECK(strlen(u) > strlen(tail));
	CHECK_STR(u + strlen(u) - strlen(tail), tail);
}

static void
usage_lists_every_option(void)
{
	static const char *const names[] = { "-t", "-oi", "-f ADDR", "-F NAME",
	    "-N ", "-R ", "-V ", "-B ", "-v ", "-C FILE", "-X FILE", "-bm",
	    "-bp", "-bs", "-bv", "-bi", "-q", "-oem", "-L TAG", "--account",
	    "--dry-run", "--serverinfo", "--oauth2-login", "--due",
	    "--queue-delete",
	    "--version", "--help", "--subject", "--attach", "--cc", "--bcc",
	    "--from", "--header", "--body", "--html" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(cli_usage(), names[i]) == NULL) {
			fprintf(stderr, "  usage lacks %s\n", names[i]);
			CHECK(0);
		}
}

static const struct test tests[] = {
	TEST(real_callers_parse_as_meant),
	TEST(glued_and_separate_values_agree),
	TEST(modes_follow_flags_and_argv0),
	TEST(argv0_basename_is_progname),
	TEST(due_flag_is_recorded),
	TEST(compat_flags_are_accepted_and_ignored),
	TEST(bad_flags_fail_with_usage_naming_them),
	TEST(header_with_line_break_is_data_error),
	TEST(double_dash_ends_options),
	TEST(null_sender_is_empty_string_and_given),
	TEST(dsn_and_body_flags_are_recorded),
	TEST(compose_options_fill_cli_compose),
	TEST(attach_name_before_type_and_semicolon_in_path),
	TEST(attach_escaped_semicolon_stays_in_path),
	TEST(from_alone_does_not_switch_to_compose),
	TEST(usage_lists_every_option),
	TEST(usage_ends_with_man_postie),
};

CHECK_MAIN(tests)
