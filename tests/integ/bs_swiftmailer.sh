#!/bin/bash
# The archived but still deployed SwiftMailer (Debian's php-swiftmailer):
# Swift_SendmailTransport defaults to "/usr/sbin/sendmail -bs".  Two
# messages through one transport (one postie process), the second with a
# Bcc: both arrive, the Bcc header does not, send() counts the recipients.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd php
[ -f /usr/share/php/Swift/swift_required.php ] ||
	skip "php-swiftmailer is not installed"
start_smtpd
smarthost_config off
cat > "$T/sendmail" <<EOF2
#!/bin/sh
echo started >> "$T/starts"
exec "$POSTIE" -C "$CFG" "\$@"
EOF2
chmod +x "$T/sendmail"
cat > "$T/send.php" <<'PHP'
<?php
// Debian's swift_required.php does not load the Egulias validator.
require "/usr/share/php/Egulias/EmailValidator/autoload.php";
require "/usr/share/php/Swift/swift_required.php";

$mailer = new Swift_Mailer(new Swift_SendmailTransport($argv[1]));
$n = $mailer->send((new Swift_Message("first from Swift"))
	->setFrom(["webapp@example.com" => "Web App"])
	->setTo(["bob@example.net"])
	->setBody("hello\n.\nbye\n"));
$n += $mailer->send((new Swift_Message("second from Swift"))
	->setFrom(["webapp@example.com"])
	->setTo(["carol@example.org"])
	->setBcc(["secret@example.org"])
	->setBody("Grüße\n"));
echo "sent $n\n";
PHP
RC=0
timeout 60 php "$T/send.php" "$T/sendmail -bs" >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "php"
assert_contains "$T/out" "sent 3"
[ "$(wc -l < "$T/starts")" = 1 ] || fail "postie was started $(wc -l < "$T/starts") times, not once"
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["bob@example.net"], "first recipient")
eq(str(msg["Subject"]), "first from Swift", "subject")
has("\n.\n", msg.get_content().replace("\r\n", "\n"), "the lone dot line is data")
PY
check_eml "$SPOOL/2.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["carol@example.org", "secret@example.org"], "To and Bcc recipients")
eq(msg["Bcc"], None, "no Bcc header")
assert b"secret@example.org" not in raw, "the Bcc address leaked"
eq(msg.get_content().strip(), "Grüße", "8-bit body")
PY
