#!/bin/bash
# A server that does not offer STARTTLS, with the default configuration
# (TLS required): no silent fallback to plaintext, nothing sent, failure exit.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
make_certs
start_smtpd
smarthost_config default "tls_trust_file $CERTS/ca.pem"
printf 'Subject: must not leak\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit_in "75 77" "STARTTLS required but not offered, queue off"
assert_received 0
assert_not_contains "$SPOOL/dialogue.log" "MAIL FROM"
assert_matches "$T/err" "starttls|tls"
