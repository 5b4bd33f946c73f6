#!/bin/bash
# -X FILE appends the SMTP dialogue (EHLO, STARTTLS, MAIL FROM, RCPT TO,
# DATA and the server's replies) to FILE, run after run, but never the
# password (neither plain nor in base64) and never the message body.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
PASS='Xf1le-s3cret-9'
start_smtpd --starttls --auth "jane:$PASS"
smarthost_config starttls "auth plain" "user jane" "password $PASS"
X=$T/transcript.txt
echo "pre-existing line" > "$X"
printf 'Subject: transcript\n\nbody-marker-line-7f3a\n' |
	run_postie -X "$X" -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
assert_contains "$X" "pre-existing line"
for want in "EHLO client.example.com" "STARTTLS" "AUTH PLAIN" \
    "MAIL FROM:<sender@example.com>" "RCPT TO:<bob@example.net>" "DATA" \
    "220 " "354 " "235 " "250 2.0.0 OK queued as 1"; do
	assert_contains "$X" "$want"
done
assert_not_contains "$X" "$PASS"
assert_not_contains "$X" "$(printf '\0jane\0%s' "$PASS" | base64)"
assert_not_contains "$X" "$(printf '%s' "$PASS" | base64)"
assert_not_contains "$X" "body-marker-line-7f3a"
assert_not_contains "$X" "Subject: transcript"
# -X alone prints nothing on stderr (that is -v's job).
assert_not_contains "$T/err" "MAIL FROM"

# A second run appends: two sessions in the file, the first line kept.
printf 'Subject: again\n\nbody-marker-line-7f3a\n' |
	run_postie -X "$X" -C "$CFG" carol@example.net
assert_exit 0
assert_received 2
[ "$(head -n 1 "$X")" = "pre-existing line" ] || fail "-X truncated the file"
assert_contains "$X" "RCPT TO:<bob@example.net>"
assert_contains "$X" "RCPT TO:<carol@example.net>"
[ "$(grep -c 'MAIL FROM:<sender@example.com>' "$X")" = 2 ] ||
	fail "expected two MAIL FROM lines in $X"
assert_not_contains "$X" "$PASS"
assert_not_contains "$X" "body-marker-line-7f3a"
# Each run starts with a line that says when: two runs, two marks, each
# before its own EHLO.
mark='^=== postie session [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC, pid [0-9]+ ===$'
[ "$(grep -cE "$mark" "$X")" = 2 ] || fail "expected two session marks in $X"
grep -E "$mark|EHLO" "$X" | sed -n '1s/^===.*/mark/p;2s/.*EHLO.*/ehlo/p' |
	tr '\n' ' ' | grep -qx 'mark ehlo ' || fail "the first mark does not precede the first EHLO"
grep -vE "$mark" "$X" | grep -q "^===" && fail "a malformed session mark in $X"
exit 0
