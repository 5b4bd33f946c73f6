#!/bin/sh
# Install what postie needs to build, test and benchmark on Debian 12, as
# root, without starting any service.  Used by the README and .ci/run.
set -eu
PACKAGES="build-essential autoconf automake autoconf-archive pkg-config
libgnutls28-dev libidn2-dev libmagic-dev libgsasl-dev
python3-aiosmtpd postfix dnsmasq-base gnutls-bin msmtp
clang libclang-rt-14-dev valgrind sasl2-bin libsasl2-modules
s-nail mutt git git-email libmailtools-perl php-cli iproute2 file hyperfine
ca-certificates"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || { echo "install-deps: everything is installed"; exit 0; }

export DEBIAN_FRONTEND=noninteractive
# Installing postfix must not start a daemon or configure a mail system.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
