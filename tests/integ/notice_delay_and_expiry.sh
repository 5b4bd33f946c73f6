#!/bin/bash
# Delay and expiry notices (issue 11): with notify_delay, a message still
# waiting after that long gives the sender one "Action: delayed" notice,
# never a second; when queue_lifetime runs out the message moves to failed/
# and the sender gets "Action: failed" with status 4.4.7.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"

cfg_lines=("queue on" "notify_delay 1s" "queue_lifetime 1h")

# queue_run SPOOL: a run against a relay that keeps deferring bob@.
queue_run() {
	SPOOL=$1
	start_smtpd --fault "rcpt:451 4.2.1 mailbox busy:bob@example.net"
	smarthost_config off "${cfg_lines[@]}"
	run_postie -C "$CFG" -q </dev/null
	assert_exit 0 "queue run"
	stop_servers
}

SPOOL=$T/spool0
start_smtpd --fault "rcpt:451 4.2.1 mailbox busy:bob@example.net"
smarthost_config off "${cfg_lines[@]}"
printf 'Subject: slow\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "deferred and queued"
stop_servers

sleep 1.2
queue_run "$T/spool1"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["sender@example.com"], "to the sender")
eq(str(msg["Subject"]), "Delayed Mail (still being retried)", "subject")
ds = list(msg.iter_parts())[1].get_payload()
eq(str(ds[1]["Action"]), "delayed", "Action")
eq(str(ds[1]["Status"]), "4.2.1", "Status: the server's enhanced code")
eq(" ".join(str(ds[1]["Diagnostic-Code"]).split()),
   "smtp; 451 4.2.1 mailbox busy", "Diagnostic-Code: the server's reply")
eq(str(ds[1]["Remote-MTA"]).replace(" ", ""), "dns;127.0.0.1", "Remote-MTA")
if ds[1]["Will-Retry-Until"] is None:
    raise AssertionError("no Will-Retry-Until")
PY

queue_run "$T/spool2"
assert_received 0

# Expiry: the lifetime is read at each run; make it shorter than the wait.
cfg_lines=("queue on" "notify_delay 1s" "queue_lifetime 1s")
queue_run "$T/spool3"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(str(msg["Subject"]), "Undelivered Mail Returned to Sender", "subject")
ds = list(msg.iter_parts())[1].get_payload()
eq(str(ds[1]["Action"]), "failed", "Action")
eq(str(ds[1]["Status"]), "4.4.7", "Status of an expired message")
eq(" ".join(str(ds[1]["Diagnostic-Code"]).split()),
   "smtp; 451 4.2.1 mailbox busy", "the last reply is the diagnostic")
PY
[ -f "$(ls "$T/queue/failed/"*.eml | head -1)" ] || fail "the expired message is not in failed/"
