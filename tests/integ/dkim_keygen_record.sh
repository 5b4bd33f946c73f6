#!/bin/bash
# postie --dkim-keygen writes a private key of mode 600 (never over an
# existing file) and prints the TXT record whose p= is that key's public
# half: the SubjectPublicKeyInfo for RSA, the raw 32 octets for Ed25519
# (RFC 8463), as certtool reads them back from the key file.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd certtool base64
cd "$T" || fail "cd $T"

# p= of the record printed in $T/out, parts joined.
record_p() {
	grep -v '^;' "$T/out" | grep -o '"[^"]*"' | tr -d '"\n' |
		sed -n 's/.*; p=//p'
}

umask 022
run_postie --dkim-keygen --selector s1 --domain example.com
assert_exit 0 "rsa keygen"
[ -f s1.example.com.pem ] || fail "no key at the default path s1.example.com.pem"
[ "$(stat -c %a s1.example.com.pem)" = 600 ] || fail "key mode is $(stat -c %a s1.example.com.pem), not 600"
assert_contains "$T/out" "s1.example.com.pem"
assert_contains "$T/out" 's1._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p='
# Every string of the record is at most 255 octets (RFC 1035).
grep -o '"[^"]*"' "$T/out" | awk 'length($0) > 257 { exit 1 }' || fail "a TXT string over 255 octets"
spki=$(certtool --load-privkey s1.example.com.pem --pubkey-info --outder 2>/dev/null | base64 -w0)
[ -n "$spki" ] || fail "certtool cannot read the key"
[ "$(record_p)" = "$spki" ] || fail "p= is not the key's public key"
certtool -k --infile s1.example.com.pem 2>/dev/null | grep -q 'Level: .*(2048 bits)' ||
	fail "the default RSA key is not of 2048 bits"

run_postie --dkim-keygen --selector e1 --domain example.com --type ed25519 --key-file "$T/sub-ed.key"
assert_exit 0 "ed25519 keygen"
[ "$(stat -c %a "$T/sub-ed.key")" = 600 ] || fail "ed25519 key mode is not 600"
assert_contains "$T/out" 'e1._domainkey.example.com. IN TXT ( "v=DKIM1; k=ed25519; p='
raw=$(certtool --load-privkey "$T/sub-ed.key" --pubkey-info --outder 2>/dev/null | tail -c 32 | base64 -w0)
[ "$(record_p)" = "$raw" ] || fail "ed25519 p= is not the raw public key"

run_postie --dkim-keygen --selector r3 --domain example.com --bits 3072 --key-file r3.pem
assert_exit 0 "--bits 3072"
certtool -k --infile r3.pem 2>/dev/null | grep -q '3072 bits' || fail "--bits 3072 not honoured"

# An existing key is never replaced.
cp s1.example.com.pem before.pem
run_postie --dkim-keygen --selector s1 --domain example.com
assert_exit 73 "existing key file"
assert_contains "$T/err" "s1.example.com.pem exists"
cmp -s before.pem s1.example.com.pem || fail "the existing key was changed"

# Usage errors: 64, and no file made.
for args in "--domain example.com" "--selector s --domain 'bad domain'" \
    "--selector s --domain example.com --type dsa" \
    "--selector s --domain example.com --bits 512" \
    "--selector s --domain example.com --type ed25519 --bits 256"; do
	eval "run_postie --dkim-keygen $args --key-file u.pem"
	assert_exit 64 "$args"
	[ ! -e u.pem ] || fail "a key was written for: $args"
done
# Its options mean nothing elsewhere: refused, not ignored.
printf 'Subject: x\n\nbody\n' | run_postie --selector s bob@example.net
assert_exit 64 "--selector without --dkim-keygen"
assert_contains "$T/err" "--selector is an option of --dkim-keygen"
