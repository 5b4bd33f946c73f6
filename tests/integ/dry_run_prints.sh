#!/bin/bash
# --dry-run writes the final envelope and message to stdout and sends
# nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf 'Subject: dry\nBcc: hidden@example.com\n\nbody text\n' | run_postie -C "$CFG" --dry-run -t bob@example.net
assert_exit 0
assert_contains "$T/out" "bob@example.net"
assert_contains "$T/out" "hidden@example.com"
assert_contains "$T/out" "Subject: dry"
assert_contains "$T/out" "body text"
assert_not_contains "$T/out" "Bcc:"
assert_no_connection
assert_received 0
