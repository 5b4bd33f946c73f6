#!/bin/bash
# The system mode, end to end: after postie-setup-system, a user's cron
# job (HOME=/root, no configuration of their own) and a user with no home
# at all (www-data) exit 0 once the message is in the drop directory,
# which no user can list or read; the queue run as the system account
# delivers it through the authenticated relay of the system file (mode
# 600, the account's), with the user's address as the envelope sender
# and the system's aliases.  Root and a user with their own file keep
# direct delivery.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
. "$LIB/sysmode.sh"
need_root_users
start_smtpd --starttls --auth "relay:S3cret-Sys-Pw"
SECRET=S3cret-Sys-Pw

sysmode_setup
cat >"$(dirname "$SYSCONF")/aliases" <<'EOF2'
root: ops@example.com
EOF2
cat >"$SYSCONF" <<EOF2
account default
host 127.0.0.1
port $SMTP_PORT
tls on
tls_starttls on
tls_trust_file $CERTS/ca.pem
auth plain
user relay
password $SECRET
domain example.org
aliases $(dirname "$SYSCONF")/aliases
timeout 10
EOF2
chmod 644 "$CERTS/ca.pem"
# Run again: idempotent, and now the file exists to be given away.
"$top_builddir/postie-setup-system" --user "$SYSU" --drop-group "$DROPG" \
    --no-units >"$T/setup.out" 2>&1 || fail "second setup run failed"
[ "$(stat -c '%U %a' "$SYSCONF")" = "$SYSU 600" ] ||
	fail "system file: $(stat -c '%U %a' "$SYSCONF")"
[ "$(stat -c '%U %G %a' "$DROP")" = "$SYSU $DROPG 1730" ] ||
	fail "drop dir: $(stat -c '%U %G %a' "$DROP")"
[ "$(stat -c '%G %a' "$HELPER")" = "$DROPG 2755" ] ||
	fail "helper: $(stat -c '%G %a' "$HELPER")"

U=ptu$$s
add_user "$U" "$T/h-$U"
W=ptw$$s
add_user "$W"		# no home, as www-data

# A user's cron job: cron keeps HOME=/root and calls sendmail the Debian way.
RC=0
printf 'Subject: cron job\n\nnightly output\n' |
    as_user "$U" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME=/root \
    "$POSTIE" -FCronDaemon -i -B8BITMIME -oem root >"$T/out" 2>"$T/err" ||
    RC=$?
assert_exit 0 "cron job of a user"
[ ! -s "$T/err" ] || fail "stderr not empty: $(cat "$T/err")"
assert_received 0
[ "$(drop_count)" = 1 ] || fail "drop dir holds $(drop_count) entries"

# No user can list the drop directory or read an entry, even their own.
name=$(basename "$(find "$DROP" -maxdepth 1 -type f | head -1)")
! as_user "$U" ls "$DROP" >/dev/null 2>&1 || fail "a user can list $DROP"
! as_user "$U" cat "$DROP/$name" >/dev/null 2>&1 ||
	fail "a user can read an entry"
! as_user "$U" cat "$SYSCONF" >/dev/null 2>&1 || fail "a user reads $SYSCONF"

# www-data: no home, PHP's mail() runs sendmail -t -i.
RC=0
printf 'To: ops@example.com\nSubject: from php\n\nhello\n' |
    as_user "$W" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME=/nonexistent \
    "$POSTIE" -t -i >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "user without a home"
[ "$(drop_count)" = 2 ] || fail "drop dir holds $(drop_count) entries"

# PHP's Symfony mailer speaks SMTP to "sendmail -bs": each transaction
# is dropped the same way.
RC=0
printf 'EHLO web\r\nMAIL FROM:<app@example.net>\r\nRCPT TO:<ops@example.com>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' |
    as_user "$W" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME=/nonexistent \
    "$POSTIE" -bs >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "-bs session of a user without a home"
grep -q '^250 .*' "$T/out" || fail "no 250 in the -bs session"
[ "$(grep -c '^250' "$T/out")" -ge 4 ] || fail "DATA not accepted: $(cat "$T/out")"
[ "$(drop_count)" = 3 ] || fail "drop dir holds $(drop_count) entries"

# The system side: the account's queue run takes them and delivers them.
RC=0
as_system timeout 30 "$POSTIE" -q -v >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "queue run as the system account"
assert_contains "$T/err" "pickup: 3 taken, 0 refused, 0 left"
assert_not_contains "$T/err" "$SECRET"
assert_received 3
[ "$(drop_count)" = 0 ] || fail "entries left in the drop directory"
check_eml "$SPOOL/1.eml" <<PY
eq(meta["mail_from"], "$U@example.org", "sender: the cron job's user")
eq(meta["rcpt_tos"], ["ops@example.com"], "root through the system aliases")
eq(meta["auth"], "relay", "the system relay's account")
has("CronDaemon", msg["From"], "-F kept")
has("nightly output", msg.get_content(), "body")
PY
check_eml "$SPOOL/2.eml" <<PY
eq(meta["mail_from"], "$W@example.org", "sender: the www-data user")
eq(meta["rcpt_tos"], ["ops@example.com"], "-t recipients")
PY
check_eml "$SPOOL/3.eml" <<PY
eq(meta["mail_from"], "app@example.net", "-bs MAIL FROM (allow_from_override)")
has("via -bs", msg.get_content(), "body")
PY

# Root keeps direct delivery with the account's file.
printf 'Subject: root\n\nx\n' | run_postie -i root
assert_exit 0 "root delivers directly"
assert_received 4
[ "$(drop_count)" = 0 ] || fail "root's message went to the drop dir"

# A user with a configuration of their own keeps it.
cat >"$T/h-$U/.postierc" <<'EOF2'
account default
host 192.0.2.1
from own@example.net
EOF2
chown "$U:" "$T/h-$U/.postierc"
RC=0
as_user "$U" env -u XDG_CONFIG_HOME HOME="$T/h-$U" "$POSTIE" --dry-run -i \
    x@example.com </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "user with own file"
assert_contains "$T/out" "MAIL FROM:<own@example.net>"
exit 0
