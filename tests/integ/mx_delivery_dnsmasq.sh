#!/bin/bash
# With no smarthost, postie looks up each recipient domain's MX and delivers
# to port 25 there, with opportunistic STARTTLS: one session per domain.
# Runs in a private network namespace whose resolv.conf points at a
# dnsmasq on its own loopback (MX example.test -> 127.0.0.2; a domain with
# only an A record -> 127.0.0.3), so port 25 is the namespace's, never the
# host's, and no real DNS is asked.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd ip dnsmasq
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
need_aiosmtpd
ns=postie-mx-$$
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace"
cleanup_ns() {
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.1
	ip netns del "$ns" 2>/dev/null
	rm -rf "/etc/netns/$ns"
}
CLEANUP_HOOKS+=(cleanup_ns)
ip -n "$ns" link set lo up
# Only 127/8 and ::1 would make getaddrinfo's AI_ADDRCONFIG find no address
# family at all: add a documentation address (glibc judges the address,
# not the interface, and this kernel has no dummy links).
ip -n "$ns" addr add 192.0.2.1/32 dev lo
mkdir -p "/etc/netns/$ns"
echo "nameserver 127.0.0.1" > "/etc/netns/$ns/resolv.conf"
ip netns exec "$ns" dnsmasq --keep-in-foreground --port=53 --listen-address=127.0.0.1 \
	--bind-interfaces --no-resolv --no-hosts --local=/test/ --user=root --pid-file="$T/dnsmasq.pid" \
	--mx-host=example.test,mx.example.test,10 --host-record=mx.example.test,127.0.0.2 \
	--host-record=amx.test,127.0.0.3 >"$T/dnsmasq.log" 2>&1 &
SERVER_PIDS+=($!)
make_certs
for ip in 127.0.0.2 127.0.0.3; do
	mkdir -p "$T/spool-$ip"
	ip netns exec "$ns" "$PYTHON3" "$LIB/smtpd.py" --host "$ip" --port 25 \
		--port-file "$T/port-$ip" --spool "$T/spool-$ip" \
		--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" >"$T/smtpd-$ip.log" 2>&1 &
	SERVER_PIDS+=($!)
	wait_for_file "$T/port-$ip" 10 || fail "smtpd on $ip did not start"
done
write_config "$T/mxrc" <<RC
account default
from sender@example.com
domain client.example.com
queue off
timeout 10
RC
RC=0
printf 'Subject: via MX\n\nbody\n' |
	ip netns exec "$ns" timeout 60 "$POSTIE" -C "$T/mxrc" a@example.test b@example.test c@amx.test \
	>"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "MX delivery"
SPOOL=$T/spool-127.0.0.2 assert_received 1
SPOOL=$T/spool-127.0.0.3 assert_received 1
check_eml "$T/spool-127.0.0.2/1.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["a@example.test", "b@example.test"], "one transaction for the domain")
eq(meta["tls"], True, "opportunistic STARTTLS used")
PY
check_eml "$T/spool-127.0.0.3/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["c@amx.test"], "no MX: the domain's A record")
PY
