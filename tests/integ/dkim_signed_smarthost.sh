#!/bin/bash
# With dkim_key, what a smarthost receives carries an RSA-SHA256 and an
# Ed25519-SHA256 signature that dkimpy verifies on the bytes as received:
# LF and CRLF input, folded fields with trailing spaces, -t with Bcc (the
# Bcc removed before signing), a composed multipart message with an
# attachment, a queued message signed when the queue run sends it, --dry-run
# output signed as a server would get it.  A
# From outside dkim_domain goes out unsigned and the log says so; a key
# readable by others is refused (78) before anything is sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/dkim.sh"
need_dkimpy
start_smtpd
dkim_keys example.com
smarthost_config off "${DKIM_LINES[@]}" "logfile $T/log"

# Folding and trailing spaces in header and body; LF, then CRLF.
msg='From: Joe <joe@mail.example.com>\nTo: bob@example.net,\n   carol@example.net  \nSubject:  folded\n\t subject   line   \n\nline with trailing spaces   \n\t tabbed  line\n\n\n'
printf "$msg" | run_postie -C "$CFG" bob@example.net
assert_exit 0 "LF input"
printf "$msg" | sed 's/$/\r/' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "CRLF input"
assert_received 2
assert_dkim_pass "$SPOOL/1.eml"
assert_dkim_pass "$SPOOL/2.eml"
assert_contains "$SPOOL/1.eml" "carol@example.net  "
assert_contains "$T/log" 'dkim="signed d=example.com s=rsa, ed"'

# -t with Bcc: the Bcc recipient gets it, the field is neither sent nor signed.
printf 'From: joe@example.com\nTo: bob@example.net\nBcc: secret@example.org\nSubject: bcc\n\nbody\n' |
	run_postie -C "$CFG" -t
assert_exit 0 "-t with Bcc"
assert_dkim_pass "$SPOOL/3.eml"
check_eml "$SPOOL/3.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["bob@example.net", "secret@example.org"], "recipients")
assert b"secret" not in raw, "the Bcc address was sent"
has(b"h=from:from:to:subject", raw, "signed fields")
PY

# Compose mode: multipart/mixed with a binary attachment.
head -c 40000 /dev/urandom > "$T/data.bin"
printf 'the report\n' | run_postie -C "$CFG" --from joe@example.com -s "report" -a "$T/data.bin" bob@example.net
assert_exit 0 "compose with an attachment"
assert_dkim_pass "$SPOOL/4.eml"
check_eml "$SPOOL/4.eml" <<PY
eq(msg.get_content_type(), "multipart/mixed", "type")
att = [p for p in msg.iter_attachments()][0]
eq(part_bytes(att), open("$T/data.bin", "rb").read(), "attachment bytes")
PY

# From outside dkim_domain: sent unsigned, said on -v and in the log.
printf 'From: x@example.org\nSubject: elsewhere\n\nbody\n' | run_postie -C "$CFG" -v bob@example.net
assert_exit 0 "From outside dkim_domain"
assert_unsigned "$SPOOL/5.eml"
assert_contains "$T/err" "DKIM: unsigned: From domain example.org is not example.com or below it"
assert_contains "$T/log" 'dkim="unsigned: From domain example.org'
# A subdomain of dkim_domain is signed as dkim_domain.
printf 'From: x@deep.sub.example.com\nSubject: sub\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_dkim_pass "$SPOOL/6.eml"

# Queued on a temporary failure, signed when the queue run sends it.
good_port=$SMTP_PORT
sed -i "s/^port .*/port $(free_port)/; s/^queue off$/queue on/" "$CFG"
printf 'From: joe@example.com\nSubject: queued\n\nlater\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "queued"
assert_received 6
sed -i "s/^port .*/port $good_port/" "$CFG"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
assert_received 7
assert_dkim_pass "$SPOOL/7.eml"
[ "$(grep -ci '^DKIM-Signature:' "$SPOOL/7.eml")" = 2 ] || fail "the queued message is not signed exactly once per key"

# --dry-run shows the message signed as a server would get it (dkimpy
# verifies what follows the envelope lines), and says when it would not be.
printf 'From: joe@example.com\nSubject: dry\n\nnot sent\n' | run_postie -C "$CFG" --dry-run bob@example.net
assert_exit 0 "--dry-run"
assert_contains "$T/out" "DKIM: signed d=example.com s=rsa, ed"
sed '1,/^RCPT TO:/d' "$T/out" > "$T/dry.eml"
[ "$(grep -ci '^DKIM-Signature:' "$T/dry.eml")" = 2 ] || fail "--dry-run output is not signed once per key"
assert_dkim_pass "$T/dry.eml"
printf 'From: x@example.org\nSubject: dry\n\nnot sent\n' | run_postie -C "$CFG" --dry-run bob@example.net
assert_contains "$T/out" "DKIM: unsigned: From domain example.org is not example.com or below it"
assert_unsigned "$T/out"
assert_received 7

# A key others may read: refused before any connection, nothing queued.
chmod 644 "$T/ed.example.com.pem"
printf 'From: joe@example.com\nSubject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "key readable by others"
assert_contains "$T/err" "ed.example.com.pem"
assert_contains "$T/err" "chmod 600"
assert_received 7
exit 0
