#!/bin/bash
# Concurrency (spec §5): 50 submissions in parallel while the relay is
# down all exit 0 into the queue; then 3 queue runs at once deliver each
# message exactly once (the per-message flock).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SMTP_PORT=$(free_port)
smarthost_config off "queue on"
pids=()
for i in $(seq 1 50); do
	printf 'Subject: par-%d\n\nbody\n' "$i" |
		"$POSTIE" -C "$CFG" bob@example.net >/dev/null 2>"$T/err.$i" &
	pids+=($!)
done
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "submission $((i + 1)) exited $?: $(cat "$T/err.$((i + 1))")"
done
n=$(find "$T/queue" -maxdepth 1 -name '*.env' | wc -l)
[ "$n" = 50 ] || fail "$n entries queued, want 50"

start_smtpd
smarthost_config off "queue on"
for r in 1 2 3; do
	"$POSTIE" -C "$CFG" -q </dev/null >/dev/null 2>"$T/q.$r" &
	pids[$r]=$!
done
for r in 1 2 3; do wait "${pids[$r]}" || fail "queue run $r exited $?"; done
assert_received 50
"$PYTHON3" - "$SPOOL" <<'PY' || fail "not exactly once"
import email, glob, sys
subs = sorted(str(email.message_from_binary_file(open(f, "rb"))["Subject"])
              for f in glob.glob(sys.argv[1] + "/*.eml"))
assert subs == sorted("par-%d" % i for i in range(1, 51)), subs
PY
n=$(find "$T/queue" -maxdepth 1 \( -name '*.env' -o -name '*.msg' \) | wc -l)
[ "$n" = 0 ] || fail "$n queue files left"
