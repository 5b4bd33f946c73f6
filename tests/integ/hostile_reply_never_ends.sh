#!/bin/bash
# A server whose reply never ends (issue 14) holds postie no longer than
# the stage's timeout: one deadline per reply, not per line, and at most
# 1000 lines (64 KiB) per reply.  Endless "220-" banner lines, endless
# "250-" after EHLO or after the final dot, sent as fast as postie reads,
# and "250-" lines dripping slowly (each well within the timeout) all end
# in a temporary failure: the message is queued, nothing is lost, and a
# queue run against the same server ends as soon.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
CFG_TIMEOUT=3
LIMIT=10	# seconds: the timeout, and more than enough to spare

# hostile NAME ERROR SCRIPT-LINES...: a raw server playing the lines, then
# one submission and one queue run against it, each within LIMIT; the
# entry's last error (postie -bp) matches ERROR.
hostile() {
	local name=$1 error=$2 start
	shift 2
	printf '%s\n' "$@" > "$T/$name.script"
	SPOOL=$T/spool-$name
	start_raw_server "$T/$name.script"
	smarthost_config off "queue on"
	start=$SECONDS
	printf 'Subject: %s\n\nbody\n' "$name" |
		run_postie -C "$CFG" bob@example.net
	[ $((SECONDS - start)) -le $LIMIT ] ||
		fail "$name: the submission took $((SECONDS - start)) s"
	assert_exit 0 "$name: deferred and queued"
	assert_contains "$T/err" "queued as"
	[ "$(queued)" = 1 ] || fail "$name: $(queued) entries queued, want 1"
	start=$SECONDS
	run_postie -C "$CFG" -q </dev/null
	[ $((SECONDS - start)) -le $LIMIT ] ||
		fail "$name: the queue run took $((SECONDS - start)) s"
	assert_exit 0 "$name: queue run"
	[ "$(queued)" = 1 ] || fail "$name: the run lost the entry"
	run_postie -C "$CFG" -bp
	assert_matches "$T/out" "last error:.*$error"
	rm -rf "$T/queue"
	stop_servers
}

hostile banner-flood 'not ended' 'flood 220-welcome, and welcome again'
hostile ehlo-flood 'not ended' 'send 220 mx.example ESMTP' 'expect EHLO' \
	'flood 250-PIPELINING'
hostile ehlo-drip 'timed out' 'send 220 mx.example ESMTP' 'expect EHLO' \
	'drip 0.5 250-PIPELINING'
hostile dot-flood 'not ended' 'send 220 mx.example ESMTP' 'expect EHLO' \
	'send 250 mx.example' 'expect MAIL' 'send 250 ok' 'expect RCPT' \
	'send 250 ok' 'expect DATA' 'send 354 go ahead' 'readdata' \
	'flood 250-queued, and queued again'
exit 0
