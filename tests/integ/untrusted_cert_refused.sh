#!/bin/bash
# A certificate that the trust store does not vouch for is refused before
# anything is sent (here: the system store, which does not know our CA; and
# a trust file holding another CA).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls
smarthost_config starttls
sed -i '/^tls_trust_file/d' "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "untrusted certificate, system store"
assert_received 0
assert_not_contains "$SPOOL/dialogue.log" "MAIL FROM"

sh "$LIB/certs.sh" "$T/other-ca" || fail "certs.sh"
echo "tls_trust_file $T/other-ca/ca.pem" >> "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "untrusted certificate, another CA"
assert_received 0
assert_not_contains "$SPOOL/dialogue.log" "MAIL FROM"
