/* test_failover.c — the fallback chain and the relays-down file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "failover.h"

static const char cfg_text[] =
    "defaults\nhost 127.0.0.1\ntls off\n"
    "account b\nport 2001\n"
    "account c\nport 2002\n"
    "account a\nport 2000\nfallback_accounts b, c nosuchbutignored\n";

static void
chain_is_the_account_then_its_fallbacks(void)
{
	struct config cfg;
	const struct account *chain[FAILOVER_CHAIN_MAX];
	struct err e;
	static const char self[] = "account a\nhost h\nfallback_accounts a\n";
	static const char ok[] = "account b\nhost h\naccount a\nhost h\n"
	    "fallback_accounts b\n";

	err_clear(&e);
	/* A name that is not an account of the file is refused by name. */
	CHECK_INT(config_parse(&cfg, cfg_text, strlen(cfg_text), "t.rc", &e),
	    -1);
	CHECK(strstr(e.msg, "fallback_accounts: \"nosuchbutignored\" is not "
	    "an account") != NULL);
	CHECK_INT(config_parse(&cfg, self, strlen(self), "t.rc", &e), -1);
	CHECK(strstr(e.msg, "the account itself") != NULL);
	CHECK_INT(config_parse(&cfg, ok, strlen(ok), "t.rc", &e), 0);
	CHECK_INT(failover_chain(&cfg, &cfg.accounts[1], chain), 2);
	CHECK_STR(chain[0]->name, "a");
	CHECK_STR(chain[1]->name, "b");
	CHECK_INT(failover_chain(&cfg, &cfg.accounts[0], chain), 1);
	config_free(&cfg);
}

static void
down_file_lines_in_force_only(void)
{
	char dir[] = "/tmp/test_failover.XXXXXX", *path;
	struct account a;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	memset(&a, 0, sizeof(a));
	a.host = "relay.example";
	a.port = 587;
	a.tls = true;
	a.tls_starttls = true;
	CHECK_INT(failover_down_until(dir, &a, 1000), 0);	/* no file */
	path = NULL;
	CHECK(asprintf(&path, "%s/relays-down", dir) > 0);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("garbage\n 12 relay.example:587\n900 relay.example:587\n"
	    "2000 other.example:587\n1500 relay.example:5870\n"
	    "1800 relay.example:587\n1900 relay.example:587", f);
	fclose(f);
	/* 900 has run out; 1800 is the first line in force. */
	CHECK_INT(failover_down_until(dir, &a, 1000), 1800);
	CHECK_INT(failover_down_until(dir, &a, 1850), 1900);
	CHECK_INT(failover_down_until(dir, &a, 1900), 0);
	a.host = "nowhere.example";
	CHECK_INT(failover_down_until(dir, &a, 1000), 0);
	unlink(path);
	rmdir(dir);
	free(path);
}

static const struct test tests[] = {
	TEST(chain_is_the_account_then_its_fallbacks),
	TEST(down_file_lines_in_force_only),
};

CHECK_MAIN(tests)
