#!/bin/bash
# Recipient bookkeeping is linear (issue 14): 45,000 recipients (-t, one
# To field) took seconds of CPU when each recipient was looked up by a
# scan of all the others; now a fraction of a second.  The relay is
# down (queue off), so every recipient is looked up, judged and reported.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd /usr/bin/time
SMTP_PORT=$(free_port) smarthost_config off
"$PYTHON3" - > "$T/many.eml" <<'PY'
import sys
sys.stdout.write("Subject: many\nTo: " +
                 ",\n ".join("u%d@ex.net" % i for i in range(45000)) +
                 ",\n U1@EX.NET\n\nbody\n")
PY
/usr/bin/time -o "$T/cpu" -f %U timeout 60 "$POSTIE" -C "$CFG" -t \
	< "$T/many.eml" > "$T/out" 2> "$T/err"
RC=$(sed -n 's/^Command exited with non-zero status //p' "$T/cpu")
RC=${RC:-0}
assert_exit 75 "relay down, queue off"
# Each recipient once (u1 and U1 are one address), each reported.
[ "$(grep -c ': connect to' "$T/err")" = 45000 ] ||
	fail "not each of the 45000 recipients reported once"
cpu=$(tail -1 "$T/cpu")
echo "CPU: ${cpu}s for 45000 recipients"
awk -v c="$cpu" 'BEGIN { exit !(c < 1.5) }' ||
	fail "${cpu}s of CPU for 45000 recipients: not linear"
