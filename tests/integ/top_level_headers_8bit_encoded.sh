#!/bin/bash
# Issue 8 point 2: a message whose top-level header section holds raw
# UTF-8 (Subject, a display name, Content-Type name= and
# Content-Disposition filename= of an application/octet-stream body) to a
# server with neither 8BITMIME nor SMTPUTF8: every header byte is below
# 0x80, Python's email package decodes each field back to the text as
# written, the same fields inside a part come out in the same form, and
# the same body type gets the same transfer encoding (base64) at the top
# level and in the part.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
fields='Content-Type: application/octet-stream; name="café.bin"
Content-Disposition: attachment; filename="café.bin"
Content-Transfer-Encoding: 8bit'
{
	printf 'From: Zoë Ærø <zoe@example.org>\nTo: "Åsa, B." <bob@example.net>\n'
	printf 'Subject: déjà vu\nMIME-Version: 1.0\n%s\n\n' "$fields"
	printf '\377\376caf\303\251\n'
} > "$T/top.eml"
{
	printf 'From: Zoë Ærø <zoe@example.org>\nTo: "Åsa, B." <bob@example.net>\n'
	printf 'Subject: déjà vu\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n%s\n\n' "$fields"
	printf '\377\376caf\303\251\n--b--\n'
} > "$T/part.eml"
run_postie -C "$CFG" -i bob@example.net < "$T/top.eml"
assert_exit 0
run_postie -C "$CFG" -i bob@example.net < "$T/part.eml"
assert_exit 0
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
head = raw.split(b"\r\n\r\n", 1)[0]
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
for o in meta["mail_options"]:
    assert not o.startswith("BODY=8BITMIME"), "BODY=8BITMIME without 8BITMIME"
eq(str(msg["Subject"]), "déjà vu", "Subject")
eq(msg["From"].addresses[0].display_name, "Zoë Ærø", "From display name")
eq(msg["To"].addresses[0].display_name, "Åsa, B.", "To display name")
eq(msg["To"].addresses[0].addr_spec, "bob@example.net", "To addr-spec")
eq(msg.get_param("name"), "café.bin", "Content-Type name")
eq(msg.get_filename(), "café.bin", "Content-Disposition filename")
eq(msg["Content-Transfer-Encoding"], "base64", "top-level encoding")
# base64 of the content with CRLF line ends, as in a part (reencode.h)
eq(msg.get_payload(decode=True), b"\xff\xfecaf\xc3\xa9\r\n", "body bytes")
PY
check_eml "$SPOOL/2.eml" <<'PY'
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
eq(str(msg["Subject"]), "déjà vu", "Subject")
part = msg.get_payload()[0]
eq(part.get_param("name"), "café.bin", "part Content-Type name")
eq(part.get_filename(), "café.bin", "part filename")
eq(part["Content-Transfer-Encoding"], "base64", "part encoding")
# the last line end belongs to the boundary (RFC 2046 §5.1.1)
eq(part.get_payload(decode=True), b"\xff\xfecaf\xc3\xa9", "part bytes")
PY
# The same field is written alike at the top level and in the part.
"$PYTHON3" - "$SPOOL/1.eml" "$SPOOL/2.eml" <<'PY' || fail "fields differ"
import re, sys
def fields(b):
    """Field name -> raw text (folds kept) of one header section."""
    out = {}
    for f in re.split(rb"\r\n(?![ \t])", b):
        name = f.split(b":", 1)[0].lower()
        out.setdefault(name, f)
    return out
top = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[0]
raw = open(sys.argv[2], "rb").read()
part = raw.split(b"--b\r\n", 1)[1].split(b"\r\n\r\n", 1)[0]
t, p = fields(top), fields(part)
for name in (b"content-type", b"content-disposition",
             b"content-transfer-encoding"):
    if t.get(name) != p.get(name):
        sys.exit("%s: top %r, part %r" % (name, t.get(name), p.get(name)))
PY
