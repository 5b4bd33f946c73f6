/* test_oauth2.c — unit tests for src/oauth2_http.c (form encoding, the
 * redirect's query parameters, JSON members) and src/oauth2.c (state file
 * paths, provider defaults, refusals). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "oauth2.h"
#include "oauth2_http.h"

static void
form_percent_encodes_all_but_unreserved(void)
{
	struct oauth2_form f;

	oauth2_form_init(&f);
	oauth2_form_add(&f, "grant_type", "refresh_token");
	oauth2_form_add(&f, "scope", "https://outlook.office.com/SMTP.Send "
	    "offline_access");
	oauth2_form_add(&f, "skipped", NULL);
	oauth2_form_add(&f, "x", "a+b&c=d~_.-\xc3\xa9");
	CHECK_STR(f.b.data, "grant_type=refresh_token&scope=https%3A%2F%2F"
	    "outlook.office.com%2FSMTP.Send%20offline_access&x=a%2Bb%26c%3Dd"
	    "~_.-%C3%A9");
	oauth2_form_free(&f);
}

struct query_case {
	const char *query;
	const char *name;
	int	 rc;
	const char *want;
};

static void
query_param_decodes_and_refuses_bad_escapes(void)
{
	static const struct query_case cases[] = {
		{ "code=4%2F0Ab&state=xyz", "code", 0, "4/0Ab" },
		{ "code=4%2F0Ab&state=xyz", "state", 0, "xyz" },
		{ "state=a+b", "state", 0, "a b" },
		{ "codex=1&code=2", "code", 0, "2" },
		{ "code", "code", 0, "" },
		{ "code=", "code", 0, "" },
		{ "state=x", "code", -1, NULL },
		{ "code=%4", "code", -1, NULL },
		{ "code=%zz", "code", -1, NULL },
		{ "code=a%00b", "code", -1, NULL },	/* no NUL smuggled in */
		{ "", "code", -1, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = NULL;
		int rc = oauth2_query_param(cases[i].query,
		    strlen(cases[i].query), cases[i].name, &v);

		CHECK_INT(rc, cases[i].rc);
		CHECK_STR(rc == 0 ? v : NULL, cases[i].want);
		free(v);
	}
}

static void
json_reads_strings_and_integers(void)
{
#ifdef HAVE_OAUTH2
	static const char text[] = "{\"access_token\":\"at\",\"expires_in\":"
	    "3599,\"interval\":\"5\",\"n\":null,\"bad\":\"5s\"}";
	struct oauth2_json *j = oauth2_json_parse(text, strlen(text));
	long long v = 0;
	char *out;

	CHECK(j != NULL);
	if (j == NULL)
		return;
	CHECK_STR(oauth2_json_str(j, "access_token"), "at");
	CHECK_STR(oauth2_json_str(j, "expires_in"), NULL);
	CHECK_INT(oauth2_json_int(j, "expires_in", &v), true);
	CHECK_INT(v, 3599);
	CHECK_INT(oauth2_json_int(j, "interval", &v), true);
	CHECK_INT(v, 5);
	CHECK_INT(oauth2_json_int(j, "bad", &v), false);
	CHECK_INT(oauth2_json_int(j, "missing", &v), false);
	oauth2_json_set_str(j, "access_token", "new");
	oauth2_json_set_int(j, "expires_at", 42);
	out = oauth2_json_text(j);
	CHECK(strstr(out, "\"access_token\":\"new\"") != NULL);
	CHECK(strstr(out, "\"expires_at\":42") != NULL);
	free(out);
	oauth2_json_free(j);
	CHECK(oauth2_json_parse("[1,2]", 5) == NULL);	/* not an object */
	CHECK(oauth2_json_parse("{\"a\":1,\"a\":2}", 13) == NULL);
	CHECK(oauth2_json_parse("{\"a\":", 5) == NULL);
#endif
}

static void
state_path_is_per_user_and_per_account(void)
{
	struct account a;
	char *p;

	memset(&a, 0, sizeof(a));
	a.name = "../work";
	setenv("XDG_STATE_HOME", "/tmp/xdg-state", 1);
	p = oauth2_state_path(&a);
	if (getuid() == 0)
		CHECK_STR(p, "/var/lib/postie/oauth2/_._work");
	else
		CHECK_STR(p, "/tmp/xdg-state/postie/oauth2/_._work");
	free(p);
}

static void
provider_fills_only_what_the_account_leaves_unset(void)
{
#ifdef HAVE_OAUTH2
	struct oauth2_client c;
	struct account a;
	struct err e;

	memset(&a, 0, sizeof(a));
	a.name = "office";
	a.oauth2_provider = "microsoft";
	a.oauth2_client_id = "cid";
	a.oauth2_token_url = "https://login.example/token";
	CHECK_INT(oauth2_client_init(&c, &a, &e), 0);
	CHECK_STR(c.token_url, "https://login.example/token");
	CHECK_STR(c.device_url, "https://login.microsoftonline.com/common/"
	    "oauth2/v2.0/devicecode");
	CHECK_STR(c.scope, "https://outlook.office.com/SMTP.Send "
	    "offline_access");
	CHECK_STR(c.client_secret, NULL);
	oauth2_client_free(&c);

	a.oauth2_provider = "google";
	a.oauth2_token_url = NULL;
	a.oauth2_client_secret = "cs";
	CHECK_INT(oauth2_client_init(&c, &a, &e), 0);
	CHECK_STR(c.token_url, "https://oauth2.googleapis.com/token");
	CHECK_STR(c.device_url, NULL);		/* Google: loopback flow */
	CHECK_STR(c.scope, "https://mail.google.com/");
	CHECK_STR(c.client_secret, "cs");
	oauth2_client_free(&c);

	a.oauth2_provider = NULL;
	CHECK_INT(oauth2_client_init(&c, &a, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	oauth2_client_free(&c);
#endif
}

static void
refusal_names_error_and_fix_without_secrets(void)
{
#ifdef HAVE_OAUTH2
	static const char body[] = "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"Token has been\\nrevoked.\"}";
	struct oauth2_client c;
	struct oauth2_json *j = oauth2_json_parse(body, strlen(body));
	struct err e;

	memset(&c, 0, sizeof(c));
	c.account = "gmail";
	CHECK_INT(oauth2_refusal(&c, "https://t.example/token", "token "
	    "refresh", j, 400, &e), -1);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "invalid_grant") != NULL);
	CHECK(strstr(e.msg, "Token has been?revoked.") != NULL);
	CHECK(strstr(e.msg, "postie --oauth2-login --account gmail") != NULL);
	CHECK_INT(oauth2_refusal(&c, "https://t.example/token", "token "
	    "refresh", j, 503, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	oauth2_json_free(j);
#endif
}

static const struct test tests[] = {
	TEST(form_percent_encodes_all_but_unreserved),
	TEST(query_param_decodes_and_refuses_bad_escapes),
	TEST(json_reads_strings_and_integers),
	TEST(state_path_is_per_user_and_per_account),
	TEST(provider_fills_only_what_the_account_leaves_unset),
	TEST(refusal_names_error_and_fix_without_secrets),
};

CHECK_MAIN(tests)
