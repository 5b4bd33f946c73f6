#!/bin/bash
# Never silent (issue 11): a queued message that a queue run sees refused
# for good gives the sender exactly one RFC 3464 notice, sent with the null
# sender in the same run; none for a null sender, an Auto-Submitted
# message or NOTIFY=NEVER; notify_limit caps notices per sender; a notice
# that bounces is kept in failed/ and never noticed; notify_command gets
# the facts in its environment.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"

# queue_one ARGS...: submit while the relay answers 451 to MAIL: queued.
queue_one() {
	SPOOL=$T/spool-down
	start_smtpd --fault mail:451
	smarthost_config off "queue on" "$@"
	run_postie -C "$CFG" "${QUEUE_ARGS[@]}" bob@example.net <"$T/msg"
	assert_exit 0 "a deferred message is queued"
	stop_servers
}

# run_queue SPOOL ARGS...: a queue run against a relay that refuses bob
# for good and takes everything else.
run_queue() {
	SPOOL=$1
	shift
	start_smtpd --fault "rcpt:550 5.1.1 no such user here:bob@example.net" "$@"
	smarthost_config off "queue on" ${EXTRA[@]+"${EXTRA[@]}"}
	run_postie -C "$CFG" -q </dev/null
	assert_exit 0 "queue run"
	stop_servers
}

printf 'From: Sender <sender@example.com>\nSubject: the report\n\nbody\n' >"$T/msg"

# 1. One refusal, one notice, parsed as RFC 3464.
EXTRA=("notify_command env > $T/cmd.env")
QUEUE_ARGS=()
queue_one
run_queue "$T/spool1"
SPOOL=$T/spool1
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["mail_from"], "<>", "a notice goes with the null sender")
eq(meta["rcpt_tos"], ["sender@example.com"], "to the envelope sender")
eq(msg.get_content_type(), "multipart/report", "type")
eq(msg.get_param("report-type"), "delivery-status", "report-type")
eq(str(msg["Auto-Submitted"]), "auto-replied", "Auto-Submitted")
has("MAILER-DAEMON@client.example.com", str(msg["From"]), "From")
parts = list(msg.iter_parts())
eq([p.get_content_type() for p in parts],
   ["text/plain", "message/delivery-status", "message/rfc822"], "parts")
human = parts[0].get_content()
has("bob@example.net", human, "the human part names the recipient")
has("550", human, "and gives the server's words")
ds = parts[1].get_payload()
eq(len(ds), 2, "per-message and one per-recipient block")
has("dns;", str(ds[0]["Reporting-MTA"]), "Reporting-MTA")
if ds[0]["Arrival-Date"] is None:
    raise AssertionError("no Arrival-Date")
r = ds[1]
eq(str(r["Final-Recipient"]).replace(" ", ""), "rfc822;bob@example.net", "Final-Recipient")
eq(str(r["Action"]), "failed", "Action")
eq(str(r["Status"]), "5.1.1", "Status: the server's enhanced code")
eq(str(r["Remote-MTA"]).replace(" ", ""), "dns;127.0.0.1", "Remote-MTA")
eq(" ".join(str(r["Diagnostic-Code"]).split()),
   "smtp; 550 5.1.1 no such user here", "Diagnostic-Code: the server's reply")
orig = parts[2].get_payload()[0]
eq(str(orig["Subject"]), "the report", "the original is attached whole")
PY
grep -q '^POSTIE_EVENT=failed$' "$T/cmd.env" || fail "notify_command: no POSTIE_EVENT=failed"
grep -q '^POSTIE_SENDER=sender@example.com$' "$T/cmd.env" || fail "notify_command: POSTIE_SENDER"
grep -q '^POSTIE_RECIPIENTS=bob@example.net$' "$T/cmd.env" || fail "notify_command: POSTIE_RECIPIENTS"
grep -q '^POSTIE_QUEUE_ID=[0-9A-F]' "$T/cmd.env" || fail "notify_command: POSTIE_QUEUE_ID"
# Exactly one: a second run sends nothing more.
run_queue "$T/spool1b"
SPOOL=$T/spool1b
assert_received 0

# 2. No notice for a null sender, Auto-Submitted, or -N never.
EXTRA=()
rm -rf "$T/queue"
QUEUE_ARGS=(-f '')
queue_one
QUEUE_ARGS=(-N never)
queue_one
printf 'Auto-Submitted: auto-generated\nSubject: cron\n\nbody\n' >"$T/msg"
QUEUE_ARGS=()
queue_one
run_queue "$T/spool2"
SPOOL=$T/spool2
assert_received 0
[ "$(ls "$T/queue/failed/"*.eml | wc -l)" = 3 ] || fail "the three refused messages are not all in failed/"

# 3. notify_limit: 2 notices per sender per hour, the third only logged.
rm -rf "$T/queue"
printf 'Subject: again\n\nbody\n' >"$T/msg"
for i in 1 2 3; do queue_one "notify_limit 2"; done
EXTRA=("notify_limit 2" "logfile $T/log")
run_queue "$T/spool3"
SPOOL=$T/spool3
assert_received 2
assert_contains "$T/log" "notify_limit reached"

# 4. A notice that bounces is kept in failed/, never noticed again.
rm -rf "$T/queue"
EXTRA=()
queue_one
run_queue "$T/spool4" --fault rcpt:550:sender@example.com
SPOOL=$T/spool4
assert_received 0
[ "$(ls "$T/queue/failed/"*.eml | wc -l)" = 2 ] || fail "the message and its notice are not both in failed/"
[ -z "$(find "$T/queue" -maxdepth 1 -name '*.env')" ] || fail "something is still queued after the notice bounced"
