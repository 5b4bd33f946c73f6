#!/bin/bash
# With no configuration at all postie delivers straight to each recipient
# domain's MX: the lowest preference first, one session per domain with all
# of its recipients in one transaction, a domain without MX reached on its
# own address, EHLO with the host's name, no AUTH.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=one.test,mx1.one.test,10 --mx-host=one.test,mx2.one.test,20 \
	--host-record=mx1.one.test,127.0.0.2 --host-record=mx2.one.test,127.0.0.3 \
	--host-record=two.test,127.0.0.4
start_mx 127.0.0.2 mx1
start_mx 127.0.0.3 mx2
start_mx 127.0.0.4 two

# No -C, an empty HOME: the embedded default is direct MX delivery.
printf 'Subject: direct\n\nhello\n' |
	run_postie_ns -f sender@client.test a@one.test b@one.test c@two.test
assert_exit 0 "direct MX delivery with no configuration"
assert_mx_received mx1 1
assert_mx_received mx2 0
mx_connected mx2 && fail "the preference-20 MX was contacted"
assert_mx_received two 1
check_eml "$T/mx1/1.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["a@one.test", "b@one.test"], "one transaction for one.test")
eq(meta["mail_from"], "sender@client.test", "envelope sender")
PY
check_eml "$T/two/1.eml" <<'PY'
eq(meta["rcpt_tos"], ["c@two.test"], "no MX: the domain's own address")
PY
# One session per domain: a single EHLO in each dialogue, no AUTH.
[ "$(grep -c "EHLO" "$T/mx1/dialogue.log")" = 1 ] || fail "not one session for one.test"
grep -qi "^C b'AUTH" "$T/mx1/dialogue.log" && fail "AUTH sent to an MX"
grep -q "^C b'EHLO [^ ]" "$T/mx1/dialogue.log" || fail "no EHLO with a name"

# With a configuration: EHLO carries its domain.
mx_config
printf 'Subject: direct 2\n\nhello\n' | run_postie_ns -C "$CFG" a@one.test
assert_exit 0 "direct MX delivery with a configuration"
assert_mx_received mx1 2
grep -q "EHLO client.test" "$T/mx1/dialogue.log" || fail "EHLO does not use the configured domain"
exit 0
