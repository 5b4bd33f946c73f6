#!/bin/bash
# postie -bs with the relay down: the reply to the final "." is 250
# "queued as ID" only once the message is in the queue (the client may
# forget it then); a later postie -q delivers it exactly once.  With the
# queue off, the same failure is 451 4.3.0: the client still owns it.
# Driven with Alpine's sendmail-path flags (-bs -odb -oem).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_aiosmtpd
SMTP_PORT=$(free_port)		# nothing listens there yet
smarthost_config off
CFG_OFF=$T/postierc-off
cp "$CFG" "$CFG_OFF"
sed -i 's/^queue off$/queue on/' "$CFG"
cat > "$T/client.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from bs_client import PipeSMTP

postie, cfg, errpath, want = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
s = PipeSMTP([postie, "-C", cfg, "-bs", "-odb", "-oem"], stderr=open(errpath, "wb"))
s.ehlo("alpine.example")
assert s.mail("alice@example.com")[0] == 250
assert s.rcpt("bob@example.net")[0] == 250
code, msg = s.data(b"Subject: while the relay is down\r\n\r\nbody\r\n")
print(code, msg.decode())
if code != want:
    sys.exit("reply to the dot: got %d %r, want %d" % (code, msg, want))
assert s.quit()[0] == 221
sys.exit(s.wait())
PY
RC=0
timeout 60 "$PYTHON3" "$T/client.py" "$LIB" "$POSTIE" "$CFG" "$T/err" 250 >"$T/out" 2>&1 || RC=$?
assert_exit 0 "session with the relay down, queue on"
assert_matches "$T/out" "^250 2\.0\.0 queued as [A-Za-z0-9]+"
id=$(sed -n 's/^250 2\.0\.0 queued as \([A-Za-z0-9]*\).*/\1/p' "$T/out")
[ -f "$T/queue/$id.env" ] || fail "the 250 names $id, but $T/queue/$id.env does not exist"

# Queue off: nothing can be written, so nothing is accepted.
RC=0
timeout 60 "$PYTHON3" "$T/client.py" "$LIB" "$POSTIE" "$CFG_OFF" "$T/err" 451 >"$T/out" 2>&1 || RC=$?
assert_exit 0 "session with the relay down, queue off"
assert_matches "$T/out" "^451 4\.3\.0 .*127\.0\.0\.1"

# The relay is back: one queue run delivers the queued message once.
start_smtpd --port "$SMTP_PORT"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["mail_from"], "alice@example.com", "sender")
eq(meta["rcpt_tos"], ["bob@example.net"], "recipient")
eq(str(msg["Subject"]), "while the relay is down", "subject")
PY
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "second queue run"
assert_received 1
