#!/bin/bash
# Direct MX, opportunistic TLS (RFC 7435): a host that offers STARTTLS but
# whose handshake fails (Debian 12's OpenSMTPD with TLS configured) is
# tried again without TLS in the same run, as Exim's tls_tempfail_tryclear
# does; the run remembers it (a second domain on the same host goes in
# clear at once, as does the next message of a queue run), and -v and the
# log say so.  With mx_parallel (two domains at once, each in its own
# process) each session finds it out on its own: at most one STARTTLS per
# domain, both in clear.  Never with mx_tls required.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=one.test,mx.broken.test,10 --mx-host=two.test,mx.broken.test,10 \
	--host-record=mx.broken.test,127.0.0.2 \
	--mx-host=later.test,mx.later.test,10 --host-record=mx.later.test,127.0.0.3
start_mx 127.0.0.2 broken --starttls --fault tls-handshake-fails
mx_config "logfile $T/postie.log" "mx_parallel 1"
starttls_count() { grep -c "^C b'STARTTLS" "$T/broken/dialogue.log"; }

printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" -v a@one.test b@two.test
assert_exit 0 "handshake failure, then in clear"
assert_mx_received broken 2
[ "$(starttls_count)" = 1 ] || fail "STARTTLS tried $(starttls_count) times, want 1 (remembered for the run)"
assert_contains "$T/err" "trying mx.broken.test again without TLS"
assert_contains "$T/postie.log" "tls=none (STARTTLS handshake failed"
"$PYTHON3" - "$T/broken" <<'PY' || fail "a message went over TLS"
import glob, json, sys
assert all(not json.load(open(f))["tls"] for f in glob.glob(sys.argv[1] + "/*.json"))
PY

# Both domains at once (mx_parallel's default): each in clear, after at
# most one STARTTLS of its own.
mx_config
printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@one.test b@two.test
assert_exit 0 "handshake failure, two domains at once"
assert_mx_received broken 4
[ "$(starttls_count)" -le 3 ] || fail "STARTTLS tried $(($(starttls_count) - 1)) times for two domains, want at most 2"
"$PYTHON3" - "$T/broken" <<'PY' || fail "a message went over TLS"
import glob, json, sys
assert all(not json.load(open(f))["tls"] for f in glob.glob(sys.argv[1] + "/*.json"))
PY

# A queue run remembers it across messages: with one message per
# connection, the second message's new session goes in clear at once.
mx_config "queue on"
for n in 1 2; do
	printf 'Subject: q%s\n\nx\n' "$n" | run_postie_ns -C "$CFG" c@later.test
	assert_exit 0 "submission $n (queued: no MX yet)"
done
start_mx 127.0.0.3 later --starttls --fault tls-handshake-fails --fault mail-limit:1
run_postie_ns -C "$CFG" -q
assert_exit 0 "queue run"
assert_mx_received later 2
n=$(grep -c "^C b'STARTTLS" "$T/later/dialogue.log")
[ "$n" = 1 ] || fail "STARTTLS tried $n times in the queue run, want 1"

# mx_tls required: never in clear.
mx_config "mx_tls required"
printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@one.test
assert_exit 75 "mx_tls required, handshake failure"
assert_mx_received broken 4
exit 0
