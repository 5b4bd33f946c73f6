#!/bin/bash
# The installed names select the mode by argv[0]: a link named sendmail
# is sendmail mode (here with -t -i and a local name expanded through the
# aliases file); newaliases checks the aliases file (exit 0 when it parses,
# 78 naming the file and line when not); mailq lists the queue like -bp.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
mkdir -p "$T/bin"
for n in sendmail mailq newaliases; do ln -s "$POSTIE" "$T/bin/$n"; done
ALIASES=$T/aliases
printf '# test aliases\nroot: admin@example.com,\n  ops@example.com\ndefault: catchall@example.com\n' > "$ALIASES"
start_smtpd
smarthost_config off "aliases $ALIASES"

# sendmail: recipients from the headers, "root" expanded by the aliases.
RC=0
printf 'To: root\nCc: someone@example.net\nSubject: via the sendmail link\n\nline\n.\nafter the dot\n' |
	timeout 30 "$T/bin/sendmail" -C "$CFG" -t -i >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "sendmail link"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["admin@example.com", "ops@example.com", "someone@example.net"], "aliases expanded")
eq(str(msg["Subject"]), "via the sendmail link", "subject")
assert raw.endswith(b"line\r\n.\r\nafter the dot\r\n"), "body %r" % raw[-40:]
PY

# newaliases: a valid file is fine, nothing sent, nothing printed.
RC=0
timeout 30 "$T/bin/newaliases" -C "$CFG" </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "newaliases with a valid aliases file"
[ ! -s "$T/err" ] || fail "newaliases printed: $(cat "$T/err")"
assert_received 1

# A broken line: exit 78, the message names the file and the line.
printf 'root: admin@example.com\nthis line has no colon\n' > "$ALIASES"
RC=0
timeout 30 "$T/bin/newaliases" -C "$CFG" </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 78 "newaliases with a broken aliases file"
assert_contains "$T/err" "$ALIASES:2"
# A missing file is a configuration error too.
rm -f "$ALIASES"
RC=0
timeout 30 "$T/bin/newaliases" -C "$CFG" </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 78 "newaliases with a missing aliases file"
assert_contains "$T/err" "$ALIASES"
printf 'root: admin@example.com\n' > "$ALIASES"

# mailq: the queue listing, as -bp.  An empty queue lists cleanly (exit 0)
# and a deferred message shows up with its recipient.
RC=0
timeout 30 "$T/bin/mailq" -C "$CFG" </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "mailq on an empty queue"
assert_contains "$T/out" "Mail queue is empty"
stop_servers
rm -rf "$SPOOL"
start_smtpd --fault rcpt:451
smarthost_config off "aliases $ALIASES" "queue on"
printf 'Subject: deferred\n\nbody\n' | run_postie -C "$CFG" later@example.net
assert_exit 0 "a 451 with the queue on is queued"
RC=0
timeout 30 "$T/bin/mailq" -C "$CFG" </dev/null >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "mailq lists the queue"
assert_contains "$T/out" "later@example.net"
cp "$T/out" "$T/mailq.out"
run_postie -C "$CFG" -bp </dev/null
assert_exit 0 "-bp"
assert_contains "$T/out" "later@example.net"
# The same entry in both listings.
id=$(awk '$1 ~ /^[0-9A-F]+$/ {print $1}' "$T/mailq.out")
[ -n "$id" ] || fail "mailq shows no queue id: $(cat "$T/mailq.out")"
assert_contains "$T/out" "$id"
exit 0
