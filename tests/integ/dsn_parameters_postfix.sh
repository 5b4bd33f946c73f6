#!/bin/bash
# DSN through a real MTA: `-N success,failure -R hdrs -V envid123` puts
# RET=HDRS ENVID=envid123 on MAIL and NOTIFY=SUCCESS,FAILURE on RCPT (as -v
# shows); the private Postfix (which offers DSN) accepts them, the message
# lands at the next hop, and because NOTIFY=SUCCESS was asked for and the
# next hop has no DSN, Postfix sends the sender a "relayed" notice carrying
# the envelope id and the original headers only (RET=HDRS).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/postfix.sh"
need_postfix
start_smtpd
start_postfix --relay "$SMTP_PORT"
SMTP_PORT=$PF_PORT smarthost_config starttls
printf 'From: sender@example.com\nTo: dest@example.net\nSubject: dsn please\n\nbody-marker-dsn-42\n' |
	run_postie -v -N success,failure -R hdrs -V envid123 -C "$CFG" dest@example.net
assert_exit 0 "submission with DSN parameters"
assert_matches "$T/err" "^-> MAIL FROM:<sender@example.com>.* RET=HDRS"
assert_matches "$T/err" "^-> MAIL FROM:<sender@example.com>.* ENVID=envid123"
assert_matches "$T/err" "^-> RCPT TO:<dest@example.net>.* NOTIFY=SUCCESS,FAILURE"
assert_matches "$T/err" "^<- 250 .*Ok"
wait_for_file "$SPOOL/1.eml" 30 || { tail -20 "$PF_LOG" >&2; fail "message did not land"; }
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["dest@example.net"], "recipient")
eq(str(msg["Subject"]), "dsn please", "subject")
PY
# The success notice: Postfix relays it to sender@example.com through the
# same next hop.
wait_for_file "$SPOOL/2.eml" 30 || { tail -20 "$PF_LOG" >&2; fail "no DSN success notice arrived"; }
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["rcpt_tos"], ["sender@example.com"], "notice goes to the envelope sender")
assert meta["mail_from"] in ("", "<>"), "notice has the null sender: %r" % meta["mail_from"]
eq(msg.get_content_type(), "multipart/report", "a delivery status notification")
has(b"Original-Envelope-Id: envid123", raw, "ENVID carried into the notice")
has(b"Action: relayed", raw, "NOTIFY=SUCCESS honoured")
has(b"Subject: dsn please", raw, "original headers returned")
assert b"body-marker-dsn-42" not in raw, "RET=HDRS: the body must not be returned"
PY
exit 0
