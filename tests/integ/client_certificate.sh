#!/bin/bash
# A server that requires a client certificate: with tls_cert_file and
# tls_key_file (a certificate the server's CA signed) the message is
# delivered and the server saw that certificate; without them postie fails
# with a TLS error and nothing is delivered.  Both STARTTLS and implicit TLS.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
make_certs
for mode in starttls implicit; do
	stop_servers
	rm -rf "$SPOOL"
	start_smtpd --$mode --require-client-cert "$CERTS/ca.pem"

	smarthost_config $mode "tls_cert_file $CERTS/client.pem" \
		"tls_key_file $CERTS/client.key"
	printf 'Subject: client cert\n\nbody\n' | run_postie -C "$CFG" bob@example.net
	assert_exit 0 "$mode with a client certificate"
	assert_received 1
	check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["tls"], True, "tls")
eq(meta["client_cert_cn"], "postie test client", "client certificate seen by the server")
PY

	smarthost_config $mode
	printf 'Subject: no client cert\n\nbody\n' | run_postie -C "$CFG" bob@example.net
	assert_exit_nonzero "$mode without a client certificate"
	# A refused client certificate is cured by configuration: 77, like an
	# untrusted server certificate, with the server's alert named.
	assert_exit 77 "$mode: TLS refused, queue off"
	assert_received 1
	assert_matches "$T/err" "alert: .*([Cc]ertificate|[Hh]andshake)"
done
exit 0
