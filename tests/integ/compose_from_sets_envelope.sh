#!/bin/bash
# Compose mode's --from is the envelope sender too (as mailx -r and msmtp
# --from): `postie --from 'Reports <reports@example.com>' -s X ops@...`
# sends MAIL FROM:<reports@example.com> and picks the account whose from
# matches it; -f still wins for the envelope; allow_from_override off keeps
# the account's from; a --from that is not one address is bad input (65).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
SPOOL=$T/spool-a start_smtpd
PORT_A=$SMTP_PORT
SPOOL=$T/spool-b start_smtpd
PORT_B=$SMTP_PORT
CFG=$T/postierc
write_config "$CFG" <<EOF2
defaults
host 127.0.0.1
tls off
queue off
domain client.example.com
timeout 10

account alpha
port $PORT_A
from alpha@example.com

account reports
port $PORT_B
from reports@example.com

account locked
port $PORT_A
from locked@example.com
allow_from_override off

account default : alpha
EOF2

landed() {
	local n=0 f
	for f in "$1"/*.eml; do [ -e "$f" ] && n=$((n + 1)); done
	[ "$n" = "$2" ] || fail "$1 holds $n message(s), expected $2"
}

# --from selects the reports account (its server) and is MAIL FROM.
printf 'numbers\n' | run_postie -C "$CFG" --from 'Reports <reports@example.com>' \
	-s 'Nightly' ops@example.net
assert_exit 0 "--from reports"
landed "$T/spool-a" 0
landed "$T/spool-b" 1
check_eml "$T/spool-b/1.eml" <<'PY'
eq(meta["mail_from"], "reports@example.com", "envelope sender from --from")
has("reports@example.com", str(msg["From"]), "From header")
has("Reports", str(msg["From"]), "From header display name")
PY

# A --from that matches no account: the default account carries it, with
# --from as the envelope sender.
printf 'x\n' | run_postie -C "$CFG" --from other@example.org -s 'Other' ops@example.net
assert_exit 0 "--from matching no account"
landed "$T/spool-a" 1
check_eml "$T/spool-a/1.eml" <<'PY'
eq(meta["mail_from"], "other@example.org", "envelope sender from --from")
PY

# -f wins over --from for the envelope (and for the account choice).
printf 'x\n' | run_postie -C "$CFG" -f alpha@example.com --from reports@example.com \
	-s 'Both' ops@example.net
assert_exit 0 "-f and --from"
landed "$T/spool-a" 2
landed "$T/spool-b" 1
check_eml "$T/spool-a/2.eml" <<'PY'
eq(meta["mail_from"], "alpha@example.com", "-f is the envelope sender")
has("reports@example.com", str(msg["From"]), "--from is the From header")
PY

# allow_from_override off: the account's own from stays the envelope.
printf 'x\n' | run_postie -C "$CFG" --account locked --from someone@example.org \
	-s 'Locked' ops@example.net
assert_exit 0 "allow_from_override off"
landed "$T/spool-a" 3
check_eml "$T/spool-a/3.eml" <<'PY'
eq(meta["mail_from"], "locked@example.com", "the account's from")
PY

# --dry-run shows it too.
run_postie -C "$CFG" --dry-run --from reports@example.com -s 'Dry' ops@example.net </dev/null
assert_exit 0 "--dry-run"
assert_contains "$T/out" "MAIL FROM:<reports@example.com>"

# Two addresses (or none) in --from: bad input, nothing sent.
printf 'x\n' | run_postie -C "$CFG" --from 'a@example.com, b@example.com' -s X ops@example.net
assert_exit 65 "--from with two addresses"
assert_contains "$T/err" "--from"
landed "$T/spool-a" 3
landed "$T/spool-b" 1
exit 0
