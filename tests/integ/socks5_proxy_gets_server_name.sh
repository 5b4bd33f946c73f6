#!/bin/bash
# proxy_host/proxy_port: the session goes through a SOCKS5 proxy that is
# given the server's name (ATYP domain name), never an address postie
# looked up itself: the name below does not resolve on this machine at
# all, only the proxy knows where it is.  STARTTLS runs through the proxy
# and the certificate is checked as usual.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --require-starttls
"$PYTHON3" "$LIB/socks5.py" --port-file "$T/socks.port" --log "$T/socks.log" \
	--map smtp.example.invalid=127.0.0.1 >"$T/socks.err" 2>&1 &
SERVER_PIDS+=($!)
wait_for_file "$T/socks.port" 10 || fail "socks5.py did not start"
PROXY_PORT=$(cat "$T/socks.port")
write_config "$T/postierc" <<RC
account default
host smtp.example.invalid
port $SMTP_PORT
proxy_host 127.0.0.1
proxy_port $PROXY_PORT
from sender@example.com
tls on
tls_trust_file $CERTS/ca.pem
tls_host_override localhost
queue off
timeout 10
logfile $T/postie.log
RC
printf 'Subject: through the proxy\n\nbody\n' | run_postie -C "$T/postierc" bob@example.net
assert_exit 0 "delivery through the proxy"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls"], True, "STARTTLS through the proxy")
eq(meta["rcpt_tos"], ["bob@example.net"], "recipients")
PY
"$PYTHON3" - "$T/socks.log" "$SMTP_PORT" <<'PY' || fail "the proxy was not asked for the server by name"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert reqs == [{"atyp": "domain", "host": "smtp.example.invalid",
    "port": int(sys.argv[2]), "methods": [0], "cmd": 1}], reqs
PY
assert_contains "$T/postie.log" "smtp.example.invalid:$SMTP_PORT via SOCKS5 proxy 127.0.0.1[127.0.0.1]:$PROXY_PORT"

# A proxy that cannot reach the server: a temporary failure naming it.
sed -i 's/^host .*/host unknown.example.invalid/' "$T/postierc"
printf 'Subject: x\n\nbody\n' | run_postie -C "$T/postierc" bob@example.net
assert_exit 75 "proxy cannot reach the server"
assert_contains "$T/err" "the proxy could not connect: host unreachable"
assert_received 1
