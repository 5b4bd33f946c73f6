#!/bin/bash
# postie -bs when things go wrong.  Every recipient refused for good by
# the relay: the reply to "." is the relay's 550 with its words (the
# client must not think it was sent).  Commands out of order get 503,
# unknown ones 502, bad syntax 501, a command line over 2048 octets 500
# 5.5.2, a recipient the aliases lead to a program 550 at RCPT, and the
# session goes on.  End of input in the middle of DATA
# discards that message (nothing sent, nothing queued) and postie exits
# 0 for the transactions it already answered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --fault rcpt:550
printf 'prog: "|/usr/bin/procmail"\n' > "$T/aliases"
smarthost_config off "queue on" "aliases $T/aliases"
cat > "$T/client.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from bs_client import PipeSMTP

postie, cfg, errpath = sys.argv[2], sys.argv[3], sys.argv[4]
def eq(got, want, what):
    if got != want:
        sys.exit("%s: got %r, want %r" % (what, got, want))

s = PipeSMTP([postie, "-C", cfg, "-bs"], stderr=open(errpath, "wb"))
eq(s.docmd("MAIL FROM:<alice@example.com>")[0], 503, "MAIL before EHLO")
s.ehlo("client.example")
eq(s.docmd("RCPT TO:<bob@example.net>")[0], 503, "RCPT before MAIL")
eq(s.docmd("DATA")[0], 503, "DATA before MAIL")
eq(s.docmd("ETRN example.net")[0], 502, "unknown command")
eq(s.docmd("MAIL FROM alice@example.com")[0], 501, "MAIL without the colon")
code, msg = s.docmd("NOOP " + "x" * 2100)
eq((code, msg[:5]), (500, b"5.5.2"), "a command line over 2048 octets")
eq(s.noop()[0], 250, "the session goes on")

eq(s.mail("alice@example.com")[0], 250, "MAIL")
eq(s.docmd("MAIL FROM:<alice@example.com>")[0], 503, "nested MAIL")
eq(s.docmd("DATA")[0], 554, "DATA without a recipient")
code, msg = s.rcpt("prog")
eq(code, 550, "RCPT of an alias to a program: " + msg.decode())
eq(s.rcpt("bob@example.net")[0], 250, "RCPT bob")
eq(s.rcpt("carol@example.net")[0], 250, "RCPT carol")
code, msg = s.data(b"Subject: refused\r\n\r\nbody\r\n")
print(code, msg.decode())
eq(code, 550, "reply to the dot when the relay refused everyone")
assert b"said: 550" in msg, msg

# Cut short: DATA, half a message, then end of input.
eq(s.mail("alice@example.com")[0], 250, "MAIL 2")
eq(s.rcpt("dave@example.net")[0], 250, "RCPT dave")
eq(s.docmd("DATA")[0], 354, "DATA 2")
s.send_raw(b"Subject: half\r\n\r\nthe first half\r\n")
s.end_input()
eq(s.pipe.proc.wait(60), 0, "exit code after end of input mid-DATA")
PY
RC=0
timeout 60 "$PYTHON3" "$T/client.py" "$LIB" "$POSTIE" "$CFG" "$T/err" >"$T/out" 2>&1 || RC=$?
assert_exit 0 "the session"
assert_matches "$T/out" "^550 5\.1\.1 .*said: 550"
assert_received 0
# The refused message is kept in failed/ as a queue run keeps one ...
ls "$T"/queue/failed/*.eml >/dev/null 2>&1 ||
	fail "the refused message was not kept in queue_dir/failed"
# ... and the half message went nowhere: not to the relay, not queued.
grep -q 'dave@example.net' "$SPOOL/dialogue.log" 2>/dev/null &&
	fail "the cut-short message reached the relay"
[ -z "$(find "$T/queue" -maxdepth 1 -name '*.env')" ] ||
	fail "the cut-short message was queued: $(ls "$T/queue")"
grep -rq 'the first half' "$T/queue" && fail "the cut-short message was kept"
exit 0
