#!/bin/bash
# An argument or header that is not an address gets "is not an address
# (expected user@domain)" (exit 65), not the parser's words, and nothing
# is sent or queued.  A local name on a host whose name has no dot takes
# the domain of the account's from (root@vm would go nowhere); an
# explicit domain still wins.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off "queue on"

for a in 'ops example.com' 'ops@@example.com' 'ops@'; do
	printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" "$a"
	assert_exit 65 "recipient '$a'"
	assert_contains "$T/err" "recipient: '$a' is not an address (expected user@domain)"
	[ "$(wc -l < "$T/err")" = 1 ] || fail "not one line: $(cat "$T/err")"
done
printf 'To: ops example.com\nSubject: x\n\nbody\n' | run_postie -C "$CFG" -t
assert_exit 65 "-t with To: ops example.com"
assert_contains "$T/err" "To header: 'ops example.com' is not an address (expected user@domain)"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" -s x --cc 'ops@@example.com' bob@example.net
assert_exit 65 "--cc ops@@example.com"
assert_contains "$T/err" "'ops@@example.com' is not an address (expected user@domain)"
assert_no_connection
[ -z "$(find "$T/queue" -type f 2>/dev/null)" ] || fail "queued: $(find "$T/queue" -type f)"

# A host name without a dot, in a UTS namespace (and no network, so the
# canonical-name look-up cannot reach anything).
command -v unshare >/dev/null && unshare -u -n true 2>/dev/null ||
	skip "the host-name part needs unshare -u -n (root)"
qualified() {
	unshare -u -n sh -c 'hostname nodothost && exec "$@"' sh \
		"$POSTIE" -C "$1" --dry-run root </dev/null >"$T/out" 2>"$T/err"
}
write_config "$T/nodomain" <<EOF2
account default
host 127.0.0.1
port $SMTP_PORT
tls off
from sender@example.com
EOF2
qualified "$T/nodomain" || fail "dry run failed: $(cat "$T/err")"
assert_contains "$T/out" "RCPT TO:<root@example.com>"
echo "domain corp.example" >> "$T/nodomain"
qualified "$T/nodomain" || fail "dry run failed: $(cat "$T/err")"
assert_contains "$T/out" "RCPT TO:<root@corp.example>"
exit 0
