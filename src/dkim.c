/*
 * dkim.c — DKIM signatures over the wire form of a message (see dkim.h).
 *
 * RFC 6376 (DKIM), RFC 8301 (RSA keys of 1024 bits or more, SHA-256
 * only), RFC 8463 (Ed25519-SHA256: Ed25519 over the SHA-256 hash of the
 * header data, the same data RSA-SHA256 signs).
 *
 * A pass splits the wire form at the first empty line: the header section
 * is kept in a buffer (bounded), the body goes through the relaxed filter
 * (dkim_canon.h) straight into one SHA-256 shared by every key.  At the
 * end each key signs the selected header fields, canonicalized, followed
 * by its own DKIM-Signature field with an empty b= (§3.7).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "dkim.h"
#include "dkim_canon.h"
#include "encode.h"

#define SHA256_LEN	32
#define B64_LINE	72	/* b= folded in lines of this many octets */

struct dkim_key {
	gnutls_privkey_t key;
	bool	 ed25519;	/* else RSA */
	char	*selector;
};

struct dkim_signer {
	struct dkim_key keys[DKIM_KEYS_MAX];
	size_t	 nkeys;
	char	*domain;		/* dkim_domain, or NULL */
	struct strlist headers;		/* lower case, "from" among them */
};

struct dkim_sign {
	const struct dkim_signer *s;
	char	*d;
	time_t	 t;
	struct buf hdr;			/* the header section, CRLFs kept */
	bool	 in_body;
	bool	 too_big;
	gnutls_hash_hd_t body_hash;
	struct dkim_body_canon canon;
};

/* --- loading keys --- */

/* Letters, digits, '-', '_' and dots between labels: what a selector and
 * a d= may hold here (RFC 6376 §3.1, §3.5 in their ASCII form). */
static bool
is_dns_name(const char *s)
{
	size_t label = 0;

	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') ||
		    ++label > 63)
			return false;
	}
	return label > 0;
}

/* Read a key file that only its owner (or root) may read: the same rule
 * as a configuration file holding a password (config.c). */
static int
read_key_file(const char *path, struct buf *b, struct err *e)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_sys(e, EX_CONFIG, "dkim_key %s", path);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return err_sys(e, EX_CONFIG, "dkim_key %s", path);
	}
	if ((st.st_mode & 077) != 0 ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		close(fd);
		return err_set(e, EX_CONFIG, "dkim_key %s: a private key "
		    "readable by others or owned by another user; chmod 600 %s",
		    path, path);
	}
	if (read_all_max(fd, DKIM_KEY_FILE_MAX, b) == -1) {
		close(fd);
		return errno != EFBIG ? err_sys(e, EX_CONFIG, "dkim_key %s",
		    path) : err_set(e, EX_CONFIG, "dkim_key %s: larger than %d "
		    "bytes", path, DKIM_KEY_FILE_MAX);
	}
	close(fd);
	return 0;
}

static int
load_key(struct dkim_key *k, const char *path, struct err *e)
{
	struct buf b;
	gnutls_datum_t d;
	unsigned int bits = 0;
	int rc, alg;

	buf_init(&b);
	if (read_key_file(path, &b, e) == -1) {
		buf_free(&b);
		return -1;
	}
	d.data = (unsigned char *)b.data;
	d.size = (unsigned int)b.len;
	gnutls_privkey_init(&k->key);
	rc = gnutls_privkey_import_x509_raw(k->key, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0);
	gnutls_memset(b.data, 0, b.len);
	buf_free(&b);
	if (rc < 0)
		return err_set(e, EX_CONFIG, "dkim_key %s: not a PEM private "
		    "key (%s)", path, gnutls_strerror(rc));
	alg = gnutls_privkey_get_pk_algorithm(k->key, &bits);
	if (alg == GNUTLS_PK_EDDSA_ED25519) {
		k->ed25519 = true;
		return 0;
	}
	if (alg != GNUTLS_PK_RSA)
		return err_set(e, EX_CONFIG, "dkim_key %s: a %s key; DKIM "
		    "takes RSA or Ed25519", path, gnutls_pk_get_name(alg));
	if (bits < DKIM_RSA_MIN_BITS)
		return err_set(e, EX_CONFIG, "dkim_key %s: RSA of %u bits; "
		    "at least %d are needed (RFC 8301)", path, bits,
		    DKIM_RSA_MIN_BITS);
	return 0;
}

/* Split "a,b" (or "a:b" for header names) into trimmed, non-empty items. */
static void
split_list(const char *v, const char *seps, struct strlist *out)
{
	while (*v != '\0') {
		size_t n = strcspn(v, seps);
		char *item = xstrndup(v, n);

		str_trim(item);
		if (*item != '\0')
			strlist_take(out, item);
		else
			free(item);
		v += n + (v[n] != '\0');
	}
}

static int
signer_set_headers(struct dkim_signer *s, const char *headers,
    struct err *e)
{
	split_list(headers != NULL ? headers : DKIM_DEFAULT_HEADERS, ":,",
	    &s->headers);
	for (size_t i = 0; i < s->headers.n; i++) {
		char *h = s->headers.v[i];

		for (char *c = h; *c != '\0'; c++) {
			if (*c <= ' ' || *c >= 0x7f || *c == ':')
				return err_set(e, EX_CONFIG, "dkim_headers: "
				    "\"%s\" is not a header field name", h);
			*c = (char)ascii_tolower((unsigned char)*c);
		}
		if (strcmp(h, "dkim-signature") == 0)
			return err_set(e, EX_CONFIG, "dkim_headers: "
			    "DKIM-Signature cannot be signed by itself");
	}
	if (!strlist_contains_ci(&s->headers, "from"))
		strlist_add(&s->headers, "from");	/* RFC 6376 §5.4 */
	return 0;
}

static int
signer_load_keys(struct dkim_signer *s, const char *keys,
    const char *selectors, struct err *e)
{
	struct strlist kl, sl;
	int rc = -1;

	strlist_init(&kl);
	strlist_init(&sl);
	split_list(keys, ",", &kl);
	split_list(selectors != NULL ? selectors : "", ",", &sl);
	if (kl.n == 0 || kl.n > DKIM_KEYS_MAX)
		err_set(e, EX_CONFIG, "dkim_key: 1 to %d key files, not %zu",
		    DKIM_KEYS_MAX, kl.n);
	else if (sl.n != kl.n)
		err_set(e, EX_CONFIG, "dkim_selector: %zu selector%s for %zu "
		    "dkim_key file%s; give one selector per key", sl.n,
		    sl.n == 1 ? "" : "s", kl.n, kl.n == 1 ? "" : "s");
	else
		rc = 0;
	for (size_t i = 0; rc == 0 && i < kl.n; i++) {
		if (!is_dns_name(sl.v[i]))
			rc = err_set(e, EX_CONFIG, "dkim_selector: \"%s\" is "
			    "not a DNS label", sl.v[i]);
		else if ((rc = load_key(&s->keys[i], kl.v[i], e)) == 0)
			s->keys[i].selector = xstrdup(sl.v[i]);
		s->nkeys = i + 1;	/* so that free releases the key */
	}
	strlist_free(&kl);
	strlist_free(&sl);
	return rc;
}

int
dkim_signer_new(struct dkim_signer **out, const char *keys,
    const char *selectors, const char *domain, const char *headers,
    struct err *e)
{
	struct dkim_signer *s = xcalloc(1, sizeof(*s));

	*out = NULL;
	strlist_init(&s->headers);
	if (domain != NULL && !is_dns_name(domain)) {
		err_set(e, EX_CONFIG, "dkim_domain: \"%s\" is not a domain "
		    "name (non-ASCII domains in their xn-- form)", domain);
		goto fail;
	}
	s->domain = domain != NULL ? xstrdup(domain) : NULL;
	if (signer_set_headers(s, headers, e) == -1 ||
	    signer_load_keys(s, keys, selectors, e) == -1)
		goto fail;
	*out = s;
	return 0;
fail:
	dkim_signer_free(s);
	return -1;
}

void
dkim_signer_free(struct dkim_signer *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nkeys; i++) {
		if (s->keys[i].key != NULL)
			gnutls_privkey_deinit(s->keys[i].key);
		free(s->keys[i].selector);
	}
	free(s->domain);
	strlist_free(&s->headers);
	free(s);
}

const char *
dkim_signer_domain(const struct dkim_signer *s, const char *from_domain)
{
	size_t fl, dl;

	if (from_domain == NULL || !is_dns_name(from_domain))
		return NULL;
	if (s->domain == NULL)
		return from_domain;
	fl = strlen(from_domain);
	dl = strlen(s->domain);
	if (fl == dl && ascii_eq_ci(from_domain, s->domain))
		return s->domain;
	if (fl > dl && from_domain[fl - dl - 1] == '.' &&
	    ascii_eq_ci(from_domain + fl - dl, s->domain))
		return s->domain;
	return NULL;
}

/* --- a signing pass --- */

static void
body_hash_out(void *arg, const char *p, size_t n)
{
	gnutls_hash(*(gnutls_hash_hd_t *)arg, p, n);
}

struct dkim_sign *
dkim_sign_begin(const struct dkim_signer *s, const char *d, time_t t)
{
	struct dkim_sign *g = xcalloc(1, sizeof(*g));

	g->s = s;
	g->d = xstrdup(d);
	g->t = t;
	buf_init(&g->hdr);
	if (gnutls_hash_init(&g->body_hash, GNUTLS_DIG_SHA256) < 0) {
		fprintf(stderr, "postie: SHA-256 is not available\n");
		exit(EX_SOFTWARE);
	}
	dkim_body_canon_init(&g->canon, body_hash_out, &g->body_hash);
	return g;
}

/* Take header octets up to and including the empty line that ends the
 * section; returns how many of the n were used. */
static size_t
feed_header(struct dkim_sign *g, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !g->in_body; i++) {
		if (g->hdr.len >= DKIM_HEADER_MAX) {
			g->too_big = true;
			continue;
		}
		buf_addc(&g->hdr, p[i]);
		if (p[i] == '\n' && g->hdr.len >= 2 &&
		    g->hdr.data[g->hdr.len - 2] == '\r' &&
		    (g->hdr.len == 2 || (g->hdr.len >= 4 &&
		    memcmp(g->hdr.data + g->hdr.len - 4, "\r\n", 2) == 0)))
			g->in_body = true;
	}
	return i;
}

void
dkim_sign_feed(struct dkim_sign *g, const char *p, size_t n)
{
	size_t used = 0;

	if (!g->in_body)
		used = feed_header(g, p, n);
	if (used < n)
		dkim_body_canon_feed(&g->canon, p + used, n - used);
}

struct field {
	const char *p;
	size_t	 len;		/* without the final CRLF */
};

/* The fields of the header section, in order. */
static void
split_fields(const struct buf *h, struct field **out, size_t *nout)
{
	size_t cap = 0, n = 0, start = 0, i = 0;
	struct field *v = NULL;

	while (i < h->len) {
		const char *nl = memchr(h->data + i, '\n', h->len - i);
		size_t end = nl != NULL ? (size_t)(nl - h->data) + 1 : h->len;
		bool cont = end < h->len &&
		    (h->data[end] == ' ' || h->data[end] == '\t');

		i = end;
		if (cont)
			continue;
		if (end > start) {
			size_t len = end - start;

			if (len >= 2 && h->data[start + len - 1] == '\n' &&
			    h->data[start + len - 2] == '\r')
				len -= 2;
			if (len > 0) {
				if (n == cap)
					v = xreallocarray(v, cap = cap ? cap * 2
					    : 32, sizeof(*v));
				v[n].p = h->data + start;
				v[n++].len = len;
			}
		}
		start = end;
	}
	*out = v;
	*nout = n;
}

static bool
field_is(const struct field *f, const char *name)
{
	size_t n = strlen(name), i = n;

	if (f->len < n || !ascii_eqn_ci(f->p, name, n))
		return false;
	while (i < f->len && (f->p[i] == ' ' || f->p[i] == '\t'))
		i++;
	return i < f->len && f->p[i] == ':';
}

/* h= and the canonical header data it names (RFC 6376 §5.4.2: the last
 * occurrence first; a name listed more often than it occurs signs the
 * absence of one more). */
static void
select_headers(const struct dkim_sign *g, struct buf *hlist,
    struct buf *data)
{
	const struct strlist *names = &g->s->headers;
	struct field *f;
	size_t nf;

	split_fields(&g->hdr, &f, &nf);
	for (size_t k = 0; k < names->n; k++) {
		size_t count = 0;

		for (size_t i = nf; i-- > 0; ) {
			if (!field_is(&f[i], names->v[k]))
				continue;
			dkim_header_canon(data, f[i].p, f[i].len);
			count++;
		}
		if (strcmp(names->v[k], "from") == 0)
			count++;
		for (size_t c = 0; c < count; c++)
			buf_printf(hlist, "%s%s", hlist->len ? ":" : "",
			    names->v[k]);
	}
	free(f);
}

/* Sign data (the header data and this key's field) with key k; the
 * signature's base64 is newly allocated. */
static int
sign_with(const struct dkim_key *k, const struct buf *data, char **b64,
    struct err *e)
{
	unsigned char digest[SHA256_LEN];
	gnutls_datum_t in, sig = { NULL, 0 };
	int rc;

	if (k->ed25519) {
		/* RFC 8463 §3: Ed25519 over the SHA-256 of the data. */
		gnutls_hash_fast(GNUTLS_DIG_SHA256, data->data, data->len,
		    digest);
		in.data = digest;
		in.size = sizeof(digest);
		rc = gnutls_privkey_sign_data2(k->key,
		    GNUTLS_SIGN_EDDSA_ED25519, 0, &in, &sig);
	} else {
		in.data = (unsigned char *)data->data;
		in.size = (unsigned int)data->len;
		rc = gnutls_privkey_sign_data2(k->key, GNUTLS_SIGN_RSA_SHA256,
		    0, &in, &sig);
	}
	if (rc < 0)
		return err_set(e, EX_SOFTWARE, "DKIM signing with selector "
		    "%s failed: %s", k->selector, gnutls_strerror(rc));
	*b64 = b64_encode_plain(sig.data, sig.size);
	gnutls_free(sig.data);
	return 0;
}

/* One key's field: the tags up to an empty b= in field, then signed. */
static int
sign_one(const struct dkim_sign *g, const struct dkim_key *k,
    const char *hlist, const char *bh, const struct buf *hdata,
    struct buf *out, struct err *e)
{
	struct buf field, data;
	char *b64 = NULL;
	size_t len;
	int rc;

	buf_init(&field);
	buf_printf(&field, "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed; "
	    "d=%s; s=%s;\r\n\tt=%lld; h=%s;\r\n\tbh=%s;\r\n\tb=",
	    k->ed25519 ? "ed25519-sha256" : "rsa-sha256", g->d, k->selector,
	    (long long)g->t, hlist, bh);
	buf_init(&data);
	buf_add(&data, hdata->data, hdata->len);
	dkim_header_canon(&data, field.data, field.len);
	data.len -= 2;			/* §3.7: without its CRLF */
	rc = sign_with(k, &data, &b64, e);
	buf_free(&data);
	if (rc == 0) {
		len = strlen(b64);
		for (size_t i = 0; i < len; i += B64_LINE) {
			if (i > 0)
				buf_adds(&field, "\r\n\t");
			buf_add(&field, b64 + i,
			    len - i < B64_LINE ? len - i : B64_LINE);
		}
		buf_adds(&field, "\r\n");
		buf_add(out, field.data, field.len);
		free(b64);
	}
	buf_free(&field);
	return rc;
}

int
dkim_sign_end(struct dkim_sign *g, struct buf *out, struct err *e)
{
	unsigned char bh[SHA256_LEN];
	struct buf hlist, hdata;
	char *bh64;
	int rc = 0;

	if (g->too_big)
		return err_set(e, EX_DATAERR, "DKIM: header section over %d "
		    "bytes", DKIM_HEADER_MAX);
	dkim_body_canon_end(&g->canon);
	gnutls_hash_output(g->body_hash, bh);
	bh64 = b64_encode_plain(bh, sizeof(bh));
	buf_init(&hlist);
	buf_init(&hdata);
	select_headers(g, &hlist, &hdata);
	for (size_t i = 0; rc == 0 && i < g->s->nkeys; i++)
		rc = sign_one(g, &g->s->keys[i], hlist.data, bh64, &hdata,
		    out, e);
	buf_free(&hlist);
	buf_free(&hdata);
	free(bh64);
	return rc;
}

void
dkim_sign_free(struct dkim_sign *g)
{
	if (g == NULL)
		return;
	gnutls_hash_deinit(g->body_hash, NULL);
	buf_free(&g->hdr);
	free(g->d);
	free(g);
}
