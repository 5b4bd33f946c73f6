#!/bin/bash
# A queue that monitoring can read (issue 11): mailq --json prints one
# valid JSON object per message (Postfix's postqueue -j shape), nothing
# for an empty queue, covering another account's queue directory and
# failed/; metrics_file is a Prometheus text file that promtool accepts,
# rewritten after each submission and queue run, its counters kept.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd promtool

# config: two accounts with their own queue directories, one metrics file.
config() {
	CFG=$T/postierc
	write_config "$CFG" <<EOF
defaults
host 127.0.0.1
port $SMTP_PORT
tls off
domain client.example.com
queue on
timeout 10
metrics_file $T/postie.prom

account first
from first@example.com
queue_dir $T/q1

account second
from second@example.com
queue_dir $T/q2

account default : first
EOF
}

check_metrics() {
	promtool check metrics <"$T/postie.prom" >"$T/promtool.out" 2>&1 ||
		{ cat "$T/promtool.out" >&2; fail "promtool refuses the metrics file"; }
	local l
	for l; do
		grep -qxF -- "$l" "$T/postie.prom" ||
			{ cat "$T/postie.prom" >&2; fail "metrics file lacks: $l"; }
	done
}

# 1. Empty: no JSON lines; a queue run writes a valid metrics file.
SPOOL=$T/spool0
start_smtpd
config
run_postie -C "$CFG" -bp --json
assert_exit 0 "mailq --json on an empty queue"
[ ! -s "$T/out" ] || fail "mailq --json printed something for an empty queue"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
check_metrics 'postie_queue_messages{state="deferred"} 0' \
	'postie_queue_last_run_success 1'
grep -q '^postie_queue_last_run_timestamp_seconds [1-9]' "$T/postie.prom" ||
	fail "no time for the last queue run"
stop_servers

# 2. Relay down: one message queued under each account; one will be refused.
SPOOL=$T/spool1
start_smtpd --fault mail:451
config
printf 'Subject: one\n\nbody\n' | run_postie -C "$CFG" ok@example.net
assert_exit 0 "queued under the default account"
printf 'Subject: two\n\nbody\n' | run_postie -C "$CFG" --account second bad@example.net
assert_exit 0 "queued under the second account"
check_metrics 'postie_queue_messages{state="deferred"} 2' \
	'postie_messages_deferred_total 2'
run_postie -C "$CFG" -bp --json
assert_exit 0 "mailq --json"
"$PYTHON3" - "$T/out" "$T" <<'PY' || fail "mailq --json is not what it should be"
import json, sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").splitlines()
assert len(lines) == 2, lines
objs = sorted((json.loads(l) for l in lines), key=lambda o: o["sender"])
keys = {"queue_name", "queue_id", "queue_dir", "arrival_time", "message_size",
        "sender", "account", "attempts", "next_attempt", "recipients"}
for o in objs:
    assert set(o) == keys, sorted(o)
    assert o["queue_name"] == "deferred", o
    assert o["message_size"] > 0 and o["arrival_time"] > 0, o
    assert "451" in o["recipients"][0]["delay_reason"], o
a, b = objs
assert a["sender"] == "first@example.com" and a["account"] == "default", a
assert a["queue_dir"] == sys.argv[2] + "/q1", a
assert a["recipients"][0]["address"] == "ok@example.net", a
assert b["account"] == "second" and b["queue_dir"] == sys.argv[2] + "/q2", b
PY
stop_servers

# 3. The relay is back but refuses bad@: one sent, one failed, and the
# failure notice to second@ sent in the same run (it counts as sent).
SPOOL=$T/spool2
start_smtpd --fault rcpt:550:bad@example.net
config
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
assert_received 2
check_metrics 'postie_queue_messages{state="deferred"} 0' \
	'postie_queue_messages{state="failed"} 1' \
	'postie_messages_sent_total 2' 'postie_messages_failed_total 1' \
	'postie_notices_sent_total 1' \
	'postie_messages_deferred_total 2' 'postie_queue_oldest_message_age_seconds 0'
run_postie -C "$CFG" -bp --json
"$PYTHON3" - "$T/out" <<'PY' || fail "mailq --json does not list the failed message"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [o["queue_name"] for o in objs] == ["failed"], objs
assert objs[0]["recipients"][0]["address"] == "bad@example.net", objs
assert "550" in objs[0]["recipients"][0]["delay_reason"], objs
PY

# 4. --json without -bp is a usage error.
run_postie -C "$CFG" --json ok@example.net </dev/null
assert_exit 64 "--json without -bp"
assert_contains "$T/err" "--json"
