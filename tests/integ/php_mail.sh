#!/bin/bash
# PHP's mail() with sendmail_path = "postie -C cfg -t -i": PHP pipes To and
# Subject plus the extra headers to postie, which reads the recipients from
# the headers (-t), takes the envelope sender from mail()'s fifth argument
# (-f), keeps a lone "." line in the body (-i), and mail() returns true.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd php
start_smtpd
smarthost_config off
cat > "$T/send.php" <<'PHP'
<?php
$ok = mail("Bob <bob@example.net>, carol@example.org", "Hello from PHP",
	"line one\n.\nlast line\n",
	["From" => "Web App <webapp@example.com>", "X-Mailer" => "php-test",
	 "Cc" => "dave@example.net"],
	"-fbounces@example.com");
echo $ok ? "sent\n" : "failed\n";
exit($ok ? 0 : 1);
PHP
RC=0
timeout 30 php -n -d "sendmail_path=$POSTIE -C $CFG -t -i" "$T/send.php" >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "php mail()"
assert_contains "$T/out" "sent"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["mail_from"], "bounces@example.com", "envelope sender from -f")
eq(sorted(meta["rcpt_tos"]), ["bob@example.net", "carol@example.org", "dave@example.net"], "recipients from To and Cc")
eq(str(msg["Subject"]), "Hello from PHP", "subject")
eq(str(msg["X-Mailer"]), "php-test", "extra header")
has("webapp@example.com", str(msg["From"]), "From header")
eq(len(msg.get_all("To")), 1, "one To header")
assert b"\r\n.\r\n" in raw, "the lone dot line is kept (-i): %r" % raw[-80:]
# PHP itself adds one newline after the body.
assert raw.endswith(b"last line\r\n") or raw.endswith(b"last line\r\n\r\n"), "body end %r" % raw[-40:]
PY

# A refused recipient: mail() reports failure (PHP sees postie's exit code).
stop_servers
rm -rf "$SPOOL"
start_smtpd --fault rcpt:550
smarthost_config off
RC=0
timeout 30 php -n -d "sendmail_path=$POSTIE -C $CFG -t -i" "$T/send.php" >"$T/out" 2>"$T/err" || RC=$?
assert_exit 1 "php mail() returns false when postie fails"
assert_contains "$T/out" "failed"
assert_received 0
exit 0
