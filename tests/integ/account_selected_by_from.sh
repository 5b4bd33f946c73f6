#!/bin/bash
# Account choice with two accounts on two servers: no -f and no --account
# uses the account `account default :` points at; -f with the second
# account's from selects the second server; --account NAME overrides -f.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SPOOL=$T/spool-a start_smtpd
PORT_A=$SMTP_PORT
SPOOL=$T/spool-b start_smtpd
PORT_B=$SMTP_PORT
CFG=$T/postierc
write_config "$CFG" <<EOF2
defaults
host 127.0.0.1
tls off
queue off
domain client.example.com
timeout 10

account alpha
port $PORT_A
from alpha@example.com

account beta
port $PORT_B
from beta@example.org

account default : alpha
EOF2

# landed DIR N: the server with spool DIR holds N messages.
landed() {
	local n=0 f
	for f in "$1"/*.eml; do [ -e "$f" ] && n=$((n + 1)); done
	[ "$n" = "$2" ] || fail "$1 holds $n message(s), expected $2"
}

printf 'Subject: default\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "default account"
landed "$T/spool-a" 1
landed "$T/spool-b" 0
check_eml "$T/spool-a/1.eml" <<'PY'
eq(meta["mail_from"], "alpha@example.com", "default account's from")
PY

printf 'Subject: by from\n\nbody\n' | run_postie -C "$CFG" -f beta@example.org bob@example.net
assert_exit 0 "-f selects beta"
landed "$T/spool-a" 1
landed "$T/spool-b" 1
check_eml "$T/spool-b/1.eml" <<'PY'
eq(meta["mail_from"], "beta@example.org", "envelope sender")
PY

# --account wins over -f: beta's from, alpha's server.
printf 'Subject: by name\n\nbody\n' |
	run_postie -C "$CFG" --account alpha -f beta@example.org bob@example.net
assert_exit 0 "--account alpha"
landed "$T/spool-a" 2
landed "$T/spool-b" 1
check_eml "$T/spool-a/2.eml" <<'PY'
eq(meta["mail_from"], "beta@example.org", "-f still sets the envelope sender")
PY

# --account beta with no -f: beta's server and beta's from.
printf 'Subject: beta by name\n\nbody\n' | run_postie -C "$CFG" --account beta bob@example.net
assert_exit 0 "--account beta"
landed "$T/spool-b" 2
check_eml "$T/spool-b/2.eml" <<'PY'
eq(meta["mail_from"], "beta@example.org", "beta's from")
PY

# An -f that matches no account: the default account carries it.
printf 'Subject: stranger\n\nbody\n' | run_postie -C "$CFG" -f other@example.net bob@example.net
assert_exit 0 "-f matching no account"
landed "$T/spool-a" 3
landed "$T/spool-b" 2

# An unknown account name is a configuration error, nothing sent.
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" --account gamma bob@example.net
assert_exit 78 "unknown account"
assert_contains "$T/err" "gamma"
landed "$T/spool-a" 3
landed "$T/spool-b" 2
exit 0
