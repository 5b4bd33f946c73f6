#!/bin/bash
# Replies that are not SMTP replies (at the banner, EHLO, MAIL): a protocol
# error, exit 76, nothing delivered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
for stage in banner ehlo mail; do
	start_smtpd --fault malformed-reply@$stage
	smarthost_config off
	printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
	assert_exit 76 "malformed reply at $stage"
	assert_received 0
	stop_servers
done
