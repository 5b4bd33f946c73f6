#!/bin/bash
# Implicit TLS (tls on, tls_starttls off, as on port 465): the whole session
# is inside TLS from the first byte, no STARTTLS command.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --implicit
smarthost_config implicit
printf 'Subject: implicit\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls"], True, "delivered inside TLS")
PY
assert_not_contains "$SPOOL/dialogue.log" "STARTTLS"
