# dkim.sh — sourced after common.sh by the DKIM scenarios (dkim_*.sh).
#
#   need_dkimpy          skip (77) without python3-dkim (and PyNaCl)
#   dkim_keys DOMAIN     make an RSA and an Ed25519 key with postie
#                        --dkim-keygen (selectors rsa and ed) in $T; their
#                        records in $T/rsa.rec and $T/ed.rec; DKIM_LINES
#                        holds the config lines that sign with both
#   assert_dkim_pass EML dkimpy verifies both signatures of EML against
#                        the keygen records (no resolver involved)
#   assert_unsigned EML  EML has no DKIM-Signature field

need_dkimpy() {
	"$PYTHON3" -c 'import dkim, nacl' 2>/dev/null ||
		skip "$PYTHON3 has no dkim (apt-get install python3-dkim)"
}

dkim_keys() {
	local d=$1
	( cd "$T" &&
	  "$POSTIE" --dkim-keygen --selector rsa --domain "$d" > rsa.rec &&
	  "$POSTIE" --dkim-keygen --selector ed --domain "$d" --type ed25519 \
		> ed.rec ) || fail "--dkim-keygen failed"
	DKIM_LINES=("dkim_key $T/rsa.$d.pem, $T/ed.$d.pem"
		"dkim_selector rsa, ed" "dkim_domain $d")
}

assert_dkim_pass() {
	"$PYTHON3" "$LIB/dkim_verify.py" "$1" "$T/rsa.rec" "$T/ed.rec" \
		> "$T/verify.out" 2>&1 || {
		cat "$T/verify.out" >&2; head -c 2000 "$1" >&2
		fail "dkimpy does not verify $1"; }
	grep -q "^pass s=rsa a=rsa-sha256" "$T/verify.out" &&
	grep -q "^pass s=ed a=ed25519-sha256" "$T/verify.out" ||
		{ cat "$T/verify.out" >&2; fail "$1: not both signatures pass"; }
}

assert_unsigned() {
	! grep -qi "^DKIM-Signature:" "$1" || fail "$1 is signed"
}
