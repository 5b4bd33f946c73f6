/*
 * cli.c — the command line (see cli.h).
 *
 * Sendmail's single-letter flags are read as getopt(3) reads them, which
 * is what Postfix's sendmail(1) does: flags may be bundled ("-ti"), a
 * flag that takes a value takes the rest of its argument ("-froot",
 * "-oem", "-B8BITMIME") or else the next argument ("-f root"); "--" ends
 * the options.  Unlike Postfix, and like msmtp (GNU getopt), options may
 * follow the recipients: "postie ops@x --dry-run" must not send mail to a
 * recipient called "--dry-run".  A recipient that starts with '-' goes
 * after "--".  postie's own options are long ("--dry-run", "--account NAME" or
 * "--account=NAME").
 *
 * Each flag is a row of a table with a small handler; the parser itself
 * knows nothing about what any flag means.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum arg_kind {
	ARG_NONE = 0,		/* a switch */
	ARG_REQUIRED,		/* glued or the next argument */
	ARG_GLUED_ONLY,		/* optional, only glued (-q, -q30m) */
};

typedef int (*cli_handler)(struct cli *, const char *val, struct err *);

struct short_flag {
	char		 flag;
	enum arg_kind	 arg;
	cli_handler	 fn;
};

struct long_opt {
	const char	*name;		/* without the leading "--" */
	enum arg_kind	 arg;		/* ARG_NONE or ARG_REQUIRED */
	cli_handler	 fn;
};

/* Replace an owned string. */
static void
set_str(char **dst, const char *val)
{
	free(*dst);
	*dst = xstrdup(val);
}

/* ---- sendmail flags ---- */

static int
h_ignore(struct cli *cli, const char *val, struct err *e)
{
	/* Accepted for compatibility (-oem, -odi, -h N, -L tag, -Am, -n...):
	 * they tune sendmail's own queue and error reporting, which postie
	 * decides by configuration. */
	return 0;
}

static int
h_read_rcpts(struct cli *cli, const char *val, struct err *e)
{
	cli->read_recipients = true;
	return 0;
}

static int
h_no_dot(struct cli *cli, const char *val, struct err *e)
{
	cli->dot_ends_message = false;
	return 0;
}

static int
h_from(struct cli *cli, const char *val, struct err *e)
{
	size_t len = strlen(val);

	/* "<addr>" is addr, and "<>" the null sender, as Postfix reads it. */
	if (len >= 2 && val[0] == '<' && val[len - 1] == '>') {
		free(cli->from);
		cli->from = xstrndup(val + 1, len - 2);
	} else
		set_str(&cli->from, val);
	cli->from_given = true;
	return 0;
}

static int
h_fullname(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->fullname, val);
	return 0;
}

/* -N: "never", or a comma list of success, failure, delay (RFC 3461).
 * Kept as "never" or the known words joined by bare commas: Postfix's
 * sendmail(1) writes "delay, failure", and a blank must not reach
 * NOTIFY=. */
static int
h_notify(struct cli *cli, const char *val, struct err *e)
{
	static const char *const words[] = { "success", "failure", "delay" };
	char *copy = xstrdup(val), *save = NULL, *w;
	struct buf out;
	bool ok = true;

	buf_init(&out);
	if (ascii_eq_ci(str_trim(copy), "never"))
		buf_adds(&out, "never");
	else
		for (w = strtok_r(copy, ",", &save); ok && w != NULL;
		    w = strtok_r(NULL, ",", &save)) {
			size_t i = 0;

			str_trim(w);
			while (i < 3 && !ascii_eq_ci(w, words[i]))
				i++;
			if ((ok = i < 3))
				buf_printf(&out, "%s%s", out.len > 0 ? "," : "",
				    words[i]);
		}
	free(copy);
	if (!ok || out.len == 0) {
		buf_free(&out);
		return err_set(e, EX_USAGE, "invalid -N value '%s': use never "
		    "or success,failure,delay", val);
	}
	free(cli->dsn_notify);
	cli->dsn_notify = buf_steal(&out);
	return 0;
}

static int
h_ret(struct cli *cli, const char *val, struct err *e)
{
	if (!ascii_eq_ci(val, "full") && !ascii_eq_ci(val, "hdrs"))
		return err_set(e, EX_USAGE, "invalid -R value '%s': use full "
		    "or hdrs", val);
	set_str(&cli->dsn_ret, val);
	return 0;
}

/* -V: RFC 3461 §4.4 allows 100 printable US-ASCII characters (smtp.c
 * xtext-encodes them).  Checked here, before the message is accepted: a
 * longer one would fail every delivery, queued or not. */
static int
h_envid(struct cli *cli, const char *val, struct err *e)
{
	size_t n = strlen(val);
	bool ok = n > 0 && n <= 100;

	for (const char *p = val; ok && *p != '\0'; p++)
		ok = *p >= ' ' && *p < 0x7f;	/* graphic and SP */
	if (!ok)
		return err_set(e, EX_USAGE, "invalid -V value: at most 100 "
		    "printable ASCII characters");
	set_str(&cli->dsn_envid, val);
	return 0;
}

static int
h_body_type(struct cli *cli, const char *val, struct err *e)
{
	/* A hint only: an unfamiliar value must not make cron's mail fail. */
	set_str(&cli->body_type, val);
	return 0;
}

static int
h_verbose(struct cli *cli, const char *val, struct err *e)
{
	cli->verbose = true;
	return 0;
}

static int
h_config(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->config_file, val);
	return 0;
}

static int
h_transcript(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->transcript, val);
	return 0;
}

static int
h_newaliases(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_NEWALIASES;
	return 0;
}

static int
h_queue_run(struct cli *cli, const char *val, struct err *e)
{
	/* -q, -q30m, -qR..., -qI...: postie has no daemon; any form runs the
	 * queue once. */
	cli->mode = CLI_QUEUE_RUN;
	return 0;
}

/* -bX: the mode letter. */
static int
h_mode(struct cli *cli, const char *val, struct err *e)
{
	static const struct {
		const char *name;
		enum cli_mode mode;
	} modes[] = {
		{ "m", CLI_DELIVER }, { "p", CLI_QUEUE_LIST },
		{ "s", CLI_SMTP_STDIO }, { "v", CLI_VERIFY },
		{ "i", CLI_NEWALIASES },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(val, modes[i].name) == 0) {
			cli->mode = modes[i].mode;
			return 0;
		}
	if (strcmp(val, "d") == 0 || strcmp(val, "D") == 0)
		return err_set(e, EX_USAGE, "-b%s: postie has no daemon mode; "
		    "it only submits mail", val);
	return err_set(e, EX_USAGE, "unknown option -b%s", val);
}

/* -oX: only -oi means something to postie; -oem, -odi, -oA/path, -o7 and
 * every other sendmail option are accepted and ignored. */
static int
h_option(struct cli *cli, const char *val, struct err *e)
{
	if (strcmp(val, "i") == 0)
		cli->dot_ends_message = false;
	return 0;
}

/* ---- compose options ---- */

static int
h_subject(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->subject, val);
	cli->compose = true;
	return 0;
}

/* One part of -a's argument, from p to the next unescaped ";type=" or
 * ";name=" (or the end), into out: "\;" stands for ';' and "\\" for
 * '\' (so that a file name may hold ";name=" itself); any other
 * backslash is kept.  Returns where the part ends. */
static const char *
attach_part(const char *p, struct buf *out)
{
	buf_reset(out);
	while (*p != '\0' && strncmp(p, ";type=", 6) != 0 &&
	    strncmp(p, ";name=", 6) != 0) {
		if (p[0] == '\\' && (p[1] == ';' || p[1] == '\\'))
			p++;
		buf_addc(out, *p++);
	}
	return p;
}

/* -a FILE[;type=T][;name=N].  The path ends at the first unescaped
 * ";type=" or ";name=", so a file name may itself hold ';'. */
static int
h_attach(struct cli *cli, const char *val, struct err *e)
{
	struct mime_attach at = { NULL, NULL, NULL };
	struct buf part;
	const char *p;

	buf_init(&part);
	p = attach_part(val, &part);
	if (part.len == 0) {
		buf_free(&part);
		return err_set(e, EX_USAGE, "-a '%s': no file name", val);
	}
	at.path = xstrdup(part.data);
	while (*p != '\0') {
		char **dst = strncmp(p, ";type=", 6) == 0 ? &at.type : &at.name;

		p = attach_part(p + 6, &part);
		free(*dst);
		*dst = xstrdup(part.len > 0 ? part.data : "");
		if (**dst == '\0') {
			free(at.path), free(at.type), free(at.name);
			buf_free(&part);
			return err_set(e, EX_USAGE, "-a '%s': empty %s", val,
			    dst == &at.type ? "type" : "name");
		}
	}
	buf_free(&part);
	cli->attach = xreallocarray(cli->attach, cli->nattach + 1,
	    sizeof(*cli->attach));
	cli->attach[cli->nattach++] = at;
	cli->compose = true;
	return 0;
}

static int
h_cc(struct cli *cli, const char *val, struct err *e)
{
	strlist_add(&cli->cc, val);
	cli->compose = true;
	return 0;
}

static int
h_bcc(struct cli *cli, const char *val, struct err *e)
{
	strlist_add(&cli->bcc, val);
	cli->compose = true;
	return 0;
}

static int
h_compose_from(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->compose_from, val);
	return 0;
}

/* Fields that name recipients, and the flag that adds each: through
 * --header one would add a recipient nobody sees on the command line. */
static const struct {
	const char *field, *use;
} recipient_fields[] = {
	{ "To", "a recipient argument" },
	{ "Cc", "--cc" },
	{ "Bcc", "--bcc" },
	{ "Resent-To", "a recipient argument" },
	{ "Resent-Cc", "--cc" },
	{ "Resent-Bcc", "--bcc" },
};

/* --header 'Name: value': the name must be a field name (RFC 5322 §3.6.8),
 * not a recipient field, and the value one line. */
static int
h_header(struct cli *cli, const char *val, struct err *e)
{
	const char *colon = strchr(val, ':');
	size_t len;

	if (colon == NULL || colon == val)
		return err_set(e, EX_USAGE, "--header '%s': expected "
		    "'Name: value'", val);
	for (const char *p = val; p < colon; p++)
		if (*p <= ' ' || *p > '~')
			return err_set(e, EX_USAGE, "--header '%s': invalid "
			    "field name", val);
	len = (size_t)(colon - val);
	for (size_t i = 0; i < sizeof(recipient_fields) /
	    sizeof(recipient_fields[0]); i++)
		if (strlen(recipient_fields[i].field) == len &&
		    ascii_eqn_ci(val, recipient_fields[i].field, len))
			return err_set(e, EX_USAGE, "--header '%.*s:': "
			    "recipients are not added through --header; use "
			    "%s", (int)len, val, recipient_fields[i].use);
	/* A line break would start a header of the caller's choosing:
	 * bad input (65), as for -s and --from, not a usage slip. */
	if (strpbrk(val, "\r\n") != NULL)
		return err_set(e, EX_DATAERR, "--header: the value must be "
		    "one line");
	strlist_add(&cli->headers, val);
	cli->compose = true;
	return 0;
}

static int
h_body(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->body_file, val);
	cli->compose = true;
	return 0;
}

static int
h_html(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->html_file, val);
	cli->compose = true;
	return 0;
}

/* ---- postie's own long options ---- */

static int
h_account(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->account, val);
	return 0;
}

static int
h_dry_run(struct cli *cli, const char *val, struct err *e)
{
	cli->dry_run = true;
	return 0;
}

static int
h_serverinfo(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_SERVERINFO;
	return 0;
}

static int
h_auth(struct cli *cli, const char *val, struct err *e)
{
	cli->serverinfo_auth = true;
	return 0;
}

static int
h_oauth2_login(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_OAUTH2_LOGIN;
	return 0;
}

static int
h_pretend(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_PRETEND;
	return 0;
}

static int
h_due(struct cli *cli, const char *val, struct err *e)
{
	cli->queue_due = true;
	return 0;
}

static int
h_json(struct cli *cli, const char *val, struct err *e)
{
	cli->json = true;
	return 0;
}

static int
h_queue_delete(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->queue_id, val);
	cli->mode = CLI_QUEUE_DELETE;
	return 0;
}

static int
h_dkim_keygen(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_DKIM_KEYGEN;
	return 0;
}

static int
h_selector(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->keygen_selector, val);
	return 0;
}

static int
h_domain(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->keygen_domain, val);
	return 0;
}

static int
h_type(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->keygen_type, val);
	return 0;
}

static int
h_key_file(struct cli *cli, const char *val, struct err *e)
{
	set_str(&cli->keygen_key_file, val);
	return 0;
}

/* The range is dkim_keygen's to judge; here only "a number". */
static int
h_bits(struct cli *cli, const char *val, struct err *e)
{
	size_t n = strspn(val, "0123456789");

	if (n == 0 || n > 5 || val[n] != '\0' || atoi(val) == 0)
		return err_set(e, EX_USAGE, "--bits: \"%s\" is not a number "
		    "of bits", val);
	cli->keygen_bits = (unsigned int)atoi(val);
	return 0;
}

static int
h_version(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_VERSION;
	return 0;
}

static int
h_help(struct cli *cli, const char *val, struct err *e)
{
	cli->mode = CLI_HELP;
	return 0;
}

/*
 * The sendmail flags: Postfix's sendmail(1) set, plus -s and -a (mailx's
 * subject and attach, compose mode).  Flags listed with h_ignore are
 * accepted so that no caller fails on them.
 */
static const struct short_flag short_flags[] = {
	{ 'A', ARG_REQUIRED,	h_ignore },	/* -Am, -Ac */
	{ 'B', ARG_REQUIRED,	h_body_type },
	{ 'C', ARG_REQUIRED,	h_config },
	{ 'F', ARG_REQUIRED,	h_fullname },
	{ 'G', ARG_NONE,	h_ignore },
	{ 'I', ARG_NONE,	h_newaliases },
	{ 'L', ARG_REQUIRED,	h_ignore },	/* syslog tag */
	{ 'N', ARG_REQUIRED,	h_notify },
	{ 'O', ARG_REQUIRED,	h_ignore },	/* -O option=value */
	{ 'R', ARG_REQUIRED,	h_ret },
	{ 'U', ARG_NONE,	h_ignore },
	{ 'V', ARG_REQUIRED,	h_envid },
	{ 'X', ARG_REQUIRED,	h_transcript },
	{ 'a', ARG_REQUIRED,	h_attach },
	{ 'b', ARG_REQUIRED,	h_mode },
	{ 'c', ARG_NONE,	h_ignore },
	{ 'e', ARG_REQUIRED,	h_ignore },	/* old -eX, as -oeX */
	{ 'f', ARG_REQUIRED,	h_from },
	{ 'h', ARG_REQUIRED,	h_ignore },	/* hop count */
	{ 'i', ARG_NONE,	h_no_dot },
	{ 'm', ARG_NONE,	h_ignore },
	{ 'n', ARG_NONE,	h_ignore },
	{ 'o', ARG_REQUIRED,	h_option },
	{ 'p', ARG_REQUIRED,	h_ignore },	/* protocol */
	{ 'q', ARG_GLUED_ONLY,	h_queue_run },
	{ 'r', ARG_REQUIRED,	h_from },
	{ 's', ARG_REQUIRED,	h_subject },
	{ 't', ARG_NONE,	h_read_rcpts },
	{ 'v', ARG_NONE,	h_verbose },
	{ 'x', ARG_NONE,	h_ignore },
};

/* What a missing value means, for the flags a newcomer types alone
 * meaning something else: -h for help, -V for the version. */
static const struct {
	char		 flag;
	const char	*hint;
} alone_hints[] = {
	{ 'h', " (a hop count, accepted for sendmail's callers); for help "
	    "use postie --help" },
	{ 'V', " (a DSN envelope id); for the version use postie --version" },
};

static const char *
alone_hint(char c)
{
	for (size_t i = 0; i < sizeof(alone_hints) / sizeof(alone_hints[0]);
	    i++)
		if (alone_hints[i].flag == c)
			return alone_hints[i].hint;
	return "";
}

static const struct long_opt long_opts[] = {
	{ "account",		ARG_REQUIRED,	h_account },
	{ "attach",		ARG_REQUIRED,	h_attach },
	{ "auth",		ARG_NONE,	h_auth },
	{ "bcc",		ARG_REQUIRED,	h_bcc },
	{ "bits",		ARG_REQUIRED,	h_bits },
	{ "body",		ARG_REQUIRED,	h_body },
	{ "cc",			ARG_REQUIRED,	h_cc },
	{ "dkim-keygen",	ARG_NONE,	h_dkim_keygen },
	{ "domain",		ARG_REQUIRED,	h_domain },
	{ "dry-run",		ARG_NONE,	h_dry_run },
	{ "due",		ARG_NONE,	h_due },
	{ "from",		ARG_REQUIRED,	h_compose_from },
	{ "header",		ARG_REQUIRED,	h_header },
	{ "help",		ARG_NONE,	h_help },
	{ "html",		ARG_REQUIRED,	h_html },
	{ "json",		ARG_NONE,	h_json },
	{ "key-file",		ARG_REQUIRED,	h_key_file },
	{ "pretend",		ARG_NONE,	h_pretend },
	{ "queue-delete",	ARG_REQUIRED,	h_queue_delete },
	{ "selector",		ARG_REQUIRED,	h_selector },
	{ "serverinfo",		ARG_NONE,	h_serverinfo },
	{ "oauth2-login",	ARG_NONE,	h_oauth2_login },
	{ "subject",		ARG_REQUIRED,	h_subject },
	{ "type",		ARG_REQUIRED,	h_type },
	{ "version",		ARG_NONE,	h_version },
};

static const struct short_flag *
find_short(char c)
{
	for (size_t i = 0; i < sizeof(short_flags) / sizeof(short_flags[0]); i++)
		if (short_flags[i].flag == c)
			return &short_flags[i];
	return NULL;
}

static const struct long_opt *
find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(long_opts) / sizeof(long_opts[0]); i++)
		if (strlen(long_opts[i].name) == len &&
		    strncmp(long_opts[i].name, name, len) == 0)
			return &long_opts[i];
	return NULL;
}

/* Levenshtein distance between a (alen bytes) and b, capped: names
 * longer than the row are compared by their first bytes only. */
static size_t
edit_distance(const char *a, size_t alen, const char *b)
{
	enum { MAXN = 32 };
	size_t blen = strlen(b), row[MAXN + 1];

	alen = alen > MAXN ? MAXN : alen;
	blen = blen > MAXN ? MAXN : blen;
	for (size_t j = 0; j <= blen; j++)
		row[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[blen];
}

/* The long option an unknown --name was probably meant to be: one it
 * begins ("--queue-del"), else the closest within two typos ("--dryrun"),
 * else NULL. */
static const char *
nearest_long(const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < sizeof(long_opts) / sizeof(long_opts[0]); i++) {
		const char *o = long_opts[i].name;
		size_t d = edit_distance(name, len, o);

		if (len >= 3 && strncmp(o, name, len) == 0)
			return o;
		if (d < best_d && d < len) {
			best = o;
			best_d = d;
		}
	}
	return best;
}

/* One "--name[=value]" argument; *i advances past a separate value. */
static int
parse_long(struct cli *cli, int argc, char **argv, int *i, struct err *e)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct long_opt *o = find_long(name, len);
	const char *val = NULL;

	if (o == NULL) {
		const char *near = nearest_long(name, len);

		if (near != NULL)
			return err_set(e, EX_USAGE, "unknown option --%.*s "
			    "(did you mean --%s? see postie --help)", (int)len,
			    name, near);
		return err_set(e, EX_USAGE, "unknown option --%.*s (see "
		    "postie --help)", (int)len, name);
	}
	if (o->arg == ARG_NONE && eq != NULL)
		return err_set(e, EX_USAGE, "option --%s takes no value",
		    o->name);
	if (o->arg == ARG_REQUIRED) {
		if (eq != NULL)
			val = eq + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else
			return err_set(e, EX_USAGE, "option --%s requires a "
			    "value", o->name);
	}
	return o->fn(cli, val, e);
}

/* One "-xyz" argument, getopt-style; *i advances past a separate value. */
static int
parse_short(struct cli *cli, int argc, char **argv, int *i, struct err *e)
{
	for (const char *p = argv[*i] + 1; *p != '\0'; p++) {
		const struct short_flag *f = find_short(*p);
		const char *val = NULL;

		if (f == NULL)
			return err_set(e, EX_USAGE, "unknown option -%c", *p);
		if (f->arg == ARG_NONE) {
			if (f->fn(cli, NULL, e) == -1)
				return -1;
			continue;
		}
		if (p[1] != '\0' || f->arg == ARG_GLUED_ONLY)
			val = p + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else
			return err_set(e, EX_USAGE, "option -%c requires a "
			    "value%s", *p, alone_hint(*p));
		return f->fn(cli, val, e);
	}
	return 0;
}

static void
mode_from_progname(struct cli *cli, const char *argv0)
{
	const char *slash = argv0 != NULL ? strrchr(argv0, '/') : NULL;

	cli->progname = argv0 == NULL ? "postie" :
	    slash != NULL ? slash + 1 : argv0;
	if (strcmp(cli->progname, "mailq") == 0)
		cli->mode = CLI_QUEUE_LIST;
	else if (strcmp(cli->progname, "newaliases") == 0)
		cli->mode = CLI_NEWALIASES;
}

/* --selector and friends mean something only to --dkim-keygen; in any
 * other mode they would be silently ignored, so they are refused. */
static int
check_keygen_options(const struct cli *cli, struct err *e)
{
	const char *given = cli->keygen_selector != NULL ? "--selector" :
	    cli->keygen_domain != NULL ? "--domain" :
	    cli->keygen_type != NULL ? "--type" :
	    cli->keygen_key_file != NULL ? "--key-file" :
	    cli->keygen_bits != 0 ? "--bits" : NULL;

	if (cli->mode == CLI_DKIM_KEYGEN) {
		if (cli->rcpt_args.n > 0)
			return err_set(e, EX_USAGE, "--dkim-keygen takes no "
			    "recipients");
		return 0;
	}
	if (given != NULL)
		return err_set(e, EX_USAGE, "%s is an option of --dkim-keygen",
		    given);
	return 0;
}

int
cli_parse(struct cli *cli, int argc, char **argv, struct err *e)
{
	int i;

	memset(cli, 0, sizeof(*cli));
	cli->dot_ends_message = true;
	strlist_init(&cli->cc);
	strlist_init(&cli->bcc);
	strlist_init(&cli->headers);
	strlist_init(&cli->rcpt_args);
	mode_from_progname(cli, argc > 0 ? argv[0] : NULL);

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			strlist_add(&cli->rcpt_args, a);
			continue;
		}
		if (a[1] == '-')
			rc = parse_long(cli, argc, argv, &i, e);
		else
			rc = parse_short(cli, argc, argv, &i, e);
		if (rc == -1)
			return -1;
	}
	for (; i < argc; i++)
		strlist_add(&cli->rcpt_args, argv[i]);
	if (cli->json && cli->mode != CLI_QUEUE_LIST)
		return err_set(e, EX_USAGE, "--json lists the queue: use it "
		    "with -bp or as mailq --json");
	if (cli->serverinfo_auth && cli->mode != CLI_SERVERINFO)
		return err_set(e, EX_USAGE, "--auth tests the account's "
		    "credentials without sending mail: use postie "
		    "--serverinfo --auth");
	if (cli->queue_due && cli->mode != CLI_QUEUE_RUN)
		return err_set(e, EX_USAGE, "--due only limits a queue run to "
		    "the messages whose retry time has come: use postie -q "
		    "--due");
	return check_keygen_options(cli, e);
}

void
cli_mime_opts(const struct cli *cli, struct mime_opts *opt)
{
	*opt = (struct mime_opts){
		.wrap = cli->read_recipients,
		.dot_ends_message = cli->dot_ends_message,
		.progress = !cli->dry_run,
		.subject = cli->subject,
		.from = cli->compose_from,
		.to = &cli->rcpt_args,
		.cc = &cli->cc,
		.bcc = &cli->bcc,
		.headers = &cli->headers,
		.body_file = cli->body_file,
		.html_file = cli->html_file,
		.attach = cli->attach,
		.nattach = cli->nattach,
	};
}

void
cli_free(struct cli *cli)
{
	free(cli->from);
	free(cli->fullname);
	free(cli->dsn_notify);
	free(cli->dsn_ret);
	free(cli->dsn_envid);
	free(cli->body_type);
	free(cli->config_file);
	free(cli->transcript);
	free(cli->account);
	free(cli->queue_id);
	free(cli->keygen_selector);
	free(cli->keygen_domain);
	free(cli->keygen_type);
	free(cli->keygen_key_file);
	free(cli->subject);
	for (size_t i = 0; i < cli->nattach; i++) {
		free(cli->attach[i].path);
		free(cli->attach[i].type);
		free(cli->attach[i].name);
	}
	free(cli->attach);
	strlist_free(&cli->cc);
	strlist_free(&cli->bcc);
	free(cli->compose_from);
	strlist_free(&cli->headers);
	free(cli->body_file);
	free(cli->html_file);
	strlist_free(&cli->rcpt_args);
	memset(cli, 0, sizeof(*cli));
}

static const char usage[] =
"usage: postie [flags] [--] recipient...      (sendmail mode, message on stdin)\n"
"       postie -s SUBJECT [-a FILE]... [compose options] recipient...\n"
"       postie --serverinfo [--auth] | --pretend | -q [--due] | -bp | --queue-delete ID\n"
"       postie --dkim-keygen --selector S --domain D [--type rsa|ed25519]\n"
"              [--bits N] [--key-file FILE]\n"
"       postie --oauth2-login [--account NAME]\n"
"\n"
"Sendmail flags (a value may be glued: -froot, -B8BITMIME):\n"
"  -t                 also take recipients from To, Cc and Bcc\n"
"  -i, -oi            a line with a single '.' does not end the message\n"
"  -f ADDR, -r ADDR   envelope sender ('' or '<>': the null sender)\n"
"  -F NAME            full name for a From header that postie adds\n"
"  -N NOTIFY          DSN: never, or success,failure,delay\n"
"  -R full|hdrs       DSN: what a bounce returns\n"
"  -V ENVID           DSN: envelope id\n"
"  -B 7BIT|8BITMIME   body type hint\n"
"  -v                 print the SMTP dialogue on stderr (credentials masked)\n"
"  -C FILE            configuration file\n"
"  -X FILE            append a transcript of the session to FILE\n"
"  -bm                deliver the message (the default)\n"
"  -bp                list the queue (as mailq)\n"
"  -bs                speak SMTP on stdin/stdout (PHP's and Alpine's sendmail\n"
"                     -bs); replies to each message once it is sent or queued\n"
"  -bv                verify: print where the recipients go, send nothing\n"
"  -bi, -I            check the aliases file (as newaliases)\n"
"  -q, -qTIME         run the queue once\n"
"  -oem -oep -oeq -odi -odb -om -o7 -o8 -oXopt -h N -n -m -U -G -L TAG\n"
"  -Am -Ac -O OPT=VAL -c -x -e X -p PROTO\n"
"                     accepted and ignored, for compatibility\n"
"\n"
"Compose mode (any of -s, -a, --cc, --bcc, --header, --body, --html):\n"
"  -s, --subject TEXT       subject\n"
"  -a, --attach FILE[;type=TYPE][;name=NAME]\n"
"                           attach a file ('-' for stdin)\n"
"  --cc ADDR                carbon copy\n"
"  --bcc ADDR               blind carbon copy\n"
"  --from ADDR              From header and envelope sender (unless -f)\n"
"  --header 'NAME: VALUE'   add a header field\n"
"  --body FILE|-            body text\n"
"  --html FILE              HTML alternative of the body\n"
"\n"
"postie's options:\n"
"  --account NAME           use this account of the configuration\n"
"  --dry-run                print the envelope and message, send nothing\n"
"  --serverinfo             show the server's greeting, TLS and capabilities\n"
"  --auth                   with --serverinfo: also log in (AUTH, then QUIT)\n"
"  --oauth2-login           authorize postie once for the account's OAuth 2.0\n"
"                           provider (prints the URL to open; no browser)\n"
"  --pretend                print the account that would be used, send nothing\n"
"  --due                    with -q: only messages whose retry time has come\n"
"  --json                   with -bp (mailq): one JSON object per message\n"
"  --queue-delete ID        remove one message from the queue\n"
"  --dkim-keygen            make a DKIM key, print its DNS TXT record:\n"
"    --selector S           the selector (S._domainkey.D)\n"
"    --domain D             the signing domain\n"
"    --type rsa|ed25519     key type (default rsa)\n"
"    --bits N               RSA size, 1024 to 4096 (default 2048)\n"
"    --key-file FILE        where the key goes, mode 600 (default S.D.pem)\n"
"  --version                print the version\n"
"  --help                   print this help\n"
"\n"
"Configuration keys: man postie.conf.  Every flag and exit code: man postie\n";

const char *
cli_usage(void)
{
	return usage;
}
