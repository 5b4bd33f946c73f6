#!/bin/bash
# A multipart message given in sendmail mode, with an 8-bit text part, a
# 2000-octet line in an HTML part and an 8-bit binary attachment (no NUL,
# which postie refuses, nor CR or LF), to a server without 8BITMIME: each
# part is re-encoded on its own (quoted-printable for text, base64 for the
# rest), the raw message is 7-bit with lines of at most 998 octets, and
# every part decodes to its original bytes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
"$PYTHON3" -c '
import sys
line = "".join(chr(0x21 + i % 90) for i in range(2000))
blob = bytes(range(1, 256)).replace(b"\n", b"").replace(b"\r", b"")
sys.stdout.buffer.write(
    b"Subject: multipart 8bit\nMIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
    b"preamble\n--outer\n"
    b"Content-Type: multipart/alternative; boundary=\"inner\"\n\n"
    b"--inner\nContent-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n\n"
    + "déjà vu, naïve\nline two\n".encode() +
    b"--inner\nContent-Type: text/html; charset=us-ascii\n\n<p>"
    + line.encode() + b"</p>\n--inner--\n"
    b"--outer\nContent-Type: application/octet-stream\n"
    b"Content-Transfer-Encoding: binary\n\n" + blob + b"\n--outer--\n")' > "$T/in.eml"
run_postie -C "$CFG" -i bob@example.net < "$T/in.eml"
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "line of %d octets sent" % len(l)
for o in meta["mail_options"]:
    assert not o.startswith("BODY=8BITMIME"), "BODY=8BITMIME without 8BITMIME"
line = "".join(chr(0x21 + i % 90) for i in range(2000))
blob = bytes(range(1, 256)).replace(b"\n", b"").replace(b"\r", b"")
eq(msg.get_content_type(), "multipart/mixed", "top type")
alt, att = msg.get_payload()
plain, html = alt.get_payload()
eq(plain["Content-Transfer-Encoding"], "quoted-printable", "text CTE")
eq(plain.get_payload(decode=True), "déjà vu, naïve\r\nline two".encode(), "text")
eq(plain.get_content_charset(), "utf-8", "charset kept")
eq(html["Content-Transfer-Encoding"], "quoted-printable", "html CTE")
eq(html.get_payload(decode=True), ("<p>" + line + "</p>").encode(), "html")
eq(att["Content-Transfer-Encoding"], "base64", "attachment CTE")
eq(att.get_payload(decode=True), blob, "attachment bytes")
PY
