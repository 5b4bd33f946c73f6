#!/bin/bash
# `logfile` gets one outcome line per message: from, to, size, server, TLS,
# the server's final reply and status=sent.  A refused recipient gets a
# bounced/failed line carrying the server's refusal (the 550), and in a
# partial refusal the accepted recipient is logged as sent, not as bounced.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --fault rcpt:550:bad@example.net
LOG=$T/postie.log
smarthost_config starttls "logfile $LOG"

printf 'Subject: logged\n\nbody\n' | run_postie -C "$CFG" good@example.net
assert_exit 0 "delivery to good@"
assert_received 1
[ "$(wc -l < "$LOG")" = 1 ] || fail "expected one log line, got: $(cat "$LOG")"
line=$(cat "$LOG")
for want in "from=<sender@example.com>" "to=<good@example.net>" \
    "server=127.0.0.1" ":$SMTP_PORT" "tls=TLSv1." "250 2.0.0 OK queued as 1" \
    "status=sent"; do
	assert_contains "$LOG" "$want"
done
# size: the message's size (postie may count an upper bound of the wire form)
size=$(sed -n 's/.* size=\([0-9]*\) .*/\1/p' "$LOG")
eml=$(wc -c < "$SPOOL/1.eml")
[ -n "$size" ] && [ "$size" -ge "$eml" ] && [ "$size" -le $((eml + 16)) ] ||
	fail "logged size=$size, the server received $eml bytes"

# Every recipient refused: a bounced line with the 550, never status=sent.
: > "$LOG"
printf 'Subject: refused\n\nbody\n' | run_postie -C "$CFG" bad@example.net
assert_exit 67 "refused recipient"
assert_received 1
assert_matches "$LOG" "to=<bad@example.net>.*status=(bounced|failed)"
assert_not_contains "$LOG" "status=sent"
assert_matches "$LOG" 'reply="?550 '

# Partial refusal: good@ is logged as sent, bad@ as bounced with its 550.
: > "$LOG"
printf 'Subject: partial\n\nbody\n' | run_postie -C "$CFG" good@example.net bad@example.net
assert_exit 0 "partial refusal (the refusal goes to stderr and a notice)"
assert_received 3
grep -E 'status=sent' "$LOG" | grep -qF 'good@example.net' ||
	fail "no status=sent line for good@example.net: $(cat "$LOG")"
grep -E 'status=sent' "$LOG" | grep -qF 'bad@example.net' &&
	fail "bad@example.net logged as sent: $(cat "$LOG")"
grep -E 'status=(bounced|failed)' "$LOG" | grep -F 'bad@example.net' | grep -qE 'reply="?550 ' ||
	fail "no bounced line with the 550 for bad@example.net: $(cat "$LOG")"
grep -E 'status=(bounced|failed)' "$LOG" | grep -qF 'good@example.net' &&
	fail "good@example.net logged as bounced: $(cat "$LOG")"
exit 0
