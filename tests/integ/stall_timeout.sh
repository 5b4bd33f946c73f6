#!/bin/bash
# A server that stops answering: with "timeout 2" postie gives up after
# about two seconds with a temporary failure, not after minutes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --fault stall:30@mail
CFG_TIMEOUT=2 smarthost_config off
start=$(date +%s)
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
elapsed=$(($(date +%s) - start))
assert_exit 75
[ "$elapsed" -le 10 ] || fail "took $elapsed s with timeout 2"
assert_received 0
