#!/bin/bash
# A NUL byte in the message is a clear error (exit 65): nothing is sent and
# nothing is queued.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf 'Subject: nul\n\nab\0cd\n' | run_postie -C "$CFG" bob@example.net
assert_exit 65
assert_matches "$T/err" "nul"
printf 'Subject: nul\0in header\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 65 "NUL in the header section"
assert_received 0
[ -z "$(find "$T/queue" -type f 2>/dev/null)" ] || fail "something was queued"
