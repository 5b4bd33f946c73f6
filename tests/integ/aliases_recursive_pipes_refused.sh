#!/bin/bash
# Aliases as sendmail and Postfix read them (issue 10): Debian's
# "postmaster: root" then "root: ops@" reaches ops@; a pipe or file target
# is a permanent failure for that recipient, reported, never sent to the
# relay as an address; newaliases names each such entry with its line;
# -bv says it is undeliverable.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
printf 'postmaster: root\nroot: ops@example.com\nprog: "|/usr/bin/procmail"\narchive: /var/mail/archive\nall: prog, root\n' >"$T/aliases"
smarthost_config off "aliases $T/aliases" "queue on"

printf 'Subject: a\n\nbody\n' | run_postie -C "$CFG" postmaster
assert_exit 0 "postmaster through root"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["ops@example.com"], "two levels of aliases")
PY

# A pipe target next to a good one: exit 0, the refusal on stderr, and
# nothing with "|" ever reaches the server.
printf 'Subject: b\n\nbody\n' | run_postie -C "$CFG" all
assert_exit 0 "partial: root delivered, prog refused"
assert_contains "$T/err" 'is a program'
assert_contains "$T/err" 'prog@client.example.com'
grep -q '|' "$SPOOL/dialogue.log" && grep -E '^C .*RCPT TO:<[^>]*\|' "$SPOOL/dialogue.log" &&
	fail "a pipe target was sent to the relay"
eq_rcpt=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rcpt_tos"])' "$SPOOL/2.json")
[ "$eq_rcpt" = "['ops@example.com']" ] || fail "the relay got $eq_rcpt"

# Only a pipe target: a permanent failure, no connection, the copy kept.
n=$(received)
printf 'Subject: c\n\nbody\n' | run_postie -C "$CFG" prog
assert_exit 69 "every recipient is a program"
[ "$(received)" = "$n" ] || fail "something was sent for a pipe-only message"
assert_contains "$T/err" 'is a program'
ls "$T"/queue/failed/*.eml >/dev/null 2>&1 || fail "the refused message was not kept in failed/"

# newaliases: each entry postie cannot deliver, with file and line.
run_postie -C "$CFG" -bi
assert_exit 78 "newaliases with pipe and file entries"
assert_contains "$T/err" "$T/aliases:3: alias prog:"
assert_contains "$T/err" "$T/aliases:4: alias archive: /var/mail/archive is a file"
assert_contains "$T/err" "2 entries that postie cannot deliver"

# -bv: the route of each, and what cannot be delivered.
run_postie -C "$CFG" -bv all
assert_exit 69 "-bv with a pipe target"
assert_contains "$T/out" "undeliverable: alias prog:"
assert_contains "$T/out" "ops@example.com"
