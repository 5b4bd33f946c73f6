#!/bin/bash
# What cron runs: -FCronDaemon -i -B8BITMIME -oem root.  root goes through
# the aliases file, 8-bit body arrives intact, From: root (Cron Daemon) is
# qualified with the account's domain.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
printf '# aliases\nroot: admin@example.com\n' > "$T/aliases"
smarthost_config off "aliases $T/aliases"
printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@host> echo\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\n\nd\xc3\xa9j\xc3\xa0 vu\n' |
	run_postie -C "$CFG" -FCronDaemon -i -B8BITMIME -oem root
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["admin@example.com"], "root via aliases")
has("BODY=8BITMIME", meta["mail_options"], "8BITMIME body")
has(b"\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n", raw, "8-bit body intact")
# The comment is dropped by the email package's parsed form: read the line.
from_line = [l for l in raw.split(b"\r\n\r\n")[0].split(b"\r\n") if l.lower().startswith(b"from:")]
eq(len(from_line), 1, "one From line")
has(b"root@client.example.com", from_line[0], "From qualified")
has(b"(Cron Daemon)", from_line[0], "From comment kept")
has("root@client.example.com", str(msg["To"]), "To qualified")
PY
