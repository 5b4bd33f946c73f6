/*
 * dkim_keygen.h — postie --dkim-keygen: make a DKIM private key and say
 * what to publish in DNS.
 *
 * The key (RSA, default 2048 bits, or Ed25519) is written in PEM (PKCS#8)
 * to a new file of mode 600 — never over an existing one — and the TXT
 * record for SELECTOR._domainkey.DOMAIN goes to out_fd in zone-file
 * syntax, its value split in strings of at most 255 octets (RFC 1035
 * §3.3.14), after a comment line naming the key file.
 */
#ifndef POSTIE_DKIM_KEYGEN_H
#define POSTIE_DKIM_KEYGEN_H

#include "err.h"

#define DKIM_KEYGEN_RSA_BITS	2048	/* RFC 8301 §3.2: SHOULD be 2048+ */
#define DKIM_KEYGEN_RSA_MAX	4096	/* a TXT record larger is unwieldy */

struct dkim_keygen_opts {
	const char *selector;	/* required */
	const char *domain;	/* required */
	const char *type;	/* "rsa" (NULL: rsa) or "ed25519" */
	unsigned int bits;	/* RSA only; 0: DKIM_KEYGEN_RSA_BITS */
	const char *key_file;	/* NULL: "SELECTOR.DOMAIN.pem" here */
};

/* Errors: EX_USAGE (missing selector or domain, not DNS names, unknown
 * type, bits out of 1024..DKIM_KEYGEN_RSA_MAX or given for Ed25519);
 * EX_CANTCREAT (the key file exists or cannot be made); EX_IOERR;
 * EX_SOFTWARE (GnuTLS failed). */
int	dkim_keygen(const struct dkim_keygen_opts *o, int out_fd,
	    struct err *e);

#endif
