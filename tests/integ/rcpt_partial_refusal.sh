#!/bin/bash
# One recipient refused with 550, one accepted: the accepted one gets the
# message, the exit code is 0 (a non-zero exit makes PHP and mail clients
# send everyone the message again), stderr names the refused one, the
# message is kept for the refused one in queue_dir/failed, mailq says
# where, and the sender gets one failure notice at once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --fault rcpt:550:bad@example.net
smarthost_config off
printf 'Subject: partial\n\nbody\n' | run_postie -C "$CFG" good@example.net bad@example.net
assert_exit 0
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["good@example.net"], "accepted recipient")
PY
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["rcpt_tos"], ["sender@example.com"], "the notice goes to the sender")
eq(msg.get_content_type(), "multipart/report", "a delivery status notification")
ds = list(msg.iter_parts())[1].get_payload()
eq(str(ds[1]["Final-Recipient"]).replace(" ", ""), "rfc822;bad@example.net", "it reports bad@")
PY
assert_contains "$T/err" "bad@example.net"
assert_not_contains "$T/err" "good@example.net: "
# The refused copy is kept as a queue run keeps one: failed/ID.eml (the
# message, no mbox "From " line) beside failed/ID.env (the reasons).
eml=$(ls "$T"/queue/failed/*.eml 2>/dev/null | head -n 1)
[ -n "$eml" ] || fail "the refused recipient's copy was not saved in queue_dir/failed"
assert_contains "$T/err" "kept in $eml"
head -n 1 "$eml" | grep -q '^From ' && fail "the failed copy starts with an mbox From line"
grep -q '^Subject: partial' "$eml" || fail "the failed copy lacks the message"
env=${eml%.eml}.env
[ -f "$env" ] || fail "no $env beside the saved message"
grep -qP '^rcpt\tfailed\t67\tbad@example.net\t.*550' "$env" ||
	fail "failed/ID.env does not record bad@example.net's refusal: $(cat "$env")"
grep -qP '^rcpt\tsent\t0\tgood@example.net\t' "$env" ||
	fail "failed/ID.env does not record good@example.net as sent"
# mailq says where failed messages are kept.
run_postie -C "$CFG" -bp </dev/null
assert_exit 0 "mailq"
assert_contains "$T/out" "1 failed message in $T/queue/failed"
