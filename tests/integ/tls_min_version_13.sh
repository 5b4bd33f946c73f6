#!/bin/bash
# tls_min_version 1.3: against a server that stops at TLS 1.2 the handshake
# fails (non-zero exit, a TLS error, nothing delivered); against a server
# that speaks TLS 1.3 the message goes through over TLSv1.3, as the
# logfile and the server both say.  Without the line, TLS 1.2 is accepted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
make_certs
LOG=$T/postie.log
start_smtpd --starttls --tls-max-version 1.2
smarthost_config starttls "tls_min_version 1.3" "logfile $LOG"
printf 'Subject: tls 1.3 only\n\nbody\n' | run_postie -v -C "$CFG" bob@example.net
assert_exit_nonzero "TLS 1.3 required, server stops at 1.2"
assert_exit 75 "handshake refused, queue off"
assert_received 0
assert_matches "$T/err" "TLS.*(handshake|version)"
assert_not_contains "$LOG" "status=sent"

# The default minimum (1.2) talks to the same server.
smarthost_config starttls
printf 'Subject: tls 1.2 ok\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "default minimum against a TLS 1.2 server"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls_version"], "TLSv1.2", "negotiated version")
PY

stop_servers
SPOOL=$T/spool2	# a fresh server numbers its messages from 1 again
start_smtpd --starttls
smarthost_config starttls "tls_min_version 1.3" "logfile $LOG"
: > "$LOG"
printf 'Subject: tls 1.3\n\nbody\n' | run_postie -v -C "$CFG" bob@example.net
assert_exit 0 "TLS 1.3 required, server speaks 1.3"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls_version"], "TLSv1.3", "negotiated version")
PY
assert_matches "$LOG" "tls=TLSv1\.3.*status=sent"
exit 0
