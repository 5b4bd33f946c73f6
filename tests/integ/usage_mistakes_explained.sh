#!/bin/bash
# What a newcomer types by habit gets a message that says what it means
# and what to type instead (exit 64 or 66), and nothing is sent or queued:
# -h and -V alone (help and version elsewhere), --due without -q, a
# misspelt long option (the nearest one is suggested), msmtp's -a ACCOUNT
# (postie's -a attaches).  --help ends by pointing at the man page.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
CFG=$T/postierc
write_config "$CFG" <<EOF2
account work
host 127.0.0.1
port $SMTP_PORT
tls off
from sender@example.com
queue_dir $T/queue
account default : work
EOF2

# expect_usage EXIT TEXT ARGS...: postie ARGS fails with EXIT, one line
# holding TEXT, nothing sent.
expect_usage() {
	local ex=$1 text=$2
	shift 2
	echo body | run_postie -C "$CFG" "$@"
	assert_exit "$ex" "postie $*"
	assert_contains "$T/err" "$text"
	[ "$(wc -l < "$T/err")" = 1 ] || fail "postie $*: not one line: $(cat "$T/err")"
}

expect_usage 64 "option -h requires a value (a hop count, accepted for sendmail's callers); for help use postie --help" -h
expect_usage 64 "option -V requires a value (a DSN envelope id); for the version use postie --version" -V
expect_usage 64 "--due only limits a queue run to the messages whose retry time has come: use postie -q --due" --due
expect_usage 64 "unknown option --dryrun (did you mean --dry-run? see postie --help)" --dryrun bob@example.net
expect_usage 64 "unknown option --frobnicate (see postie --help)" --frobnicate bob@example.net
expect_usage 66 "cannot open 'work': No such file or directory (to choose an account use --account work)" -a work -s hi bob@example.net
# A missing file that is no account's name gets no such hint.
expect_usage 66 "cannot open 'nosuch'" -a nosuch -s hi bob@example.net
assert_not_contains "$T/err" "--account"
assert_no_connection
[ -z "$(find "$T/queue" -type f 2>/dev/null)" ] || fail "something was queued: $(find "$T/queue" -type f)"

# What was meant works.
run_postie --help </dev/null
assert_exit 0 "--help"
[ "$(tail -n 1 "$T/out")" = "Configuration keys: man postie.conf.  Every flag and exit code: man postie" ] ||
	fail "--help does not end with man postie: $(tail -n 1 "$T/out")"
run_postie --version </dev/null
assert_exit 0 "--version"
assert_matches "$T/out" "^postie [0-9]"
echo body | run_postie -C "$CFG" -q --due
assert_exit 0 "-q --due"
echo body | run_postie -C "$CFG" --account work -s hi bob@example.net
assert_exit 0 "--account work"
assert_received 1
exit 0
