#!/bin/bash
# Relay failover (issue 11): with fallback_accounts, a primary relay that
# refuses connections, stalls, or answers 4xx to MAIL hands the message to
# the backup at once (exit 0, nothing queued, sent once); a relay that did
# not answer is skipped for host_down_time by the next submission; every
# relay down means queued once; a 5xx never moves on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"

queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }

# config PRIMARY_PORT BACKUP_PORT: two smarthost accounts, one queue.
config() {
	CFG=$T/postierc
	write_config "$CFG" <<EOF
defaults
host 127.0.0.1
tls off
from sender@example.com
domain client.example.com
queue on
queue_dir $T/queue
timeout 2
metrics_file $T/postie.prom

account backup
port $2

account primary
port $1
fallback_accounts backup
host_down_time 1h

account default : primary
EOF
}

# 1. The primary refuses connections: the backup delivers.
SPOOL=$T/backup
start_smtpd
backup=$SMTP_PORT
dead=$(free_port)
config "$dead" "$backup"
printf 'Subject: one\n\nbody\n' | run_postie -C "$CFG" -v bob@example.net
assert_exit 0 "primary down, backup up"
assert_received 1
[ "$(queued)" = 0 ] || fail "something was queued though the backup took it"
assert_contains "$T/err" "fallback_accounts"

# 2. The next submission does not try the dead primary again: it is marked
# down (host_down_time), so a listener there now sees no connection.
"$PYTHON3" - "$dead" "$T/probe.log" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); s.settimeout(8)
try:
    c, _ = s.accept(); open(sys.argv[2], "w").write("connected\n")
except socket.timeout:
    pass
PY
probe=$!
sleep 0.3
printf 'Subject: two\n\nbody\n' | run_postie -C "$CFG" -v bob@example.net
assert_exit 0 "second submission"
assert_received 2
assert_contains "$T/err" "marked down"
kill $probe 2>/dev/null; wait $probe 2>/dev/null
[ ! -e "$T/probe.log" ] || fail "the relay marked down was tried again"
# The metrics file counts it (issue 11: relays currently marked down).
grep -qx 'postie_relays_down 1' "$T/postie.prom" ||
	fail "metrics_file does not count the relay marked down: $(cat "$T/postie.prom")"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/postie.prom" >/dev/null 2>&1 ||
		fail "promtool refuses the metrics file"
fi
# -bv shows the chain and what is marked down.
run_postie -C "$CFG" -bv bob@example.net
assert_contains "$T/out" "relay 127.0.0.1:$dead (account default), marked down"
assert_contains "$T/out" "fallback 127.0.0.1:$backup (account backup)"
stop_servers
rm -rf "$T/queue"

# 3. The primary stalls (no greeting within the timeout): the backup.
SPOOL=$T/backup3
start_smtpd
backup=$SMTP_PORT
SPOOL=$T/stall
start_smtpd --fault stall:30@banner
stall=$SMTP_PORT
config "$stall" "$backup"
SPOOL=$T/backup3
printf 'Subject: three\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "primary stalls"
assert_received 1
stop_servers
rm -rf "$T/queue"

# 4. 4xx to MAIL at the primary: the backup, once.
SPOOL=$T/backup4
start_smtpd
backup=$SMTP_PORT
SPOOL=$T/busy
start_smtpd --fault mail:451
busy=$SMTP_PORT
config "$busy" "$backup"
SPOOL=$T/backup4
printf 'Subject: four\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "451 to MAIL at the primary"
assert_received 1
# --serverinfo describes the primary and lists the chain after it.
run_postie -C "$CFG" --serverinfo
assert_exit 0 "--serverinfo"
assert_contains "$T/out" "relay 127.0.0.1:$busy (account default)"
assert_contains "$T/out" "fallback 127.0.0.1:$backup (account backup)"
stop_servers
rm -rf "$T/queue"

# 5. A 5xx for the recipient at the primary never moves on.
SPOOL=$T/backup5
start_smtpd
backup=$SMTP_PORT
SPOOL=$T/refuses
start_smtpd --fault rcpt:550
refuses=$SMTP_PORT
config "$refuses" "$backup"
SPOOL=$T/backup5
printf 'Subject: five\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 67 "a 5xx is the answer"
assert_received 0
stop_servers
rm -rf "$T/queue"

# 6. Every relay down: queued once, exit 0; mailq shows one message.
config "$(free_port)" "$(free_port)"
printf 'Subject: six\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "every relay down"
[ "$(queued)" = 1 ] || fail "expected one queued message, found $(queued)"

# 7. A fallback that names no account is a configuration error.
printf 'account a\nhost 127.0.0.1\nfallback_accounts nosuch\n' >"$T/bad"
chmod 600 "$T/bad"
run_postie -C "$T/bad" -bv bob@example.net
assert_exit 78 "fallback_accounts naming no account"
assert_contains "$T/err" 'fallback_accounts: "nosuch" is not an account'
