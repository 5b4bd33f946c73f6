#!/bin/bash
# msmtp's "eval CMD": the first line CMD prints replaces the line.  A
# container's config takes the server from the environment
# ("eval echo host $SMTP_HOST"); without eval postie would fall back to
# direct MX delivery.  The command is bounded by the account's timeout:
# a command that hangs (and forks) is killed with its process group.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
export SMTP_HOST=127.0.0.1
write_config "$T/postierc" <<RC
account default
eval echo host \$SMTP_HOST
eval echo "port $SMTP_PORT"
from sender@example.com
tls off
queue off
RC
printf 'Subject: eval\n\nbody\n' | run_postie -C "$T/postierc" bob@example.net
assert_exit 0 "host and port from eval"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["bob@example.net"], "recipients")
PY

# A command that fails is a configuration error naming eval.
write_config "$T/bad" <<RC
account default
eval exit 3
RC
printf 'Subject: x\n\nbody\n' | run_postie -C "$T/bad" bob@example.net
assert_exit 78 "failing eval"
assert_contains "$T/err" 'eval "exit 3" exited with status 3'

# A command that hangs is killed after the account's timeout, with the
# process it started: no sleep is left running.
write_config "$T/slow" <<RC
account default
timeout 1
eval sleep 30 & echo \$! > $T/child.pid; wait
RC
start=$(date +%s)
printf 'Subject: x\n\nbody\n' | run_postie -C "$T/slow" bob@example.net
elapsed=$(( $(date +%s) - start ))
assert_exit 75 "eval that hangs"
assert_contains "$T/err" "did not finish within 1 s"
[ "$elapsed" -le 5 ] || fail "postie waited ${elapsed}s for a 1 s timeout"
child=$(cat "$T/child.pid")
# Killed, it may linger a moment as a zombie until init reaps it.
for i in $(seq 20); do
	state=$(awk '/^State:/ {print $2}' "/proc/$child/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] && break
	sleep 0.1
done
[ -z "$state" ] || [ "$state" = Z ] || fail "the command's child $child still runs"
assert_received 1
