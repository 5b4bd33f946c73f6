#!/bin/bash
# Header injection through -s, --from or a file name is impossible: CR/LF
# in -s or --from is refused (exit 65) before any connection; in a file
# name it is encoded, never a header line of its own.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
echo body | run_postie -C "$CFG" -s "$(printf 'hi\nBcc: victim@example.org')" bob@example.net
assert_exit 65
assert_no_connection
echo body | run_postie -C "$CFG" -s ok --from "$(printf 'me@example.com\r\nBcc: victim@example.org')" bob@example.net
assert_exit 65
assert_no_connection
echo data > "$T/f.txt"
echo body | run_postie -C "$CFG" -s ok -a "$T/f.txt;name=$(printf 'x\r\nX-Evil: 1\n.txt')" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert b"\nX-Evil" not in raw, "injected header line"
eq(msg["X-Evil"], None, "X-Evil header")
eq(len(meta.get("rcpt_tos", meta.get("rcpts", ["bob@example.net"]))), 1, "recipients")
PY
