#!/bin/bash
# -v says where it connects (host[address]:port), how TLS went (version,
# cipher, whether the certificate was verified or pinned, its CN), and as
# whom it authenticates: the user name, never the password.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --auth "jane:s3cret-Pa55"
smarthost_config starttls "auth plain" "user jane" "password s3cret-Pa55"
printf 'Subject: v\n\nbody\n' | run_postie -C "$CFG" -v bob@example.net
assert_exit 0
assert_received 1
assert_contains "$T/err" "** connecting to 127.0.0.1[127.0.0.1]:$SMTP_PORT"
assert_matches "$T/err" "^\*\* TLSv1\.[23] [A-Z0-9_]+, certificate verified \(CN=localhost\)$"
assert_matches "$T/err" "^\*\* AUTH PLAIN as user jane$"
assert_not_contains "$T/err" "s3cret-Pa55"
# The order a reader expects: connect, then TLS, then AUTH.
grep -n -e '^\*\* connecting' -e '^\*\* TLSv' -e '^\*\* AUTH PLAIN as' "$T/err" |
	cut -d: -f1 | sort -n -c 2>/dev/null || fail "-v lines out of order"
stop_servers

# Implicit TLS with a pinned fingerprint says so.
start_smtpd --implicit
smarthost_config implicit "tls_fingerprint $FINGERPRINT"
sed -i '/^tls_trust_file/d' "$CFG"
printf 'Subject: v\n\nbody\n' | run_postie -C "$CFG" -v bob@example.net
assert_exit 0
assert_matches "$T/err" "^\*\* TLSv1\.[23] [A-Z0-9_]+, certificate matches tls_fingerprint \(CN=localhost\)$"
