#!/bin/bash
# The README and the man pages say what postie does (issue 16's list):
# mailq's columns in the order -bp prints them, the cron file where make
# install puts it, no unit citing a spec section, which queue directories
# -q covers, what postie is before how to build it, and the warning that
# postie-only keys make a shared ~/.msmtprc unreadable to msmtp.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
S=$top_srcdir
man1=$S/man/postie.1 conf5=$S/man/postie.conf.5 readme=$S/README

# mailq's order: id, size, age, sender, as -bp prints it.
start_smtpd --fault mail:451
smarthost_config off "queue on"
printf 'Subject: q\n\nbody\n' | run_postie -C "$CFG" bob@example.net
run_postie -C "$CFG" -bp < /dev/null
assert_matches "$T/out" "^[A-Z0-9]+ +[0-9]+ +[0-9]+[smhd] +sender@example\.com$"
grep -q "queue id, size, age and sender" "$man1" || fail "postie.1: mailq's column order"
grep -q "its id, size, age and sender" "$man1" || fail "postie.1: -bp's column order"
grep -q "id, size, age, sender" "$readme" || fail "README: mailq's column order"

# The cron file: installed as pkgdata, documented there.
grep -q '^pkgdata_DATA = contrib/postie.cron$' "$S/Makefile.am" || fail "Makefile.am: where the cron file goes"
grep -q 'datadir)/postie/postie.cron' "$man1" || fail "postie.1: the cron file's path"
grep -q 'datadir)/postie/postie.cron' "$readme" || fail "README: the cron file's path"
! grep -q 'contrib/postie.cron' "$man1" || fail "postie.1 names the source tree's contrib/postie.cron"
! grep -rq 'spec §' "$S/contrib" || fail "a unit cites a spec section"
! grep -q 'extras that are not installed' "$readme" || fail "README: contrib is installed"

# Which queue directories -q covers: both pages say the built-in default.
grep -q "every account in the configuration and of the built-in default" "$conf5" ||
	fail "postie.conf.5: -q's queue directories"
grep -q "every account of the configuration" "$man1" || fail "postie.1: -q's queue directories"

# What postie is comes first; the msmtprc warning is there.
first=$(grep -n -m1 '^## ' "$readme" | cut -d: -f1)
head -n "$first" "$readme" | grep -q "postie is a mail submission command" ||
	fail "README: what postie is is not said before the first section"
grep -q "msmtp refuses a whole file that holds a key it does not know" "$readme" ||
	fail "README: no warning about postie-only keys in a shared ~/.msmtprc"
