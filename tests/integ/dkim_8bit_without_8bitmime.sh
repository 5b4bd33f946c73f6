#!/bin/bash
# The signature covers the bytes the server receives, not the bytes postie
# read: to a server without 8BITMIME (or SMTPUTF8) an 8-bit body goes out
# quoted-printable, an 8-bit part of a multipart message re-encoded, a
# non-ASCII subject and display name as RFC 2047 encoded words, and
# dkimpy verifies both signatures on that received form.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/dkim.sh"
need_dkimpy
start_smtpd --no-8bitmime
dkim_keys example.com
smarthost_config off "${DKIM_LINES[@]}"

printf 'From: Jos\xc3\xa9 <joe@example.com>\nSubject: d\xc3\xa9j\xc3\xa0 vu\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nd\xc3\xa9j\xc3\xa0 vu, na\xc3\xafve   \n' |
	run_postie -C "$CFG" bob@example.net
assert_exit 0 "8-bit single part"
printf 'From: joe@example.com\nSubject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nna\xc3\xafve\n--b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n--b1--\n' |
	run_postie -C "$CFG" bob@example.net
assert_exit 0 "8-bit multipart"
assert_received 2
for n in 1 2; do
	assert_dkim_pass "$SPOOL/$n.eml"
done
check_eml "$SPOOL/1.eml" <<'PY'
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
eq(msg["Content-Transfer-Encoding"].lower(), "quoted-printable", "CTE")
eq(str(msg["Subject"]), "déjà vu", "subject decodes")
has(b"=?", raw.split(b"\r\n\r\n", 1)[0], "encoded words in the header")
PY
check_eml "$SPOOL/2.eml" <<'PY'
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
text = [p for p in msg.walk() if p.get_content_type() == "text/plain"][0]
eq(text["Content-Transfer-Encoding"].lower(), "quoted-printable", "part CTE")
PY
exit 0
