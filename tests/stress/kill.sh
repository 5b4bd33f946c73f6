#!/bin/bash
# kill.sh -- kill-signal stress (issue 14): SIGKILL, SIGTERM and SIGINT at
# random points of submissions and queue runs against a loopback server;
# checks that no message postie accepted is lost and counts duplicates
# outside the documented window after the final dot (see kill.py).
# Not part of make check (it takes minutes).  Run "make stress" (with
# STRESS_ARGS="SIGNALS SEED" if wanted), or from a build directory:
#
#   bash ../tests/stress/kill.sh [SIGNALS [SEED]]     (default 300, 1)
#
# POSTIE overrides the binary (default ./postie).  Needs Debian's
# /usr/bin/python3 with aiosmtpd.  Exit 0 when nothing was lost and no
# duplicate is outside the window.
set -u
here=$(cd "$(dirname "$0")" && pwd)
POSTIE=${POSTIE:-$PWD/postie}
[ -x "$POSTIE" ] || { echo "kill.sh: no postie at $POSTIE (run from build/)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/postie-kill.XXXXXX")
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/kill.py" "$POSTIE" "$here/../lib/smtpd.py" "$work" \
	"${1:-300}" "${2:-1}"
