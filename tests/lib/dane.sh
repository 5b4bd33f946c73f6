# dane.sh — sourced after common.sh and netns.sh by the DANE scenarios
# (tests/integ/mx_dane*.sh).
#
# A zone signed with its own key, served by a validating unbound inside
# the test's network namespace, so that postie's resolver gets real
# DNSSEC answers (AD bit, SERVFAIL for bogus data) without the internet.
#
#   dane_setup            netns_setup, plus a CA and one server certificate
#                         naming mx1..mx9.dane.test ($DANE/ca.pem, chain.pem:
#                         server then CA, server.key), and the key that
#                         signs dane.test ($DANE/K*)
#   tlsa_ee               "3 1 1 <SHA-256 of the server's public key>"
#   tlsa_ta               "2 0 1 <SHA-256 of the CA certificate>"
#   start_unbound ZONEBODY [BOGUS_LINE NEW_LINE]
#                         sign "dane.test" with ZONEBODY (records relative
#                         to dane.test.; SOA, NS added), optionally replace
#                         one record of the signed zone afterwards (its
#                         signature then fails: bogus), and serve it from
#                         unbound on 127.0.0.1:53 with that key as trust
#                         anchor; resolv.conf gets options trust-ad
#   resolv_trust_ad on|off
#                         rewrite the namespace's resolv.conf with or
#                         without options trust-ad
#   start_mx_tls ADDR NAME [--tls] [smtpd.py options]
#                         smtpd.py on ADDR:25 as start_mx, not waiting;
#                         --tls: STARTTLS with the chain and key above
#   mx_wait NAME...       until those servers have started

dane_setup() {
	need_cmd unbound ldns-keygen ldns-signzone drill certtool openssl
	netns_setup
	DANE=$T/dane
	mkdir -p "$DANE"
	(
		cd "$DANE" || exit 1
		cat > ca.tmpl <<'TMPL'
cn = "postie DANE test CA"
ca
cert_signing_key
expiration_days = 30
TMPL
		{
			echo 'cn = "mx1.dane.test"'
			for i in 1 2 3 4 5 6 7 8 9; do
				echo "dns_name = \"mx$i.dane.test\""
			done
			echo 'tls_www_server'
			echo 'signing_key'
			echo 'expiration_days = 30'
		} > server.tmpl
		certtool -q --generate-privkey --key-type ecdsa --curve secp256r1 \
			--outfile ca.key 2>/dev/null &&
		certtool -q --generate-self-signed --load-privkey ca.key \
			--template ca.tmpl --outfile ca.pem 2>/dev/null &&
		certtool -q --generate-privkey --key-type ecdsa --curve secp256r1 \
			--outfile server.key 2>/dev/null &&
		certtool -q --generate-certificate --load-privkey server.key \
			--load-ca-certificate ca.pem --load-ca-privkey ca.key \
			--template server.tmpl --outfile server.pem 2>/dev/null &&
		cat server.pem ca.pem > chain.pem &&
		ldns-keygen -a ECDSAP256SHA256 -k dane.test > keyname
	) || fail "cannot make the DANE test certificates and zone key"
	DANE_KEY=$DANE/$(cat "$DANE/keyname")
}

tlsa_ee() {
	echo "3 1 1 $(openssl x509 -in "$DANE/server.pem" -pubkey -noout |
		openssl pkey -pubin -outform DER | sha256sum | cut -c1-64)"
}

tlsa_ta() {
	echo "2 0 1 $(openssl x509 -in "$DANE/ca.pem" -outform DER |
		sha256sum | cut -c1-64)"
}

resolv_trust_ad() {
	local opt=
	[ "$1" = on ] && opt="trust-ad "
	printf 'nameserver 127.0.0.1\noptions %sattempts:1 timeout:2\n' "$opt" \
		> "/etc/netns/$NS/resolv.conf"
}

start_unbound() {
	local body=$1 from=${2:-} to=${3:-}
	{
		printf '$ORIGIN dane.test.\n$TTL 300\n'
		printf '@ SOA ns.dane.test. root.dane.test. 1 3600 600 86400 300\n'
		printf '@ NS ns\nns A 127.0.0.1\n'
		printf '%s\n' "$body"
	} > "$DANE/dane.test.zone"
	ldns-signzone -o dane.test. -f "$DANE/dane.test.signed" \
		"$DANE/dane.test.zone" "$DANE_KEY" ||
		fail "ldns-signzone failed"
	if [ -n "$from" ]; then
		grep -qF "$from" "$DANE/dane.test.signed" ||
			fail "record to alter not in the signed zone: $from"
		local f=$from t=$to
		FROM=$f TO=$t "$PYTHON3" -c '
import os, sys
p = sys.argv[1]
s = open(p).read().replace(os.environ["FROM"], os.environ["TO"])
open(p, "w").write(s)' "$DANE/dane.test.signed"
	fi
	cat > "$DANE/unbound.conf" <<CONF
server:
	interface: 127.0.0.1
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$DANE"
	pidfile: ""
	use-syslog: no
	logfile: "$DANE/unbound.log"
	verbosity: 1
	val-log-level: 2
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "validator iterator"
	trust-anchor-file: "$DANE_KEY.key"
	harden-dnssec-stripped: yes
	minimal-responses: yes
	infra-keep-probing: no
	serve-expired: no
	local-zone: "test." nodefault
auth-zone:
	name: "dane.test."
	zonefile: "$DANE/dane.test.signed"
	for-downstream: no
	for-upstream: yes
	fallback-enabled: no
CONF
	ip netns exec "$NS" unbound -d -c "$DANE/unbound.conf" \
		>"$DANE/unbound.out" 2>&1 &
	SERVER_PIDS+=($!)
	resolv_trust_ad on
	local i=0
	until grep -q "start of service" "$DANE/unbound.log" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 200 ] || { cat "$DANE/unbound.out" "$DANE/unbound.log" >&2
			fail "unbound did not start"; }
		sleep 0.05
	done
}

# start_mx_tls ADDR NAME [--tls] [options]: smtpd.py as start_mx does
# (--tls: with the chain above), without waiting: start several, then
# mx_wait them (each takes a second or more on a loaded machine).
start_mx_tls() {
	local addr=$1 name=$2 args=() a
	shift 2
	for a; do
		case $a in
		--tls) args+=(--tls-cert "$DANE/chain.pem" --tls-key "$DANE/server.key");;
		*) args+=("$a");;
		esac
	done
	mkdir -p "$T/$name"
	ip netns exec "$NS" "$PYTHON3" "$LIB/smtpd.py" --host "$addr" --port 25 \
		--port-file "$T/$name.port" --spool "$T/$name" ${args[@]+"${args[@]}"} \
		>"$T/smtpd-$name.log" 2>&1 &
	SERVER_PIDS+=($!)
}

# mx_wait NAME...: until every server named has started.
mx_wait() {
	local n
	for n; do
		wait_for_file "$T/$n.port" 20 || {
			cat "$T/smtpd-$n.log" >&2; fail "smtpd.py $n did not start"; }
	done
}
