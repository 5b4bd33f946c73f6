#!/bin/bash
# The TLS mode and the port mixed up is a configuration error said at once
# (exit 78, the port and the key to change, nothing queued, in seconds not
# a minute): implicit TLS against a port that greets in plain text, and
# STARTTLS (or tls off) against a port that speaks TLS first.  A plain
# server that is merely slow to greet still gets the message.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
nothing_queued() {
	[ -z "$(find "$T/queue" "$HOME" -type f 2>/dev/null)" ] ||
		fail "something was queued or kept ($1)"
}
# run_timed ARGS: run_postie, and fail when it took over $1 seconds.
run_timed() {
	local max=$1 start end
	shift
	start=$(date +%s%N)
	printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" "$@"
	end=$(date +%s%N)
	[ $(( (end - start) / 1000000 )) -le $((max * 1000)) ] ||
		fail "took $(( (end - start) / 1000000 )) ms, more than $max s"
}
make_certs

# 1. Implicit TLS (tls_starttls off) against a plain SMTP port.
start_smtpd
smarthost_config implicit "queue on"
run_timed 5 bob@example.net
assert_exit 78 "implicit TLS against a plain port"
assert_matches "$T/err" "^postie: 127\.0\.0\.1 port $SMTP_PORT speaks plain SMTP; for implicit TLS use port 465 or set tls_starttls on; account default \("
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "more than one line on stderr"
assert_not_contains "$T/err" "CVE"
assert_received 0
nothing_queued implicit
stop_servers

# 2. STARTTLS against a port that speaks TLS first: no greeting comes.
start_smtpd --implicit
smarthost_config starttls "queue on"
CFG_TIMEOUT=60 run_timed 10 bob@example.net
assert_exit 78 "STARTTLS against an implicit-TLS port"
assert_matches "$T/err" "^postie: 127\.0\.0\.1 port $SMTP_PORT speaks TLS from the first byte \(implicit TLS\), not STARTTLS; set tls_starttls off, or use port 587 for STARTTLS; account default \("
nothing_queued starttls

# 3. tls off against the same port.
smarthost_config off "queue on"
run_timed 10 bob@example.net
assert_exit 78 "tls off against an implicit-TLS port"
assert_contains "$T/err" "speaks TLS from the first byte (implicit TLS); set tls on and tls_starttls off"
nothing_queued "tls off"
assert_received 0

# The right mode on the same port delivers.
smarthost_config implicit
run_postie -C "$CFG" bob@example.net < /dev/null
assert_exit 0 "implicit TLS on its port"
assert_received 1
stop_servers

# 4. A plain server that greets late (after the probe) still delivers:
# the probe's connection is dropped and the next one waits.
cat > "$T/script" <<'EOF2'
sleep 3.5
send 220 slow.example ESMTP
expect EHLO
send 250 slow.example
expect MAIL FROM:<sender@example.com>
send 250 ok
expect RCPT TO:<bob@example.net>
send 250 ok
expect DATA
send 354 go ahead
readdata
send 250 ok delivered
expect QUIT
send 221 bye
close
EOF2
start_raw_server "$T/script"
smarthost_config off
run_postie -C "$CFG" bob@example.net < /dev/null
assert_exit 0 "a slow plain greeting"
grep -q "^C b'<data>'" "$SPOOL/dialogue.log" || fail "the slow server got no message"
