#!/bin/bash
# Envelope addresses holding CR, LF or characters RFC 5321 does not allow
# in a path are refused (exit 65) before any connection is made: no SMTP
# command injection through argv, -f or -t headers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
bad_rcpts=(
	$'a@b>\r\nRCPT TO:<x@y'
	$'a@example.net\rRCPT TO:<x@y>'
	$'a@example.net\nx@y'
	'a@b> NOTIFY=NEVER'
	'<a@b>x@y'
)
for r in "${bad_rcpts[@]}"; do
	printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" -- "$r"
	assert_exit 65 "recipient $(printf %q "$r")"
done
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" -f $'me@example.com>\r\nRCPT TO:<x@y' ok@example.net
assert_exit 65 "injection through -f"
printf 'To: \"x\" <a@example.net\rRCPT TO:<x@y>>\nSubject: x\n\nbody\n' | run_postie -C "$CFG" -t
assert_exit 65 "injection through a -t header"
assert_received 0
assert_no_connection
