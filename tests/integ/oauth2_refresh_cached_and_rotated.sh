#!/bin/bash
# OAuth 2.0 without helper scripts: the first message refreshes the token
# at the token endpoint and stores it (mode 600), a second message uses the
# cached token (no request), an expired token is refreshed, and a rotated
# refresh token is persisted and used by the next refresh (the old one no
# longer works at the provider).  OAUTHBEARER is preferred, XOAUTH2 used
# when it is the only one offered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_oauth2d --refresh-token "$FIRST_RT" --rotate
start_oauth_smtpd
oauth_config

# first refresh
printf 'Subject: one\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "first message"
assert_received 1
assert_token_requests 1 "first message"
[ -f "$STATE_FILE" ] || fail "no token state file at $STATE_FILE"
[ "$(stat -c %a "$STATE_FILE")" = 600 ] || fail "state file mode $(stat -c %a "$STATE_FILE")"
[ "$(stat -c %a "$(dirname "$STATE_FILE")")" = 700 ] || fail "state dir not private"
[ "$(state_json access_token)" = "$(cat "$OAUTH_DIR/access")" ] ||
	fail "the state file does not hold the issued access token"
rotated=$(state_json refresh_token)
[ "$rotated" = "$(cat "$OAUTH_DIR/refresh")" ] && [ "$rotated" != "$FIRST_RT" ] ||
	fail "the rotated refresh token was not stored"
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["auth"], "jane@example.com", "user")
eq(meta["auth_mech"], "OAUTHBEARER", "mechanism")
PY

# cache hit: no request for a second message
printf 'Subject: two\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "second message"
assert_received 2
assert_token_requests 1 "second message (cached token)"

# expiry: a token with less than 60 s left is refreshed, with the rotated
# refresh token (the configured first one is void at the provider now)
"$PYTHON3" - "$STATE_FILE" <<'PY'
import json, sys, time
p = sys.argv[1]
st = json.load(open(p))
st["expires_at"] = int(time.time()) + 30
json.dump(st, open(p, "w"))
PY
printf 'Subject: three\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "expired token"
assert_received 3
assert_token_requests 2 "expired token"
[ "$(state_json refresh_token)" = "$(cat "$OAUTH_DIR/refresh")" ] ||
	fail "the second rotation was not stored"
[ "$(state_json refresh_token)" != "$rotated" ] || fail "no second rotation"

# XOAUTH2 when the server offers only it; auth xoauth2 forces it (a
# second SMTP server, the same provider and cached token)
SPOOL=$T/spool-xoauth2
start_oauth_smtpd --oauth-mechs XOAUTH2
oauth_config
printf 'Subject: four\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "XOAUTH2 offered alone"
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["auth_mech"], "XOAUTH2", "mechanism")
PY
SPOOL=$T/spool-forced
start_oauth_smtpd
oauth_config "auth xoauth2"
printf 'Subject: five\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "auth xoauth2"
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["auth_mech"], "XOAUTH2", "mechanism")
PY
assert_token_requests 2 "other servers, same cached token"

# --serverinfo --auth tests an OAuth 2.0 account's credentials with its
# (cached) token, as a delivery would, and sends nothing.
run_postie_oauth -C "$CFG" --serverinfo --auth
assert_exit 0 "--serverinfo --auth with OAuth 2.0"
assert_contains "$T/out" "AUTH: accepted for user jane@example.com"
assert_received 1
assert_token_requests 2 "--serverinfo --auth uses the cached token"
# A token the provider no longer honours: refused once, refreshed, then
# accepted (as a delivery does), never a password prompt.
"$PYTHON3" - "$STATE_FILE" <<'PY'
import json, sys
p = sys.argv[1]
st = json.load(open(p))
st["access_token"] = "not-the-current-token"
json.dump(st, open(p, "w"))
PY
run_postie_oauth -C "$CFG" --serverinfo --auth
assert_exit 0 "--serverinfo --auth with a refused token"
assert_token_requests 3 "the refused token was refreshed once"
