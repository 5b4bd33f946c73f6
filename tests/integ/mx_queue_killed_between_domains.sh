#!/bin/bash
# A queue run records each destination's result as it happens (issue
# 14): a run killed (SIGKILL) while it waits on the second domain's MX,
# after the first domain accepted the message, has already written that
# the first domain's recipient has it; the next run sends only to the
# second domain.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=one.test,mx.one.test,10 --mx-host=two.test,mx.two.test,10 \
	--host-record=mx.one.test,127.0.0.2 --host-record=mx.two.test,127.0.0.3
mx_config "queue on"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }

printf 'Subject: both\n\nbody\n' | run_postie_ns -C "$CFG" d@one.test e@two.test
assert_exit 0 "submission (queued: nobody listens)"
[ "$(queued)" = 1 ] || fail "$(queued) entries queued, want 1"

# one.test's MX accepts; two.test's answers its banner only after 30 s.
start_mx 127.0.0.2 one
start_mx 127.0.0.3 two --fault stall:30@banner
in_ns "$POSTIE" -C "$CFG" -q </dev/null >"$T/out" 2>"$T/err" &
run=$!
for _ in $(seq 100); do
	[ "$(mx_received one)" = 1 ] && break
	sleep 0.1
done
[ "$(mx_received one)" = 1 ] || fail "one.test did not get the message"
sleep 1		# the run is now waiting for two.test's banner
kill -0 "$run" 2>/dev/null || fail "the run did not wait for two.test"
kill -9 "$run"
wait "$run" 2>/dev/null
grep -q $'^rcpt\tsent\t0\td@one.test\t' "$T"/queue/*.env ||
	fail "d@one.test is not recorded as sent: $(cat "$T"/queue/*.env)"

# The next run, two.test's MX answering: e@two.test only.
stalled=${SERVER_PIDS[${#SERVER_PIDS[@]}-1]}	# two.test's, started last
kill "$stalled" && wait "$stalled" 2>/dev/null
start_mx 127.0.0.3 two2
run_postie_ns -C "$CFG" -q
assert_exit 0 "the next queue run"
assert_mx_received one 1
assert_mx_received two2 1
[ "$(queued)" = 0 ] || fail "the queue is not empty"
