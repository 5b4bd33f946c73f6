/*
 * dane.h — DANE for SMTP (RFC 7672, RFC 6698): which TLSA records postie
 * can use, whether a server's certificate chain matches one of them, and
 * the words -bv and -v print for them.
 *
 * The records come from dns_lookup_tlsa (dns.h), which also says whether
 * DNSSEC validated them; this module holds their types and only judges
 * certificates (transport layer, under tls.c).  Matching
 * goes through libgnutls-dane (dane_raw_tlsa, dane_verify_crt_raw), one
 * record at a time so that -v can name the record that matched.
 *
 * RFC 7672 §3.1: an SMTP client uses only DANE-TA(2) and DANE-EE(3):
 *   - DANE-EE(3): the server's own certificate or public key matches; no
 *     name, date or chain check (RFC 7672 §3.1.1);
 *   - DANE-TA(2): the certificate that issued the server's (sent in its
 *     chain) matches, the server's certificate verifies under it, and it
 *     names the MX host or the MX domain (RFC 7672 §3.2.2).  libgnutls-dane
 *     checks the trust anchor as the direct issuer only: a TA further up
 *     a longer chain does not match.
 * PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP, as are unknown
 * selectors and matching types, and digests of the wrong length.
 */
#ifndef POSTIE_DANE_H
#define POSTIE_DANE_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/gnutls.h>

/* What DNSSEC says about an answer, as far as postie can know it: dns.c
 * finds it out (dns.h says how); it is here, in the transport layer, with
 * the TLSA records that carry it down to tls.c. */
enum dns_sec {
	DNSSEC_UNTRUSTED = 0,	/* the resolver is not trusted for AD: unknown */
	DNSSEC_INSECURE,	/* a trusted resolver did not set AD */
	DNSSEC_SECURE,		/* a trusted resolver set AD: validated */
	DNSSEC_BOGUS,		/* a trusted resolver failed (SERVFAIL): a
				 * failed validation looks like this */
};

#define DNS_TLSA_MAX	16	/* records kept per RRset; extras ignored */
#define DNS_TLSA_DATA_MAX 2048	/* a full certificate (matching type 0) fits;
				 * longer data is kept as "unusable" */

/* One TLSA record (RFC 6698 §2.1).  data is the certificate association
 * data, len octets (not NUL-terminated), owned by the tlsa_list. */
struct tlsa_rr {
	unsigned char usage, selector, mtype;
	unsigned char *data;
	size_t	 len;
	bool	 toolong;	/* data longer than DNS_TLSA_DATA_MAX: dropped */
};

struct tlsa_list {
	struct tlsa_rr v[DNS_TLSA_MAX];
	size_t	 n;
	size_t	 malformed;	/* records shorter than the 3 fixed octets */
	enum dns_sec sec;	/* of the answer (dns_lookup_tlsa) */
};

#define DANE_TA		2	/* RFC 7218 names */
#define DANE_EE		3

/* What a host's TLSA look-up means for its session (RFC 7672 §2.2), the
 * one place that decides it (-bv and delivery both ask):
 *   no look-up, insecure, unknown, or secure with no records: STARTTLS
 *     when offered, as without DANE;
 *   bogus (a validating resolver failed): the host is not tried;
 *   secure records, none usable: TLS required, certificate not checked;
 *   secure records, some usable: TLS required, certificate must match. */
enum dane_policy {
	DANE_OPPORTUNISTIC = 0,
	DANE_DEFER,
	DANE_ENCRYPT,
	DANE_VERIFY,
};
enum dane_policy dane_policy(const struct tlsa_list *l);	/* l may be NULL */
/* "STARTTLS when offered", "host deferred", ... for -bv and -v. */
const char *dane_policy_words(enum dane_policy p);

/* Whether a record is usable for SMTP (see above). */
bool	dane_usable(const struct tlsa_rr *r);
/* How many records of l are usable. */
size_t	dane_count_usable(const struct tlsa_list *l);

/* "3 1 1 2b0e57..." : the three fields, then the data in hex, cut after
 * 16 octets ("...") so that a full certificate stays on one line; a
 * record postie cannot use says so ("(unusable)"). */
void	dane_format(const struct tlsa_rr *r, char *out, size_t outlen);

/*
 * Does chain (DER, the server's certificate first, n of them) match one
 * usable record of l?  host is the MX host name and domain the MX domain
 * (NULL: none), the names a DANE-TA match must carry.  0 and *which set
 * to the index in l->v of the first record that matched; -1 with why (a
 * sentence naming the host and what was wrong) when none did.
 */
int	dane_match(const struct tlsa_list *l, const gnutls_datum_t *chain,
	    unsigned n, const char *host, const char *domain, size_t *which,
	    char *why, size_t whylen);

#endif
