/*
 * dane.c — DANE certificate matching for SMTP (see dane.h).
 *
 * RFC 6698 §2.1 (TLSA fields), RFC 7672 §3 (SMTP's use: DANE-TA and
 * DANE-EE only, names for DANE-TA), RFC 7218 (the acronyms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/dane.h>
#include <gnutls/x509.h>

#include "dane.h"
#include "util.h"

#define SHA256_LEN	32
#define SHA512_LEN	64
#define FORMAT_OCTETS	16	/* of the data shown by dane_format */

enum dane_policy
dane_policy(const struct tlsa_list *l)
{
	if (l == NULL)
		return DANE_OPPORTUNISTIC;
	if (l->sec == DNSSEC_BOGUS)
		return DANE_DEFER;
	if (l->sec != DNSSEC_SECURE || (l->n == 0 && l->malformed == 0))
		return DANE_OPPORTUNISTIC;
	return dane_count_usable(l) > 0 ? DANE_VERIFY : DANE_ENCRYPT;
}

const char *
dane_policy_words(enum dane_policy p)
{
	switch (p) {
	case DANE_OPPORTUNISTIC:	return "STARTTLS when offered";
	case DANE_DEFER:		return "host not tried, deferred";
	case DANE_ENCRYPT:		return "STARTTLS required, "
					    "certificate not checked "
					    "(no usable TLSA record)";
	case DANE_VERIFY:		return "STARTTLS required, "
					    "certificate must match a TLSA "
					    "record";
	}
	return "?";
}

bool
dane_usable(const struct tlsa_rr *r)
{
	if (r->usage != DANE_TA && r->usage != DANE_EE)
		return false;
	if (r->selector > 1 || r->toolong)
		return false;
	switch (r->mtype) {
	case 0:		return r->len > 0;
	case 1:		return r->len == SHA256_LEN;
	case 2:		return r->len == SHA512_LEN;
	default:	return false;
	}
}

size_t
dane_count_usable(const struct tlsa_list *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += dane_usable(&l->v[i]);
	return n;
}

void
dane_format(const struct tlsa_rr *r, char *out, size_t outlen)
{
	size_t o;

	o = (size_t)snprintf(out, outlen, "%u %u %u ", r->usage, r->selector,
	    r->mtype);
	for (size_t i = 0; i < r->len && i < FORMAT_OCTETS && o + 3 < outlen;
	    i++)
		o += (size_t)snprintf(out + o, outlen - o, "%02x", r->data[i]);
	if (r->toolong && o < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "(data too long)");
	else if (r->len > FORMAT_OCTETS && o < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	if (!dane_usable(r) && o < outlen)
		snprintf(out + o, outlen - o, " (unusable)");
}

/* DANE-TA: the server's certificate must name the MX host or the MX
 * domain (RFC 7672 §3.2.2); RFC 6125 matching through GnuTLS. */
static bool
names_match(const gnutls_datum_t *leaf, const char *host, const char *domain)
{
	gnutls_x509_crt_t crt;
	bool ok = false;

	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, leaf, GNUTLS_X509_FMT_DER) >= 0)
		ok = (host != NULL &&
		    gnutls_x509_crt_check_hostname2(crt, host, 0) != 0) ||
		    (domain != NULL &&
		    gnutls_x509_crt_check_hostname2(crt, domain, 0) != 0);
	gnutls_x509_crt_deinit(crt);
	return ok;
}

/* One record against the chain, through libgnutls-dane: 1 matches. */
static int
match_one(dane_state_t s, const struct tlsa_rr *r,
    const gnutls_datum_t *chain, unsigned n)
{
	char *rdata = xmalloc(3 + r->len);
	char *data[2] = { rdata, NULL };
	int len[2] = { (int)(3 + r->len), 0 };
	dane_query_t q = NULL;
	unsigned int verify = 0;
	int ok = 0;

	rdata[0] = (char)r->usage;
	rdata[1] = (char)r->selector;
	rdata[2] = (char)r->mtype;
	memcpy(rdata + 3, r->data, r->len);
	/* secure = 1: dns.c established it; libgnutls-dane only matches. */
	if (dane_raw_tlsa(s, &q, data, len, 1, 0) == DANE_E_SUCCESS &&
	    dane_verify_crt_raw(s, chain, n, GNUTLS_CRT_X509, q, 0,
	    DANE_VFLAG_FAIL_IF_NOT_CHECKED, &verify) == DANE_E_SUCCESS &&
	    verify == 0)
		ok = 1;
	if (q != NULL)
		dane_query_deinit(q);
	free(rdata);
	return ok;
}

int
dane_match(const struct tlsa_list *l, const gnutls_datum_t *chain,
    unsigned n, const char *host, const char *domain, size_t *which,
    char *why, size_t whylen)
{
	dane_state_t s;
	bool name_failed = false;
	int rc = -1;

	if (n == 0 || chain == NULL) {
		snprintf(why, whylen, "DANE: %s sent no certificate",
		    host != NULL ? host : "the server");
		return -1;
	}
	/* No resolver and no DNSSEC of its own: dns.c did the look-up. */
	if (dane_state_init(&s, DANE_F_IGNORE_LOCAL_RESOLVER |
	    DANE_F_IGNORE_DNSSEC) != DANE_E_SUCCESS) {
		snprintf(why, whylen, "DANE: cannot initialise libgnutls-dane");
		return -1;
	}
	for (size_t i = 0; i < l->n && rc == -1; i++) {
		const struct tlsa_rr *r = &l->v[i];

		if (!dane_usable(r) || !match_one(s, r, chain, n))
			continue;
		if (r->usage == DANE_TA && !names_match(&chain[0], host,
		    domain)) {
			name_failed = true;
			continue;
		}
		*which = i;
		rc = 0;
	}
	dane_state_deinit(s);
	if (rc == -1 && name_failed)
		snprintf(why, whylen, "DANE: the certificate of %s chains to "
		    "its TLSA trust anchor but names neither %s nor %s",
		    host != NULL ? host : "the server", host != NULL ? host :
		    "-", domain != NULL ? domain : "-");
	else if (rc == -1)
		snprintf(why, whylen, "DANE: the certificate of %s matches "
		    "none of its %zu usable TLSA records",
		    host != NULL ? host : "the server", dane_count_usable(l));
	return rc;
}
