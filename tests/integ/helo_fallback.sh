#!/bin/bash
# A server that answers EHLO with 502 and knows only HELO (RFC 5321 4.1.1.1):
# postie falls back to HELO and delivers with plain MAIL/RCPT/DATA, adding
# no ESMTP parameters (SIZE=, BODY=) the server never offered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
cat > "$T/script" <<'EOF2'
send 220 old.example ancient SMTP
expect EHLO
send 502 5.5.1 Command not implemented
expect HELO
send 250 old.example
expect MAIL FROM:<sender@example.com>
send 250 ok
expect RCPT TO:<bob@example.net>
send 250 ok
expect DATA
send 354 go ahead
readdata
send 250 ok delivered as 77
expect QUIT
send 221 bye
close
EOF2
start_raw_server "$T/script"
smarthost_config off "logfile $T/postie.log"
printf 'Subject: helo\n\nbody\n' | run_postie -v -C "$CFG" bob@example.net
assert_exit 0 "HELO fallback"
assert_contains "$T/err" "-> EHLO client.example.com"
assert_contains "$T/err" "-> HELO client.example.com"
assert_contains "$T/err" "250 ok delivered as 77"
assert_contains "$SPOOL/dialogue.log" "<data>"
assert_matches "$SPOOL/dialogue.log" "^C b'MAIL FROM:<sender@example.com>\\\\r\\\\n'"
assert_not_contains "$SPOOL/dialogue.log" "SIZE="
assert_not_contains "$SPOOL/dialogue.log" "BODY="
assert_contains "$T/postie.log" "status=sent"
exit 0
