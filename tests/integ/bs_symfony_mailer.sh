#!/bin/bash
# Symfony Mailer's SendmailTransport in its default, "recommended" -bs
# mode (Debian's php-symfony-mailer), as Laravel and Drupal use it: two
# messages, the second with a Bcc and an attachment, through ONE postie
# process.  Both arrive; the Bcc recipient gets the message but no Bcc
# header reaches anyone; the attachment arrives byte for byte; PHP sees
# success (exit 0, nothing on stderr).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd php
[ -f /usr/share/php/Symfony/Component/Mailer/autoload.php ] ||
	skip "php-symfony-mailer is not installed"
start_smtpd
smarthost_config off
# The command Symfony runs: counts its starts, then is postie.
cat > "$T/sendmail" <<EOF2
#!/bin/sh
echo started >> "$T/starts"
exec "$POSTIE" -C "$CFG" "\$@"
EOF2
chmod +x "$T/sendmail"
head -c 3000 /dev/urandom > "$T/report.bin"
cat > "$T/send.php" <<'PHP'
<?php
require "/usr/share/php/Symfony/Component/Mailer/autoload.php";
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;

[$_, $command, $attachment] = $argv;
$mailer = new Mailer(new SendmailTransport($command));
$mailer->send((new Email())
	->from("Web App <webapp@example.com>")
	->to("bob@example.net")
	->subject("first from Symfony")
	->text("hello\n.\n..two\nbye\n"));
$mailer->send((new Email())
	->from("webapp@example.com")
	->to("carol@example.org")
	->bcc("secret@example.org")
	->subject("second, with an attachment")
	->text("see the attachment")
	->attachFromPath($attachment, "report.bin", "application/octet-stream"));
echo "sent\n";
PHP
RC=0
timeout 60 php "$T/send.php" "$T/sendmail -bs" "$T/report.bin" >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "php"
assert_contains "$T/out" "sent"
[ ! -s "$T/err" ] || fail "stderr is not empty: $(cat "$T/err")"
[ "$(wc -l < "$T/starts")" = 1 ] || fail "postie was started $(wc -l < "$T/starts") times, not once"
assert_received 2
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["bob@example.net"], "first recipient")
eq(str(msg["Subject"]), "first from Symfony", "subject")
# (Symfony ends the data with one more CRLF of its own.)
eq(msg.get_content().replace("\r\n", "\n").rstrip("\n"), "hello\n.\n..two\nbye", "dots as written")
PY
check_eml "$SPOOL/2.eml" <<PY
eq(sorted(meta["rcpt_tos"]), ["carol@example.org", "secret@example.org"], "To and Bcc recipients")
eq(msg["Bcc"], None, "no Bcc header")
assert b"secret@example.org" not in raw, "the Bcc address leaked"
att = [p for p in msg.iter_attachments()]
eq(len(att), 1, "one attachment")
eq(att[0].get_filename(), "report.bin", "attachment name")
eq(part_bytes(att[0]), open("$T/report.bin", "rb").read(), "attachment bytes")
PY
