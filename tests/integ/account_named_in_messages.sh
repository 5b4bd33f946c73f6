#!/bin/bash
# Which configuration is in use is said where a newcomer looks: -bv and
# --dry-run start with "account NAME (FILE)", and a delivery failure
# (refused, or queued to retry) ends with "; account NAME (FILE)".
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
closed=$(free_port)
CFG=$T/postierc
write_config "$CFG" <<EOF2
account work
host 127.0.0.1
port $closed
tls off
from jane@example.com
queue off
queue_dir $T/queue
EOF2

run_postie -C "$CFG" --account work -bv bob@example.net </dev/null
assert_exit 0 "-bv"
[ "$(head -n 1 "$T/out")" = "account work ($CFG):" ] || fail "-bv starts with: $(head -n 1 "$T/out")"

echo body | run_postie -C "$CFG" --account work --dry-run bob@example.net
assert_exit 0 "--dry-run"
[ "$(head -n 1 "$T/out")" = "account work ($CFG), nothing sent" ] ||
	fail "--dry-run starts with: $(head -n 1 "$T/out")"
assert_contains "$T/out" "MAIL FROM:<jane@example.com>"

# Nothing listens on the port: refused (queue off, 75), then queued.
echo body | run_postie -C "$CFG" --account work bob@example.net
assert_exit 75 "connection refused, queue off"
assert_matches "$T/err" "^postie: bob@example.net: .*refused; account work \($CFG\)$"
echo "queue on" >> "$CFG"
echo body | run_postie -C "$CFG" --account work bob@example.net
assert_exit 0 "connection refused, queued"
assert_matches "$T/err" "^postie: queued as [0-9A-F]+, will retry: .*refused; account work \($CFG\)$"
# The queue keeps the server's own words (mailq names no account twice).
run_postie -C "$CFG" --account work -bp </dev/null
assert_exit 0 "mailq"
assert_not_contains "$T/out" "; account work"

# No file: the built-in default says so (--dry-run: no DNS look-up).
echo body | run_postie -C /dev/null --dry-run bob@example.net
[ "$(head -n 1 "$T/out")" = "account default (built in), nothing sent" ] ||
	fail "-C /dev/null --dry-run starts with: $(head -n 1 "$T/out")"
exit 0
