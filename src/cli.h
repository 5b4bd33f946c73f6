/*
 * cli.h — the command line: sendmail flags, postie's long options, and
 * argv[0] dispatch (sendmail, mailq, newaliases).
 *
 * cli_parse is a table of flags with small handlers (not one switch).  It
 * does no I/O besides reading argv: it only records what was asked.
 * Errors: EX_USAGE with a one-line message naming the flag.
 */
#ifndef POSTIE_CLI_H
#define POSTIE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "mime.h"
#include "util.h"

enum cli_mode {
	CLI_DELIVER = 0,	/* -bm, the default */
	CLI_QUEUE_LIST,		/* -bp, mailq */
	CLI_QUEUE_RUN,		/* -q[time] */
	CLI_SMTP_STDIO,		/* -bs */
	CLI_VERIFY,		/* -bv */
	CLI_NEWALIASES,		/* newaliases, -bi */
	CLI_SERVERINFO,		/* --serverinfo */
	CLI_OAUTH2_LOGIN,	/* --oauth2-login */
	CLI_PRETEND,		/* --pretend: print the account, send nothing */
	CLI_QUEUE_DELETE,	/* --queue-delete ID */
	CLI_DKIM_KEYGEN,	/* --dkim-keygen */
	CLI_VERSION,		/* --version */
	CLI_HELP,		/* --help */
};

struct cli {
	enum cli_mode mode;
	const char *progname;		/* basename of argv[0] */

	/* sendmail mode */
	bool	 read_recipients;	/* -t */
	bool	 dot_ends_message;	/* true unless -i / -oi */
	bool	 from_given;		/* -f / -r seen */
	char	*from;			/* -f value; "" for the null sender */
	char	*fullname;		/* -F */
	char	*dsn_notify;		/* -N */
	char	*dsn_ret;		/* -R full|hdrs */
	char	*dsn_envid;		/* -V */
	char	*body_type;		/* -B 7BIT|8BITMIME */
	bool	 verbose;		/* -v */
	char	*config_file;		/* -C */
	char	*transcript;		/* -X FILE */
	char	*account;		/* --account NAME */
	bool	 dry_run;		/* --dry-run */
	bool	 queue_due;		/* -q --due */
	bool	 json;			/* -bp --json */
	bool	 serverinfo_auth;	/* --serverinfo --auth */
	char	*queue_id;		/* --queue-delete ID */

	/* --dkim-keygen (its options are refused in any other mode) */
	char	*keygen_selector;	/* --selector */
	char	*keygen_domain;		/* --domain */
	char	*keygen_type;		/* --type rsa|ed25519 */
	char	*keygen_key_file;	/* --key-file */
	unsigned int keygen_bits;	/* --bits; 0: not given */

	/* compose mode: true when any compose option was given */
	bool	 compose;
	char	*subject;		/* -s, --subject */
	struct mime_attach *attach;	/* -a, --attach */
	size_t	 nattach;
	struct strlist cc;		/* --cc */
	struct strlist bcc;		/* --bcc */
	char	*compose_from;		/* --from */
	struct strlist headers;		/* --header 'Name: value' */
	char	*body_file;		/* --body FILE|- */
	char	*html_file;		/* --html FILE */

	/* recipients: each argument is an address list, as given */
	struct strlist rcpt_args;
};

/* Parse argv.  On success cli is filled (strings are copies the caller
 * frees with cli_free).  --help and --version set the mode; the caller
 * prints cli_usage / the version. */
int	cli_parse(struct cli *cli, int argc, char **argv, struct err *e);
void	cli_free(struct cli *cli);

/* The compose request of cli's options, for mime_compose (it borrows
 * cli's strings and lists: cli must outlive it). */
void	cli_mime_opts(const struct cli *cli, struct mime_opts *opt);

/* The --help text. */
const char *cli_usage(void);

#endif
