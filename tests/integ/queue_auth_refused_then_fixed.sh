#!/bin/bash
# Spec §5: refused credentials (535) are a failure a fixed configuration
# cures, so with the queue on the message is queued (exit 0, a notice),
# a queue run with the same wrong password keeps it queued, mailq shows
# the server's refusal as the reason, and once the password is fixed a
# queue run delivers it (authenticated) and empties the queue.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
start_smtpd --starttls --auth "jane:s3cret-Pa55"
smarthost_config starttls "queue on" "auth plain" "user jane" "password wrong"
printf 'Subject: auth later\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "535 with the queue on is queued"
assert_contains "$T/err" "queued as"
assert_contains "$T/err" "535"
[ "$(queued)" = 1 ] || fail "$(queued) entries queued, want 1"

run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run with the wrong password"
assert_received 0
[ "$(queued)" = 1 ] || fail "the entry left the queue on a refused AUTH"
run_postie -C "$CFG" -bp </dev/null
assert_exit 0 "mailq"
assert_contains "$T/out" "bob@example.net"
assert_matches "$T/out" "last error:.*535"
assert_not_contains "$T/out" "s3cret-Pa55"
[ -z "$(ls "$T/queue/failed" 2>/dev/null)" ] ||
	fail "a refused AUTH is not a permanent failure: failed/ is not empty"

# The configuration is fixed: the next run delivers it.
smarthost_config starttls "queue on" "auth plain" "user jane" "password s3cret-Pa55"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run with the right password"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["auth"], "jane", "authenticated user")
eq(str(msg["Subject"]), "auth later", "the queued message")
PY
[ "$(queued)" = 0 ] || fail "queue not empty after delivery"
run_postie -C "$CFG" -bp </dev/null
assert_contains "$T/out" "Mail queue is empty"
exit 0
