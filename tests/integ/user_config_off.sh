#!/bin/bash
# "user_config off" in the system configuration: the users' own files are
# ignored for everyone, so a user's ~/.postierc cannot redirect system mail
# (sudo's alert).  Without it the user's file wins, as before.  The system
# file is the build's own sysconfdir, in a private mount namespace.
. "$(dirname "$0")/../lib/users.sh"
in_private_mounts "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/users.sh"
need_root_users
SYSCONF=$(build_dir sysconfdir)
private_dir "$SYSCONF"

U=pmu$$c
add_user "$U" "$T/h-$U"
H=$T/h-$U
cat >"$H/.postierc" <<'EOF2'
account default
host 192.0.2.1
from user-redirect@example.org
EOF2
chown "$U:" "$H/.postierc"
chmod 600 "$H/.postierc"

sysconf() {
	cat >"$SYSCONF/postie.conf" <<EOF2
defaults
$1
account default
host 127.0.0.1
port 9
from system@example.org
EOF2
	chmod 644 "$SYSCONF/postie.conf"
}

as_u() {
	RC=0
	as_user "$U" env -u XDG_CONFIG_HOME HOME="$H" "$POSTIE" "$@" \
	    </dev/null >"$T/out" 2>"$T/err" || RC=$?
}

# Without the key the user's own file is used (the test is not vacuous).
sysconf "user_config on"
as_u -v --dry-run -i root@example.com
assert_exit 0 "user_config on"
assert_contains "$T/out" "MAIL FROM:<user-redirect@example.org>"

sysconf "user_config off"
as_u -v --dry-run -i root@example.com
assert_exit 0 "user_config off"
assert_contains "$T/out" "MAIL FROM:<system@example.org>"
assert_not_contains "$T/out" "user-redirect"
assert_contains "$T/err" "skipped $H/.postierc: ignored (user_config off)"
# In an account of the system file it counts too, and for root as well.
sed -i '/user_config/d' "$SYSCONF/postie.conf"
echo "user_config off" >>"$SYSCONF/postie.conf"
cp "$H/.postierc" "$HOME/.postierc"
run_postie --dry-run -i root@example.com </dev/null
assert_exit 0 "root, user_config off in the account"
assert_contains "$T/out" "MAIL FROM:<system@example.org>"
# -C is still the user's explicit choice.
as_u -C "$H/.postierc" --dry-run -i root@example.com
assert_exit 0 "-C with user_config off"
assert_contains "$T/out" "MAIL FROM:<user-redirect@example.org>"
exit 0
