#!/bin/bash
# A server that stalls mid-session is remembered for the rest of a queue
# run, like an unreachable one: with two queued messages and "timeout 2",
# the run waits out one timeout (the first message), and the second
# message is deferred at once with the same reason, not after another
# 2 s.  Both stay queued with the timeout as their last error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SMTP_PORT=$(free_port)		# down: both messages are queued
CFG_TIMEOUT=2 smarthost_config off "queue on"
for n in 1 2; do
	printf 'Subject: m%s\n\nbody\n' "$n" | run_postie -C "$CFG" bob@example.net
	assert_exit 0 "submission $n"
done
start_smtpd --fault stall:30@mail
CFG_TIMEOUT=2 smarthost_config off "queue on"
start=$(date +%s%N)
run_postie -C "$CFG" -q -v </dev/null
ms=$((($(date +%s%N) - start) / 1000000))
assert_exit 0 "-q against a stalling server"
assert_received 0
# One timeout is 2000 ms; two would be 4000 ms or more.
[ "$ms" -ge 1900 ] || fail "the run took $ms ms: did it reach the stall?"
[ "$ms" -lt 3800 ] || fail "the run took $ms ms: the stall was waited out twice"
n=$(grep -c "^C b'MAIL" "$SPOOL/dialogue.log")
[ "$n" = 1 ] || fail "$n MAIL commands to the stalling server, want 1"
run_postie -C "$CFG" -bp </dev/null
assert_exit 0 "mailq"
[ "$(grep -c 'last error:.*timed out' "$T/out")" = 2 ] ||
	fail "both messages should still be queued with the timeout as reason"
exit 0
