/*
 * dns.h — MX look-ups for direct delivery (design §4 "MX").
 *
 * dns_lookup_mx asks the C library's resolver (res_nquery on a private
 * struct __res_state from res_ninit: /etc/resolv.conf and RES_OPTIONS are
 * honoured, no global resolver state is touched) for a domain's MX records.
 * dns_parse_mx reads the wire-format answer itself, bounded by (msg, len)
 * and never beyond: it is what the fuzz target drives.  dns_order_mx sorts
 * by preference, random among equal preferences (RFC 5321 §5.1).
 *
 * Outcomes, as the spec names them:
 *   MX records          out->n > 0, hosts in the order to try them;
 *   no MX (NODATA)      out->n == 0: the domain itself is the host (its
 *                       A/AAAA records, RFC 5321 §5.1 "implicit MX");
 *   null MX (RFC 7505)  -1, EX_NOHOST "... accepts no mail (null MX)";
 *   NXDOMAIN            -1, EX_NOHOST;
 *   SERVFAIL, timeout   -1, EX_TEMPFAIL.
 * CNAMEs are followed (the chain in the answer, then a new query for its
 * end when the server did not follow it, at most DNS_CNAME_MAX times).
 */
#ifndef POSTIE_DNS_H
#define POSTIE_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define DNS_NAME_MAX	253	/* RFC 1035 §2.3.4: 255 octets on the wire */
#define DNS_MX_MAX	32	/* more MX hosts than anyone tries; extras ignored */
#define DNS_CNAME_MAX	8	/* CNAME links followed before giving up */

struct mx {
	unsigned short pref;
	char	 host[DNS_NAME_MAX + 1];	/* no trailing dot; "" is "." */
};

struct mx_list {
	struct mx v[DNS_MX_MAX];
	size_t	 n;
	/* Where the CNAME chain in the answer ended when it held no MX for
	 * that name ("" when there was no CNAME): the name to ask next. */
	char	 cname[DNS_NAME_MAX + 1];
};

/*
 * Parse one DNS response to an MX query (msg[0..len), never beyond).
 * Fills out with the MX records of the question's name (following the
 * CNAME chain in the answer section); MX targets that are not host names
 * (letters, digits, '-', '_' labels) are skipped.  Order is the answer's.
 * Errors: EX_NOHOST for NXDOMAIN and for a null MX (out->n is then 0),
 * EX_TEMPFAIL for SERVFAIL and other server failures, EX_PROTOCOL for a
 * malformed or truncated message.  domain names the domain in messages.
 */
int	dns_parse_mx(const unsigned char *msg, size_t len, const char *domain,
	    struct mx_list *out, struct err *e);

/* Sort by preference; equal preferences in random order (getrandom). */
void	dns_order_mx(struct mx_list *l);

/*
 * Look up domain's MX (domain in A-labels, without trailing dot) and
 * order them.  out->n == 0 means "no MX: use the domain itself".
 * Errors: as dns_parse_mx, plus EX_TEMPFAIL for a resolver that cannot be
 * initialised, times out or answers SERVFAIL.
 */
int	dns_lookup_mx(const char *domain, struct mx_list *out, struct err *e);

#endif
