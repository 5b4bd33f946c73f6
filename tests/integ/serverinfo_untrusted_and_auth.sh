#!/bin/bash
# --serverinfo shows the server even when a delivery would stop: a
# certificate that fails the check is printed NOT verified (with its
# SHA-256 fingerprint), a missing STARTTLS as "TLS: none"; then it says
# which keys to fix and exits 77.  A delivery's untrusted-certificate error
# carries the fingerprint too.  --serverinfo --auth tests the credentials
# without sending mail: AUTH, then QUIT; 0, or 77 with the server's words.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --auth "jane:s3cret-Pa55"
fp=$FINGERPRINT

# 1. Untrusted (the system store knows no test CA).
smarthost_config default "auth plain" "user jane" "password s3cret-Pa55"
run_postie -C "$CFG" --serverinfo
assert_exit 77 "untrusted certificate"
assert_contains "$T/out" "Certificate (NOT verified):"
assert_contains "$T/out" "SHA-256 fingerprint: $fp"
assert_matches "$T/out" "^ +AUTH .*PLAIN"
assert_matches "$T/err" "^postie: the certificate of 127\.0\.0\.1\[127\.0\.0\.1\]:$SMTP_PORT is NOT verified: a delivery fails; set tls_trust_file .* or tls_fingerprint .*account default \("
assert_client_not_sent "AUTH"

# The delivery's error names the fingerprint and both keys.
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "untrusted certificate, queue off"
assert_contains "$T/err" "(SHA-256 fingerprint $fp)"
assert_contains "$T/err" "fix tls_trust_file or tls_fingerprint of account default"
assert_received 0

# 2. Credentials tested: accepted, nothing sent.
smarthost_config starttls "auth plain" "user jane" "password s3cret-Pa55"
run_postie -C "$CFG" --serverinfo --auth
assert_exit 0 "--serverinfo --auth, right password"
assert_contains "$T/out" "Certificate (verified):"
assert_matches "$T/out" "^AUTH: accepted for user jane: "
assert_not_contains "$T/out" "s3cret-Pa55"
assert_client_not_sent "MAIL FROM"
assert_received 0
grep -q "^C b'QUIT" "$SPOOL/dialogue.log" || fail "no QUIT after AUTH"

# Refused: 77, the server's words, what to fix; the password never shown.
smarthost_config starttls "auth plain" "user jane" "password wrong-one"
run_postie -C "$CFG" --serverinfo --auth
assert_exit 77 "--serverinfo --auth, wrong password"
assert_matches "$T/err" "535 5\.7\.8 .*\(in reply to AUTH\); fix the user or password of account default \("
assert_not_contains "$T/err" "wrong-one"
assert_received 0

# --auth alone is a usage error.
run_postie -C "$CFG" --auth bob@example.net < /dev/null
assert_exit 64 "--auth without --serverinfo"
assert_contains "$T/err" "use postie --serverinfo --auth"
stop_servers

# 3. STARTTLS required but not offered: shown, then said.
start_smtpd
smarthost_config default
run_postie -C "$CFG" --serverinfo
assert_exit 77 "no STARTTLS"
assert_contains "$T/out" "TLS: none"
assert_matches "$T/out" "^Greeting: 220 "
assert_contains "$T/err" "offers no STARTTLS, which account default"
assert_contains "$T/err" "fix tls and tls_starttls"

# The completions offer --auth.
grep -q -- "--auth\b" "$top_srcdir/completions/postie" || fail "bash completion lacks --auth"
grep -q -- "'--auth\[" "$top_srcdir/completions/_postie" || fail "zsh completion lacks --auth"
grep -q -- "-l auth " "$top_srcdir/completions/postie.fish" || fail "fish completion lacks --auth"
"$POSTIE" --help | grep -q -- "--auth" || fail "--help lacks --auth"
