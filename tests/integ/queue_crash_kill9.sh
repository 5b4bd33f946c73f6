#!/bin/bash
# Crash test (spec §5): kill -9 at random moments of submissions (relay
# down, so each goes to the queue) and of queue runs (relay up), at least
# 200 times, randomised with a printed seed (QUEUE_CRASH_SEED=N repeats a
# run).  Then: no entry is corrupt (mailq reads every one), a final -q
# empties the queue, and every message whose submission exited 0 reached
# the server (a run killed after the server's reply but before the state
# was written may deliver one twice: allowed, never lost).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SEED=${QUEUE_CRASH_SEED:-$(( $(date +%s) % 32768 ))}
RUNS=${QUEUE_CRASH_RUNS:-240}
echo "queue_crash_kill9: seed $SEED, $RUNS runs"
RANDOM=$SEED

start_smtpd
UP=$SMTP_PORT
SMTP_PORT=$(free_port)
smarthost_config off "queue on"
mv "$CFG" "$T/down.rc"
SMTP_PORT=$UP
smarthost_config off "queue on"
mv "$CFG" "$T/up.rc"
# One configuration file, its relay down for submissions and up for
# queue runs: an entry is run only with the file it was queued with.
RC_FILE=$T/rc
relay() { cp "$T/$1.rc" "$RC_FILE"; }

accepted=$T/accepted
: > "$accepted"
deadline=$(( $(date +%s) + 50 ))
for ((i = 0; i < RUNS; i++)); do
	delay=$(printf '0.%03d' $((RANDOM % 25)))
	if [ $((RANDOM % 4)) != 0 ]; then
		printf 'Subject: crash-%d\n\nbody %d\n' "$i" "$i" > "$T/in"
		relay down
		"$POSTIE" -C "$RC_FILE" bob@example.net < "$T/in" \
			>/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		rc=0; wait "$pid" 2>/dev/null || rc=$?
		[ "$rc" = 0 ] && echo "crash-$i" >> "$accepted"
		case $rc in 0|137) ;; *) fail "run $i: submission exited $rc";; esac
	else
		relay up
		"$POSTIE" -C "$RC_FILE" -q </dev/null >/dev/null 2>"$T/qerr" &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		! grep -q "queue:" "$T/qerr" || fail "run $i: $(cat "$T/qerr")"
	fi
	[ "$(date +%s)" -lt "$deadline" ] || { echo "time budget reached after $i runs"; break; }
done
[ "$i" -ge 200 ] || fail "only $i runs in the time budget"

relay up
run_postie -C "$RC_FILE" -bp
assert_exit 0 "mailq after the crashes"
assert_not_contains "$T/out" "unreadable"
run_postie -C "$RC_FILE" -q </dev/null
assert_exit 0 "final queue run"
assert_not_contains "$T/err" "queue:"
left=$(find "$T/queue" -maxdepth 1 \( -name '*.env' -o -name '*.msg' \) | wc -l)
[ "$left" = 0 ] || fail "$left queue files left after the final run"

"$PYTHON3" - "$SPOOL" "$accepted" <<'PY' || fail "accepted messages lost (seed $SEED)"
import email, glob, sys
got = {}
for f in glob.glob(sys.argv[1] + "/*.eml"):
    s = str(email.message_from_binary_file(open(f, "rb"))["Subject"])
    got[s] = got.get(s, 0) + 1
acc = [l.strip() for l in open(sys.argv[2]) if l.strip()]
lost = [s for s in acc if s not in got]
dups = sum(1 for s in got if got[s] > 1)
print("accepted %d, delivered %d distinct, %d delivered twice (killed runs)"
      % (len(acc), len(got), dups))
assert not lost, "lost: %s" % lost[:10]
PY
exit 0
