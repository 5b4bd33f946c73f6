#!/bin/bash
# With standard error (or standard output) closed, as some daemons run
# their mailer, -v must not write the SMTP dialogue into the message
# (issue 14): postie opens /dev/null on a closed fd 0-2 at start-up, so
# the spool file cannot take fd 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
body() { printf 'Subject: closed fds\n\nthe body line\n'; }

body | timeout 30 "$POSTIE" -v -C "$CFG" bob@example.net 2>&-
RC=$?
assert_exit 0 "stderr closed"
body | timeout 30 "$POSTIE" -v -C "$CFG" bob@example.net >&- 2>&-
RC=$?
assert_exit 0 "stdout and stderr closed"
assert_received 2
for n in 1 2; do
	check_eml "$SPOOL/$n.eml" <<'PY'
eq(msg.get_content().strip(), "the body line", "the body")
if b"EHLO" in raw or b"MAIL FROM" in raw:
    raise AssertionError("the dialogue is in the message")
PY
done
