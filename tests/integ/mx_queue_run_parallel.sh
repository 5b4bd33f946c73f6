#!/bin/bash
# A queue run delivers to several domains at once (mx_parallel), each
# domain's messages still over one session: six queued messages, two for
# each of three domains whose MX hosts make postie wait 1 s before the
# banner, go in about 1 s (mx_parallel 1: the sum, 3 s), one EHLO per
# server.  Then one domain refuses, one defers, one accepts, and a message
# for two of them ties those into one worker: the run's summary, mailq and
# failed/ are the same as with mx_parallel 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns \
	--mx-host=q1.test,mx.q1.test,10 --host-record=mx.q1.test,127.0.0.11 \
	--mx-host=q2.test,mx.q2.test,10 --host-record=mx.q2.test,127.0.0.12 \
	--mx-host=q3.test,mx.q3.test,10 --host-record=mx.q3.test,127.0.0.13 \
	--mx-host=refuse.test,mx.refuse.test,10 --host-record=mx.refuse.test,127.0.0.21 \
	--mx-host=defer.test,mx.defer.test,10 --host-record=mx.defer.test,127.0.0.22 \
	--mx-host=ok.test,mx.ok.test,10 --host-record=mx.ok.test,127.0.0.23
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
submit() {	# SUBJECT RCPT...
	local subj=$1
	shift
	printf 'Subject: %s\n\nbody\n' "$subj" | run_postie_ns -C "$CFG" "$@"
	assert_exit 0 "submission '$subj' (queued: no server yet)"
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# Nobody listens yet: all six are queued.
mx_config "queue on" "notify_failure off"
for d in q1 q2 q3; do
	submit "$d-a" "a@$d.test"
	submit "$d-b" "b@$d.test"
done
[ "$(queued)" = 6 ] || fail "$(queued) entries queued, want 6"
cp -a "$T/queue" "$T/queue.six"
# --due: none is due yet; each is counted once.
run_postie_ns -C "$CFG" -q --due -v
assert_exit 0 "queue run --due"
assert_contains "$T/err" "0 sent, 0 deferred, 0 failed, 0 busy, 6 not due"

for i in 1 2 3; do
	start_mx 127.0.0.1$i q$i --fault stall:1@banner
done
t0=$(ms)
run_postie_ns -C "$CFG" -q
par_ms=$(($(ms) - t0))
assert_exit 0 "queue run, mx_parallel 20"
[ "$(queued)" = 0 ] || fail "$(queued) entries left after the run"
for i in 1 2 3; do
	assert_mx_received q$i 2
	n=$(grep -c "^C b'EHLO" "$T/q$i/dialogue.log")
	[ "$n" = 1 ] || fail "q$i.test's two messages took $n sessions, want one"
done

# The same six, mx_parallel 1: one domain after another.
rm -rf "$T/queue" && cp -a "$T/queue.six" "$T/queue"
mx_config "queue on" "notify_failure off" "mx_parallel 1"
t0=$(ms)
run_postie_ns -C "$CFG" -q
seq_ms=$(($(ms) - t0))
assert_exit 0 "queue run, mx_parallel 1"
echo "six messages, three 1 s domains: ${seq_ms} ms with mx_parallel 1, ${par_ms} ms with 20"
[ "$seq_ms" -ge 3000 ] || fail "mx_parallel 1 took ${seq_ms} ms: not one domain after another"
[ "$par_ms" -lt 2500 ] || fail "the queue run took ${par_ms} ms for three 1 s domains, want about 1 s"

# Refused, deferred, accepted, and one message for two domains.
rm -rf "$T/queue"
mx_config "queue on" "notify_failure off"
submit r1 x@refuse.test
submit d1 y@defer.test
submit o1 z@ok.test
submit o2 w@ok.test
submit both v@ok.test u@defer.test
cp -a "$T/queue" "$T/queue.mixed"
start_mx 127.0.0.21 refuse --fault rcpt:550
start_mx 127.0.0.22 defer --fault rcpt:451
start_mx 127.0.0.23 ok
outcome() {	# N [CONFIG LINE]
	rm -rf "$T/queue" && cp -a "$T/queue.mixed" "$T/queue"
	mx_config "queue on" "notify_failure off" ${2:+"$2"}
	run_postie_ns -C "$CFG" -q -v
	grep '^postie: queue' "$T/err" > "$T/summary.$1"
	RC_Q[$1]=$RC
	run_postie_ns -C "$CFG" -bp
	sed -E 's/^([0-9A-F]+) .*/\1/; s/(next try in ).*/\1.../' "$T/out" > "$T/mailq.$1"
	ls "$T/queue/failed" > "$T/failed.$1"
}
declare -A RC_Q
outcome seq "mx_parallel 1"
outcome par
[ "${RC_Q[par]}" = "${RC_Q[seq]}" ] || fail "queue run exit ${RC_Q[par]}, ${RC_Q[seq]} with mx_parallel 1"
grep -q '2 sent, 2 deferred, 1 failed' "$T/summary.seq" ||
	fail "mx_parallel 1 summary: $(cat "$T/summary.seq")"
diff "$T/summary.seq" "$T/summary.par" >&2 || fail "the run's summary differs between mx_parallel 1 and 20"
diff "$T/mailq.seq" "$T/mailq.par" >&2 || fail "mailq differs after the run between mx_parallel 1 and 20"
diff "$T/failed.seq" "$T/failed.par" >&2 || fail "failed/ differs between mx_parallel 1 and 20"
grep -q 'u@defer.test' "$T/mailq.par" || fail "the message for ok.test and defer.test lost u@defer.test"
grep -q 'v@ok.test' "$T/mailq.par" && fail "v@ok.test is still queued after ok.test accepted it"
exit 0
