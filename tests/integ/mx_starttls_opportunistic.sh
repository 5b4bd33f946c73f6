#!/bin/bash
# MX delivery uses STARTTLS whenever the server offers it, even with a
# certificate no one vouches for (opportunistic); mx_tls required makes it
# mandatory: no STARTTLS, or a certificate that does not verify against the
# MX host name, is a temporary failure (77 with queue off) and no message.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=tls.test,mx.tls.test,10 --host-record=mx.tls.test,127.0.0.2 \
	--mx-host=plain.test,mx.plain.test,10 --host-record=mx.plain.test,127.0.0.3
start_mx 127.0.0.2 tls --starttls
start_mx 127.0.0.3 plain
mx_config

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@tls.test
assert_exit 0 "opportunistic STARTTLS with an untrusted certificate"
assert_mx_received tls 1
grep -q "^C b'STARTTLS" "$T/tls/dialogue.log" || fail "STARTTLS was offered but not used"

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@plain.test
assert_exit 0 "no STARTTLS offered: plain text is fine when opportunistic"
assert_mx_received plain 1

mx_config "mx_tls required"
printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@plain.test
assert_exit 77 "mx_tls required, no STARTTLS"
assert_mx_received plain 1

# The test certificate names localhost, not mx.tls.test: refused.
mx_config "mx_tls required" "tls_trust_file $CERTS/ca.pem"
printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@tls.test
assert_exit 77 "mx_tls required, certificate for another name"
assert_contains "$T/err" "does not match"
assert_mx_received tls 1
exit 0
