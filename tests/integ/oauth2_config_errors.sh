#!/bin/bash
# OAuth 2.0 configuration mistakes are errors naming the key (exit 78):
# an unknown provider, an endpoint that is not https://, oauth2_* keys with
# a non-token auth mechanism or without user, --oauth2-login for an account without them;
# and a file holding a client secret must be private.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_smtpd --starttls
make_certs
smarthost_config starttls "oauth2_provider yahoo" "oauth2_client_id x"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 78 "unknown provider"
assert_contains "$T/err" "oauth2_provider"

smarthost_config starttls "oauth2_token_url http://127.0.0.1/token" "oauth2_client_id x"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 78 "http token URL"
assert_contains "$T/err" "oauth2_token_url"

smarthost_config starttls "auth plain" "user u" "oauth2_provider google" \
	"oauth2_client_id x" "oauth2_refresh_token rt"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 78 "auth plain with oauth2 keys"
assert_contains "$T/err" "auth on, xoauth2 or oauthbearer"
assert_no_connection

smarthost_config starttls "oauth2_provider google" "oauth2_client_id x" \
	"oauth2_refresh_token rt"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 78 "no user"
assert_contains "$T/err" "needs user"
assert_no_connection

smarthost_config starttls
run_postie_oauth --oauth2-login -C "$CFG" </dev/null
assert_exit 78 "--oauth2-login without oauth2 keys"
assert_contains "$T/err" "oauth2_"

smarthost_config starttls "oauth2_provider microsoft" "oauth2_client_id x" \
	"oauth2_client_secret s3cret"
chmod 644 "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie_oauth -C "$CFG" bob@example.net
assert_exit 78 "client secret in a readable file"
assert_not_contains "$T/err" "s3cret"
