#!/bin/bash
# Compose mode: -s with a non-ASCII subject, a binary attachment and a text
# attachment with a non-ASCII file name; the server's copy parses with
# Python's email package and the attachments are byte-identical.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
head -c 70000 /dev/urandom > "$T/data.bin"
name=$(printf 'r\xc3\xa9sum\xc3\xa9.csv')
printf 'caf\xc3\xa9;1\nth\xc3\xa9;2\n' > "$T/$name"
printf 'Hello,\nsee attached.\n' |
	run_postie -C "$CFG" -s "Report $(printf 'caf\xc3\xa9')" -a "$T/data.bin" -a "$T/$name" ops@example.net
assert_exit 0
assert_received 1
T="$T" check_eml "$SPOOL/1.eml" <<'PY'
import os
T = os.environ["T"]
eq(str(msg["Subject"]), "Report café", "subject")
assert msg.is_multipart(), "not multipart"
parts = list(msg.iter_attachments())
eq(len(parts), 2, "attachments")
byname = {p.get_filename(): p for p in parts}
eq(sorted(byname), sorted(["data.bin", "résumé.csv"]), "file names")
eq(byname["data.bin"].get_payload(decode=True), open(T + "/data.bin", "rb").read(), "binary attachment bytes")
eq(byname["résumé.csv"].get_payload(decode=True), open(T + "/résumé.csv", "rb").read(), "text attachment bytes")
body = msg.get_body(("plain",))
has("see attached.", body.get_content(), "body text")
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "long line"
PY
