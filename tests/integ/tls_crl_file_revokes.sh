#!/bin/bash
# tls_crl_file: a server certificate that the revocation list revokes is
# refused like an untrusted one (exit 77 with queue off, nothing sent); a
# list that does not name it changes nothing.  Before, the key was
# accepted and ignored.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd certtool
make_certs
printf 'crl_next_update = 30\ncrl_number = 1\n' > "$T/crl.tmpl"
certtool -q --generate-crl --load-ca-privkey "$CERTS/ca.key" --load-ca-certificate "$CERTS/ca.pem" \
	--template "$T/crl.tmpl" --outfile "$T/empty.crl" 2>/dev/null || fail "certtool: empty CRL"
printf 'crl_next_update = 30\ncrl_number = 2\n' > "$T/crl.tmpl"
certtool -q --generate-crl --load-ca-privkey "$CERTS/ca.key" --load-ca-certificate "$CERTS/ca.pem" \
	--load-certificate "$CERTS/server.pem" --template "$T/crl.tmpl" \
	--outfile "$T/revoked.crl" 2>/dev/null || fail "certtool: CRL"
start_smtpd --starttls --require-starttls
smarthost_config starttls "tls_crl_file $T/empty.crl"
printf 'Subject: crl\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "a CRL that does not revoke the server"
assert_received 1

smarthost_config starttls "tls_crl_file $T/revoked.crl"
printf 'Subject: crl\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "the server's certificate is revoked"
assert_matches "$T/err" "revoked"
assert_received 1

smarthost_config starttls "tls_crl_file $T/missing.crl"
printf 'Subject: crl\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit_nonzero "a CRL file that cannot be read"
assert_contains "$T/err" "tls_crl_file $T/missing.crl"
assert_received 1
