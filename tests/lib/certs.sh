#!/bin/sh
# Make a throwaway CA and a server certificate for 127.0.0.1, ::1 and
# localhost in DIR (default: the current directory), with certtool.
#   tests/lib/certs.sh DIR
# Writes ca.pem, ca.key, server.pem, server.key, server.sha256 (the
# server certificate's SHA-256 fingerprint, "AB:CD:...", for tls_fingerprint),
# and client.pem, client.key (a TLS client certificate signed by the same CA,
# for tls_cert_file/tls_key_file).
# ECDSA P-256 keys: generated in milliseconds.
set -eu
dir=${1:-.}
mkdir -p "$dir"
cd "$dir"
command -v certtool >/dev/null 2>&1 || { echo "certs.sh: certtool missing (apt-get install gnutls-bin)" >&2; exit 77; }
[ -s server.pem ] && [ -s ca.pem ] && [ -s client.pem ] && exit 0

cat > ca.tmpl <<'T'
cn = "postie test CA"
ca
cert_signing_key
crl_signing_key
expiration_days = 30
T
cat > server.tmpl <<'T'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"
tls_www_server
signing_key
encryption_key
expiration_days = 30
T
certtool -q --generate-privkey --key-type ecdsa --curve secp256r1 --outfile ca.key 2>/dev/null
certtool -q --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem 2>/dev/null
certtool -q --generate-privkey --key-type ecdsa --curve secp256r1 --outfile server.key 2>/dev/null
certtool -q --generate-certificate --load-privkey server.key --load-ca-certificate ca.pem \
	--load-ca-privkey ca.key --template server.tmpl --outfile server.pem 2>/dev/null
certtool -i --infile server.pem --outder 2>/dev/null | sha256sum | cut -c1-64 | \
	sed 's/../&:/g; s/:$//' | tr a-f A-F > server.sha256
cat > client.tmpl <<'T'
cn = "postie test client"
email = "client@example.com"
tls_www_client
signing_key
expiration_days = 30
T
certtool -q --generate-privkey --key-type ecdsa --curve secp256r1 --outfile client.key 2>/dev/null
certtool -q --generate-certificate --load-privkey client.key --load-ca-certificate ca.pem \
	--load-ca-privkey ca.key --template client.tmpl --outfile client.pem 2>/dev/null
rm -f ca.tmpl server.tmpl client.tmpl
