#!/bin/bash
# A queue run reuses one connection for every message to the same
# destination (spec §5), with no RSET between transactions that ended
# normally (RFC 5321 §4.1.4), each message delivered once; and --due leaves
# alone what is not due yet, while a plain -q sends everything now.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SMTP_PORT=$(free_port)		# down: everything is queued
smarthost_config off "queue on"
for n in 1 2 3; do
	printf 'Subject: m%s\n\nbody\n' "$n" | run_postie -C "$CFG" bob@example.net
	assert_exit 0 "submission $n"
done
start_smtpd
smarthost_config off "queue on"
run_postie -C "$CFG" -q --due </dev/null
assert_exit 0 "-q --due"
assert_received 0		# first retry is 5 minutes away
run_postie -C "$CFG" -q -v </dev/null
assert_exit 0 "-q"
assert_received 3
n=$(grep -c "^C b'EHLO" "$SPOOL/dialogue.log")
[ "$n" = 1 ] || fail "$n EHLO for one destination, want 1 session"
n=$(grep -c "^C b'MAIL" "$SPOOL/dialogue.log")
[ "$n" = 3 ] || fail "$n MAIL commands for 3 messages, want 3"
n=$(grep -c "^C b'RSET" "$SPOOL/dialogue.log")
[ "$n" = 0 ] || fail "$n RSET between 3 accepted messages, want none"
run_postie -C "$CFG" -bp
assert_contains "$T/out" "Mail queue is empty"
