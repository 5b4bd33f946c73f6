#!/bin/bash
# An existing ~/.msmtprc (defaults, accounts, inheritance, "account default")
# works unchanged: no -C, found through HOME; -f picks the account whose
# "from" matches.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
cat > "$HOME/.msmtprc" <<RC
# Set default values for all following accounts.
defaults
auth           off
tls            off
tls_trust_file /etc/ssl/certs/ca-certificates.crt
logfile        ~/.msmtp.log

# Work
account        work
host           127.0.0.1
port           $SMTP_PORT
from           work@example.com
domain         work.example

account        other : work
from           other@example.com
domain         other.example

# Set a default account
account default : work
RC
chmod 600 "$HOME/.msmtprc"
printf 'Subject: msmtprc\n\nbody\n' | run_postie bob@example.net
assert_exit 0 "default account"
printf 'Subject: msmtprc\n\nbody\n' | run_postie -f other@example.com bob@example.net
assert_exit 0 "account chosen by -f"
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["mail_from"], "work@example.com", "default account's from")
eq(meta["ehlo"], "work.example", "default account's domain")
PY
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["mail_from"], "other@example.com", "envelope from -f")
eq(meta["ehlo"], "other.example", "account chosen by its from")
PY
