#!/bin/bash
# Nothing is lost when accounts keep separate queues (SPEC §5): with the
# server down, one message deferred through each of two accounts whose
# queue_dir differs lands in that account's directory; mailq without
# --account lists both; once the server is up, a plain postie -q (what
# the systemd timer and the cron line run) delivers each exactly once,
# with the account it was submitted with, and both queues are empty.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_aiosmtpd
queued() { find "$T/$1" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }

# two_accounts PORT: "work" (the default) and "home", each its own queue;
# the embedded default's is a third, empty one.
two_accounts() {
	CFG=$T/postierc
	write_config "$CFG" <<CONF
defaults
host 127.0.0.1
port $1
tls off
timeout 10
domain client.example.com
queue_dir $T/q-default
account work
from work@example.com
queue_dir $T/q-work
account home
from home@example.com
queue_dir $T/q-home
account default : work
CONF
}

two_accounts "$(free_port)"	# nobody listens there
for acct in work home; do
	printf 'Subject: via %s\n\nbody\n' "$acct" |
		run_postie -C "$CFG" --account "$acct" "bob-$acct@example.net"
	assert_exit 0 "deferred through $acct"
	[ "$(queued "q-$acct")" = 1 ] || fail "nothing queued in q-$acct"
done

run_postie -C "$CFG" -bp
assert_exit 0 "mailq"
assert_contains "$T/out" "bob-work@example.net"
assert_contains "$T/out" "bob-home@example.net"
assert_contains "$T/out" "== $T/q-work"
assert_contains "$T/out" "== $T/q-home"
assert_not_contains "$T/out" "q-default"
assert_not_contains "$T/out" "Mail queue is empty"

start_smtpd
two_accounts "$SMTP_PORT"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run without --account"
assert_received 2
[ "$(queued q-work)$(queued q-home)" = 00 ] ||
	fail "a queue is not empty after the run"
"$PYTHON3" - "$SPOOL" <<'PY' || fail "not each message once, by its account"
import json, sys, glob
got = sorted((json.load(open(f))["mail_from"], json.load(open(f))["rcpt_tos"])
             for f in glob.glob(sys.argv[1] + "/*.json"))
want = [("home@example.com", ["bob-home@example.net"]),
        ("work@example.com", ["bob-work@example.net"])]
sys.exit(0 if got == want else print(got) or 1)
PY

# A second run finds nothing: nothing is sent twice.
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "second queue run"
assert_received 2
run_postie -C "$CFG" -bp
assert_contains "$T/out" "Mail queue is empty"
