#!/bin/bash
# One recipient refused with 550, one accepted: the accepted one gets the
# message, the exit code is 67, stderr names the refused one, and the
# message is kept for the refused one (queue_dir/failed or dead.letter).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --fault rcpt:550:bad@example.net
smarthost_config off
printf 'Subject: partial\n\nbody\n' | run_postie -C "$CFG" good@example.net bad@example.net
assert_exit 67
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["good@example.net"], "accepted recipient")
PY
assert_contains "$T/err" "bad@example.net"
assert_not_contains "$T/err" "good@example.net: "
[ -n "$(ls "$T/queue/failed/" 2>/dev/null)" ] || [ -s "$HOME/dead.letter" ] ||
	fail "the refused recipient's copy was not saved (queue_dir/failed or ~/dead.letter)"
