#!/bin/bash
# mailq for every user (doc/multiuser.md): a message waiting in the system
# queue (the relay down) is listed by a plain user's mailq and mailq
# --json, who cannot read that queue, from the snapshot the account's run
# publishes: envelopes only, saying how old, gone once the message is.
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
U=ptu$$m
V=ptv$$m
add_user "$U"
add_user "$V"

RC=0
printf 'Subject: secret subject\n\nsecret body line\n' |
    as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME=/root \
    "$POSTIE" -i ops@example.com >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "drop while the relay is down"
RC=0
as_system timeout 30 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "account's run, relay down"
[ "$(ls "$SQUEUE"/*.env 2>/dev/null | wc -l)" = 1 ] ||
	fail "not in the account's queue: $(ls -R "$SQUEUE")"

# Another user, who cannot list the account's queue, sees the message.
if as_user "$V" ls "$SQUEUE" >/dev/null 2>&1; then
	fail "a user can list the account's queue"
fi
RC=0
as_user "$V" env HOME=/nonexistent "$POSTIE" -bp >"$T/out" 2>"$T/err" ||
    RC=$?
assert_exit 0 "a user's mailq"
assert_matches "$T/out" "^== system queue as of [0-9][0-9]:[0-9][0-9]:[0-9][0-9] "
assert_contains "$T/out" "$U@example.org"
assert_contains "$T/out" "ops@example.com"
RC=0
as_user "$V" env HOME=/nonexistent "$POSTIE" -bp --json >"$T/json" \
    2>"$T/err" || RC=$?
assert_exit 0 "a user's mailq --json"
/usr/bin/python3 - "$T/json" "$U@example.org" <<'PY' || fail "mailq --json: $(cat "$T/json")"
import json, sys, time
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 1, lines
m = lines[0]
assert m["queue_name"] == "deferred", m
assert m["sender"] == sys.argv[2], m
assert [r["address"] for r in m["recipients"]] == ["ops@example.com"], m
assert abs(time.time() - m["snapshot_time"]) < 120, m
PY
# Envelopes only: no content, no secret, in what any user can read.
for f in "$T/out" "$T/json" "$SQUEUE/mailq.txt" "$SQUEUE/mailq.json"; do
	assert_not_contains "$f" "secret"
done
[ "$(stat -c %a "$SQUEUE/mailq.json")" = 644 ] || fail "mailq.json's mode"

# The relay back, the account's next run delivers and republishes.
start_smtpd --port "$PORT"
RC=0
as_system timeout 30 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "account's run, relay back"
assert_received 1
RC=0
as_user "$V" env HOME=/nonexistent "$POSTIE" -bp --json >"$T/json" \
    2>"$T/err" || RC=$?
assert_exit 0 "a user's mailq --json, queue empty"
[ ! -s "$T/json" ] || fail "still listed: $(cat "$T/json")"
exit 0
