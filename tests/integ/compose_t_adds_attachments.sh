#!/bin/bash
# -t with -a: stdin is a whole message; its body becomes the first part of
# a multipart/mixed with its Content-* fields moved into that part, and the
# recipients come from its header.  --dry-run shows it and sends nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
head -c 3000 /dev/urandom > "$T/a.bin"
msg='To: Ren\xc3\xa9e <bob@example.net>\nSubject: wrapped\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nd\xc3\xa9j\xc3\xa0 vu\n'
printf "$msg" | run_postie -C "$CFG" --dry-run -t -a "$T/a.bin"
assert_exit 0
assert_contains "$T/out" "RCPT TO:<bob@example.net>"
assert_contains "$T/out" "multipart/mixed"
assert_no_connection
printf "$msg" | run_postie -C "$CFG" -t -a "$T/a.bin"
assert_exit 0
assert_received 1
T="$T" check_eml "$SPOOL/1.eml" <<'PY'
import os
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
eq(msg.get_content_type(), "multipart/mixed", "top type")
eq(str(msg["To"]), "Renée <bob@example.net>", "To display name")
first = msg.get_payload()[0]
eq(first.get_content_type(), "text/plain", "first part type")
eq(first.get_content_charset(), "utf-8", "first part charset")
eq(first.get_content().replace("\r\n", "\n"), "déjà vu\n", "first part text")
att = list(msg.iter_attachments())
eq(len(att), 1, "attachments")
eq(part_bytes(att[0]), open(os.environ["T"] + "/a.bin", "rb").read(), "attachment bytes")
PY
