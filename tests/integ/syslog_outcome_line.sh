#!/bin/bash
# `syslog on` sends one LOG_MAIL line per message outcome to /dev/log:
# priority mail.info for a delivered message (with from, to, server, the
# final reply and status=sent), a worse one for a refused recipient.
# No syslog daemon is needed: postie runs in a private mount namespace
# whose /dev is a tmpfs holding a datagram socket this test listens on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
[ "$(id -u)" = 0 ] || skip "a private /dev/log needs root (unshare -m)"
need_cmd unshare
unshare -m --propagation private true 2>/dev/null || skip "unshare -m is not permitted here"
start_smtpd --fault rcpt:550:bad@example.net
smarthost_config off "syslog on"

cat > "$T/listen.py" <<'PY'
import os, socket, sys
out, ready = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(ready, "w").write("1")
with open(out, "ab", buffering=0) as f:
	while True:
		f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
cat > "$T/inner.sh" <<'SH'
set -eu
mkdir -p "$T/olddev"
mount --bind /dev "$T/olddev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero full random urandom tty; do
	[ -e "$T/olddev/$n" ] || continue
	touch "/dev/$n"
	mount --bind "$T/olddev/$n" "/dev/$n"
done
"$PYTHON3" "$T/listen.py" "$T/syslog.txt" "$T/listening" &
lp=$!
for i in $(seq 100); do [ -s "$T/listening" ] && break; sleep 0.05; done
rc=0
printf 'Subject: syslog\n\nbody\n' | timeout 30 "$POSTIE" -C "$CFG" good@example.net \
	>"$T/out" 2>"$T/err" || rc=$?
echo "$rc" > "$T/rc1"
rc=0
printf 'Subject: syslog refused\n\nbody\n' | timeout 30 "$POSTIE" -C "$CFG" bad@example.net \
	>"$T/out2" 2>"$T/err2" || rc=$?
echo "$rc" > "$T/rc2"
sleep 0.2
kill "$lp"
SH
T=$T CFG=$CFG unshare -m --propagation private bash "$T/inner.sh" ||
	fail "the private /dev/log namespace failed"
[ -s "$T/listening" ] || fail "the /dev/log listener did not start"
RC=$(cat "$T/rc1")
assert_exit 0 "delivery with syslog on"
RC=$(cat "$T/rc2")
assert_exit 67 "refused recipient"
RC=
[ -s "$T/syslog.txt" ] || fail "nothing arrived on /dev/log"
[ "$(wc -l < "$T/syslog.txt")" = 2 ] || fail "expected two syslog lines: $(cat "$T/syslog.txt")"
# <22> = LOG_MAIL (2 << 3) | LOG_INFO (6)
sent=$(grep 'good@example.net' "$T/syslog.txt") || fail "no line for good@: $(cat "$T/syslog.txt")"
case $sent in
"<22>"*"postie["[0-9]*"]: "*"from=<sender@example.com>"*"to=<good@example.net>"*"server=127.0.0.1"*"250 2.0.0 OK queued as 1"*"status=sent"*) ;;
*) fail "unexpected syslog line for the delivered message: $sent";;
esac
bad=$(grep 'bad@example.net' "$T/syslog.txt") || fail "no line for bad@: $(cat "$T/syslog.txt")"
pri=$(printf '%s' "$bad" | sed -n 's/^<\([0-9]*\)>.*/\1/p')
[ -n "$pri" ] && [ $((pri >> 3)) = 2 ] && [ $((pri & 7)) -lt 6 ] ||
	fail "a refusal should be LOG_MAIL above info (notice/warning/err): $bad"
case $bad in
*"status=bounced"* | *"status=failed"*) ;;
*) fail "refused recipient not logged as bounced: $bad";;
esac
exit 0
