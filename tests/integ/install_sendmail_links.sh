#!/bin/bash
# make install with --enable-sendmail-links puts sendmail where callers run
# it (/usr/sbin/sendmail, /usr/lib/sendmail), whatever the prefix; mailq and
# newaliases go next to postie.  An existing sendmail of another MTA stops
# the install with a message naming the file and the way out, and is left
# as it was.  Runs the install hook alone (no build, no copy of postie)
# into a DESTDIR under $T, never onto this machine.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd make
[ -f "$top_builddir/Makefile" ] || skip "no configured build directory"
bindir=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" -f Makefile -f - print-bindir <<'MK' 2>/dev/null
print-bindir: ; @echo $(bindir)
MK
)
[ -n "$bindir" ] || fail "cannot read bindir from the Makefile"

install_exec() {
	RC=0
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" install-exec-hook DESTDIR="$1" enable_sendmail_links=yes \
		>"$T/out" 2>"$T/err" || RC=$?
}

D=$T/root
install_exec "$D"
assert_exit 0 "make install-exec-hook with the links"
# make install names the system mode's setup command (doc/multiuser.md).
assert_contains "$T/out" "postie-setup-system"
for f in /usr/sbin/sendmail /usr/lib/sendmail "$bindir/mailq" "$bindir/newaliases"; do
	[ -L "$D$f" ] || fail "no link $f"
	[ "$(readlink "$D$f")" = "$bindir/postie" ] ||
		fail "$f -> $(readlink "$D$f"), want $bindir/postie"
done

# Installing again over its own links is fine.
install_exec "$D"
assert_exit 0 "second install over postie's own links"

# Another MTA's sendmail: refused, named, untouched.
D2=$T/root2
mkdir -p "$D2/usr/sbin"
printf '#!/bin/sh\necho other MTA\n' > "$D2/usr/sbin/sendmail"
install_exec "$D2"
assert_exit_nonzero "install over another MTA's sendmail"
assert_contains "$T/err" "$D2/usr/sbin/sendmail exists and is not postie"
assert_contains "$T/err" "remove that MTA first"
[ ! -L "$D2/usr/sbin/sendmail" ] && grep -q "other MTA" "$D2/usr/sbin/sendmail" ||
	fail "the other MTA's sendmail was changed"
exit 0
