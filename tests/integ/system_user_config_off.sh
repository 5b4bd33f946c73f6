#!/bin/bash
# "user_config off" in a system file that users cannot read (the system
# mode's, mode 600): the account's queue run publishes it, and from then
# on a user's ~/.postierc no longer redirects the user's mail (sudo's
# alert): it goes through the system queue to the system's relay.
# Turned back on, the user's own file is used again.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
. "$LIB/sysmode.sh"
need_root_users
start_smtpd			# the system's relay
SYS_PORT=$SMTP_PORT
SYS_SPOOL=$SPOOL
SPOOL=$T/user-spool
start_smtpd			# the user's own server
USER_PORT=$SMTP_PORT
sysmode_setup
sysconf() {
	cat >"$SYSCONF" <<EOF2
defaults
user_config $1
account default
host 127.0.0.1
port $SYS_PORT
tls off
domain example.org
EOF2
	chown "$SYSU:" "$SYSCONF"
	chmod 600 "$SYSCONF"
}
U=ptu$$o
add_user "$U" "$T/h-$U"
cat >"$T/h-$U/.postierc" <<EOF2
account default
host 127.0.0.1
port $USER_PORT
tls off
from redirect@example.net
EOF2
chown "$U:" "$T/h-$U/.postierc"
chmod 600 "$T/h-$U/.postierc"
sudo_alert() {
	RC=0
	printf 'Subject: *** SECURITY information ***\n\nalert\n' |
	    as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME \
	    HOME="$T/h-$U" "$POSTIE" -v -i root >"$T/out" 2>"$T/err" || RC=$?
}
user_received() { ls "$SPOOL"/*.eml 2>/dev/null | wc -l; }
sys_received() { ls "$SYS_SPOOL"/*.eml 2>/dev/null | wc -l; }

# Not yet published: the user's file is what the user's postie sees.
sysconf off
sudo_alert
assert_exit 0 "before the account's run"
[ "$(user_received)" = 1 ] || fail "the user's server got $(user_received)"

# The account's run publishes it; now the alert takes the system queue.
RC=0
as_system timeout 20 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "publishing run"
[ -f "$SQUEUE/user_config_off" ] || fail "user_config off not published"
sudo_alert
assert_exit 0 "with user_config off"
assert_contains "$T/err" "skipped $T/h-$U/.postierc: ignored (user_config off)"
assert_contains "$T/err" "handed to the system queue"
RC=0
as_system timeout 20 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "delivering run"
[ "$(user_received)" = 1 ] || fail "the user's server got the alert"
[ "$(sys_received)" = 1 ] || fail "the system relay got $(sys_received)"
grep -q '"root@example.org"' "$SYS_SPOOL/1.json" ||
	fail "not to root@example.org: $(cat "$SYS_SPOOL/1.json")"

# On again: the account's next run withdraws it.
sysconf on
RC=0
as_system timeout 20 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
[ ! -e "$SQUEUE/user_config_off" ] || fail "still published"
sudo_alert
assert_exit 0 "user_config on again"
[ "$(user_received)" = 2 ] || fail "the user's own file is not used again"
exit 0
