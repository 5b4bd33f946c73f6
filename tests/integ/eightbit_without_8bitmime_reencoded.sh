#!/bin/bash
# An 8-bit body to a server that does not offer 8BITMIME is re-encoded as
# quoted-printable (no raw 8-bit octet on the wire) and decodes to the
# original text.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
printf 'Subject: 8bit\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nd\xc3\xa9j\xc3\xa0 vu, na\xc3\xafve\n' |
	run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
eq(msg["Content-Transfer-Encoding"].lower(), "quoted-printable", "CTE")
eq(msg.get_content().replace("\r\n", "\n"), "déjà vu, naïve\n", "decoded text")
for o in meta["mail_options"]:
    assert not o.startswith("BODY=8BITMIME"), "BODY=8BITMIME to a server without 8BITMIME"
PY
