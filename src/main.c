/* main.c — mode dispatch only: parse the command line, run the mode, print
 * the one error line and exit with its sysexits code.  Nothing else in
 * postie prints a diagnostic or calls exit(). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "delivery.h"
#include "dkim_keygen.h"
#include "err.h"
#include "pickup.h"
#include "queue.h"
#include "smtpd.h"
#include "submit.h"
#include "sysmode.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static int
fail(const struct err *e)
{
	fprintf(stderr, "postie: %s\n", e->msg);
	return e->ex != 0 ? e->ex : EX_SOFTWARE;
}


/* newaliases, -bi: the aliases file parses. */
static int
run_newaliases(const struct cli *cli)
{
	struct err e;

	err_clear(&e);
	return submit_check_aliases(cli, STDERR_FILENO, &e) == -1 ?
	    fail(&e) : 0;
}

/* -bv: each recipient's expansion and route, nothing sent; the exit code
 * says whether every address has a route. */
static int
run_verify(const struct cli *cli)
{
	struct err e;
	int rc;

	err_clear(&e);
	if ((rc = submit_verify(cli, STDOUT_FILENO, &e)) == -1)
		return fail(&e);
	return rc;
}

/* Sendmail mode: submit, then say which recipients were refused. */
static int
run_deliver(const struct cli *cli)
{
	struct report rep;
	struct err e;
	int ex;

	err_clear(&e);
	if (submit_run(cli, STDOUT_FILENO, &rep, &e) == -1) {
		/* After a delivery (the queue could not take the rest): who
		 * has the message, so that nobody resends it to them. */
		for (size_t i = 0; i < rep.n; i++)
			if (rep.v[i].outcome == OUT_SENT)
				fprintf(stderr, "postie: %s: delivered\n",
				    rep.v[i].addr);
		report_free(&rep);
		return fail(&e);
	}
	for (size_t i = 0; i < rep.n; i++)
		if (rep.v[i].outcome != OUT_SENT &&
		    rep.v[i].outcome != OUT_QUEUED)
			fprintf(stderr, "postie: %s: %s\n", rep.v[i].addr,
			    rep.v[i].text);
	for (size_t i = 0; i < rep.n; i++)
		if (rep.v[i].outcome == OUT_QUEUED) {
			/* One line: the queue owns it now (design §5);
			 * a configuration problem is no "will retry". */
			fprintf(stderr, "postie: queued as %s, %s: %s\n",
			    rep.queue_id, rep.fix[0] != '\0' &&
			    rep.v[i].ex == EX_NOPERM ? "not sent" :
			    "will retry", rep.v[i].text);
			if (queue_retry_hint() != NULL)
				fprintf(stderr, "postie: %s\n",
				    queue_retry_hint());
			break;
		}
	if (rep.dropped[0] != '\0' && cli->verbose)
		fprintf(stderr, "postie: handed to the system queue as "
		    "entry %s\n", rep.dropped);
	if (rep.saved[0] != '\0')
		fprintf(stderr, "postie: a copy of the message was kept in %s\n",
		    rep.saved);
	ex = delivery_exit_code(&rep);
	report_free(&rep);
	return ex;
}

/* -bs: SMTP on stdin/stdout; each transaction is answered in the
 * session, so the exit code only says whether the session could run. */
static int
run_smtpd(const struct cli *cli)
{
	struct smtpd_opts o = {
		.in_fd = STDIN_FILENO,
		.out_fd = STDOUT_FILENO,
		.idle_timeout = SMTPD_IDLE_TIMEOUT,
		.verbose = cli->verbose,
	};
	struct err e;

	err_clear(&e);
	return smtpd_run(cli, &o, &e) == -1 ? fail(&e) : 0;
}

/* --serverinfo: what the account's smarthost says about itself. */
static int
run_serverinfo(const struct cli *cli)
{
	struct err e;

	err_clear(&e);
	if (submit_serverinfo(cli, STDOUT_FILENO, &e) == -1)
		return fail(&e);
	return 0;
}

/* --dkim-keygen: a new key file and the TXT record on stdout. */
static int
run_dkim_keygen(const struct cli *cli)
{
	struct dkim_keygen_opts o = {
		.selector = cli->keygen_selector,
		.domain = cli->keygen_domain,
		.type = cli->keygen_type,
		.bits = cli->keygen_bits,
		.key_file = cli->keygen_key_file,
	};
	struct err e;

	err_clear(&e);
	return dkim_keygen(&o, STDOUT_FILENO, &e) == -1 ? fail(&e) : 0;
}

/* --oauth2-login: the one-time authorization, talking on stdin/stdout. */
static int
run_oauth2_login(const struct cli *cli)
{
	struct err e;

	err_clear(&e);
	if (submit_oauth2_login(cli, STDIN_FILENO, STDOUT_FILENO, &e) == -1)
		return fail(&e);
	return 0;
}

/* --pretend: the account a message would use, secrets masked. */
static int
run_pretend(const struct cli *cli)
{
	struct err e;

	err_clear(&e);
	if (submit_pretend(cli, STDOUT_FILENO, &e) == -1)
		return fail(&e);
	return 0;
}

/* The system account's -q takes the drop directory's entries first
 * (pickup.h); its trouble is told, and a configuration that does not
 * load stops the run. */
static int
run_pickup(const struct cli *cli)
{
	struct pickup_stats st;
	struct err e;
	int rc;

	err_clear(&e);
	rc = pickup_run(cli, &st, &e);
	for (size_t i = 0; i < st.problems.n; i++)
		fprintf(stderr, "postie: pickup: %s\n", st.problems.v[i]);
	if (cli->verbose)
		fprintf(stderr, "postie: pickup: %zu taken, %zu refused, %zu "
		    "left\n", st.taken, st.bad, st.left);
	pickup_stats_free(&st);
	if (rc == -1 && e.ex == EX_CONFIG)
		return fail(&e);
	if (rc == -1)
		fprintf(stderr, "postie: pickup: %s\n", e.msg);
	return 0;
}

/* --queue-delete typed at a terminal asks first (a mistyped ID of a
 * message still wanted is gone for good); with stdin not a terminal
 * (a script, a pipe) it deletes without asking. */
static bool
confirm_delete(const char *id)
{
	char answer[16];

	if (!isatty(STDIN_FILENO))
		return true;
	fprintf(stderr, "postie: delete the queued message %s for good? "
	    "[y/N] ", id);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) != NULL &&
	    (answer[0] == 'y' || answer[0] == 'Y'))
		return true;
	fprintf(stderr, "postie: %s kept\n", id);
	return false;
}

/* -q [--due], -bp (mailq), --queue-delete ID. */
static int
run_queue(const struct cli *cli)
{
	struct queue_opts o = {
		.config_file = cli->config_file,
		.account = cli->account,
		.due = cli->queue_due,
		.json = cli->json,
		.verbose = cli->verbose,
		.transcript = cli->transcript,
	};
	struct queue_stats st;
	struct err e;
	int rc;

	err_clear(&e);
	if (cli->mode == CLI_QUEUE_LIST)
		return queue_list(&o, STDOUT_FILENO, &e) == -1 ? fail(&e) : 0;
	if (cli->mode == CLI_QUEUE_DELETE) {
		if (!confirm_delete(cli->queue_id))
			return 0;
		return queue_delete(&o, cli->queue_id, &e) == -1 ? fail(&e) : 0;
	}
	if (sysmode_is_account() && run_pickup(cli) != 0)
		return EX_CONFIG;
	rc = queue_run(&o, &st, &e);
	for (size_t i = 0; i < st.problems.n; i++)
		fprintf(stderr, "postie: queue: %s\n", st.problems.v[i]);
	queue_stats_free(&st);
	if (sysmode_is_account()) {
		struct err pe;

		err_clear(&pe);
		if (queue_publish(&o, &pe) == -1)
			fprintf(stderr, "postie: queue: the users' mailq: %s\n",
			    pe.msg);
	}
	if (rc == -1)
		return fail(&e);
	/* Someone at a terminal typed it and wants to know what happened;
	 * the timer's run stays quiet unless -v. */
	if (cli->verbose || isatty(STDERR_FILENO))
		fprintf(stderr, "postie: queue run: %zu sent, %zu deferred, "
		    "%zu failed, %zu busy, %zu not due\n", st.sent,
		    st.deferred, st.failed, st.busy, st.not_due);
	return 0;
}

static int
dispatch(const struct cli *cli)
{
	switch (cli->mode) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		return 0;
	case CLI_VERSION:
		printf("postie %s\n", PACKAGE_VERSION);
		return 0;
	case CLI_QUEUE_LIST:
	case CLI_QUEUE_RUN:
	case CLI_QUEUE_DELETE:
		return run_queue(cli);
	case CLI_VERIFY:
		return run_verify(cli);
	case CLI_SMTP_STDIO:
		return run_smtpd(cli);
	case CLI_SERVERINFO:
		return run_serverinfo(cli);
	case CLI_DKIM_KEYGEN:
		return run_dkim_keygen(cli);
	case CLI_OAUTH2_LOGIN:
		return run_oauth2_login(cli);
	case CLI_PRETEND:
		return run_pretend(cli);
	case CLI_NEWALIASES:
		return run_newaliases(cli);
	case CLI_DELIVER:
		return run_deliver(cli);
	}
	return EX_SOFTWARE;
}

/* A closed fd 0, 1 or 2 would be taken by the next file opened (the
 * spool), and -v would then write the dialogue into the message: open
 * /dev/null on each closed one first, as Postfix's sendmail does.  The
 * lowest free number is the one opened, so each lands in its place. */
static void
open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(EX_OSERR);	/* nowhere to say it */
}

int
main(int argc, char **argv)
{
	struct cli cli;
	struct err e;
	int ex;

	open_std_fds();
	err_clear(&e);
	if (cli_parse(&cli, argc, argv, &e) == -1) {
		/* One line naming the flag: callers log stderr. */
		ex = fail(&e);
		cli_free(&cli);
		exit(ex);
	}
	ex = dispatch(&cli);
	cli_free(&cli);
	if (fflush(stdout) == EOF && ex == 0) {
		perror("postie: writing to standard output");
		ex = EX_IOERR;
	}
	exit(ex);
}
