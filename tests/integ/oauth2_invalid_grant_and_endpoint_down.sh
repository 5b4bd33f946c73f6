#!/bin/bash
# Token endpoint failures: invalid_grant is an AUTH failure naming the fix
# (exit 77 with the queue off, queued with it on); an endpoint that is
# down or answers 5xx is a temporary failure (75, or queued).  The relay
# is not contacted when there is no token.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_oauth2d --refresh-token rt-the-provider-knows
start_oauth_smtpd

# invalid_grant: the configured refresh token is unknown to the provider
oauth_config
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 77 "invalid_grant, queue off"
assert_contains "$T/err" "invalid_grant"
assert_contains "$T/err" "postie --oauth2-login --account default"
assert_no_connection
[ "$(wc -l < "$T/err")" = 1 ] || fail "more than one error line"

oauth_config "queue on"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "invalid_grant, queue on"
assert_contains "$T/err" "queued as"
assert_contains "$T/err" "invalid_grant"
[ "$(ls "$T/queue" | grep -c '\.msg$\|^[0-9A-Za-z]' )" -ge 1 ] || fail "nothing queued"
assert_no_connection

# no refresh token at all: the fix is --oauth2-login too
smarthost_config starttls "user jane@example.com" "oauth2_token_url $OAUTH_URL/token" \
	"oauth2_client_id test-client" "oauth2_trust_file $CERTS/ca.pem"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 77 "no refresh token"
assert_contains "$T/err" "postie --oauth2-login --account default"

# endpoint down: a port where nothing listens
port=$(free_port)
smarthost_config starttls "user jane@example.com" "oauth2_token_url https://127.0.0.1:$port/token" \
	"oauth2_client_id test-client" "oauth2_refresh_token rt-x" \
	"oauth2_trust_file $CERTS/ca.pem"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 75 "endpoint down, queue off"
assert_contains "$T/err" "127.0.0.1:$port"
sed -i 's/^queue off$/queue on/' "$CFG"
rm -rf "$T/queue"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 0 "endpoint down, queue on"
assert_contains "$T/err" "queued as"
[ -n "$(ls -A "$T/queue" 2>/dev/null)" ] || fail "nothing queued"
assert_no_connection

# 503 from the endpoint: temporary too
stop_servers
start_oauth2d --refresh-token "$FIRST_RT" --status 503
start_oauth_smtpd
oauth_config
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 75 "endpoint 503"
assert_contains "$T/err" "503"

# an endpoint certificate postie cannot trust: 77, like an untrusted relay
stop_servers
start_oauth2d --refresh-token "$FIRST_RT"
start_oauth_smtpd
oauth_config
sed -i "s|^oauth2_trust_file .*|oauth2_trust_file $CERTS/client.pem|" "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 77 "untrusted endpoint"
assert_token_requests 0 "untrusted endpoint"
