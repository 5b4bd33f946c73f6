#!/bin/bash
# tls_fingerprint (SHA-256) pins the server certificate: the right pin is
# accepted without any trust file, a wrong pin is refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls
smarthost_config starttls
sed -i '/^tls_trust_file/d' "$CFG"
cp "$CFG" "$T/wrong.rc"
echo "tls_fingerprint $FINGERPRINT" >> "$CFG"
printf 'Subject: pinned\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "right pin"
assert_received 1

wrong=$(echo "$FINGERPRINT" | sed 's/^../00/; s/:..$/:00/')
[ "$wrong" != "$FINGERPRINT" ] || wrong=$(echo "$FINGERPRINT" | sed 's/^../11/')
echo "tls_fingerprint $wrong" >> "$T/wrong.rc"; chmod 600 "$T/wrong.rc"
printf 'Subject: pinned\n\nbody\n' | run_postie -C "$T/wrong.rc" bob@example.net
assert_exit_in "75 77" "wrong pin"
assert_received 1
