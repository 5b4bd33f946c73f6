#!/bin/bash
# bench/compare.sh — two builds of postie against each other, interleaved,
# on the bench sink (a private Postfix with STARTTLS and Cyrus SASL, every
# message discarded; see bench/README): a 100 MB plain message (with
# bench/sinkcheck.py's time for the same file, the sink's own limit), a
# 1 KB message, and a flush of QN queued 1 KB messages by one postie -q.
# Prints the median of each.
#
#   OLD=/path/old/postie NEW=/path/new/postie [ROUNDS=7] [QN=200] \
#       bench/compare.sh
#
# Needs root (the private Postfix), saslpasswd2, /usr/bin/python3.  Not part
# of `make check`; for the closing notes of changes to the data path.

BENCH=$(cd "$(dirname "$0")" && pwd)
POSTIE=${NEW:-}
export POSTIE

. "$BENCH/../tests/lib/common.sh"
. "$BENCH/../tests/lib/postfix.sh"
set -o pipefail
need_cmd saslpasswd2 postconf

. "$BENCH/sink.sh"

now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- the run ---------------------------------------------------------------

[ -x "${OLD:-}" ] && [ -x "${NEW:-}" ] || { echo "usage: OLD=postie NEW=postie $0" >&2; exit 64; }
echo "old: $OLD"
echo "new: $NEW"
echo "temp:   $T"

sink_start

M=$T/msg
mkdir -p "$M"
gen_message "$M/1k" 1024
gen_message "$M/100m" $((100 * 1024 * 1024))
write_cfg "$T/starttls.rc" "$PF_PORT" starttls
ROUNDS=${ROUNDS:-7} QN=${QN:-200}
for prog in "$OLD" "$NEW"; do
	"$prog" -C "$T/starttls.rc" "$RCPT" < "$M/1k" || fail "$prog cannot send"
done
: > "$T/r"
for r in $(seq 1 "$ROUNDS"); do
	for who in old new; do
		prog=$OLD; [ $who = new ] && prog=$NEW
		t0=$(now); "$prog" -C "$T/starttls.rc" "$RCPT" < "$M/100m" || fail send; t1=$(now)
		echo "100m $who $(el $t0 $t1)" >> "$T/r"
		for k in 1 2 3 4 5; do
			t0=$(now); "$prog" -C "$T/starttls.rc" "$RCPT" < "$M/1k" || fail send; t1=$(now)
			echo "1k $who $(el $t0 $t1)" >> "$T/r"
		done
	done
	s=$("$PYTHON3" "$BENCH/sinkcheck.py" 127.0.0.1 "$PF_PORT" starttls \
		"$BENCH_USER" "$BENCH_PASS" "$CERTS/ca.pem" "$M/100m") || fail sinkcheck
	echo "100m sink $s" >> "$T/r"
done
# queue flush: QN messages of ~1 KB queued, then one postie -q; interleaved.
msgs=$T/qmsgs
"$PYTHON3" - "$msgs" "$QN" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
body = ("x" * 72 + "\n") * 12
for i in range(1, n + 1):
    with open(os.path.join(d, str(i)), "w") as f:
        f.write("From: bench@client.invalid\nTo: rcpt@bench.invalid\n"
                "Subject: queued %d\nDate: Thu, 26 Nov 2026 12:00:00 +0000\n"
                "Message-ID: <q%d@client.invalid>\n\n%s" % (i, i, body))
PY
sed "s/^port .*/port $(free_port)/" "$T/starttls.rc" | write_config "$T/down.rc"
printf 'queue on\nqueue_dir %s\n' "$T/queue" >> "$T/down.rc"
cat "$T/starttls.rc" | write_config "$T/up.rc"
printf 'queue on\nqueue_dir %s\n' "$T/queue" >> "$T/up.rc"
for r in 1 2 3; do
	for who in old new; do
		prog=$OLD; [ $who = new ] && prog=$NEW
		sed "s/^port .*/port $(free_port)/" "$T/starttls.rc" | write_config "$T/down.rc"
		printf 'queue on\nqueue_dir %s\n' "$T/queue" >> "$T/down.rc"
		for ((i = 1; i <= QN; i++)); do "$prog" -C "$T/down.rc" "$RCPT" < "$msgs/$i" 2>/dev/null || fail queue; done
		cp "$T/up.rc" "$T/down.rc"	# entries keep their config: now the sink
		t0=$(now); "$prog" -C "$T/down.rc" -q </dev/null >/dev/null 2>&1 || fail flush; t1=$(now)
		[ "$(find "$T/queue" -maxdepth 1 -name '*.env' | wc -l)" = 0 ] || fail "left in queue"
		echo "flush $who $(el $t0 $t1)" >> "$T/r"
	done
done
for c in 100m 1k flush; do
	for who in old new sink; do
		v=$(awk -v c=$c -v w=$who '$1==c && $2==w {print $3}' "$T/r" | med)
		[ -n "$v" ] && echo "$c $who median $v s (n=$(awk -v c=$c -v w=$who '$1==c && $2==w' "$T/r" | wc -l))"
	done
done
exit 0
