#!/bin/bash
# -bv prints each recipient's alias expansion and the route postie would
# take (MX hosts in order with their addresses, or why there is none),
# sends nothing, and exits with the worst failure (0 when all route).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=one.test,mx1.one.test,10 --mx-host=one.test,mx2.one.test,20 \
	--host-record=mx1.one.test,127.0.0.2 --host-record=mx2.one.test,127.0.0.3 \
	--host-record=two.test,127.0.0.4 --mx-host=null.test,.,0
start_mx 127.0.0.2 mx1
printf 'team: a@one.test, b@two.test\n' > "$T/aliases"
mx_config "aliases $T/aliases"

run_postie_ns -C "$CFG" -bv team c@one.test
assert_exit 0 "every address routes"
assert_contains "$T/out" "team -> a@one.test, b@two.test"
assert_contains "$T/out" "a@one.test: via MX 10 mx1.one.test [127.0.0.2], 20 mx2.one.test [127.0.0.3] (port 25, STARTTLS when offered)"
assert_contains "$T/out" "b@two.test: via two.test [127.0.0.4] (no MX: the domain's own address; port 25, STARTTLS when offered)"
assert_contains "$T/out" "c@one.test -> c@one.test"
mx_connected mx1 && fail "-bv connected to an MX"

run_postie_ns -C "$CFG" -bv a@null.test d@servfail.test
assert_exit 68 "a null MX among the recipients"
assert_contains "$T/out" "a@null.test: undeliverable: domain null.test accepts no mail (null MX, RFC 7505)"
assert_contains "$T/out" "d@servfail.test: deferred: "

# A smarthost account: the route is the smarthost.
printf 'account default\nhost smtp.example.test\nfrom s@client.test\n' > "$T/smart"
chmod 600 "$T/smart"
run_postie_ns -C "$T/smart" -bv a@one.test
assert_exit 0 "smarthost"
assert_contains "$T/out" "a@one.test: via smarthost smtp.example.test:587 (STARTTLS required)"
exit 0
