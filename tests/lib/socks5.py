#!/usr/bin/python3
"""A SOCKS5 proxy (RFC 1928, CONNECT, no authentication) for postie's tests.

    socks5.py --port-file F [--host 127.0.0.1] [--port 0] --log FILE
              [--map NAME=ADDRESS]...

Each CONNECT request is appended to the log as one JSON object per line:
{"atyp": "domain" | "ipv4" | "ipv6", "host": NAME_OR_ADDRESS, "port": N,
"methods": [offered methods]}, so a test can check that the server's name
reached the proxy as a name.  The proxy never asks DNS: a name is
connected to only through --map (NAME=ADDRESS); any other name gets reply 4
(host unreachable).  Addresses are connected to as given.  Once connected,
bytes are relayed both ways until either side closes.  The port file is
written only once the socket listens.  SIGTERM exits.
"""

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import struct


async def relay(reader, writer):
	try:
		while True:
			data = await reader.read(65536)
			if not data:
				break
			writer.write(data)
			await writer.drain()
	except (ConnectionError, asyncio.CancelledError):
		pass
	finally:
		try:
			writer.close()
		except Exception:
			pass


def reply(code):
	# Bound address 0.0.0.0:0: postie must read and skip it.
	return bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0])


class Proxy:
	def __init__(self, opts):
		self.opts = opts
		self.map = dict(m.split("=", 1) for m in opts.map)

	def log(self, entry):
		with open(self.opts.log, "a") as f:
			f.write(json.dumps(entry) + "\n")

	async def request(self, r):
		ver, nmeth = await r.readexactly(2)
		methods = list(await r.readexactly(nmeth))
		return ver, methods

	async def handle(self, r, w):
		try:
			ver, methods = await self.request(r)
			if ver != 5 or 0 not in methods:
				w.write(b"\x05\xff")
				await w.drain()
				w.close()
				return
			w.write(b"\x05\x00")
			await w.drain()
			ver, cmd, _, atyp = await r.readexactly(4)
			if atyp == 1:
				host = str(ipaddress.IPv4Address(await r.readexactly(4)))
				kind = "ipv4"
			elif atyp == 4:
				host = str(ipaddress.IPv6Address(await r.readexactly(16)))
				kind = "ipv6"
			elif atyp == 3:
				n = (await r.readexactly(1))[0]
				host = (await r.readexactly(n)).decode("ascii", "replace")
				kind = "domain"
			else:
				w.write(reply(8))
				w.close()
				return
			port = struct.unpack("!H", await r.readexactly(2))[0]
			self.log({"atyp": kind, "host": host, "port": port,
			    "methods": methods, "cmd": cmd})
			if cmd != 1:
				w.write(reply(7))
				w.close()
				return
			target = host if kind != "domain" else self.map.get(host)
			if target is None:
				w.write(reply(4))
				w.close()
				return
			try:
				ur, uw = await asyncio.open_connection(target, port)
			except OSError:
				w.write(reply(5))
				w.close()
				return
			w.write(reply(0))
			await w.drain()
			await asyncio.gather(relay(r, uw), relay(ur, w))
		except (asyncio.IncompleteReadError, ConnectionError):
			w.close()


async def main(opts):
	proxy = Proxy(opts)
	server = await asyncio.start_server(proxy.handle, opts.host, opts.port)
	port = server.sockets[0].getsockname()[1]
	with open(opts.port_file + ".tmp", "w") as f:
		f.write("%d\n" % port)
	os.rename(opts.port_file + ".tmp", opts.port_file)
	stop = asyncio.get_running_loop().create_future()
	asyncio.get_running_loop().add_signal_handler(
	    signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
	async with server:
		await stop


if __name__ == "__main__":
	p = argparse.ArgumentParser()
	p.add_argument("--port-file", required=True)
	p.add_argument("--host", default="127.0.0.1")
	p.add_argument("--port", type=int, default=0)
	p.add_argument("--log", required=True)
	p.add_argument("--map", action="append", default=[])
	asyncio.run(main(p.parse_args()))
