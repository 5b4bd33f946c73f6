# users.sh — sourced after common.sh by the tests that run postie as other
# local users (root only: they create users and switch with setpriv).
#
#   need_root_users        skip (77) unless root with setpriv and useradd
#   build_dir NAME         a directory variable of the build (sysconfdir,
#                          localstatedir, ...) with ${prefix} expanded
#   private_dir DIR        in the test's own mount namespace (see
#                          in_private_mounts), a fresh empty tmpfs over DIR
#   add_user NAME [HOME]   useradd a user (no home created unless HOME is
#                          given, then created and owned by the user);
#                          removed when the test ends
#   as_user NAME CMD...    run CMD with NAME's uid, gid and groups only
#                          (the environment is the caller's)
#
# A test that changes system directories first re-executes itself in a
# private mount namespace: in_private_mounts "$@" before sourcing common.sh.

in_private_mounts() {
	[ -n "${POSTIE_TEST_MOUNTNS:-}" ] && return 0
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	POSTIE_TEST_MOUNTNS=1 exec unshare -m --propagation private \
	    bash "$0" "$@"
	echo "SKIP: unshare -m failed"; exit 77
}

need_root_users() {
	[ "$(id -u)" = 0 ] || skip "needs root (creates users)"
	need_cmd setpriv
	need_cmd useradd
	need_cmd userdel
	# The user must be able to reach the binary and the test's files.
	chmod 755 "$T"
}

build_dir() {
	local mk=$top_builddir/Makefile v prefix exec_prefix
	prefix=$(sed -n 's/^prefix = //p' "$mk")
	exec_prefix=$(sed -n 's/^exec_prefix = //p' "$mk")
	exec_prefix=${exec_prefix//\$\{prefix\}/$prefix}
	v=$(sed -n "s/^$1 = //p" "$mk")
	v=${v//\$\{exec_prefix\}/$exec_prefix}
	v=${v//\$\{prefix\}/$prefix}
	echo "$v"
}

private_dir() {
	[ -n "${POSTIE_TEST_MOUNTNS:-}" ] || fail "private_dir outside the namespace"
	case $1 in /etc|/etc/|/var|/usr|/) skip "will not hide $1" ;; esac
	mkdir -p "$1" && mount -t tmpfs -o mode=755 postie-test "$1" ||
	    skip "cannot mount a tmpfs on $1"
}

_USERS_ADDED=()
_users_cleanup() {
	local u
	for u in ${_USERS_ADDED[@]+"${_USERS_ADDED[@]}"}; do
		userdel "$u" >/dev/null 2>&1 || true
	done
}
CLEANUP_HOOKS+=(_users_cleanup)

add_user() {
	local name=$1 home=${2:-/nonexistent}
	useradd --no-create-home --home-dir "$home" --shell /bin/sh \
	    --user-group "$name" >/dev/null || fail "useradd $name"
	_USERS_ADDED+=("$name")
	if [ -n "${2:-}" ]; then
		mkdir -p "$home" && chown "$name:" "$home" && chmod 700 "$home"
	fi
}

as_user() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"
}
