#!/bin/bash
# With -i (and -oi) a single "." is data: it is dot-stuffed on the wire and
# arrives as a line of its own; so does a line starting with a dot.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
for flag in -i -oi; do
	printf 'Subject: dot\n\nbefore\n.\n..two\n.\nafter\n' | run_postie -C "$CFG" $flag bob@example.net
	assert_exit 0 "$flag"
done
assert_received 2
for n in 1 2; do
check_eml "$SPOOL/$n.eml" <<'PY'
assert raw.endswith(b"\r\n\r\nbefore\r\n.\r\n..two\r\n.\r\nafter\r\n"), "body: %r" % raw[-60:]
PY
done
