#!/bin/bash
# Nothing is lost (SPEC §5): with the queue on, a 4xx leaves the message in
# the queue, postie exits 0 with a notice; mailq (-bp) lists it; once the
# server is healthy, postie -q delivers it and the queue is empty.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
queued() { find "$T/queue" -type f ! -path '*/failed/*' 2>/dev/null | wc -l; }
start_smtpd --fault mail:451
smarthost_config off
sed -i 's/^queue off$/queue on/' "$CFG"
printf 'Subject: queued\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "temporary failure with the queue on"
[ -s "$T/err" ] || fail "no notice on stderr about the queued message"
[ "$(queued)" -gt 0 ] || fail "nothing written under queue_dir"
assert_received 0
run_postie -C "$CFG" -bp
assert_exit 0 "mailq"
assert_contains "$T/out" "bob@example.net"
stop_servers

SPOOL=$T/spool-healthy
start_smtpd
smarthost_config off
sed -i 's/^queue off$/queue on/' "$CFG"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["bob@example.net"], "the queued recipient")
eq(str(msg["Subject"]), "queued", "subject")
PY
[ "$(queued)" = 0 ] || fail "the queue is not empty after delivery"
