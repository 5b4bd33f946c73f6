/*
 * submit.c — the sendmail-mode submission (see submit.h).
 *
 * Everything before the wire happens here, in the order a reader expects:
 * configuration, account, message, recipients (argv, -t, aliases,
 * qualification, checks), envelope sender, header rewrite; then either the
 * dry run or delivery_run; then the queue keeps what was deferred or
 * refused (queue_defer, queue_save_failed).
 *
 * --serverinfo, -bv and newaliases live here too: like a submission they
 * start from the command line and the configuration; --serverinfo only
 * prints what delivery_probe's session learnt, -bv what route_verify
 * finds.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "aliases.h"
#include "cli.h"
#include "config.h"
#include "conn.h"
#include "delivery.h"
#include "dkim.h"
#include "drop.h"
#include "failover.h"
#include "message.h"
#include "oauth2_login.h"
#include "mime.h"
#include "queue.h"
#include "route.h"
#include "smtp.h"
#include "submit.h"
#include "sysmode.h"
#include "tls.h"
#include "util.h"
#include "wire.h"

/* Everything one submission owns. */
struct submission {
	const struct config *cfg;	/* submit_run's, or the session's */
	const struct submit_envelope *smtp;	/* -bs: the client's envelope */
	const struct account *a;
	struct message msg;
	struct envelope env;
	char	*asked_from;		/* -f, or --from's address; NULL: none */
	char	*from;			/* envelope sender, owned */
	char	*header_from;		/* for an added From header */
	char	*notify, *ret;		/* upper-cased DSN values */
	char	*password;
	/* Recipients the aliases lead to programs or files: refused for
	 * good before any connection, reported with the others. */
	struct alias_refusals refused;
	/* The passwords of fallback accounts fetched for this submission. */
	struct {
		const struct account *a;
		char	*pw;
	}	 fallback_pw[FAILOVER_CHAIN_MAX];
	size_t	 nfallback_pw;
};

/* The domain that completes a local name ("root"): the account's domain,
 * else the host's name when it is a domain (has a dot), else the domain
 * of the account's from when that has one: "root@vm" would go nowhere,
 * "root@example.com" is where the account's own mail comes from. */
static const char *
qualify_domain(const struct account *a)
{
	const char *host, *at;

	if (a->domain != NULL)
		return a->domain;
	host = host_fqdn();
	if (strchr(host, '.') == NULL && a->from != NULL &&
	    (at = strrchr(a->from, '@')) != NULL && strchr(at, '.') != NULL &&
	    strpbrk(at, "*?[") == NULL)
		return at + 1;
	return host;
}

/* The sender the command line asks for: -f (or -r); in compose mode
 * without -f, the address in --from, since a script that writes
 * --from reports@example.com means the envelope too (as mailx -r and
 * msmtp --from do).  *out is NULL when neither was given, "" for the
 * null sender. */
static int
asked_from(const struct cli *cli, char **out, struct err *e)
{
	struct strlist l;
	int rc = 0;

	*out = NULL;
	if (cli->from_given) {
		*out = xstrdup(cli->from);
		return 0;
	}
	if (!cli->compose || cli->compose_from == NULL)
		return 0;
	strlist_init(&l);
	if (address_parse_list(cli->compose_from, strlen(cli->compose_from),
	    &l, e) == -1)
		rc = err_prefix(e, "--from");
	else if (l.n != 1)
		rc = err_set(e, EX_DATAERR, "--from '%s': one address expected",
		    cli->compose_from);
	else
		*out = xstrdup(l.v[0]);
	strlist_free(&l);
	return rc;
}

/* The account: --account, else the one whose from matches the asked
 * sender, else the default. */
static const struct account *
select_account(const struct config *cfg, const struct cli *cli,
    const char *asked, struct err *e)
{
	return config_select(cfg, cli->account,
	    asked != NULL && *asked != '\0' ? asked : NULL, e);
}

/* "-a work" where work is an account and no such file exists: msmtp's -a
 * picks an account, postie's attaches (as mailx and mutt), so say which
 * option was probably meant. */
static void
hint_attach_account(const struct config *cfg, const struct cli *cli,
    struct err *e)
{
	for (size_t i = 0; i < cli->nattach; i++) {
		const char *path = cli->attach[i].path;

		if (access(path, F_OK) == 0)
			continue;
		for (size_t j = 0; j < cfg->naccounts; j++)
			if (strcmp(cfg->accounts[j].name, path) == 0) {
				err_append(e, " (to choose an account use "
				    "--account %s)", path);
				return;
			}
	}
}

/* Whose name makes the default sender: a drop entry's submitter, else
 * the user running postie. */
static const char *
sender_login(const struct submission *sub)
{
	if (sub->smtp != NULL && sub->smtp->login != NULL)
		return sub->smtp->login;
	return login_name();
}

/* The envelope sender: the asked one (-f, --from) when the account allows
 * it, else the account's from (unless it is a pattern for -f), else
 * user@domain. */
static int
settle_from(struct submission *sub, struct err *e)
{
	const struct account *a = sub->a;
	const char *dom = qualify_domain(a);
	const char *login = sender_login(sub);

	if (sub->asked_from != NULL && a->allow_from_override)
		sub->from = xstrdup(sub->asked_from);
	else if (a->from != NULL && strpbrk(a->from, "*?[") == NULL)
		/* Expanded by config.c; %U for a drop entry's submitter. */
		sub->from = config_from_for(a, login);
	else
		sub->from = xasprintf("%s@%s", login, dom);
	if (*sub->from != '\0' && strchr(sub->from, '@') == NULL) {
		char *q = address_qualify(sub->from, dom);

		free(sub->from);
		sub->from = q;
	}
	if (address_check_path(sub->from, true, e) == -1)
		return err_prefix(e, "envelope sender");
	/* A From header needs an address even for the null sender. */
	sub->header_from = *sub->from != '\0' ? xstrdup(sub->from) :
	    xasprintf("%s@%s", login, dom);
	return 0;
}

/* Recipients as written: each argument an address list; with -t also the
 * header's (the union, as Postfix, dma and msmtp do). */
static int
collect_rcpts(const struct submission *sub, const struct cli *cli,
    struct strlist *out, struct err *e)
{
	for (size_t i = 0; i < cli->rcpt_args.n; i++) {
		const char *arg = cli->rcpt_args.v[i];

		if (address_parse_list(arg, strlen(arg), out, e) == -1)
			return err_prefix(e, "recipient");
	}
	/* Compose mode wrote To, Cc and Bcc from the options. */
	if ((cli->read_recipients || cli->compose) &&
	    message_header_recipients(&sub->msg, out, e) == -1)
		return -1;
	return 0;
}

/* Aliases (names without '@'), then qualification, duplicates dropped,
 * every address checked before any connection is made; appended to out.
 * The one place that turns what a caller wrote into envelope recipients:
 * argv, -t and -bs's RCPT all come through here. */
static int
resolve_rcpts(const struct account *a, const struct strlist *raw,
    struct strlist *out, struct alias_refusals *refused, struct err *e)
{
	struct aliases *al = NULL;
	struct strlist expanded;
	int rc = 0;

	if (a->aliases != NULL && aliases_load(&al, a->aliases, e) == -1)
		return -1;
	strlist_init(&expanded);
	for (size_t i = 0; i < raw->n; i++)
		aliases_expand(al, raw->v[i], &expanded, refused);
	for (size_t i = 0; rc == 0 && i < expanded.n; i++) {
		char *q = address_qualify(expanded.v[i], qualify_domain(a));

		if (address_check_path(q, false, e) == -1)
			rc = -1;
		else
			strlist_add(out, q);
		free(q);
	}
	strlist_dedup_ci(out);
	strlist_free(&expanded);
	aliases_free(al);
	return rc;
}

static char *
upper_dup(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

static int
rewrite(struct submission *sub, const struct cli *cli, struct err *e)
{
	const struct account *a = sub->a;
	struct rewrite_opts ro = {
		.envelope_from = sub->header_from,
		/* a drop entry's -F, else this -F, else the account's */
		.fullname = sub->smtp != NULL && sub->smtp->fullname != NULL ?
		    sub->smtp->fullname : cli->fullname != NULL ?
		    cli->fullname : a->from_full_name,
		.domain = qualify_domain(a),
		.add_from = a->set_from_header != TRI_OFF,
		.add_date = a->set_date_header,
		.add_msgid = a->set_msgid_header,
		.undisclosed = a->undisclosed_recipients,
	};

	return message_rewrite(&sub->msg, &ro, e);
}

/* DSN and body type: the -bs client's MAIL and RCPT parameters first,
 * then -N, -R, -V and -B, then the account's dsn_notify and dsn_return. */
static void
settle_envelope(struct submission *sub, const struct cli *cli)
{
	const struct account *a = sub->a;
	const struct submit_envelope *t = sub->smtp;
	const char *notify = cli->dsn_notify ? cli->dsn_notify : a->dsn_notify;
	const char *ret = cli->dsn_ret ? cli->dsn_ret : a->dsn_return;
	const char *envid = cli->dsn_envid;

	if (t != NULL && t->notify != NULL)
		notify = t->notify;
	if (t != NULL && t->ret != NULL)
		ret = t->ret;
	if (t != NULL && t->envid != NULL)
		envid = t->envid;
	sub->env.from = sub->from;
	if (notify != NULL)
		sub->env.dsn_notify = sub->notify = upper_dup(notify);
	if (ret != NULL)
		sub->env.dsn_ret = sub->ret = upper_dup(ret);
	sub->env.dsn_envid = envid;
	sub->env.body_8bit_hint = (cli->body_type != NULL &&
	    ascii_eq_ci(cli->body_type, "8BITMIME")) ||
	    (t != NULL && t->body_8bit);
}

/* max_size (0: no limit), against the message as it stands after the
 * rewrite, in the form --dry-run and the failed/ copy show: nothing is
 * sent, so the message needs no re-encoding for a particular server.
 * The server's own SIZE limit is smtp.c's to enforce. */
static int
check_max_size(struct submission *sub, struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	char have[64], most[64], label[300];
	long long size;

	if (sub->a->max_size <= 0)
		return 0;
	size = (long long)wire_size(&sub->msg, &w);
	if (size <= sub->a->max_size)
		return 0;
	size_human_pair(size, sub->a->max_size, have, most, sizeof(have));
	return err_set(e, EX_DATAERR, "message is %s; max_size of %s allows "
	    "at most %s", have, config_account_label(sub->a, label,
	    sizeof(label)), most);
}

/* Read the message: composed from the options, or from stdin in sendmail
 * mode, or from a -bs transaction's spool (where the SMTP framing already
 * ended it: no dot rule). */
static int
read_message(struct submission *sub, const struct cli *cli, int fd,
    struct err *e)
{
	struct message_read_opts ro = {
		.dot_ends_message = sub->smtp == NULL && cli->dot_ends_message,
		/* postie ... < file: the file is the spool (design §3) */
		.in_place = sub->smtp == NULL,
	};
	struct mime_opts mo;

	if (sub->smtp == NULL && cli->compose) {
		cli_mime_opts(cli, &mo);
		return mime_compose(&sub->msg, &mo, fd, NULL, e);
	}
	return message_read(&sub->msg, fd, &ro, e);
}

/* The recipients as written: argv and -t, or the -bs client's RCPTs. */
static int
written_rcpts(const struct submission *sub, const struct cli *cli,
    struct strlist *raw, struct err *e)
{
	if (sub->smtp == NULL)
		return collect_rcpts(sub, cli, raw, e);
	for (size_t i = 0; i < sub->smtp->rcpts->n; i++)
		strlist_add(raw, sub->smtp->rcpts->v[i]);
	return 0;
}

/* Select, read, address, rewrite: everything before the wire.  The
 * asked sender (sub->asked_from) is set by the caller. */
static int
submission_prepare(struct submission *sub, const struct cli *cli, int fd,
    struct err *e)
{
	struct strlist raw;
	int rc;

	sub->a = select_account(sub->cfg, cli, sub->asked_from, e);
	if (sub->a == NULL)
		return -1;
	if (read_message(sub, cli, fd, e) == -1) {
		if (e->ex == EX_NOINPUT)
			hint_attach_account(sub->cfg, cli, e);
		return -1;
	}
	strlist_init(&raw);
	rc = written_rcpts(sub, cli, &raw, e);
	if (rc == 0)
		rc = resolve_rcpts(sub->a, &raw, &sub->env.rcpts, &sub->refused,
		    e);
	/* Every message postie accepts must fit a state file, should its
	 * delivery be deferred. */
	if (rc == 0 && sub->env.rcpts.n > QUEUE_RCPTS_MAX)
		rc = err_set(e, EX_USAGE, "%zu recipients: at most %d in one "
		    "message", sub->env.rcpts.n, QUEUE_RCPTS_MAX);
	strlist_free(&raw);
	if (rc == -1)
		return -1;
	if (sub->env.rcpts.n == 0 && sub->refused.n == 0)
		return err_set(e, EX_USAGE, "no recipients (give them as "
		    "arguments, or use -t)");
	if (settle_from(sub, e) == -1 || rewrite(sub, cli, e) == -1 ||
	    check_max_size(sub, e) == -1)
		return -1;
	settle_envelope(sub, cli);
	return 0;
}

static void
submission_init(struct submission *sub, const struct config *cfg)
{
	memset(sub, 0, sizeof(*sub));
	sub->cfg = cfg;
	message_init(&sub->msg);
	strlist_init(&sub->env.rcpts);
}

static void
submission_free(struct submission *sub)
{
	message_free(&sub->msg);
	strlist_free(&sub->env.rcpts);
	free(sub->asked_from);
	free(sub->from);
	free(sub->header_from);
	free(sub->notify);
	free(sub->ret);
	alias_refusals_free(&sub->refused);
	for (size_t i = 0; i < sub->nfallback_pw; i++)
		if (sub->fallback_pw[i].pw != NULL) {
			explicit_bzero(sub->fallback_pw[i].pw,
			    strlen(sub->fallback_pw[i].pw));
			free(sub->fallback_pw[i].pw);
		}
	if (sub->password != NULL) {
		explicit_bzero(sub->password, strlen(sub->password));
		free(sub->password);
	}
}

/* The DKIM-Signature fields of the wire form w of m, signed as d with
 * signer, appended to sig: one extra pass over the message. */
static int
dry_run_sign(struct message *m, const struct wire_opts *w,
    const struct dkim_signer *signer, const char *d, struct buf *sig,
    struct err *e)
{
	struct dkim_sign *g = dkim_sign_begin(signer, d, time(NULL));
	struct wire_reader *r;
	char blk[65536];
	ssize_t n;
	int rc;

	if (wire_reader_open(&r, m, w, e) == -1) {
		dkim_sign_free(g);
		return -1;
	}
	while ((n = wire_reader_read(r, blk, sizeof(blk), e)) > 0)
		dkim_sign_feed(g, blk, (size_t)n);
	wire_reader_close(r);
	rc = n == 0 ? dkim_sign_end(g, sig, e) : -1;
	dkim_sign_free(g);
	return rc;
}

/* --dry-run: which account, what DKIM does, the envelope as SMTP would
 * carry it, then the message as a server with 8BITMIME and SMTPUTF8
 * would receive it (signed when it would be). */
static int
write_dry_run(struct submission *sub, int fd, struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	struct dkim_signer *signer;
	char label[300], note[ERR_MSG_MAX];
	struct buf b, sig;
	char *d;
	int rc;

	if (delivery_dkim_choose(sub->a, &sub->msg, &signer, &d, note,
	    sizeof(note), e) == -1)
		return -1;
	buf_init(&b);
	buf_init(&sig);
	buf_printf(&b, "%s, nothing sent\n", config_account_label(sub->a,
	    label, sizeof(label)));
	if (signer != NULL)
		buf_printf(&b, "DKIM: %s\n", note);
	buf_printf(&b, "MAIL FROM:<%s>\n", sub->env.from);
	for (size_t i = 0; i < sub->env.rcpts.n; i++)
		buf_printf(&b, "RCPT TO:<%s>\n", sub->env.rcpts.v[i]);
	rc = d != NULL ? dry_run_sign(&sub->msg, &w, signer, d, &sig, e) : 0;
	if (rc == 0 && (write_all(fd, b.data, b.len) == -1 ||
	    write_all(fd, sig.data, sig.len) == -1))
		rc = err_sys(e, EX_IOERR, "writing the dry run");
	if (rc == 0)
		rc = wire_write(&sub->msg, &w, fd, e);
	buf_free(&b);
	buf_free(&sig);
	free(d);
	dkim_signer_free(signer);
	return rc;
}

/* The password of an account of the failover chain: the submission's
 * own for its account, else fetched once and kept for the submission. */
static int
submit_password(void *arg, const struct account *a, const char **pw,
    struct err *e)
{
	struct submission *sub = arg;
	char *p = NULL;

	*pw = NULL;
	if (a == sub->a) {
		*pw = sub->password;
		return 0;
	}
	if (a->auth == AUTH_OFF || a->host == NULL)
		return 0;
	for (size_t i = 0; i < sub->nfallback_pw; i++)
		if (sub->fallback_pw[i].a == a) {
			*pw = sub->fallback_pw[i].pw;
			return 0;
		}
	if (config_password(a, &p, e) == -1)
		return -1;
	if (sub->nfallback_pw < FAILOVER_CHAIN_MAX) {
		sub->fallback_pw[sub->nfallback_pw].a = a;
		sub->fallback_pw[sub->nfallback_pw++].pw = p;
	}
	*pw = p;
	return 0;
}

/* delivery_run along the account's relay and its fallback_accounts. */
static int
submit_deliver(struct submission *sub, const struct delivery_opts *o,
    struct report *rep, struct err *e)
{
	struct failover_opts fo = {
		.cfg = sub->cfg, .password = submit_password,
		.password_arg = sub, .verbose = o->verbose ? stderr : NULL,
	};
	const struct account *used;
	char *dir = queue_dir_path(sub->a);
	int rc;

	fo.state_dir = dir;
	rc = failover_run(&fo, sub->a, &sub->msg, &sub->env, o, rep, &used, e);
	free(dir);
	return rc;
}

/* The recipients the aliases refused join the report as permanent
 * failures, so they are told, kept and noticed like a server's refusal. */
static void
add_refusals(const struct submission *sub, struct report *rep)
{
	for (size_t i = 0; i < sub->refused.n; i++) {
		const struct alias_refusal *r = &sub->refused.v[i];
		struct rcpt_result *rr;

		rep->v = xreallocarray(rep->v, rep->n + 1, sizeof(*rep->v));
		rr = &rep->v[rep->n++];
		memset(rr, 0, sizeof(*rr));
		rr->addr = address_qualify(r->name, qualify_domain(sub->a));
		rr->outcome = OUT_PERMFAIL;
		rr->ex = EX_UNAVAILABLE;
		snprintf(rr->text, sizeof(rr->text), "%s", r->reason);
	}
}

/* A partial refusal: the sender's notice (queue.h); its trouble is a
 * warning, the message itself was delivered. */
static void
submit_notice(const struct cli *cli, const struct submission *sub,
    const struct report *rep)
{
	struct err e;

	err_clear(&e);
	if (queue_notice_refused(cli->config_file, sub->a, rep, &e) == -1)
		fprintf(stderr, "postie: warning: no failure notice: %s\n",
		    e.msg);
}

/* The account's metrics_file after a delivery; its trouble is a warning,
 * never the message's failure. */
static void
submit_metrics(const struct submission *sub, const struct report *rep)
{
	struct metrics_update u = { 0 };
	struct err e;

	err_clear(&e);
	if (queue_metrics(sub->cfg, sub->a, rep, &u, &e) == -1)
		fprintf(stderr, "postie: warning: %s\n", e.msg);
}

/* Say which configuration was in use on every failure line main prints
 * (a refused or queued recipient, or the error), once the queue has kept
 * the server's own words. */
static void
name_account(const struct account *a, int rc, struct report *rep,
    struct err *e)
{
	char label[300];

	config_account_label(a, label, sizeof(label));
	if (rc == -1) {
		err_append(e, "; %s", label);
		return;
	}
	for (size_t i = 0; i < rep->n; i++) {
		struct rcpt_result *r = &rep->v[i];
		size_t n = strlen(r->text);

		if (r->outcome == OUT_SENT)
			continue;
		if (rep->fix[0] != '\0' && r->ex == EX_NOPERM)
			snprintf(r->text + n, sizeof(r->text) - n, "; a "
			    "configuration problem: fix %s of account %s%s%s, "
			    "then %s", rep->fix, a->name, a->file != NULL ?
			    " in " : "", a->file != NULL ? a->file : "",
			    r->outcome == OUT_QUEUED ? "run postie -q (the "
			    "queue itself tries it again only once an hour)" :
			    "send it again");
		else
			snprintf(r->text + n, sizeof(r->text) - n, "; %s",
			    label);
	}
}

/* Deliver, add what the aliases refused, keep and notice what was
 * refused, queue what was deferred (design §5: a temporary failure is
 * queued, unless queue off; a queue that cannot be written is never
 * success), then count it in the metrics. */
static int
submission_deliver(struct submission *sub, const struct cli *cli,
    struct report *rep, bool *tried, struct err *e)
{
	struct delivery_opts o = {
		.verbose = cli->verbose,
		.transcript = cli->transcript,
	};
	int rc = 0;

	if (sub->a->auth != AUTH_OFF && sub->a->host != NULL)
		rc = config_password(sub->a, &sub->password, e);
	o.password = sub->password;
	*tried = rc == 0;
	if (rc == 0 && sub->env.rcpts.n > 0)
		rc = submit_deliver(sub, &o, rep, e);
	if (rc == 0)
		add_refusals(sub, rep);
	if (rc == 0) {
		queue_save_failed(sub->a, &sub->msg, &sub->env, rep);
		submit_notice(cli, sub, rep);
	}
	if (rc == 0)
		rc = queue_defer(sub->a, &sub->msg, &sub->env, rep, e);
	if (rc == 0)
		submit_metrics(sub, rep);
	return rc;
}

/* ---- system mode: the drop helper (sysmode.h) ---- */

#define DROP_NO_ACCOUNT "the system configuration is not yours to read; " \
	"mail goes through the system queue (doc/multiuser.md)"

/* A user other than root, with no -C, whose search found no file of
 * their own (nor a system file they could read), where the system mode
 * is set up: the message goes to the system queue.  Root, anyone with a
 * configuration, and the system account itself (whose pickup would take
 * it back forever) keep direct delivery. */
static bool
drop_wanted(const struct config *cfg, const struct cli *cli)
{
	return cli->config_file == NULL && cfg->path == NULL &&
	    getuid() != 0 && !sysmode_is_account() && sysmode_ready();
}

/* An address as a drop entry carries it: a local name gets
 * SYSMODE_LOCAL (the system side qualifies it with its own domain). */
static char *
drop_address(const char *addr)
{
	if (*addr == '\0' || strchr(addr, '@') != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, SYSMODE_LOCAL);
}

/* The entry's state: what the user asked, nothing the system decides. */
static int
drop_state(const struct submission *sub, const struct cli *cli,
    const struct strlist *rcpts, struct queue_env *q, struct err *e)
{
	const struct submit_envelope *t = sub->smtp;

	memset(q, 0, sizeof(*q));
	q->from_unset = sub->asked_from == NULL;
	q->from = drop_address(sub->asked_from != NULL ? sub->asked_from : "");
	if (address_check_path(q->from, true, e) == -1)
		return err_prefix(e, "envelope sender");
	if (cli->fullname != NULL)
		q->fullname = xstrdup(cli->fullname);
	if (t != NULL ? t->notify != NULL : cli->dsn_notify != NULL)
		q->dsn_notify = upper_dup(t != NULL ? t->notify :
		    cli->dsn_notify);
	if (t != NULL ? t->ret != NULL : cli->dsn_ret != NULL)
		q->dsn_ret = upper_dup(t != NULL ? t->ret : cli->dsn_ret);
	if (t != NULL ? t->envid != NULL : cli->dsn_envid != NULL)
		q->dsn_envid = xstrdup(t != NULL ? t->envid : cli->dsn_envid);
	q->body_8bit_hint = t != NULL ? t->body_8bit :
	    cli->body_type != NULL && ascii_eq_ci(cli->body_type, "8BITMIME");
	q->rcpts = xcalloc(rcpts->n, sizeof(*q->rcpts));
	for (size_t i = 0; i < rcpts->n; i++) {
		q->rcpts[q->nrcpts].addr = drop_address(rcpts->v[i]);
		if (address_check_path(q->rcpts[q->nrcpts++].addr, false,
		    e) == -1)
			return err_prefix(e, "recipient");
	}
	return 0;
}

/* --dry-run in system mode: what would be dropped. */
static int
drop_dry_run(struct submission *sub, const struct queue_env *q, int fd,
    struct err *e)
{
	struct wire_opts w = { .eightbitmime = true, .smtputf8 = true };
	struct buf b;
	int rc;

	buf_init(&b);
	buf_printf(&b, "system queue (%s), nothing sent\n", SYSMODE_DROP_DIR);
	if (q->from_unset)
		buf_adds(&b, "MAIL FROM: chosen by the system configuration\n");
	else
		buf_printf(&b, "MAIL FROM:<%s>\n", sub->asked_from);
	for (size_t i = 0; i < q->nrcpts; i++)
		buf_printf(&b, "RCPT TO:<%s>\n", q->rcpts[i].addr);
	rc = write_all(fd, b.data, b.len);
	buf_free(&b);
	if (rc == -1)
		return err_sys(e, EX_IOERR, "writing the dry run");
	return wire_write(&sub->msg, &w, fd, e);
}

/* Read (or compose) the message with the user's identity, collect the
 * recipients as written, and hand both to the drop helper; out_fd is
 * --dry-run's (-1 in a -bs session). */
static int
submission_drop(struct submission *sub, const struct cli *cli, int fd,
    int out_fd, struct report *rep, struct err *e)
{
	struct strlist raw;
	struct queue_env q;
	char name[SYSMODE_NAME_LEN + 1];
	int rc;

	memset(&q, 0, sizeof(q));
	if (cli->account != NULL && sub->smtp == NULL)
		return err_set(e, EX_USAGE, "--account %s: %s", cli->account,
		    DROP_NO_ACCOUNT);
	if (read_message(sub, cli, fd, e) == -1)
		return -1;
	strlist_init(&raw);
	rc = written_rcpts(sub, cli, &raw, e);
	if (rc == 0 && raw.n == 0)
		rc = err_set(e, EX_USAGE, "no recipients (give them as "
		    "arguments, or use -t)");
	if (rc == 0)
		rc = drop_state(sub, cli, &raw, &q, e);
	if (rc == 0 && cli->dry_run && out_fd >= 0)
		rc = drop_dry_run(sub, &q, out_fd, e);
	else if (rc == 0 && drop_send(&q, &sub->msg, name, e) == 0)
		snprintf(rep->dropped, sizeof(rep->dropped), "%s", name);
	else if (rc == 0)
		rc = -1;
	queuefile_env_free(&q);
	strlist_free(&raw);
	return rc;
}

int
submit_run(const struct cli *cli, int out_fd, struct report *rep,
    struct err *e)
{
	struct submission sub;
	bool tried = false;
	struct config cfg;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (config_load(&cfg, cli->config_file, e) == -1)
		return -1;
	config_report_skipped(&cfg, cli->verbose);
	submission_init(&sub, &cfg);
	rc = asked_from(cli, &sub.asked_from, e);
	if (rc == 0 && drop_wanted(&cfg, cli)) {
		rc = submission_drop(&sub, cli, STDIN_FILENO, out_fd, rep, e);
		submission_free(&sub);
		config_free(&cfg);
		return rc;
	}
	if (rc == 0)
		rc = submission_prepare(&sub, cli, STDIN_FILENO, e);
	if (rc == 0 && cli->dry_run)
		rc = write_dry_run(&sub, out_fd, e);
	else if (rc == 0) {
		rc = submission_deliver(&sub, cli, rep, &tried, e);
		if (tried)
			name_account(sub.a, rc, rep, e);
	}
	submission_free(&sub);
	config_free(&cfg);
	return rc;
}

/* ---- -bs: a session of transactions ---- */

struct submit_session {
	const struct cli *cli;
	struct config cfg;
	char	*asked_from;		/* -f; NULL: none */
	bool	 drop;			/* system mode: into the drop helper */
};

int
submit_session_open(struct submit_session **ssp, const struct cli *cli,
    struct err *e)
{
	struct submit_session *ss = xcalloc(1, sizeof(*ss));

	ss->cli = cli;
	if (asked_from(cli, &ss->asked_from, e) == -1)
		goto fail;
	if (config_load(&ss->cfg, cli->config_file, e) == -1)
		goto fail;
	config_report_skipped(&ss->cfg, cli->verbose);
	if ((ss->drop = drop_wanted(&ss->cfg, cli)) && cli->account != NULL) {
		err_set(e, EX_USAGE, "--account %s: %s", cli->account,
		    DROP_NO_ACCOUNT);
		config_free(&ss->cfg);
		goto fail;
	}
	/* An unknown --account is a usage error now, not at the first MAIL. */
	if (select_account(&ss->cfg, cli, ss->asked_from, e) == NULL) {
		config_free(&ss->cfg);
		goto fail;
	}
	*ssp = ss;
	return 0;
fail:
	free(ss->asked_from);
	free(ss);
	return -1;
}

void
submit_session_close(struct submit_session *ss)
{
	if (ss == NULL)
		return;
	config_free(&ss->cfg);
	free(ss->asked_from);
	free(ss);
}

/* The account a transaction uses: --account, else the one whose from
 * matches MAIL FROM (as -f would select it), else -f's, else the
 * default.  NULL (with e) only for a configuration error. */
static const struct account *
session_account(const struct submit_session *ss, const char *mail_from,
    struct err *e)
{
	const char *asked = mail_from != NULL && *mail_from != '\0' ?
	    mail_from : ss->asked_from;

	return select_account(&ss->cfg, ss->cli, asked, e);
}

const char *
submit_session_domain(const struct submit_session *ss)
{
	struct err e;
	const struct account *a = session_account(ss, NULL, &e);

	return a != NULL ? qualify_domain(a) : host_fqdn();
}

long long
submit_session_max_size(const struct submit_session *ss,
    const char *mail_from)
{
	struct err e;
	const struct account *a = session_account(ss, mail_from, &e);

	return a != NULL ? a->max_size : 0;
}

int
submit_check_rcpt(struct submit_session *ss, const char *mail_from,
    const char *rcpt, struct err *e)
{
	const struct account *a = session_account(ss, mail_from, e);
	struct alias_refusals refused = { NULL, 0 };
	struct strlist raw, out;
	int rc;

	if (a == NULL)
		return -1;
	strlist_init(&raw);
	strlist_init(&out);
	strlist_add(&raw, rcpt);
	rc = resolve_rcpts(a, &raw, &out, &refused, e);
	/* Only programs and files: refused for good now.  Some of them
	 * beside addresses: the transaction keeps and notices them. */
	if (rc == 0 && out.n == 0 && refused.n > 0)
		rc = err_set(e, EX_UNAVAILABLE, "%s", refused.v[0].reason);
	else if (rc == 0 && out.n == 0)
		rc = err_set(e, EX_DATAERR, "'%s' expands to no address", rcpt);
	alias_refusals_free(&refused);
	strlist_free(&raw);
	strlist_free(&out);
	return rc;
}

int
submit_transaction(struct submit_session *ss,
    const struct submit_envelope *t, int msg_fd, struct report *rep,
    struct err *e)
{
	struct submission sub;
	bool tried;
	int rc;

	memset(rep, 0, sizeof(*rep));
	submission_init(&sub, &ss->cfg);
	sub.smtp = t;
	/* MAIL FROM is this transaction's -f: allow_from_override decides
	 * whether it becomes the envelope sender (settle_from). */
	sub.asked_from = t->from != NULL ? xstrdup(t->from) : NULL;
	if (ss->drop)
		rc = submission_drop(&sub, ss->cli, msg_fd, -1, rep, e);
	else
		rc = submission_prepare(&sub, ss->cli, msg_fd, e);
	if (rc == 0 && !ss->drop)
		rc = submission_deliver(&sub, ss->cli, rep, &tried, e);
	submission_free(&sub);
	return rc;
}

/* ---- --serverinfo ---- */

/* Append text, each line after indent; control characters a hostile
 * server could use on a terminal become '?' (reply.c already does so for
 * replies; certificate names get the same care).  Always ends a line. */
static void
add_lines(struct buf *b, const char *indent, const char *text, size_t len)
{
	bool bol = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (bol)
			buf_adds(b, indent);
		bol = ch == '\n';
		buf_addc(b, bol || (ch >= 0x20 && ch != 0x7f) ? (char)ch : '?');
	}
	if (!bol || len == 0)
		buf_addc(b, '\n');
}

/* "Label: 250 first line", then the further lines indented under it.
 * Returns the length of the first line. */
static size_t
add_reply(struct buf *b, const char *label, const struct smtp_reply *r,
    bool rest)
{
	const char *nl = memchr(r->text, '\n', r->text_len);
	size_t n = nl != NULL ? (size_t)(nl - r->text) : r->text_len;

	buf_printf(b, "%s: %d %s%s", label, r->code, r->status,
	    *r->status ? " " : "");
	add_lines(b, "", r->text, n);
	if (rest && n < r->text_len)
		add_lines(b, "    ", r->text + n + 1, r->text_len - n - 1);
	return n;
}

static void
add_tls(struct buf *b, const struct tls *t)
{
	char desc[128], cert[2048];

	tls_describe(t, desc, sizeof(desc));
	tls_peer_info(t, cert, sizeof(cert));
	buf_printf(b, "TLS: %s\n", desc);
	buf_printf(b, "Certificate (%s):\n", tls_peer_verified(t) ?
	    "verified" : "NOT verified");
	add_lines(b, "    ", cert, strlen(cert));
}

/* The greeting, TLS, certificate and EHLO capabilities of one session. */
static void
describe_server(struct smtp *s, struct buf *b)
{
	const struct smtp_reply *h = smtp_ehlo_reply(s);
	struct conn *c = smtp_conn(s);
	size_t n;

	buf_printf(b, "Server: %s\n", conn_peer(c));
	add_reply(b, "Greeting", smtp_greeting_reply(s), true);
	if (conn_is_tls(c))
		add_tls(b, conn_tls(c));
	else
		buf_adds(b, "TLS: none\n");
	if (h->code == 0) {
		buf_adds(b, "Capabilities: none (the server refused EHLO)\n");
		return;
	}
	/* The first line of the EHLO reply is the server's name; each
	 * further line is one extension (RFC 5321 §4.1.1.1). */
	n = add_reply(b, "EHLO", h, false);
	buf_adds(b, "Capabilities:\n");
	if (n < h->text_len)
		add_lines(b, "    ", h->text + n + 1, h->text_len - n - 1);
}

/* -bv and --serverinfo: the failover chain, and which relays are marked
 * down now; nothing for an account without fallback_accounts. */
static void
describe_fallbacks(const struct config *cfg, const struct account *a,
    struct buf *out)
{
	const struct account *chain[FAILOVER_CHAIN_MAX];
	size_t n = failover_chain(cfg, a, chain);
	long long now = (long long)time(NULL);
	char *dir = queue_dir_path(a);

	if (n > 1)
		buf_adds(out, "failover chain (fallback_accounts):\n");
	for (size_t i = 0; n > 1 && i < n; i++) {
		long long down = failover_down_until(dir, chain[i], now);

		buf_printf(out, "  %s %s:%d (account %s)", i == 0 ? "relay" :
		    "fallback", chain[i]->host, route_port(chain[i]),
		    chain[i]->name);
		if (down > 0)
			buf_printf(out, ", marked down for %lld s more", down - now);
		buf_addc(out, '\n');
	}
	free(dir);
}

/* --serverinfo --auth: the server took the credentials. */
static void
add_auth(struct buf *b, const struct account *a, const struct smtp_reply *r)
{
	buf_printf(b, "AUTH: accepted for user %s: ", a->user);
	add_lines(b, "", r->text, r->text_len);
}

/* What was shown and would stop a delivery: an account that requires TLS
 * met no STARTTLS, or a certificate that failed the check.  EX_NOPERM, as
 * a delivery would, and what to fix. */
static int
serverinfo_judge(const struct account *a, struct smtp *s, struct err *e)
{
	struct conn *c = smtp_conn(s);
	enum tls_mode m = route_tls_mode(a);
	char label[300];

	config_account_label(a, label, sizeof(label));
	if (m != TLSMODE_STARTTLS && m != TLSMODE_IMPLICIT)
		return 0;
	if (!conn_is_tls(c))
		return err_set(e, EX_NOPERM, "%s offers no STARTTLS, which "
		    "%s requires: a delivery fails (fix tls and tls_starttls)",
		    conn_peer(c), label);
	if (a->tls_certcheck && !tls_peer_verified(conn_tls(c)))
		return err_set(e, EX_NOPERM, "the certificate of %s is NOT "
		    "verified: a delivery fails; set tls_trust_file to the "
		    "file of the CA that signed it, or tls_fingerprint to its "
		    "SHA-256 fingerprint above once checked (%s)",
		    conn_peer(c), label);
	return 0;
}

/* A failed --serverinfo: which configuration it was, and for refused
 * credentials what to fix. */
static void
serverinfo_fix(const struct account *a, enum smtp_fault f, struct err *e)
{
	char label[300];

	config_account_label(a, label, sizeof(label));
	if (f == FAULT_AUTH_REFUSED)
		err_append(e, "; fix the user or password of %s", label);
	else if (f == FAULT_TLS_UNTRUSTED)
		err_append(e, "; fix tls_trust_file or tls_fingerprint of %s",
		    label);
	else
		err_append(e, "; %s", label);
}

int
submit_serverinfo(const struct cli *cli, int out_fd, struct err *e)
{
	struct probe_opts po = { 0 };
	const struct account *a;
	char *password = NULL;
	struct config cfg;
	struct smtp *s = NULL;
	struct buf b;
	int rc = -1;

	if (config_load(&cfg, cli->config_file, e) == -1)
		return -1;
	config_report_skipped(&cfg, cli->verbose);
	buf_init(&b);
	if ((a = config_select(&cfg, cli->account, NULL, e)) == NULL)
		goto out;
	if (a->host == NULL) {
		err_set(e, EX_USAGE, "--serverinfo needs a host: account %s "
		    "delivers to MX hosts (set host, or use --account)",
		    a->name);
		goto out;
	}
	po.lenient = !cli->serverinfo_auth;
	if (cli->serverinfo_auth && (a->auth == AUTH_OFF || a->user == NULL)) {
		err_set(e, EX_CONFIG, "--auth: account %s has no credentials "
		    "to test (set auth and user)", a->name);
		goto out;
	}
	/* An OAuth 2.0 account's token is delivery_probe's to fetch. */
	if (cli->serverinfo_auth && !config_oauth2(a) &&
	    config_password(a, &password, e) == -1)
		goto out;
	if (cli->serverinfo_auth)
		po.password = password != NULL ? password : "";
	if (delivery_probe(a, &po, &s, e) == -1) {
		serverinfo_fix(a, po.fault, e);
		goto out;
	}
	describe_server(s, &b);
	if (cli->serverinfo_auth)
		add_auth(&b, a, smtp_last_reply(s));
	rc = serverinfo_judge(a, s, e);
	smtp_quit(s);
	describe_fallbacks(&cfg, a, &b);
	if (write_all(out_fd, b.data, b.len) == -1)
		rc = err_sys(e, EX_IOERR, "writing the server information");
out:
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	buf_free(&b);
	config_free(&cfg);
	return rc;
}

/* ---- --oauth2-login ---- */

int
submit_oauth2_login(const struct cli *cli, int in_fd, int out_fd,
    struct err *e)
{
	const struct account *a;
	struct config cfg;
	int rc = -1;

	if (config_load(&cfg, cli->config_file, e) == -1)
		return -1;
	if ((a = config_select(&cfg, cli->account, NULL, e)) != NULL)
		rc = oauth2_login(a, in_fd, out_fd, e);
	config_free(&cfg);
	return rc;
}

/* ---- --pretend ---- */

/* "# delivery: ..." as route.c would build it. */
static void
describe_delivery(const struct account *a, struct buf *b)
{
	static const char *const tls[] = {
		[TLSMODE_NONE] = "no TLS",
		[TLSMODE_STARTTLS] = "STARTTLS required",
		[TLSMODE_IMPLICIT] = "implicit TLS",
		[TLSMODE_OPPORTUNISTIC] = "STARTTLS when offered",
	};

	if (a->host == NULL)
		buf_printf(b, "# delivery: to the MX hosts of each recipient "
		    "domain, port 25, %s", a->mx_tls == MX_TLS_REQUIRED ?
		    "STARTTLS required" : "STARTTLS when offered");
	else if (a->socket != NULL)
		buf_printf(b, "# delivery: smarthost %s over socket %s, %s",
		    a->host, a->socket, tls[route_tls_mode(a)]);
	else
		buf_printf(b, "# delivery: smarthost %s:%d, %s", a->host,
		    route_port(a), tls[route_tls_mode(a)]);
	if (a->socket == NULL && a->proxy_host != NULL)
		buf_printf(b, ", through SOCKS5 proxy %s:%d", a->proxy_host,
		    a->proxy_port > 0 ? a->proxy_port : CONN_SOCKS_PORT);
	buf_addc(b, '\n');
}

int
submit_pretend(const struct cli *cli, int out_fd, struct err *e)
{
	const struct account *a;
	struct config cfg;
	struct buf b;
	char *asked;
	int rc = -1;

	if (asked_from(cli, &asked, e) == -1)
		return -1;
	if (config_load(&cfg, cli->config_file, e) == -1) {
		free(asked);
		return -1;
	}
	buf_init(&b);
	if ((a = select_account(&cfg, cli, asked, e)) != NULL) {
		config_print(&cfg, a, &b);
		describe_delivery(a, &b);
		rc = 0;
		if (write_all(out_fd, b.data, b.len) == -1)
			rc = err_sys(e, EX_IOERR, "writing the account");
	}
	buf_free(&b);
	config_free(&cfg);
	free(asked);
	return rc;
}

/* ---- -bv, newaliases ---- */

/* The recipient arguments, each an address list. */
static int
verify_rcpts(const struct cli *cli, struct strlist *out, struct err *e)
{
	for (size_t i = 0; i < cli->rcpt_args.n; i++) {
		const char *arg = cli->rcpt_args.v[i];

		if (address_parse_list(arg, strlen(arg), out, e) == -1)
			return err_prefix(e, "recipient");
	}
	if (out->n == 0)
		return err_set(e, EX_USAGE, "-bv needs recipients as arguments");
	return 0;
}

int
submit_verify(const struct cli *cli, int out_fd, struct err *e)
{
	const struct account *a;
	struct strlist rcpts;
	struct config cfg;
	struct buf out;
	char *asked;
	int rc = -1;

	if (asked_from(cli, &asked, e) == -1)
		return -1;
	if (config_load(&cfg, cli->config_file, e) == -1) {
		free(asked);
		return -1;
	}
	config_report_skipped(&cfg, cli->verbose);
	strlist_init(&rcpts);
	buf_init(&out);
	if ((a = select_account(&cfg, cli, asked, e)) != NULL &&
	    verify_rcpts(cli, &rcpts, e) == 0) {
		char label[300];

		buf_printf(&out, "%s:\n", config_account_label(a, label,
		    sizeof(label)));
		describe_fallbacks(&cfg, a, &out);
		rc = route_verify(a, &rcpts, &out, e);
	}
	/* What was found is written even when a later address failed. */
	if (out.len > 0 && write_all(out_fd, out.data, out.len) == -1 &&
	    rc != -1)
		rc = err_sys(e, EX_IOERR, "writing the verification");
	buf_free(&out);
	strlist_free(&rcpts);
	config_free(&cfg);
	free(asked);
	return rc;
}

int
submit_check_aliases(const struct cli *cli, int out_fd, struct err *e)
{
	const struct account *a;
	struct aliases *al = NULL;
	struct config cfg;
	int rc = 0;

	if (config_load(&cfg, cli->config_file, e) == -1)
		return -1;
	config_report_skipped(&cfg, cli->verbose);
	if ((a = config_select(&cfg, cli->account, NULL, e)) == NULL)
		rc = -1;
	else if (a->aliases != NULL)
		rc = aliases_load(&al, a->aliases, e);
	if (rc == 0 && al != NULL) {
		struct buf b;
		size_t bad;

		buf_init(&b);
		bad = aliases_check(al, &b);
		if (bad > 0) {
			(void)write_all(out_fd, b.data, b.len);
			rc = err_set(e, EX_CONFIG, "%s: %zu entr%s that postie "
			    "cannot deliver (programs, files or unreadable "
			    ":include: files)", a->aliases, bad,
			    bad == 1 ? "y" : "ies");
		}
		buf_free(&b);
	}
	aliases_free(al);
	config_free(&cfg);
	return rc;
}
