#!/bin/bash
# No OAuth secret in any output: the refresh tokens (configured and
# rotated), the access tokens (refused and fresh), the client secret and
# the SASL strings that carry a token never appear in -v, the -X
# transcript, the logfile, error messages or mailq, in success and in
# failure (refused token, invalid_grant, queued).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/oauth2.sh"

start_oauth2d --refresh-token "$FIRST_RT" --rotate
start_oauth_smtpd
oauth_config "logfile $T/postie.log" "auth oauthbearer"
mkdir -p "$(dirname "$STATE_FILE")"
"$PYTHON3" - "$STATE_FILE" "$FIRST_RT" <<'PY'
import json, sys, time
json.dump({"access_token": "at-revoked-stale", "expires_at": int(time.time()) + 3000,
	   "refresh_token": sys.argv[2]}, open(sys.argv[1], "w"))
PY
chmod 600 "$STATE_FILE"

outputs=()
# success after a refused token, with -v and -X
printf 'Subject: x\n\nbody\n' | run_postie_oauth -v -X "$T/transcript" -C "$CFG" bob@example.net
assert_exit 0 "refused then refreshed"
assert_matches "$T/err" "AUTH OAUTHBEARER"
cp "$T/err" "$T/err.1"; outputs+=("$T/err.1" "$T/out")
secrets=("$FIRST_RT" "$CLIENT_SECRET" "at-revoked-stale" "$(state_json refresh_token)"
	"$(state_json access_token)")

# invalid_grant with -v, queue on: error line, queue notice, mailq
printf 'rt-revoked-by-the-user\n' > "$OAUTH_DIR/refresh"
"$PYTHON3" - "$STATE_FILE" <<'PY'
import json, sys
p = sys.argv[1]
st = json.load(open(p)); st["expires_at"] = 0
json.dump(st, open(p, "w"))
PY
sed -i 's/^queue off$/queue on/' "$CFG"
printf 'Subject: y\n\nbody\n' | run_postie_oauth -v -X "$T/transcript" -C "$CFG" bob@example.net
assert_exit 0 "invalid_grant, queued"
assert_contains "$T/err" "invalid_grant"
cp "$T/err" "$T/err.2"; outputs+=("$T/err.2")
run_postie_oauth -C "$CFG" -bp
cp "$T/out" "$T/mailq"; outputs+=("$T/mailq")
assert_contains "$T/mailq" "invalid_grant"
outputs+=("$T/transcript" "$T/postie.log")

# what the client sent in AUTH, as the server saw it (base64 with tokens)
while read -r blob; do
	secrets+=("$blob")
done < <(grep -o "C b'AUTH [A-Z0-9]* [A-Za-z0-9+/=]*" "$SPOOL/dialogue.log" | awk '{print $4}')
[ ${#secrets[@]} -ge 7 ] || fail "expected the AUTH strings in the dialogue"
for f in "${outputs[@]}"; do
	[ -f "$f" ] || continue
	for s in "${secrets[@]}"; do
		[ -n "$s" ] || continue
		assert_not_contains "$f" "$s"
	done
done
