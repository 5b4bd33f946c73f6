#!/bin/bash
# --pretend (msmtp's name) prints the account a message would use, after
# the file, its defaults, inheritance, eval, --account and -f: one
# "key value" line per setting, the password masked; it reads no message,
# connects to nothing and exits 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
export PRETEND_HOST=smtp.example.org
write_config "$T/postierc" <<'RC'
defaults
tls on
port 587
timeout 30

account work
eval echo host $PRETEND_HOST
from jane@example.org
user jane
password s3cret-value
proxy_host 127.0.0.1
proxy_port 9050

account lists : work
from jane+*@example.org
socket /run/smtp.sock

account cloud
host smtp.example.com
user jane@example.com
auth xoauth2
oauth2_provider google
oauth2_client_id app-id
oauth2_client_secret client-s3cret
oauth2_refresh_token refresh-s3cret
host_down_time 5m

account default : work
RC
run_postie -C "$T/postierc" --pretend </dev/null
assert_exit 0 "--pretend"
assert_contains "$T/out" "# account default from $T/postierc:"
for line in "host smtp.example.org" "port 587" "from jane@example.org" \
	"user jane" "password *" "tls on" "timeout 30" "proxy_host 127.0.0.1" \
	"proxy_port 9050" "# socket: not set" "notify_delay off" \
	"# delivery: smarthost smtp.example.org:587, STARTTLS required"; do
	assert_contains "$T/out" "$line"
done
assert_not_contains "$T/out" "s3cret"

# -f picks the account by its from, as a delivery would.
run_postie -C "$T/postierc" --pretend -f jane+news@example.org
assert_exit 0 "--pretend -f"
assert_contains "$T/out" "# account lists from $T/postierc:"
assert_contains "$T/out" "socket /run/smtp.sock"
assert_not_contains "$T/out" "s3cret"

# OAuth 2.0's client secret and refresh token are masked as the password.
run_postie -C "$T/postierc" --pretend --account cloud
assert_exit 0 "--pretend --account cloud"
for line in "oauth2_client_id app-id" "oauth2_client_secret *" \
	"oauth2_refresh_token *" "host_down_time 300s"; do
	assert_contains "$T/out" "$line"
done
assert_not_contains "$T/out" "s3cret"

# A configuration error is reported as a delivery would report it.
run_postie -C "$T/postierc" --pretend --account nope
assert_exit 78 "--pretend with an unknown account"
