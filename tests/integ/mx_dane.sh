#!/bin/bash
# mx_tls dane (RFC 7672) against a DNSSEC-signed zone served by a
# validating unbound in a network namespace: a TLSA record that matches
# (DANE-EE 3 1 1, DANE-TA 2 0 1) makes STARTTLS mandatory and delivers; a
# record that does not match, a server without STARTTLS while TLSA exists,
# and a bogus TLSA answer defer the host (never plaintext, the reason says
# DANE; the next MX is tried); no TLSA is opportunistic, as without DANE.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
. "$LIB/dane.sh"
dane_setup
zero=0000000000000000000000000000000000000000000000000000000000000000
start_unbound "ee MX 10 mx1
mx1 A 127.0.0.2
_25._tcp.mx1 TLSA $(tlsa_ee)
ta MX 10 mx2
mx2 A 127.0.0.3
_25._tcp.mx2 TLSA $(tlsa_ta)
bad MX 10 mx3
mx3 A 127.0.0.4
_25._tcp.mx3 TLSA 3 1 1 ${zero%0}1
none MX 10 mx4
mx4 A 127.0.0.5
notls MX 10 mx5
mx5 A 127.0.0.6
_25._tcp.mx5 TLSA $(tlsa_ee)
bogus MX 10 mx6
mx6 A 127.0.0.7
_25._tcp.mx6 TLSA 3 1 1 $zero
fallback MX 10 mx3
fallback MX 20 mx1" "$zero" "$(tlsa_ee | cut -d' ' -f4)"
start_mx_tls 127.0.0.2 ee --tls
start_mx_tls 127.0.0.3 ta --tls
start_mx_tls 127.0.0.4 bad --tls
start_mx_tls 127.0.0.5 none --tls
start_mx_tls 127.0.0.6 notls
start_mx_tls 127.0.0.7 bogus --tls
mx_config "mx_tls dane" "logfile $T/postie.log"
mx_wait ee ta bad none notls bogus

no_mail() {
	! grep -q "MAIL FROM" "$T/$1/dialogue.log" 2>/dev/null ||
		fail "server $1 saw MAIL FROM: $2"
}

# DANE-EE: the server's key matches; -v names the record.
printf 'Subject: ee\n\nx\n' | run_postie_ns -v -C "$CFG" a@ee.dane.test
assert_exit 0 "DANE-EE 3 1 1 that matches"
assert_mx_received ee 1
grep -q "^C b'STARTTLS" "$T/ee/dialogue.log" || fail "DANE-EE: no STARTTLS"
assert_contains "$T/err" "DANE: mx1.dane.test: certificate matched TLSA 3 1 1"
assert_contains "$T/postie.log" 'dane="mx1.dane.test: certificate matched TLSA 3 1 1'

# DANE-TA: the CA in the server's chain matches, the name is mx2's.
printf 'Subject: ta\n\nx\n' | run_postie_ns -v -C "$CFG" a@ta.dane.test
assert_exit 0 "DANE-TA 2 0 1 that matches the test CA"
assert_mx_received ta 1
assert_contains "$T/err" "certificate matched TLSA 2 0 1"

# A TLSA record the certificate does not match: deferred (77 with queue
# off), no MAIL, and the reason says DANE.
printf 'Subject: bad\n\nx\n' | run_postie_ns -C "$CFG" a@bad.dane.test
assert_exit 77 "TLSA that does not match"
assert_contains "$T/err" "mx3.dane.test[127.0.0.4]:25: DANE: the certificate of mx3.dane.test matches none of its 1 usable TLSA records"
assert_mx_received bad 0
no_mail bad "after a TLSA mismatch"

# No STARTTLS while TLSA exists: never plaintext.
printf 'Subject: notls\n\nx\n' | run_postie_ns -C "$CFG" a@notls.dane.test
assert_exit 77 "no STARTTLS while TLSA exists"
assert_contains "$T/err" "DANE: mx5.dane.test has TLSA records"
assert_mx_received notls 0
no_mail notls "without STARTTLS while TLSA exists"

# A TLSA answer whose signature fails: the host is not even connected to.
printf 'Subject: bogus\n\nx\n' | run_postie_ns -C "$CFG" a@bogus.dane.test
assert_exit 75 "bogus TLSA answer"
assert_contains "$T/err" "bogus"
mx_connected bogus && fail "a host with a bogus TLSA answer was connected to"

# No TLSA record (validated absence): opportunistic, as without DANE.
printf 'Subject: none\n\nx\n' | run_postie_ns -C "$CFG" a@none.dane.test
assert_exit 0 "no TLSA: opportunistic"
assert_mx_received none 1

# The first MX fails DANE, the second matches: delivered there.
printf 'Subject: fallback\n\nx\n' | run_postie_ns -C "$CFG" a@fallback.dane.test
assert_exit 0 "DANE failure on the first MX, the second matches"
assert_mx_received ee 2
assert_mx_received bad 0

# -bv: what DNSSEC and the TLSA records say, per host.
run_postie_ns -C "$CFG" -bv a@ee.dane.test a@bogus.dane.test a@none.dane.test
assert_contains "$T/out" "DANE: MX answer secure"
assert_contains "$T/out" "DANE mx1.dane.test: TLSA _25._tcp.mx1.dane.test secure, 1 record: $(tlsa_ee | cut -c1-38)...; STARTTLS required, certificate must match"
assert_contains "$T/out" "DANE mx6.dane.test: TLSA _25._tcp.mx6.dane.test bogus"
assert_contains "$T/out" "DANE mx4.dane.test: TLSA _25._tcp.mx4.dane.test secure, 0 records; STARTTLS when offered"

# Without options trust-ad postie cannot tell secure from insecure: it
# says so, and mx_tls dane is opportunistic (the mismatching host gets
# the message over unauthenticated TLS).
resolv_trust_ad off
run_postie_ns -C "$CFG" -bv a@bad.dane.test
assert_contains "$T/out" "DANE: MX answer unknown (the resolver is not trusted"
printf 'Subject: untrusted\n\nx\n' | run_postie_ns -v -C "$CFG" a@bad.dane.test
assert_exit 0 "untrusted resolver: opportunistic"
assert_contains "$T/err" "cannot tell"
assert_contains "$T/postie.log" 'dane="cannot tell whether the MX answer for bad.dane.test is DNSSEC-secure'
assert_mx_received bad 1
exit 0
