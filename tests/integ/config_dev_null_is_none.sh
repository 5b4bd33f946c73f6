#!/bin/bash
# -C /dev/null means "no configuration": the built-in default (direct MX
# delivery, sender user@host), and none of the user's files is read, not
# "/dev/null: not a regular file".
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
mkdir -p "$XDG_CONFIG_HOME/postie"
write_config "$XDG_CONFIG_HOME/postie/config" <<'EOF2'
account default
host 127.0.0.1
port 9
from users-file@example.org
EOF2
run_postie -C /dev/null --dry-run ops@example.net </dev/null
assert_exit 0 "-C /dev/null --dry-run"
assert_contains "$T/out" "RCPT TO:<ops@example.net>"
assert_not_contains "$T/out" "users-file@example.org"
assert_not_contains "$T/err" "not a regular file"
# Without -C the user's file is the one used (the test is not vacuous).
run_postie --dry-run ops@example.net </dev/null
assert_exit 0 "--dry-run with the user's file"
assert_contains "$T/out" "MAIL FROM:<users-file@example.org>"
exit 0
