#!/bin/bash
# Mail clients that pipe into a sendmail command: s-nail and mutt, each
# sending a message with an attachment through postie (skipped when neither
# is installed).  The attachment arrives byte-identical.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf '#!/bin/sh\nexec "%s" -C "%s" "$@"\n' "$POSTIE" "$CFG" > "$T/sendmail"
chmod +x "$T/sendmail"
head -c 20000 /dev/urandom > "$T/blob.bin"
tried=0
if command -v s-nail >/dev/null 2>&1; then
	tried=$((tried + 1))
	RC=0
	printf 'body from s-nail\n' | timeout 30 s-nail -:/ -Sv15-compat -Smta="$T/sendmail" 		-Sfrom=user@example.com -Ssendwait -s "via s-nail" -a "$T/blob.bin" 		snail@example.net >"$T/out" 2>"$T/err" || RC=$?
	assert_exit 0 "s-nail"
fi
if command -v mutt >/dev/null 2>&1; then
	tried=$((tried + 1))
	RC=0
	printf 'body from mutt\n' | timeout 30 mutt -n -F /dev/null 		-e "set sendmail=\"$T/sendmail\" from=user@example.com use_from=yes" 		-s "via mutt" -a "$T/blob.bin" -- mutt@example.net >"$T/out" 2>"$T/err" || RC=$?
	assert_exit 0 "mutt"
fi
[ "$tried" -gt 0 ] || skip "neither s-nail nor mutt is installed"
assert_received "$tried"
for n in $(seq 1 "$tried"); do
T="$T" check_eml "$SPOOL/$n.eml" <<'PY'
import os
parts = [p for p in msg.iter_attachments() if p.get_filename() == "blob.bin"]
eq(len(parts), 1, "blob.bin attached")
eq(parts[0].get_payload(decode=True), open(os.environ["T"] + "/blob.bin", "rb").read(), "attachment bytes")
has("via ", str(msg["Subject"]), "subject")
PY
done
