#!/bin/bash
# Failures a fixed configuration cures (535 to AUTH, STARTTLS not offered
# or answered 5xx, an untrusted certificate) stay queued with the queue
# on, but the line says it is a configuration problem and what to fix; the
# timer's "postie -q --due" retries such an entry at most once an hour,
# "postie -q" by hand at once.  With the queue off they exit 77, not 69.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
queued() { find "$T/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l; }
auths() { grep -c "^C b'AUTH" "$SPOOL/dialogue.log" 2>/dev/null || true; }

# 1. A wrong password, queue on.
start_smtpd --starttls --auth "jane:s3cret-Pa55"
smarthost_config starttls "queue on" "auth plain" "user jane" "password wrong"
before=$(date +%s)
printf 'Subject: auth later\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "535 with the queue on is queued"
assert_matches "$T/err" "^postie: queued as [A-Z0-9]+, not sent: .*535.*; a configuration problem: fix the password of account default in $CFG, then run postie -q \(the queue itself tries it again only once an hour\)$"
assert_not_contains "$T/err" "will retry"
[ "$(queued)" = 1 ] || fail "$(queued) entries queued, want 1"
next=$(sed -n 's/^next //p' "$T"/queue/*.env)
[ "$next" -ge $((before + 3600)) ] || fail "next try in $((next - before)) s, want an hour"
n=$(auths)
# The timer's run leaves it alone; a run by hand tries it.
run_postie -C "$CFG" -q --due </dev/null
assert_exit 0 "postie -q --due"
[ "$(auths)" = "$n" ] || fail "postie -q --due tried a configuration problem within the hour"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "postie -q"
[ "$(auths)" -gt "$n" ] || fail "postie -q by hand did not try the entry"
next=$(sed -n 's/^next //p' "$T"/queue/*.env)
[ "$next" -ge $(( $(date +%s) + 3500 )) ] || fail "the second back-off is under an hour"
smarthost_config starttls "queue on" "auth plain" "user jane" "password s3cret-Pa55"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "fixed password"
assert_received 1
[ "$(queued)" = 0 ] || fail "queue not empty after the fix"

# 2. The same with the queue off: 77, the advice ends "send it again".
smarthost_config starttls "auth plain" "user jane" "password wrong"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "535 with the queue off"
assert_contains "$T/err" "a configuration problem: fix the password of account default in $CFG, then send it again"

# 3. An untrusted certificate (the system store knows no test CA).
smarthost_config starttls
sed -i '/^tls_trust_file/d' "$CFG"
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "untrusted certificate"
assert_contains "$T/err" "a configuration problem: fix tls_trust_file or tls_fingerprint of account default"
stop_servers

# 4. STARTTLS required, not offered.
start_smtpd
smarthost_config default
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "STARTTLS not offered"
assert_contains "$T/err" "a configuration problem: fix tls and tls_starttls of account default"
stop_servers

# 5. STARTTLS offered but answered 5xx: the same class, no longer 69.
cat > "$T/script" <<'EOF2'
send 220 raw.example ESMTP
expect EHLO
send 250-raw.example\r\n250 STARTTLS
expect STARTTLS
send 554 5.7.0 TLS not available
expect QUIT
send 221 bye
close
EOF2
start_raw_server "$T/script"
smarthost_config default
printf 'Subject: x\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 77 "STARTTLS answered 554"
assert_contains "$T/err" "554 5.7.0 TLS not available"
assert_contains "$T/err" "a configuration problem: fix tls and tls_starttls of account default"
