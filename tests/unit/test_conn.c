/*
 * test_conn.c — unit tests for src/conn.c and src/tls.c over real
 * loopback sockets: each test forks a scripted server on 127.0.0.1:0.
 * The TLS tests make a throwaway CA and server certificate with certtool
 * in a temporary directory (skipped, and said so, when certtool is
 * missing) and run an in-test GnuTLS server.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "check.h"
#include "conn.h"
#include "util.h"

typedef void (*script_fn)(int fd);

/* --- scripted server --- */

static int
listen_lo(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("listen_lo");
		exit(99);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Read and discard until the client closes. */
static void
drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static pid_t
serve(script_fn fn, int *port)
{
	int lfd = listen_lo(port), fd;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		alarm(10);	/* a broken test must not hang the suite */
		fd = accept(lfd, NULL, NULL);
		if (fd != -1)
			fn(fd);
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
}

static struct conn *
connect_port(int port, struct err *e)
{
	struct conn *c = NULL;

	if (conn_connect_host(&c, "127.0.0.1", port, NULL, 2000, e) == -1) {
		fprintf(stderr, "  connect: %s\n", e->msg);
		return NULL;
	}
	return c;
}

/* --- scripts --- */

static void
send_two_lines_in_one_write(int fd)
{
	const char *s = "250-first\r\n250 second\r\n";

	write_all(fd, s, strlen(s));
	drain(fd);
}

static void
send_long_line(int fd)
{
	char buf[CONN_LINE_MAX + 100];

	memset(buf, 'x', sizeof(buf));
	buf[sizeof(buf) - 2] = '\r';
	buf[sizeof(buf) - 1] = '\n';
	write_all(fd, buf, sizeof(buf));
	drain(fd);
}

static void
send_nul_in_line(int fd)
{
	write_all(fd, "250 a\0b\r\n", 9);
	drain(fd);
}

static void
send_banner_then_stall(int fd)
{
	write_all(fd, "220 hi\r\n", 8);
	drain(fd);
}

static void
close_at_once(int fd)
{
	close(fd);
}

/* Report the size of the first read, taken as soon as data arrives. */
static void
report_first_read_size(int fd)
{
	char buf[65536], msg[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	snprintf(msg, sizeof(msg), "GOT %zd\r\n", n);
	write_all(fd, msg, strlen(msg));
	drain(fd);
}

/* Report the total bytes received and whether they were the pattern. */
static void
report_total(int fd)
{
	char buf[65536], msg[64];
	size_t total = 0;
	bool ok = true;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (char)('a' + (total + (size_t)i) % 26))
				ok = false;
		total += (size_t)n;
		if (total >= 200000)
			break;
	}
	snprintf(msg, sizeof(msg), "%s %zu\r\n", ok ? "OK" : "BAD", total);
	write_all(fd, msg, strlen(msg));
	drain(fd);
}

static void
send_starttls_reply_with_injection(int fd)
{
	const char *s = "220 go ahead\r\nMAIL FROM:<evil@example>\r\n";

	write_all(fd, s, strlen(s));
	drain(fd);
}

/* --- plain TCP tests --- */

static void
pipelined_lines_in_one_segment_are_both_returned(void)
{
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(send_two_lines_in_one_write, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_MEM(line, len, "250-first", 9);
	/* The second line is already here and must not be lost. */
	CHECK_INT(conn_pending(c), strlen("250 second\r\n"));
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_MEM(line, len, "250 second", 10);
	CHECK_STR(line, "250 second");
	CHECK_INT(conn_pending(c), 0);
	conn_close(c);
	reap(pid);
}

static void
line_over_conn_line_max_is_protocol_error(void)
{
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(send_long_line, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK(strstr(e.msg, "longer than") != NULL);
	conn_close(c);
	reap(pid);
}

static void
nul_in_line_is_protocol_error(void)
{
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(send_nul_in_line, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	conn_close(c);
	reap(pid);
}

static void
stalled_server_times_out_with_tempfail(void)
{
	struct err e = { 0 };
	const char *line;
	size_t len;
	long long t0;
	int port;
	pid_t pid = serve(send_banner_then_stall, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	t0 = now_ms();
	CHECK_INT(conn_readline(c, &line, &len, 300, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(now_ms() - t0 >= 290);
	CHECK(now_ms() - t0 < 2000);
	CHECK(strstr(e.msg, "timed out after 0.3 s") != NULL);
	conn_close(c);
	reap(pid);
}

static void
server_closing_is_tempfail(void)
{
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(close_at_once, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(strstr(e.msg, "closed") != NULL);
	conn_close(c);
	reap(pid);
}

static void
refused_connection_is_tempfail(void)
{
	struct err e = { 0 };
	struct conn *c = NULL;
	int port, lfd = listen_lo(&port);

	close(lfd);		/* nothing listens there now */
	CHECK_INT(conn_connect_host(&c, "127.0.0.1", port, NULL, 2000, &e),
	    -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(c == NULL);
}

static void
flush_sends_queued_writes_in_one_segment(void)
{
	const char *cmds[] = { "MAIL FROM:<a@example.org>\r\n",
	    "RCPT TO:<b@example.org>\r\n", "DATA\r\n" };
	struct err e = { 0 };
	const char *line;
	char want[32];
	size_t len, total = 0;
	int port;
	pid_t pid = serve(report_first_read_size, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	for (size_t i = 0; i < 3; i++) {
		CHECK_INT(conn_write(c, cmds[i], strlen(cmds[i]), 2000, &e), 0);
		total += strlen(cmds[i]);
		usleep(20000);	/* a write-through conn would be caught here */
	}
	CHECK_INT(conn_flush(c, 2000, &e), 0);
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	snprintf(want, sizeof(want), "GOT %zu", total);
	CHECK_STR(line, want);
	conn_close(c);
	reap(pid);
}

static void
large_write_arrives_whole(void)
{
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(report_total, &port);
	struct conn *c = connect_port(port, &e);
	char *data = xmalloc(200000);	/* after the fork: the child never frees */

	for (size_t i = 0; i < 200000; i++)
		data[i] = (char)('a' + i % 26);
	CHECK(c != NULL);
	if (c == NULL) {
		free(data);
		return;
	}
	/* A small write first, then one larger than the buffer. */
	CHECK_INT(conn_write(c, data, 1000, 2000, &e), 0);
	CHECK_INT(conn_write(c, data + 1000, 199000, 2000, &e), 0);
	CHECK_INT(conn_flush(c, 2000, &e), 0);
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_STR(line, "OK 200000");
	conn_close(c);
	reap(pid);
	free(data);
}

struct trace_log {
	char	text[1024];
};

static void
record_trace(void *arg, char dir, const char *line, size_t len)
{
	struct trace_log *t = arg;
	size_t n = strlen(t->text);

	snprintf(t->text + n, sizeof(t->text) - n, "%c%.*s|", dir, (int)len,
	    line);
}

static void
trace_shows_commands_but_not_paused_body(void)
{
	struct trace_log log = { "" };
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(send_banner_then_stall, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	conn_set_trace(c, record_trace, &log);
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_INT(conn_printf(c, 2000, &e, "EHLO %s\r\nDATA\r\n", "me"), 0);
	conn_trace_pause(c, true);
	CHECK_INT(conn_printf(c, 2000, &e, "Subject: secret\r\n\r\nbody\r\n"),
	    0);
	CHECK_INT(conn_flush(c, 2000, &e), 0);
	CHECK_INT(conn_printf(c, 2000, &e, "more body\r\n.\r\n"), 0);
	conn_trace_pause(c, false);
	CHECK_INT(conn_printf(c, 2000, &e, "QUIT\r\n"), 0);
	CHECK_INT(conn_flush(c, 2000, &e), 0);
	CHECK_STR(log.text, "<220 hi|>EHLO me|>DATA|>QUIT|");
	conn_close(c);
	reap(pid);
}

static void
peer_names_host_address_and_port(void)
{
	struct err e = { 0 };
	char want[64];
	int port;
	pid_t pid = serve(send_banner_then_stall, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	snprintf(want, sizeof(want), "127.0.0.1[127.0.0.1]:%d", port);
	CHECK_STR(conn_peer(c), want);
	conn_set_peer_name(c, "mx.example.org");
	snprintf(want, sizeof(want), "mx.example.org[127.0.0.1]:%d", port);
	CHECK_STR(conn_peer(c), want);
	conn_close(c);
	reap(pid);
}

static void
starttls_refused_when_plaintext_is_pending(void)
{
	struct tls_params p = { .verify_name = "localhost", .certcheck = true };
	struct err e = { 0 };
	const char *line;
	size_t len;
	int port;
	pid_t pid = serve(send_starttls_reply_with_injection, &port);
	struct conn *c = connect_port(port, &e);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_STR(line, "220 go ahead");
	CHECK_INT(conn_starttls(c, &p, 2000, &e), -1);
	CHECK_INT(e.ex, EX_PROTOCOL);
	CHECK(strstr(e.msg, "CVE-2011-0411") != NULL);
	CHECK(!conn_is_tls(c));
	conn_close(c);
	reap(pid);
}

/* --- TLS: throwaway certificates and an in-test GnuTLS server --- */

static char tmpdir[64];
static char ca_pem[128], srv_pem[128], srv_key[128];
static int have_certs = -1;	/* -1 not tried, 0 unavailable, 1 ready */

static void
remove_certs(void)
{
	char cmd[128];

	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "  could not remove %s\n", tmpdir);
	}
}

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static bool
make_certs(void)
{
	char cmd[1024];

	if (have_certs != -1)
		return have_certs == 1;
	have_certs = 0;
	if (system("command -v certtool >/dev/null 2>&1") != 0) {
		printf("# certtool not found: TLS checks skipped\n");
		return false;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/postie-test-conn-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return false;
	atexit(remove_certs);
	if (write_file(tmpdir, "ca.tmpl", "cn = postie test CA\nca\n"
	    "cert_signing_key\nexpiration_days = 2\n") == -1 ||
	    write_file(tmpdir, "srv.tmpl", "cn = localhost\ndns_name = "
	    "localhost\nip_address = 127.0.0.1\ntls_www_server\n"
	    "signing_key\nencryption_key\nexpiration_days = 2\n") == -1)
		return false;
	snprintf(cmd, sizeof(cmd), "(cd '%s' && "
	    "certtool --generate-privkey --key-type=ecdsa --outfile ca.key && "
	    "certtool --generate-self-signed --load-privkey ca.key "
	    "--template ca.tmpl --outfile ca.pem && "
	    "certtool --generate-privkey --key-type=ecdsa --outfile srv.key && "
	    "certtool --generate-certificate --load-privkey srv.key "
	    "--load-ca-certificate ca.pem --load-ca-privkey ca.key "
	    "--template srv.tmpl --outfile srv.pem) >/dev/null 2>&1", tmpdir);
	if (system(cmd) != 0) {
		printf("# certtool failed: TLS checks skipped\n");
		return false;
	}
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", tmpdir);
	snprintf(srv_pem, sizeof(srv_pem), "%s/srv.pem", tmpdir);
	snprintf(srv_key, sizeof(srv_key), "%s/srv.key", tmpdir);
	have_certs = 1;
	return true;
}

/* The server certificate's SHA-256 as hex; colons and case chosen. */
static void
server_fingerprint(char *out, size_t outlen, bool colons, bool upper)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t pem = { NULL, 0 };
	unsigned char fp[32];
	size_t fplen = sizeof(fp), o = 0;

	out[0] = '\0';
	if (gnutls_load_file(srv_pem, &pem) < 0)
		return;
	gnutls_x509_crt_init(&crt);
	if (gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) >= 0 &&
	    gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
	    &fplen) >= 0)
		for (size_t i = 0; i < fplen && o + 4 < outlen; i++)
			o += (size_t)snprintf(out + o, outlen - o,
			    upper ? "%s%02X" : "%s%02x",
			    colons && i > 0 ? ":" : "", fp[i]);
	gnutls_x509_crt_deinit(crt);
	gnutls_free(pem.data);
}

static void
tls_server(int fd)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	char buf[20000], msg[64];
	size_t total = 0;
	ssize_t n;
	int r;

	gnutls_certificate_allocate_credentials(&cred);
	if (gnutls_certificate_set_x509_key_file(cred, srv_pem, srv_key,
	    GNUTLS_X509_FMT_PEM) < 0)
		_exit(1);
	gnutls_init(&s, GNUTLS_SERVER);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		_exit(0);	/* the client refused us: that may be the test */
	gnutls_record_send(s, "220 tls ok\r\n", 12);
	/* Count bytes; after each LF-terminated read, report the count. */
	while ((n = gnutls_record_recv(s, buf, sizeof(buf))) > 0) {
		total += (size_t)n;
		if (buf[n - 1] != '\n')
			continue;
		snprintf(msg, sizeof(msg), "GOT %zu\r\n", total);
		gnutls_record_send(s, msg, strlen(msg));
	}
	_exit(0);
}

/* Connect to a fresh TLS server and start TLS with p. */
static int
tls_try(const struct tls_params *p, struct conn **cp, pid_t *pid,
    struct err *e)
{
	int port;

	*pid = serve(tls_server, &port);
	if ((*cp = connect_port(port, e)) == NULL)
		return -1;
	return conn_starttls(*cp, p, 3000, e);
}

static void
tls_trusted_ca_and_matching_name_succeed(void)
{
	struct tls_params p = { .verify_name = "localhost", .certcheck = true };
	struct err e = { 0 };
	struct conn *c;
	const char *line;
	char desc[128], info[1024], fp[128];
	size_t len;
	pid_t pid;

	if (!make_certs())
		return;
	p.trust_file = ca_pem;
	CHECK_INT(tls_try(&p, &c, &pid, &e), 0);
	if (e.ex != 0)
		fprintf(stderr, "  %s\n", e.msg);
	CHECK(conn_is_tls(c));
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_STR(line, "220 tls ok");
	if (conn_is_tls(c)) {
		CHECK(tls_peer_verified(conn_tls(c)));
		tls_describe(conn_tls(c), desc, sizeof(desc));
		CHECK(strncmp(desc, "TLSv1.3 TLS_", 12) == 0);
		tls_peer_info(conn_tls(c), info, sizeof(info));
		server_fingerprint(fp, sizeof(fp), true, true);
		CHECK(strstr(info, "CN=localhost") != NULL);
		CHECK(strstr(info, fp) != NULL);
	}
	conn_close(c);
	reap(pid);
}

static void
tls_bulk_write_arrives_and_stall_times_out(void)
{
	struct tls_params p = { .verify_name = "localhost", .certcheck = true };
	struct err e = { 0 };
	struct conn *c;
	const char *line;
	char *data;
	size_t len;
	pid_t pid;

	if (!make_certs())
		return;
	p.trust_file = ca_pem;
	CHECK_INT(tls_try(&p, &c, &pid, &e), 0);
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	data = xmalloc(200002);
	memset(data, 'x', 200000);
	memcpy(data + 200000, "\r\n", 2);
	CHECK_INT(conn_write(c, data, 200002, 2000, &e), 0);
	CHECK_INT(conn_flush(c, 2000, &e), 0);
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_STR(line, "GOT 200002");
	/* Nothing more comes: the TLS read must time out like TCP's. */
	CHECK_INT(conn_readline(c, &line, &len, 300, &e), -1);
	CHECK_INT(e.ex, EX_TEMPFAIL);
	CHECK(strstr(e.msg, "timed out after 0.3 s waiting for data") != NULL);
	free(data);
	conn_close(c);
	reap(pid);
}

static void
tls_pinned_fingerprint_replaces_chain_check(void)
{
	struct tls_params p = { .verify_name = "not-the-name.example",
	    .certcheck = true };
	struct err e = { 0 };
	struct conn *c;
	char fp[128];
	pid_t pid;

	if (!make_certs())
		return;
	/* Lower case without colons is accepted as well. */
	server_fingerprint(fp, sizeof(fp), false, false);
	p.fingerprint = fp;
	CHECK_INT(tls_try(&p, &c, &pid, &e), 0);
	if (e.ex != 0)
		fprintf(stderr, "  %s\n", e.msg);
	CHECK(conn_is_tls(c) && tls_peer_verified(conn_tls(c)));
	conn_close(c);
	reap(pid);
}

static void
tls_wrong_fingerprint_is_refused_noperm(void)
{
	struct tls_params p = { .verify_name = "localhost", .certcheck = true,
	    .fingerprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF" };
	struct err e = { 0 };
	struct conn *c;
	pid_t pid;

	if (!make_certs())
		return;
	CHECK_INT(tls_try(&p, &c, &pid, &e), -1);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "tls_fingerprint") != NULL);
	conn_close(c);
	reap(pid);
}

static void
tls_untrusted_certificate_is_refused_noperm(void)
{
	/* System store: the throwaway CA is not in it. */
	struct tls_params p = { .verify_name = "localhost", .certcheck = true };
	struct err e = { 0 };
	struct conn *c;
	pid_t pid;

	if (!make_certs())
		return;
	CHECK_INT(tls_try(&p, &c, &pid, &e), -1);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "certificate of localhost not trusted") != NULL);
	conn_close(c);
	reap(pid);
}

static void
tls_name_mismatch_is_refused_noperm(void)
{
	struct tls_params p = { .verify_name = "mail.example.org",
	    .certcheck = true };
	struct err e = { 0 };
	struct conn *c;
	pid_t pid;

	if (!make_certs())
		return;
	p.trust_file = ca_pem;
	CHECK_INT(tls_try(&p, &c, &pid, &e), -1);
	CHECK_INT(e.ex, EX_NOPERM);
	CHECK(strstr(e.msg, "mail.example.org") != NULL);
	conn_close(c);
	reap(pid);
}

static void
tls_opportunistic_goes_on_with_untrusted_certificate(void)
{
	struct tls_params p = { .verify_name = "localhost", .certcheck = true,
	    .opportunistic = true };
	struct err e = { 0 };
	struct conn *c;
	const char *line;
	size_t len;
	pid_t pid;

	if (!make_certs())
		return;
	CHECK_INT(tls_try(&p, &c, &pid, &e), 0);
	CHECK(conn_is_tls(c) && !tls_peer_verified(conn_tls(c)));
	CHECK_INT(conn_readline(c, &line, &len, 2000, &e), 0);
	CHECK_STR(line, "220 tls ok");
	conn_close(c);
	reap(pid);
}

static void
tls_bad_fingerprint_syntax_is_config_error(void)
{
	struct tls_params p = { .verify_name = "localhost", .certcheck = true,
	    .fingerprint = "AB:CD:EF" };
	struct err e = { 0 };
	struct conn *c;
	pid_t pid;

	if (!make_certs())
		return;
	CHECK_INT(tls_try(&p, &c, &pid, &e), -1);
	CHECK_INT(e.ex, EX_CONFIG);
	conn_close(c);
	reap(pid);
}

static const struct test tests[] = {
	TEST(pipelined_lines_in_one_segment_are_both_returned),
	TEST(line_over_conn_line_max_is_protocol_error),
	TEST(nul_in_line_is_protocol_error),
	TEST(stalled_server_times_out_with_tempfail),
	TEST(server_closing_is_tempfail),
	TEST(refused_connection_is_tempfail),
	TEST(flush_sends_queued_writes_in_one_segment),
	TEST(large_write_arrives_whole),
	TEST(trace_shows_commands_but_not_paused_body),
	TEST(peer_names_host_address_and_port),
	TEST(starttls_refused_when_plaintext_is_pending),
	TEST(tls_trusted_ca_and_matching_name_succeed),
	TEST(tls_bulk_write_arrives_and_stall_times_out),
	TEST(tls_pinned_fingerprint_replaces_chain_check),
	TEST(tls_wrong_fingerprint_is_refused_noperm),
	TEST(tls_untrusted_certificate_is_refused_noperm),
	TEST(tls_name_mismatch_is_refused_noperm),
	TEST(tls_opportunistic_goes_on_with_untrusted_certificate),
	TEST(tls_bad_fingerprint_syntax_is_config_error),
};

CHECK_MAIN(tests)
