#!/bin/bash
# Without -i a line holding a single "." ends the message (Postfix sendmail).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf 'Subject: dot\n\nbefore\n.\nafter\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
assert raw.endswith(b"\r\n\r\nbefore\r\n"), "message did not end at the dot: %r" % raw[-60:]
assert b"after" not in raw
PY
