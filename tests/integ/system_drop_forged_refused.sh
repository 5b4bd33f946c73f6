#!/bin/bash
# The system account's queue run believes nothing in the drop directory
# that it has not checked: a symbolic link, a FIFO, an entry of another
# group or mode, one whose uid line is not its owner, a broken envelope
# and a foreign name are each reported once, moved aside and never sent;
# the run does not hang on the FIFO, and the good entry beside them is
# delivered.  The helper itself keeps nothing of an input cut short.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
. "$LIB/sysmode.sh"
need_root_users
start_smtpd
sysmode_setup
cat >"$SYSCONF" <<EOF2
account default
host 127.0.0.1
port $SMTP_PORT
tls off
domain example.org
EOF2
chown "$SYSU:" "$SYSCONF"
chmod 600 "$SYSCONF"
U=ptu$$f
add_user "$U" "$T/h-$U"
uid=$(id -u "$U")

# entry UID: a well-formed entry whose uid line says UID.
entry() {
	local env
	env=$(printf 'postie-queue 1\nid 0000000A\ncreated 0\nfrom forged@example.com\nattempts 0\nnext 0\nlast 0\nrcpt\tpending\t0\tvictim@example.com\t\nend\n.')
	env=${env%.}
	printf 'postie-drop 1\nuid %s\nenv %s\n%s' "$1" "${#env}" "$env"
	printf 'Subject: forged\r\n\r\nforged\r\n'
}
hexname() { printf '%032x' "$1"; }

ln -s "$SYSCONF" "$DROP/$(hexname 1)"
mkfifo "$DROP/$(hexname 2)"
entry "$uid" >"$DROP/$(hexname 3)"		# the user's own group
chown "$U:$U" "$DROP/$(hexname 3)"; chmod 644 "$DROP/$(hexname 3)"
entry 0 >"$DROP/$(hexname 4)"			# claims to be root's
chown "$U:$DROPG" "$DROP/$(hexname 4)"; chmod 640 "$DROP/$(hexname 4)"
entry "$uid" >"$DROP/$(hexname 5)"		# world-readable
chown "$U:$DROPG" "$DROP/$(hexname 5)"; chmod 644 "$DROP/$(hexname 5)"
printf 'postie-drop 1\nuid %s\nenv 5\nhello' "$uid" >"$DROP/$(hexname 6)"
chown "$U:$DROPG" "$DROP/$(hexname 6)"; chmod 640 "$DROP/$(hexname 6)"
echo junk >"$DROP/README"

# The helper keeps nothing of an input cut short (a postie that failed
# halfway): no entry, no temporary file.
RC=0
printf 'env 3\nabc5\nhel' | as_user "$U" "$HELPER" >"$T/out" 2>"$T/err" ||
    RC=$?
assert_exit 65 "helper, message cut short"
assert_contains "$T/err" "ends inside a chunk"
RC=0
printf 'env 3\nabc5\nhello' | as_user "$U" "$HELPER" >"$T/out" 2>"$T/err" ||
    RC=$?
assert_exit 65 "helper, no last chunk"
[ -z "$(ls -A "$DROP" | grep '^t')" ] || fail "a half entry was left"

RC=0
printf 'Subject: good\n\nreal\n' | as_user "$U" env -u XDG_CONFIG_HOME \
    -u XDG_STATE_HOME HOME="$T/h-$U" "$POSTIE" -i ops@example.com ||
    RC=$?
assert_exit 0 "the good entry"

RC=0
as_system timeout 20 "$POSTIE" -q -v >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "queue run among forged entries"
assert_contains "$T/err" "pickup: 1 taken, 7 refused, 0 left"
assert_contains "$T/err" "$(hexname 1): a symbolic link"
assert_contains "$T/err" "$(hexname 2): not a regular file"
assert_contains "$T/err" "$(hexname 3): its group is gid"
assert_contains "$T/err" "$(hexname 4): its uid line does not name its owner"
assert_contains "$T/err" "$(hexname 5): mode 0644"
assert_contains "$T/err" "$(hexname 6): its envelope"
assert_contains "$T/err" "README: not a drop entry's name"
assert_received 1
check_eml "$SPOOL/1.eml" <<PY
eq(meta["rcpt_tos"], ["ops@example.com"], "only the good entry")
PY
[ -z "$(ls -A "$DROP")" ] || fail "left in the drop dir: $(ls -A "$DROP")"
[ "$(ls -A "$SQUEUE/bad-drop" | wc -l)" = 7 ] || fail "not moved aside"
[ -L "$SQUEUE/bad-drop/$(hexname 1)" ] || fail "the link was followed"

# Reported once: the next run has nothing to say about them.
RC=0
as_system timeout 20 "$POSTIE" -q -v >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "second run"
assert_not_contains "$T/err" "drop entry"
assert_received 1
exit 0
