# netns.sh — sourced after common.sh by the MX scenarios (tests/integ/mx_*.sh).
#
# Direct MX delivery needs port 25 on several addresses and a DNS server
# the C library's resolver asks: both exist only inside a network namespace
# made by the test, so the tests never touch the host's resolver or network.
#
#   netns_setup          make the namespace (lo up; all of 127.0.0.0/8 is
#                        then local) and /etc/netns/NS/resolv.conf pointing
#                        at 127.0.0.1; skips (exit 77) when namespaces
#                        cannot be made; everything is removed on exit
#   start_dns ARGS...    dnsmasq on 127.0.0.1:53 in the namespace, answering
#                        only from ARGS (--mx-host=..., --host-record=...);
#                        every *.test name it does not know is NXDOMAIN, and
#                        servfail.test answers SERVFAIL
#   start_mx ADDR NAME [smtpd.py options]
#                        smtpd.py on ADDR:25 saving into $T/NAME (its
#                        dialogue in $T/NAME/dialogue.log)
#   in_ns CMD...         run CMD in the namespace
#   run_postie_ns ARGS   run_postie inside the namespace ($T/out, $T/err, RC)
#   mx_received NAME     number of messages server NAME saved
#   mx_connected NAME    true when server NAME saw a client

NS=
need_netns() {
	[ "$(id -u)" = 0 ] || skip "network namespaces need root"
	need_cmd ip dnsmasq
	need_aiosmtpd
}

_netns_cleanup() {
	stop_servers
	if [ -n "$NS" ]; then
		ip netns del "$NS" 2>/dev/null
		rm -rf "/etc/netns/$NS"
	fi
	return 0
}

netns_setup() {
	need_netns
	NS=postie-mx-$$
	if ! ip netns add "$NS" 2>"$T/netns.err"; then
		NS=
		skip "cannot create a network namespace: $(head -1 "$T/netns.err")"
	fi
	CLEANUP_HOOKS+=(_netns_cleanup)
	ip -n "$NS" link set lo up || fail "cannot bring lo up in $NS"
	mkdir -p "/etc/netns/$NS" || fail "cannot create /etc/netns/$NS"
	# One quick try: a test that expects a timeout should not wait long.
	printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' \
		> "/etc/netns/$NS/resolv.conf"
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# A DNS server that answers SERVFAIL to everything (for servfail.test).
_servfail_server() {
	cat > "$T/servfail.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5353))
open(sys.argv[1], "w").write("ready\n")
while True:
    m, peer = s.recvfrom(4096)
    if len(m) < 12:
        continue
    # Same id and question; QR, RD, RA; rcode 2 (SERVFAIL); no records.
    qd = struct.unpack(">H", m[4:6])[0]
    s.sendto(m[:2] + struct.pack(">HHHHH", 0x8182, qd, 0, 0, 0) + m[12:], peer)
PY
	ip netns exec "$NS" "$PYTHON3" "$T/servfail.py" "$T/servfail.ready" \
		>"$T/servfail.log" 2>&1 &
	SERVER_PIDS+=($!)
	wait_for_file "$T/servfail.ready" 10 || fail "SERVFAIL server did not start"
}

start_dns() {
	_servfail_server
	ip netns exec "$NS" dnsmasq --keep-in-foreground --port=53 \
		--listen-address=127.0.0.1 --bind-interfaces --no-resolv \
		--no-hosts --local=/test/ --server=/servfail.test/127.0.0.1#5353 \
		--log-facility="$T/dnsmasq.log" --log-queries \
		--pid-file= --user=root "$@" >"$T/dnsmasq.out" 2>&1 &
	SERVER_PIDS+=($!)
	local i=0
	until grep -q "started" "$T/dnsmasq.log" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 100 ] || { cat "$T/dnsmasq.out" >&2; fail "dnsmasq did not start"; }
		sleep 0.05
	done
}

start_mx() {
	local addr=$1 name=$2
	shift 2
	local args=() a
	for a; do
		case $a in
		--starttls) [ -n "${CERTS:-}" ] || make_certs
			args+=(--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key");;
		*) args+=("$a");;
		esac
	done
	mkdir -p "$T/$name"
	ip netns exec "$NS" "$PYTHON3" "$LIB/smtpd.py" --host "$addr" --port 25 \
		--port-file "$T/$name.port" --spool "$T/$name" \
		${args[@]+"${args[@]}"} >"$T/smtpd-$name.log" 2>&1 &
	SERVER_PIDS+=($!)
	wait_for_file "$T/$name.port" 10 || {
		cat "$T/smtpd-$name.log" >&2; fail "smtpd.py $name on $addr:25 did not start"; }
}

run_postie_ns() {
	RC=0
	in_ns timeout 60 "$POSTIE" "$@" >"$T/out" 2>"$T/err" || RC=$?
	return 0
}

mx_received() {
	local n=0 f
	for f in "$T/$1"/*.eml; do [ -e "$f" ] && n=$((n + 1)); done
	echo "$n"
}

assert_mx_received() {
	local n
	n=$(mx_received "$1")
	[ "$n" = "$2" ] || { SPOOL=$T/$1; fail "server $1 received $n message(s), expected $2"; }
}

mx_connected() {
	[ -s "$T/$1/dialogue.log" ]
}

# mx_config [LINE...]: $T/postierc with no host (direct MX delivery).
mx_config() {
	CFG=$T/postierc
	{
		echo "account default"
		echo "from sender@client.test"
		echo "domain client.test"
		echo "queue off"
		echo "queue_dir $T/queue"
		echo "timeout 5"
		local l
		for l; do echo "$l"; done
	} > "$CFG"
	chmod 600 "$CFG"
}
