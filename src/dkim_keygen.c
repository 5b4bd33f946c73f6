/*
 * dkim_keygen.c — a new DKIM key and its DNS record (see dkim_keygen.h).
 *
 * The record is what RFC 6376 §3.6.1 asks: "v=DKIM1; k=rsa; p=" and the
 * base64 of the SubjectPublicKeyInfo for RSA; for Ed25519 (RFC 8463 §4)
 * "k=ed25519; p=" and the base64 of the 32-octet raw public key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "dkim.h"
#include "dkim_keygen.h"
#include "encode.h"
#include "util.h"

#define TXT_STRING_MAX	255	/* RFC 1035 §3.3.14: one character-string */

static bool
is_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 253 || *s == '.' ||
	    s[strlen(s) - 1] == '.' || strstr(s, "..") != NULL)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.'))
			return false;
	return true;
}

static int
check_opts(const struct dkim_keygen_opts *o, bool *ed25519,
    unsigned int *bits, struct err *e)
{
	if (!is_name(o->selector))
		return err_set(e, EX_USAGE, "--dkim-keygen needs --selector "
		    "NAME (letters, digits, '-', '_', '.')");
	if (!is_name(o->domain))
		return err_set(e, EX_USAGE, "--dkim-keygen needs --domain "
		    "DOMAIN (ASCII; non-ASCII domains in their xn-- form)");
	*ed25519 = o->type != NULL && strcmp(o->type, "ed25519") == 0;
	if (o->type != NULL && !*ed25519 && strcmp(o->type, "rsa") != 0)
		return err_set(e, EX_USAGE, "--type: \"%s\" is not rsa or "
		    "ed25519", o->type);
	if (*ed25519 && o->bits != 0)
		return err_set(e, EX_USAGE, "--bits: Ed25519 keys have no "
		    "size to choose");
	*bits = o->bits != 0 ? o->bits : DKIM_KEYGEN_RSA_BITS;
	if (!*ed25519 && (*bits < DKIM_RSA_MIN_BITS ||
	    *bits > DKIM_KEYGEN_RSA_MAX))
		return err_set(e, EX_USAGE, "--bits: %u is not in %d..%d",
		    *bits, DKIM_RSA_MIN_BITS, DKIM_KEYGEN_RSA_MAX);
	return 0;
}

/* The p= value: base64 of the SubjectPublicKeyInfo (RSA) or of the raw
 * key (Ed25519). */
static int
public_b64(gnutls_x509_privkey_t x, bool ed25519, char **out, struct err *e)
{
	gnutls_privkey_t priv = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	int rc;

	gnutls_privkey_init(&priv);
	gnutls_pubkey_init(&pub);
	rc = gnutls_privkey_import_x509(priv, x, 0);
	if (rc >= 0)
		rc = gnutls_pubkey_import_privkey(pub, priv, 0, 0);
	if (rc >= 0 && ed25519)
		rc = gnutls_pubkey_export_ecc_raw2(pub, &curve, &d, NULL, 0);
	else if (rc >= 0)
		rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d);
	if (rc >= 0)
		*out = b64_encode_plain(d.data, d.size);
	gnutls_free(d.data);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(priv);
	if (rc < 0)
		return err_set(e, EX_SOFTWARE, "--dkim-keygen: public key: %s",
		    gnutls_strerror(rc));
	return 0;
}

/* A new file holding only the key; removed again when writing fails. */
static int
write_key(const char *path, const gnutls_datum_t *pem, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd == -1 && errno == EEXIST)
		return err_set(e, EX_CANTCREAT, "--dkim-keygen: %s exists; an "
		    "existing key is never replaced (move it away or give "
		    "--key-file)", path);
	if (fd == -1)
		return err_sys(e, EX_CANTCREAT, "--dkim-keygen: %s", path);
	if (fchmod(fd, 0600) == -1 ||
	    write_all(fd, pem->data, pem->size) == -1 || fsync(fd) == -1) {
		err_sys(e, EX_IOERR, "--dkim-keygen: writing %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) == -1) {
		err_sys(e, EX_IOERR, "--dkim-keygen: writing %s", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static void
print_record(struct buf *b, const struct dkim_keygen_opts *o,
    const char *path, bool ed25519, const char *p)
{
	char *value = xasprintf("v=DKIM1; k=%s; p=%s",
	    ed25519 ? "ed25519" : "rsa", p);
	size_t len = strlen(value);

	buf_printf(b, "; private key in %s (mode 600): dkim_key %s, "
	    "dkim_selector %s\n", path, path, o->selector);
	buf_printf(b, "%s._domainkey.%s. IN TXT (", o->selector, o->domain);
	for (size_t i = 0; i < len; i += TXT_STRING_MAX)
		buf_printf(b, "%s\"%.*s\"", i == 0 ? " " : "\n\t",
		    (int)(len - i < TXT_STRING_MAX ? len - i : TXT_STRING_MAX),
		    value + i);
	buf_adds(b, " )\n");
	free(value);
}

int
dkim_keygen(const struct dkim_keygen_opts *o, int out_fd, struct err *e)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t pem = { NULL, 0 };
	char *path, *p = NULL;
	unsigned int bits = 0;
	bool ed25519 = false;
	struct buf b;
	int rc;

	if (check_opts(o, &ed25519, &bits, e) == -1)
		return -1;
	path = o->key_file != NULL ? xstrdup(o->key_file) :
	    xasprintf("%s.%s.pem", o->selector, o->domain);
	gnutls_x509_privkey_init(&x);
	rc = gnutls_x509_privkey_generate2(x, ed25519 ?
	    GNUTLS_PK_EDDSA_ED25519 : GNUTLS_PK_RSA, ed25519 ? 0 : bits, 0,
	    NULL, 0);
	if (rc >= 0)
		rc = gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM,
		    NULL, GNUTLS_PKCS_PLAIN, &pem);
	if (rc < 0) {
		err_set(e, EX_SOFTWARE, "--dkim-keygen: %s",
		    gnutls_strerror(rc));
		rc = -1;
	} else
		rc = public_b64(x, ed25519, &p, e);
	if (rc == 0)
		rc = write_key(path, &pem, e);
	if (rc == 0) {
		buf_init(&b);
		print_record(&b, o, path, ed25519, p);
		if (write_all(out_fd, b.data, b.len) == -1)
			rc = err_sys(e, EX_IOERR, "--dkim-keygen: output");
		buf_free(&b);
	}
	if (pem.data != NULL) {
		gnutls_memset(pem.data, 0, pem.size);
		gnutls_free(pem.data);
	}
	gnutls_x509_privkey_deinit(x);
	free(p);
	free(path);
	return rc;
}
