#!/bin/sh
# Install what postie needs to build, test and benchmark on Debian 12, as
# root, without starting any service or changing the machine's mail system.
# Used by the README and .ci/run.
#
# The interop tests need Postfix, but installing the postfix package would
# make it the machine's /usr/sbin/sendmail and mailq.  So only its shared
# library dependencies are installed; the package itself is downloaded and
# unpacked into a private copy ($POSTFIX_ROOT) that tests/lib/postfix.sh runs
# from, and the postfix user and postdrop group it runs as are created if
# missing.
set -eu
PACKAGES="build-essential autoconf automake autoconf-archive pkg-config
libgnutls28-dev libidn2-dev libmagic-dev libgsasl-dev
python3-aiosmtpd dnsmasq-base gnutls-bin msmtp
clang libclang-rt-14-dev valgrind sasl2-bin libsasl2-modules
s-nail mutt git git-email libmailtools-perl php-cli php-mbstring
php-symfony-mailer php-swiftmailer iproute2 file hyperfine
ca-certificates zsh fish python3-dkim opendkim-tools libcurl4-gnutls-dev
libjansson-dev curl util-linux unbound ldnsutils"
# What Debian 12's postfix package Depends on that a private copy uses at
# run time (the rest is for its maintainer scripts).
POSTFIX_LIBS="libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3 netbase"
POSTFIX_ROOT=${POSTIE_POSTFIX_ROOT:-/var/cache/postie-tests/postfix}

# Undo what this script made only for its own run.
remove_policy= work=
cleanup() {
	[ -z "$remove_policy" ] || rm -f /usr/sbin/policy-rc.d
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

missing=
for p in $PACKAGES $POSTFIX_LIBS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: every package is installed"
else
	export DEBIAN_FRONTEND=noninteractive
	# Installing a package must not start a daemon.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		remove_policy=1
	fi
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi

# The private Postfix: unpacked, never installed.
if [ -x "$POSTFIX_ROOT/usr/sbin/postfix" ]; then
	echo "install-deps: private Postfix in $POSTFIX_ROOT"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/postie-postfix.XXXXXX")
	# apt's sandbox user must be able to write the download directory.
	chown _apt "$work" 2>/dev/null || true
	(cd "$work" && apt-get download postfix) ||
		{ apt-get update && (cd "$work" && apt-get download postfix); }
	dpkg-deb -x "$work"/postfix_*.deb "$work/root"
	mkdir -p "$(dirname "$POSTFIX_ROOT")"
	rm -rf "$POSTFIX_ROOT"
	mv "$work/root" "$POSTFIX_ROOT"
	echo "install-deps: private Postfix $(dpkg-deb -f "$work"/postfix_*.deb Version) in $POSTFIX_ROOT"
fi
getent group postfix >/dev/null || groupadd --system postfix
getent group postdrop >/dev/null || groupadd --system postdrop
id postfix >/dev/null 2>&1 ||
	useradd --system --gid postfix --home-dir /nonexistent --no-create-home \
		--shell /usr/sbin/nologin postfix
