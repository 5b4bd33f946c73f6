/*
 * route.h — where a message goes: a smarthost, or the MX hosts of each
 * recipient domain (the MX issue).  A route is a list of destinations; a
 * destination is a host name (tried address by address) with its port, its
 * TLS policy and the recipients it carries.  delivery.c walks the list.
 */
#ifndef POSTIE_ROUTE_H
#define POSTIE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "util.h"

enum tls_mode {
	TLSMODE_NONE = 0,	/* plaintext (tls off) */
	TLSMODE_STARTTLS,	/* STARTTLS, required */
	TLSMODE_IMPLICIT,	/* TLS from the first byte (465) */
	TLSMODE_OPPORTUNISTIC,	/* STARTTLS when offered (MX) */
};

/* One destination: one SMTP session carrying rcpts in one transaction. */
struct destination {
	char	*domain;		/* recipient domain (MX), or NULL (smarthost) */
	struct strlist hosts;		/* hosts to try in order (one for a smarthost) */
	int	 port;
	enum tls_mode tls;
	bool	 auth;			/* AUTH allowed (never on MX) */
	struct strlist rcpts;		/* envelope recipients */
	/* Set when the route itself fails (null MX, NXDOMAIN): every rcpt
	 * fails with this error, no session is made. */
	struct err fail;
};

struct route {
	struct destination *v;
	size_t	 n;
};

/* Build the route for the recipients: one smarthost destination when
 * a->host is set, else (MX issue) one destination per domain.
 * Errors: EX_CONFIG for a contradictory account (tls off with port 465...). */
int	route_build(struct route *r, const struct account *a,
	    const struct strlist *rcpts, struct err *e);
void	route_free(struct route *r);

/* The port and TLS mode an account means (spec §4: 465 or tls on +
 * tls_starttls off = implicit; tls off = none; else STARTTLS). */
int	route_port(const struct account *a);
enum tls_mode route_tls_mode(const struct account *a);

#endif
