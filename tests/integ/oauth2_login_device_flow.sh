#!/bin/bash
# postie --oauth2-login with a device authorization endpoint (RFC 8628):
# it prints the verification URL and the user code, polls until the
# provider approves (authorization_pending first), stores the refresh
# token, and the next message uses it with no oauth2_refresh_token in the
# configuration.  The device code never appears in the output.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_oauth2d --approve-after 2
start_oauth_smtpd
smarthost_config starttls "user jane@example.com" \
	"oauth2_token_url $OAUTH_URL/token" \
	"oauth2_device_url $OAUTH_URL/device" \
	"oauth2_client_id test-client" \
	"oauth2_client_secret $CLIENT_SECRET" \
	"oauth2_scope https://outlook.office.com/SMTP.Send offline_access" \
	"oauth2_trust_file $CERTS/ca.pem"

run_postie_oauth --oauth2-login -C "$CFG" </dev/null
assert_exit 0 "device login"
assert_contains "$T/out" "https://127.0.0.1/devicelogin"
assert_contains "$T/out" "WDJB-MJHT"
assert_contains "$T/out" "postie/oauth2/default"
assert_not_contains "$T/out" "dc-secret-device-code"
assert_not_contains "$T/err" "dc-secret-device-code"
grep -q '^/device -$' "$OAUTH_DIR/requests.log" || fail "no device authorization request"
[ "$(grep -c 'device_code$' "$OAUTH_DIR/requests.log")" = 2 ] ||
	fail "expected two polls (pending, then approved)"
[ "$(state_json refresh_token)" = "$(cat "$OAUTH_DIR/refresh")" ] ||
	fail "the granted refresh token was not stored"
[ "$(stat -c %a "$STATE_FILE")" = 600 ] || fail "state file not private"
assert_not_contains "$T/out" "$(state_json refresh_token)"

printf 'Subject: after login\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "send after login"
assert_received 1
assert_token_requests 0 "the login's access token is still fresh"
