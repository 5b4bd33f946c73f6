/*
 * dns.c — MX look-ups (see dns.h).
 *
 * RFC 1035 §4.1 (message format), §4.1.4 (compression), RFC 2181 §10.1
 * (CNAME), RFC 5321 §5.1 (MX order, implicit MX), RFC 7505 (null MX),
 * RFC 6698 §2 (TLSA), RFC 7672 §2.2 (TLSA look-ups for SMTP), RFC 4035
 * §3.2.3 and §4.9.3 (the AD bit and when a stub may believe it).
 *
 * The parser is our own rather than ns_initparse()/ns_parserr(): it reads
 * (msg, len) with explicit bounds, follows compression pointers only
 * backwards (so it always ends), and is simple to fuzz.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "util.h"

#define DNS_HDR_LEN	12
#define DNS_MSG_MAX	65536		/* RFC 1035 over TCP: 16-bit length */
#define DNS_WIRE_NAME_MAX 255		/* RFC 1035 §2.3.4 */

#define DNS_QR		0x8000		/* a response */
#define DNS_AD		0x0020		/* authentic data (RFC 4035 §3.2.3) */
#define DNS_RCODE(f)	((f) & 0x000f)
#define RCODE_NOERROR	0
#define RCODE_SERVFAIL	2
#define RCODE_NXDOMAIN	3

#define TYPE_CNAME	5
#define TYPE_MX		15
#define CLASS_IN	1

/* One resource record as the iterator sees it. */
struct rr {
	char	 owner[DNS_NAME_MAX + 1];
	unsigned type, class;
	size_t	 rdata;			/* offset of the RDATA in msg */
	size_t	 rdlen;
};

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static bool
host_octet(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Read the (possibly compressed) name at *off into out in presentation
 * form, lower-cased, without the trailing dot ("" for the root).  *off
 * moves past the name as it sits at *off (past the first pointer).  Octets
 * that cannot be in a host name become '?' and clear *hostname.
 * -1 when the name runs past len, loops, or exceeds 255 octets.
 */
static int
name_read(const unsigned char *msg, size_t len, size_t *off, char *out,
    bool *hostname)
{
	size_t pos = *off, o = 0, wire = 0, floor = *off;
	bool jumped = false;

	*hostname = true;
	for (;;) {
		unsigned l;

		if (pos >= len)
			return -1;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len)
				return -1;
			to = (l & 0x3f) << 8 | msg[pos + 1];
			/* Only backwards, before anything read so far:
			 * every jump shrinks floor, so the walk ends. */
			if (to >= floor)
				return -1;
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = floor = to;
			continue;
		}
		if ((l & 0xc0) != 0)
			return -1;	/* 0x40/0x80: extended label types */
		wire += l + 1;
		if (wire > DNS_WIRE_NAME_MAX)
			return -1;
		if (l == 0)
			break;
		if (pos + 1 + l > len)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (unsigned i = 0; i < l; i++) {
			unsigned char c = msg[pos + 1 + i];

			if (!host_octet(c)) {
				*hostname = false;
				c = '?';
			}
			out[o++] = (char)ascii_tolower(c);
		}
		pos += 1 + l;
	}
	out[o] = '\0';
	if (!jumped)
		*off = pos + 1;
	return 0;
}

/* Skip one question entry. */
static int
question_read(const unsigned char *msg, size_t len, size_t *off, char *qname)
{
	bool hostname;

	if (name_read(msg, len, off, qname, &hostname) == -1 ||
	    *off + 4 > len)
		return -1;
	*off += 4;		/* QTYPE, QCLASS */
	return 0;
}

/* Read the resource record at *off into rr; *off moves past it. */
static int
rr_read(const unsigned char *msg, size_t len, size_t *off, struct rr *rr)
{
	bool hostname;

	if (name_read(msg, len, off, rr->owner, &hostname) == -1 ||
	    *off + 10 > len)
		return -1;
	rr->type = get16(msg + *off);
	rr->class = get16(msg + *off + 2);
	rr->rdlen = get16(msg + *off + 8);	/* after the 32-bit TTL */
	rr->rdata = *off + 10;
	if (rr->rdata + rr->rdlen > len)
		return -1;
	*off = rr->rdata + rr->rdlen;
	return 0;
}

/* The name in an RR's RDATA at rdata+skip; it must end within the RDATA
 * (a pointer may lead before it). */
static int
rdata_name(const unsigned char *msg, size_t len, const struct rr *rr,
    size_t skip, char *out, bool *hostname)
{
	size_t off = rr->rdata + skip;

	if (skip >= rr->rdlen ||
	    name_read(msg, len, &off, out, hostname) == -1 ||
	    off > rr->rdata + rr->rdlen)
		return -1;
	return 0;
}

/*
 * Follow the CNAME chain for name through the answer section (at ans,
 * count records): name becomes the chain's end.  Bounded by DNS_CNAME_MAX
 * links; a longer chain stops where it is (the caller then finds no MX).
 */
static int
follow_cnames(const unsigned char *msg, size_t len, size_t ans,
    unsigned count, char *name)
{
	for (int hop = 0; hop < DNS_CNAME_MAX; hop++) {
		size_t off = ans;
		bool moved = false;
		struct rr rr;

		for (unsigned i = 0; i < count && !moved; i++) {
			char target[DNS_NAME_MAX + 1];
			bool hostname;

			if (rr_read(msg, len, &off, &rr) == -1)
				return -1;
			if (rr.type != TYPE_CNAME || rr.class != CLASS_IN ||
			    !ascii_eq_ci(rr.owner, name))
				continue;
			if (rdata_name(msg, len, &rr, 0, target,
			    &hostname) == -1)
				return -1;
			if (!hostname || ascii_eq_ci(target, name))
				return 0;
			memcpy(name, target, sizeof(target));
			moved = true;
		}
		if (!moved)
			return 0;
	}
	return 0;
}

/* Append the MX records owned by name; "." targets count in *nulls. */
static int
collect_mx(const unsigned char *msg, size_t len, size_t ans, unsigned count,
    const char *name, struct mx_list *out, size_t *nulls)
{
	size_t off = ans;
	struct rr rr;

	for (unsigned i = 0; i < count; i++) {
		struct mx mx;
		bool hostname;

		if (rr_read(msg, len, &off, &rr) == -1)
			return -1;
		if (rr.type != TYPE_MX || rr.class != CLASS_IN ||
		    !ascii_eq_ci(rr.owner, name))
			continue;
		if (rr.rdlen < 3 || rdata_name(msg, len, &rr, 2, mx.host,
		    &hostname) == -1)
			return -1;
		mx.pref = (unsigned short)get16(msg + rr.rdata);
		if (mx.host[0] == '\0')
			(*nulls)++;
		else if (hostname && out->n < DNS_MX_MAX)
			out->v[out->n++] = mx;
	}
	return 0;
}

static int
rcode_error(unsigned rcode, const char *domain, struct err *e)
{
	if (rcode == RCODE_NXDOMAIN)
		return err_set(e, EX_NOHOST, "domain %s does not exist "
		    "(NXDOMAIN)", domain);
	if (rcode == RCODE_SERVFAIL)
		return err_set(e, EX_TEMPFAIL, "DNS look-up of %s MX failed: "
		    "server failure (SERVFAIL)", domain);
	return err_set(e, EX_TEMPFAIL, "DNS look-up of %s MX failed: "
	    "the server answered with error %u", domain, rcode);
}

int
dns_parse_mx(const unsigned char *msg, size_t len, const char *domain,
    struct mx_list *out, struct err *e)
{
	char qname[DNS_NAME_MAX + 1], name[DNS_NAME_MAX + 1];
	size_t off = DNS_HDR_LEN, nulls = 0;
	unsigned flags, qd, an;

	memset(out, 0, sizeof(*out));
	if (len < DNS_HDR_LEN || (get16(msg + 2) & DNS_QR) == 0)
		return err_set(e, EX_PROTOCOL, "DNS look-up of %s MX: "
		    "malformed answer", domain);
	flags = get16(msg + 2);
	if (DNS_RCODE(flags) != RCODE_NOERROR)
		return rcode_error(DNS_RCODE(flags), domain, e);
	qd = get16(msg + 4);
	an = get16(msg + 6);
	if (qd != 1 || question_read(msg, len, &off, qname) == -1)
		return err_set(e, EX_PROTOCOL, "DNS look-up of %s MX: "
		    "malformed answer", domain);
	memcpy(name, qname, sizeof(name));
	if (follow_cnames(msg, len, off, an, name) == -1 ||
	    collect_mx(msg, len, off, an, name, out, &nulls) == -1) {
		out->n = 0;
		return err_set(e, EX_PROTOCOL, "DNS look-up of %s MX: "
		    "malformed answer", domain);
	}
	if (out->n == 0 && nulls > 0)
		return err_set(e, EX_NOHOST, "domain %s accepts no mail "
		    "(null MX, RFC 7505)", domain);
	/* A chain that ended on a name with no MX here: ask for that name. */
	if (out->n == 0 && !ascii_eq_ci(name, qname))
		memcpy(out->cname, name, sizeof(out->cname));
	return 0;
}

void
dns_order_mx(struct mx_list *l)
{
	uint32_t key[DNS_MX_MAX];

	/* Random keys break ties: load spreads over equal-preference hosts
	 * (RFC 5321 §5.1).  Without randomness the answer's order stays. */
	memset(key, 0, sizeof(key));
	if (l->n > 1)
		(void)getrandom(key, sizeof(key), GRND_NONBLOCK);
	for (size_t i = 1; i < l->n; i++) {
		struct mx m = l->v[i];
		uint32_t k = key[i];
		size_t j = i;

		for (; j > 0 && (l->v[j - 1].pref > m.pref ||
		    (l->v[j - 1].pref == m.pref && key[j - 1] > k)); j--) {
			l->v[j] = l->v[j - 1];
			key[j] = key[j - 1];
		}
		l->v[j] = m;
		key[j] = k;
	}
}

const char *
dns_sec_name(enum dns_sec s)
{
	switch (s) {
	case DNSSEC_SECURE:	return "secure";
	case DNSSEC_INSECURE:	return "insecure";
	case DNSSEC_BOGUS:	return "bogus";
	case DNSSEC_UNTRUSTED:	break;
	}
	return "unknown (the resolver is not trusted for DNSSEC: "
	    "resolv.conf needs options trust-ad and a nameserver on loopback)";
}

/* May the AD bit be believed (see dns.h)?  trust-ad, and nothing but
 * loopback nameservers: glibc keeps IPv6 ones in _u._ext.nsaddrs. */
static bool
ad_trusted(const struct __res_state *st)
{
	if ((st->options & RES_TRUSTAD) == 0 || st->nscount <= 0)
		return false;
	for (int i = 0; i < st->nscount && i < MAXNS; i++) {
		const struct sockaddr_in6 *s6 = st->_u._ext.nsaddrs[i];
		const struct sockaddr_in *s4 = &st->nsaddr_list[i];

		if (s6 != NULL && s6->sin6_family == AF_INET6) {
			if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
				return false;
		} else if (s4->sin_family != AF_INET ||
		    (ntohl(s4->sin_addr.s_addr) >> 24) != 127)
			return false;
	}
	return true;
}

/* The DNSSEC status of one answer that arrived (len >= header). */
static enum dns_sec
answer_sec(const struct __res_state *st, const unsigned char *msg,
    size_t len)
{
	if (!ad_trusted(st))
		return DNSSEC_UNTRUSTED;
	if (len < DNS_HDR_LEN)
		return DNSSEC_INSECURE;
	return (get16(msg + 2) & DNS_AD) != 0 ? DNSSEC_SECURE :
	    DNSSEC_INSECURE;
}

/* res_nquery failed: what its h_errno means for the domain. */
static int
query_failed(const struct __res_state *st, const char *domain,
    struct mx_list *out, struct err *e)
{
	switch (st->res_h_errno) {
	case NO_DATA:
		out->n = 0;	/* no MX: the domain is its own mail host */
		return 0;
	case HOST_NOT_FOUND:
		return err_set(e, EX_NOHOST, "domain %s does not exist "
		    "(NXDOMAIN)", domain);
	case TRY_AGAIN:
		return err_set(e, EX_TEMPFAIL, "DNS look-up of %s MX failed "
		    "temporarily (server failure or timeout)", domain);
	case NO_RECOVERY:
		return err_set(e, EX_TEMPFAIL, "DNS look-up of %s MX failed: "
		    "the server refused or could not answer", domain);
	default:
		return err_sys(e, EX_TEMPFAIL, "DNS look-up of %s MX failed",
		    domain);
	}
}

int
dns_lookup_mx(const char *domain, struct mx_list *out, struct err *e)
{
	struct __res_state st;
	char name[DNS_NAME_MAX + 1];
	enum dns_sec sec = DNSSEC_UNTRUSTED;
	unsigned char *buf;
	int n, rc = -1;

	memset(out, 0, sizeof(*out));
	if (strlen(domain) > DNS_NAME_MAX)
		return err_set(e, EX_DATAERR, "domain name too long: %.64s...",
		    domain);
	/* A private resolver state: res_ninit reads /etc/resolv.conf and
	 * RES_OPTIONS; nothing global changes. */
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == -1)
		return err_set(e, EX_TEMPFAIL, "cannot initialise the DNS "
		    "resolver (/etc/resolv.conf)");
	buf = xmalloc(DNS_MSG_MAX);
	snprintf(name, sizeof(name), "%s", domain);
	for (int hop = 0; ; hop++) {
		n = res_nquery(&st, name, C_IN, T_MX, buf, DNS_MSG_MAX);
		if (n < 0) {
			/* NODATA included: its AD bit is out of reach here,
			 * so an implicit MX is never "secure" (dns.h). */
			rc = query_failed(&st, domain, out, e);
			out->sec = ad_trusted(&st) ? DNSSEC_INSECURE :
			    DNSSEC_UNTRUSTED;
			break;
		}
		/* Every link of a CNAME chain must be secure. */
		if (hop == 0 || sec == DNSSEC_SECURE)
			sec = answer_sec(&st, buf, (size_t)n);
		if (dns_parse_mx(buf, (size_t)n, domain, out, e) == -1)
			break;
		if (out->n > 0 || out->cname[0] == '\0') {
			dns_order_mx(out);
			out->sec = sec;
			rc = 0;
			break;
		}
		if (hop == DNS_CNAME_MAX) {
			err_set(e, EX_TEMPFAIL, "DNS look-up of %s MX: CNAME "
			    "chain longer than %d links", domain,
			    DNS_CNAME_MAX);
			break;
		}
		memcpy(name, out->cname, sizeof(name));
	}
	free(buf);
	res_nclose(&st);
	return rc;
}

/* ---- TLSA (RFC 6698, RFC 7672 §2.2) ---- */

/* Keep one TLSA RDATA: three octets, then the association data. */
static void
tlsa_keep(const unsigned char *rdata, size_t rdlen, struct tlsa_list *out)
{
	struct tlsa_rr *t;

	if (rdlen < 3) {
		out->malformed++;
		return;
	}
	if (out->n == DNS_TLSA_MAX)
		return;
	t = &out->v[out->n++];
	t->usage = rdata[0];
	t->selector = rdata[1];
	t->mtype = rdata[2];
	t->len = rdlen - 3;
	if (t->len > DNS_TLSA_DATA_MAX) {
		t->toolong = true;
		t->len = 0;
		return;
	}
	t->data = xmalloc(t->len > 0 ? t->len : 1);
	memcpy(t->data, rdata + 3, t->len);
}

/* Append the TLSA records owned by name. */
static int
collect_tlsa(const unsigned char *msg, size_t len, size_t ans,
    unsigned count, const char *name, struct tlsa_list *out)
{
	size_t off = ans;
	struct rr rr;

	for (unsigned i = 0; i < count; i++) {
		if (rr_read(msg, len, &off, &rr) == -1)
			return -1;
		if (rr.type == TYPE_TLSA && rr.class == CLASS_IN &&
		    ascii_eq_ci(rr.owner, name))
			tlsa_keep(msg + rr.rdata, rr.rdlen, out);
	}
	return 0;
}

void
dns_tlsa_free(struct tlsa_list *l)
{
	for (size_t i = 0; i < l->n && i < DNS_TLSA_MAX; i++) {
		free(l->v[i].data);
		l->v[i].data = NULL;
	}
	l->n = 0;
}

int
dns_parse_tlsa(const unsigned char *msg, size_t len, const char *name,
    struct tlsa_list *out, char *cname, struct err *e)
{
	char qname[DNS_NAME_MAX + 1], end[DNS_NAME_MAX + 1];
	size_t off = DNS_HDR_LEN;
	unsigned flags, rcode;

	memset(out, 0, sizeof(*out));
	cname[0] = '\0';
	if (len < DNS_HDR_LEN || (get16(msg + 2) & DNS_QR) == 0)
		return err_set(e, EX_PROTOCOL, "DNS look-up of %s TLSA: "
		    "malformed answer", name);
	flags = get16(msg + 2);
	rcode = DNS_RCODE(flags);
	if (rcode == RCODE_NXDOMAIN)
		return 0;	/* no such name: no records */
	if (rcode == RCODE_SERVFAIL)
		return err_set(e, EX_TEMPFAIL, "DNS look-up of %s TLSA "
		    "failed: server failure (SERVFAIL)", name);
	if (rcode != RCODE_NOERROR)
		return err_set(e, EX_TEMPFAIL, "DNS look-up of %s TLSA "
		    "failed: the server answered with error %u", name, rcode);
	if (get16(msg + 4) != 1 || question_read(msg, len, &off, qname) == -1)
		return err_set(e, EX_PROTOCOL, "DNS look-up of %s TLSA: "
		    "malformed answer", name);
	memcpy(end, qname, sizeof(end));
	if (follow_cnames(msg, len, off, get16(msg + 6), end) == -1 ||
	    collect_tlsa(msg, len, off, get16(msg + 6), end, out) == -1) {
		dns_tlsa_free(out);
		return err_set(e, EX_PROTOCOL, "DNS look-up of %s TLSA: "
		    "malformed answer", name);
	}
	if (out->n == 0 && !ascii_eq_ci(end, qname))
		memcpy(cname, end, DNS_NAME_MAX + 1);
	return 0;
}

/* One query through res_nsend, which returns every answer whatever its
 * RCODE (res_nquery hides NXDOMAIN and NODATA answers, and their AD). */
static int
query_send(struct __res_state *st, const char *name, int type,
    unsigned char *buf, int buflen)
{
	unsigned char q[NS_PACKETSZ];
	int qlen;

	qlen = res_nmkquery(st, ns_o_query, name, C_IN, type, NULL, 0, NULL,
	    q, sizeof(q));
	if (qlen < 0)
		return -1;
	return res_nsend(st, q, qlen, buf, buflen);
}

int
dns_lookup_tlsa(const char *host, int port, struct tlsa_list *out,
    struct err *e)
{
	struct __res_state st;
	char name[DNS_NAME_MAX + 1], next[DNS_NAME_MAX + 1];
	enum dns_sec sec = DNSSEC_SECURE;
	unsigned char *buf;
	int n, rc = -1;

	memset(out, 0, sizeof(*out));
	if (snprintf(name, sizeof(name), "_%d._tcp.%s", port, host) >=
	    (int)sizeof(name))
		return err_set(e, EX_DATAERR, "host name too long for a "
		    "TLSA look-up: %.64s...", host);
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == -1)
		return err_set(e, EX_TEMPFAIL, "cannot initialise the DNS "
		    "resolver (/etc/resolv.conf)");
	buf = xmalloc(DNS_MSG_MAX);
	for (int hop = 0; ; hop++) {
		char shown[DNS_NAME_MAX + 1];

		memcpy(shown, name, sizeof(shown));
		if ((n = query_send(&st, name, TYPE_TLSA, buf,
		    DNS_MSG_MAX)) < 0) {
			err_set(e, EX_TEMPFAIL, "DNS look-up of %s TLSA "
			    "failed (no answer)", shown);
			sec = DNSSEC_BOGUS;
			break;
		}
		if (sec == DNSSEC_SECURE)	/* every link of a chain */
			sec = answer_sec(&st, buf, (size_t)n);
		if (dns_parse_tlsa(buf, (size_t)n, shown, out, next,
		    e) == -1) {
			if (e->ex == EX_TEMPFAIL)
				sec = DNSSEC_BOGUS;
			break;
		}
		if (out->n > 0 || next[0] == '\0') {
			rc = 0;
			break;
		}
		if (hop == DNS_CNAME_MAX) {
			err_set(e, EX_TEMPFAIL, "DNS look-up of %s TLSA: "
			    "CNAME chain longer than %d links", name,
			    DNS_CNAME_MAX);
			break;
		}
		memcpy(name, next, sizeof(name));
	}
	/* An untrusted resolver says nothing about DNSSEC, failing or not. */
	out->sec = ad_trusted(&st) ? sec : DNSSEC_UNTRUSTED;
	free(buf);
	res_nclose(&st);
	return rc;
}
