/*
 * route.h — where a message goes: a smarthost, or the MX hosts of each
 * recipient domain (design §4, through dns.h).  A route is a list of destinations; a
 * destination is a host name (tried address by address) with its port, its
 * TLS policy and the recipients it carries.  delivery.c walks the list.
 */
#ifndef POSTIE_ROUTE_H
#define POSTIE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dns.h"
#include "err.h"
#include "tls.h"
#include "util.h"

/* One destination: one SMTP session carrying rcpts in one transaction. */
struct destination {
	char	*domain;		/* recipient domain (MX), or NULL (smarthost) */
	struct strlist hosts;		/* hosts to try in order (one for a smarthost) */
	/* The MX preference of each host, or NULL when the hosts are not
	 * MX records (smarthost, no MX: the domain itself, address literal). */
	unsigned short *prefs;
	int	 port;
	enum tls_mode tls;
	bool	 auth;			/* AUTH allowed (never on MX) */
	struct strlist rcpts;		/* envelope recipients */
	/* Set when the route itself fails (null MX, NXDOMAIN): every rcpt
	 * fails with this error, no session is made. */
	struct err fail;
	/* mx_tls dane (RFC 7672): what DNSSEC said of the MX answer, and,
	 * when it was secure, each host's TLSA look-up (same index as hosts;
	 * NULL when none was made).  delivery.c turns them into each host's
	 * TLS policy. */
	bool	 dane;
	enum dns_sec mx_sec;
	struct tlsa_list *tlsa;
	/* The A-label domain whose MX look-up is still to be made
	 * (route_build_deferred), or NULL: hosts and fail are final. */
	char	*unresolved;
};

struct route {
	struct destination *v;
	size_t	 n;
};

/* Build the route for the recipients: one smarthost destination when
 * a->host is set, else one destination per recipient domain (compared
 * case-insensitively), its hosts from dns_lookup_mx in A-labels; with
 * mx_tls dane and a secure MX answer, each host's TLSA records too.  A DNS
 * failure for a domain (NXDOMAIN, null MX: EX_NOHOST; SERVFAIL, timeout:
 * EX_TEMPFAIL) goes in that destination's fail, not in e: the other
 * domains still go.  Errors (nothing is connected to, r is left empty):
 * EX_CONFIG for a contradictory account (tls off with port 465...),
 * EX_DATAERR for a recipient without a domain or a domain IDNA refuses. */
int	route_build(struct route *r, const struct account *a,
	    const struct strlist *rcpts, struct err *e);
/* route_build with the MX look-ups left for route_resolve: delivery makes
 * each in the process that serves the destination, so that the look-ups
 * of many domains overlap as their sessions do (mx_parallel).  Errors as
 * route_build's (a domain IDNA refuses still fails here). */
int	route_build_deferred(struct route *r, const struct account *a,
	    const struct strlist *rcpts, struct err *e);
/* The look-up route_build_deferred left in d, if any: d gets its hosts
 * (or its fail) as route_build would have given them. */
void	route_resolve(struct destination *d);
/* route_build and route_resolve with another MX look-up (unit tests);
 * a NULL lookup defers the look-ups as route_build_deferred does. */
typedef int (*route_lookup_fn)(const char *domain, struct mx_list *out,
	    struct err *e);
int	route_build_with(struct route *r, const struct account *a,
	    const struct strlist *rcpts, route_lookup_fn lookup,
	    struct err *e);
void	route_resolve_with(struct destination *d, route_lookup_fn lookup);
void	route_free(struct route *r);

/* The domain in A-labels (libidn2, IDNA2008 with UTS#46 mapping,
 * non-transitional), lower-cased; ASCII domains are only lower-cased.
 * *out is a new string.  Errors: EX_DATAERR "invalid domain 'x': why". */
int	route_alabel(const char *domain, char **out, struct err *e);

/*
 * -bv: for each recipient as given (args, bare addresses), its alias
 * expansion and qualification, then the route each address would take,
 * appended to out as text (see route.c for the format), sending nothing.
 * Host addresses come from getaddrinfo.  Returns 0 when every address has
 * a route; else the sysexits code of the worst failure (permanent first),
 * the failures being described in out.  -1 with e only when nothing could
 * be checked (aliases file unreadable, EX_CONFIG).
 */
int	route_verify(const struct account *a, const struct strlist *args,
	    struct buf *out, struct err *e);

/* The port and TLS mode an account means (design §4: 465 or tls on +
 * tls_starttls off = implicit; tls off = none; else STARTTLS). */
int	route_port(const struct account *a);
enum tls_mode route_tls_mode(const struct account *a);

/* The TLSA look-up of d's host (NULL: DANE does not apply to it). */
const struct tlsa_list *route_tlsa(const struct destination *d,
	    const char *host);

#endif
