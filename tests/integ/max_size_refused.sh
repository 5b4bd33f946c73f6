#!/bin/bash
# max_size: a message larger on the wire than the account allows is refused
# before any connection (exit 65, one line naming both sizes), nothing is
# sent and nothing is kept; a message within the limit goes through.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off "max_size 1k"
{
	printf 'Subject: big\n\n'
	for i in $(seq 1 40); do
		printf 'line %02d of a body that is longer than max_size\n' "$i"
	done
} > "$T/big.txt"
run_postie -C "$CFG" bob@example.net < "$T/big.txt"
assert_exit 65
assert_matches "$T/err" "^postie: message is [0-9.]+ KiB; max_size of account default \(.*postierc\) allows at most 1 KiB$"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "more than one line on stderr"
assert_no_connection
assert_received 0
[ -z "$(find "$T/queue" "$HOME" -type f -name '*.eml' -o -name dead.letter 2>/dev/null)" ] ||
	fail "the refused message was kept somewhere"

# The same account takes a message within the limit.
printf 'Subject: small\n\nshort body\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1

# max_size 0 (and "off") means no limit.
smarthost_config off "max_size 0"
run_postie -C "$CFG" bob@example.net < "$T/big.txt"
assert_exit 0
assert_received 2
