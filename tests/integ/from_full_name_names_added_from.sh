#!/bin/bash
# from_full_name (msmtp): the name in the From header field postie adds;
# -F overrides it.  Before, the key was accepted and dropped.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off "from_full_name Jane Doe"
printf 'Subject: name\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
printf 'Subject: name\n\nbody\n' | run_postie -C "$CFG" -F "Cron Daemon" bob@example.net
assert_exit 0
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(str(msg["From"]), "Jane Doe <sender@example.com>", "From from from_full_name")
PY
check_eml "$SPOOL/2.eml" <<'PY'
eq(str(msg["From"]), "Cron Daemon <sender@example.com>", "-F overrides it")
PY
