#!/bin/bash
# Spec §5 under fault injection: for each way a server can fail
# temporarily, two submissions exit 0 with a notice and sit in the queue;
# once a healthy server is back, one postie -q delivers each message
# exactly once, and a second -q finds nothing left to send.
#
# close-before-final-reply is the one duplicate no client can avoid: the
# server got the whole message but its verdict never arrived, so postie
# must retry it (a real server that had committed it delivers it twice).
# The test server does not keep a message it never answered, so here too
# the healthy server sees it exactly once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
make_certs

raw_data_4xx() {
	cat > "$T/data4xx" <<'S'
send 220 flaky.example ESMTP
expect EHLO
send 250 flaky.example
expect MAIL
send 250 ok
expect RCPT
send 250 ok
expect DATA
send 451 4.3.0 cannot take data now
expect QUIT
send 221 bye
close
S
	start_raw_server "$T/data4xx"
}

raw_tls_abort() {
	cat > "$T/tlsabort" <<'S'
send 220 flaky.example ESMTP
expect EHLO
send 250-flaky.example\r\n250 STARTTLS
expect STARTTLS
send 220 go ahead
close
S
	start_raw_server "$T/tlsabort"
}

# fault NAME TLS-MODE START-COMMAND...
one_fault() {
	local name=$1 mode=$2
	shift 2
	SPOOL=$T/spool-$name
	CFG_TIMEOUT=2
	if [ "$1" = none ]; then
		SMTP_PORT=$(free_port)	# nobody listens: connection refused
	else
		"$@"
	fi
	smarthost_config "$mode" "queue on"
	for n in 1 2; do
		printf 'Subject: %s %s\n\nbody\n' "$name" "$n" |
			run_postie -C "$CFG" "bob@example.net"
		assert_exit 0 "$name: submission $n with the queue on"
		assert_contains "$T/err" "queued as"
	done
	[ "$(queued)" = 2 ] || fail "$name: $(queued) entries queued, want 2"
	run_postie -C "$CFG" -bp
	assert_contains "$T/out" "last error:"
	# still broken: a run defers again, nothing delivered
	run_postie -C "$CFG" -q </dev/null
	assert_exit 0 "$name: queue run against the broken server"
	[ "$(queued)" = 2 ] || fail "$name: entries lost by a failing run"
	stop_servers

	SPOOL=$T/spool-$name-healthy
	case $mode in
	starttls) start_smtpd --starttls;;
	*) start_smtpd;;
	esac
	smarthost_config "$mode" "queue on"
	run_postie -C "$CFG" -q </dev/null
	assert_exit 0 "$name: queue run"
	run_postie -C "$CFG" -q </dev/null
	assert_received 2
	"$PYTHON3" - "$SPOOL" "$name" <<'PY' || fail "$name: not exactly once"
import email, glob, sys
subs = sorted(str(email.message_from_binary_file(open(f, "rb"))["Subject"])
              for f in glob.glob(sys.argv[1] + "/*.eml"))
want = ["%s 1" % sys.argv[2], "%s 2" % sys.argv[2]]
assert subs == want, (subs, want)
PY
	[ "$(queued)" = 0 ] || fail "$name: queue not empty after delivery"
	stop_servers
}

one_fault refused off none
one_fault drop-after-banner off start_smtpd --fault drop-after-banner
one_fault greeting-421 off start_smtpd --fault greeting:421
one_fault mail-451 off start_smtpd --fault mail:451
one_fault rcpt-450 off start_smtpd --fault rcpt:450
one_fault data-cmd-451 off raw_data_4xx
one_fault dot-452 off start_smtpd --fault data:452
one_fault close-mid-data off start_smtpd --fault close-mid-data
one_fault close-before-final-reply off start_smtpd --fault close-before-final-reply
one_fault stall-mail off start_smtpd --fault stall:5@mail
one_fault tls-aborted starttls raw_tls_abort
exit 0
