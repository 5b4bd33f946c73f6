#!/bin/bash
# A user's own queue is retried by the user's own timer: the stderr line
# that says a message was queued tells a user (not root) how to enable it,
# and no longer once it is enabled; the shipped user unit runs the command
# that delivers it.  The user's mailq lists the user's queue and the
# system's queue when the user can open it, and says nothing of a system
# queue the user cannot open.  /var/spool/postie is a tmpfs in a private
# mount namespace.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
need_root_users
private_dir /var/spool/postie
chmod 700 /var/spool/postie

U=pmu$$q
H=$T/h-$U
add_user "$U" "$H"
user_config() {
	as_user "$U" mkdir -p "$H/.config/postie"
	as_user "$U" sh -c "cat >'$H/.config/postie/config'; chmod 600 '$H/.config/postie/config'" <<EOF2
account default
host 127.0.0.1
port $SMTP_PORT
from $U@example.com
tls off
timeout 10
EOF2
}
as_u() {
	RC=0
	as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$H" \
	    "$POSTIE" "$@" >"$T/out" 2>"$T/err" || RC=$?
}

start_smtpd --fault mail:451
user_config
printf 'Subject: later\n\nbody\n' | as_u -i user-rcpt@example.net
assert_exit 0 "a user's message queued"
assert_contains "$T/err" "postie: queued as "
assert_contains "$T/err" "systemctl --user enable --now postie-queue.timer"
ls "$H/.local/state/postie/queue/"*.env >/dev/null 2>&1 ||
	fail "nothing in the user's own queue"

# The user enables the timer (what systemctl --user enable makes): the
# hint goes away.
as_user "$U" mkdir -p "$H/.config/systemd/user/timers.target.wants"
as_user "$U" ln -s /usr/lib/systemd/user/postie-queue.timer \
    "$H/.config/systemd/user/timers.target.wants/postie-queue.timer"
printf 'Subject: later 2\n\nbody\n' | as_u -i user-rcpt2@example.net
assert_exit 0 "second message queued"
assert_contains "$T/err" "postie: queued as "
assert_not_contains "$T/err" "systemctl --user"

# Root's queue (mode 700 as postie makes it) holds a message too.
printf 'account default\nhost 127.0.0.1\nport %s\nfrom root@example.com\ntls off\n' \
    "$SMTP_PORT" >"$HOME/.postierc"
chmod 600 "$HOME/.postierc"
printf 'Subject: root\n\nbody\n' | run_postie -i root-rcpt@example.net
assert_exit 0 "root's message queued"
assert_not_contains "$T/err" "systemctl --user"
ls /var/spool/postie/*.env >/dev/null 2>&1 || fail "root's queue is empty"

# mailq as the user: the user's own; the system queue it cannot open is
# left out without an error.
as_u -bp
assert_exit 0 "the user's mailq"
assert_contains "$T/out" "user-rcpt@example.net"
assert_not_contains "$T/out" "root-rcpt@example.net"
assert_not_contains "$T/err" "/var/spool/postie"
# A system queue open for listing (directory and envelopes readable):
# its envelopes are listed too.
chmod 755 /var/spool/postie
chmod 644 /var/spool/postie/*.env
as_u -bp
assert_exit 0 "the user's mailq with a listable system queue"
assert_contains "$T/out" "user-rcpt@example.net"
assert_contains "$T/out" "root-rcpt@example.net"

# The shipped user service runs "postie -q --due"; that command, as the
# user, delivers the user's queue once the relay is back (without --due:
# the back-off would make the test wait).
unit=$top_builddir/contrib/user/postie-queue.service
[ -f "$unit" ] || (cd "$top_builddir" && make -s contrib/user/postie-queue.service) ||
	fail "cannot build $unit"
grep -qE '^ExecStart=/.*/postie -q --due$' "$unit" || fail "ExecStart in $unit: $(grep ExecStart "$unit")"
grep -q '^WantedBy=timers.target' "$top_srcdir/contrib/user/postie-queue.timer" ||
	fail "the user timer is not enabled by timers.target"
stop_servers
SPOOL=$T/spool-healthy
start_smtpd
user_config
as_u -q
assert_exit 0 "the user's queue run"
assert_received 2
ls "$H/.local/state/postie/queue/"*.env >/dev/null 2>&1 &&
	fail "the user's queue is not empty after the run"
exit 0
