#!/bin/bash
# A complete 2xx reply to the final dot followed by extra bytes (issue
# 14): the message is delivered, once.  The junk may end the session,
# never undo the acceptance: exit 0, nothing queued, and a queue run
# afterwards sends nothing again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
copies() { grep -c "<data>" "$SPOOL/dialogue.log"; }
cat > "$T/script" <<'S'
send 220 mx.example ESMTP
expect EHLO
send 250 mx.example
expect MAIL
send 250 ok
expect RCPT
send 250 ok
expect DATA
send 354 go ahead
readdata
send 250 2.0.0 ok: queued as 42\r\nJUNK after the reply
expect QUIT
send 221 bye
close
S
start_raw_server "$T/script"
smarthost_config off "queue on"
printf 'Subject: junk\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "delivered despite the trailing bytes"
assert_not_contains "$T/err" "queued as"
[ "$(copies)" = 1 ] || fail "the server got $(copies) copies, want 1"
[ "$(queued)" = 0 ] || fail "$(queued) entries queued, want none"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
[ "$(copies)" = 1 ] || fail "sent again by the queue run: $(copies) copies"
exit 0
