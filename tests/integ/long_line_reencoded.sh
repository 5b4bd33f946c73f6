#!/bin/bash
# A 2000-octet line in a message postie did not compose is never sent raw
# (the server refuses lines over 1000) nor truncated: the body is
# re-encoded as quoted-printable and decodes to the original.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
"$PYTHON3" -c '
import sys
line = "".join(chr(0x21 + i % 90) for i in range(2000))
sys.stdout.write("Subject: long line\n\nshort\n" + line + "\nend\n")' > "$T/in.txt"
run_postie -C "$CFG" bob@example.net < "$T/in.txt"
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "line of %d octets sent" % len(l)
eq(msg["Content-Transfer-Encoding"].lower(), "quoted-printable", "CTE")
line = "".join(chr(0x21 + i % 90) for i in range(2000))
eq(msg.get_payload(decode=True).replace(b"\r\n", b"\n"), ("short\n" + line + "\nend\n").encode(), "decoded body")
PY
