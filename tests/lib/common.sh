# common.sh — sourced by every integration script (bash).
#
# Environment (set by `make check`; defaults let a script run by hand):
#   POSTIE       absolute path of the binary under test
#   PYTHON3      Debian's python with aiosmtpd (/usr/bin/python3)
#   top_srcdir, top_builddir
# Set KEEP_TMP=1 to keep the temp dir; it is kept anyway when a test fails.
#
# After sourcing: $T is a fresh temp dir, $LIB this directory, $SPOOL where
# the test server saves messages ($SPOOL/N.eml, N.json, dialogue.log).

set -u
# "printf ... | run_postie" must set RC in this shell, not in a subshell.
shopt -s lastpipe

LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$LIB/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
POSTIE=${POSTIE:-$top_builddir/postie}
PYTHON3=${PYTHON3:-/usr/bin/python3}
export POSTIE PYTHON3 top_srcdir top_builddir

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/postie-$TEST_NAME.XXXXXX")
SPOOL=$T/spool
SERVER_PIDS=()
SERVER_SEQ=0
CLEANUP_HOOKS=()
RC=
# postie must never pick up the caller's real configuration.
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_STATE_HOME=$T/home/.state
mkdir -p "$HOME"

_cleanup() {
	local rc=$?
	local h
	for h in ${CLEANUP_HOOKS[@]+"${CLEANUP_HOOKS[@]}"}; do
		$h || true
	done
	stop_servers
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ -n "${KEEP_TMP:-}" ]; then
		echo "(temp dir kept: $T)"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

# --- outcome -----------------------------------------------------------

skip() { echo "SKIP: $*"; exit 77; }

fail() {
	echo "FAIL: $*" >&2
	show_run
	exit 1
}

# Print what the last postie run said, and the server's dialogue.
show_run() {
	if [ -n "$RC" ]; then
		echo "--- postie exit code: $RC" >&2
		echo "--- postie stdout:" >&2; head -c 4000 "$T/out" >&2 2>/dev/null
		echo "--- postie stderr:" >&2; head -c 4000 "$T/err" >&2 2>/dev/null
	fi
	if [ -s "$SPOOL/dialogue.log" ]; then
		echo "--- server dialogue (last 40 lines):" >&2
		tail -n 40 "$SPOOL/dialogue.log" >&2
	fi
	local f
	for f in "$T"/smtpd*.log; do
		[ -s "$f" ] && { echo "--- $f:" >&2; tail -n 20 "$f" >&2; }
	done
	return 0
}

need_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

need_aiosmtpd() {
	"$PYTHON3" -c 'import aiosmtpd' 2>/dev/null ||
		skip "$PYTHON3 has no aiosmtpd (apt-get install python3-aiosmtpd)"
}

[ -x "$POSTIE" ] || fail "postie binary not found at $POSTIE"

# --- certificates and servers --------------------------------------------

# make_certs: throwaway CA + server cert in $T/certs (CA=$CERTS/ca.pem).
make_certs() {
	CERTS=$T/certs
	sh "$LIB/certs.sh" "$CERTS" || fail "certs.sh failed"
	FINGERPRINT=$(cat "$CERTS/server.sha256")
}

# start_smtpd [smtpd.py options]: start the aiosmtpd test server in the
# background on a free loopback port saving into $SPOOL; sets SMTP_PORT.
# TLS options may use the shorthands --starttls / --implicit (certs made
# on demand).
start_smtpd() {
	need_aiosmtpd
	local args=() a n=$SERVER_SEQ
	SERVER_SEQ=$((SERVER_SEQ + 1))
	for a; do
		case $a in
		--starttls) [ -n "${CERTS:-}" ] || make_certs
			args+=(--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key");;
		--implicit) [ -n "${CERTS:-}" ] || make_certs
			args+=(--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" --implicit-tls);;
		*) args+=("$a");;
		esac
	done
	local pf=$T/smtpd$n.port
	"$PYTHON3" "$LIB/smtpd.py" --port-file "$pf" --spool "$SPOOL" \
		${args[@]+"${args[@]}"} >"$T/smtpd$n.log" 2>&1 &
	SERVER_PIDS+=($!)
	wait_for_file "$pf" 10 || fail "smtpd.py did not start"
	SMTP_PORT=$(cat "$pf")
	export SMTP_PORT
}

# start_raw_server SCRIPT_FILE: the raw scripted server (see smtpd.py).
start_raw_server() {
	start_smtpd --raw-script "$1"
}

stop_servers() {
	local p
	for p in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	SERVER_PIDS=()
	return 0
}

# wait_for_file FILE SECONDS
wait_for_file() {
	local i=0 max=$(( ${2:-10} * 20 ))
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ "$i" -le "$max" ] || return 1
		sleep 0.05
	done
}

# A free loopback TCP port (for servers that cannot pick their own).
free_port() {
	"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- configuration -------------------------------------------------------

# write_config FILE: stdin becomes FILE, mode 0600.
write_config() {
	cat > "$1" && chmod 600 "$1"
}

# smarthost_config [TLS_MODE [LINE...]]: write $T/postierc for the test
# server at 127.0.0.1:$SMTP_PORT and set CFG.  TLS_MODE: off (default),
# starttls, implicit, or default (no tls lines: postie's defaults, which
# require STARTTLS).  Each further argument is one more config line.
# CFG_TIMEOUT (default 10) is the "timeout" line.
smarthost_config() {
	local mode=${1:-off}
	shift || true
	CFG=$T/postierc
	{
		echo "# written by $TEST_NAME"
		echo "account default"
		echo "host 127.0.0.1"
		echo "port $SMTP_PORT"
		echo "from sender@example.com"
		echo "domain client.example.com"
		echo "queue off"
		echo "queue_dir $T/queue"
		echo "timeout ${CFG_TIMEOUT:-10}"
		case $mode in
		off) echo "tls off";;
		default) ;;
		starttls) echo "tls on"; echo "tls_starttls on"
			echo "tls_trust_file $CERTS/ca.pem";;
		implicit) echo "tls on"; echo "tls_starttls off"
			echo "tls_trust_file $CERTS/ca.pem";;
		*) fail "smarthost_config: unknown mode $mode";;
		esac
		local l
		for l; do echo "$l"; done
	} > "$CFG"
	chmod 600 "$CFG"
}

# --- running postie ------------------------------------------------------

# run_postie ARGS... : run the binary with stdin as given, capture $T/out,
# $T/err and the exit code in RC.  Never hangs longer than 60 s.
run_postie() {
	RC=0
	timeout 60 "$POSTIE" "$@" >"$T/out" 2>"$T/err" || RC=$?
	return 0
}

# --- assertions ----------------------------------------------------------

assert_exit() {
	[ "$RC" = "$1" ] || fail "expected exit code $1, got $RC${2:+ ($2)}"
}

# assert_exit_in "75 77": one of several codes is right.
assert_exit_in() {
	local c
	for c in $1; do [ "$RC" = "$c" ] && return 0; done
	fail "expected exit code in {$1}, got $RC${2:+ ($2)}"
}

assert_exit_nonzero() {
	[ "$RC" != 0 ] || fail "expected a failure exit code, got 0${1:+ ($1)}"
}

assert_contains() {
	grep -qF -- "$2" "$1" 2>/dev/null || {
		echo "--- $1:" >&2; head -c 3000 "$1" >&2 2>/dev/null
		fail "$1 does not contain: $2"
	}
}

assert_not_contains() {
	! grep -qF -- "$2" "$1" 2>/dev/null || {
		echo "--- $1:" >&2; head -c 3000 "$1" >&2
		fail "$1 contains: $2"
	}
}

# assert_matches FILE EXTENDED_REGEX (case-insensitive)
assert_matches() {
	grep -qiE -- "$2" "$1" 2>/dev/null || {
		echo "--- $1:" >&2; head -c 3000 "$1" >&2 2>/dev/null
		fail "$1 does not match: $2"
	}
}

# received: number of messages the test server saved.
received() {
	local n=0 f
	for f in "$SPOOL"/*.eml; do [ -e "$f" ] && n=$((n + 1)); done
	echo "$n"
}

assert_received() {
	local n
	n=$(received)
	[ "$n" = "$1" ] || fail "server received $n message(s), expected $1"
}

# The server saw no connection at all.
assert_no_connection() {
	[ ! -s "$SPOOL/dialogue.log" ] || fail "the server saw a connection"
}

# check_eml FILE < PYTHON: run the Python assertions on stdin with
#   raw (bytes of FILE), msg (email.message.EmailMessage, policy.default),
#   meta (FILE's .json envelope, or {}), and helpers eq(a, b, what),
#   has(needle, haystack, what), part_bytes(part).
check_eml() {
	[ -f "$1" ] || fail "no message file $1"
	"$PYTHON3" - "$1" "$(cat)" <<'PY' || fail "check_eml $1 failed"
import email, email.policy, json, os, sys
path, code = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
js = os.path.splitext(path)[0] + ".json"
meta = json.load(open(js)) if os.path.exists(js) else {}

def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: got %r, expected %r" % (what, a, b))

def has(needle, hay, what=""):
    if needle not in hay:
        raise AssertionError("%s: %r not in %r" % (what, needle, hay[:400]))

def part_bytes(part):
    return part.get_payload(decode=True)

try:
    exec(compile(code, "check_eml", "exec"))
except AssertionError as e:
    sys.stderr.write("check_eml: %s\n--- message head:\n%s\n" %
                     (e, raw[:1500].decode("utf-8", "replace")))
    sys.exit(1)
PY
}

# The file postie's -v / stderr output went to, and the dialogue, for greps.
ERR() { echo "$T/err"; }
OUT() { echo "$T/out"; }

# assert_client_not_sent REGEX: no client read in the dialogue matches.
assert_client_not_sent() {
	! grep -qiE -- "^C .*$1" "$SPOOL/dialogue.log" 2>/dev/null ||
		fail "the client sent $1"
}
