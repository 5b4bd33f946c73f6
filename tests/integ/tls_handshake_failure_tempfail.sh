#!/bin/bash
# With queue off, a TLS handshake that fails is a temporary failure (75);
# implicit TLS answered by a plain greeting is a configuration error (78);
# a certificate that is not trusted exits 77 (postie(1), EXIT STATUS).
# Nothing is sent either way, and --serverinfo exits as a delivery would.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
make_certs
start_smtpd --starttls --fault tls-handshake-fails
smarthost_config starttls
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 75 "STARTTLS handshake failed, queue off"
assert_contains "$T/err" "handshake"
assert_received 0
run_postie -C "$CFG" --serverinfo </dev/null
assert_exit 75 "--serverinfo, STARTTLS handshake failed"

# Implicit TLS to a server that answers with a plain SMTP greeting: no
# retry cures that, the port or tls_starttls is wrong (issue 16; the
# wording is tls_mode_port_mismatch.sh's): 78.
cat > "$T/plain.script" <<'SCRIPT'
send 220 plain.example ESMTP, not TLS
sleep 2
close
SCRIPT
start_raw_server "$T/plain.script"
smarthost_config implicit
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 78 "implicit TLS against a plain greeting, queue off"
assert_contains "$T/err" "speaks plain SMTP"

# Not trusted (the system store does not know the test CA): 77.
start_smtpd --starttls
smarthost_config starttls
sed -i '/^tls_trust_file/d' "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "untrusted certificate, queue off"
assert_received 0
exit 0
