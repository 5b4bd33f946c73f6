#!/bin/bash
# Where the password comes from when the configuration holds none:
# `passwordeval` (its first line), else ~/.netrc for host and user.  A wrong
# password in ~/.netrc gets AUTH refused: non-zero exit, a message naming
# authentication, nothing delivered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --auth "user:secret"

# passwordeval: the command's first line is the password.
smarthost_config starttls "auth plain" "user user" \
	"passwordeval printf 'secret\\nnot-this-line\\n'"
printf 'Subject: passwordeval\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "passwordeval"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["auth"], "user", "authenticated user")
PY

# ~/.netrc (HOME is the test's temp home), no password in the config.
smarthost_config starttls "auth plain" "user user"
printf 'machine 127.0.0.1 login user password secret\n' > "$HOME/.netrc"
chmod 600 "$HOME/.netrc"
printf 'Subject: netrc\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "password from ~/.netrc"
assert_received 2
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["auth"], "user", "authenticated user")
PY

# A netrc entry for another machine is not used; the right machine with
# a wrong password: refused.
printf 'machine other.example login user password secret\nmachine 127.0.0.1 login user password Wr0ngPw\n' > "$HOME/.netrc"
printf 'Subject: netrc wrong\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit_nonzero "wrong password in ~/.netrc"
assert_exit 77 "credentials refused, queue off"
assert_received 2
assert_matches "$T/err" "auth"
assert_not_contains "$T/err" "Wr0ngPw"
exit 0
