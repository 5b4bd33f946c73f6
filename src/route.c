/*
 * route.c — turn an account and its recipients into destinations.
 *
 * Smarthost (a->host set): one destination carrying every recipient, with
 * the port and TLS mode the account means (msmtp's defaults, spec §4).
 * MX (a->host NULL): one destination per recipient domain, port 25,
 * opportunistic STARTTLS (required with mx_tls required), never AUTH.
 */
#include <stdlib.h>
#include <string.h>

#include "address.h"
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

/*
 * The hosts that receive mail for domain, in the order to try them.
 * For now the domain itself (its A/AAAA records): the MX issue replaces
 * this with an MX look-up (res_nquery) sorted by preference, random among
 * equals, the domain's A/AAAA when there is no MX, and a null MX (RFC 7505)
 * recorded in d->fail as a permanent failure for the domain.
 */
static int
route_mx_hosts(const char *domain, struct strlist *hosts, struct err *e)
{
	(void)e;
	strlist_add(hosts, domain);
	return 0;
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
    const struct strlist *rcpts, struct err *e)
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
			/* DANE needs TLSA look-ups (the MX issue): until
			 * then it means what opportunistic means. */
			d->tls = a->mx_tls == MX_TLS_REQUIRED ?
			    TLSMODE_STARTTLS : TLSMODE_OPPORTUNISTIC;
			d->auth = false;	/* never credentials to an MX */
			if (route_mx_hosts(domain, &d->hosts, e) == -1)
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
	int rc;

	r->v = NULL;
	r->n = 0;
	if (a->host != NULL)
		rc = route_smarthost(r, a, rcpts, e);
	else
		rc = route_mx(r, a, rcpts, e);
	if (rc == -1)
		route_free(r);	/* the caller frees nothing on failure */
	return rc;
}

void
route_free(struct route *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].domain);
		strlist_free(&r->v[i].hosts);
		strlist_free(&r->v[i].rcpts);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
