#!/bin/bash
# A server that offers AUTH in plaintext and no STARTTLS: with the default
# TLS settings postie must not send the credentials at all.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
make_certs
start_smtpd --auth "jane:s3cret-Pa55" --auth-without-tls
smarthost_config default "tls_trust_file $CERTS/ca.pem" "auth on" "user jane" "password s3cret-Pa55"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit_nonzero "no TLS available"
assert_received 0
assert_client_not_sent "AUTH"
assert_not_contains "$SPOOL/dialogue.log" "MAIL FROM"
