#!/bin/bash
# postie -q typed at a terminal ends with its summary line (the timer's run,
# stderr not a terminal, stays silent); --queue-delete at a terminal asks
# first and keeps the entry unless told "y"; from a script it just deletes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd script
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
# on_tty INPUT CMD...: run CMD with stdin, stdout and stderr on a pty,
# typing INPUT; its output (both streams) in $T/tty.
on_tty() {
	local input=$1
	shift
	printf '%s' "$input" | timeout 30 script -qec "$(printf '%q ' "$@")" /dev/null > "$T/tty" 2>&1
}
start_smtpd --fault mail:451
smarthost_config off "queue on"
printf 'Subject: later\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
[ "$(queued)" = 1 ] || fail "$(queued) entries queued, want 1"
id=$(basename "$(ls "$T"/queue/*.env)" .env)

# Not a terminal: no summary.
run_postie -C "$CFG" -q < /dev/null
assert_exit 0
assert_not_contains "$T/err" "queue run:"
# A terminal: the summary.
on_tty "" "$POSTIE" -C "$CFG" -q
assert_contains "$T/tty" "postie: queue run: 0 sent, 1 deferred, 0 failed, 0 busy, 0 not due"

# --queue-delete at a terminal: "n" keeps the entry, "y" deletes it.
on_tty $'n\n' "$POSTIE" -C "$CFG" --queue-delete "$id"
assert_contains "$T/tty" "delete the queued message $id for good? [y/N]"
assert_contains "$T/tty" "$id kept"
[ "$(queued)" = 1 ] || fail "the entry was deleted after 'n'"
on_tty $'y\n' "$POSTIE" -C "$CFG" --queue-delete "$id"
[ "$(queued)" = 0 ] || fail "the entry was kept after 'y'"

# From a script: no question.
printf 'Subject: later\n\nbody\n' | run_postie -C "$CFG" bob@example.net
id=$(basename "$(ls "$T"/queue/*.env)" .env)
run_postie -C "$CFG" --queue-delete "$id" < /dev/null
assert_exit 0
assert_not_contains "$T/err" "[y/N]"
[ "$(queued)" = 0 ] || fail "--queue-delete from a script did not delete"
