#!/bin/bash
# -bv without a network: the account is chosen as a submission chooses it
# (--account, else the one whose from matches -f, else the default), its
# route is printed and nothing is sent; aliases are expanded; -bv with no
# recipient is a usage error (64), an unknown account a configuration
# error (78), and a recipient that does not parse bad input (65).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
CFG=$T/postierc
printf 'ops: alice@example.org, bob\n' > "$T/aliases"
write_config "$CFG" <<EOF2
defaults
tls on
domain client.example.com
aliases $T/aliases

account alpha
host alpha.example.test
from alpha@example.com

account beta
host beta.example.test
port 465
from beta@example.org

account default : alpha
EOF2

run_postie -C "$CFG" -bv ops </dev/null
assert_exit 0 "-bv default account"
assert_contains "$T/out" "alice@example.org: via smarthost alpha.example.test:587"
assert_contains "$T/out" "bob@client.example.com: via smarthost alpha.example.test:587"

run_postie -C "$CFG" -bv -f beta@example.org x@example.net </dev/null
assert_exit 0 "-bv -f beta"
assert_contains "$T/out" "x@example.net: via smarthost beta.example.test:465"

run_postie -C "$CFG" -bv --account beta -f alpha@example.com x@example.net </dev/null
assert_exit 0 "-bv --account beta"
assert_contains "$T/out" "beta.example.test:465"

run_postie -C "$CFG" -bv </dev/null
assert_exit 64 "-bv without recipients"
assert_contains "$T/err" "-bv needs recipients"

run_postie -C "$CFG" -bv --account gamma x@example.net </dev/null
assert_exit 78 "-bv with an unknown account"
assert_contains "$T/err" "gamma"

run_postie -C "$CFG" -bv '<unbalanced@example.net' </dev/null
assert_exit 65 "-bv with a malformed recipient"
assert_contains "$T/err" "recipient: '<unbalanced@example.net' is not an address (expected user@domain)"
exit 0
