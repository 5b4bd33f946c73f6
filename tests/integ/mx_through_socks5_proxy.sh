#!/bin/bash
# MX delivery through a SOCKS5 proxy: the MX look-up is the one DNS query
# postie makes itself (SOCKS5 cannot carry it); the MX host's name goes to
# the proxy as a name, so its A/AAAA records are never asked by postie and
# no connection but the proxy's leaves it.  In a private network namespace:
# dnsmasq answers MX example.test -> mx.example.test and has no address for
# mx.example.test at all; only the proxy maps it to the server on 127.0.0.2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd ip dnsmasq
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
need_aiosmtpd
ns=postie-mxsocks-$$
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace"
cleanup_ns() {
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.1
	ip netns del "$ns" 2>/dev/null
	rm -rf "/etc/netns/$ns"
}
CLEANUP_HOOKS+=(cleanup_ns)
ip -n "$ns" link set lo up
ip -n "$ns" addr add 192.0.2.1/32 dev lo
mkdir -p "/etc/netns/$ns"
echo "nameserver 127.0.0.1" > "/etc/netns/$ns/resolv.conf"
ip netns exec "$ns" dnsmasq --keep-in-foreground --port=53 --listen-address=127.0.0.1 \
	--bind-interfaces --no-resolv --no-hosts --local=/test/ --user=root --pid-file="$T/dnsmasq.pid" \
	--log-queries --log-facility="$T/dnsmasq.log" \
	--mx-host=example.test,mx.example.test,10 >"$T/dnsmasq.out" 2>&1 &
SERVER_PIDS+=($!)
make_certs
mkdir -p "$SPOOL"
ip netns exec "$ns" "$PYTHON3" "$LIB/smtpd.py" --host 127.0.0.2 --port 25 \
	--port-file "$T/smtpd.port" --spool "$SPOOL" \
	--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" >"$T/smtpd.log" 2>&1 &
SERVER_PIDS+=($!)
ip netns exec "$ns" "$PYTHON3" "$LIB/socks5.py" --port-file "$T/socks.port" \
	--log "$T/socks.log" --map mx.example.test=127.0.0.2 >"$T/socks.err" 2>&1 &
SERVER_PIDS+=($!)
wait_for_file "$T/smtpd.port" 10 || fail "smtpd did not start"
wait_for_file "$T/socks.port" 10 || fail "socks5.py did not start"
write_config "$T/mxrc" <<RC
account default
from sender@example.com
domain client.example.com
proxy_host 127.0.0.1
proxy_port $(cat "$T/socks.port")
queue off
timeout 10
RC
RC=0
printf 'Subject: MX via proxy\n\nbody\n' |
	ip netns exec "$ns" timeout 60 "$POSTIE" -C "$T/mxrc" a@example.test \
	>"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "MX delivery through the proxy"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["a@example.test"], "recipient")
eq(meta["tls"], True, "opportunistic STARTTLS through the proxy")
PY
"$PYTHON3" - "$T/socks.log" <<'PY' || fail "the proxy was not asked for the MX host by name"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert [(r["atyp"], r["host"], r["port"]) for r in reqs] == \
    [("domain", "mx.example.test", 25)], reqs
PY
assert_contains "$T/dnsmasq.log" "query[MX] example.test"
if grep -E "query\[(A|AAAA)\] mx\.example\.test" "$T/dnsmasq.log"; then
	fail "postie looked up the MX host's address itself"
fi

# -bv tells the route without asking DNS for the MX host's addresses
# (that would leak what the proxy hides).
RC=0
ip netns exec "$ns" timeout 60 "$POSTIE" -C "$T/mxrc" -bv a@example.test >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "-bv through the proxy"
assert_contains "$T/out" "a@example.test: via MX 10 mx.example.test (port 25, STARTTLS when offered) through SOCKS5 proxy 127.0.0.1:"
if grep -E "query\[(A|AAAA)\] mx\.example\.test" "$T/dnsmasq.log"; then
	fail "-bv looked up the MX host's address itself"
fi
