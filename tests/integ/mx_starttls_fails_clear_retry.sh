#!/bin/bash
# Direct MX, opportunistic TLS (RFC 7435): a host that offers STARTTLS but
# whose handshake fails (Debian 12's OpenSMTPD with TLS configured) is
# tried again without TLS in the same run, as Exim's tls_tempfail_tryclear
# does; the run remembers it (a second domain on the same host goes in
# clear at once), and -v and the log say so.  Never with mx_tls required.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$LIB/netns.sh"
netns_setup
start_dns --mx-host=one.test,mx.broken.test,10 --mx-host=two.test,mx.broken.test,10 \
	--host-record=mx.broken.test,127.0.0.2
start_mx 127.0.0.2 broken --starttls --fault tls-handshake-fails
mx_config "logfile $T/postie.log"
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

# mx_tls required: never in clear.
mx_config "mx_tls required"
printf 'Subject: s\n\nx\n' | run_postie_ns -C "$CFG" a@one.test
assert_exit 75 "mx_tls required, handshake failure"
assert_mx_received broken 2
exit 0
