#!/bin/bash
# Sendmail mode over plain TCP (tls off): the message arrives byte-correct
# with CRLF line ends, and Date and Message-ID are added when missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf 'From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: plain test\n\nline one\n\nline three with trailing space \n' |
	run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["bob@example.net"], "envelope recipients")
eq(meta["mail_from"], "sender@example.com", "envelope sender (config from)")
eq(meta["tls"], False, "tls")
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the message"
has(b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: plain test\r\n", raw, "headers kept in order")
assert raw.endswith(b"\r\n\r\nline one\r\n\r\nline three with trailing space \r\n"), "body changed: %r" % raw[-80:]
assert msg["Date"], "Date was not added"
import email.utils
assert email.utils.parsedate_to_datetime(str(msg["Date"])), "Date unparseable"
mid = str(msg["Message-ID"])
assert mid.startswith("<") and mid.endswith(">") and "@" in mid, "Message-ID %r" % mid
eq(len(msg.get_all("Date")), 1, "one Date")
PY
