#!/bin/bash
# Never the wrong relay (issue 14): a message queued with
# "-C cfg/special --account special" is not sent by a plain "postie -q"
# (the timer's command, which reads the main configuration) through the
# main configuration's relay: it stays queued and the run says once
# which file it needs ("run postie -q -C FILE"); that run then delivers
# it through its own relay.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_aiosmtpd
QDIR=$T/queue		# one queue directory for both configurations
queued() { find "$QDIR" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }

# The main configuration, found by the search order: its relay is up.
SPOOL=$T/spool-main
start_smtpd
mkdir -p "$XDG_CONFIG_HOME/postie"
write_config "$XDG_CONFIG_HOME/postie/config" <<CONF
account main
host 127.0.0.1
port $SMTP_PORT
tls off
from main@example.com
domain client.example.com
queue_dir $QDIR
account default : main
CONF

# The special configuration: its relay is down when the messages are
# submitted, twice, so that the run's notice is one line for both.
mkdir "$T/cfg"
special() {
	write_config "$T/cfg/special" <<CONF
account special
host 127.0.0.1
port $1
tls off
timeout 5
from special@example.com
domain client.example.com
queue_dir $QDIR
CONF
}
special "$(free_port)"
for i in 1 2; do
	printf 'Subject: special %s\n\nbody\n' $i |
		run_postie -C "$T/cfg/../cfg/special" --account special bob@example.net
	assert_exit 0 "deferred through the special account"
done
[ "$(queued)" = 2 ] || fail "$(queued) entries queued, want 2"

run_postie -q </dev/null
assert_exit 0 "a plain queue run"
SPOOL=$T/spool-main assert_received 0
[ "$(queued)" = 2 ] || fail "the entries left the queue"
[ "$(grep -c "run postie -q -C $T/cfg/special" "$T/err")" = 1 ] ||
	fail "the run does not say once which configuration the entries need"
assert_contains "$T/err" "2 messages left queued for account special of $T/cfg/special"

# The run it asked for delivers them, through the special relay.
SPOOL=$T/spool-special
start_smtpd
special "$SMTP_PORT"
run_postie -q -C "$T/cfg/special" </dev/null
assert_exit 0 "the queue run with the special configuration"
assert_received 2
[ "$(queued)" = 0 ] || fail "the queue is not empty"
SPOOL=$T/spool-main assert_received 0
