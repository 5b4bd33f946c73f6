#!/bin/bash
# tls_priorities: a GnuTLS priority string shapes the handshake (here it
# takes TLS 1.3 away from a server that speaks it, so TLS 1.2 is used); an
# invalid string is a configuration error naming the key, the line and
# GnuTLS's complaint, before any connection.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
make_certs
start_smtpd --starttls
smarthost_config starttls "tls_priorities NORMAL:-VERS-TLS1.3"
printf 'Subject: prio\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "a valid priority string"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls_version"], "TLSv1.2", "TLS 1.3 removed by the priority string")
PY

smarthost_config starttls "tls_priorities NORMAL:+NO-SUCH-THING"
printf 'Subject: prio\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "an invalid priority string"
assert_matches "$T/err" 'postierc:[0-9]+: tls_priorities: "NORMAL:\+NO-SUCH-THING": GnuTLS: .+ \(at "\+NO-SUCH-THING"\)$'
assert_received 1
