/*
 * oauth2_http.c — form POSTs over HTTPS with libcurl and JSON with jansson
 * (see oauth2_http.h).
 *
 * RFC 6749 §3.2 (token endpoint: POST, application/x-www-form-urlencoded,
 * JSON answer), §5.1/5.2 (success and error answers), RFC 3986 §2.1
 * (percent-encoding).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_OAUTH2
#include <curl/curl.h>
#include <jansson.h>
#endif

#include "oauth2_http.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define CONNECT_TIMEOUT_S	30	/* as an MX connection (delivery.h) */

static void
buf_wipe_free(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	buf_free(b);
}

void
oauth2_form_init(struct oauth2_form *f)
{
	buf_init(&f->b);
}

void
oauth2_urlencode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_addc(out, (char)c);
			continue;
		}
		buf_addc(out, '%');
		buf_addc(out, hex[c >> 4]);
		buf_addc(out, hex[c & 15]);
	}
}

void
oauth2_form_add(struct oauth2_form *f, const char *key, const char *value)
{
	if (value == NULL)
		return;
	/* Grow in place only: a realloc would leave a copy of a secret
	 * behind in freed memory. */
	if (f->b.cap < 4096) {
		char *n = xcalloc(1, 4096);

		if (f->b.len > 0)
			memcpy(n, f->b.data, f->b.len);
		buf_wipe_free(&f->b);
		f->b.data = n;
		f->b.cap = 4096;
		f->b.len = strlen(n);
	}
	if (f->b.len > 0)
		buf_addc(&f->b, '&');
	oauth2_urlencode(&f->b, key);
	buf_addc(&f->b, '=');
	oauth2_urlencode(&f->b, value);
}

void
oauth2_form_free(struct oauth2_form *f)
{
	buf_wipe_free(&f->b);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode p[0..n) ('+' is a space in a form-encoded query). */
static int
urldecode(const char *p, size_t n, char **out)
{
	struct buf b;
	int hi, lo;

	buf_init(&b);
	buf_adds(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+') {
			buf_addc(&b, ' ');
		} else if (p[i] != '%') {
			buf_addc(&b, p[i]);
		} else if (i + 2 < n &&
		    (hi = hexval((unsigned char)p[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)p[i + 2])) >= 0 &&
		    (hi != 0 || lo != 0)) {
			buf_addc(&b, (char)(hi << 4 | lo));
			i += 2;
		} else {
			buf_wipe_free(&b);
			return -1;
		}
	}
	*out = buf_steal(&b);
	return 0;
}

int
oauth2_query_param(const char *q, size_t len, const char *name,
    char **value)
{
	size_t nlen = strlen(name), i = 0, j, eq;

	while (i < len) {
		for (j = i; j < len && q[j] != '&'; j++)
			;
		for (eq = i; eq < j && q[eq] != '='; eq++)
			;
		if (eq - i == nlen && memcmp(q + i, name, nlen) == 0)
			return urldecode(q + eq + (eq < j),
			    j - eq - (eq < j), value);
		i = j + 1;
	}
	return -1;
}

#ifdef HAVE_OAUTH2

/* jansson keeps token strings in its own allocations: size them so that
 * free can wipe them. */
static void *
wiping_malloc(size_t n)
{
	size_t *p = malloc(n + sizeof(size_t) * 2);

	if (p == NULL)
		return NULL;
	p[0] = n;
	return p + 2;
}

static void
wiping_free(void *v)
{
	size_t *p;

	if (v == NULL)
		return;
	p = (size_t *)v - 2;
	explicit_bzero(v, p[0]);
	free(p);
}

static void
oauth2_libs_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	json_set_alloc_funcs(wiping_malloc, wiping_free);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct oauth2_json {
	json_t	*o;
};

struct oauth2_json *
oauth2_json_parse(const char *text, size_t len)
{
	struct oauth2_json *j;
	json_t *o;

	oauth2_libs_init();
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL)
		return NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->o = o;
	return j;
}

struct oauth2_json *
oauth2_json_new(void)
{
	struct oauth2_json *j = xcalloc(1, sizeof(*j));

	oauth2_libs_init();
	if ((j->o = json_object()) == NULL) {
		fprintf(stderr, "postie: out of memory\n");
		exit(EX_OSERR);
	}
	return j;
}

const char *
oauth2_json_str(const struct oauth2_json *j, const char *key)
{
	return json_string_value(json_object_get(j->o, key));
}

bool
oauth2_json_int(const struct oauth2_json *j, const char *key, long long *v)
{
	json_t *m = json_object_get(j->o, key);
	const char *s;
	char *end;

	if (json_is_integer(m)) {
		*v = (long long)json_integer_value(m);
		return true;
	}
	if ((s = json_string_value(m)) == NULL || *s < '0' || *s > '9')
		return false;
	*v = strtoll(s, &end, 10);
	return *end == '\0';
}

void
oauth2_json_set_str(struct oauth2_json *j, const char *key,
    const char *value)
{
	json_object_set_new(j->o, key, json_string(value));
}

void
oauth2_json_set_int(struct oauth2_json *j, const char *key, long long v)
{
	json_object_set_new(j->o, key, json_integer((json_int_t)v));
}

char *
oauth2_json_text(const struct oauth2_json *j)
{
	char *t = json_dumps(j->o, JSON_COMPACT | JSON_SORT_KEYS), *r;

	if (t == NULL) {
		fprintf(stderr, "postie: out of memory\n");
		exit(EX_OSERR);
	}
	r = xstrdup(t);
	wiping_free(t);		/* json_dumps used our allocator */
	return r;
}

void
oauth2_json_free(struct oauth2_json *j)
{
	if (j == NULL)
		return;
	json_decref(j->o);
	free(j);
}

/* libcurl's write callback: keep at most OAUTH2_HTTP_MAX bytes, without
 * realloc (which would leave copies of tokens in freed memory). */
struct body {
	char	 *p;
	size_t	  len;
	bool	  overflow;
};

static size_t
body_write(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (len > OAUTH2_HTTP_MAX - b->len) {
		b->overflow = true;
		return 0;		/* stops the transfer */
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return len;
}

static int
curl_failure(CURLcode rc, const char *url, const char *ebuf, struct err *e)
{
	const char *why = ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		/* A fixed trust file cures it: as an untrusted SMTP server. */
		return err_set(e, EX_NOPERM, "%.200s: TLS: %.200s", url, why);
	default:
		return err_set(e, EX_TEMPFAIL, "%.200s: %.200s", url, why);
	}
}

static CURL *
request_new(const char *url, const char *trust_file, int timeout_s,
    const struct oauth2_form *form, struct body *b, char *ebuf,
    struct curl_slist **hdrs)
{
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	*hdrs = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "postie/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->b.data ? form->b.data :
	    "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form->b.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (trust_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, trust_file);
	return c;
}

/* The body is not JSON: a 5xx or 429 is the endpoint's trouble (try
 * later); anything else is a protocol error. */
static int
not_json(const char *url, long status, struct err *e)
{
	if (status >= 500 || status == 429)
		return err_set(e, EX_TEMPFAIL, "%.200s: HTTP status %ld", url,
		    status);
	return err_set(e, EX_PROTOCOL, "%.200s: HTTP status %ld, and the "
	    "answer is not a JSON object", url, status);
}

int
oauth2_post(const char *url, const char *trust_file, int timeout_s,
    const struct oauth2_form *form, struct oauth2_json **reply,
    long *status, struct err *e)
{
	char ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	struct body b = { NULL, 0, false };
	CURLcode rc;
	CURL *c;
	int ret = 0;

	*reply = NULL;
	*status = 0;
	ebuf[0] = '\0';
	oauth2_libs_init();
	b.p = xmalloc(OAUTH2_HTTP_MAX);
	if ((c = request_new(url, trust_file, timeout_s, form, &b, ebuf,
	    &hdrs)) == NULL) {
		free(b.p);
		return err_set(e, EX_SOFTWARE, "libcurl: cannot start a "
		    "request");
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (b.overflow)
		ret = err_set(e, EX_PROTOCOL, "%.200s: the answer is larger "
		    "than %d bytes", url, OAUTH2_HTTP_MAX);
	else if (rc != CURLE_OK)
		ret = curl_failure(rc, url, ebuf, e);
	else if ((*reply = oauth2_json_parse(b.p, b.len)) == NULL)
		ret = not_json(url, *status, e);
	explicit_bzero(b.p, OAUTH2_HTTP_MAX);
	free(b.p);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return ret;
}

#else /* !HAVE_OAUTH2 */

struct oauth2_json {
	int	 unused;
};

static int
no_oauth2(struct err *e)
{
	return err_set(e, EX_CONFIG, "this postie was built without OAuth 2.0 "
	    "(it needs libcurl and jansson)");
}

int
oauth2_post(const char *url, const char *trust_file, int timeout_s,
    const struct oauth2_form *form, struct oauth2_json **reply,
    long *status, struct err *e)
{
	*reply = NULL;
	*status = 0;
	return no_oauth2(e);
}

struct oauth2_json *
oauth2_json_parse(const char *text, size_t len)
{
	return NULL;
}

struct oauth2_json *
oauth2_json_new(void)
{
	return xcalloc(1, sizeof(struct oauth2_json));
}

const char *
oauth2_json_str(const struct oauth2_json *j, const char *key)
{
	return NULL;
}

bool
oauth2_json_int(const struct oauth2_json *j, const char *key, long long *v)
{
	return false;
}

void
oauth2_json_set_str(struct oauth2_json *j, const char *key,
    const char *value)
{
}

void
oauth2_json_set_int(struct oauth2_json *j, const char *key, long long v)
{
}

char *
oauth2_json_text(const struct oauth2_json *j)
{
	return xstrdup("{}");
}

void
oauth2_json_free(struct oauth2_json *j)
{
	free(j);
}

#endif
