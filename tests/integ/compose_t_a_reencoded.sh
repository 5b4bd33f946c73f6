#!/bin/bash
# -t -a with a message that is already multipart/alternative (an 8-bit
# UTF-8 text part, an HTML part with a 2000-octet line) to a server without
# 8BITMIME: the message becomes the first part of a multipart/mixed and is
# re-encoded part by part on the way, so the raw message is 7-bit with
# lines of at most 998 octets, the text and the HTML decode to their
# original bytes, and the attachment arrives byte for byte.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
{ printf '%%PDF-1.4\n'; head -c 5000 /dev/urandom; } > "$T/report.pdf"
"$PYTHON3" -c '
import sys
line = "".join(chr(0x21 + i % 90) for i in range(2000))
sys.stdout.buffer.write(
    b"To: bob@example.net\nSubject: alternative with a pdf\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/alternative;\n boundary=\"alt-1\"\n\n"
    b"--alt-1\nContent-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n\n"
    + "déjà vu, naïve\nline two\n".encode() +
    b"--alt-1\nContent-Type: text/html; charset=us-ascii\n\n<p>"
    + line.encode() + b"</p>\n--alt-1--\n")' > "$T/in.eml"
run_postie -C "$CFG" -t -a "$T/report.pdf" < "$T/in.eml"
assert_exit 0
assert_received 1
T="$T" check_eml "$SPOOL/1.eml" <<'PY'
import os
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "line of %d octets sent" % len(l)
for o in meta["mail_options"]:
    assert not o.startswith("BODY=8BITMIME"), "BODY=8BITMIME without 8BITMIME"
eq(meta["rcpt_tos"], ["bob@example.net"], "recipients from To")
line = "".join(chr(0x21 + i % 90) for i in range(2000))
eq(msg.get_content_type(), "multipart/mixed", "top type")
first, att = msg.get_payload()
eq(first.get_content_type(), "multipart/alternative", "first part type")
plain, html = first.get_payload()
eq(plain.get_content_charset(), "utf-8", "charset kept")
eq(plain["Content-Transfer-Encoding"], "quoted-printable", "text CTE")
eq(plain.get_payload(decode=True).replace(b"\r\n", b"\n"),
   "déjà vu, naïve\nline two".encode(), "text bytes")
eq(html["Content-Transfer-Encoding"], "quoted-printable", "html CTE")
eq(html.get_payload(decode=True), ("<p>" + line + "</p>").encode(),
   "html bytes")
eq(att.get_filename(), "report.pdf", "file name")
eq(att.get_payload(decode=True),
   open(os.environ["T"] + "/report.pdf", "rb").read(), "attachment bytes")
PY

# The same to a server that offers 8BITMIME: the 8-bit text part is kept
# 8-bit (declared BODY=8BITMIME); only the over-long HTML line is fixed.
stop_servers
SPOOL=$T/spool-8bit
start_smtpd
smarthost_config off
run_postie -C "$CFG" -t -a "$T/report.pdf" < "$T/in.eml"
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert "BODY=8BITMIME" in meta["mail_options"], meta["mail_options"]
assert "déjà vu".encode() in raw, "8-bit text re-encoded for an 8BITMIME server"
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "line of %d octets sent" % len(l)
line = "".join(chr(0x21 + i % 90) for i in range(2000))
first, att = msg.get_payload()
plain, html = first.get_payload()
eq(plain.get_payload(decode=True).replace(b"\r\n", b"\n"),
   "déjà vu, naïve\nline two".encode(), "text bytes")
eq(html.get_payload(decode=True), ("<p>" + line + "</p>").encode(),
   "html bytes")
PY
