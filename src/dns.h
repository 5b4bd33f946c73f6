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
 *
 * DNSSEC (for mx_tls dane, RFC 7672): postie validates nothing itself.  It
 * believes the AD bit of an answer only when the resolver can be trusted
 * to have set it: /etc/resolv.conf says "options trust-ad" (glibc >= 2.31
 * then asks for AD and keeps it; without it glibc clears the bit) and every
 * nameserver listed is on loopback, so that no one on the path could have
 * set it (RFC 6698 §A.3.1, RFC 4035 §4.9.3).  Otherwise the status is
 * DNSSEC_UNTRUSTED: secure and insecure cannot be told apart.
 * dns_lookup_tlsa asks for _PORT._tcp.HOST TLSA (RFC 6698 §3) the same
 * way; dns_parse_tlsa reads the answer, bounded like dns_parse_mx.
 */
#ifndef POSTIE_DNS_H
#define POSTIE_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "dane.h"
#include "err.h"

#define DNS_NAME_MAX	253	/* RFC 1035 §2.3.4: 255 octets on the wire */
#define DNS_MX_MAX	32	/* more MX hosts than anyone tries; extras ignored */
#define DNS_CNAME_MAX	8	/* CNAME links followed before giving up */

struct mx {
	unsigned short pref;
	char	 host[DNS_NAME_MAX + 1];	/* no trailing dot; "" is "." */
};

/* "secure", "insecure", "bogus", "unknown (resolver not trusted)". */
const char *dns_sec_name(enum dns_sec s);

struct mx_list {
	struct mx v[DNS_MX_MAX];
	size_t	 n;
	enum dns_sec sec;		/* of the answer (dns_lookup_mx) */
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

#define TYPE_TLSA	52	/* RFC 6698 §7.1 */

/*
 * Parse one DNS response to a TLSA query (msg[0..len), never beyond),
 * following the CNAME chain in the answer.  NXDOMAIN and NODATA give
 * out->n == 0 and 0 (no records: RFC 7672 §2.2.3 treats both alike).
 * Records of the chain's end of type TLSA class IN are kept, at most
 * DNS_TLSA_MAX (struct tlsa_list: dane.h).  When the chain ends on a name
 * with no records here, cname (DNS_NAME_MAX + 1 bytes) gets that name, the
 * one to ask next; else "".  Errors: EX_TEMPFAIL for SERVFAIL and other
 * server failures, EX_PROTOCOL for a malformed message.  out is always
 * safe to pass to dns_tlsa_free, also after an error.  name names the
 * query in messages.
 */
int	dns_parse_tlsa(const unsigned char *msg, size_t len, const char *name,
	    struct tlsa_list *out, char *cname, struct err *e);
void	dns_tlsa_free(struct tlsa_list *l);

/*
 * Look up _port._tcp.host TLSA (host in A-labels).  out->sec says what
 * DNSSEC says: a failed query from a trusted resolver (SERVFAIL, timeout)
 * is DNSSEC_BOGUS and -1 with e EX_TEMPFAIL; otherwise as dns_parse_tlsa.
 * Free out with dns_tlsa_free in every case.
 */
int	dns_lookup_tlsa(const char *host, int port, struct tlsa_list *out,
	    struct err *e);

#endif
