/* test_route.c — smarthost and per-domain routes, ports and TLS modes,
 * MX hosts from a fake look-up, IDNA conversion. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "route.h"

/* The domains the fake look-up was asked about, in order. */
static char asked[8][64];
static size_t nasked;

/* A fake DNS: one.example has two MX, two.example none, null.example a
 * null MX, sf.example a SERVFAIL, xn--bcher-kva.example one MX. */
static int
fake_lookup(const char *domain, struct mx_list *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (nasked < 8)
		snprintf(asked[nasked++], sizeof(asked[0]), "%s", domain);
	if (strcmp(domain, "one.example") == 0) {
		out->v[0].pref = 10;
		strcpy(out->v[0].host, "mx1.one.example");
		out->v[1].pref = 20;
		strcpy(out->v[1].host, "mx2.one.example");
		out->n = 2;
	} else if (strcmp(domain, "xn--bcher-kva.example") == 0) {
		out->v[0].pref = 5;
		strcpy(out->v[0].host, "mx.xn--bcher-kva.example");
		out->n = 1;
	} else if (strcmp(domain, "null.example") == 0) {
		return err_set(e, EX_NOHOST, "domain null.example accepts no "
		    "mail (null MX, RFC 7505)");
	} else if (strcmp(domain, "sf.example") == 0) {
		return err_set(e, EX_TEMPFAIL, "DNS look-up of sf.example MX "
		    "failed temporarily (server failure or timeout)");
	}
	return 0;
}

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
	nasked = 0;
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), 0);
	CHECK_INT(nasked, 2);	/* once per domain, not per recipient */
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_STR(r.v[0].domain, "one.example");
		CHECK_INT(r.v[0].hosts.n, 2);
		CHECK_STR(r.v[0].hosts.v[0], "mx1.one.example");
		CHECK_STR(r.v[0].hosts.v[1], "mx2.one.example");
		CHECK(r.v[0].prefs != NULL && r.v[0].prefs[1] == 20);
		CHECK_INT(r.v[0].rcpts.n, 2);
		CHECK_STR(r.v[0].rcpts.v[1], "c@ONE.example");
		CHECK_STR(r.v[1].domain, "two.example");
		/* No MX: the domain itself, its A/AAAA records. */
		CHECK_INT(r.v[1].hosts.n, 1);
		CHECK_STR(r.v[1].hosts.v[0], "two.example");
		CHECK(r.v[1].prefs == NULL);
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
mx_deferred_lookup_made_by_resolve(void)
{
	static const char *const v[] = { "a@one.example", "b@two.example",
	    "c@[192.0.2.1]", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	nasked = 0;
	CHECK_INT(route_build_with(&r, &a, &l, NULL, &e), 0);
	CHECK_INT(nasked, 0);	/* nothing asked yet */
	CHECK_INT(r.n, 3);
	if (r.n == 3) {
		CHECK_STR(r.v[0].unresolved, "one.example");
		CHECK_INT(r.v[0].hosts.n, 0);
		CHECK(r.v[2].unresolved == NULL);	/* a literal: no DNS */
		CHECK_INT(r.v[2].hosts.n, 1);
		route_resolve_with(&r.v[0], fake_lookup);
		CHECK_INT(nasked, 1);	/* that domain only */
		CHECK(r.v[0].unresolved == NULL);
		CHECK_INT(r.v[0].hosts.n, 2);
		CHECK_STR(r.v[0].hosts.v[0], "mx1.one.example");
		CHECK(r.v[0].prefs != NULL && r.v[0].prefs[1] == 20);
		route_resolve_with(&r.v[0], fake_lookup);
		CHECK_INT(nasked, 1);	/* once */
		CHECK_STR(r.v[1].unresolved, "two.example");
	}
	route_free(&r);	/* frees what is still unresolved */
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
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), 0);
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
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK_STR(e.msg, "recipient 'root' has no domain");
	CHECK_INT(r.n, 0);
	CHECK(r.v == NULL);
	err_clear(&e);
	CHECK_INT(route_build_with(&r, &a, &m, fake_lookup, &e), -1);
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

	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), 0);
	CHECK_INT(r.n, 0);
	route_free(&r);
	strlist_free(&l);
}


static void
mx_dns_failure_stays_with_its_domain(void)
{
	static const char *const v[] = { "a@null.example", "b@sf.example",
	    "c@one.example", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), 0);
	CHECK_INT(r.n, 3);
	if (r.n == 3) {
		CHECK_INT(r.v[0].fail.ex, EX_NOHOST);
		CHECK_STR(r.v[0].fail.msg, "domain null.example accepts no "
		    "mail (null MX, RFC 7505)");
		CHECK_INT(r.v[0].hosts.n, 0);
		CHECK_INT(r.v[1].fail.ex, EX_TEMPFAIL);
		CHECK_INT(r.v[2].fail.ex, 0);
		CHECK_INT(r.v[2].hosts.n, 2);
	}
	route_free(&r);
	strlist_free(&l);
}

static void
mx_idn_domain_looked_up_as_alabel(void)
{
	static const char *const v[] = { "j\xc3\xb6ran@B\xc3\x9c" "cher.example",
	    NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	nasked = 0;
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), 0);
	CHECK_INT(nasked, 1);
	CHECK_STR(asked[0], "xn--bcher-kva.example");
	if (r.n == 1) {
		/* The destination keeps the domain as written; the envelope
		 * conversion is delivery's (SMTPUTF8 or not). */
		CHECK_STR(r.v[0].domain, "B\xc3\x9c" "cher.example");
		CHECK_STR(r.v[0].hosts.v[0], "mx.xn--bcher-kva.example");
		CHECK_STR(r.v[0].rcpts.v[0], v[0]);
	}
	route_free(&r);
	strlist_free(&l);
}

static void
mx_invalid_idn_refused_before_lookup(void)
{
	/* U+0301 COMBINING ACUTE ACCENT cannot start a label (IDNA2008). */
	static const char *const v[] = { "a@one.example",
	    "x@\xcc\x81x.example", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	nasked = 0;
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), -1);
	CHECK_INT(e.ex, EX_DATAERR);
	CHECK_STR(e.msg, "invalid domain '\xcc\x81x.example': string contains a "
	    "forbidden leading combining character");
	CHECK_INT(nasked, 1);	/* one.example only */
	CHECK_INT(r.n, 0);
	strlist_free(&l);
}

static void
mx_address_literal_needs_no_dns(void)
{
	static const char *const v[] = { "a@[127.0.0.2]", "b@[IPv6:::1]",
	    "c@[300.1.1.1]", NULL };
	struct account a = smarthost(NULL);
	struct strlist l = rcpts(v);
	struct route r;
	struct err e;

	err_clear(&e);
	nasked = 0;
	l.n = 2;
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), 0);
	CHECK_INT(nasked, 0);
	CHECK_INT(r.n, 2);
	if (r.n == 2) {
		CHECK_STR(r.v[0].hosts.v[0], "127.0.0.2");
		CHECK_STR(r.v[1].hosts.v[0], "::1");
	}
	route_free(&r);
	l.n = 3;
	CHECK_INT(route_build_with(&r, &a, &l, fake_lookup, &e), -1);
	CHECK_STR(e.msg, "invalid address literal '[300.1.1.1]'");
	strlist_free(&l);
}

static void
alabel_uts46_maps_and_keeps_sharp_s(void)
{
	struct err e;
	char *s;

	err_clear(&e);
	CHECK_INT(route_alabel("B\xc3\x9c" "CHER.Example", &s, &e), 0);
	CHECK_STR(s, "xn--bcher-kva.example");
	free(s);
	/* Non-transitional: ß stays ß (IDNA2008), not "ss" (IDNA2003). */
	CHECK_INT(route_alabel("fa\xc3\x9f.de", &s, &e), 0);
	CHECK_STR(s, "xn--fa-hia.de");
	free(s);
	CHECK_INT(route_alabel("Plain.EXAMPLE", &s, &e), 0);
	CHECK_STR(s, "plain.example");
	free(s);
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
	TEST(mx_deferred_lookup_made_by_resolve),
	TEST(mx_tls_required_means_starttls),
	TEST(mx_recipient_without_domain_is_dataerr),
	TEST(no_recipients_builds_empty_mx_route),
	TEST(mx_dns_failure_stays_with_its_domain),
	TEST(mx_idn_domain_looked_up_as_alabel),
	TEST(mx_invalid_idn_refused_before_lookup),
	TEST(mx_address_literal_needs_no_dns),
	TEST(alabel_uts46_maps_and_keeps_sharp_s),
};

CHECK_MAIN(tests)
