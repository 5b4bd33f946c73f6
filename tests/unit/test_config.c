/* test_config.c — unit tests for src/config.c and src/netrc.c. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "netrc.h"
#include "util.h"

/* Parse text as "test.rc"; fails the test when parsing fails. */
static int
parse(struct config *cfg, const char *text, struct err *e)
{
	err_clear(e);
	return config_parse(cfg, text, strlen(text), "test.rc", e);
}

static const struct account *
account_named(const struct config *cfg, const char *name)
{
	struct err e;

	return config_select(cfg, name, NULL, &e);
}

/* A scratch directory used as $HOME; created once. */
static const char *
scratch_home(void)
{
	static char dir[64];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/postie-test-config.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	setenv("HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	return dir;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static const char msmtp_manual_example[] =
    "# Set default values for all following accounts.\n"
    "defaults\n"
    "auth on\n"
    "tls on\n"
    "tls_trust_file /etc/ssl/certs/ca-certificates.crt\n"
    "logfile ~/.msmtp.log\n"
    "\n"
    "# Gmail\n"
    "account gmail\n"
    "host smtp.gmail.com\n"
    "port 587\n"
    "from username@gmail.com\n"
    "user username\n"
    "password plain-text-password\n"
    "\n"
    "# A freemail service\n"
    "account freemail\n"
    "host smtp.freemail.example\n"
    "from joe_smith@freemail.example\n"
    "user joe.smith\n"
    "passwordeval gpg --no-tty -q -d ~/.msmtp-password.gpg\n"
    "tls_nocertcheck\n"
    "\n"
    "# Set a default account\n"
    "account default : gmail\n";

static void
msmtp_manual_example_defines_three_accounts(void)
{
	const char *home = scratch_home();
	struct config cfg;
	struct err e;
	const struct account *a;
	char *log = xasprintf("%s/.msmtp.log", home);

	CHECK_INT(parse(&cfg, msmtp_manual_example, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(cfg.naccounts, 3);
	CHECK_STR(cfg.default_name, "gmail");
	a = config_select(&cfg, NULL, NULL, &e);
	CHECK(a != NULL);
	CHECK_STR(a->name, "default");
	CHECK_STR(a->host, "smtp.gmail.com");
	CHECK_INT(a->port, 587);
	CHECK_STR(a->password, "plain-text-password");
	CHECK_INT(a->auth, AUTH_AUTO);
	CHECK_STR(a->logfile, log);
	CHECK_STR(a->tls_trust_file, "/etc/ssl/certs/ca-certificates.crt");
	CHECK_STR(a->file, "test.rc");
	CHECK_INT(a->line, 25);
	a = account_named(&cfg, "freemail");
	CHECK_STR(a->host, "smtp.freemail.example");
	CHECK_STR(a->passwordeval,
	    "gpg --no-tty -q -d ~/.msmtp-password.gpg");
	CHECK_INT(a->tls_certcheck, false);
	CHECK_INT(a->port, 0);
	CHECK_INT(account_named(&cfg, "gmail")->tls_certcheck, true);
	free(log);
	config_free(&cfg);
}

static void
inheritance_is_defaults_then_parents_in_order_then_own(void)
{
	struct config cfg;
	struct err e;
	const struct account *c;

	CHECK_INT(parse(&cfg,
	    "defaults\nport 25\nfrom d@example.com\ndomain d.example\n"
	    "account a\nport 26\nuser ua\n"
	    "account b\nhost hb.example\nuser ub\n"
	    "account c : a, b\nfrom c@example.com\n", &e), 0);
	c = account_named(&cfg, "c");
	CHECK_INT(c->port, 26);			/* from a; b did not set it */
	CHECK_STR(c->user, "ub");		/* b comes after a */
	CHECK_STR(c->host, "hb.example");
	CHECK_STR(c->from, "c@example.com");	/* its own key wins */
	CHECK_STR(c->domain, "d.example");	/* from defaults */
	config_free(&cfg);
}

static void
later_defaults_leave_earlier_accounts_alone(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(parse(&cfg,
	    "defaults\nport 1\naccount a\n"
	    "defaults\nport 2\nhost h.example\naccount b\n", &e), 0);
	CHECK_INT(account_named(&cfg, "a")->port, 1);
	CHECK_STR(account_named(&cfg, "a")->host, NULL);
	CHECK_INT(account_named(&cfg, "b")->port, 2);
	CHECK_STR(account_named(&cfg, "b")->host, "h.example");
	config_free(&cfg);
}

static void
child_takes_from_parent_only_what_parent_set(void)
{
	struct config cfg;
	struct err e;

	/* p's port came from the old defaults; c gets the current ones. */
	CHECK_INT(parse(&cfg, "defaults\nport 10\naccount p\nuser pu\n"
	    "defaults\nport 20\naccount c : p\n", &e), 0);
	CHECK_INT(account_named(&cfg, "c")->port, 20);
	CHECK_STR(account_named(&cfg, "c")->user, "pu");
	config_free(&cfg);
}

static void
quoted_values_keep_blanks_and_escapes(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;

	CHECK_INT(parse(&cfg, "account q\n"
	    "password \"  two words \\\" and \\\\ # \"\n"
	    "user  \"jane doe\"  \n"
	    "passwordeval pass show mail/x\n", &e), 0);
	a = account_named(&cfg, "q");
	CHECK_STR(a->password, "  two words \" and \\ # ");
	CHECK_STR(a->user, "jane doe");
	CHECK_STR(a->passwordeval, "pass show mail/x");
	config_free(&cfg);
}

struct bad_case {
	const char *text;
	const char *msg;
};

static void
bad_lines_are_config_errors_naming_file_and_line(void)
{
	static const struct bad_case cases[] = {
		{ "defaults\n\nbogus 1\n", "test.rc:3: unknown key \"bogus\"" },
		{ "account a\nport 0\n", "test.rc:2: port: \"0\" is not a "
		    "port number (1-65535)" },
		{ "account a\nport 65536\n", "test.rc:2: port: \"65536\" is "
		    "not a port number (1-65535)" },
		{ "account a\nport 25x\n", "test.rc:2: port: \"25x\" is not a "
		    "port number (1-65535)" },
		{ "host h\n", "test.rc:1: host comes before the first "
		    "\"defaults\" or \"account\" line" },
		{ "account a\ntls yes\n", "test.rc:2: tls: \"yes\" is not on "
		    "or off" },
		{ "account a\nhost\n", "test.rc:2: host needs a value" },
		{ "account a\nuser \"x\n", "test.rc:2: user: unterminated "
		    "quote" },
		{ "account a\naccount a\n", "test.rc:2: account a is defined "
		    "twice" },
		{ "account b : nope\n", "test.rc:1: account b: parent account "
		    "\"nope\" is not defined before it" },
		{ "account a\nqueue_lifetime 5x\n", "test.rc:2: "
		    "queue_lifetime: \"5x\" is not a duration (N, Ns, Nm, Nh "
		    "or Nd)" },
		{ "account a\nprotocol lmtp\n", "test.rc:2: protocol: \"lmtp\" "
		    "is not supported (postie speaks smtp only)" },
		{ "account a\nauth digest-md5\n", NULL },
		{ "account a\ntls_sha1_fingerprint AB:CD\n", NULL },
		{ "account a\nmx_tls maybe\n", NULL },
		{ "account a\nmx_parallel 0\n", NULL },
		{ "account a\nmx_parallel 201\n", NULL },
		{ "account a\nmx_parallel many\n", NULL },
		{ "account a\nsource_ip example.com\n", NULL },
		{ "account a\ntimeout soon\n", NULL },
		/* in ms, 30 days overflow the int that conn.c and smtp.c
		 * wait with */
		{ "account a\ntimeout 30d\n", "test.rc:2: timeout: \"30d\" is "
		    "not off or a number of seconds (at most 24 days)" },
		{ "account a\nmax_size 10T\n", NULL },
		{ "account a\nsyslog LOG_KERN\n", NULL },
		{ "account a\ndsn_notify sometimes\n", NULL },
		{ "defaults something\n", NULL },
		/* keys postie cannot honour are refused, not ignored */
		{ "account a\nkeepbcc on\n", "test.rc:2: keepbcc: postie "
		    "always removes Bcc headers from what it sends; remove "
		    "this line" },
		{ "account a\nremove_bcc_headers off\n", "test.rc:2: "
		    "remove_bcc_headers: postie always removes Bcc headers "
		    "from what it sends; remove this line" },
		{ "account a\ntls_force_sslv3\n", "test.rc:2: "
		    "tls_force_sslv3: SSLv3 is never used (TLS 1.2 is the "
		    "minimum)" },
		{ "account a\ntls_min_dh_prime_bits 512\n", "test.rc:2: "
		    "tls_min_dh_prime_bits: not supported; tls_priorities "
		    "sets the key exchange (e.g. %PROFILE_MEDIUM)" },
		{ "account a\nproxy_port 0\n", "test.rc:2: proxy_port: \"0\" "
		    "is not a port number (1-65535)" },
		{ "account a\ntls_priorities NORMAL:+BOGUS\n", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		struct err e;

		if (parse(&cfg, cases[i].text, &e) == 0) {
			fprintf(stderr, "  case %zu parsed: %s", i,
			    cases[i].text);
			check_failures++;
			config_free(&cfg);
			continue;
		}
		CHECK_INT(e.ex, EX_CONFIG);
		if (cases[i].msg != NULL)
			CHECK_STR(e.msg, cases[i].msg);
		else
			CHECK(strncmp(e.msg, "test.rc:", 8) == 0);
		CHECK_INT(cfg.naccounts, 0);
		config_free(&cfg);
	}
}

static void
nul_byte_is_an_error(void)
{
	struct config cfg;
	struct err e;

	err_clear(&e);
	CHECK_INT(config_parse(&cfg, "account a\nhost x\0y\n", 18, "n.rc", &e),
	    -1);
	CHECK_STR(e.msg, "n.rc:2: NUL byte in line");
}

static void
unset_keys_take_postie_defaults(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;

	CHECK_INT(parse(&cfg, "account a\nhost smtp.example\n", &e), 0);
	a = account_named(&cfg, "a");
	CHECK_INT(a->port, 0);
	CHECK_INT(a->auth, AUTH_OFF);
	CHECK_INT(a->tls, true);
	CHECK_INT(a->tls_set, false);
	CHECK_INT(a->tls_starttls, true);
	CHECK_INT(a->tls_certcheck, true);
	CHECK_INT(a->queue, true);
	CHECK_INT(a->set_from_header, TRI_AUTO);
	CHECK_INT(a->set_date_header, true);
	CHECK_INT(a->set_msgid_header, true);
	CHECK_INT(a->remove_bcc_headers, true);
	CHECK_INT(a->undisclosed_recipients, false);
	CHECK_INT(a->allow_from_override, true);
	CHECK_INT(a->queue_lifetime, 5 * 86400);
	CHECK_INT(a->mx_tls, MX_TLS_OPPORTUNISTIC);
	CHECK_INT(a->mx_parallel, 20);
	CHECK_INT(a->timeout, 0);
	CHECK_INT(a->max_size, 0);
	CHECK_STR(a->syslog, NULL);
	config_free(&cfg);
}

static void
key_alone_means_on_for_switches(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;

	CHECK_INT(parse(&cfg, "defaults\ntls off\ntls_starttls off\nauth off\n"
	    "account a\ntls\ntls_starttls\nauth\nsyslog\nqueue off\n", &e), 0);
	a = account_named(&cfg, "a");
	CHECK_INT(a->tls, true);
	CHECK_INT(a->tls_set, true);
	CHECK_INT(a->tls_starttls, true);
	CHECK_INT(a->auth, AUTH_AUTO);
	CHECK_STR(a->syslog, "on");
	CHECK_INT(a->queue, false);
	config_free(&cfg);
}

struct value_case {
	const char *line;
	long long (*get)(const struct account *);
	long long want;
};

static long long get_lifetime(const struct account *a)
{ return a->queue_lifetime; }
static long long get_timeout(const struct account *a) { return a->timeout; }
static long long get_max_size(const struct account *a) { return a->max_size; }
static long long get_auth(const struct account *a) { return a->auth; }
static long long get_mx_tls(const struct account *a) { return a->mx_tls; }
static long long get_mx_parallel(const struct account *a) { return a->mx_parallel; }
static long long get_from_hdr(const struct account *a)
{ return a->set_from_header; }
static long long get_date_hdr(const struct account *a)
{ return a->set_date_header; }
static long long get_bcc(const struct account *a)
{ return a->remove_bcc_headers; }
static long long get_proxy_port(const struct account *a)
{ return a->proxy_port; }

static void
values_parse_to_their_meaning(void)
{
	static const struct value_case cases[] = {
		{ "queue_lifetime 90", get_lifetime, 90 },
		{ "queue_lifetime 90s", get_lifetime, 90 },
		{ "queue_lifetime 10m", get_lifetime, 600 },
		{ "queue_lifetime 2h", get_lifetime, 7200 },
		{ "queue_lifetime 3d", get_lifetime, 3 * 86400 },
		{ "timeout off", get_timeout, 0 },
		{ "timeout 30", get_timeout, 30 },
		{ "timeout 0", get_timeout, 0 },
		{ "timeout 2m", get_timeout, 120 },
		{ "timeout 24d", get_timeout, 24 * 86400 },
		{ "max_size 1000", get_max_size, 1000 },
		{ "max_size 1k", get_max_size, 1024 },
		{ "max_size 10M", get_max_size, 10LL << 20 },
		{ "max_size 2G", get_max_size, 2LL << 30 },
		{ "auth plain", get_auth, AUTH_PLAIN },
		{ "auth LOGIN", get_auth, AUTH_LOGIN },
		{ "auth scram-sha-256", get_auth, AUTH_SCRAM_SHA_256 },
		{ "auth xoauth2", get_auth, AUTH_XOAUTH2 },
		{ "auth external", get_auth, AUTH_EXTERNAL },
		{ "auth off", get_auth, AUTH_OFF },
		{ "mx_tls required", get_mx_tls, MX_TLS_REQUIRED },
		{ "mx_parallel 1", get_mx_parallel, 1 },
		{ "mx_parallel 200", get_mx_parallel, 200 },
		{ "set_from_header on", get_from_hdr, TRI_ON },
		{ "set_from_header off", get_from_hdr, TRI_OFF },
		{ "add_missing_from_header on", get_from_hdr, TRI_AUTO },
		{ "set_date_header off", get_date_hdr, false },
		{ "add_missing_date_header off", get_date_hdr, false },
		{ "set_date_header auto", get_date_hdr, true },
		{ "keepbcc off", get_bcc, true },
		{ "remove_bcc_headers on", get_bcc, true },
		{ "proxy_port 9050", get_proxy_port, 9050 },
		{ "proxy_port", get_proxy_port, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		struct err e;
		char *text = xasprintf("account a\n%s\n", cases[i].line);

		if (parse(&cfg, text, &e) != 0) {
			fprintf(stderr, "  %s: %s\n", cases[i].line, e.msg);
			check_failures++;
		} else if (cases[i].get(account_named(&cfg, "a")) != cases[i].want) {
			fprintf(stderr, "  %s: got %lld, want %lld\n",
			    cases[i].line, cases[i].get(account_named(&cfg, "a")),
			    cases[i].want);
			check_failures++;
		}
		free(text);
		config_free(&cfg);
	}
}

static void
strings_are_normalised_for_their_users(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;

	CHECK_INT(parse(&cfg, "account a\n"
	    "tls_fingerprint 00112233445566778899aabbccddeeff"
	    "00112233445566778899AABBCCDDEEFF\n"
	    "dsn_notify failure,Delay\ndsn_return headers\n"
	    "syslog local3\ntls_min_version TLSv1.3\n"
	    "source_ip 2001:db8::1\n"
	    "tls_priorities NORMAL\nproxy_host p\n", &e), 0);
	CHECK_STR(e.msg, "");
	a = account_named(&cfg, "a");
	CHECK_STR(a->tls_fingerprint, "00:11:22:33:44:55:66:77:88:99:AA:BB:"
	    "CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
	CHECK_STR(a->dsn_notify, "FAILURE,DELAY");
	CHECK_STR(a->dsn_return, "HDRS");
	CHECK_STR(a->syslog, "LOG_LOCAL3");
	CHECK_STR(a->tls_min_version, "1.3");
	CHECK_STR(a->source_ip, "2001:db8::1");
	config_free(&cfg);
}

/* The dkim_* keys: inherited from defaults; each key file's "~" expanded;
 * an empty file name in the list refused. */
static void
dkim_keys_inherit_and_expand_each_file(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;
	const char *want;

	CHECK_INT(parse(&cfg, "defaults\ndkim_selector rsa, ed\n"
	    "dkim_domain example.com\naccount a\n"
	    "dkim_key ~/rsa.pem , /etc/ed.pem\n"
	    "dkim_headers from:subject\n", &e), 0);
	CHECK_STR(e.msg, "");
	a = account_named(&cfg, "a");
	want = "/rsa.pem,/etc/ed.pem";
	CHECK(a->dkim_key != NULL && a->dkim_key[0] == '/' &&
	    strlen(a->dkim_key) > strlen(want) && strcmp(a->dkim_key +
	    strlen(a->dkim_key) - strlen(want), want) == 0);
	CHECK_STR(a->dkim_selector, "rsa, ed");
	CHECK_STR(a->dkim_domain, "example.com");
	CHECK_STR(a->dkim_headers, "from:subject");
	config_free(&cfg);
	CHECK_INT(parse(&cfg, "account a\ndkim_key a.pem,,b.pem\n", &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK(strstr(e.msg, "dkim_key") != NULL);
	config_free(&cfg);
}

/* What an msmtp file may hold that asks for nothing postie would have to
 * honour: accepted (postie.conf(5) lists each). */
static void
msmtp_keys_that_ask_nothing_are_accepted(void)
{
	static const char *const lines[] = {
		"tls_crl_file", "tls_force_sslv3 off", "tls_min_dh_prime_bits",
		"logfile_time_format %c", "ntlmdomain EXAMPLE", "proxy_host",
		"remove_bcc_headers", "keepbcc off", "mx_tls opportunistic",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct config cfg;
		struct err e;
		char *text = xasprintf("account a\n%s\n", lines[i]);

		err_clear(&e);
		if (parse(&cfg, text, &e) != 0) {
			fprintf(stderr, "  %s: %s\n", lines[i], e.msg);
			check_failures++;
		} else
			config_free(&cfg);
		free(text);
	}
}

static void
sha1_fingerprint_is_refused(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(parse(&cfg, "account a\ntls_fingerprint "
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\n",
	    &e), -1);
	CHECK_STR(e.msg, "test.rc:2: tls_fingerprint: only SHA-256 "
	    "fingerprints (32 bytes) are supported, not 20 bytes (SHA-1 and "
	    "MD5 pins are too weak)");
}

static void
paths_expand_tilde_slash(void)
{
	const char *home = scratch_home();
	struct config cfg;
	struct err e;
	char *want = xasprintf("%s/.aliases", home);

	CHECK_INT(parse(&cfg, "account a\naliases ~/.aliases\n"
	    "queue_dir /var/q\ntls_cert_file ~other/x\n", &e), 0);
	CHECK_STR(account_named(&cfg, "a")->aliases, want);
	CHECK_STR(account_named(&cfg, "a")->queue_dir, "/var/q");
	CHECK_STR(account_named(&cfg, "a")->tls_cert_file, "~other/x");
	free(want);
	config_free(&cfg);
}

static void
auto_from_with_maildomain_makes_user_at_domain(void)
{
	struct config cfg;
	struct err e;
	struct passwd *pw = getpwuid(geteuid());
	char *want = xasprintf("%s@example.org", pw ? pw->pw_name : "?");

	CHECK_INT(parse(&cfg, "account a\nauto_from on\n"
	    "maildomain example.org\n", &e), 0);
	CHECK_STR(account_named(&cfg, "a")->from, want);
	free(want);
	config_free(&cfg);
}

/* msmtp's from placeholders, expanded once, when the file is read: %U
 * the login name (as the default sender uses), %C the canonical host
 * name, %% one percent sign that is not expanded again. */
static void
from_placeholders_expand_once(void)
{
	struct config cfg;
	struct err e;
	char *want = xasprintf("%s+%%U@%s", login_name(), host_fqdn());

	CHECK_INT(parse(&cfg, "account a\nfrom %U+%%U@%C\n", &e), 0);
	CHECK_STR(account_named(&cfg, "a")->from, want);
	free(want);
	config_free(&cfg);
}

static void
user_without_auth_line_turns_auth_on(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(parse(&cfg, "account a\nuser u\naccount b\nuser u\n"
	    "auth off\n", &e), 0);
	CHECK_INT(account_named(&cfg, "a")->auth, AUTH_AUTO);
	CHECK_INT(account_named(&cfg, "b")->auth, AUTH_OFF);
	config_free(&cfg);
}

static void
oauth2_keys_are_inherited_and_turn_auth_on(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;

#ifndef HAVE_OAUTH2
	/* Built without libcurl and jansson: refused by name. */
	CHECK_INT(parse(&cfg, "account a\noauth2_provider google\n", &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK(strstr(e.msg, "oauth2_provider") != NULL);
	return;
#endif
	CHECK_INT(parse(&cfg, "defaults\noauth2_provider microsoft\n"
	    "account a\noauth2_client_id cid\n"
	    "oauth2_token_url https://login.example/token\n"
	    "oauth2_scope \"s1 s2\"\noauth2_refresh_token rt\n"
	    "account b : a\nauth xoauth2\n", &e), 0);
	a = account_named(&cfg, "a");
	CHECK_STR(a->oauth2_provider, "microsoft");
	CHECK_STR(a->oauth2_client_id, "cid");
	CHECK_STR(a->oauth2_token_url, "https://login.example/token");
	CHECK_STR(a->oauth2_scope, "s1 s2");
	CHECK_STR(a->oauth2_refresh_token, "rt");
	CHECK_INT(a->auth, AUTH_AUTO);
	CHECK_INT(config_oauth2(a), true);
	CHECK_STR(account_named(&cfg, "b")->oauth2_client_id, "cid");
	CHECK_INT(account_named(&cfg, "b")->auth, AUTH_XOAUTH2);
	config_free(&cfg);
}

static void
oauth2_bad_values_name_the_key(void)
{
	static const char *const bad[] = {
		"account a\noauth2_provider yahoo\n",
		"account a\noauth2_token_url http://x.example/token\n",
		"account a\noauth2_device_url ftp://x.example/\n",
		"account a\noauth2_auth_url \"https://x.example/a b\"\n",
	};
	struct config cfg;
	struct err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse(&cfg, bad[i], &e), -1);
		CHECK_INT(e.ex, EX_CONFIG);
		CHECK(strstr(e.msg, "oauth2_") != NULL);
	}
}

static void
empty_file_selects_embedded_default(void)
{
	struct config cfg;
	struct err e;
	const struct account *a;

	CHECK_INT(parse(&cfg, "# nothing\n", &e), 0);
	CHECK_INT(cfg.naccounts, 0);
	a = config_select(&cfg, NULL, "root@example.com", &e);
	CHECK(a != NULL);
	CHECK_STR(a->name, "default");
	CHECK_STR(a->host, NULL);
	CHECK_INT(a->port, 0);
	CHECK_STR(a->file, NULL);
	CHECK(config_select(&cfg, "default", NULL, &e) == a);
	config_free(&cfg);
}

static void
defaults_only_file_shapes_embedded_default(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(parse(&cfg, "defaults\nqueue_dir /srv/q\nmx_tls required\n",
	    &e), 0);
	CHECK_STR(config_select(&cfg, NULL, NULL, &e)->queue_dir, "/srv/q");
	CHECK_INT(config_select(&cfg, NULL, NULL, &e)->mx_tls,
	    MX_TLS_REQUIRED);
	config_free(&cfg);
}

static const char selection_rc[] =
    "account work\nfrom jane@Example.COM\nhost w.example\n"
    "account plus\nfrom jane+*@example.com\nhost p.example\n"
    "account other\nfrom *@example.org\nhost o.example\n"
    "account default : work\n";

struct select_case {
	const char *name;
	const char *from;
	const char *want;	/* account name, NULL = error */
};

static void
selection_by_name_then_from_then_default(void)
{
	static const struct select_case cases[] = {
		{ "plus", NULL, "plus" },
		{ "plus", "x@example.org", "plus" },	/* name wins */
		{ "nosuch", NULL, NULL },
		{ NULL, "JANE@example.com", "work" },
		{ NULL, "jane+lists@example.com", "plus" },
		{ NULL, "bob@EXAMPLE.org", "other" },
		{ NULL, "bob@example.net", "default" },
		{ NULL, NULL, "default" },
		{ "default", NULL, "default" },
	};
	struct config cfg;
	struct err e;

	CHECK_INT(parse(&cfg, selection_rc, &e), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct account *a;

		err_clear(&e);
		a = config_select(&cfg, cases[i].name, cases[i].from, &e);
		CHECK_STR(a ? a->name : NULL, cases[i].want);
		if (a == NULL)
			CHECK_INT(e.ex, EX_CONFIG);
	}
	CHECK_STR(config_select(&cfg, NULL, NULL, &e)->host, "w.example");
	config_free(&cfg);
}

static void
selection_falls_back_to_first_account(void)
{
	struct config cfg;
	struct err e;

	CHECK_INT(parse(&cfg, "account one\nhost 1.example\n"
	    "account two\nhost 2.example\n", &e), 0);
	CHECK_STR(config_select(&cfg, NULL, "x@y.example", &e)->name, "one");
	config_free(&cfg);
}

static void
password_file_must_not_be_readable_by_others(void)
{
	const char *home = scratch_home();
	char *path = xasprintf("%s/pw.rc", home);
	struct config cfg;
	struct err e;
	char *want;

	write_file(path, "account a\nhost h\npassword secret\n", 0644);
	err_clear(&e);
	CHECK_INT(config_load(&cfg, path, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	want = xasprintf("%s: contains a password but is readable by its "
	    "group and others (mode 644); chmod 600 %s", path, path);
	CHECK_STR(e.msg, want);
	free(want);

	chmod(path, 0600);
	err_clear(&e);
	CHECK_INT(config_load(&cfg, path, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(cfg.path, path);
	CHECK_STR(config_select(&cfg, NULL, NULL, &e)->password, "secret");
	config_free(&cfg);

	/* No password, no rule. */
	write_file(path, "account a\nhost h\npasswordeval echo x\n", 0644);
	CHECK_INT(config_load(&cfg, path, &e), 0);
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void
config_can_come_from_a_pipe(void)
{
	struct config cfg;
	struct err e;
	int fds[2];
	char *path;

	CHECK_INT(pipe(fds), 0);
	CHECK_INT(write(fds[1], "account p\nhost pipe.example\n", 28), 28);
	close(fds[1]);
	path = xasprintf("/dev/fd/%d", fds[0]);
	err_clear(&e);
	CHECK_INT(config_load(&cfg, path, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(config_select(&cfg, NULL, NULL, &e)->host, "pipe.example");
	config_free(&cfg);
	close(fds[0]);
	free(path);
}

static void
missing_dash_c_file_is_config_error(void)
{
	struct config cfg;
	struct err e;

	err_clear(&e);
	CHECK_INT(config_load(&cfg, "/nonexistent/postie.rc", &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK_STR(e.msg, "/nonexistent/postie.rc: no such file");
}

static void
search_order_prefers_postie_files_over_msmtprc(void)
{
	const char *home = scratch_home();
	char *msmtprc = xasprintf("%s/.msmtprc", home);
	char *postierc = xasprintf("%s/.postierc", home);
	char *xdgdir = xasprintf("%s/.config/postie", home);
	char *xdg = xasprintf("%s/config", xdgdir);
	char *cfgdir = xasprintf("%s/.config", home);
	struct config cfg;
	struct err e;

	write_file(msmtprc, "account m\nhost m.example\n", 0600);
	CHECK_INT(config_load(&cfg, NULL, &e), 0);
	CHECK_STR(cfg.path, msmtprc);
	config_free(&cfg);

	write_file(postierc, "account p\nhost p.example\n", 0600);
	CHECK_INT(config_load(&cfg, NULL, &e), 0);
	CHECK_STR(cfg.path, postierc);
	config_free(&cfg);

	mkdir(cfgdir, 0700);
	mkdir(xdgdir, 0700);
	write_file(xdg, "account x\nhost x.example\n", 0600);
	CHECK_INT(config_load(&cfg, NULL, &e), 0);
	CHECK_STR(cfg.path, xdg);
	CHECK_STR(config_select(&cfg, NULL, NULL, &e)->host, "x.example");
	config_free(&cfg);

	unlink(xdg);
	rmdir(xdgdir);
	rmdir(cfgdir);
	unlink(postierc);
	unlink(msmtprc);
	free(msmtprc);
	free(postierc);
	free(xdgdir);
	free(xdg);
	free(cfgdir);
}

static void
passwordeval_takes_first_line_of_output(void)
{
	struct account a;
	struct err e;
	char *pw = NULL;

	memset(&a, 0, sizeof(a));
	a.passwordeval = "echo s3cret";
	CHECK_INT(config_password(&a, &pw, &e), 0);
	CHECK_STR(pw, "s3cret");
	free(pw);

	a.passwordeval = "printf 'first\\r\\nsecond\\n'";
	CHECK_INT(config_password(&a, &pw, &e), 0);
	CHECK_STR(pw, "first");
	free(pw);

	/* Read to the end (no SIGPIPE), but a 100 kB "password" is refused. */
	a.passwordeval = "head -c 100000 /dev/zero | tr '\\0' x; echo";
	CHECK_INT(config_password(&a, &pw, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK_STR(pw, NULL);

	a.passwordeval = "echo nope; exit 3";
	err_clear(&e);
	pw = NULL;
	CHECK_INT(config_password(&a, &pw, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK_STR(e.msg, "passwordeval \"echo nope; exit 3\" exited with "
	    "status 3");
	CHECK_STR(pw, NULL);

	a.password = "direct";		/* password comes first */
	CHECK_INT(config_password(&a, &pw, &e), 0);
	CHECK_STR(pw, "direct");
	free(pw);
}

/* A command that hangs, with a child of its own, is killed at the
 * account's timeout: config_password does not wait for the child. */
static void
passwordeval_is_bounded_by_the_timeout(void)
{
	struct account a;
	struct err e;
	char *pw = NULL;
	long long t0;

	memset(&a, 0, sizeof(a));
	a.timeout = 1;
	a.passwordeval = "sleep 20 & wait";
	err_clear(&e);
	t0 = now_ms();
	CHECK_INT(config_password(&a, &pw, &e), -1);
	CHECK(now_ms() - t0 < 5000);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK_STR(e.msg, "passwordeval \"sleep 20 & wait\" did not finish "
	    "within 1 s; it was killed");
	CHECK_STR(pw, NULL);
}

/* config_parse (unit tests, the fuzz target) never runs a command. */
static void
eval_runs_only_when_a_file_is_loaded(void)
{
	struct config cfg;
	struct err e;

	err_clear(&e);
	CHECK_INT(parse(&cfg, "account a\neval echo host h\n", &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK_STR(e.msg, "test.rc:2: eval: commands are only run for a "
	    "configuration file");
}

static const char netrc_text[] =
    "machine ftp.example login anon password ftppw\n"
    "macdef init\n"
    "cd /pub\n"
    "machine bogus password inside-macro\n"
    "\n"
    "machine SMTP.example.com\n"
    "  login jane\n"
    "  password \"pass with spaces\"\n"
    "machine smtp.example.com login bob password bobpw account x\n"
    "default login guest password guestpw\n";

struct netrc_case {
	const char *host;
	const char *user;
	const char *want;
	const char *want_login;
};

static void
netrc_matches_host_and_user(void)
{
	static const struct netrc_case cases[] = {
		{ "smtp.example.com", "jane", "pass with spaces", NULL },
		{ "smtp.example.com", "bob", "bobpw", NULL },
		{ "smtp.example.com", NULL, "pass with spaces", "jane" },
		{ "ftp.example", "anon", "ftppw", NULL },
		{ "bogus", NULL, "guestpw", "guest" },	/* macro skipped */
		{ "other.example", NULL, "guestpw", "guest" },
		{ "other.example", "guest", "guestpw", NULL },
		{ "smtp.example.com", "carol", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *login = NULL;
		char *pw = netrc_lookup(netrc_text, strlen(netrc_text),
		    cases[i].host, cases[i].user, &login);

		CHECK_STR(pw, cases[i].want);
		CHECK_STR(login, cases[i].want_login);
		free(pw);
		free(login);
	}
	CHECK_STR(netrc_lookup("machine a", 9, "a", NULL, NULL), NULL);
	CHECK_STR(netrc_lookup("", 0, "a", NULL, NULL), NULL);
}

static void
config_password_falls_back_to_home_netrc(void)
{
	const char *home = scratch_home();
	char *path = xasprintf("%s/.netrc", home);
	struct account a;
	struct err e;
	char *pw = NULL;

	write_file(path, "machine mail.example login u password fromnetrc\n",
	    0600);
	memset(&a, 0, sizeof(a));
	a.host = "mail.example";
	a.user = "u";
	CHECK_INT(config_password(&a, &pw, &e), 0);
	CHECK_STR(pw, "fromnetrc");
	free(pw);
	a.user = "v";
	CHECK_INT(config_password(&a, &pw, &e), 0);
	CHECK_STR(pw, NULL);
	unlink(path);
	free(path);
	rmdir(home);		/* the last test to use the scratch home */
}

static const struct test tests[] = {
	TEST(msmtp_manual_example_defines_three_accounts),
	TEST(inheritance_is_defaults_then_parents_in_order_then_own),
	TEST(later_defaults_leave_earlier_accounts_alone),
	TEST(child_takes_from_parent_only_what_parent_set),
	TEST(quoted_values_keep_blanks_and_escapes),
	TEST(bad_lines_are_config_errors_naming_file_and_line),
	TEST(nul_byte_is_an_error),
	TEST(unset_keys_take_postie_defaults),
	TEST(key_alone_means_on_for_switches),
	TEST(values_parse_to_their_meaning),
	TEST(strings_are_normalised_for_their_users),
	TEST(dkim_keys_inherit_and_expand_each_file),
	TEST(msmtp_keys_that_ask_nothing_are_accepted),
	TEST(sha1_fingerprint_is_refused),
	TEST(paths_expand_tilde_slash),
	TEST(auto_from_with_maildomain_makes_user_at_domain),
	TEST(from_placeholders_expand_once),
	TEST(user_without_auth_line_turns_auth_on),
	TEST(oauth2_keys_are_inherited_and_turn_auth_on),
	TEST(oauth2_bad_values_name_the_key),
	TEST(empty_file_selects_embedded_default),
	TEST(defaults_only_file_shapes_embedded_default),
	TEST(selection_by_name_then_from_then_default),
	TEST(selection_falls_back_to_first_account),
	TEST(password_file_must_not_be_readable_by_others),
	TEST(config_can_come_from_a_pipe),
	TEST(missing_dash_c_file_is_config_error),
	TEST(search_order_prefers_postie_files_over_msmtprc),
	TEST(passwordeval_takes_first_line_of_output),
	TEST(passwordeval_is_bounded_by_the_timeout),
	TEST(eval_runs_only_when_a_file_is_loaded),
	TEST(netrc_matches_host_and_user),
	TEST(config_password_falls_back_to_home_netrc),
};

CHECK_MAIN(tests)
