/*
 * conn.h — one connection to an SMTP server, TCP or TLS behind one
 * interface: smtp.c never knows which.
 *
 * Output is buffered and leaves in one send (one TLS record) per flush, so
 * a pipelined flight of commands is one packet; TCP_NODELAY is set at
 * connect.  The input buffer belongs to the conn, so replies that arrive
 * together survive between reads (pipelining).  Every read and write has a
 * timeout; lines are bounded (CONN_LINE_MAX).
 */
#ifndef POSTIE_CONN_H
#define POSTIE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "err.h"
#include "tls.h"

#define CONN_LINE_MAX	4096		/* > REPLY_LINE_MAX + CRLF */
#define CONN_OUTBUF	(64 * 1024)	/* flushed when full: 4 full TLS records */

/* Called with each line sent or received, for -v and -X (direction '>'
 * for sent, '<' for received, '*' for a note that is not traffic, such
 * as a stage change).  Credentials are masked by the callee. */
typedef void (*conn_trace_fn)(void *arg, char direction, const char *line,
	    size_t len);

#define CONN_SOCKS_PORT	1080		/* msmtp's proxy_port default */

struct conn;

/* How a server is reached besides its name and port: the account's
 * source_ip, proxy_host/proxy_port and socket keys.  All may be NULL/0. */
struct conn_via {
	const char *source_ip;		/* bind the local side to it */
	const char *proxy_host;		/* SOCKS5 proxy (RFC 1928, no auth) */
	int	    proxy_port;		/* 0: CONN_SOCKS_PORT */
	const char *socket_path;	/* Unix-domain socket: overrides the rest */
};

/* Connect to one address (from getaddrinfo) within timeout_ms; source_ip
 * binds the local side when non-NULL.  Errors: EX_TEMPFAIL (refused,
 * unreachable, timed out), EX_OSERR. */
int	conn_connect_addr(struct conn **c, const struct sockaddr *sa,
	    socklen_t salen, const char *source_ip, int timeout_ms,
	    struct err *e);
/*
 * Connect to host:port as via says, within timeout_ms (each address, and
 * a proxy's handshake, get the whole of it).
 *  - directly: resolve host and try each address in turn;
 *  - through a SOCKS5 proxy: connect to the proxy (resolving only its own
 *    name) and ask it to connect to host by name (ATYP domain name; an
 *    address literal goes as an address), so no DNS query and no
 *    connection leaves this machine outside the proxy;
 *  - to a Unix-domain socket: host only names the server (TLS, messages).
 * Errors: EX_NOHOST when the name does not resolve, EX_CONFIG for a
 * socket path too long or a name too long for SOCKS5, EX_OSERR, and
 * EX_TEMPFAIL otherwise (a proxy that refuses or cannot reach the server
 * included).
 */
int	conn_connect_host(struct conn **c, const char *host, int port,
	    const struct conn_via *via, int timeout_ms, struct err *e);

/* Start TLS on the connection after the STARTTLS 220.  Fails with
 * EX_PROTOCOL when unread input is pending: plaintext sent before the
 * handshake is an injection (CVE-2011-0411). */
int	conn_starttls(struct conn *c, const struct tls_params *p,
	    int timeout_ms, struct err *e);
/* Start implicit TLS right after connect.  Bytes the server sent first
 * are no injection (there was no plaintext session): the handshake reads
 * them, and a plain SMTP greeting sets *p->plain_reply (tls.h). */
int	conn_tls_implicit(struct conn *c, const struct tls_params *p,
	    int timeout_ms, struct err *e);
/* Wait up to timeout_ms for input: 1 when some is there (or the server
 * closed), 0 when none came, -1 on a poll error (e filled). */
int	conn_wait_input(struct conn *c, int timeout_ms, struct err *e);
bool	conn_is_tls(const struct conn *c);
const struct tls *conn_tls(const struct conn *c);

/* Queue bytes for sending (flushes by itself when the buffer fills). */
int	conn_write(struct conn *c, const void *buf, size_t len, int timeout_ms,
	    struct err *e);
int	conn_printf(struct conn *c, int timeout_ms, struct err *e,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Send everything queued, in as few writes as possible. */
int	conn_flush(struct conn *c, int timeout_ms, struct err *e);

/* Read one line (CRLF or LF stripped).  *line points into the conn's
 * buffer (NUL-terminated in place) and stays valid until the next read.
 * Errors: EX_PROTOCOL for a line over CONN_LINE_MAX or containing NUL,
 * EX_TEMPFAIL for timeout or a connection closed by the server. */
int	conn_readline(struct conn *c, const char **line, size_t *len,
	    int timeout_ms, struct err *e);
/* The same, waiting no later than deadline (util.h's now_ms() scale), so
 * that all the lines of one reply share one deadline; timeout_ms is what
 * the timeout message names. */
int	conn_readline_by(struct conn *c, const char **line, size_t *len,
	    long long deadline, int timeout_ms, struct err *e);
/* Bytes received and not yet returned by conn_readline. */
size_t	conn_pending(const struct conn *c);

void	conn_set_trace(struct conn *c, conn_trace_fn fn, void *arg);
/* Suspend (paused = true) or resume tracing of data written from now on,
 * so that message content (DATA/BDAT payload) never reaches the trace:
 * pause after queueing the DATA or BDAT command, resume before queueing
 * the next command.  Bytes queued before the call are traced (or not)
 * according to the state they were queued in.  Reads are always traced. */
void	conn_trace_pause(struct conn *c, bool paused);
/* Trace a note (direction '*') after the lines already queued, so that
 * it reads in order with them.  Nothing when no trace is set. */
void	conn_trace_note(struct conn *c, const char *note);
/* "host[addr]:port" for messages; "host:port via SOCKS5 proxy P:N" or
 * "host via socket PATH" when so connected. */
const char *conn_peer(const struct conn *c);
/* The server's host name as connected to (or its address when it was
 * given as one): what a delivery report names as the Remote-MTA. */
const char *conn_host(const struct conn *c);
void	conn_set_peer_name(struct conn *c, const char *host);

void	conn_close(struct conn *c);

#endif
