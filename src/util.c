/* util.c — see util.h. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void
oom(void)
{
	fputs("postie: out of memory\n", stderr);
	exit(EX_OSERR);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > (size_t)-1 / size)
		oom();
	p = realloc(p, nmemb * size != 0 ? nmemb * size : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void
buf_reserve(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > (size_t)-1 - b->len - 1)
		oom();
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap = b->cap > (size_t)-1 / 2 ? need : b->cap * 2;
	b->data = xreallocarray(b->data, b->cap, 1);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

char *
buf_steal(struct buf *b)
{
	char *s = b->data;

	if (s == NULL)
		s = xstrdup("");
	buf_init(b);
	return s;
}

void
strlist_init(struct strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void
strlist_take(struct strlist *l, char *s)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void
strlist_add(struct strlist *l, const char *s)
{
	strlist_take(l, xstrdup(s));
}

void
strlist_addn(struct strlist *l, const char *s, size_t n)
{
	strlist_take(l, xstrndup(s, n));
}

bool
strlist_contains_ci(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (ascii_eq_ci(l->v[i], s))
			return true;
	return false;
}

/* FNV-1a over the ASCII-lowered bytes: equal under ascii_eq_ci, equal
 * hash. */
static size_t
hash_ci(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)ascii_tolower((unsigned char)*s);
		h *= (size_t)1099511628211ULL;
	}
	return h;
}

void
strlist_dedup_ci(struct strlist *l)
{
	strlist_dedup_ci_from(l, 0);
}

void
strlist_dedup_ci_from(struct strlist *l, size_t from)
{
	size_t cap = 16, kept = from;
	const char **slot;

	while (cap < (l->n - from) * 2)
		cap *= 2;
	slot = xcalloc(cap, sizeof(*slot));
	for (size_t i = from; i < l->n; i++) {
		size_t k = hash_ci(l->v[i]) & (cap - 1);

		while (slot[k] != NULL && !ascii_eq_ci(slot[k], l->v[i]))
			k = (k + 1) & (cap - 1);
		if (slot[k] != NULL) {
			free(l->v[i]);
			continue;
		}
		slot[k] = l->v[i];
		l->v[kept++] = l->v[i];
	}
	l->n = kept;
	free(slot);
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	strlist_init(l);
}

int
ascii_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool
ascii_eqn_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ascii_tolower((unsigned char)a[i]) !=
		    ascii_tolower((unsigned char)b[i]))
			return false;
		if (a[i] == '\0')
			return true;
	}
	return true;
}

const char *
size_human(long long n, char *out, size_t outlen)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(out, outlen, "%lld byte%s", n, n == 1 ? "" : "s");
		return out;
	}
	v /= 1024;
	while (v >= 1023.95 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	/* "32.0 MiB" says nothing "32 MiB" does not. */
	if ((long long)(v * 10 + 0.5) % 10 == 0)
		snprintf(out, outlen, "%.0f %s", v, unit[u]);
	else
		snprintf(out, outlen, "%.1f %s", v, unit[u]);
	return out;
}

void
size_human_pair(long long a, long long b, char *aout, char *bout,
    size_t outlen)
{
	size_human(a, aout, outlen);
	size_human(b, bout, outlen);
	if (a != b && a >= 1024 && strcmp(aout, bout) == 0) {
		size_t n = strlen(aout);

		snprintf(aout + n, outlen - n, " (%lld bytes)", a);
		n = strlen(bout);
		snprintf(bout + n, outlen - n, " (%lld bytes)", b);
	}
}

bool
ascii_eq_ci(const char *a, const char *b)
{
	size_t la = strlen(a);

	return la == strlen(b) && ascii_eqn_ci(a, b, la);
}

bool
ascii_prefix_ci(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strlen(s) >= n && ascii_eqn_ci(s, prefix, n);
}

bool
mem_has_8bit(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i = 0;

	/* Eight octets at a time: every body byte of a plain message passes
	 * here once while it is read. */
	for (uint64_t w[4]; i + sizeof(w) <= n; i += sizeof(w)) {
		memcpy(w, c + i, sizeof(w));
		if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) != 0)
			return true;
	}
	for (; i < n; i++)
		if (c[i] >= 0x80)
			return true;
	return false;
}

char *
str_trim(char *s)
{
	size_t len = strlen(s), start = 0;

	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	while (start < len && strchr(" \t\r\n", s[start]) != NULL)
		start++;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
	return s;
}

int
read_all_max(int fd, size_t max, struct buf *out)
{
	char chunk[8192];
	size_t start = out->len;
	ssize_t n;
	int rc = 0;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len - start + (size_t)n > max) {
			if (n >= 0)
				errno = EFBIG;
			rc = -1;
			break;
		}
		buf_add(out, chunk, (size_t)n);
	}
	explicit_bzero(chunk, sizeof(chunk));
	return rc;
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *
host_fqdn(void)
{
	static char name[256];
	struct addrinfo hints, *res = NULL;
	struct utsname u;

	if (name[0] != '\0')
		return name;
	if (uname(&u) != 0)
		snprintf(u.nodename, sizeof(u.nodename), "localhost");
	snprintf(name, sizeof(name), "%s", u.nodename);
	if (strchr(name, '.') != NULL)
		return name;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.') != NULL)
		snprintf(name, sizeof(name), "%s", res->ai_canonname);
	if (res != NULL)
		freeaddrinfo(res);
	return name;
}

const char *
login_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *s;

	if (pw != NULL && pw->pw_name != NULL && *pw->pw_name != '\0')
		return pw->pw_name;
	if ((s = getenv("LOGNAME")) != NULL && *s != '\0')
		return s;
	return "nobody";
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
fingerprint_parse(const char *s, unsigned char *out, size_t max,
    size_t *ndigits)
{
	size_t n = 0;
	int v;

	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if ((v = hexval((unsigned char)*s)) < 0)
			return -1;
		if (n / 2 < max) {
			if (n % 2 == 0)
				out[n / 2] = (unsigned char)(v << 4);
			else
				out[n / 2] |= (unsigned char)v;
		}
		n++;
	}
	*ndigits = n;
	return 0;
}

void
fingerprint_format(const unsigned char *d, size_t n, char *out,
    size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 4 <= outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%02X",
		    i > 0 ? ":" : "", d[i]);
}

int
fd_wait(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int one = 1, r;

	/* Quick ACK mode is cleared by the kernel after a while: set it before
	 * each wait.  Harmless (ENOPROTOOPT) on a socket that is not TCP. */
	if (events & POLLIN)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

char *
date_rfc5322(time_t t)
{
	static const char days[][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	return xasprintf("%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

int
random_token(char *out, size_t outlen)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[32];
	size_t o = 0, bits = 0, want = outlen > 0 ? outlen - 1 : 0;
	unsigned int acc = 0;
	size_t need = (want * 5 + 7) / 8;

	if (need > sizeof(rnd))
		need = sizeof(rnd);
	if (getrandom(rnd, need, 0) != (ssize_t)need)
		return -1;
	for (size_t i = 0; i < need && o < want; i++) {
		acc = acc << 8 | rnd[i];
		for (bits += 8; bits >= 5 && o < want; bits -= 5)
			out[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	if (outlen > 0)
		out[o] = '\0';
	return 0;
}

size_t
utf8_seq_len(const unsigned char *p, size_t len)
{
	size_t n;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}
