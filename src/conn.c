/*
 * conn.c — one connection to an SMTP server, TCP or TLS behind one
 * interface (see conn.h).
 *
 * The socket is non-blocking from the start: every wait is a poll() with
 * what remains of the operation's deadline, so a server that drips one
 * byte a second cannot stretch a timeout.  Output collects in outbuf and
 * leaves in one send() (one TLS record up to 16 KiB) per flush; input
 * collects in inbuf, which outlives each reply so pipelined replies that
 * arrive in one segment are all returned, one line per call.
 *
 * A SOCKS5 proxy (RFC 1928) is spoken to with the same deadline: the
 * greeting offers only "no authentication", the request names the server
 * by its name, and exactly the bytes of the proxy's reply are read, so
 * that the server's greeting, which may follow in the same segment, is
 * left for conn_readline.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "util.h"

/* Room for a full line plus what a TLS record (16 KiB) may bring with it,
 * so one read usually holds a whole pipelined flight of replies. */
#define CONN_INBUF	(16 * 1024 + CONN_LINE_MAX)
/* Bytes per send() when a single write exceeds CONN_OUTBUF. */
#define CONN_CHUNK	CONN_OUTBUF

struct conn {
	int		 fd;
	struct tls	*tls;
	char		 host[256];	/* name for messages; "" = unknown */
	char		 addr[INET6_ADDRSTRLEN];
	int		 port;
	char		 via[300];	/* "SOCKS5 proxy P:N", "socket PATH"; "" direct */
	char		 peer[256 + INET6_ADDRSTRLEN + 16 + 300];

	char		 in[CONN_INBUF];
	size_t		 in_off;	/* start of bytes not yet returned */
	size_t		 in_len;	/* end of bytes received */

	char		 out[CONN_OUTBUF];
	size_t		 out_len;
	size_t		 trace_off;	/* out[0..trace_off) already traced or skipped */

	conn_trace_fn	 trace;
	void		*trace_arg;
	bool		 trace_paused;
};

static void	conn_update_peer(struct conn *);
static int	conn_send_raw(struct conn *, const void *, size_t, int,
		    struct err *);
static int	timed_out(const struct conn *, int, const char *,
		    struct err *);
static ssize_t	conn_recv(struct conn *, void *, size_t, long long, int,
		    struct err *);

/* "3 s" or "0.3 s" for timeout messages. */
static void
fmt_timeout(char *out, size_t outlen, int timeout_ms)
{
	if (timeout_ms % 1000 == 0)
		snprintf(out, outlen, "%d s", timeout_ms / 1000);
	else
		snprintf(out, outlen, "%.1f s", timeout_ms / 1000.0);
}

static int
remaining_ms(long long deadline)
{
	long long left = deadline - now_ms();

	if (left <= 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

static struct conn *
conn_new(int fd, const struct sockaddr *sa)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, c->addr, sizeof(c->addr));
		c->port = ntohs(s6->sin6_port);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, c->addr, sizeof(c->addr));
		c->port = ntohs(s4->sin_port);
	}
	conn_update_peer(c);
	return c;
}

static void
conn_update_peer(struct conn *c)
{
	if (c->via[0] == '\0')
		snprintf(c->peer, sizeof(c->peer), "%s[%s]:%d", c->host,
		    c->addr, c->port);
	else if (c->port != 0)
		snprintf(c->peer, sizeof(c->peer), "%s:%d via %s", c->host,
		    c->port, c->via);
	else
		snprintf(c->peer, sizeof(c->peer), "%s via %s", c->host,
		    c->via);
}

/* Bind the local side to source_ip; the family must match the target. */
static int
bind_source(int fd, int family, const char *source_ip, struct err *e)
{
	struct addrinfo hints = { .ai_family = family,
	    .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res;
	int r;

	if ((r = getaddrinfo(source_ip, NULL, &hints, &res)) != 0)
		return err_set(e, EX_CONFIG, "source address %s: %s",
		    source_ip, gai_strerror(r));
	r = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (r == -1)
		return err_sys(e, EX_OSERR, "bind to source address %s",
		    source_ip);
	return 0;
}

/* Wait for a non-blocking connect to finish. */
static int
connect_wait(int fd, const char *what, int timeout_ms, struct err *e)
{
	char tbuf[32];
	int r, soerr = 0;
	socklen_t len = sizeof(soerr);

	r = fd_wait(fd, POLLOUT, now_ms() + timeout_ms);
	if (r == -1)
		return err_sys(e, EX_OSERR, "connect to %s: poll", what);
	if (r == 0) {
		fmt_timeout(tbuf, sizeof(tbuf), timeout_ms);
		return err_set(e, EX_TEMPFAIL,
		    "connect to %s: timed out after %s", what, tbuf);
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return err_sys(e, EX_OSERR, "connect to %s: getsockopt", what);
	if (soerr != 0) {
		errno = soerr;
		return err_sys(e, EX_TEMPFAIL, "connect to %s", what);
	}
	return 0;
}

/* Connect to sa; host (may be NULL) names it in messages. */
static int
connect_named(struct conn **cp, const struct sockaddr *sa, socklen_t salen,
    const char *host, const char *source_ip, int timeout_ms, struct err *e)
{
	struct conn *c;
	int fd, one = 1;

	*cp = NULL;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return err_sys(e, EX_OSERR, "socket");
	c = conn_new(fd, sa);
	if (host != NULL)
		conn_set_peer_name(c, host);
	/* Each flight already leaves in one write: Nagle would only add
	 * a delayed-ACK stall (~40 ms) to every round trip. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (source_ip != NULL && bind_source(fd, sa->sa_family, source_ip,
	    e) == -1)
		goto fail;
	if (connect(fd, sa, salen) == -1) {
		if (errno != EINPROGRESS && errno != EINTR) {
			err_sys(e, EX_TEMPFAIL, "connect to %s", c->peer);
			goto fail;
		}
		if (connect_wait(fd, c->peer, timeout_ms, e) == -1)
			goto fail;
	}
	*cp = c;
	return 0;
fail:
	conn_close(c);
	return -1;
}

int
conn_connect_addr(struct conn **cp, const struct sockaddr *sa,
    socklen_t salen, const char *source_ip, int timeout_ms, struct err *e)
{
	return connect_named(cp, sa, salen, NULL, source_ip, timeout_ms, e);
}

static int
resolve(const char *host, int port, const char *source_ip,
    struct addrinfo **res, struct err *e)
{
	/* No AI_ADDRCONFIG: it finds nothing on a host (or namespace) with
	 * only loopback addresses, and connect() reports the truth anyway. */
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	char portstr[16];
	int r;

	/* With a source address only its family can be used. */
	if (source_ip != NULL)
		hints.ai_family = strchr(source_ip, ':') ? AF_INET6 : AF_INET;
	snprintf(portstr, sizeof(portstr), "%d", port);
	r = getaddrinfo(host, portstr, &hints, res);
	switch (r) {
	case 0:
		return 0;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return err_set(e, EX_NOHOST, "host %s not found", host);
	case EAI_SYSTEM:
		return err_sys(e, EX_TEMPFAIL, "cannot resolve %s", host);
	default:
		return err_set(e, EX_TEMPFAIL, "cannot resolve %s: %s", host,
		    gai_strerror(r));
	}
}

/* Resolve host and try each address in turn. */
static int
connect_direct(struct conn **cp, const char *host, int port,
    const char *source_ip, int timeout_ms, struct err *e)
{
	struct addrinfo *res, *ai;
	int r = -1;

	*cp = NULL;
	if (resolve(host, port, source_ip, &res, e) == -1)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		/* Keep the last failure: it names the last address tried. */
		r = connect_named(cp, ai->ai_addr, ai->ai_addrlen, host,
		    source_ip, timeout_ms, e);
		if (r == 0)
			break;
		if (e != NULL && e->ex != EX_TEMPFAIL)
			break;		/* a local problem: other addresses won't help */
	}
	freeaddrinfo(res);
	return r;
}

/* --- Unix-domain socket --- */

static int
connect_unix(struct conn **cp, const char *host, const char *path,
    int timeout_ms, struct err *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct conn *c;
	int fd;

	*cp = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return err_set(e, EX_CONFIG, "socket %s: the path is longer "
		    "than %zu bytes", path, sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return err_sys(e, EX_OSERR, "socket");
	c = conn_new(fd, (const struct sockaddr *)&sun);
	snprintf(c->via, sizeof(c->via), "socket %s", path);
	conn_set_peer_name(c, host);
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* EAGAIN here is a full backlog, not a connect under way. */
		if (errno != EINPROGRESS) {
			err_sys(e, EX_TEMPFAIL, "connect to %s", c->peer);
			goto fail;
		}
		if (connect_wait(fd, c->peer, timeout_ms, e) == -1)
			goto fail;
	}
	*cp = c;
	return 0;
fail:
	conn_close(c);
	return -1;
}

/* --- SOCKS5 (RFC 1928) --- */

/* Read exactly len bytes of the proxy's reply, never more: what follows
 * is the server's. */
static int
socks_read(struct conn *c, unsigned char *buf, size_t len, long long deadline,
    int timeout_ms, struct err *e)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = conn_recv(c, buf + got, len - got, deadline, timeout_ms, e);
		if (n == -1)
			return -1;
		if (n == 0)
			return err_set(e, EX_TEMPFAIL, "%s: the proxy closed "
			    "the connection", c->peer);
		got += (size_t)n;
	}
	return 0;
}

/* RFC 1928 §6 reply codes. */
static const char *
socks_reply_text(int rep)
{
	static const char *const t[] = {
		"succeeded", "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
	};

	return rep >= 0 && rep < (int)(sizeof(t) / sizeof(t[0])) ? t[rep] :
	    "unknown error";
}

/* The CONNECT request: the server by name (ATYP 3), or by address when
 * host is an address literal (ATYP 1 or 4).  Returns its length. */
static size_t
socks_request(unsigned char *req, const char *host, int port)
{
	size_t n = 0, hl = strlen(host);

	req[n++] = 5;			/* version */
	req[n++] = 1;			/* CONNECT */
	req[n++] = 0;			/* reserved */
	if (inet_pton(AF_INET, host, req + n + 1) == 1) {
		req[n] = 1;
		n += 1 + 4;
	} else if (inet_pton(AF_INET6, host, req + n + 1) == 1) {
		req[n] = 4;
		n += 1 + 16;
	} else {
		req[n++] = 3;
		req[n++] = (unsigned char)hl;
		memcpy(req + n, host, hl);
		n += hl;
	}
	req[n++] = (unsigned char)(port >> 8);
	req[n++] = (unsigned char)(port & 0xff);
	return n;
}

/* Greeting, request and reply on a connection to the proxy. */
static int
socks_handshake(struct conn *c, const char *host, int port, int timeout_ms,
    struct err *e)
{
	long long deadline = now_ms() + timeout_ms;
	unsigned char req[4 + 1 + 255 + 2], rep[4 + 1 + 255 + 2];
	size_t skip;

	/* One method offered: 0, no authentication. */
	if (conn_send_raw(c, "\x05\x01\x00", 3, timeout_ms, e) == -1 ||
	    socks_read(c, rep, 2, deadline, timeout_ms, e) == -1)
		return -1;
	if (rep[0] != 5)
		return err_set(e, EX_TEMPFAIL, "%s: the proxy does not speak "
		    "SOCKS5", c->peer);
	if (rep[1] != 0)
		return err_set(e, EX_TEMPFAIL, "%s: the proxy wants "
		    "authentication, which postie does not offer", c->peer);
	if (conn_send_raw(c, req, socks_request(req, host, port), timeout_ms,
	    e) == -1 || socks_read(c, rep, 5, deadline, timeout_ms, e) == -1)
		return -1;
	if (rep[0] != 5)
		return err_set(e, EX_TEMPFAIL, "%s: the proxy does not speak "
		    "SOCKS5", c->peer);
	if (rep[1] != 0)
		return err_set(e, EX_TEMPFAIL, "%s: the proxy could not "
		    "connect: %s", c->peer, socks_reply_text(rep[1]));
	/* The bound address and port: 5 bytes read hold its first byte. */
	switch (rep[3]) {
	case 1:	skip = 4 - 1 + 2; break;
	case 4:	skip = 16 - 1 + 2; break;
	case 3:	skip = (size_t)rep[4] + 2; break;
	default:
		return err_set(e, EX_TEMPFAIL, "%s: the proxy's reply has "
		    "address type %d", c->peer, rep[3]);
	}
	return socks_read(c, rep + 5, skip, deadline, timeout_ms, e);
}

static int
connect_socks(struct conn **cp, const char *host, int port,
    const struct conn_via *via, int timeout_ms, struct err *e)
{
	int pport = via->proxy_port > 0 ? via->proxy_port : CONN_SOCKS_PORT;
	struct conn *c;

	*cp = NULL;
	if (strlen(host) > 255)
		return err_set(e, EX_CONFIG, "%s: name too long for a SOCKS5 "
		    "proxy", host);
	if (connect_direct(&c, via->proxy_host, pport, via->source_ip,
	    timeout_ms, e) == -1)
		return err_prefix(e, "SOCKS5 proxy");
	snprintf(c->via, sizeof(c->via), "SOCKS5 proxy %s", c->peer);
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	conn_update_peer(c);
	if (socks_handshake(c, host, port, timeout_ms, e) == -1) {
		conn_close(c);
		return -1;
	}
	*cp = c;
	return 0;
}

int
conn_connect_host(struct conn **cp, const char *host, int port,
    const struct conn_via *via, int timeout_ms, struct err *e)
{
	static const struct conn_via direct;

	if (via == NULL)
		via = &direct;
	if (via->socket_path != NULL)
		return connect_unix(cp, host, via->socket_path, timeout_ms, e);
	if (via->proxy_host != NULL)
		return connect_socks(cp, host, port, via, timeout_ms, e);
	return connect_direct(cp, host, port, via->source_ip, timeout_ms, e);
}

int
conn_starttls(struct conn *c, const struct tls_params *p, int timeout_ms,
    struct err *e)
{
	int queued = 0;

	if (c->tls != NULL)
		return err_set(e, EX_SOFTWARE, "%s: TLS already active",
		    c->peer);
	/* Bytes that arrived before our ClientHello cannot be TLS: the
	 * server (or a man in the middle) sent plaintext that would be
	 * taken as if it came through the TLS session. */
	if (ioctl(c->fd, FIONREAD, &queued) == -1)
		queued = 0;
	if (conn_pending(c) > 0 || queued > 0)
		return err_set(e, EX_PROTOCOL, "%s sent data before the TLS "
		    "handshake (command injection, CVE-2011-0411)", c->peer);
	return conn_tls_implicit(c, p, timeout_ms, e);
}

int
conn_tls_implicit(struct conn *c, const struct tls_params *p, int timeout_ms,
    struct err *e)
{
	if (c->tls != NULL)
		return err_set(e, EX_SOFTWARE, "%s: TLS already active",
		    c->peer);
	if (c->out_len > 0 || conn_pending(c) > 0)
		return err_set(e, EX_SOFTWARE, "%s: unsent or unread data "
		    "before TLS", c->peer);
	c->in_off = c->in_len = 0;
	if (tls_start(&c->tls, c->fd, p, timeout_ms, e) == -1)
		return err_prefix(e, "%s", c->peer);
	if (c->trace != NULL) {
		char d[512];

		tls_describe_peer(c->tls, d, sizeof(d));
		conn_trace_note(c, d);
	}
	return 0;
}

int
conn_wait_input(struct conn *c, int timeout_ms, struct err *e)
{
	int r;

	if (conn_pending(c) > 0)
		return 1;
	r = fd_wait(c->fd, POLLIN, now_ms() + timeout_ms);
	if (r < 0)
		return err_sys(e, EX_OSERR, "poll");
	return r > 0 ? 1 : 0;
}

bool
conn_is_tls(const struct conn *c)
{
	return c->tls != NULL;
}

const struct tls *
conn_tls(const struct conn *c)
{
	return c->tls;
}

/* Call the trace callback once per line of data[0..len). */
static void
trace_lines(struct conn *c, char dir, const char *data, size_t len)
{
	const char *nl;
	size_t n;

	if (c->trace == NULL)
		return;
	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) + 1 : len;
		size_t l = n;
		if (l > 0 && data[l - 1] == '\n')
			l--;
		if (l > 0 && data[l - 1] == '\r')
			l--;
		c->trace(c->trace_arg, dir, data, l);
		data += n;
		len -= n;
	}
}

/* Trace what is queued and not yet traced (unless paused), then mark it. */
static void
trace_queued(struct conn *c)
{
	if (!c->trace_paused)
		trace_lines(c, '>', c->out + c->trace_off,
		    c->out_len - c->trace_off);
	c->trace_off = c->out_len;
}

void
conn_trace_pause(struct conn *c, bool paused)
{
	/* What was queued so far is judged by the state it was queued in. */
	trace_queued(c);
	c->trace_paused = paused;
}

void
conn_trace_note(struct conn *c, const char *note)
{
	if (c->trace == NULL)
		return;
	trace_queued(c);
	c->trace(c->trace_arg, '*', note, strlen(note));
}

/* Send all of buf now, through TLS when active. */
static int
conn_send_raw(struct conn *c, const void *buf, size_t len, int timeout_ms,
    struct err *e)
{
	long long deadline = now_ms() + timeout_ms;
	const char *p = buf;
	ssize_t n;
	int r;

	if (c->tls != NULL)
		return tls_write_all(c->tls, buf, len, timeout_ms, e) == -1 ?
		    err_prefix(e, "%s", c->peer) : 0;
	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return err_sys(e, EX_TEMPFAIL,
			    "%s: connection lost while sending", c->peer);
		r = fd_wait(c->fd, POLLOUT, deadline);
		if (r == -1)
			return err_sys(e, EX_OSERR, "poll");
		if (r == 0)
			return timed_out(c, timeout_ms, "sending", e);
	}
	return 0;
}

int
conn_flush(struct conn *c, int timeout_ms, struct err *e)
{
	int r;

	if (c->out_len == 0)
		return 0;
	trace_queued(c);
	r = conn_send_raw(c, c->out, c->out_len, timeout_ms, e);
	c->out_len = c->trace_off = 0;
	return r;
}

int
conn_write(struct conn *c, const void *buf, size_t len, int timeout_ms,
    struct err *e)
{
	const char *p = buf;
	size_t n;

	if (len <= CONN_OUTBUF - c->out_len) {
		memcpy(c->out + c->out_len, p, len);
		c->out_len += len;
		if (c->trace_paused)
			c->trace_off = c->out_len;
		return 0;
	}
	if (conn_flush(c, timeout_ms, e) == -1)
		return -1;
	/* Large data (a message body chunk) goes out directly, in chunks as
	 * large as the buffer, rather than being copied through it. */
	while (len >= CONN_OUTBUF) {
		n = len < CONN_CHUNK ? len : CONN_CHUNK;
		if (!c->trace_paused)
			trace_lines(c, '>', p, n);
		if (conn_send_raw(c, p, n, timeout_ms, e) == -1)
			return -1;
		p += n;
		len -= n;
	}
	return conn_write(c, p, len, timeout_ms, e);
}

int
conn_printf(struct conn *c, int timeout_ms, struct err *e, const char *fmt,
    ...)
{
	va_list ap;
	char *s;
	int r, n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(e, EX_OSERR, "out of memory");
	r = conn_write(c, s, (size_t)n, timeout_ms, e);
	free(s);
	return r;
}

static int
timed_out(const struct conn *c, int timeout_ms, const char *what,
    struct err *e)
{
	char tbuf[32];

	fmt_timeout(tbuf, sizeof(tbuf), timeout_ms);
	return err_set(e, EX_TEMPFAIL, "%s: timed out after %s %s", c->peer,
	    tbuf, what);
}

/* Receive what is there (waiting until the deadline): >0 bytes, 0 when
 * the server closed, -1 on error or timeout. */
static ssize_t
conn_recv(struct conn *c, void *buf, size_t len, long long deadline,
    int timeout_ms, struct err *e)
{
	ssize_t n;
	int r;

	if (c->tls != NULL) {
		n = tls_read(c->tls, buf, len, remaining_ms(deadline), e);
		if (n == -1 && e != NULL && e->ex == EX_TEMPFAIL &&
		    remaining_ms(deadline) == 0)
			return timed_out(c, timeout_ms, "waiting for data", e);
		return n == -1 ? err_prefix(e, "%s", c->peer) : n;
	}
	for (;;) {
		n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return err_sys(e, EX_TEMPFAIL,
			    "%s: connection lost while reading", c->peer);
		r = fd_wait(c->fd, POLLIN, deadline);
		if (r == -1)
			return err_sys(e, EX_OSERR, "poll");
		if (r == 0)
			return timed_out(c, timeout_ms, "waiting for data", e);
	}
}

/* Read more bytes into the input buffer: 0 ok, -1 error/timeout/close. */
static int
conn_fill(struct conn *c, long long deadline, int timeout_ms, struct err *e)
{
	ssize_t n;

	n = conn_recv(c, c->in + c->in_len, sizeof(c->in) - c->in_len,
	    deadline, timeout_ms, e);
	if (n == -1)
		return -1;
	if (n == 0)
		return err_set(e, EX_TEMPFAIL,
		    "%s: connection closed by the server", c->peer);
	c->in_len += (size_t)n;
	return 0;
}

/* If a complete line is buffered, return it (NUL-terminated in place). */
static int
conn_take_line(struct conn *c, const char **line, size_t *len, bool *found,
    struct err *e)
{
	char *start = c->in + c->in_off;
	size_t avail = c->in_len - c->in_off;
	char *nl = memchr(start, '\n', avail);
	size_t n;

	*found = false;
	if (nl == NULL) {
		if (avail >= CONN_LINE_MAX)
			return err_set(e, EX_PROTOCOL, "%s sent a line longer "
			    "than %d bytes", c->peer, CONN_LINE_MAX);
		return 0;
	}
	n = (size_t)(nl - start);
	if (n + 1 > CONN_LINE_MAX)
		return err_set(e, EX_PROTOCOL, "%s sent a line longer than "
		    "%d bytes", c->peer, CONN_LINE_MAX);
	if (memchr(start, '\0', n) != NULL)
		return err_set(e, EX_PROTOCOL, "%s sent a NUL byte", c->peer);
	c->in_off += n + 1;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	*line = start;
	*len = n;
	*found = true;
	if (c->trace != NULL)
		c->trace(c->trace_arg, '<', start, n);
	return 0;
}

int
conn_readline(struct conn *c, const char **line, size_t *len, int timeout_ms,
    struct err *e)
{
	return conn_readline_by(c, line, len, now_ms() + timeout_ms,
	    timeout_ms, e);
}

int
conn_readline_by(struct conn *c, const char **line, size_t *len,
    long long deadline, int timeout_ms, struct err *e)
{
	bool found;

	/* The previous line is returned now: drop it. */
	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	for (;;) {
		if (conn_take_line(c, line, len, &found, e) == -1)
			return -1;
		if (found)
			return 0;
		if (conn_fill(c, deadline, timeout_ms, e) == -1)
			return -1;
	}
}

size_t
conn_pending(const struct conn *c)
{
	size_t n = c->in_len - c->in_off;

	if (c->tls != NULL)
		n += tls_pending(c->tls);
	return n;
}

void
conn_set_trace(struct conn *c, conn_trace_fn fn, void *arg)
{
	c->trace = fn;
	c->trace_arg = arg;
}

const char *
conn_peer(const struct conn *c)
{
	return c->peer;
}

const char *
conn_host(const struct conn *c)
{
	return c->host[0] != '\0' ? c->host : c->addr;
}

void
conn_set_peer_name(struct conn *c, const char *host)
{
	snprintf(c->host, sizeof(c->host), "%s", host != NULL ? host : "");
	conn_update_peer(c);
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->tls != NULL)
		tls_close(c->tls);
	if (c->fd != -1)
		close(c->fd);
	free(c);
}
