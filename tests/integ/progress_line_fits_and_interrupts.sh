#!/bin/bash
# The progress line on a terminal: cut to the terminal's width
# (TIOCGWINSZ), the attached files' size next to the encoded size, "waiting
# for the server's reply" once every byte is written, and on SIGINT the
# line erased and "the message was not sent" said, nothing sent or queued.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
head -c 3000000 /dev/urandom > "$T/big.bin"
# on_pty COLS SIGNAL: send big.bin with stderr on a pty COLS wide; with
# SIGNAL "int", SIGINT once the line shows.  The pty's bytes in $T/tty,
# python's repr; the exit status in $T/rc.
on_pty() {
	"$PYTHON3" - "$POSTIE" "$CFG" "$T/big.bin" "$1" "$2" > "$T/tty" <<'PY' || fail "pty run failed: $(cat "$T/tty")"
import fcntl, os, pty, select, signal, struct, subprocess, sys, termios, time
postie, cfg, big, cols, sig = sys.argv[1:6]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, int(cols), 0, 0))
# A test run in the background inherits SIGINT ignored: give postie the
# default, as a terminal's foreground job has it.
p = subprocess.Popen([postie, "-C", cfg, "-s", "big", "-a", big, "bob@example.net"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
os.close(slave)
out, sent, deadline = b"", False, time.time() + 30
while time.time() < deadline:
    if sig == "int" and not sent and b"MiB" in out:
        p.send_signal(signal.SIGINT)
        sent = True
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            b = os.read(master, 4096)
        except OSError:
            break
        if not b:
            break
        out += b
    elif p.poll() is not None:
        break
rc = p.wait()
sys.stdout.write(out.decode("utf-8", "replace"))
open(os.environ["T"] + "/rc", "w").write(str(rc))
PY
}
export T

# 1. 40 columns: every drawn line fits in 39; the files' size is there.
start_smtpd --fault stall:1@dot
smarthost_config off
on_pty 40 none
[ "$(cat "$T/rc")" = 0 ] || fail "exit $(cat "$T/rc")"
tr '\r' '\n' < "$T/tty" | sed 's/\x1b\[K//g' > "$T/lines"
grep -q "(files 2.9 MiB)" "$T/lines" || fail "no file size: $(cat -v "$T/tty")"
grep -q "waiting for the s" "$T/lines" || fail "no waiting line: $(cat -v "$T/tty")"
awk 'length($0) > 39 { bad = 1 } END { exit bad }' "$T/lines" ||
	fail "a line wider than the terminal: $(cat -v "$T/tty")"
assert_received 1

# 2. 100 columns: the whole waiting line.
on_pty 100 none
grep -q "MiB sent; waiting for the server's reply" "$T/tty" || fail "no waiting line: $(cat -v "$T/tty")"
stop_servers

# 3. SIGINT while sending: erased, "not sent", died of the signal.
SPOOL=$T/spool2
start_smtpd --fault stall:5@dot
smarthost_config off "queue on"
on_pty 100 int
[ "$(cat "$T/rc")" = -2 ] || fail "not killed by SIGINT: $(cat "$T/rc")"
grep -q "postie: interrupted: the message was not sent" "$T/tty" ||
	fail "no 'not sent' line: $(cat -v "$T/tty")"
grep -q $'\r\x1b\\[Kpostie: interrupted' "$T/tty" || fail "the line was not erased first"
assert_received 0
[ -z "$(find "$T/queue" -name '*.env' 2>/dev/null)" ] || fail "an interrupted message was queued"
