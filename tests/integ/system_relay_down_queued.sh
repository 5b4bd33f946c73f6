#!/bin/bash
# The system mode when the relay is down: the account's run takes the
# user's entry and keeps it in the account's own queue (not the user's,
# not root's), its mailq shows it, and its next run delivers it once the
# relay is back, still from the user's address.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
. "$LIB/sysmode.sh"
need_root_users
need_aiosmtpd
PORT=$(free_port)
sysmode_setup
cat >"$SYSCONF" <<EOF2
account default
host 127.0.0.1
port $PORT
tls off
domain example.org
timeout 5
EOF2
chown "$SYSU:" "$SYSCONF"
chmod 600 "$SYSCONF"
U=ptu$$q
add_user "$U"

RC=0
printf 'Subject: while down\n\nwait for me\n' |
    as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME=/root \
    "$POSTIE" -i ops@example.com >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "drop while the relay is down"

RC=0
as_system timeout 30 "$POSTIE" -q -v >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "account's run, relay down"
assert_contains "$T/err" "pickup: 1 taken, 0 refused, 0 left"
assert_contains "$T/err" "queued: "
[ "$(drop_count)" = 0 ] || fail "the entry stayed in the drop directory"
[ "$(ls "$SQUEUE"/*.env 2>/dev/null | wc -l)" = 1 ] ||
	fail "not in the account's queue: $(ls -R "$SQUEUE")"
RC=0
as_system "$POSTIE" -bp >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "the account's mailq"
assert_contains "$T/out" "$U@example.org"
assert_contains "$T/out" "ops@example.com"

start_smtpd --port "$PORT"
RC=0
as_system timeout 30 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "account's run, relay back"
assert_received 1
check_eml "$SPOOL/1.eml" <<PY
eq(meta["mail_from"], "$U@example.org", "the user's address")
eq(meta["rcpt_tos"], ["ops@example.com"], "recipient")
PY
[ "$(ls "$SQUEUE"/*.env 2>/dev/null | wc -l)" = 0 ] || fail "still queued"
exit 0
