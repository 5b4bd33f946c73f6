#!/bin/bash
# auth on with a user and no password (no password, no passwordeval, no
# ~/.netrc entry) is a configuration error (78) naming the account and its
# file and the three ways to give one, found before any connection: the
# message is neither sent without AUTH nor queued.  With a ~/.netrc entry
# the same configuration authenticates.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --auth "user:secret"
smarthost_config starttls "auth on" "user user" "queue on"

printf 'Subject: no password\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "auth on, user, no password"
assert_contains "$T/err" "account default ($CFG): auth is on with user user but there is no password: add a password or passwordeval line to the account, or a line 'machine 127.0.0.1 login user password ...' to ~/.netrc"
[ "$(wc -l < "$T/err")" = 1 ] || fail "not one line: $(cat "$T/err")"
assert_no_connection
[ -z "$(find "$T/queue" -type f 2>/dev/null)" ] || fail "queued: $(find "$T/queue" -type f)"

# The same for a named account with an explicit mechanism.
smarthost_config starttls "queue on" "account work" "host 127.0.0.1" \
	"port $SMTP_PORT" "auth plain" "user jane" "tls_trust_file $CERTS/ca.pem"
printf 'Subject: no password\n\nbody\n' | run_postie -C "$CFG" --account work bob@example.net
assert_exit 78 "auth plain, user, no password"
assert_contains "$T/err" "account work ($CFG): auth is on with user jane but there is no password"
assert_no_connection

# What the message says to do works.
smarthost_config starttls "auth on" "user user" "queue on"
printf 'machine 127.0.0.1 login user password secret\n' > "$HOME/.netrc"
chmod 600 "$HOME/.netrc"
printf 'Subject: with netrc\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "password from ~/.netrc"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["auth"], "user", "authenticated user")
PY
exit 0
