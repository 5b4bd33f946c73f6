#!/bin/bash
# Direct MX delivery signs too, and a second, independent verifier agrees:
# OpenDKIM's opendkim-testmsg, asking a dnsmasq in the test's network
# namespace for the TXT records that postie --dkim-keygen printed,
# verifies the RSA-SHA256 and the Ed25519-SHA256 signature each on its
# own (and refuses a tampered body), as dkimpy does.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
. "$LIB/dkim.sh"
need_dkimpy
need_cmd opendkim-testmsg
netns_setup
dkim_keys sign.test

# The record of keygen output $1 as dnsmasq's --txt-record value.
txt_record() {
	local name strings
	name=$(grep -v '^;' "$1" | awk '{ sub(/\.$/, "", $1); print $1; exit }')
	strings=$(grep -v '^;' "$1" | grep -o '"[^"]*"' | tr -d '"' | paste -sd,)
	echo "--txt-record=$name,$strings"
}
start_dns --mx-host=rcpt.test,mx.rcpt.test,10 \
	--host-record=mx.rcpt.test,127.0.0.2 \
	"$(txt_record "$T/rsa.rec")" "$(txt_record "$T/ed.rec")"
start_mx 127.0.0.2 mx
mx_config "${DKIM_LINES[@]}"
printf 'From: Joe <joe@sign.test>\nTo: bob@rcpt.test\nSubject: direct  \n\nhello,  world  \n\n' |
	run_postie_ns -C "$CFG" bob@rcpt.test
assert_exit 0 "MX delivery"
assert_mx_received mx 1
eml=$T/mx/1.eml
assert_dkim_pass "$eml"

# One signature at a time: OpenDKIM passes when any signature verifies.
only() {
	"$PYTHON3" - "$eml" "$1" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\r\n\r\n", 1)
fields = re.split(rb"\r\n(?![ \t])", head)
drop = sys.argv[2].encode()
keep = [f for f in fields if not (f.lower().startswith(b"dkim-signature:") and drop in f)]
sys.stdout.buffer.write(b"\r\n".join(keep) + b"\r\n\r\n" + body)
PY
}
only ed25519-sha256 > "$T/rsa-only.eml"
only rsa-sha256 > "$T/ed-only.eml"
for f in rsa-only ed-only; do
	[ "$(grep -ci '^DKIM-Signature:' "$T/$f.eml")" = 1 ] || fail "$f: not one signature"
	in_ns opendkim-testmsg < "$T/$f.eml" > "$T/opendkim.out" 2>&1 ||
		{ cat "$T/opendkim.out" >&2; fail "opendkim-testmsg does not verify $f"; }
	sed 's/hello, /hellO, /' "$T/$f.eml" | in_ns opendkim-testmsg > "$T/opendkim.out" 2>&1 &&
		fail "opendkim-testmsg accepts a tampered body ($f)"
	assert_contains "$T/opendkim.out" "Bad signature"
done
exit 0
