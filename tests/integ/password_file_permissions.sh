#!/bin/bash
# A configuration file holding a password must not be readable by group or
# others: exit 78 naming who can read it (its group, others, or both), the
# mode and the chmod that fixes it, and no connection; with mode 0600 it is
# used.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --auth "jane:pw-123" --auth-without-tls
smarthost_config off "auth plain" "user jane" "password pw-123"
chmod 644 "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "mode 0644"
assert_contains "$T/err" "$CFG: contains a password but is readable by its group and others (mode 644); chmod 600 $CFG"
chmod 640 "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "mode 0640"
assert_contains "$T/err" "$CFG: contains a password but is readable by its group (mode 640); chmod 600 $CFG"
chmod 604 "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "mode 0604"
assert_contains "$T/err" "readable by others (mode 604)"
assert_no_connection
chmod 600 "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "mode 0600 (tls off explicitly: plaintext AUTH allowed)"
assert_received 1
