/*
 * tls.h — a GnuTLS client session over a connected socket.
 *
 * What is checked (design §4): the system trust store (or tls_trust_file)
 * and the revocation lists of tls_crl_file,
 * the host name (tls_host_override, else the name connected to), SNI,
 * TLS 1.2 minimum (or 1.3), a SHA-256 certificate pin that replaces the
 * chain check, an optional client certificate.  The trust store is loaded
 * only when it is needed (a pin or DANE makes it unnecessary): ~7 ms.
 * DANE (RFC 7672, dane.h): with TLSA records given, the certificate must
 * match one of them; that replaces the chain, name and date checks.
 *
 * Errors: EX_NOPERM for an untrusted or mismatched certificate (so that a
 * fixed configuration cures it: delivery.c defers it), EX_PROTOCOL /
 * EX_TEMPFAIL for handshake failures and lost connections.
 */
#ifndef POSTIE_TLS_H
#define POSTIE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dane.h"
#include "err.h"

/* How a session uses TLS (route.c decides it per destination). */
enum tls_mode {
	TLSMODE_NONE = 0,	/* plaintext (tls off) */
	TLSMODE_STARTTLS,	/* STARTTLS, required */
	TLSMODE_IMPLICIT,	/* TLS from the first byte (465) */
	TLSMODE_OPPORTUNISTIC,	/* STARTTLS when offered (MX) */
};

struct tls_params {
	const char *verify_name;	/* name checked against the certificate */
	const char *sni;		/* server name sent; NULL = verify_name (not for IP literals) */
	const char *trust_file;		/* NULL or "system" = system store */
	const char *crl_file;		/* revoked certificates (PEM CRLs); NULL: none */
	const char *fingerprint;	/* SHA-256 hex, ':' separated or not */
	const char *cert_file;
	const char *key_file;
	bool	 certcheck;		/* false: accept any certificate (msmtp tls_certcheck off) */
	bool	 tls13_only;		/* tls_min_version 1.3 */
	const char *priorities;		/* tls_priorities (GnuTLS); NULL: NORMAL */
	bool	 opportunistic;		/* MX: an unverified cert is still used, noted */
	/* mx_tls dane with a validated TLSA RRset holding usable records:
	 * the certificate must match one (dane_match with verify_name as the
	 * MX host and dane_domain as the MX domain); NULL otherwise. */
	const struct tlsa_list *dane;
	const char *dane_domain;
	/* Out, when not NULL: set true when the handshake failed because
	 * the server answered with a plain SMTP reply ("220 ...") where a
	 * TLS record belonged (e then EX_CONFIG): it does not speak TLS
	 * first on this port. */
	bool	*plain_reply;
};

struct tls;

/* Is prio a GnuTLS priority string postie can use (tls_priorities)?
 * Versions below the minimum (TLS 1.2, or 1.3 with tls13_only) are taken
 * out of it whatever it says.  Errors: EX_CONFIG with GnuTLS's complaint
 * and where in the string it is. */
int	tls_check_priorities(const char *prio, bool tls13_only, struct err *e);

/* Handshake over fd (already connected).  timeout_ms bounds the handshake. */
int	tls_start(struct tls **t, int fd, const struct tls_params *p,
	    int timeout_ms, struct err *e);
/* Read/write like recv/send: >0 bytes, 0 on close, -1 on error (e filled);
 * waits up to timeout_ms. */
ssize_t	tls_read(struct tls *t, void *buf, size_t len, int timeout_ms,
	    struct err *e);
int	tls_write_all(struct tls *t, const void *buf, size_t len, int timeout_ms,
	    struct err *e);
/* Bytes already decrypted and buffered inside GnuTLS. */
size_t	tls_pending(const struct tls *t);
/* Did the certificate pass the check (chain and name, or the pin)?  False
 * for an opportunistic session that went ahead with an unverified
 * certificate, and with certcheck off. */
bool	tls_peer_verified(const struct tls *t);
/* The TLSA record the certificate matched ("3 1 1 2b0e..."), or NULL when
 * DANE did not apply; valid as long as t. */
const char *tls_dane_matched(const struct tls *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for logs and -v. */
void	tls_describe(const struct tls *t, char *out, size_t outlen);
/* For -v: the session and what became of the certificate check:
 * "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified
 * (CN=smtp.example.com)", "..., certificate matches tls_fingerprint
 * (CN=...)" or "..., certificate NOT verified (CN=...)". */
void	tls_describe_peer(const struct tls *t, char *out, size_t outlen);
/* Certificate summary for --serverinfo (subject, issuer, validity, SHA-256). */
void	tls_peer_info(const struct tls *t, char *out, size_t outlen);
/* tls-unique / tls-exporter channel binding data for SCRAM-PLUS, or -1. */
int	tls_channel_binding(const struct tls *t, unsigned char *out,
	    size_t *outlen);
/* Send close_notify (best effort) and free. */
void	tls_close(struct tls *t);

#endif
