#!/usr/bin/python3
"""How fast can the sink take a message?  Sends one message with the least
client work we can manage (CRLF and dot-stuffing done before the clock
starts, one TLS write per 256 KB) and prints the seconds from connect to the
final reply.  If this is close to what postie needs, the sink, not postie,
is being measured.

    sinkcheck.py HOST PORT starttls|implicit USER PASSWORD CAFILE MESSAGE
"""
import base64
import socket
import ssl
import sys
import time


def reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("sinkcheck: connection closed")
        lines.append(line)
        if line[3:4] != b"-":
            return int(line[:3]), lines


def expect(f, code):
    got, lines = reply(f)
    if got != code:
        raise SystemExit("sinkcheck: expected %d, got %r" % (code, lines))


def main():
    host, port, mode, user, password, cafile, path = sys.argv[1:8]
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    data = data.replace(b"\n.", b"\n..").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    ctx = ssl.create_default_context(cafile=cafile)
    start = time.monotonic()
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if mode == "implicit":
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
    f = sock.makefile("rb")
    expect(f, 220)
    sock.sendall(b"EHLO sinkcheck\r\n")
    expect(f, 250)
    if mode == "starttls":
        sock.sendall(b"STARTTLS\r\n")
        expect(f, 220)
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
        f = sock.makefile("rb")
        sock.sendall(b"EHLO sinkcheck\r\n")
        expect(f, 250)
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
    sock.sendall(b"AUTH PLAIN " + token + b"\r\n")
    expect(f, 235)
    sock.sendall(b"MAIL FROM:<bench@client.invalid>\r\n"
                 b"RCPT TO:<rcpt@bench.invalid>\r\nDATA\r\n")
    expect(f, 250)
    expect(f, 250)
    expect(f, 354)
    view = memoryview(data)
    for off in range(0, len(view), 262144):
        sock.sendall(view[off:off + 262144])
    sock.sendall(b".\r\n")
    expect(f, 250)
    sock.sendall(b"QUIT\r\n")
    reply(f)
    print("%.3f" % (time.monotonic() - start))


if __name__ == "__main__":
    main()
