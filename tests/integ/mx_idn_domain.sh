#!/bin/bash
# Internationalised domains on direct delivery: the MX look-up uses the
# A-label; the envelope too unless the MX offers SMTPUTF8; a non-ASCII
# local part without SMTPUTF8 fails clearly (69); a name IDNA refuses is
# refused (65) before any DNS query or connection.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
# bücher.test and münchen.test, as A-labels in DNS.
start_dns --mx-host=xn--bcher-kva.test,mx.xn--bcher-kva.test,10 \
	--host-record=mx.xn--bcher-kva.test,127.0.0.2 \
	--mx-host=xn--mnchen-3ya.test,mx.xn--mnchen-3ya.test,10 \
	--host-record=mx.xn--mnchen-3ya.test,127.0.0.3
start_mx 127.0.0.2 ascii
start_mx 127.0.0.3 utf8 --smtputf8
mx_config
u=$(printf '\xc3\xbc') o=$(printf '\xc3\xb6')

printf 'Subject: idn\n\nx\n' | run_postie_ns -C "$CFG" "user@B${u}cher.test"
assert_exit 0 "IDN domain, server without SMTPUTF8"
assert_mx_received ascii 1
check_eml "$T/ascii/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["user@xn--bcher-kva.test"], "A-label envelope")
PY
grep -q "query\[MX\] xn--bcher-kva.test" "$T/dnsmasq.log" || fail "the MX look-up did not use the A-label"

printf 'Subject: idn\n\nx\n' | run_postie_ns -C "$CFG" "j${o}ran@m${u}nchen.test"
assert_exit 0 "IDN domain and local part, server with SMTPUTF8"
assert_mx_received utf8 1
check_eml "$T/utf8/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["jöran@münchen.test"], "UTF-8 envelope")
has("SMTPUTF8", meta["mail_options"], "SMTPUTF8 parameter")
PY

printf 'Subject: idn\n\nx\n' | run_postie_ns -C "$CFG" "j${o}ran@b${u}cher.test"
assert_exit 69 "non-ASCII local part, server without SMTPUTF8"
assert_contains "$T/err" "SMTPUTF8"
assert_mx_received ascii 1

lines=$(wc -l < "$T/dnsmasq.log")
printf 'Subject: idn\n\nx\n' | run_postie_ns -C "$CFG" "x@$(printf '\xcc\x81')x.test"
assert_exit 65 "a domain IDNA refuses"
assert_contains "$T/err" "invalid domain"
[ "$(wc -l < "$T/dnsmasq.log")" = "$lines" ] || fail "DNS was asked about an invalid name"
exit 0
