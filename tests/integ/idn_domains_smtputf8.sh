#!/bin/bash
# Non-ASCII addresses: with SMTPUTF8 offered they go as UTF-8 with the
# SMTPUTF8 parameter; without it, domains become A-labels (libidn2) and a
# non-ASCII local part is a clear permanent failure.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SPOOL=$T/spool-utf8
start_smtpd --smtputf8
smarthost_config off
printf 'Subject: utf8\n\nbody\n' | run_postie -C "$CFG" "j$(printf '\xc3\xb6')ran@b$(printf '\xc3\xbc')cher.example"
assert_exit 0 "SMTPUTF8 server"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["jöran@bücher.example"], "UTF-8 recipient")
has("SMTPUTF8", meta["mail_options"], "SMTPUTF8 parameter")
PY
stop_servers

SPOOL=$T/spool-ascii
start_smtpd
smarthost_config off
printf 'Subject: idn\n\nbody\n' | run_postie -C "$CFG" "user@b$(printf '\xc3\xbc')cher.example"
assert_exit 0 "A-label domain"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["user@xn--bcher-kva.example"], "A-label recipient")
PY
printf 'Subject: idn\n\nbody\n' | run_postie -C "$CFG" "j$(printf '\xc3\xb6')ran@example.net"
assert_exit_nonzero "non-ASCII local part without SMTPUTF8"
[ "$RC" != 75 ] || fail "a non-ASCII local part without SMTPUTF8 is permanent, got 75"
assert_received 1
