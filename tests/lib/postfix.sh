# postfix.sh — a private Postfix instance for interop tests (sourced after
# common.sh).  Everything lives under $T/postfix: config_directory,
# queue_directory, data_directory and the log; it listens only on 127.0.0.1
# ports picked here, never on port 25.
#
# The programs come from a private copy of Debian's postfix package, which
# tests/lib/install-deps.sh unpacks (apt-get download, dpkg-deb -x) into
# $POSTFIX_ROOT, never from an installed Postfix: installing the package
# would make it the machine's /usr/sbin/sendmail and mailq.  main.cf points
# daemon_directory, command_directory and meta_directory into the copy, and
# LD_LIBRARY_PATH at its shared libraries (they otherwise come from the
# RUNPATH /usr/lib/postfix, which a machine without Postfix does not have).
#
#   start_postfix [--relay PORT | --sink]
#     --relay PORT: everything accepted is relayed to 127.0.0.1:PORT (the
#                   aiosmtpd test server, so the test can read what landed)
#     --sink:       accept and discard (no queue files)
#   Sets PF_PORT (STARTTLS-capable smtpd), PF_SMTPS_PORT (implicit TLS),
#   PF_LOG (the maillog).  stop_postfix runs on exit.
#   postfix_cmd / postconf_cmd ARGS run the copy's postfix / postconf on it.

POSTFIX_ROOT=${POSTIE_POSTFIX_ROOT:-/var/cache/postie-tests/postfix}

need_postfix() {
	[ -x "$POSTFIX_ROOT/usr/sbin/postfix" ] ||
		skip "no private Postfix in $POSTFIX_ROOT (run sh tests/lib/install-deps.sh as root)"
	id postfix >/dev/null 2>&1 || skip "no postfix user (tests/lib/install-deps.sh creates it)"
	getent group postdrop >/dev/null 2>&1 || skip "no postdrop group (tests/lib/install-deps.sh creates it)"
	[ "$(id -u)" = 0 ] || skip "a private Postfix instance needs root here"
}

start_postfix() {
	need_postfix
	[ -n "${CERTS:-}" ] || make_certs
	local relay= sink= port smtps
	case ${1:-} in
	--relay) relay=$2;;
	--sink) sink=1;;
	esac
	PF=$T/postfix
	mkdir -p "$PF/etc" "$PF/queue" "$PF/data" "$PF/log"
	# mktemp made $T 0700: the postfix user must be able to reach $PF.
	chmod 755 "$T" "$PF"
	chown postfix "$PF/data"
	port=$(free_port)
	smtps=$(free_port)
	while [ "$smtps" = "$port" ]; do smtps=$(free_port); done
	PF_PORT=$port PF_SMTPS_PORT=$smtps PF_LOG=$PF/log/maillog
	local R=$POSTFIX_ROOT
	cat > "$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
daemon_directory = $R/usr/lib/postfix/sbin
command_directory = $R/usr/sbin
meta_directory = $R/etc/postfix
shlib_directory = $R/usr/lib/postfix
sendmail_path = $R/usr/sbin/sendmail
newaliases_path = $R/usr/bin/newaliases
mailq_path = $R/usr/bin/mailq
manpage_directory = $R/usr/share/man
sample_directory = $R/etc/postfix
readme_directory = no
html_directory = no
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$R/usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.postie-test.invalid
mydomain = postie-test.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
biff = no
maillog_file = $PF_LOG
maillog_file_prefixes = $PF
in_flow_delay = 0s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtputf8_enable = yes
smtpd_tls_cert_file = $CERTS/server.pem
smtpd_tls_key_file = $CERTS/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtp_tls_security_level = none
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_banner = \$myhostname ESMTP postie-test-postfix
EOF
	if [ -n "$relay" ]; then
		echo "relayhost = [127.0.0.1]:$relay" >> "$PF/etc/main.cf"
	elif [ -n "$sink" ]; then
		echo "smtpd_data_restrictions = check_client_access static:DISCARD" >> "$PF/etc/main.cf"
		echo "relayhost = [127.0.0.1]:9" >> "$PF/etc/main.cf"
	fi
	# chroot column "n" everywhere: no chroot tree needed.
	cat > "$PF/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
127.0.0.1:$smtps inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	CLEANUP_HOOKS+=(stop_postfix)
	if ! postfix_cmd start >"$PF/start.log" 2>&1; then
		cat "$PF/start.log" "$PF_LOG" >&2 2>/dev/null
		fail "private postfix did not start"
	fi
	# Ready when smtpd answers on the port.
	local i
	for i in $(seq 1 100); do
		"$PYTHON3" - "$port" <<'PY' 2>/dev/null && return 0
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.settimeout(5)
ok = s.recv(512).startswith(b"220")
s.sendall(b"QUIT\r\n")
sys.exit(0 if ok else 1)
PY
		sleep 0.1
	done
	cat "$PF_LOG" >&2 2>/dev/null
	fail "private postfix does not answer on $port"
}

# postfix_cmd ARGS: the private copy's postfix(1) on the instance in $PF.
postfix_cmd() {
	LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix \
		"$POSTFIX_ROOT/usr/sbin/postfix" -c "$PF/etc" "$@"
}

# postconf_cmd ARGS: the private copy's postconf(1) on the instance in $PF.
postconf_cmd() {
	LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix \
		"$POSTFIX_ROOT/usr/sbin/postconf" -c "$PF/etc" "$@"
}

stop_postfix() {
	[ -n "${PF:-}" ] && [ -f "$PF/etc/main.cf" ] || return 0
	postfix_cmd stop >/dev/null 2>&1 || true
	local i pid
	pid=$(cat "$PF/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
	for i in $(seq 1 50); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	PF=
	return 0
}
