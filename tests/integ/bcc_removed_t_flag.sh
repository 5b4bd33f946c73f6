#!/bin/bash
# -t takes recipients from To, Cc and Bcc: every one receives the message,
# and no Bcc header is sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf 'From: a@example.com\nTo: To One <to1@example.net>, to2@example.net\nCc: cc@example.org\nBcc: hidden@example.com,\n hidden2@example.com\nSubject: bcc\n\nbody\n' |
	run_postie -C "$CFG" -t
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), sorted(["to1@example.net", "to2@example.net", "cc@example.org", "hidden@example.com", "hidden2@example.com"]), "recipients")
assert msg["Bcc"] is None, "Bcc header leaked"
assert b"hidden" not in raw, "a Bcc address leaked into the message"
has("to2@example.net", str(msg["To"]), "To kept")
has("cc@example.org", str(msg["Cc"]), "Cc kept")
PY
