/*
 * route.c — turn an account and its recipients into destinations.
 *
 * Smarthost (a->host set): one destination carrying every recipient, with
 * the port and TLS mode the account means (msmtp's defaults, design §4).
 * MX (a->host NULL): one destination per recipient domain, port 25,
 * opportunistic STARTTLS (required with mx_tls required), never AUTH.
 * mx_tls dane: when the MX answer is DNSSEC-secure, each MX host's TLSA
 * records are looked up here (RFC 7672 §2.2), so that -bv shows what a
 * delivery would do; delivery.c applies them per host.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "aliases.h"
#include "conn.h"
#include "dane.h"
#include "route.h"

#define PORT_SMTP		25	/* RFC 5321 §4.5.4 relay, and msmtp's plain default */
#define PORT_SUBMISSION		587	/* RFC 6409 */
#define PORT_SUBMISSIONS	465	/* RFC 8314 implicit TLS */

int
route_port(const struct account *a)
{
	if (a->port != 0)
		return a->port;
	if (a->host == NULL)
		return PORT_SMTP;
	if (a->tls && !a->tls_starttls)
		return PORT_SUBMISSIONS;
	return a->tls ? PORT_SUBMISSION : PORT_SMTP;
}

enum tls_mode
route_tls_mode(const struct account *a)
{
	if (!a->tls)
		return TLSMODE_NONE;
	if (route_port(a) == PORT_SUBMISSIONS || !a->tls_starttls)
		return TLSMODE_IMPLICIT;
	return TLSMODE_STARTTLS;
}

static struct destination *
route_add(struct route *r)
{
	struct destination *d;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	d = &r->v[r->n++];
	memset(d, 0, sizeof(*d));
	strlist_init(&d->hosts);
	strlist_init(&d->rcpts);
	return d;
}

static int
route_smarthost(struct route *r, const struct account *a,
    const struct strlist *rcpts, struct err *e)
{
	struct destination *d;

	/* Plaintext to the implicit-TLS port would only hang on the banner. */
	if (!a->tls && route_port(a) == PORT_SUBMISSIONS)
		return err_set(e, EX_CONFIG, "account '%s': port %d needs "
		    "tls on", a->name != NULL ? a->name : "default",
		    PORT_SUBMISSIONS);
	d = route_add(r);
	strlist_add(&d->hosts, a->host);
	d->port = route_port(a);
	d->tls = route_tls_mode(a);
	d->auth = a->auth != AUTH_OFF;
	for (size_t i = 0; i < rcpts->n; i++)
		strlist_add(&d->rcpts, rcpts->v[i]);
	return 0;
}

/* An address literal, "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321
 * §4.1.3): the host is the address itself, no DNS. */
static int
route_literal(struct destination *d, struct err *e)
{
	const char *s = d->domain + 1;
	size_t n = strlen(s);
	unsigned char bin[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN];
	int af = AF_INET;

	if (ascii_prefix_ci(s, "IPv6:")) {
		s += 5;
		n -= 5;
		af = AF_INET6;
	}
	if (n < 2 || s[n - 1] != ']' || n - 1 >= sizeof(addr))
		return err_set(e, EX_DATAERR, "invalid address literal '%s'",
		    d->domain);
	memcpy(addr, s, n - 1);
	addr[n - 1] = '\0';
	if (inet_pton(af, addr, bin) != 1)
		return err_set(e, EX_DATAERR, "invalid address literal '%s'",
		    d->domain);
	strlist_add(&d->hosts, addr);
	return 0;
}

int
route_alabel(const char *domain, char **out, struct err *e)
{
	char *ascii = NULL;
	int rc;

	*out = NULL;
	if (!address_is_8bit(domain)) {
		*out = xstrdup(domain);
	} else {
		rc = idn2_to_ascii_8z(domain, &ascii,
		    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc != IDN2_OK)
			return err_set(e, EX_DATAERR, "invalid domain '%.200s': "
			    "%s", domain, idn2_strerror(rc));
		*out = xstrdup(ascii);
		idn2_free(ascii);
	}
	for (char *p = *out; *p != '\0'; p++)
		*p = (char)ascii_tolower((unsigned char)*p);
	return 0;
}

/* mx_tls dane: the TLSA records of every host, when the MX answer (or its
 * absence: the domain itself) was secure.  A failed look-up stays in its
 * tlsa_list as DNSSEC_BOGUS (or unknown); delivery defers that host. */
static void
route_tlsa_lookups(struct destination *d)
{
	d->tlsa = xcalloc(d->hosts.n, sizeof(*d->tlsa));
	for (size_t i = 0; i < d->hosts.n; i++) {
		struct err e;

		err_clear(&e);
		(void)dns_lookup_tlsa(d->hosts.v[i], d->port, &d->tlsa[i], &e);
	}
}

const struct tlsa_list *
route_tlsa(const struct destination *d, const char *host)
{
	if (d->tlsa == NULL)
		return NULL;
	for (size_t i = 0; i < d->hosts.n; i++)
		if (strcmp(d->hosts.v[i], host) == 0)
			return &d->tlsa[i];
	return NULL;
}

/*
 * The hosts that receive mail for d's domain, in the order to try them:
 * its MX records (sorted by dns.c), or the domain itself when it has none
 * (RFC 5321 §5.1 implicit MX: conn_connect_host then tries its AAAA and A
 * addresses).  A failed look-up is kept in d->fail for delivery to report;
 * only a domain IDNA refuses fails the whole route.
 */
static void
route_mx_lookup(struct destination *d, const char *ace,
    route_lookup_fn lookup)
{
	struct mx_list *l = xmalloc(sizeof(*l));

	if (lookup(ace, l, &d->fail) == -1) {
		if (d->fail.ex == 0)	/* a look-up that forgot to say why */
			err_set(&d->fail, EX_TEMPFAIL, "DNS look-up of %s "
			    "failed", ace);
	} else if (l->n == 0) {
		strlist_add(&d->hosts, ace);
	} else {
		d->prefs = xcalloc(l->n, sizeof(*d->prefs));
		for (size_t i = 0; i < l->n; i++) {
			strlist_add(&d->hosts, l->v[i].host);
			d->prefs[i] = l->v[i].pref;
		}
	}
	d->mx_sec = l->sec;
	if (d->dane && d->fail.ex == 0 && l->sec == DNSSEC_SECURE)
		route_tlsa_lookups(d);
	free(l);
}

/* lookup NULL: the look-up is left in d->unresolved (route_resolve). */
static int
route_mx_hosts(struct destination *d, route_lookup_fn lookup, struct err *e)
{
	char *ace;

	if (d->domain[0] == '[')
		return route_literal(d, e);
	if (route_alabel(d->domain, &ace, e) == -1)
		return -1;
	if (lookup == NULL) {
		d->unresolved = ace;
		return 0;
	}
	route_mx_lookup(d, ace, lookup);
	free(ace);
	return 0;
}

void
route_resolve_with(struct destination *d, route_lookup_fn lookup)
{
	if (d->unresolved == NULL)
		return;
	route_mx_lookup(d, d->unresolved, lookup);
	free(d->unresolved);
	d->unresolved = NULL;
}

void
route_resolve(struct destination *d)
{
	route_resolve_with(d, dns_lookup_mx);
}

static struct destination *
route_find_domain(struct route *r, const char *domain)
{
	for (size_t i = 0; i < r->n; i++)
		if (ascii_eq_ci(r->v[i].domain, domain))
			return &r->v[i];
	return NULL;
}

static int
route_mx(struct route *r, const struct account *a,
    const struct strlist *rcpts, route_lookup_fn lookup, struct err *e)
{
	for (size_t i = 0; i < rcpts->n; i++) {
		const char *domain = address_domain(rcpts->v[i]);
		struct destination *d;

		if (domain == NULL || *domain == '\0')
			return err_set(e, EX_DATAERR, "recipient '%s' has no "
			    "domain", rcpts->v[i]);
		if ((d = route_find_domain(r, domain)) == NULL) {
			d = route_add(r);
			d->domain = xstrdup(domain);
			d->port = route_port(a);
			/* dane: opportunistic unless a host's TLSA records
			 * say otherwise (delivery.c, per host). */
			d->tls = a->mx_tls == MX_TLS_REQUIRED ?
			    TLSMODE_STARTTLS : TLSMODE_OPPORTUNISTIC;
			d->dane = a->mx_tls == MX_TLS_DANE;
			d->auth = false;	/* never credentials to an MX */
			if (route_mx_hosts(d, lookup, e) == -1)
				return -1;
		}
		strlist_add(&d->rcpts, rcpts->v[i]);
	}
	return 0;
}

int
route_build(struct route *r, const struct account *a,
    const struct strlist *rcpts, struct err *e)
{
	return route_build_with(r, a, rcpts, dns_lookup_mx, e);
}

int
route_build_deferred(struct route *r, const struct account *a,
    const struct strlist *rcpts, struct err *e)
{
	return route_build_with(r, a, rcpts, NULL, e);
}

int
route_build_with(struct route *r, const struct account *a,
    const struct strlist *rcpts, route_lookup_fn lookup, struct err *e)
{
	int rc;

	r->v = NULL;
	r->n = 0;
	if (a->host != NULL)
		rc = route_smarthost(r, a, rcpts, e);
	else
		rc = route_mx(r, a, rcpts, lookup, e);
	if (rc == -1)
		route_free(r);	/* the caller frees nothing on failure */
	return rc;
}

void
route_free(struct route *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].domain);
		for (size_t j = 0; r->v[i].tlsa != NULL &&
		    j < r->v[i].hosts.n; j++)
			dns_tlsa_free(&r->v[i].tlsa[j]);
		free(r->v[i].tlsa);
		strlist_free(&r->v[i].hosts);
		free(r->v[i].prefs);
		free(r->v[i].unresolved);
		strlist_free(&r->v[i].rcpts);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* ---- -bv: say where each recipient would go ---- */

#define VERIFY_ADDRS_MAX	8	/* addresses shown per host */

static const char *
tls_words(enum tls_mode t)
{
	switch (t) {
	case TLSMODE_NONE:		return "no TLS";
	case TLSMODE_STARTTLS:		return "STARTTLS required";
	case TLSMODE_IMPLICIT:		return "implicit TLS";
	case TLSMODE_OPPORTUNISTIC:	return "STARTTLS when offered";
	}
	return "?";
}

/* " [addr, addr]" as conn_connect_host would find them, or why not. */
static void
describe_addrs(const char *host, struct buf *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char addr[INET6_ADDRSTRLEN];
	int r, n = 0;

	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		buf_printf(out, " [no address: %s]", gai_strerror(r));
		return;
	}
	buf_adds(out, " [");
	for (ai = res; ai != NULL && n < VERIFY_ADDRS_MAX; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr,
		    sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		buf_printf(out, "%s%s", n++ > 0 ? ", " : "", addr);
	}
	buf_addc(out, ']');
	freeaddrinfo(res);
}

/* " through SOCKS5 proxy p:1080" or " over socket PATH", and the newline. */
static void
describe_via(const struct account *a, struct buf *out)
{
	if (a->socket != NULL)
		buf_printf(out, " over socket %s", a->socket);
	else if (a->proxy_host != NULL)
		buf_printf(out, " through SOCKS5 proxy %s:%d", a->proxy_host,
		    a->proxy_port > 0 ? a->proxy_port : CONN_SOCKS_PORT);
	buf_addc(out, '\n');
}

/* mx_tls dane: what DNSSEC said, then per host its TLSA records and what
 * the session will do. */
static void
describe_dane(const struct destination *d, struct buf *out)
{
	buf_printf(out, "  DANE: MX answer %s", dns_sec_name(d->mx_sec));
	if (d->tlsa == NULL) {
		buf_printf(out, ": no TLSA look-up, %s\n",
		    dane_policy_words(DANE_OPPORTUNISTIC));
		return;
	}
	buf_addc(out, '\n');
	for (size_t i = 0; i < d->hosts.n; i++) {
		const struct tlsa_list *l = &d->tlsa[i];

		buf_printf(out, "  DANE %s: TLSA _%d._tcp.%s %s, %zu record%s",
		    d->hosts.v[i], d->port, d->hosts.v[i],
		    dns_sec_name(l->sec), l->n, l->n == 1 ? "" : "s");
		for (size_t j = 0; j < l->n; j++) {
			char rec[96];

			dane_format(&l->v[j], rec, sizeof(rec));
			buf_printf(out, "%s %s", j == 0 ? ":" : ",", rec);
		}
		if (l->malformed > 0)
			buf_printf(out, " (and %zu malformed)", l->malformed);
		buf_printf(out, "; %s\n", dane_policy_words(dane_policy(l)));
	}
}

/* One line: "addr: via MX 10 mx1 [192.0.2.1], 20 mx2 [...] (port 25,
 * STARTTLS when offered)", "addr: via smarthost h:587 (...)", or
 * "addr: undeliverable: why" / "addr: deferred: why". */
static void
describe_destination(const struct account *a, const struct destination *d,
    const char *addr, struct buf *out)
{
	if (d->fail.ex != 0) {
		buf_printf(out, "%s: %s: %s\n", addr, d->fail.ex == EX_TEMPFAIL ?
		    "deferred" : "undeliverable", d->fail.msg);
		return;
	}
	if (d->domain == NULL) {
		buf_printf(out, "%s: via smarthost %s:%d (%s%s)", addr,
		    d->hosts.v[0], d->port, tls_words(d->tls),
		    d->auth ? ", AUTH" : "");
		describe_via(a, out);
		return;
	}
	buf_printf(out, "%s: via %s", addr, d->prefs != NULL ? "MX " : "");
	for (size_t i = 0; i < d->hosts.n; i++) {
		if (i > 0)
			buf_adds(out, ", ");
		if (d->prefs != NULL)
			buf_printf(out, "%u ", d->prefs[i]);
		buf_adds(out, d->hosts.v[i]);
		/* Asking DNS here would leak what the proxy hides. */
		if (a->proxy_host == NULL)
			describe_addrs(d->hosts.v[i], out);
	}
	buf_printf(out, " (%sport %d, %s)", d->prefs == NULL &&
	    d->domain[0] != '[' ? "no MX: the domain's own address; " : "",
	    d->port, d->dane ? "mx_tls dane" : tls_words(d->tls));
	describe_via(a, out);
	if (d->dane)
		describe_dane(d, out);
}

/* Keep the worst: a permanent failure outranks a temporary one. */
static void
worst_update(int *worst, int ex)
{
	if (*worst == 0 || (*worst == EX_TEMPFAIL && ex != EX_TEMPFAIL))
		*worst = ex;
}

/* One qualified address: its route, or why it has none. */
static void
verify_address(const struct account *a, const char *addr, struct buf *out,
    int *worst)
{
	struct strlist one;
	struct route r;
	struct err e;

	err_clear(&e);
	strlist_init(&one);
	strlist_add(&one, addr);
	if (address_check_path(addr, false, &e) == -1 ||
	    route_build(&r, a, &one, &e) == -1) {
		buf_printf(out, "%s: invalid: %s\n", addr, e.msg);
		worst_update(worst, e.ex);
	} else {
		describe_destination(a, &r.v[0], addr, out);
		if (r.v[0].fail.ex != 0)
			worst_update(worst, r.v[0].fail.ex);
		route_free(&r);
	}
	strlist_free(&one);
}

int
route_verify(const struct account *a, const struct strlist *args,
    struct buf *out, struct err *e)
{
	const char *dom = a->domain != NULL ? a->domain : host_fqdn();
	struct aliases *al = NULL;
	int worst = 0;

	if (a->aliases != NULL && aliases_load(&al, a->aliases, e) == -1)
		return -1;
	for (size_t i = 0; i < args->n; i++) {
		struct strlist exp, q;

		struct alias_refusals r = { 0 };

		strlist_init(&exp);
		strlist_init(&q);
		aliases_expand(al, args->v[i], &exp, &r);
		for (size_t j = 0; j < exp.n; j++)
			strlist_take(&q, address_qualify(exp.v[j], dom));
		buf_printf(out, "%s ->", args->v[i]);
		for (size_t j = 0; j < q.n; j++)
			buf_printf(out, "%s %s", j > 0 ? "," : "", q.v[j]);
		buf_addc(out, '\n');
		for (size_t j = 0; j < r.n; j++) {
			buf_printf(out, "  undeliverable: %s\n", r.v[j].reason);
			if (worst == 0)
				worst = EX_UNAVAILABLE;
		}
		for (size_t j = 0; j < q.n; j++)
			verify_address(a, q.v[j], out, &worst);
		alias_refusals_free(&r);
		strlist_free(&exp);
		strlist_free(&q);
	}
	aliases_free(al);
	return worst;
}
