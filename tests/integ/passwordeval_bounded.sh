#!/bin/bash
# passwordeval is bounded (issue 14): a command that never finishes is
# killed, with everything it started, after the account's timeout and is
# a temporary failure (75); one that prints nothing is a configuration
# error (78), never AUTH with an empty password.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --auth "user:secret"

# Never finishes, and leaves a child behind in its process group.
CFG_TIMEOUT=2 smarthost_config starttls "auth plain" "user user" \
	"passwordeval sh -c 'echo \$\$ > $T/pgid; sleep 300 & sleep 300'"
start=$(date +%s)
printf 'Subject: hang\n\nbody\n' | run_postie -C "$CFG" bob@example.net
took=$(( $(date +%s) - start ))
assert_exit 75 "passwordeval that never finishes"
assert_contains "$T/err" "did not finish within 2 s"
[ "$took" -le 10 ] || fail "postie took ${took}s for a 2 s timeout"
pgid=$(cat "$T/pgid")
sleep 0.2
! pgrep -g "$pgid" >/dev/null || fail "the command's processes live on"
assert_received 0

# Prints nothing: 78, and no AUTH was tried.
smarthost_config starttls "auth plain" "user user" "passwordeval true"
printf 'Subject: empty\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "passwordeval printed nothing"
assert_contains "$T/err" "printed no password"
assert_client_not_sent "AUTH"
assert_received 0
