# sysmode.sh — sourced after users.sh by the tests of the system mode
# (doc/multiuser.md).  Inside the test's private mount namespace it hides
# the build's sysconfdir, localstatedir and libexecdir under tmpfs, puts
# the built drop helper where the binary looks for it, and runs the real
# postie-setup-system with a system account and drop group of the test's
# own (removed at the end), so the machine's /etc and /var are untouched.
#
#   sysmode_setup          after it: SYSCONF (the system file's path),
#                          DROP (drop dir), SQUEUE (the account's queue),
#                          HELPER, SYSU (the account), DROPG (drop group)
#   as_system CMD...       run CMD as the account, HOME its queue dir
#   drop_count             entries (not "t" files) in the drop directory

sysmode_setup() {
	local etc var libexec
	etc=$(build_dir sysconfdir)
	var=$(build_dir localstatedir)
	libexec=$(build_dir libexecdir)
	private_dir "$etc"
	private_dir "$var"
	private_dir "$libexec"
	SYSCONF=$etc/postie.conf
	DROP=$var/spool/postie-drop
	SQUEUE=$var/spool/postie-system
	HELPER=$libexec/postie/postie-drop
	mkdir -p "$libexec/postie"
	cp "$top_builddir/postie-drop" "$HELPER"
	SYSU=pts$$s
	DROPG=ptd$$s
	CLEANUP_HOOKS+=(_sysmode_cleanup)
	"$top_builddir/postie-setup-system" --user "$SYSU" \
	    --drop-group "$DROPG" --no-units >"$T/setup.out" 2>&1 ||
	    { cat "$T/setup.out" >&2; fail "postie-setup-system failed"; }
}

_sysmode_cleanup() {
	userdel "$SYSU" >/dev/null 2>&1 || true
	groupdel "$SYSU" >/dev/null 2>&1 || true
	groupdel "$DROPG" >/dev/null 2>&1 || true
}

as_system() {
	as_user "$SYSU" env -u XDG_CONFIG_HOME -u XDG_STATE_HOME \
	    HOME="$SQUEUE" "$@"
}

drop_count() {
	find "$DROP" -maxdepth 1 -type f -regextype posix-extended \
	    -regex '.*/[0-9a-f]{32}' | wc -l
}
