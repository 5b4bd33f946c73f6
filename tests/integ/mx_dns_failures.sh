#!/bin/bash
# What DNS says decides before any connection: a null MX (RFC 7505) and a
# domain that does not exist are permanent (68), a SERVFAIL temporary (75
# with queue off); each failure stays with its domain, the others go.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=null.test,.,0 \
	--mx-host=one.test,mx1.one.test,10 --host-record=mx1.one.test,127.0.0.2
start_mx 127.0.0.2 mx1
mx_config

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@null.test
assert_exit 68 "null MX"
assert_contains "$T/err" "null.test accepts no mail (null MX, RFC 7505)"

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@nx.test
assert_exit 68 "NXDOMAIN"
assert_contains "$T/err" "domain nx.test does not exist (NXDOMAIN)"

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@servfail.test
assert_exit 75 "SERVFAIL"
assert_contains "$T/err" "servfail.test"
mx_connected mx1 && fail "a connection was made for a domain DNS refused"

# Two domains: one.test is delivered, null.test refused; exit says so.
printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@one.test b@null.test
assert_exit 0 "one good domain, one null MX: a partial refusal"
assert_contains "$T/err" "null MX"
assert_mx_received mx1 1
check_eml "$T/mx1/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["a@one.test"], "only the routable recipient")
PY
assert_contains "$T/err" "b@null.test"
assert_not_contains "$T/err" "a@one.test"
exit 0
