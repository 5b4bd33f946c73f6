#!/bin/bash
# postie --oauth2-login without a device endpoint (Google): the
# authorization code grant with PKCE and a loopback redirect.  postie
# prints the URL to open and listens on 127.0.0.1; the test plays the
# browser (the fake authorization endpoint redirects with code and state),
# the provider checks the S256 code_challenge against the code_verifier,
# and the refresh token is stored.  Then the same with the redirect's
# address pasted on stdin, as over SSH.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"
need_cmd curl

start_oauth2d
start_oauth_smtpd
smarthost_config starttls "user jane@example.com" \
	"oauth2_provider google" \
	"oauth2_token_url $OAUTH_URL/token" \
	"oauth2_auth_url $OAUTH_URL/authorize" \
	"oauth2_client_id test-client" \
	"oauth2_client_secret $CLIENT_SECRET" \
	"oauth2_trust_file $CERTS/ca.pem"

# start_login STDIN: postie --oauth2-login in the background; sets LOGIN_PID
# and AUTH_URL (the address it printed).
start_login() {
	rm -f "$T/out" "$T/err"
	timeout 60 ${OAUTH_WRAP[@]+"${OAUTH_WRAP[@]}"} "$POSTIE" --oauth2-login -C "$CFG" \
		<"$1" >"$T/out" 2>"$T/err" &
	LOGIN_PID=$!
	local i=0
	until AUTH_URL=$(grep -o "$OAUTH_URL/authorize?[^ ]*" "$T/out" 2>/dev/null); do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "postie printed no authorization URL"
		sleep 0.05
	done
}

finish_login() {
	RC=0
	wait "$LOGIN_PID" || RC=$?
	assert_exit 0 "$1"
	[ "$(state_json refresh_token)" = "$(cat "$OAUTH_DIR/refresh")" ] ||
		fail "the granted refresh token was not stored ($1)"
	grep -q '^/token authorization_code$' "$OAUTH_DIR/requests.log" ||
		fail "no code exchange ($1)"
	assert_not_contains "$T/out" "$(state_json refresh_token)"
	assert_not_contains "$T/out" "code_verifier"
}

# the browser on this machine follows the redirect to postie
start_login /dev/null
case $AUTH_URL in
*code_challenge_method=S256*redirect_uri=*|*redirect_uri=http%3A%2F%2F127.0.0.1%3A*) ;;
*) fail "the URL lacks PKCE or the loopback redirect: $AUTH_URL";;
esac
assert_matches "$T/out" "access_type=offline"
curl -sS --cacert "$CERTS/ca.pem" -L -o "$T/browser" "$AUTH_URL" ||
	fail "the browser could not follow the redirect"
assert_contains "$T/browser" "authorization received"
finish_login "loopback redirect"

printf 'Subject: after login\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "send after login"
assert_received 1

# the browser elsewhere: its final address is pasted on stdin
mkfifo "$T/stdin"
exec 7<>"$T/stdin"
start_login "$T/stdin"
redirect=$(curl -sS --cacert "$CERTS/ca.pem" -o /dev/null -w '%{redirect_url}' "$AUTH_URL")
case $redirect in http://127.0.0.1:*code=*) ;; *) fail "no redirect: $redirect";; esac
echo "$redirect" >&7
finish_login "pasted redirect"
exec 7>&-

# a forged redirect (wrong state) is refused
exec 7<>"$T/stdin"
start_login "$T/stdin"
echo "http://127.0.0.1:1/?code=ac-forged&state=not-this-one" >&7
RC=0
wait "$LOGIN_PID" || RC=$?
exec 7>&-
assert_exit 77 "forged state"
assert_contains "$T/err" "state does not match"
