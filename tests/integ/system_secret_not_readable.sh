#!/bin/bash
# The system mode keeps the relay's secret from every user: the system
# file is the account's, mode 600, and a user who names it to postie
# (-C, -a, --body, -X), asks for --dry-run or -v, or goes for the drop
# helper itself (LD_PRELOAD, PATH, its /proc entries) learns nothing of
# it, and nothing of it lands in a drop entry either.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
. "$LIB/sysmode.sh"
need_root_users
need_cmd cc
SECRET=Sys-Relay-S3cret-42
sysmode_setup
cat >"$SYSCONF" <<EOF2
account default
host 127.0.0.1
port 9
auth plain
user relay
password $SECRET
EOF2
chown "$SYSU:" "$SYSCONF"
chmod 600 "$SYSCONF"
U=ptu$$r
add_user "$U" "$T/h-$U"

as_u() {
	RC=0
	as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$T/h-$U" \
	    "$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
}
no_secret() {
	assert_not_contains "$T/out" "$SECRET"
	assert_not_contains "$T/err" "$SECRET"
}

as_u "$POSTIE" -C "$SYSCONF" -i ops@example.com
assert_exit 78 "-C the system file"
no_secret
as_u "$POSTIE" -s test -a "$SYSCONF" ops@example.com
assert_exit 66 "-a the system file"
no_secret
as_u "$POSTIE" -s test --body "$SYSCONF" ops@example.com
assert_exit_nonzero "--body the system file"
no_secret
as_u "$POSTIE" -X "$SYSCONF" -i ops@example.com
assert_exit 0 "-X the system file (the message is dropped)"
no_secret
as_u "$POSTIE" -v --dry-run -i ops@example.com
assert_exit 0 "--dry-run -v"
assert_contains "$T/out" "system queue ($DROP), nothing sent"
no_secret
as_u "$POSTIE" -v -i ops@example.com
assert_exit 0 "-v"
assert_contains "$T/err" "handed to the system queue as entry"
no_secret
grep -q "$SECRET" "$SYSCONF" || fail "-X wrote into the system file"
! grep -rq "$SECRET" "$DROP" || fail "the secret is in a drop entry"

# PATH: the helper is run by its compiled-in path, never looked up.
mkdir -p "$T/evilbin"
printf '#!/bin/sh\ntouch %s/evil-ran\ncat >/dev/null\necho 0123456789abcdef0123456789abcdef\n' \
    "$T" >"$T/evilbin/postie-drop"
chmod 755 "$T/evilbin" "$T/evilbin/postie-drop"
chmod 777 "$T"
n0=$(drop_count)
as_u env PATH="$T/evilbin:/usr/bin:/bin" "$POSTIE" -i ops@example.com
assert_exit 0 "PATH with a fake helper"
[ ! -e "$T/evil-ran" ] || fail "postie ran the helper through PATH"
[ "$(drop_count)" = $((n0 + 1)) ] || fail "the real helper was not used"

# LD_PRELOAD: runs in an ordinary program of the user (the control), not
# in the setgid helper; if it ran there it could read what the group can.
cat >"$T/evil.c" <<EOF2
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	int fd = open("$T/preload-ran", O_WRONLY | O_CREAT | O_APPEND, 0666);
	char buf[256];
	int c = open("$SYSCONF", O_RDONLY);
	if (fd >= 0) {
		write(fd, "ran\n", 4);
		if (c >= 0) { int n = read(c, buf, sizeof(buf)); if (n > 0) write(fd, buf, n); }
		close(fd);
	}
}
EOF2
cc -shared -fPIC -o "$T/evil.so" "$T/evil.c" || skip "cannot build a preload library"
chmod 755 "$T/evil.so"
as_u env LD_PRELOAD="$T/evil.so" /bin/true
[ -s "$T/preload-ran" ] || fail "control: LD_PRELOAD did not run in /bin/true"
rm -f "$T/preload-ran"
as_u env LD_PRELOAD="$T/evil.so" "$HELPER" --no-such-argument
assert_exit 64 "helper with an argument"
[ ! -e "$T/preload-ran" ] || fail "LD_PRELOAD ran inside the setgid helper"
as_u env LD_PRELOAD="$T/evil.so" "$POSTIE" -i ops@example.com
assert_exit 0 "postie with LD_PRELOAD"
! grep -q "$SECRET" "$T/preload-ran" 2>/dev/null ||
	fail "LD_PRELOAD read the secret"

# /proc of a running helper (blocked reading its input): not the user's.
mkfifo "$T/fifo"
chmod 666 "$T/fifo"
# A simple command, so that $! is the helper's pid (setpriv and env exec).
setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups env -i "$HELPER" \
    <"$T/fifo" >/dev/null 2>&1 &
hpid=$!
exec 9>"$T/fifo"
for _ in $(seq 100); do
	[ "$(readlink "/proc/$hpid/exe" 2>/dev/null)" = "$HELPER" ] && break
	sleep 0.02
done
[ "$(readlink "/proc/$hpid/exe")" = "$HELPER" ] || fail "helper not running"
for f in environ mem maps; do
	! as_user "$U" cat "/proc/$hpid/$f" >/dev/null 2>&1 ||
		fail "a user reads /proc/PID/$f of the helper"
done
! as_user "$U" ls "/proc/$hpid/fd" >/dev/null 2>&1 ||
	fail "a user lists /proc/PID/fd of the helper"
[ "$(stat -c %u "/proc/$hpid/fd")" = 0 ] || fail "helper is dumpable"
exec 9>&-
wait "$hpid" && fail "helper took an empty input"
exit 0
