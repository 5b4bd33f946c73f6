/*
 * util.h — allocation that cannot return NULL, small growable buffers and
 * string lists, and a few string helpers shared by every module.
 *
 * Out of memory is not recoverable for a short-lived command: the x*
 * functions print one line and exit(EX_OSERR).
 */
#ifndef POSTIE_UTIL_H
#define POSTIE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *p, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; data is always NUL-terminated for convenience,
 * but len is the truth (the data may hold NUL bytes). */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	buf_init(struct buf *b);
void	buf_add(struct buf *b, const void *p, size_t n);
void	buf_addc(struct buf *b, char c);
void	buf_adds(struct buf *b, const char *s);
void	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *b);		/* len = 0, keeps memory */
void	buf_free(struct buf *b);
char	*buf_steal(struct buf *b);		/* caller frees; b is reset */

/* A list of owned strings. */
struct strlist {
	char	**v;
	size_t	  n;
	size_t	  cap;
};
void	strlist_init(struct strlist *l);
void	strlist_add(struct strlist *l, const char *s);	/* copies s */
void	strlist_addn(struct strlist *l, const char *s, size_t n);
void	strlist_take(struct strlist *l, char *s);	/* takes ownership */
bool	strlist_contains_ci(const struct strlist *l, const char *s);
/* Remove every later copy of a string (ASCII case-insensitive), keeping
 * the first in its place: expected time linear in l->n (a hash table),
 * where a strlist_contains_ci per add is quadratic. */
void	strlist_dedup_ci(struct strlist *l);
/* The same among l->v[from] and after only (what was appended since). */
void	strlist_dedup_ci_from(struct strlist *l, size_t from);
void	strlist_free(struct strlist *l);

/* ASCII-only helpers: the C locale's idea, whatever the user's locale. */
bool	ascii_eq_ci(const char *a, const char *b);
bool	ascii_eqn_ci(const char *a, const char *b, size_t n);
bool	ascii_prefix_ci(const char *s, const char *prefix);
int	ascii_tolower(int c);

/* The length of the valid UTF-8 sequence at p, of at most len bytes (RFC
 * 3629: no overlongs, no surrogates, nothing above U+10FFFF), or 0. */
size_t	utf8_seq_len(const unsigned char *p, size_t len);

/* True when any of the n bytes at p is >= 0x80. */
bool	mem_has_8bit(const void *p, size_t n);

/* Remove leading and trailing SP/HTAB/CR/LF in place; returns s. */
char	*str_trim(char *s);

/* Append all of fd (to its end) to out, retrying on EINTR: the one read
 * loop of the small files (configuration, aliases, .netrc, queue state).
 * -1 with errno: the read error, or EFBIG when more than max bytes would
 * be held (out then keeps what was read).  The stack buffer is wiped, as
 * a file may hold a password. */
int	read_all_max(int fd, size_t max, struct buf *out);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int	write_all(int fd, const void *buf, size_t len);

/* This host's fully qualified name (from uname and getaddrinfo
 * AI_CANONNAME, falling back to the plain host name); static storage. */
const char *host_fqdn(void);

/* The user postie runs for: the passwd name of the real uid, else
 * $LOGNAME, else "nobody".  Static storage.  The default sender's local
 * part and the "from" key's %U. */
const char *login_name(void);

/* Wait until socket fd is ready for events (POLLIN/POLLOUT) or the
 * monotonic deadline (now_ms() scale) passes.  Returns 1 ready, 0 timed
 * out, -1 error (errno).  Before waiting for input it asks the kernel to
 * acknowledge at once (TCP_QUICKACK): a server that writes two small
 * segments (a TLS session ticket, then the banner) otherwise waits ~40 ms
 * for our delayed ACK before sending the second. */
int	fd_wait(int fd, short events, long long deadline);

/* Milliseconds from a monotonic clock. */
long long now_ms(void);

/* A certificate fingerprint written in hex ("AB:CD:..." or "abcd...",
 * either case; ':' ignored wherever it stands).  *ndigits gets the count
 * of hex digits and out the first min(max, *ndigits / 2) bytes; the
 * caller checks the count against the hash it expects.  -1 when s holds
 * a character that is neither a hex digit nor ':'. */
#define FINGERPRINT_SHA256_LEN	32	/* the only hash postie pins */
int	fingerprint_parse(const char *s, unsigned char *out, size_t max,
	    size_t *ndigits);
/* n bytes as "AB:CD:...", upper case, truncated to fit outlen. */
void	fingerprint_format(const unsigned char *d, size_t n, char *out,
	    size_t outlen);

/* A byte count for people, in binary units: "900 bytes", "4.2 KiB",
 * "32 MiB", "2.7 GiB" (one decimal, none when it is 0).  Returns out. */
const char *size_human(long long n, char *out, size_t outlen);
/* Two sizes a message compares ("2.7 GiB" against "32 MiB"): when both
 * round to the same words, each gets its exact byte count as well
 * ("32 MiB (33554433 bytes)"), so the message never reads "32 MiB is
 * over 32 MiB". */
void	size_human_pair(long long a, long long b, char *aout, char *bout,
	    size_t outlen);

/* RFC 5322 §3.3 date-time of t in local time with a numeric zone; the
 * names are fixed English whatever the locale.  Newly allocated. */
char	*date_rfc5322(time_t t);

/* n random bits' worth of base32 ("a-z2-7"): 26 characters carry 128
 * bits, which makes a collision as unlikely as a UUID's.  out gets
 * outlen - 1 characters and a NUL.  -1 (errno) when getrandom fails. */
int	random_token(char *out, size_t outlen);

#endif
