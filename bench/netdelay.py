#!/usr/bin/python3
"""A delay line between two network namespaces, for counting round trips
the way a real 50 ms path does (this kernel has no netem).

delayproxy.py terminates TCP on loopback, so a client's Nagle stall (a small
write held until the previous segment is ACKed) costs only a loopback ACK
there.  Here the client's TCP peer is really DELAY ms away: the client runs
in namespace NAME-c and talks to 10.77.0.2, a tun device whose packets this
program hands, DELAY ms later, to a tun device in namespace NAME-s, and back.
In NAME-s a plain forwarder (no delay) passes each connection on to
127.0.0.1:TARGET in the root namespace.

    netdelay.py NAME DELAY_MS STATS READY LPORT=TPORT [LPORT=TPORT...]

Clients: `ip netns exec NAME-c PROG`, connecting to 10.77.0.2:LPORT.
READY is written once everything is up.  When a client sends FIN, one line
is appended to STATS:
    port=LPORT data_rounds=N all_rounds=M
data_rounds: client segments with payload sent at least 0.9 RTT after the
    client's previous payload segment, with some server payload reaching
    the client in between (protocol round trips);
all_rounds: the same, counting any server segment, pure ACKs too (adds the
    round trips lost to Nagle's algorithm and delayed ACKs).
A last round that no server payload answered (the TLS close_notify after
QUIT's reply) is not counted, nor is the TCP handshake.  SIGTERM removes
the namespaces.
"""
import asyncio
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454ca
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
CLIENT_IP, SERVER_IP = "10.77.0.1", "10.77.0.2"

libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True)


class Conn:
    def __init__(self):
        self.data_seen = False     # server payload delivered since last client payload
        self.any_seen = False      # any server segment delivered since then
        self.data_rounds = 0
        self.all_rounds = 0
        self.sent_any = False
        self.last_sent = 0.0       # when the client last sent payload (or SYN)
        self.answered = True       # server payload since the last counted round


def tcp_info(pkt):
    """(src port, dst port, flags, payload length) of an IPv4 TCP packet."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 15) * 4
    total = struct.unpack("!H", pkt[2:4])[0]
    if len(pkt) < ihl + 20:
        return None
    sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
    doff = (pkt[ihl + 12] >> 4) * 4
    flags = pkt[ihl + 13]
    return sport, dport, flags, total - ihl - doff


class Line:
    def __init__(self, loop, ctun, stun, delay, stats):
        self.loop, self.ctun, self.stun = loop, ctun, stun
        self.delay, self.stats = delay, stats
        self.conns = {}

    def from_client(self):
        while True:
            try:
                pkt = os.read(self.ctun, 65536)
            except BlockingIOError:
                return
            info = tcp_info(pkt)
            if info:
                self.client_sent(*info)
            self.loop.call_later(self.delay, self.put, self.stun, pkt, None)

    def from_server(self):
        while True:
            try:
                pkt = os.read(self.stun, 65536)
            except BlockingIOError:
                return
            self.loop.call_later(self.delay, self.put, self.ctun, pkt, tcp_info(pkt))

    def put(self, fd, pkt, delivered):
        try:
            os.write(fd, pkt)
        except OSError:
            pass
        if delivered:
            # A server segment reaches the client now.
            sport, dport, flags, plen = delivered
            c = self.conns.get(dport)
            if c:
                c.any_seen = True
                c.data_seen = c.data_seen or plen > 0
                c.answered = c.answered or plen > 0

    def client_sent(self, sport, dport, flags, plen):
        now = self.loop.time()
        if flags & 0x02 and not flags & 0x10:     # SYN: a new connection
            self.conns[sport] = c = Conn()
            c.last_sent = now
            return
        c = self.conns.get(sport)
        if c is None:
            return
        if plen > 0:
            waited = now - c.last_sent >= 1.8 * self.delay
            new_data = c.data_seen and waited
            if new_data:
                c.data_rounds += 1
            # (a first payload after the bare SYN-ACK is the handshake's)
            new_any = waited and (c.data_seen or (c.any_seen and c.sent_any))
            if new_any:
                c.all_rounds += 1
            if new_data or new_any:
                c.answered = False
            c.sent_any = True
            c.last_sent = now
            c.data_seen = c.any_seen = False
        if flags & 0x05:                          # FIN or RST: done
            del self.conns[sport]
            if not c.answered:
                c.data_rounds = max(0, c.data_rounds - 1)
                c.all_rounds = max(0, c.all_rounds - 1)
            with open(self.stats, "a") as f:
                f.write("port=%d data_rounds=%d all_rounds=%d\n"
                        % (dport, c.data_rounds, c.all_rounds))


async def forward(listener, target):
    async def pump(r, w):
        try:
            while True:
                data = await r.read(65536)
                if not data:
                    break
                w.write(data)
                await w.drain()
            w.write_eof()
        except (ConnectionError, OSError):
            pass

    async def handle(cr, cw):
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            cw.close()
            return
        for w in (cw, sw):
            w.get_extra_info("socket").setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pump(cr, sw), pump(sr, cw))
        cw.close()
        sw.close()

    server = await asyncio.start_server(handle, sock=listener)
    await server.serve_forever()


async def run(name, delay, stats, ready, forwards):
    cns, sns = name + "-c", name + "-s"
    root = os.open("/proc/self/ns/net", os.O_RDONLY)
    for ns in (cns, sns):
        ip("netns", "add", ns)
    setns("/run/netns/" + cns)
    ctun = open_tun("dl0")
    setns("/run/netns/" + sns)
    stun = open_tun("dl0")
    for ns, me, peer in ((cns, CLIENT_IP, SERVER_IP), (sns, SERVER_IP, CLIENT_IP)):
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "addr", "add", me, "peer", peer, "dev", "dl0")
        ip("-n", ns, "link", "set", "dl0", "up")
    listeners = []
    for lport, tport in forwards:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((SERVER_IP, lport))
        s.listen(64)
        s.setblocking(False)
        listeners.append((s, tport))
    if libc.setns(root, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns back")
    loop = asyncio.get_running_loop()
    line = Line(loop, ctun, stun, delay, stats)
    loop.add_reader(ctun, line.from_client)
    loop.add_reader(stun, line.from_server)
    tasks = [asyncio.create_task(forward(s, t)) for s, t in listeners]
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    with open(ready, "w") as f:
        f.write("ok\n")
    await stop.wait()
    for t in tasks:
        t.cancel()


def main():
    name, delay_ms, stats, ready = sys.argv[1:5]
    forwards = [tuple(int(x) for x in a.split("=")) for a in sys.argv[5:]]
    try:
        asyncio.run(run(name, int(delay_ms) / 1000.0, stats, ready, forwards))
    finally:
        for ns in (name + "-c", name + "-s"):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
