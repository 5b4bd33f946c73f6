#!/bin/bash
# The server sends plaintext right behind its STARTTLS 220 (the
# CVE-2011-0411 injection class): postie must not take it as a reply and
# must not send the message.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --fault early-data-after-starttls
smarthost_config starttls
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit_nonzero "plaintext after STARTTLS 220"
assert_exit_in "75 76 77"
assert_received 0
assert_not_contains "$SPOOL/dialogue.log" "MAIL FROM"
