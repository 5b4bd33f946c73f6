#!/bin/bash
# When the queue cannot take what a delivery deferred (issue 14), postie
# exits 73 and says which recipients already have the message, so that
# nobody resends it to them; the reason it could not be queued comes
# first and whole, never cut off by the server's long reply for the
# deferred recipient.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
long=$(printf 'greylisted, try again later %.0s' $(seq 25))	# 700 octets
cat > "$T/script" <<S
send 220 mx.example ESMTP
expect EHLO
send 250 mx.example
expect MAIL
send 250 ok
expect RCPT TO:<ann@example.net>
send 250 ok
expect RCPT TO:<bob@example.net>
send 451-4.7.1 $long\r\n451-4.7.1 $long\r\n451-4.7.1 $long\r\n451 4.7.1 $long
expect RCPT TO:<carl@example.net>
send 250 ok
expect DATA
send 354 go ahead
readdata
send 250 ok queued as 42
expect QUIT
send 221 bye
close
S
start_raw_server "$T/script"
smarthost_config off "queue on"
: > "$T/plain-file"
sed -i "s|^queue_dir .*|queue_dir $T/plain-file/queue|" "$CFG"
printf 'Subject: partial\n\nbody\n' |
	run_postie -C "$CFG" ann@example.net bob@example.net carl@example.net
assert_exit 73 "the queue cannot be written"
assert_contains "$SPOOL/dialogue.log" "<data>"
assert_contains "$T/err" "postie: ann@example.net: delivered"
assert_contains "$T/err" "postie: carl@example.net: delivered"
assert_not_contains "$T/err" "bob@example.net: delivered"
assert_matches "$T/err" "could not be queued: .*plain-file/queue.*: Not a directory; its delivery was deferred: .*451"
exit 0
