#!/bin/bash
# CHUNKING offered: the message goes with BDAT (no dot-stuffing) and
# arrives byte for byte, leading dots included.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --chunking
smarthost_config off
printf 'Subject: bdat\n\n.leading dot\n..two\nend\n' | run_postie -i -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["bdat"], True, "sent with BDAT")
assert raw.endswith(b"\r\n\r\n.leading dot\r\n..two\r\nend\r\n"), "body %r" % raw[-50:]
PY
assert_matches "$SPOOL/dialogue.log" "BDAT [0-9]+ LAST"
