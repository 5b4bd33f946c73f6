#!/bin/bash
# --serverinfo connects as a submission would (STARTTLS, certificate
# checked), stops after EHLO and prints the greeting, the TLS parameters,
# the certificate and the capabilities; no AUTH, no mail.  An account with
# no host (the embedded default, MX delivery) is a usage error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --require-starttls --auth user:secret
smarthost_config starttls "auth on" "user user" "password secret"
run_postie -C "$CFG" --serverinfo
assert_exit 0
assert_contains "$T/out" "127.0.0.1"
assert_contains "$T/out" ":$SMTP_PORT"
assert_matches "$T/out" "^Greeting: 220 .*postie-test$"
assert_contains "$T/out" "TLSv1."
subject=$(certtool -i --infile "$CERTS/server.pem" 2>/dev/null |
	sed -n 's/^[[:space:]]*Subject: //p' | head -n 1)
[ -n "$subject" ] || subject="CN=localhost"
assert_contains "$T/out" "subject: $subject"
assert_contains "$T/out" "(verified)"
assert_matches "$T/out" "^ +PIPELINING$"
assert_matches "$T/out" "^ +AUTH .*PLAIN"	# the EHLO inside TLS
assert_not_contains "$T/out" "STARTTLS"		# ... not the plaintext one
[ ! -s "$T/err" ] || fail "stderr is not empty"
# Stopped after EHLO: no AUTH, no MAIL, nothing received.
assert_client_not_sent "AUTH"
assert_client_not_sent "MAIL FROM"
assert_received 0
[ "$(grep -ci "^C b'EHLO" "$SPOOL/dialogue.log")" -ge 2 ] ||
	fail "EHLO not repeated after STARTTLS"

# --account picks the account; one without a host cannot be asked.
printf 'account mx\nfrom a@example.com\n' | write_config "$T/mxrc"
run_postie -C "$T/mxrc" --serverinfo --account mx
assert_exit 64
assert_contains "$T/err" "--serverinfo needs a host"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "more than one line on stderr"
write_config "$T/emptyrc" < /dev/null
run_postie -C "$T/emptyrc" --serverinfo
assert_exit 64 "the embedded default has no host"

# An untrusted certificate: the usual code (77), after the information
# (serverinfo_untrusted_and_auth.sh checks what is said).
smarthost_config default
run_postie -C "$CFG" --serverinfo
assert_exit 77
assert_contains "$T/out" "(NOT verified)"
