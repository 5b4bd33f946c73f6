#!/usr/bin/python3
"""A scriptable SMTP test server for postie's integration tests.

Built on Debian's python3-aiosmtpd 1.4.3; run it with /usr/bin/python3.

    smtpd.py --port-file F [--port 0] [--host 127.0.0.1 | --unix-socket PATH]
             [--spool DIR]
             [--tls-cert C --tls-key K [--require-starttls] [--implicit-tls]
              [--require-client-cert CAFILE] [--tls-max-version 1.2]]
             [--auth USER:PASS] [--auth-without-tls] [--smtputf8]
             [--oauth-token-file FILE [--oauth-mechs OAUTHBEARER,XOAUTH2]]
             [--no-8bitmime] [--no-pipelining] [--chunking]
             [--size-limit BYTES]
             [--fault SPEC]... | [--raw-script FILE]

--require-client-cert CAFILE makes the TLS handshake demand a client
certificate signed by a CA in CAFILE (ssl.CERT_REQUIRED); --tls-max-version
caps the TLS version the server accepts (1.2 or 1.3).  --size-limit
BYTES is the SIZE advertised in EHLO (default aiosmtpd's 33554432), and a
message over it gets 552 after its data.

Each message received is saved as DIR/N.eml (the content bytes exactly as
received, after dot-unstuffing) and DIR/N.json (envelope, peer, TLS,
its version, the client certificate's CN, AUTH).
DIR/dialogue.log records every chunk the client sent (one "C" line per read,
so a pipelined flight shows as one line) and every reply ("S" lines).

--oauth-token-file FILE offers XOAUTH2 and OAUTHBEARER (or only the
--oauth-mechs listed) and accepts a bearer token only when it equals FILE's
content at the time of AUTH (oauth2d.py writes its current access token
there); a refused token gets the mechanism's error challenge, then 535.
N.json then holds "auth" (the user) and "auth_mech".

Faults (--fault, repeatable):
    greeting:CODE             banner with CODE (e.g. 421), then close
    drop-after-banner         send the 220 banner, then close
    mail:CODE                 MAIL FROM answered with CODE
    mail-limit:N[:CODE]       after N messages on one connection, MAIL FROM
                              answered with CODE (452: OpenSMTPD's limit of
                              messages per session)
    rcpt:CODE[:ADDR]          RCPT TO (of ADDR only, when given) answered with CODE
    data:CODE                 final reply after the message is CODE (not saved)
    close-mid-data            after 354 and one line of data, close
    close-before-final-reply  receive the whole message, then close
    stall:SECONDS@STAGE       sleep before answering at STAGE
    malformed-reply@STAGE     answer at STAGE with a line that is not a reply
    early-data-after-starttls send plaintext right after STARTTLS's 220
    tls-handshake-fails       answer STARTTLS with 220, then the client's
                              ClientHello with a fatal handshake_failure
                              alert, and close (a broken TLS setup)
STAGE is one of banner, ehlo, starttls, auth, mail, rcpt, data (the 354),
dot (the final reply after the message).

--raw-script FILE plays a scripted dialogue without aiosmtpd, one step a line:
    send TEXT      write TEXT + CRLF ("\\r" "\\n" escapes allowed in TEXT)
    expect WORD    read lines until one starts with WORD (case-insensitive)
    readdata       read until a line holding a single "."
    sleep SECONDS  wait
    flood TEXT     send TEXT + CRLF for ever, as fast as the client reads
    drip SECONDS TEXT  send TEXT + CRLF every SECONDS, for ever
    close          close the connection
The port file is written only once the socket listens.  SIGTERM exits.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

import base64
import binascii

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, MISSING

STAGES = ("banner", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "dot")
MALFORMED = "this is not an SMTP reply"


class Faults:
	def __init__(self, specs):
		self.greeting = None
		self.drop_after_banner = False
		self.mail = None
		self.mail_limit = None	# (messages per connection, code)
		self.rcpt = []		# (code, addr or None)
		self.data = None
		self.close_mid_data = False
		self.close_before_final = False
		self.stall = {}		# stage -> seconds
		self.malformed = set()
		self.early_data = False
		self.tls_fails = False
		for s in specs:
			self.add(s)

	def add(self, s):
		if s.startswith("greeting:"):
			self.greeting = s.split(":", 1)[1]
		elif s == "drop-after-banner":
			self.drop_after_banner = True
		elif s.startswith("mail-limit:"):
			parts = s.split(":")
			self.mail_limit = (int(parts[1]), parts[2] if len(parts) > 2 else "452")
		elif s.startswith("mail:"):
			self.mail = s.split(":", 1)[1]
		elif s.startswith("rcpt:"):
			parts = s.split(":", 2)
			self.rcpt.append((parts[1], parts[2] if len(parts) > 2 else None))
		elif s.startswith("data:"):
			self.data = s.split(":", 1)[1]
		elif s == "close-mid-data":
			self.close_mid_data = True
		elif s == "close-before-final-reply":
			self.close_before_final = True
		elif s.startswith("stall:"):
			secs, _, stage = s[6:].partition("@")
			self.stall[check_stage(stage)] = float(secs)
		elif s.startswith("malformed-reply@"):
			self.malformed.add(check_stage(s.split("@", 1)[1]))
		elif s == "early-data-after-starttls":
			self.early_data = True
		elif s == "tls-handshake-fails":
			self.tls_fails = True
		else:
			sys.exit("smtpd.py: unknown fault %r" % s)

	async def stall_at(self, stage):
		if stage in self.stall:
			await asyncio.sleep(self.stall[stage])


def check_stage(stage):
	if stage not in STAGES:
		sys.exit("smtpd.py: unknown stage %r (one of %s)" % (stage, ", ".join(STAGES)))
	return stage


def reply_text(code, what):
	"""A full reply line for a bare code given on the command line."""
	if " " in code:
		return code
	cls = code[0]
	enh = {"2": "2.0.0", "4": "4.0.0", "5": "5.0.0"}.get(cls, "")
	return "%s %s %s (injected fault at %s)" % (code, enh, "Refused" if cls in "45" else "OK", what)


class Log:
	def __init__(self, path):
		self.f = open(path, "a", buffering=1) if path else None

	def write(self, who, data):
		if self.f:
			self.f.write("%s %r\n" % (who, data))


class Spool:
	def __init__(self, d):
		self.dir = d
		self.n = 0
		if d:
			os.makedirs(d, exist_ok=True)

	def save(self, content, meta):
		if not self.dir:
			return
		self.n += 1
		base = os.path.join(self.dir, str(self.n))
		with open(base + ".eml.tmp", "wb") as f:
			f.write(content)
		with open(base + ".json", "w") as f:
			json.dump(meta, f, indent=1)
		# .eml last, renamed into place: its presence means "complete".
		os.rename(base + ".eml.tmp", base + ".eml")


class Handler:
	def __init__(self, opts, faults, spool):
		self.opts = opts
		self.faults = faults
		self.spool = spool

	async def handle_EHLO(self, server, session, envelope, hostname, responses):
		session.host_name = hostname
		await self.faults.stall_at("ehlo")
		if "ehlo" in self.faults.malformed:
			return ["250-" + server.hostname, MALFORMED]
		out = [responses[0]]
		if not self.opts.no_pipelining:
			out.append("250-PIPELINING")
		for r in responses[1:-1]:
			if r == "250-8BITMIME" and self.opts.no_8bitmime:
				continue
			if r.startswith("250-AUTH") and not (self.opts.auth or
							       self.opts.oauth_token_file):
				continue
			out.append(r)
		if self.opts.chunking:
			out.append("250-CHUNKING")
		out.append("250-ENHANCEDSTATUSCODES")
		out.append(responses[-1])
		return out

	async def handle_MAIL(self, server, session, envelope, address, options):
		await self.faults.stall_at("mail")
		if "mail" in self.faults.malformed:
			return MALFORMED
		if self.faults.mail:
			return reply_text(self.faults.mail, "MAIL")
		limit = self.faults.mail_limit
		if limit and getattr(session, "messages", 0) >= limit[0]:
			return reply_text(limit[1], "MAIL")
		envelope.mail_from = address
		envelope.mail_options.extend(options)
		return "250 2.1.0 OK"

	async def handle_RCPT(self, server, session, envelope, address, options):
		await self.faults.stall_at("rcpt")
		if "rcpt" in self.faults.malformed:
			return MALFORMED
		for code, addr in self.faults.rcpt:
			if addr is None or addr.lower() == address.lower():
				return reply_text(code, "RCPT " + address)
		envelope.rcpt_tos.append(address)
		envelope.rcpt_options.extend(options)
		return "250 2.1.5 OK"

	async def handle_DATA(self, server, session, envelope):
		await self.faults.stall_at("dot")
		if self.faults.close_before_final:
			server.transport.close()
			await asyncio.sleep(3600)	# cancelled by connection_lost
		if "dot" in self.faults.malformed:
			return MALFORMED
		if self.faults.data:
			return reply_text(self.faults.data, "DATA")
		login = getattr(getattr(session, "auth_data", None), "login", None)
		meta = {
			"mail_from": envelope.mail_from,
			"rcpt_tos": envelope.rcpt_tos,
			"mail_options": envelope.mail_options,
			"rcpt_options": envelope.rcpt_options,
			"peer": list(session.peer) if session.peer else None,
			"ehlo": session.host_name,
			"tls": server.is_tls(),
			"tls_version": server.tls_version(),
			"client_cert_cn": server.client_cert_cn(),
			"auth": login.decode("utf-8", "replace") if isinstance(login, bytes) else login,
			"bdat": getattr(envelope, "via_bdat", False),
			"auth_mech": getattr(session, "oauth_mech", None),
		}
		self.spool.save(envelope.original_content, meta)
		session.messages = getattr(session, "messages", 0) + 1
		return "250 2.0.0 OK queued as %d" % self.spool.n


class TestSMTP(SMTP):
	"""aiosmtpd's SMTP with dialogue logging, fault stages it has no hook
	for, and an optional minimal BDAT (CHUNKING)."""

	def __init__(self, handler, log, faults, **kw):
		self.dlog = log
		self.faults = faults
		super().__init__(handler, **kw)

	def ssl_object(self):
		t = self.transport
		return t.get_extra_info("ssl_object") if t is not None else None

	def tls_version(self):
		so = self.ssl_object()
		return so.version() if so is not None else None

	def client_cert_cn(self):
		so = self.ssl_object()
		cert = so.getpeercert() if so is not None else None
		for rdn in (cert or {}).get("subject", ()):
			for k, v in rdn:
				if k == "commonName":
					return v
		return None

	def is_tls(self):
		if self.session is not None and self.session.ssl is not None:
			return True
		t = self._original_transport or self.transport
		return bool(t and t.get_extra_info("sslcontext"))

	def data_received(self, data):
		self.dlog.write("C", data)
		if getattr(self, "fail_handshake", False):
			# TLS 1.2 record: alert, fatal, handshake_failure (40).
			self.transport.write(b"\x15\x03\x03\x00\x02\x02\x28")
			self.dlog.write("S", "<TLS alert handshake_failure>")
			self.transport.close()
			return
		super().data_received(data)

	async def push(self, status):
		self.dlog.write("S", status)
		await super().push(status)

	async def _handle_client(self):
		f = self.faults
		await f.stall_at("banner")
		if "banner" in f.malformed:
			await self.push(MALFORMED)
			self.transport.close()
			return
		if f.greeting:
			await self.push(reply_text(f.greeting, "greeting"))
			self.transport.close()
			return
		if f.drop_after_banner:
			await self.push("220 %s ESMTP test server" % self.hostname)
			self.transport.close()
			return
		await super()._handle_client()

	async def smtp_STARTTLS(self, arg):
		await self.faults.stall_at("starttls")
		if "starttls" in self.faults.malformed:
			return await self.push(MALFORMED)
		if self.faults.tls_fails:
			await self.push("220 2.0.0 Ready to start TLS")
			self.fail_handshake = True
			return
		if self.faults.early_data:
			real_push = self.push

			async def push_with_injection(status):
				self.push = real_push
				# One write: the client finds plaintext queued behind the
				# 220, the CVE-2011-0411 pattern.
				await real_push(status + "\r\n250 2.0.0 injected before handshake")
			self.push = push_with_injection
		await super().smtp_STARTTLS(arg)

	async def smtp_AUTH(self, arg):
		await self.faults.stall_at("auth")
		if "auth" in self.faults.malformed:
			return await self.push(MALFORMED)
		await super().smtp_AUTH(arg)

	# --- OAuth 2.0 bearer tokens (XOAUTH2, RFC 7628 OAUTHBEARER) ---

	def current_token(self):
		try:
			with open(self.event_handler.opts.oauth_token_file) as f:
				return f.read().strip()
		except FileNotFoundError:
			return None

	async def oauth_initial(self, args):
		if len(args) > 1:	# "MECH initial-response"
			try:
				return base64.b64decode(args[1], validate=True)
			except binascii.Error:
				return None
		r = await self.challenge_auth("")
		return None if r is MISSING else r

	async def oauth_check(self, mech, user, token, error_challenge):
		cur = self.current_token()
		if cur and token == cur:
			self.session.oauth_mech = mech
			return AuthResult(success=True, auth_data=LoginPassword(
				login=user.encode(), password=b""))
		# The error challenge; the client answers it (empty or ^A),
		# then the exchange fails.
		await self.challenge_auth(error_challenge)
		return AuthResult(success=False, handled=False,
				  message="535 5.7.8 invalid bearer token")

	async def auth_XOAUTH2(self, _, args):
		raw = await self.oauth_initial(args)
		if raw is None:
			return AuthResult(success=False, handled=True)
		fields = dict(p.split("=", 1) for p in raw.decode("utf-8", "replace").split("\x01") if "=" in p)
		tok = fields.get("auth", "")
		tok = tok[7:] if tok.startswith("Bearer ") else ""
		return await self.oauth_check("XOAUTH2", fields.get("user", ""), tok,
			json.dumps({"status": "400", "schemes": "Bearer",
				    "scope": "https://mail.google.com/"}))

	async def auth_OAUTHBEARER(self, _, args):
		raw = await self.oauth_initial(args)
		if raw is None:
			return AuthResult(success=False, handled=True)
		parts = raw.decode("utf-8", "replace").split("\x01")
		gs2 = parts[0].split(",")
		user = next((g[2:] for g in gs2 if g.startswith("a=")), "")
		kv = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
		tok = kv.get("auth", "")
		tok = tok[7:] if tok.startswith("Bearer ") else ""
		return await self.oauth_check("OAUTHBEARER", user, tok,
			json.dumps({"status": "invalid_token", "schemes": "bearer"}))

	async def smtp_DATA(self, arg):
		f = self.faults
		await f.stall_at("data")
		if "data" in f.malformed and self.envelope.rcpt_tos:
			return await self.push(MALFORMED)
		if f.close_mid_data and self.envelope.rcpt_tos:
			await self.push("354 End data with <CR><LF>.<CR><LF>")
			await self._reader.readuntil(b"\r\n")
			self.transport.close()
			return
		await super().smtp_DATA(arg)

	async def smtp_BDAT(self, arg):
		if not self.event_handler.opts.chunking:
			return await self.push("500 Error: command \"BDAT\" not recognized")
		if not self.envelope.rcpt_tos:
			return await self.push("503 5.5.1 Error: need RCPT command")
		words = (arg or "").split()
		if not words or not words[0].isdigit() or len(words) > 2 or \
		    (len(words) == 2 and words[1].upper() != "LAST"):
			return await self.push("501 5.5.4 Syntax: BDAT size [LAST]")
		chunk = await self._reader.readexactly(int(words[0]))
		buf = getattr(self.envelope, "bdat_buf", b"")
		if len(buf) + len(chunk) > (self.data_size_limit or 1 << 40):
			return await self.push("552 5.3.4 Too much mail data")
		self.envelope.bdat_buf = buf + chunk
		if len(words) == 1:
			return await self.push("250 2.0.0 %d octets received" % len(chunk))
		self.envelope.original_content = self.envelope.bdat_buf
		self.envelope.content = self.envelope.bdat_buf
		self.envelope.via_bdat = True
		status = await self._call_handler_hook("DATA")
		self._set_post_data_state()
		if status is not None:
			await self.push("250 OK" if status is MISSING else status)


def authenticator_for(userpass):
	user, _, password = userpass.partition(":")

	def authenticate(server, session, envelope, mechanism, auth_data):
		ok = (auth_data.login == user.encode() and
		      auth_data.password == password.encode())
		return AuthResult(success=ok, handled=False, auth_data=auth_data)
	return authenticate


def send_handshake_alerts():
	"""Make asyncio send the TLS alert when the server's handshake fails
	(Python 3.11's SSLProtocol drops it and just closes), as OpenSSL-based
	MTAs do: a client then sees "certificate required" or "protocol
	version" instead of a bare close."""
	import asyncio.sslproto as sslproto
	orig = sslproto.SSLProtocol._on_handshake_complete

	def on_handshake_complete(self, exc):
		if exc is not None:
			try:
				self._process_outgoing()
			except Exception:
				pass
		return orig(self, exc)
	sslproto.SSLProtocol._on_handshake_complete = on_handshake_complete


def tls_context(opts):
	ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
	ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
	if opts.require_client_cert or opts.tls_max_version:
		send_handshake_alerts()
	if opts.require_client_cert:
		ctx.verify_mode = ssl.CERT_REQUIRED
		ctx.load_verify_locations(cafile=opts.require_client_cert)
	if opts.tls_max_version:
		ctx.maximum_version = {"1.2": ssl.TLSVersion.TLSv1_2,
				       "1.3": ssl.TLSVersion.TLSv1_3}[opts.tls_max_version]
	return ctx


async def serve_aiosmtpd(opts, log):
	faults = Faults(opts.fault)
	handler = Handler(opts, faults, Spool(opts.spool))
	ctx = tls_context(opts) if opts.tls_cert else None
	kw = dict(hostname="test.smtpd.invalid", ident="ESMTP postie-test",
		  enable_SMTPUTF8=opts.smtputf8, decode_data=False,
		  timeout=opts.timeout)
	if opts.size_limit is not None:
		kw["data_size_limit"] = opts.size_limit
	if ctx and not opts.implicit_tls:
		kw["tls_context"] = ctx
		kw["require_starttls"] = opts.require_starttls
	if opts.auth:
		kw["authenticator"] = authenticator_for(opts.auth)
		kw["auth_require_tls"] = not opts.auth_without_tls
	exclude = []
	if opts.oauth_token_file:
		kw["auth_require_tls"] = not opts.auth_without_tls
		offered = opts.oauth_mechs.upper().split(",")
		exclude += [m for m in ("XOAUTH2", "OAUTHBEARER") if m not in offered]
		if not opts.auth:
			exclude += ["PLAIN", "LOGIN"]
	else:
		exclude += ["XOAUTH2", "OAUTHBEARER"]
	kw["auth_exclude_mechanism"] = exclude
	loop = asyncio.get_running_loop()
	factory = lambda: TestSMTP(handler, log, faults, loop=loop, **kw)
	if opts.unix_socket:
		return await loop.create_unix_server(factory, path=opts.unix_socket,
			ssl=ctx if opts.implicit_tls else None)
	return await loop.create_server(factory, host=opts.host, port=opts.port,
		ssl=ctx if opts.implicit_tls else None)


def unescape(s):
	return s.replace("\\r", "\r").replace("\\n", "\n")


async def play(script, log, reader, writer):
	try:
		for line in script:
			op, _, arg = line.partition(" ")
			if op == "send":
				data = (unescape(arg) + "\r\n").encode()
				log.write("S", data)
				writer.write(data)
				await writer.drain()
			elif op == "expect":
				while True:
					got = await reader.readline()
					log.write("C", got)
					if not got:
						return
					if got.upper().startswith(arg.upper().encode()):
						break
			elif op == "readdata":
				while True:
					got = await reader.readline()
					if not got or got == b".\r\n":
						break
				log.write("C", b"<data>")
			elif op == "sleep":
				await asyncio.sleep(float(arg))
			elif op in ("flood", "drip"):
				# A reply that never ends: TEXT for ever, as fast
				# as the client reads (flood) or one line every
				# SECONDS (drip), until the client hangs up.
				if op == "drip":
					secs, _, arg = arg.partition(" ")
				data = (unescape(arg) + "\r\n").encode()
				log.write("S", data + b" (for ever)")
				try:
					while not writer.transport.is_closing():
						writer.write(data * (64 if op == "flood" else 1))
						await writer.drain()
						if op == "drip":
							await asyncio.sleep(float(secs))
				except (ConnectionError, OSError):
					pass
				return
			elif op == "close":
				break
	finally:
		writer.close()


async def serve_raw(opts, log):
	with open(opts.raw_script) as f:
		script = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
	ctx = tls_context(opts) if opts.tls_cert and opts.implicit_tls else None
	return await asyncio.start_server(
		lambda r, w: play(script, log, r, w), host=opts.host,
		port=opts.port, ssl=ctx)


async def main(opts):
	if opts.spool:
		os.makedirs(opts.spool, exist_ok=True)
	log = Log(opts.dialogue or (os.path.join(opts.spool, "dialogue.log") if opts.spool else None))
	if opts.raw_script:
		server = await serve_raw(opts, log)
	else:
		server = await serve_aiosmtpd(opts, log)
	# A Unix-domain socket has no port: the file then says 0.
	port = 0 if opts.unix_socket else server.sockets[0].getsockname()[1]
	if opts.port_file:
		with open(opts.port_file + ".tmp", "w") as f:
			f.write("%d\n" % port)
		os.rename(opts.port_file + ".tmp", opts.port_file)
	stop = asyncio.get_running_loop().create_future()
	for sig in (signal.SIGTERM, signal.SIGINT):
		asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
	await stop
	server.close()


def parse_args(argv):
	p = argparse.ArgumentParser(description="postie's scriptable SMTP test server")
	p.add_argument("--host", default="127.0.0.1")
	p.add_argument("--port", type=int, default=0)
	p.add_argument("--port-file")
	p.add_argument("--unix-socket", metavar="PATH",
		       help="listen on this Unix-domain socket instead of TCP")
	p.add_argument("--spool")
	p.add_argument("--dialogue", help="dialogue log (default SPOOL/dialogue.log)")
	p.add_argument("--tls-cert")
	p.add_argument("--tls-key")
	p.add_argument("--require-starttls", action="store_true")
	p.add_argument("--implicit-tls", action="store_true")
	p.add_argument("--require-client-cert", metavar="CAFILE")
	p.add_argument("--tls-max-version", choices=("1.2", "1.3"))
	p.add_argument("--auth", metavar="USER:PASS")
	p.add_argument("--auth-without-tls", action="store_true",
		       help="offer and accept AUTH before TLS")
	p.add_argument("--oauth-token-file", metavar="FILE")
	p.add_argument("--oauth-mechs", default="OAUTHBEARER,XOAUTH2")
	p.add_argument("--smtputf8", action="store_true")
	p.add_argument("--no-8bitmime", action="store_true")
	p.add_argument("--no-pipelining", action="store_true")
	p.add_argument("--chunking", action="store_true")
	p.add_argument("--timeout", type=float, default=60)
	p.add_argument("--size-limit", type=int, metavar="BYTES")
	p.add_argument("--fault", action="append", default=[])
	p.add_argument("--raw-script")
	opts = p.parse_args(argv)
	if (opts.implicit_tls or opts.require_starttls) and not opts.tls_cert:
		p.error("--implicit-tls/--require-starttls need --tls-cert and --tls-key")
	if opts.port == 0 and not opts.port_file:
		p.error("--port 0 needs --port-file")
	Faults(opts.fault)	# validate early
	return opts


if __name__ == "__main__":
	asyncio.run(main(parse_args(sys.argv[1:])))
