#!/bin/bash
# AUTH with credentials from the configuration, inside STARTTLS: PLAIN and
# LOGIN both work, -v masks the password, a wrong password fails with 77.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --starttls --auth "jane:s3cret-Pa55"
for mech in plain login; do
	smarthost_config starttls "auth $mech" "user jane" "password s3cret-Pa55"
	printf 'Subject: auth %s\n\nbody\n' $mech | run_postie -v -C "$CFG" bob@example.net
	assert_exit 0 "auth $mech"
	assert_contains "$SPOOL/dialogue.log" "AUTH ${mech^^}"
	assert_not_contains "$T/err" "s3cret-Pa55"
	# base64 of the secret as PLAIN or LOGIN would carry it
	assert_not_contains "$T/err" "$(printf '\0jane\0s3cret-Pa55' | base64)"
	assert_not_contains "$T/err" "$(printf 's3cret-Pa55' | base64)"
	assert_matches "$T/err" "AUTH"
done
assert_received 2
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["auth"], "jane", "authenticated user")
eq(meta["tls"], True, "tls")
PY

smarthost_config starttls "auth on" "user jane" "password wrong"
printf 'Subject: auth\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "credentials refused, queue off"
assert_received 2
