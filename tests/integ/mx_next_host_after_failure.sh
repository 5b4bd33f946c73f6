#!/bin/bash
# Each MX host in turn: a host that is down, answers 421 or has no address
# is passed over for the next one; a 5xx reply is final (the next host is
# not asked); when every host fails the message is deferred (75, queue off).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns \
	--mx-host=down.test,mxa.down.test,10 --mx-host=down.test,mxb.down.test,20 \
	--host-record=mxa.down.test,127.0.0.2 --host-record=mxb.down.test,127.0.0.3 \
	--mx-host=busy.test,mxc.busy.test,10 --mx-host=busy.test,mxd.busy.test,20 \
	--host-record=mxc.busy.test,127.0.0.5 --host-record=mxd.busy.test,127.0.0.6 \
	--mx-host=refuse.test,mxe.refuse.test,10 --mx-host=refuse.test,mxf.refuse.test,20 \
	--host-record=mxe.refuse.test,127.0.0.7 --host-record=mxf.refuse.test,127.0.0.8 \
	--mx-host=noaddr.test,gone.noaddr.test,10 --mx-host=noaddr.test,mxg.noaddr.test,20 \
	--host-record=mxg.noaddr.test,127.0.0.9 \
	--mx-host=dead.test,mxh.dead.test,10 --mx-host=dead.test,mxi.dead.test,20 \
	--host-record=mxh.dead.test,127.0.0.10 --host-record=mxi.dead.test,127.0.0.11
# 127.0.0.2, .10 and .11 have no server: connections are refused.
start_mx 127.0.0.3 mxb
start_mx 127.0.0.5 mxc --fault greeting:421
start_mx 127.0.0.6 mxd
start_mx 127.0.0.7 mxe --fault rcpt:550
start_mx 127.0.0.8 mxf
start_mx 127.0.0.9 mxg
mx_config

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@down.test
assert_exit 0 "first MX down"
assert_mx_received mxb 1

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@busy.test
assert_exit 0 "first MX answers 421"
mx_connected mxc || fail "the 421 host was not tried first"
assert_mx_received mxd 1

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@noaddr.test
assert_exit 0 "first MX has no address"
assert_mx_received mxg 1

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@refuse.test
assert_exit 67 "550 from the first MX is final"
assert_contains "$T/err" "a@refuse.test"
mx_connected mxf && fail "the next MX was asked after a 5xx"

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@dead.test
assert_exit 75 "every MX down"
assert_contains "$T/err" "127.0.0.11"
exit 0
