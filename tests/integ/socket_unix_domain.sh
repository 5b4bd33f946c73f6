#!/bin/bash
# "socket PATH" (msmtp): the session goes to a Unix-domain socket, which
# overrides host and port; host, when set, only names the server (TLS
# checks it).  Here with STARTTLS, the certificate checked against the
# host name, "localhost".
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --require-starttls --unix-socket "$T/smtp.sock"
write_config "$T/postierc" <<RC
account default
socket $T/smtp.sock
from sender@example.com
tls on
tls_trust_file $CERTS/ca.pem
queue off
timeout 10
logfile $T/postie.log
RC
printf 'Subject: over a socket\n\nbody\n' | run_postie -C "$T/postierc" bob@example.net
assert_exit 0 "delivery over the socket"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls"], True, "STARTTLS over the socket")
eq(meta["rcpt_tos"], ["bob@example.net"], "recipients")
PY
assert_contains "$T/postie.log" "localhost via socket $T/smtp.sock"

# No server on the socket: a temporary failure naming it.
printf 'socket %s\n' "$T/none.sock" >> "$T/postierc"
printf 'Subject: x\n\nbody\n' | run_postie -C "$T/postierc" bob@example.net
assert_exit 75 "nothing listens on the socket"
assert_contains "$T/err" "via socket $T/none.sock"
assert_received 1
