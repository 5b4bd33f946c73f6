#!/bin/bash
# A configuration file of the search order that cannot be read is not
# there (EACCES, ELOOP, EISDIR as ENOENT): a user's cron job runs postie
# with HOME=/root and must not exit 78.  -v says what was skipped and why.
# Only -C naming an unreadable file is an error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
need_root_users

# Cron's case, literally: a user with HOME=/root and no configuration.
RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -u XDG_CONFIG_HOME HOME=/root "$POSTIE" -v --dry-run -i \
    ops@example.com </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "nobody with HOME=/root"
assert_contains "$T/out" "RCPT TO:<ops@example.com>"

# A home the user cannot enter, holding a file.
mkdir -p "$T/roothome"
chmod 700 "$T/roothome"
echo "account default" >"$T/roothome/.postierc"
RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -u XDG_CONFIG_HOME HOME="$T/roothome" "$POSTIE" -v --dry-run -i \
    ops@example.com </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "unreadable home"
assert_contains "$T/err" "skipped $T/roothome/.config/postie/config: Permission denied"
assert_contains "$T/err" "skipped $T/roothome/.postierc: Permission denied"
# Without -v, not a word.
RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -u XDG_CONFIG_HOME HOME="$T/roothome" "$POSTIE" --dry-run -i \
    ops@example.com </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "unreadable home, no -v"
[ -s "$T/err" ] && fail "stderr without -v: $(cat "$T/err")"

# The user's own home: a symlink loop, a directory, then a real file.
H=$T/userhome
mkdir -p "$H/.config/postie"
ln -s loop "$H/.config/postie/loop"
ln -s loop "$H/.config/postie/config"
rm "$H/.config/postie/loop"; ln -s config "$H/.config/postie/loop"
mkdir "$H/.postierc"
printf 'account default\nhost 127.0.0.1\nport 9\nfrom users-file@example.org\n' \
    >"$H/.msmtprc"
chown -R nobody:nogroup "$H"
RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -u XDG_CONFIG_HOME HOME="$H" "$POSTIE" -v --dry-run -i \
    ops@example.com </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "loop and directory skipped"
assert_contains "$T/out" "MAIL FROM:<users-file@example.org>"
assert_contains "$T/err" "skipped $H/.config/postie/config: Too many levels of symbolic links"
assert_contains "$T/err" "skipped $H/.postierc: Is a directory"

# -C naming what cannot be read is the user's mistake: 78, one line.
RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$POSTIE" -C "$T/roothome/.postierc" --dry-run -i ops@example.com \
    </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 78 "-C unreadable"
assert_contains "$T/err" "cannot open $T/roothome/.postierc: Permission denied"
run_postie -C "$H/.postierc" --dry-run -i ops@example.com </dev/null
assert_exit 78 "-C a directory"
assert_contains "$T/err" "not a regular file"
exit 0
