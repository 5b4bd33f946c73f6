#!/bin/bash
# mx_parallel: a message for several domains goes to them at the same
# time.  Four domains whose MX hosts each make postie wait 1 s before the
# banner take about 1 s, not 4 (mx_parallel 1, one after another, takes
# the sum).  One domain refuses its recipient, one defers, one accepts,
# the slowest is first in the route: exit code, stderr report and log
# lines are the same as with mx_parallel 1, whatever order the sessions
# finish in.  With -v every line of the dialogue is whole.  SIGTERM to
# postie ends the sessions it has open: no delivery process outlives it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns \
	--mx-host=s1.test,mx.s1.test,10 --host-record=mx.s1.test,127.0.0.11 \
	--mx-host=s2.test,mx.s2.test,10 --host-record=mx.s2.test,127.0.0.12 \
	--mx-host=s3.test,mx.s3.test,10 --host-record=mx.s3.test,127.0.0.13 \
	--mx-host=s4.test,mx.s4.test,10 --host-record=mx.s4.test,127.0.0.14 \
	--mx-host=refuse.test,mx.refuse.test,10 --host-record=mx.refuse.test,127.0.0.21 \
	--mx-host=defer.test,mx.defer.test,10 --host-record=mx.defer.test,127.0.0.22 \
	--mx-host=ok.test,mx.ok.test,10 --host-record=mx.ok.test,127.0.0.23 \
	--mx-host=hang1.test,mx.hang1.test,10 --host-record=mx.hang1.test,127.0.0.31 \
	--mx-host=hang2.test,mx.hang2.test,10 --host-record=mx.hang2.test,127.0.0.32
for i in 1 2 3 4; do
	start_mx 127.0.0.1$i s$i --fault stall:1@banner
done
start_mx 127.0.0.21 refuse --fault rcpt:550
start_mx 127.0.0.22 defer --fault rcpt:451
start_mx 127.0.0.23 ok
start_mx 127.0.0.31 hang1 --fault stall:30@banner
start_mx 127.0.0.32 hang2 --fault stall:30@banner

# elapsed MS CMD...: run CMD, set MS to its wall time in milliseconds.
elapsed() {
	local var=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	printf -v "$var" '%d' $(((t1 - t0) / 1000000))
}

# Four slow domains: about the slowest, not the sum.
mx_config "mx_parallel 1"
elapsed seq_ms run_postie_ns -C "$CFG" a@s1.test b@s2.test c@s3.test d@s4.test \
	< <(printf 'Subject: slow\n\nbody\n')
assert_exit 0 "four slow domains, mx_parallel 1"
mx_config
elapsed par_ms run_postie_ns -C "$CFG" a@s1.test b@s2.test c@s3.test d@s4.test \
	< <(printf 'Subject: slow\n\nbody\n')
assert_exit 0 "four slow domains, mx_parallel 20 (the default)"
for i in 1 2 3 4; do assert_mx_received s$i 2; done
echo "four domains, 1 s each: ${seq_ms} ms one after another, ${par_ms} ms at once"
[ "$seq_ms" -ge 4000 ] || fail "mx_parallel 1 took ${seq_ms} ms: not one domain after another"
[ "$par_ms" -lt 2500 ] || fail "mx_parallel 20 took ${par_ms} ms for four 1 s domains, want about 1 s"

# Refused, deferred, accepted, the slow one first: the same outcome.
# Queue ids and times differ between runs; the rest must not.
normalize() {
	sed -E -e 's/[0-9A-Za-z]{12,}/ID/g' -e 's/postie\[[0-9]+\]/postie/' \
		-e 's/queued as [0-9]+/queued as N/' \
		-e 's/^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} //' "$@"
}
mixed() {
	local n=$1
	shift
	mx_config "logfile $T/log.$n" "notify_failure off" "$@"
	printf 'Subject: mixed\n\nbody\n' |
		run_postie_ns -C "$CFG" a@s1.test x@refuse.test y@defer.test z@ok.test
	cp "$T/err" "$T/err.$n"
	RC_MIXED[$n]=$RC
}
declare -A RC_MIXED
mixed seq "mx_parallel 1"
mixed par "mx_parallel 20"
mixed par2 "mx_parallel 2"	# later sessions start after earlier ones end
[ "${RC_MIXED[seq]}" = 75 ] || { cat "$T/err.seq" >&2; fail "mixed outcome, mx_parallel 1: exit ${RC_MIXED[seq]}, want 75 (deferred, queue off)"; }
[ "${RC_MIXED[par]}" = "${RC_MIXED[seq]}" ] ||
	fail "mixed outcome: exit ${RC_MIXED[par]} with mx_parallel 20, ${RC_MIXED[seq]} with 1"
assert_contains "$T/err.par" "x@refuse.test"
assert_contains "$T/err.par" "y@defer.test"
diff <(normalize "$T/err.seq") <(normalize "$T/err.par") >&2 ||
	fail "the report on stderr differs between mx_parallel 1 and 20"
diff <(normalize "$T/log.seq") <(normalize "$T/log.par") >&2 ||
	fail "the log lines differ between mx_parallel 1 and 20"
[ "${RC_MIXED[par2]}" = "${RC_MIXED[seq]}" ] ||
	fail "mixed outcome: exit ${RC_MIXED[par2]} with mx_parallel 2, ${RC_MIXED[seq]} with 1"
diff <(normalize "$T/err.seq") <(normalize "$T/err.par2") >&2 ||
	fail "the report on stderr differs between mx_parallel 1 and 2"
diff <(normalize "$T/log.seq") <(normalize "$T/log.par2") >&2 ||
	fail "the log lines differ between mx_parallel 1 and 2"
grep -q 'to=<a@s1.test>,<z@ok.test> .*status=sent' "$T/log.par" ||
	fail "no sent line for a@ and z@ in the log: $(cat "$T/log.par")"

# -v: seven sessions at once, every line whole.
mx_config
printf 'Subject: verbose\n\nbody\n' | run_postie_ns -C "$CFG" -v \
	a@s1.test b@s2.test c@s3.test d@s4.test x@refuse.test y@defer.test z@ok.test
grep -vE '^(-> |<- |\*\* |postie: |  )' "$T/err" >&2 &&
	fail "-v printed lines that are not whole dialogue lines"
n=$(grep -c '^<- 221' "$T/err")
[ "$n" = 7 ] || fail "-v shows $n closing 221 replies, want one per session (7)"
n=$(grep -cE '^(-> |<- ).*(-> |<- |\*\* )' "$T/err")
[ "$n" = 0 ] || fail "-v has $n lines with another line cut into them"

# SIGTERM: two sessions wait for a banner; postie is killed, its delivery
# processes end with it.
mx_config
printf 'Subject: killed\n\nbody\n' >"$T/killed.eml"
ip netns exec "$NS" "$POSTIE" -C "$CFG" a@hang1.test b@hang2.test \
	<"$T/killed.eml" >"$T/out" 2>"$T/err" &
pid=$!	# ip netns exec runs postie in its own place
kids=
for _ in $(seq 100); do
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	[ "$(echo $kids | wc -w)" = 2 ] && break
	sleep 0.05
done
[ "$(echo $kids | wc -w)" = 2 ] || fail "postie did not start two delivery processes (children: '$kids')"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
for _ in $(seq 40); do
	alive=
	for k in $kids; do kill -0 "$k" 2>/dev/null && alive+=" $k"; done
	[ -z "$alive" ] && break
	sleep 0.05
done
[ -z "$alive" ] || fail "delivery processes$alive outlived postie killed by SIGTERM"
assert_mx_received hang1 0
exit 0
