# oauth2.sh — sourced after common.sh by the oauth2_* integration tests.
#
# start_oauth2d [oauth2d.py options]: the fake provider (tests/lib/oauth2d.py)
#   over HTTPS with the test CA; sets OAUTH_PORT, OAUTH_URL (https://127.0.0.1:PORT)
#   and OAUTH_DIR (its files: access, refresh, requests.log).
# start_oauth_smtpd [smtpd.py options]: the SMTP test server with STARTTLS,
#   accepting only the provider's current access token.
# oauth_config [LINE...]: $CFG for both, with client id/secret and the first
#   refresh token "rt-initial-secret"; more lines may follow.
# run_postie_oauth ARGS...: run_postie, with the token state where postie
#   keeps it for the uid running the test: as root /var/lib/postie/oauth2,
#   so a private mount namespace puts $T/varlib over /var/lib first.
# STATE_FILE: the state file of account "default".
# token_requests: how many refresh requests the provider answered.

printf 'account default\noauth2_provider google\n' > "$T/oauth2-probe.rc"
if "$POSTIE" -C "$T/oauth2-probe.rc" -bv probe@example.com 2>&1 |
    grep -q "built without OAuth"; then
	skip "postie was built without OAuth 2.0 (libcurl, jansson)"
fi

CLIENT_SECRET=cs-very-secret-client-secret
FIRST_RT=rt-initial-secret

if [ "$(id -u)" = 0 ]; then
	command -v unshare >/dev/null 2>&1 || skip "unshare is not installed"
	mkdir -p "$T/varlib"
	unshare -m sh -c 'mount --bind "$1" /var/lib' sh "$T/varlib" 2>/dev/null ||
		skip "cannot make a private mount namespace"
	STATE_FILE=$T/varlib/postie/oauth2/default
	OAUTH_WRAP=(unshare -m sh -c 'mount --bind "$1" /var/lib && shift && exec "$@"' sh "$T/varlib")
else
	STATE_FILE=$XDG_STATE_HOME/postie/oauth2/default
	OAUTH_WRAP=()
fi

start_oauth2d() {
	[ -n "${CERTS:-}" ] || make_certs
	OAUTH_SEQ=$((${OAUTH_SEQ:-0} + 1))
	OAUTH_DIR=$T/oauth2d$OAUTH_SEQ
	local pf=$T/oauth2d.port
	rm -f "$pf"
	"$PYTHON3" "$LIB/oauth2d.py" --port-file "$pf" --cert "$CERTS/server.pem" \
		--key "$CERTS/server.key" --dir "$OAUTH_DIR" \
		--client-secret "$CLIENT_SECRET" "$@" >"$OAUTH_DIR.log" 2>&1 &
	SERVER_PIDS+=($!)
	wait_for_file "$pf" 10 || fail "oauth2d.py did not start"
	OAUTH_PORT=$(cat "$pf")
	OAUTH_URL=https://127.0.0.1:$OAUTH_PORT
}

start_oauth_smtpd() {
	start_smtpd --starttls --oauth-token-file "$OAUTH_DIR/access" "$@"
}

oauth_config() {
	smarthost_config starttls "user jane@example.com" \
		"oauth2_token_url $OAUTH_URL/token" \
		"oauth2_client_id test-client" \
		"oauth2_client_secret $CLIENT_SECRET" \
		"oauth2_refresh_token $FIRST_RT" \
		"oauth2_trust_file $CERTS/ca.pem" "$@"
}

run_postie_oauth() {
	RC=0
	timeout 60 ${OAUTH_WRAP[@]+"${OAUTH_WRAP[@]}"} "$POSTIE" "$@" \
		>"$T/out" 2>"$T/err" || RC=$?
	return 0
}

token_requests() {
	[ -f "$OAUTH_DIR/requests.log" ] || { echo 0; return; }
	grep -c '^/token refresh_token$' "$OAUTH_DIR/requests.log" 2>/dev/null || true
}

assert_token_requests() {
	local n
	n=$(token_requests)
	[ "$n" = "$1" ] || fail "the token endpoint got $n refresh request(s), expected $1${2:+ ($2)}"
}

state_json() {
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$STATE_FILE" "$1"
}
