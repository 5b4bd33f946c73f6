#!/bin/bash
# The account's "from" takes msmtp's placeholders (%U login name, %C
# canonical host name, %% a percent sign) and is expanded once: a from of
# "%%U+%U@example.com" goes out as MAIL FROM:<%U+LOGIN@example.com>, not
# with the %U that %% left expanded a second time.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
sed -i 's/^from .*/from %%U+%U@example.com/' "$CFG"
me=$(id -un)
printf 'Subject: placeholders\n\nhi\n' | run_postie -C "$CFG" bob@example.net
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<PY
eq(meta["mail_from"], "%U+$me@example.com", "from expanded once")
PY
exit 0
