#!/bin/bash
# msmtp's SMTPSERVER and EMAIL: with no --account and no default account
# in the file, the server is SMTPSERVER and the envelope sender EMAIL
# (-f still wins); an account named default is not overridden, nor is a
# first account by EMAIL alone; a value that is not a plain host name or
# address is a configuration error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
write_config "$T/postierc" <<RC
defaults
port $SMTP_PORT
tls off
queue off
timeout 10
RC
export SMTPSERVER=127.0.0.1 EMAIL=me@example.org
printf 'Subject: env\n\nbody\n' | run_postie -C "$T/postierc" bob@example.net
assert_exit 0 "SMTPSERVER and EMAIL"
printf 'Subject: env\n\nbody\n' | run_postie -C "$T/postierc" -f other@example.org bob@example.net
assert_exit 0 "-f over EMAIL"
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["mail_from"], "me@example.org", "envelope sender from EMAIL")
PY
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["mail_from"], "other@example.org", "-f overrides EMAIL")
PY
run_postie -C "$T/postierc" --pretend
assert_contains "$T/out" "host 127.0.0.1"
assert_contains "$T/out" "from me@example.org"
assert_contains "$T/out" "from the environment (SMTPSERVER, EMAIL)"

# EMAIL alone does not replace a file's first account (it would mean
# direct MX delivery); with no account at all it names the sender.
printf 'account first\nhost 192.0.2.8\nfrom first@example.org\n' > "$T/accounts"
SMTPSERVER= run_postie -C "$T/accounts" --pretend
assert_contains "$T/out" "# account first from"
SMTPSERVER= run_postie -C "$T/postierc" --pretend
assert_contains "$T/out" "from me@example.org"
assert_contains "$T/out" "# delivery: to the MX hosts"

# A default account in the file wins over the environment.
printf 'account default\nhost 192.0.2.9\nfrom file@example.org\n' >> "$T/postierc"
run_postie -C "$T/postierc" --pretend
assert_contains "$T/out" "host 192.0.2.9"
assert_contains "$T/out" "from file@example.org"

SMTPSERVER=smtp://mail.example.org run_postie -C "$T/postierc" --pretend
assert_exit 78 "a URL in SMTPSERVER"
assert_contains "$T/err" 'SMTPSERVER: "smtp://mail.example.org" is not a plain host name'
EMAIL='Me <me@example.org>' run_postie -C "$T/postierc" --pretend
assert_exit 78 "a name in EMAIL"
assert_contains "$T/err" 'EMAIL: "Me <me@example.org>" is not a plain address'
assert_received 2
