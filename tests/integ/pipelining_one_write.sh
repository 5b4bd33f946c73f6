#!/bin/bash
# With PIPELINING offered, MAIL, every RCPT and DATA go out in one write
# (the server logs one line per read), and the session ends with QUIT.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf 'Subject: pipelining\n\nbody\n' | run_postie -C "$CFG" a@example.net b@example.net c@example.net
assert_exit 0
assert_received 1
grep -E "^C .*MAIL FROM:.*RCPT TO:<a@example.net>.*RCPT TO:<b@example.net>.*RCPT TO:<c@example.net>.*DATA" -i "$SPOOL/dialogue.log" >/dev/null ||
	fail "MAIL, RCPTs and DATA were not sent in one write"
assert_contains "$SPOOL/dialogue.log" 'QUIT\r\n'
