#!/bin/bash
# A kept session of a queue run answered 452 4.5.3 to MAIL (OpenSMTPD
# allows 100 messages per connection) is closed, and the message goes at
# once over a new connection: a server that takes 2 messages per
# connection gets all 5 queued messages in one run, over 3 sessions.  A
# 4xx to MAIL in a new session still defers the message.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SMTP_PORT=$(free_port)		# down: everything is queued
smarthost_config off "queue on"
for n in 1 2 3 4 5; do
	printf 'Subject: m%s\n\nbody\n' "$n" | run_postie -C "$CFG" bob@example.net
	assert_exit 0 "submission $n"
done
start_smtpd --fault mail-limit:2
smarthost_config off "queue on"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "-q"
assert_received 5
n=$(grep -c "^C b'EHLO" "$SPOOL/dialogue.log")
[ "$n" = 3 ] || fail "$n sessions for 5 messages at 2 per connection, want 3"
run_postie -C "$CFG" -bp
assert_contains "$T/out" "Mail queue is empty"

# A fresh session refused at MAIL: deferred, not retried in a loop.
stop_servers
SPOOL=$T/spool2	# a fresh server numbers its messages from 1 again
start_smtpd --fault mail-limit:0
smarthost_config off "queue on"
printf 'Subject: m6\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "submission 6 (queued)"
assert_contains "$T/err" "queued as"
n=$(grep -c "^C b'MAIL" "$SPOOL/dialogue.log")
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "-q with MAIL refused"
[ "$(grep -c "^C b'MAIL" "$SPOOL/dialogue.log")" = $((n + 1)) ] ||
	fail "a MAIL refused in a new session was tried again in the same run"
run_postie -C "$CFG" -bp
assert_contains "$T/out" "bob@example.net"
exit 0
