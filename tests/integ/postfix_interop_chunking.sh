#!/bin/bash
# Real MTA interop: through a private Postfix (STARTTLS on its submission
# port, then implicit TLS on its wrapper-mode port), postie uses CHUNKING
# (BDAT: visible in -v and in Postfix's command counts) and the message
# lands intact at the next hop.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/postfix.sh"
need_postfix
start_smtpd
start_postfix --relay "$SMTP_PORT"
SMTP_PORT=$PF_PORT smarthost_config starttls
printf 'From: Ops <ops@example.com>\nTo: dest@example.net\nSubject: via postfix\n\n.leading dot\nd\xc3\xa9j\xc3\xa0 vu\nend\n' |
	run_postie -v -i -C "$CFG" dest@example.net
assert_exit 0 "STARTTLS submission to postfix"
assert_matches "$T/err" "BDAT [0-9]+ LAST"
wait_for_file "$SPOOL/1.eml" 30 || { tail -20 "$PF_LOG" >&2; fail "message did not land"; }
grep -q "ehlo=2 starttls=1 .*bdat=" "$PF_LOG" || { tail -20 "$PF_LOG" >&2; fail "postfix did not see STARTTLS + BDAT"; }
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["dest@example.net"], "recipient")
eq(meta["mail_from"], "sender@example.com", "envelope sender")
eq(str(msg["Subject"]), "via postfix", "subject")
assert raw.endswith(b"\r\n\r\n.leading dot\r\nd\xc3\xa9j\xc3\xa0 vu\r\nend\r\n"), "body %r" % raw[-60:]
assert b"postie" in raw or msg["Message-ID"], "Message-ID"
eq(len(msg.get_all("Message-ID") or []), 1, "one Message-ID")
PY

SMTP_PORT=$PF_SMTPS_PORT smarthost_config implicit
printf 'Subject: implicit via postfix\n\nbody\n' | run_postie -C "$CFG" dest2@example.net
assert_exit 0 "implicit TLS submission to postfix"
wait_for_file "$SPOOL/2.eml" 30 || { tail -20 "$PF_LOG" >&2; fail "second message did not land"; }
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["rcpt_tos"], ["dest2@example.net"], "recipient")
PY
