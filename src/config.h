/*
 * config.h — the msmtprc-compatible configuration file.
 *
 * Syntax (msmtp's): one "key value" per line, '#' comments, blank lines;
 * "defaults" starts the block whose keys every later account inherits;
 * "account NAME [: PARENT[,PARENT...]]" starts an account, inheriting the
 * defaults and then each parent in order; "account default : NAME" makes
 * NAME the default.  A value may be quoted with "..." (backslash escapes \" and \\).
 * "on"/"off" booleans.  "eval CMD" runs CMD (runcmd.h, bounded by the
 * block's timeout) and reads the first line it prints in place of its own.
 * msmtp's keys that only tune msmtp itself are accepted and ignored (an
 * msmtp file must work unchanged); one that would change where or how mail
 * goes and that postie cannot honour is an error naming it, as is a key
 * unknown to both (EX_CONFIG, with file and line).
 *
 * Search order (config_load with path == NULL): $XDG_CONFIG_HOME/postie/config
 * (~/.config when unset), ~/.postierc, ~/.msmtprc, $XDG_CONFIG_HOME/msmtp/config,
 * /etc/postie.conf (SYSCONFDIR), /etc/msmtprc.  The first that can be read
 * is used; a candidate that cannot be opened (EACCES, ELOOP, EISDIR, ENOENT,
 * ...) or is not a regular file is not there (cfg->skipped says why), as
 * cron and sudo run the mailer as a user with HOME=/root.  Only a file named
 * by -C that cannot be read is an error.  The first readable system file
 * (the last three) is read first: "user_config off" in it (in its defaults
 * or any account) makes the per-user files (the first four) ignored.
 * When no system file can be read, sysmode_users_off() stands for it:
 * the system mode's account publishes its file's user_config.
 * None at all is fine: the embedded default (MX delivery) applies.
 *
 * A file that holds a "password" key must not be readable by group or others
 * (EX_CONFIG).
 */
#ifndef POSTIE_CONFIG_H
#define POSTIE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "util.h"
#include "sasl.h"

enum tristate { TRI_AUTO = 0, TRI_ON, TRI_OFF };

enum mx_tls { MX_TLS_OPPORTUNISTIC = 0, MX_TLS_REQUIRED, MX_TLS_DANE };

/* One account, defaults and parents already merged in.  Strings are owned
 * by the struct config that holds the account; NULL means "not set". */
struct account {
	char	*name;			/* "default" for the embedded default */
	char	*file;			/* file it came from, NULL if embedded */
	int	 line;			/* line of its "account" line */

	char	*host;			/* NULL: direct MX delivery */
	int	 port;			/* 0: 25 (MX), 465 (tls + !starttls), else 587 */
	char	*from;			/* envelope sender; may hold msmtp wildcards
					 * (%U, %H, %C, %M are already expanded) */
	char	*from_template;		/* from as written when it holds a
					 * %-sequence, else NULL (config_from_for) */
	char	*domain;		/* EHLO name and qualification domain */
	char	*from_full_name;	/* name of an added From; -F overrides */

	enum auth_method auth;
	char	*user;
	char	*password;
	char	*passwordeval;		/* command; first line of its output */

	bool	 tls;			/* default on in smarthost mode */
	bool	 tls_starttls;		/* default on */
	char	*tls_trust_file;	/* "system" or NULL = system store */
	char	*tls_crl_file;		/* PEM revocation lists; NULL: none */
	char	*tls_fingerprint;	/* SHA-256 "AB:CD:...", upper case */
	char	*tls_cert_file;
	char	*tls_key_file;
	bool	 tls_certcheck;		/* default on */
	char	*tls_min_version;	/* "1.2" (default) or "1.3" */
	char	*tls_host_override;
	char	*tls_priorities;	/* GnuTLS priority string; NULL: postie's */

	char	*dsn_notify;		/* "NEVER" or e.g. "SUCCESS,DELAY"; NULL off */
	char	*dsn_return;		/* "FULL" or "HDRS"; NULL off */
	char	*aliases;		/* aliases file path */
	char	*logfile;
	char	*syslog;		/* NULL off; "on" (LOG_MAIL) or "LOG_LOCAL0"... */
	int	 timeout;		/* seconds; 0 = RFC 5321 defaults */

	enum tristate set_from_header;	/* auto: add From when missing */
	bool	 set_date_header;	/* default on (add when missing) */
	bool	 set_msgid_header;	/* default on (add when missing) */
	bool	 remove_bcc_headers;	/* always on: off is refused */
	bool	 undisclosed_recipients;/* default off */
	bool	 allow_from_override;	/* default on */
	char	*source_ip;
	char	*proxy_host;		/* SOCKS5 proxy; NULL: none */
	int	 proxy_port;		/* 0: 1080 */
	char	*socket;		/* Unix-domain socket: overrides host,
					 * port and proxy (host then only names
					 * the server: "localhost" when unset) */

	bool	 queue;			/* default on */
	char	*queue_dir;		/* NULL: per-user default */
	long	 queue_lifetime;	/* seconds; default 5 days */
	enum mx_tls mx_tls;
	int	 mx_parallel;		/* domains delivered at once (20) */
	long long max_size;		/* bytes; 0 = no limit */

	bool	 notify_failure;	/* default on: failure notices */
	long	 notify_delay;		/* seconds; 0 = no delay notices */
	char	*notify_from;		/* notices' sender and From, or NULL */
	int	 notify_limit;		/* notices per sender per hour (10) */
	char	*notify_command;	/* run for each event, or NULL */
	char	*metrics_file;		/* Prometheus text file, or NULL */
	char	*dkim_key;		/* "FILE[,FILE]" (~ expanded); NULL: no DKIM */
	char	*dkim_selector;		/* "NAME[,NAME]", one per key */
	char	*dkim_domain;		/* NULL: each message's From domain */
	char	*dkim_headers;		/* NULL: dkim.h's default list */
	char	*fallback_accounts;	/* names, blank- or comma-separated */
	long	 host_down_time;	/* seconds a dead relay is skipped */
	/* OAuth 2.0 (oauth2.h): NULL means not set; oauth2_provider
	 * ("google", "microsoft") supplies the URLs and scope left unset. */
	char	*oauth2_provider;
	char	*oauth2_token_url;
	char	*oauth2_device_url;	/* RFC 8628 device authorization */
	char	*oauth2_auth_url;	/* authorization endpoint (loopback) */
	char	*oauth2_client_id;
	char	*oauth2_client_secret;
	char	*oauth2_client_secret_eval;
	char	*oauth2_scope;
	char	*oauth2_refresh_token;	/* the first one; the state file wins */
	char	*oauth2_refresh_token_eval;
	char	*oauth2_trust_file;	/* CA file for the endpoints */
	bool	 user_config;		/* default on; off in the system file:
					 * per-user files are ignored */

	bool	 tls_set;		/* "tls" given explicitly (or inherited) */
};

struct config {
	char		*path;		/* file loaded, NULL if none */
	struct account	*accounts;	/* in file order */
	size_t		 naccounts;
	char		*default_name;	/* from "account default : NAME" */
	/* The embedded default (name "default", host NULL: MX delivery), with
	 * the file's "defaults" applied; config_select's last resort. */
	struct account	 embedded;
	/* Candidates of the search order that exist but could not be read,
	 * one "PATH: reason" line each, or NULL; -v prints them. */
	char		*skipped;
	/* msmtp's SMTPSERVER and EMAIL: the embedded default with host and
	 * from taken from them (see config_select; else unused, zero). */
	struct account	 from_env;
	bool		 has_env;
};

/* Load the configuration.  path is -C's argument or NULL for the search
 * order above; "/dev/null" means no configuration (the embedded default,
 * no other file read).  On success the caller frees it with config_free. */
int	config_load(struct config *cfg, const char *path, struct err *e);

/* Parse a configuration held in memory (len bytes, may hold NUL, which is an
 * error).  name is used in messages.  Does no permission check and runs no
 * command: "eval" is an error here (config_load runs it).  Used by the unit
 * tests and the fuzz target. */
int	config_parse(struct config *cfg, const char *text, size_t len,
	    const char *name, struct err *e);

/* Choose the account: by name when name != NULL (error if absent); else
 * the account whose from matches envelope_from (msmtp's wildcards) when
 * envelope_from != NULL; else "default"'s target; else, as msmtp, the
 * SMTPSERVER/EMAIL account when SMTPSERVER is set, or EMAIL is and the
 * file has no account; else the first account; else the embedded
 * default.  The result is valid while cfg
 * lives.  config_parse and config_load read SMTPSERVER (a plain host name)
 * and EMAIL (a plain address) and refuse other values (EX_CONFIG). */
const struct account *config_select(const struct config *cfg,
	    const char *name, const char *envelope_from, struct err *e);

/* The account's password: password, else passwordeval's first line (run
 * within the account's timeout, runcmd.h), else ~/.netrc for host/user;
 * NULL when there is none.  Caller frees.  EX_CONFIG, naming the account
 * and its file, when there is none although a user is set and the auth
 * method needs one; EX_CONFIG when passwordeval fails, EX_TEMPFAIL when
 * it does not finish in time.  An OAuth 2.0 account (config_oauth2)
 * has none: NULL. */
int	config_password(const struct account *a, char **password, struct err *e);

/* "account work (/root/.config/postie/config)", or "account default
 * (built in)": which configuration is in use, for messages (as
 * msmtp's "account default from FILE").  Writes at most len bytes to buf
 * and returns buf. */
const char *config_account_label(const struct account *a, char *buf,
	    size_t len);

/* The names of a list value such as fallback_accounts (separated by
 * blanks or commas) appended to out. */
void	config_split_names(const char *list, struct strlist *out);

/* Run cmd (the value of the key called key, named in errors) through
 * /bin/sh with stdin from /dev/null and take the first line of its output
 * (without CR LF), bounded by RUNCMD_DEFAULT_TIMEOUT_MS (runcmd.h); a
 * non-zero exit is EX_CONFIG, a command out of time EX_TEMPFAIL.  *out is
 * newly allocated; the caller wipes and frees it. */
int	config_eval(const char *key, const char *cmd, char **out,
	    struct err *e);

/* Does the account use postie's own OAuth 2.0 (any oauth2_* key that names
 * an endpoint or a client: provider, token URL or client id)? */
bool	config_oauth2(const struct account *a);

/* --pretend: append to out where the account comes from ("# account
 * NAME from FILE:LINE", the embedded default, or SMTPSERVER/EMAIL) and
 * each of its settings as a "key value" line (unset ones as comments),
 * the password masked as "*". */
struct buf;
void	config_print(const struct config *cfg, const struct account *a,
	    struct buf *out);

void	config_free(struct config *cfg);

/* "user_config off" anywhere in cfg: its defaults or an account. */
bool	config_user_config_off(const struct config *cfg);

/* With verbose, print cfg->skipped to stderr, one "postie: ..." line each. */
void	config_report_skipped(const struct config *cfg, bool verbose);

/* a's from with %U naming login instead of the running user (the system
 * mode submits for a drop entry's user); the other sequences as in a->from.
 * NULL when a has no from.  The caller frees it. */
char	*config_from_for(const struct account *a, const char *login);

#endif
