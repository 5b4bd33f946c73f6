#!/bin/bash
# 4xx at MAIL, at every RCPT, or after the data, with queue off: exit 75
# (temporary failure), nothing delivered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
for fault in mail:451 rcpt:452 data:451; do
	SPOOL=$T/spool-${fault%%:*}
	start_smtpd --fault $fault
	smarthost_config off
	printf 'Subject: tempfail\n\nbody\n' | run_postie -C "$CFG" bob@example.net
	assert_exit 75 "$fault"
	assert_received 0
	assert_matches "$T/err" "4[0-9][0-9]"
	stop_servers
done
