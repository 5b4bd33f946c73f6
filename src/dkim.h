/*
 * dkim.h — DKIM signing (RFC 6376) with RSA-SHA256 (RFC 8301: keys of
 * 1024 bits or more) and Ed25519-SHA256 (RFC 8463), canonicalization
 * relaxed/relaxed, through GnuTLS.
 *
 * A signer holds the keys of one account (dkim_key, dkim_selector,
 * dkim_domain, dkim_headers; config.h).  A signing pass is fed the wire
 * form of a message exactly as one server will receive it (CRLF line
 * ends, not dot-stuffed): header section and body, in any chunking.  The
 * header section is kept (it is bounded, DKIM_HEADER_MAX); the body only
 * runs through the relaxed filter into SHA-256, so memory stays flat.  At
 * the end the pass yields one DKIM-Signature field per key, to be sent
 * in front of those same bytes.
 *
 * Header fields signed: each name of the list as often as it occurs,
 * bottom-up (RFC 6376 §5.4.2), and "from" once more than it occurs, so
 * that no From can be added without breaking the signature.  Tags: v, a,
 * c, d, s, t, h, bh, b; never l= (a body limit lets anyone append).
 */
#ifndef POSTIE_DKIM_H
#define POSTIE_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "util.h"

#define DKIM_KEYS_MAX		4	/* keys per account: RSA + Ed25519 is the usual pair */
#define DKIM_KEY_FILE_MAX	(64 * 1024)	/* a PEM key is a few KiB */
#define DKIM_RSA_MIN_BITS	1024	/* RFC 8301 §3.2 */
/* The wire header section: HEADER_SECTION_MAX after the rewrite, plus
 * what RFC 2047 encoding and CRLFs add. */
#define DKIM_HEADER_MAX		(4 * 1024 * 1024)

/* The default dkim_headers (the list; RFC 6376 §5.4.1). */
#define DKIM_DEFAULT_HEADERS	"from:to:cc:subject:date:message-id:" \
	"reply-to:in-reply-to:references:mime-version:content-type:" \
	"content-transfer-encoding"

struct dkim_signer;

/*
 * Load the keys of an account.  keys: "FILE[,FILE...]" (PEM, PKCS#1 or
 * PKCS#8; RSA of DKIM_RSA_MIN_BITS or more, or Ed25519); selectors: as
 * many names, one per key; domain: dkim_domain or NULL (then each
 * message's From domain); headers: names separated by ':' or ',' (NULL:
 * DKIM_DEFAULT_HEADERS; "from" is added when missing).  Errors, all
 * EX_CONFIG naming the file or the value: a key file readable by group or
 * others or owned by another user (as a password file), unreadable, not
 * a key, an unsupported or too short key; a selector count that differs
 * from the key count; a selector or domain that is not a DNS name.
 */
int	dkim_signer_new(struct dkim_signer **out, const char *keys,
	    const char *selectors, const char *domain, const char *headers,
	    struct err *e);
void	dkim_signer_free(struct dkim_signer *s);

/* The d= for a message whose From address has the domain from_domain
 * (ASCII, A-labels): dkim_domain when from_domain is it or below it
 * (case-insensitive), from_domain when no dkim_domain was given, NULL
 * when the message is not to be signed.  Valid while s and from_domain
 * live. */
const char *dkim_signer_domain(const struct dkim_signer *s,
	    const char *from_domain);

/* One signing pass over one wire form. */
struct dkim_sign;

/* Start a pass signing as domain d (from dkim_signer_domain) at time t
 * (the t= tag).  s must outlive the pass. */
struct dkim_sign *dkim_sign_begin(const struct dkim_signer *s,
	    const char *d, time_t t);
/* Feed the next n octets of the wire form. */
void	dkim_sign_feed(struct dkim_sign *g, const char *p, size_t n);
/* End of the wire form: append one "DKIM-Signature: ...\r\n" field per
 * key to out, in key order.  Errors: EX_DATAERR when the header section
 * was over DKIM_HEADER_MAX; EX_SOFTWARE when GnuTLS fails to sign. */
int	dkim_sign_end(struct dkim_sign *g, struct buf *out, struct err *e);
void	dkim_sign_free(struct dkim_sign *g);

#endif
