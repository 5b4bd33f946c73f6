#!/bin/bash
# The server closes right after its banner: a temporary failure (75).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --fault drop-after-banner
smarthost_config off
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 75
assert_received 0
stop_servers
# Also: 421 greeting, and a connection that is lost in the middle of DATA.
for fault in greeting:421 close-mid-data close-before-final-reply; do
	start_smtpd --fault $fault
	smarthost_config off
	printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
	assert_exit 75 "$fault"
	assert_received 0
	stop_servers
done
