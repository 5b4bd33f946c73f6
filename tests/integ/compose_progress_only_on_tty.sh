#!/bin/bash
# A large composed message shows a progress line (bytes, rate, time left)
# when stderr is a terminal, and nothing at all when it is not.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
head -c 8000000 /dev/urandom > "$T/big.bin"
run_postie -C "$CFG" -s big -a "$T/big.bin" bob@example.net < /dev/null
assert_exit 0
[ ! -s "$T/err" ] || fail "stderr not empty on a non-terminal"
"$PYTHON3" - "$POSTIE" "$CFG" "$T/big.bin" > "$T/tty.out" <<'PY' || fail "pty run failed: $(cat "$T/tty.out")"
import os, pty, subprocess, sys
postie, cfg, big = sys.argv[1:4]
master, slave = pty.openpty()
p = subprocess.Popen([postie, "-C", cfg, "-s", "big", "-a", big, "bob@example.net"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
out = b""
while True:
    try:
        b = os.read(master, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
rc = p.wait()
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(rc)
PY
grep -q "MiB" "$T/tty.out" || grep -q "\[K" "$T/tty.out" || fail "no progress line on a terminal: $(od -c "$T/tty.out" | head)"
assert_received 2
