#!/bin/bash
# A queue run over direct MX delivery: messages for two domains whose MX
# hosts were down at submission wait in the queue; a run with only
# one.test's MX back delivers one.test's recipients (one session for all
# of its messages) and keeps two.test's pending, even in a message that
# had one of each; a later run, two.test's MX back too, delivers the rest
# and empties the queue.  Nothing is sent twice.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=one.test,mx.one.test,10 --mx-host=two.test,mx.two.test,10 \
	--host-record=mx.one.test,127.0.0.2 --host-record=mx.two.test,127.0.0.3
mx_config "queue on"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }

# Nobody listens on port 25 yet: every submission is queued.
submit() {
	local subj=$1
	shift
	printf 'Subject: %s\n\nbody\n' "$subj" | run_postie_ns -C "$CFG" "$@"
	assert_exit 0 "submission '$subj' (queued)"
	assert_contains "$T/err" "queued as"
}
submit one-a a@one.test
submit one-b b@one.test
submit two-c c@two.test
submit both d@one.test e@two.test
[ "$(queued)" = 4 ] || fail "$(queued) entries queued, want 4"

# one.test's MX is back: its recipients go, in one session.
start_mx 127.0.0.2 one
run_postie_ns -C "$CFG" -q
assert_exit 0 "queue run with one.test up"
assert_mx_received one 3
[ "$(grep -c "^C b'EHLO" "$T/one/dialogue.log")" = 1 ] ||
	fail "one.test's three messages did not share one session"
[ "$(queued)" = 2 ] || fail "$(queued) entries left, want 2 (two-c and both)"
run_postie_ns -C "$CFG" -bp
assert_contains "$T/out" "e@two.test"
assert_contains "$T/out" "c@two.test"
assert_not_contains "$T/out" "d@one.test"

# two.test's MX too: the rest goes, the queue is empty.
start_mx 127.0.0.3 two
run_postie_ns -C "$CFG" -q
assert_exit 0 "queue run with both up"
assert_mx_received two 2
assert_mx_received one 3
[ "$(queued)" = 0 ] || fail "$(queued) entries left after the second run"
"$PYTHON3" - "$T" <<'PY' || fail "wrong recipients per domain"
import email, glob, json, sys
seen = {}
for name in ("one", "two"):
    for f in glob.glob("%s/%s/*.json" % (sys.argv[1], name)):
        meta = json.load(open(f))
        msg = email.message_from_binary_file(open(f[:-5] + ".eml", "rb"))
        seen.setdefault(name, []).append((str(msg["Subject"]), sorted(meta["rcpt_tos"])))
want = {
    "one": [("both", ["d@one.test"]), ("one-a", ["a@one.test"]), ("one-b", ["b@one.test"])],
    "two": [("both", ["e@two.test"]), ("two-c", ["c@two.test"])],
}
got = {k: sorted(v) for k, v in seen.items()}
assert got == want, got
PY
exit 0
