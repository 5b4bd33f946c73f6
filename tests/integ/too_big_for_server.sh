#!/bin/bash
# A message over the server's SIZE, or answered 552 5.3.4, is a permanent
# failure (exit 65) said in sizes for people, decided at once: nothing is
# queued for retry, nothing kept in failed/, even with "queue on".
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
# About 4 KiB after encoding.
{ printf 'Subject: big\n\n'; head -c 3000 /dev/zero | tr '\0' x | fold -w 70; } > "$T/big.txt"
no_copy_kept() {
	[ -z "$(find "$T/queue" "$HOME" -type f \( -name '*.eml' -o -name dead.letter \) 2>/dev/null)" ] ||
		fail "the refused message was kept or queued ($1)"
}

# The server announces SIZE 2500: refused before MAIL, nothing sent.
start_smtpd --size-limit 2500
smarthost_config off "queue on"
run_postie -C "$CFG" bob@example.net < "$T/big.txt"
assert_exit 65
assert_matches "$T/err" "^postie: bob@example\.net: message is 3\.[0-9] KiB after encoding; 127\.0\.0\.1:$SMTP_PORT accepts at most 2\.4 KiB; account default \("
assert_not_contains "$T/err" "retry"
assert_client_not_sent "MAIL FROM"
assert_received 0
no_copy_kept SIZE
stop_servers

# No SIZE announced; the server refuses the data with 552 5.3.4.
cat > "$T/script" <<'EOF2'
send 220 raw.example ESMTP
expect EHLO
send 250 raw.example
expect MAIL FROM:<sender@example.com>
send 250 ok
expect RCPT TO:<bob@example.net>
send 250 ok
expect DATA
send 354 go ahead
readdata
send 552 5.3.4 Message size exceeds fixed limit
expect QUIT
send 221 bye
close
EOF2
start_raw_server "$T/script"
smarthost_config off "queue on"
run_postie -C "$CFG" bob@example.net < "$T/big.txt"
assert_exit 65
assert_matches "$T/err" "^postie: bob@example\.net: message too big for 127\.0\.0\.1:$SMTP_PORT: it said 552 5\.3\.4 Message size exceeds fixed limit \(in reply to end of DATA\); account default"
assert_not_contains "$T/err" "retry"
no_copy_kept 552
