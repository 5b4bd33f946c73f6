#!/bin/bash
# Two postie processes at once with an expired token: the token state
# file's lock makes exactly one of them refresh (the endpoint is slow, so
# they overlap); the other takes the fresh token from the file.  Both
# messages are delivered and the rotated refresh token is kept.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_oauth2d --refresh-token "$FIRST_RT" --rotate --delay 1
start_oauth_smtpd
oauth_config
mkdir -p "$(dirname "$STATE_FILE")"
"$PYTHON3" - "$STATE_FILE" "$FIRST_RT" <<'PY'
import json, sys, time
json.dump({"access_token": "at-expired", "expires_at": int(time.time()) - 10,
	   "refresh_token": sys.argv[2]}, open(sys.argv[1], "w"))
PY
chmod 600 "$STATE_FILE"

pids=()
for i in 1 2; do
	printf 'Subject: concurrent %s\n\nbody\n' $i |
		timeout 60 ${OAUTH_WRAP[@]+"${OAUTH_WRAP[@]}"} "$POSTIE" -C "$CFG" bob@example.net \
		>"$T/out$i" 2>"$T/err$i" &
	pids+=($!)
done
for i in 0 1; do
	wait "${pids[$i]}" || { cat "$T/err$((i + 1))" >&2; fail "postie $((i + 1)) failed"; }
done
assert_received 2
assert_token_requests 1 "two processes, one refresh"
[ "$(state_json refresh_token)" = "$(cat "$OAUTH_DIR/refresh")" ] ||
	fail "the rotated refresh token was lost"
[ "$(grep -c "^S '235" "$SPOOL/dialogue.log")" = 2 ] || fail "expected two AUTH successes"
