#!/usr/bin/python3
"""A fake OAuth 2.0 provider for postie's integration tests (HTTPS, with
the test CA of certs.sh).  Run it with /usr/bin/python3.

    oauth2d.py --port-file F --cert C --key K --dir DIR
               [--client-id ID] [--client-secret S] [--refresh-token RT]
               [--expires-in N] [--rotate] [--delay SECONDS]
               [--status CODE] [--approve-after N]

Endpoints (all answers JSON):
    POST /token      grant_type=refresh_token: valid only with the current
                     refresh token (DIR/refresh) and the client id (and
                     secret, when one is set); issues a new access token,
                     which becomes the only one DIR/access holds (the SMTP
                     test server accepts that one only); with --rotate a new
                     refresh token replaces the old one, which stops working.
                     grant_type=urn:ietf:params:oauth:grant-type:device_code:
                     authorization_pending until --approve-after polls.
                     grant_type=authorization_code: the code of /authorize,
                     its redirect_uri, and a code_verifier whose S256 is the
                     code_challenge.
    POST /device     RFC 8628 device authorization (user code WDJB-MJHT,
                     interval 1 s).
    GET  /authorize  the fake consent page: checks the request and redirects
                     (302) to redirect_uri with code and state.
--status CODE answers every /token request with CODE (e.g. 503).
--delay SECONDS waits before answering /token (to make two clients overlap).

DIR/requests.log gets one line per request: "PATH GRANT_TYPE".
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def b64url(raw):
	return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Provider:
	def __init__(self, opts):
		self.o = opts
		self.dir = opts.dir
		os.makedirs(self.dir, exist_ok=True)
		if opts.refresh_token:
			self.write("refresh", opts.refresh_token)
		self.polls = 0
		self.codes = {}

	def path(self, name):
		return os.path.join(self.dir, name)

	def read(self, name):
		try:
			with open(self.path(name)) as f:
				return f.read().strip()
		except FileNotFoundError:
			return ""

	def write(self, name, value):
		tmp = self.path(name + ".tmp")
		with open(tmp, "w") as f:
			f.write(value + "\n")
		os.rename(tmp, self.path(name))

	def log(self, line):
		with open(self.path("requests.log"), "a") as f:
			f.write(line + "\n")

	def grant(self, with_refresh):
		at = "at-" + secrets.token_urlsafe(18)
		self.write("access", at)
		out = {"access_token": at, "token_type": "Bearer",
		       "expires_in": self.o.expires_in}
		if with_refresh:
			rt = "rt-" + secrets.token_urlsafe(18)
			self.write("refresh", rt)
			out["refresh_token"] = rt
		return 200, out

	def client_ok(self, f):
		if f.get("client_id") != self.o.client_id:
			return False
		if self.o.client_secret is not None:
			return f.get("client_secret") == self.o.client_secret
		return True

	def token(self, f):
		gt = f.get("grant_type", "")
		if not self.client_ok(f):
			return 401, {"error": "invalid_client"}
		if gt == "refresh_token":
			cur = self.read("refresh")
			if not cur or f.get("refresh_token") != cur:
				return 400, {"error": "invalid_grant",
					     "error_description": "Token has been expired or revoked."}
			return self.grant(self.o.rotate)
		if gt == "urn:ietf:params:oauth:grant-type:device_code":
			if f.get("device_code") != "dc-secret-device-code":
				return 400, {"error": "invalid_grant"}
			self.polls += 1
			if self.polls < self.o.approve_after:
				return 400, {"error": "authorization_pending"}
			return self.grant(True)
		if gt == "authorization_code":
			c = self.codes.pop(f.get("code", ""), None)
			if c is None:
				return 400, {"error": "invalid_grant"}
			ch = b64url(hashlib.sha256(f.get("code_verifier", "").encode()).digest())
			if ch != c["challenge"] or f.get("redirect_uri") != c["redirect_uri"]:
				return 400, {"error": "invalid_grant",
					     "error_description": "PKCE or redirect_uri mismatch"}
			return self.grant(True)
		return 400, {"error": "unsupported_grant_type"}

	def device(self, f):
		if f.get("client_id") != self.o.client_id:
			return 401, {"error": "invalid_client"}
		return 200, {"device_code": "dc-secret-device-code",
			     "user_code": "WDJB-MJHT",
			     "verification_uri": "https://127.0.0.1/devicelogin",
			     "expires_in": 300, "interval": 1}

	def authorize(self, q):
		need = ("response_type", "client_id", "redirect_uri", "state",
			"code_challenge", "code_challenge_method")
		if any(k not in q for k in need) or q["response_type"] != "code" or \
		    q["client_id"] != self.o.client_id or \
		    q["code_challenge_method"] != "S256" or \
		    not q["redirect_uri"].startswith("http://127.0.0.1:"):
			return None
		code = "ac-" + secrets.token_urlsafe(12)
		self.codes[code] = {"challenge": q["code_challenge"],
				    "redirect_uri": q["redirect_uri"]}
		return q["redirect_uri"] + "?" + urllib.parse.urlencode(
			{"code": code, "state": q["state"]})


class Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"

	def log_message(self, fmt, *args):
		pass

	def answer(self, status, obj, headers=()):
		body = json.dumps(obj).encode() if obj is not None else b""
		self.send_response(status)
		self.send_header("Content-Type", "application/json")
		self.send_header("Content-Length", str(len(body)))
		for k, v in headers:
			self.send_header(k, v)
		self.end_headers()
		self.wfile.write(body)

	def do_POST(self):
		p = self.server.provider
		n = int(self.headers.get("Content-Length", "0"))
		f = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
		path = self.path.split("?")[0]
		p.log("%s %s" % (path, f.get("grant_type", "-")))
		if path == "/token":
			if p.o.delay:
				time.sleep(p.o.delay)
			if p.o.status:
				return self.answer(p.o.status, None)
			with LOCK:
				st, obj = p.token(f)
			return self.answer(st, obj)
		if path == "/device":
			with LOCK:
				st, obj = p.device(f)
			return self.answer(st, obj)
		self.answer(404, {"error": "not_found"})

	def do_GET(self):
		p = self.server.provider
		u = urllib.parse.urlsplit(self.path)
		p.log("%s -" % u.path)
		if u.path != "/authorize":
			return self.answer(404, {"error": "not_found"})
		with LOCK:
			loc = p.authorize(dict(urllib.parse.parse_qsl(u.query)))
		if loc is None:
			return self.answer(400, {"error": "invalid_request"})
		self.answer(302, None, [("Location", loc)])


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--port-file", required=True)
	ap.add_argument("--cert", required=True)
	ap.add_argument("--key", required=True)
	ap.add_argument("--dir", required=True)
	ap.add_argument("--client-id", default="test-client")
	ap.add_argument("--client-secret")
	ap.add_argument("--refresh-token")
	ap.add_argument("--expires-in", type=int, default=3600)
	ap.add_argument("--rotate", action="store_true")
	ap.add_argument("--delay", type=float, default=0)
	ap.add_argument("--status", type=int, default=0)
	ap.add_argument("--approve-after", type=int, default=2)
	o = ap.parse_args()
	srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	srv.daemon_threads = True
	srv.provider = Provider(o)
	ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
	ctx.load_cert_chain(o.cert, o.key)
	srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
	tmp = o.port_file + ".tmp"
	with open(tmp, "w") as f:
		f.write("%d\n" % srv.server_address[1])
	os.rename(tmp, o.port_file)
	try:
		srv.serve_forever()
	except KeyboardInterrupt:
		pass


if __name__ == "__main__":
	sys.exit(main())
