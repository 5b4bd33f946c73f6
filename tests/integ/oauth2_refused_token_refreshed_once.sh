#!/bin/bash
# A cached token that the server refuses (revoked before its expiry):
# postie refreshes once and authenticates again in the same session, with
# OAUTHBEARER (error challenge answered with ^A) and with XOAUTH2 (error
# challenge answered empty).  A token refused twice is an AUTH failure.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_oauth2d --refresh-token "$FIRST_RT"
start_oauth_smtpd
oauth_config

stale_state() {
	mkdir -p "$(dirname "$STATE_FILE")"
	"$PYTHON3" - "$STATE_FILE" "$FIRST_RT" <<'PY'
import json, sys, time
json.dump({"access_token": "at-revoked-stale", "expires_at": int(time.time()) + 3000,
	   "refresh_token": sys.argv[2]}, open(sys.argv[1], "w"))
PY
	chmod 600 "$STATE_FILE"
}

n=0
for mech in oauthbearer xoauth2; do
	stale_state
	oauth_config "auth $mech"
	printf 'Subject: %s\n\nbody\n' $mech | run_postie_oauth -C "$CFG" bob@example.net
	assert_exit 0 "stale token, $mech"
	n=$((n + 1))
	assert_received $n
	assert_token_requests $n "one refresh after the refusal ($mech)"
	[ "$(grep -c "^C b'AUTH ${mech^^}" "$SPOOL/dialogue.log")" = 2 ] ||
		fail "expected two AUTH ${mech^^} commands"
	[ "$(grep -c "^S '220 test.smtpd" "$SPOOL/dialogue.log")" = $n ] ||
		fail "the retry did not happen in the same session"
	[ "$(state_json access_token)" = "$(cat "$OAUTH_DIR/access")" ] ||
		fail "the refreshed token was not stored"
done

# The provider issues a token the server does not take: refused twice,
# an AUTH failure (77 with the queue off), one refresh only.
stale_state
echo at-never-valid > "$T/smtp-token"
SPOOL=$T/spool-other
start_smtpd --starttls --oauth-token-file "$T/smtp-token"
oauth_config
before=$(token_requests)
printf 'Subject: refused\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 77 "refused twice"
assert_token_requests $((before + 1)) "refused twice: still one refresh"
assert_contains "$T/err" "authentication failed"
