#!/bin/bash
# git send-email --sendmail-cmd=postie: a small patch arrives with its
# subject, its diff intact, and the To/Cc that git chose.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
need_cmd git perl
perl -MMail::Address -e 1 2>/dev/null || skip "perl Mail::Address (libmailtools-perl), which Debian's git send-email needs, is missing"
git send-email -h 2>&1 | grep -q -- --sendmail-cmd || skip "git send-email (with --sendmail-cmd) is not installed"
start_smtpd
smarthost_config off
repo=$T/repo
git init -q "$repo"
cd "$repo"
git config user.name "Dev Eloper"
git config user.email dev@example.com
printf 'hello\n' > file.txt
git add file.txt && git commit -q -m "initial"
printf 'hello\nworld\n.\n' > file.txt
git commit -q -am "file: add a world" -m "With a lone dot line in the diff."
git format-patch -q -1 -o "$T/patches"
RC=0
git send-email --sendmail-cmd="$POSTIE -C $CFG" --to=maint@example.net 	--cc=list@example.org --confirm=never --suppress-cc=all --quiet 	--no-validate "$T"/patches/*.patch >"$T/out" 2>"$T/err" || RC=$?
assert_exit 0 "git send-email"
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["list@example.org", "maint@example.net"], "recipients")
has("[PATCH] file: add a world", str(msg["Subject"]), "subject")
body = msg.get_content()
has("+world\n+.\n", body.replace("\r\n", "\n"), "diff with its dot line")
has("dev@example.com", str(msg["From"]), "From")
PY
