#!/bin/bash
# STARTTLS (the smarthost default): the session upgrades, EHLO is sent
# again inside TLS, and the message is delivered inside TLS.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --require-starttls
smarthost_config starttls
printf 'Subject: starttls\n\nsecret body\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls"], True, "delivered inside TLS")
eq(meta["rcpt_tos"], ["bob@example.net"], "recipients")
PY
[ "$(grep -ci "^C b'EHLO" "$SPOOL/dialogue.log")" -ge 2 ] || fail "EHLO not repeated after STARTTLS"
