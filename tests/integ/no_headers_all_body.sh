#!/bin/bash
# "echo disk full | postie root": a message with no header section is all
# body; the recipient is qualified with the account's domain, and Date,
# Message-ID and From are added.  A leading mbox "From " line is dropped.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
echo "disk full: /var at 100%" | run_postie -C "$CFG" root
assert_exit 0
printf 'From someone@example.com Thu Nov 26 10:00:00 2026\nSubject: mbox\n\nbody\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0 "mbox From_ line"
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["root@client.example.com"], "qualified recipient")
assert raw.endswith(b"\r\n\r\ndisk full: /var at 100%\r\n"), "body %r" % raw[-60:]
assert msg["Date"] and msg["Message-ID"] and msg["From"], "Date/Message-ID/From not added"
has("sender@example.com", str(msg["From"]), "From is the envelope sender")
PY
check_eml "$SPOOL/2.eml" <<'PY'
assert not raw.startswith(b"From "), "mbox From_ line sent"
eq(str(msg["Subject"]), "mbox", "subject")
PY
