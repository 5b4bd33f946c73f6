/* test_route.c — smarthost and per-domain routes, ports and TLS modes. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "route.h"

/* An account as config.c leaves it for "host H" with msmtp's defaults. */
static struct account
smarthost(char *host)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.name = "test";
	a.host = host;
	a.tls = true;
	a.tls_starttls = true;
	a.auth = AUTH_AUTO;
	return a;
}

static struct strlist
rcpts(const char *const *v)
{
	struct strlist l;

	strlist_init(&l);
	for (; *v != NULL; v++)
		strlist_add(&l, *v);
	return l;
}

static void
port_explicit_wins(void)
{
	struct account a = smarthost("smtp.example");

	a.port = 2525;
	CHECK_INT(route_port(&a), 2525);
	a.tls_starttls = false;
	CHECK_INT(route_port(&a), 2525);
}

static void
port_465_for_tls_without_starttls(void)
{
	struct account a = smarthost("smtp.example");

	a.tls_starttls = false;
	CHECK_INT(route_port(&a), 465);
	CHECK_INT(route_tls_mode(&a), TLSMODE_IMPLICIT);
}

static void
port_587_for_starttls_smarthost(void)
{
	struct account a = smarthost("smtp.example");

	CHECK_INT(route_port(&a), 587);
	CHECK_INT(route_tls_mode(&a), TLSMODE_STARTTLS);
}

static void
port_25_for_plain_smarthost_as_msmtp(void)
{
	struct account a = smarthost("smtp.example");

	a.tls = false;
	CHECK_INT(route_port(&a), 25);
	CHECK_INT(route_tls_mode(&a), TLSMODE_NONE);
}

static void
port_25_without_host(void)
{
	struct account a = smarthost(NULL);

	CHECK_INT(route_port(&a), 25);
	a.tls_starttls = false;
	CHECK_INT(route_port(&a), 25);
}

static void
tls_mode_port_465_is_implicit_even_with_starttls(void)
{
	struct account a = smarthost("smtp.example");

	a.port = 465;
	CHECK_INT(route_tls_mode(&a), TLSMODE_IMPLICIT);
	a.port = 587;
	CHECK_INT(route_tls_mode(&a), TLSMODE_STARTTLS);
	a.tls = false;
	CHECK_INT(route_tls_mode(&a), TLSMODE_NONE);
}

static void
smarthost_one_destination_with_all_rcpts(void)
{
	static const char *const v[] = { "a@x.example", "b@y.example",
	    "local", NULL };
	struct account a = smarthost("smtp.example");
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	CHECK_INT(route_build(&r, &a, &l, &e), 0);
	CHECK_INT(r.n, 1);
	if (r.n == 1) {
		CHECK(r.v[0].domain == NULL);
		CHECK_INT(r.v[0].hosts.n, 1);
		CHECK_STR(r.v[0].hosts.v[0], "smtp.example");
		CHECK_INT(r.v[0].port, 587);
		CHECK_INT(r.v[0].tls, TLSMODE_STARTTLS);
		CHECK(r.v[0].auth);
		CHECK_INT(r.v[0].rcpts.n, 3);
		CHECK_STR(r.v[0].rcpts.v[0], "a@x.example");
		CHECK_STR(r.v[0].rcpts.v[2], "local");
		CHECK_INT(r.v[0].fail.ex, 0);
	}
	route_free(&r);
	CHECK_INT(r.n, 0);
	strlist_free(&l);
}

static void
smarthost_auth_off_means_no_auth(void)
{
	static const char *const v[] = { "a@x.example", NULL };
	struct account a = smarthost("smtp.example");
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	a.auth = AUTH_OFF;
	a.tls_starttls = false;
	CHECK_INT(route_build(&r, &a, &l, &e), 0);
	CHECK(!r.v[0].auth);
	CHECK_INT(r.v[0].port, 465);
	CHECK_INT(r.v[0].tls, TLSMODE_IMPLICIT);
	route_free(&r);
	strlist_free(&l);
}

static void
smarthost_tls_off_on_465_is_config_error(void)
{
	static const char *const v[] = { "a@x.example", NULL };
	struct account a = smarthost("smtp.example");
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	a.tls = false;
	a.port = 465;
	err_clear(&e);
	CHECK_INT(route_build(&r, &a, &l, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	CHECK_STR(e.msg, "account 'test': port 465 needs tls on");
	CHECK_INT(r.n, 0);
	CHECK(r.v == NULL);
	strlist_free(&l);
}

static void
mx_groups_recipients_by_domain_in_order(void)
{
	static const char *const v[] = { "a@one.example", "b@two.example",
	    "c@ONE.example", "\"odd@local\"@two.example", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	CHECK_INT(route_build(&r, &a, &l, &e), 0);
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_STR(r.v[0].domain, "one.example");
		CHECK_INT(r.v[0].hosts.n, 1);
		CHECK_STR(r.v[0].hosts.v[0], "one.example");
		CHECK_INT(r.v[0].rcpts.n, 2);
		CHECK_STR(r.v[0].rcpts.v[1], "c@ONE.example");
		CHECK_STR(r.v[1].domain, "two.example");
		CHECK_INT(r.v[1].rcpts.n, 2);
		CHECK_STR(r.v[1].rcpts.v[1], "\"odd@local\"@two.example");
		for (size_t i = 0; i < r.n; i++) {
			CHECK_INT(r.v[i].port, 25);
			CHECK_INT(r.v[i].tls, TLSMODE_OPPORTUNISTIC);
			CHECK(!r.v[i].auth);	/* even with auth on */
		}
	}
	route_free(&r);
	strlist_free(&l);
}

static void
mx_tls_required_means_starttls(void)
{
	static const char *const v[] = { "a@one.example", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	a.mx_tls = MX_TLS_REQUIRED;
	CHECK_INT(route_build(&r, &a, &l, &e), 0);
	CHECK_INT(r.v[0].tls, TLSMODE_STARTTLS);
	route_free(&r);
	strlist_free(&l);
}

static void
mx_recipient_without_domain_is_dataerr(void)
{
	static const char *const v[] = { "a@one.example", "root", NULL };
	static const char *const w[] = { "b@", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v), m = rcpts(w);
	struct route r;
	struct err e;

	err_clear(&e);
	CHECK_INT(route_build(&r, &a, &l, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK_STR(e.msg, "recipient 'root' has no domain");
	CHECK_INT(r.n, 0);
	CHECK(r.v == NULL);
	err_clear(&e);
	CHECK_INT(route_build(&r, &a, &m, &e), -1);
	CHECK_STR(e.msg, "recipient 'b@' has no domain");
	strlist_free(&l);
	strlist_free(&m);
}

static void
no_recipients_builds_empty_mx_route(void)
{
	static const char *const v[] = { NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	CHECK_INT(route_build(&r, &a, &l, &e), 0);
	CHECK_INT(r.n, 0);
	route_free(&r);
	strlist_free(&l);
}

static const struct test tests[] = {
	TEST(port_explicit_wins),
	TEST(port_465_for_tls_without_starttls),
	TEST(port_587_for_starttls_smarthost),
	TEST(port_25_for_plain_smarthost_as_msmtp),
	TEST(port_25_without_host),
	TEST(tls_mode_port_465_is_implicit_even_with_starttls),
	TEST(smarthost_one_destination_with_all_rcpts),
	TEST(smarthost_auth_off_means_no_auth),
	TEST(smarthost_tls_off_on_465_is_config_error),
	TEST(mx_groups_recipients_by_domain_in_order),
	TEST(mx_tls_required_means_starttls),
	TEST(mx_recipient_without_domain_is_dataerr),
	TEST(no_recipients_builds_empty_mx_route),
};

CHECK_MAIN(tests)
