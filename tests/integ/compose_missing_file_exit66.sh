#!/bin/bash
# A missing or unreadable attachment: exit 66 naming the file, and nothing
# is sent (no connection at all).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
echo present > "$T/present.txt"
echo body | run_postie -C "$CFG" -s test -a "$T/present.txt" -a "$T/missing.pdf" bob@example.net
assert_exit 66
assert_contains "$T/err" "missing.pdf"
assert_no_connection
if [ "$(id -u)" != 0 ]; then
	echo secret > "$T/unreadable.txt"; chmod 000 "$T/unreadable.txt"
	echo body | run_postie -C "$CFG" -s test -a "$T/unreadable.txt" bob@example.net
	assert_exit 66
	assert_contains "$T/err" "unreadable.txt"
fi
echo body | run_postie -C "$CFG" -s test --html "$T/nohtml.html" bob@example.net
assert_exit 66
assert_contains "$T/err" "nohtml.html"
assert_no_connection
assert_received 0
