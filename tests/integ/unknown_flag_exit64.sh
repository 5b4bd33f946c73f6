#!/bin/bash
# An unknown flag is a usage error (64) with a one-line message naming it;
# the flags that real callers pass are never unknown.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
for flag in --no-such-option -Z -bz; do
	printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" $flag bob@example.net
	assert_exit 64 "$flag"
	assert_contains "$T/err" "${flag}"
	[ "$(wc -l < "$T/err")" -le 2 ] || fail "usage error is not a short message"
done
assert_no_connection
# What mail clients, cron and friends pass: all accepted.
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" -oem -oi -odi -om -oep -Am -h 3 -n -U -L tag -N never -froot@example.com -- bob@example.net
assert_exit 0 "common sendmail flags"
assert_received 1
