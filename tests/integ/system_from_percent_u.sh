#!/bin/bash
# %U in the system file's from names the user who dropped the message,
# not the system account that delivers it: envelope sender and the From
# header postie adds.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
. "$LIB/sysmode.sh"
need_root_users
need_aiosmtpd
PORT=$(free_port)
start_smtpd --port "$PORT"
sysmode_setup
cat >"$SYSCONF" <<EOF2
account default
host 127.0.0.1
port $PORT
tls off
domain example.org
from %U@mail.example.net
timeout 5
EOF2
chown "$SYSU:" "$SYSCONF"
chmod 600 "$SYSCONF"
U=ptu$$f
add_user "$U"

RC=0
printf 'Subject: from whom\n\nhello\n' |
    as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME=/root \
    "$POSTIE" -i ops@example.com >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "drop"
RC=0
as_system timeout 30 "$POSTIE" -q >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "account's run"
assert_received 1
check_eml "$SPOOL/1.eml" <<PY
eq(meta["mail_from"], "$U@mail.example.net", "envelope sender: the user's %U")
has("$U@mail.example.net", str(msg["From"]), "From header: the user's %U")
PY
exit 0
