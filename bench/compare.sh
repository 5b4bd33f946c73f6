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

BENCH_USER=bench BENCH_PASS=bench-secret REALM=bench.invalid
RCPT=rcpt@bench.invalid

# --- the sink --------------------------------------------------------------

# Add what postfix.sh does not set up: AUTH via a sasldb the postfix user
# can read, and no message size limit (10 MB and 100 MB cases).
sink_overlay() {
	# Debian's Postfix reads $config_directory/sasl/smtpd.conf whatever
	# cyrus_sasl_config_path says; upstream's honours the parameter.  Use
	# that directory for both.
	local sasl=$PF/etc/sasl
	mkdir -p "$sasl"
	cat > "$sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $sasl/sasldb2
mech_list: PLAIN LOGIN
EOF
	echo "$BENCH_PASS" | saslpasswd2 -p -c -f "$sasl/sasldb2" -u "$REALM" "$BENCH_USER" ||
		fail "saslpasswd2 failed"
	chown postfix "$sasl/sasldb2"
	chmod 600 "$sasl/sasldb2"
	chmod 755 "$sasl"
	chmod 644 "$sasl/smtpd.conf"
	postconf_cmd -e \
		"message_size_limit = 0" \
		"smtpd_sasl_auth_enable = yes" \
		"smtpd_sasl_type = cyrus" \
		"smtpd_sasl_path = smtpd" \
		"cyrus_sasl_config_path = $sasl" \
		"smtpd_sasl_local_domain = $REALM" \
		"smtpd_sasl_security_options = noanonymous" ||
		fail "postconf failed"
	postfix_cmd reload >/dev/null 2>&1 || fail "postfix reload failed"
}

# The sink works when a client can log in on both ports; a reload takes
# effect as smtpd processes are replaced, so try for a while.
sink_ready() {
	local i
	for i in $(seq 1 50); do
		"$PYTHON3" - "$PF_PORT" "$PF_SMTPS_PORT" "$CERTS/ca.pem" \
			"$BENCH_USER" "$BENCH_PASS" <<'PY' 2>/dev/null && return 0
import smtplib, ssl, sys
port, sport, ca, user, pw = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
with smtplib.SMTP("127.0.0.1", int(port), local_hostname="probe") as s:
    s.starttls(context=ctx)
    s.login(user, pw)
with smtplib.SMTP_SSL("127.0.0.1", int(sport), local_hostname="probe", context=ctx) as s:
    s.login(user, pw)
PY
		sleep 0.2
	done
	tail -n 20 "$PF_LOG" >&2
	fail "the sink refuses AUTH (see the Postfix log above)"
}

# CPU seconds (user+system) used so far by the Postfix instance: the
# master, its live children, and the children it has reaped.

# --- inputs ----------------------------------------------------------------

# gen_message FILE BYTES: a plain-text message of about BYTES bytes with the
# headers a mail client writes (so neither program adds any), LF line ends.
gen_message() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
head = ("From: Bench <bench@client.invalid>\n"
        "To: <rcpt@bench.invalid>\n"
        "Subject: benchmark message of %d bytes\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
        "Message-ID: <bench-%d@client.invalid>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n\n") % (size, size)
words = ("the quick brown fox jumps over the lazy dog while two postie builds "
         "race to hand this text to a patient postfix sink ").split()
line_bytes = bytearray()
lines = []
i = 0
# 64 distinct lines, repeated: cheap to make, not trivially compressible.
for n in range(64):
    out = []
    while sum(len(w) + 1 for w in out) < 70:
        out.append(words[i % len(words)])
        i += 7
    lines.append((" ".join(out) + " %02d\n" % n).encode())
block = b"".join(lines)
with open(path, "wb") as f:
    f.write(head.encode())
    left = size - len(head)
    while left > 0:
        chunk = block[:left] if left < len(block) else block
        f.write(chunk)
        left -= len(chunk)
    if not chunk.endswith(b"\n"):
        f.write(b"\n")
PY
}

# write_cfg FILE PORT starttls|implicit: the account both builds use.
write_cfg() {
	local tls_starttls=on
	[ "$3" = implicit ] && tls_starttls=off
	write_config "$1" <<EOF
account default
host 127.0.0.1
port $2
from bench@client.invalid
tls on
tls_starttls $tls_starttls
tls_trust_file $CERTS/ca.pem
auth on
user $BENCH_USER
password $BENCH_PASS
EOF
}

now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- the run ---------------------------------------------------------------

[ -x "${OLD:-}" ] && [ -x "${NEW:-}" ] || { echo "usage: OLD=postie NEW=postie $0" >&2; exit 64; }
echo "old: $OLD"
echo "new: $NEW"
echo "temp:   $T"

make_certs
start_postfix --sink
sink_overlay
sink_ready
echo "sink:   Postfix on 127.0.0.1:$PF_PORT (STARTTLS) and :$PF_SMTPS_PORT (implicit TLS)"

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
