#!/bin/bash
# bench/mx_parallel.sh [--runs N] POSTIE — direct MX delivery to many
# domains at 50 ms RTT (issue 13 part 3).  See bench/README.
#
# postie runs in namespace NAME-c; bench/netdelay.py carries every packet
# to NAME-s and back 25 ms later each way.  In NAME-s, dnsmasq on
# 10.77.0.2:53 answers the MX and A queries (so DNS is 50 ms away too) and
# netdelay's forwarder takes port 25 to one tests/lib/smtpd.py in the root
# namespace (STARTTLS offered, as an MX host would).  Every MX host name
# points at 10.77.0.2: each domain still gets its own session.
#
# Cases, in one run (hyperfine medians):
#   1 domain      one message, 20 recipients, all at one domain
#   20 domains    the same message, 20 recipients at 20 domains
#                 (mx_parallel 20, the default)
#   20 domains, mx_parallel 1   the same, one domain after another
# Target: 20 domains <= 2x 1 domain; peak RSS < 16 MB (GNU time %M:
# the largest of postie's processes, children included).
set -eu
RUNS=10
if [ "${1:-}" = --runs ]; then RUNS=$2; shift 2; fi
[ $# = 1 ] || { echo "usage: $0 [--runs N] POSTIE" >&2; exit 64; }
POSTIE=$(readlink -f "$1")
BENCH=$(dirname "$(readlink -f "$0")")
LIB=$BENCH/../tests/lib
PYTHON3=/usr/bin/python3
NDOM=20
[ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespaces)" >&2; exit 77; }
for c in hyperfine dnsmasq ip certtool; do
	command -v "$c" >/dev/null || { echo "$0: needs $c" >&2; exit 77; }
done
[ -x /usr/bin/time ] || { echo "$0: needs GNU time" >&2; exit 77; }

T=$(mktemp -d /tmp/postie-mxpar.XXXXXX)
NAME=pmx$$
PIDS=()
cleanup() {
	for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	rm -rf "/etc/netns/$NAME-c" "$T"
}
trap cleanup EXIT
wait_for() {	# FILE
	for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
	echo "$0: $1 did not appear" >&2
	exit 1
}

# The sink, in the root namespace.
sh "$LIB/certs.sh" "$T/certs" >/dev/null
mkdir -p "$T/sink"
"$PYTHON3" "$LIB/smtpd.py" --host 127.0.0.1 --port 0 --port-file "$T/sink.port" \
	--spool "$T/sink" --dialogue /dev/null \
	--tls-cert "$T/certs/server.pem" --tls-key "$T/certs/server.key" \
	>"$T/sink.log" 2>&1 &
PIDS+=($!)
wait_for "$T/sink.port"
SINK_PORT=$(cat "$T/sink.port")

# The delay line: 25 ms each way, port 25 forwarded to the sink.
"$PYTHON3" "$BENCH/netdelay.py" "$NAME" 25 "$T/nd.stats" "$T/nd.ready" \
	"25=$SINK_PORT" 2>"$T/nd.log" &
PIDS+=($!)
wait_for "$T/nd.ready"

# DNS behind the delay line.
dns=(--mx-host=one.bench,mx.one.bench,10 --host-record=mx.one.bench,10.77.0.2)
for i in $(seq $NDOM); do
	dns+=(--mx-host=d$i.bench,mx.d$i.bench,10 --host-record=mx.d$i.bench,10.77.0.2)
done
ip netns exec "$NAME-s" dnsmasq --keep-in-foreground --port=53 \
	--listen-address=10.77.0.2 --bind-interfaces --no-resolv --no-hosts \
	--local=/bench/ --pid-file= --user=root --log-facility="$T/dnsmasq.log" \
	"${dns[@]}" >"$T/dnsmasq.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q started "$T/dnsmasq.log" 2>/dev/null && break; sleep 0.05; done
mkdir -p "/etc/netns/$NAME-c"
printf 'nameserver 10.77.0.2\noptions attempts:2 timeout:2\n' \
	>"/etc/netns/$NAME-c/resolv.conf"

# The message and the configurations.
{
	printf 'From: bench@client.bench\nSubject: mx_parallel bench\n'
	printf 'Date: Wed, 02 Dec 2026 00:00:00 +0000\nMessage-ID: <b@client.bench>\n\n'
	for _ in $(seq 16); do printf '%063d\n' 0; done
} >"$T/msg"
for n in 20 1; do
	printf 'account default\nfrom bench@client.bench\ndomain client.bench\n%s\n' \
		"queue off" >"$T/rc$n"
	printf 'timeout 30\nmx_parallel %s\n' "$n" >>"$T/rc$n"
	chmod 600 "$T/rc$n"
done
one=() many=()
for i in $(seq $NDOM); do
	one+=("r$i@one.bench")
	many+=("r$i@d$i.bench")
done
cmd() {	# RC RCPTS...
	local rc=$1
	shift
	printf 'ip netns exec %s %q -C %q %s < %q' "$NAME-c" "$POSTIE" "$T/$rc" \
		"$*" "$T/msg"
}

# One try of each, checked: every recipient delivered, exit 0.
for c in "rc20 ${one[*]}" "rc20 ${many[*]}"; do
	rm -f "$T"/sink/*
	sh -c "$(cmd $c)" || { echo "$0: postie failed: $(cmd $c)" >&2; exit 1; }
done
[ "$(ls "$T"/sink/*.eml | wc -l)" = $NDOM ] ||
	{ echo "$0: the sink did not get $NDOM messages" >&2; exit 1; }

hyperfine --style none --runs "$RUNS" --warmup 1 --export-json "$T/hf.json" \
	-n "1 domain" "$(cmd rc20 "${one[@]}")" \
	-n "20 domains" "$(cmd rc20 "${many[@]}")" \
	-n "20 domains, mx_parallel 1" "$(cmd rc1 "${many[@]}")" >"$T/hf.out"

rss() {	# RC RCPTS...: median of 3 peak RSS figures, in KB
	local k
	for k in 1 2 3; do
		/usr/bin/time -f %M -o "$T/rss" sh -c "exec $(cmd "$@")"
		cat "$T/rss"
	done | sort -n | sed -n 2p
}
RSS_ONE=$(rss rc20 "${one[@]}")
RSS_MANY=$(rss rc20 "${many[@]}")

"$PYTHON3" - "$T/hf.json" "$RSS_ONE" "$RSS_MANY" "$NDOM" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
rss_one, rss_many, ndom = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
base = res["1 domain"]["median"]
print("direct MX delivery, %s recipients, 50 ms RTT (DNS too), STARTTLS; hyperfine medians of %d runs"
      % (ndom, len(res["1 domain"]["times"])))
print("%-28s| %9s| %6s| %8s" % ("case", "median", "ratio", "peak RSS"))
for name in ("1 domain", "20 domains", "20 domains, mx_parallel 1"):
    r = res[name]
    rss = {"1 domain": rss_one, "20 domains": rss_many}.get(name)
    print("%-28s| %7.1f ms| %5.2fx| %8s" % (name, r["median"] * 1000,
          r["median"] / base, "%.1f MB" % (rss / 1024) if rss else "-"))
ratio = res["20 domains"]["median"] / base
print("target: 20 domains <= 2x 1 domain: %s (%.2fx); peak RSS < 16 MB: %s"
      % ("ok" if ratio <= 2 else "MISSED", ratio,
         "ok" if max(rss_one, rss_many) < 16 * 1024 else "MISSED"))
PY
