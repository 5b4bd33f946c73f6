#!/bin/bash
# A multipart message given in sendmail mode whose part header sections
# hold raw UTF-8, as some mailers write them (filename="résumé.pdf",
# Content-Description: café, an X- field, the Subject of an attached
# message), to a server without SMTPUTF8 and without 8BITMIME: those
# fields are made 7-bit (RFC 2231 parameters, RFC 2047 text), the raw
# message is 7-bit, and Python's email package reads the names back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
"$PYTHON3" -c '
import sys
sys.stdout.buffer.write((
    "Subject: part headers\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
    "--b\nContent-Type: text/plain; charset=utf-8\n\nsee attached\n"
    "--b\nContent-Type: application/pdf; name=\"résumé.pdf\"\n"
    "Content-Disposition: attachment; filename=\"résumé.pdf\"\n"
    "Content-Description: café\nX-Note: déjà vu\n"
    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
    "--b\nContent-Type: message/rfc822\n\n"
    "Subject: été\nFrom: x@example.org\n\ninner\n"
    "--b--\n").encode())' > "$T/in.eml"
run_postie -C "$CFG" -i bob@example.net < "$T/in.eml"
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "line of %d octets sent" % len(l)
for o in meta["mail_options"]:
    assert not o.startswith("BODY=8BITMIME"), "BODY=8BITMIME without 8BITMIME"
    assert o != "SMTPUTF8", "SMTPUTF8 the server did not offer"
text, pdf, inner = msg.get_payload()
eq(pdf.get_filename(), "résumé.pdf", "filename (policy.default)")
eq(pdf.get_param("name"), "résumé.pdf", "Content-Type name")
eq(str(pdf["Content-Description"]), "café", "Content-Description")
eq(str(pdf["X-Note"]), "déjà vu", "X-Note")
eq(pdf.get_payload(decode=True), b"%PDF-1.4\n", "attachment bytes")
eq(str(inner.get_payload(0)["Subject"]), "été", "embedded Subject")
old = email.message_from_bytes(raw)	# compat32, as older scripts use
eq(old.get_payload()[1].get_filename(), "résumé.pdf", "filename (compat32)")
PY

# With a server that offers SMTPUTF8 and a message that needs it (an 8-bit
# Subject), the transaction is SMTPUTF8: part headers go as written, even
# where the body is re-encoded part by part (no 8BITMIME: RFC 6531 servers
# should offer it, but the re-encoder must not undo SMTPUTF8 when they don't).
stop_servers
SPOOL=$T/spool-utf8
start_smtpd --smtputf8 --no-8bitmime
smarthost_config off
{ printf 'Subject: r\303\251sum\303\251\n'; sed 1d "$T/in.eml"; } > "$T/in-utf8.eml"
run_postie -C "$CFG" -i bob@example.net < "$T/in-utf8.eml"
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert "SMTPUTF8" in meta["mail_options"], meta["mail_options"]
assert 'filename="résumé.pdf"'.encode() in raw, "part header re-encoded under SMTPUTF8"
text, pdf, inner = msg.get_payload()
eq(pdf.get_filename(), "résumé.pdf", "filename")
PY
