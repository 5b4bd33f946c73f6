#!/bin/bash
# bench/queue_flush.sh — flushing 1000 queued messages to one server
# (postie -q: one session, RSET between messages) against 1000 msmtp
# invocations for the same messages, on a private Postfix sink over
# STARTTLS on loopback.  Target (issue 5): postie at least 50x faster.
#
#   bench/queue_flush.sh [POSTIE] [N]
#
# Needs root (the private Postfix) and msmtp.  Not part of `make check`.
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POSTIE=${1:-${POSTIE:-$PWD/postie}}
N=${2:-1000}
case $POSTIE in /*) ;; *) POSTIE=$PWD/$POSTIE;; esac
export POSTIE
. "$BENCH/../tests/lib/common.sh"
. "$BENCH/../tests/lib/postfix.sh"
need_cmd msmtp
MSMTP=$(command -v msmtp)
start_postfix --sink

mkdir -p "$T/msgs"
for ((i = 1; i <= N; i++)); do
	printf 'From: bench@client.invalid\nTo: rcpt@bench.invalid\nSubject: queued %d\nDate: Thu, 26 Nov 2026 12:00:00 +0000\nMessage-ID: <q%d@client.invalid>\n\n%s\n' \
		"$i" "$i" "$(head -c 900 /dev/zero | tr '\0' 'x' | fold -w 72)" > "$T/msgs/$i"
done

# cfg FILE PORT [LINE...]: the same account for both programs (msmtp
# refuses postie's queue keys, so those come as extra lines).
cfg() {
	local f=$1 port=$2 l
	shift 2
	{
		printf 'account default\nhost 127.0.0.1\nport %s\n' "$port"
		printf 'from bench@client.invalid\ntls on\ntls_starttls on\n'
		printf 'tls_trust_file %s\n' "$CERTS/ca.pem"
		for l; do echo "$l"; done
	} | write_config "$f"
}
cfg "$T/down.rc" "$(free_port)" "queue on" "queue_dir $T/queue"
cfg "$T/up.rc" "$PF_PORT" "queue on" "queue_dir $T/queue"
cfg "$T/msmtp.rc" "$PF_PORT"

for ((i = 1; i <= N; i++)); do
	"$POSTIE" -C "$T/down.rc" rcpt@bench.invalid < "$T/msgs/$i" 2>/dev/null ||
		fail "queueing message $i failed"
done
q=$(find "$T/queue" -maxdepth 1 -name '*.env' | wc -l)
[ "$q" = "$N" ] || fail "$q queued, want $N"

t0=$(date +%s.%N)
/usr/bin/time -f %M -o "$T/rss" "$POSTIE" -C "$T/up.rc" -q </dev/null ||
	fail "postie -q failed"
t1=$(date +%s.%N)
left=$(find "$T/queue" -maxdepth 1 -name '*.env' | wc -l)
[ "$left" = 0 ] || fail "$left messages left in the queue"
echo "postie -q: $N messages in $(echo "$t1 - $t0" | bc) s"

t2=$(date +%s.%N)
for ((i = 1; i <= N; i++)); do
	"$MSMTP" -C "$T/msmtp.rc" rcpt@bench.invalid < "$T/msgs/$i" ||
		fail "msmtp failed on message $i"
done
t3=$(date +%s.%N)
awk -v p="$(echo "$t1 - $t0" | bc)" -v m="$(echo "$t3 - $t2" | bc)" \
    -v n="$N" -v rss="$(cat "$T/rss")" 'BEGIN {
	printf "flush %d queued messages: postie -q %.2f s (%.2f ms/message, peak RSS %.1f MB)\n", n, p, p * 1000 / n, rss / 1024
	printf "                          msmtp x%d %.2f s (%.1f ms/message)\n", n, m, m * 1000 / n
	printf "ratio: postie %.0fx faster (target 50x: %s)\n", m / p, (m / p >= 50) ? "ok" : "MISSED"
}'
