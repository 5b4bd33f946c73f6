# bench/sink.sh — sourced by bench/run.sh and bench/compare.sh after
# tests/lib/common.sh and tests/lib/postfix.sh: the sink's AUTH overlay and
# readiness check, the generated messages, and the account both read.
#
#   sink_start            certificates, the private Postfix, its overlay,
#                         and wait until it takes AUTH; says its ports
#   sink_overlay          Cyrus SASL from a sasldb, no size limit (after
#                         start_postfix --sink)
#   sink_ready            wait until STARTTLS+AUTH and implicit TLS+AUTH work
#   gen_message FILE N    a plain-text message of about N bytes
#   write_cfg FILE PORT starttls|implicit
#                         the account (msmtprc syntax) for the sink

BENCH_USER=bench BENCH_PASS=bench-secret REALM=bench.invalid
RCPT=rcpt@bench.invalid

# Add what postfix.sh does not set up: AUTH via a sasldb the postfix user
# can read, and no message size limit (10 MB and 100 MB cases).
sink_overlay() {
	# Debian's Postfix reads $config_directory/sasl/smtpd.conf whatever
	# cyrus_sasl_config_path says; upstream's honours the parameter.  Use
	# that directory for both.
	local sasl=$PF/etc/sasl
	mkdir -p "$sasl"
	cat > "$sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $sasl/sasldb2
mech_list: PLAIN LOGIN
EOF
	echo "$BENCH_PASS" | saslpasswd2 -p -c -f "$sasl/sasldb2" -u "$REALM" "$BENCH_USER" ||
		fail "saslpasswd2 failed"
	chown postfix "$sasl/sasldb2"
	chmod 600 "$sasl/sasldb2"
	chmod 755 "$sasl"
	chmod 644 "$sasl/smtpd.conf"
	postconf_cmd -e \
		"message_size_limit = 0" \
		"smtpd_sasl_auth_enable = yes" \
		"smtpd_sasl_type = cyrus" \
		"smtpd_sasl_path = smtpd" \
		"cyrus_sasl_config_path = $sasl" \
		"smtpd_sasl_local_domain = $REALM" \
		"smtpd_sasl_security_options = noanonymous" ||
		fail "postconf failed"
	postfix_cmd reload >/dev/null 2>&1 || fail "postfix reload failed"
}

# The sink works when a client can log in on both ports; a reload takes
# effect as smtpd processes are replaced, so try for a while.
sink_ready() {
	local i
	for i in $(seq 1 50); do
		"$PYTHON3" - "$PF_PORT" "$PF_SMTPS_PORT" "$CERTS/ca.pem" \
			"$BENCH_USER" "$BENCH_PASS" <<'PY' 2>/dev/null && return 0
import smtplib, ssl, sys
port, sport, ca, user, pw = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
with smtplib.SMTP("127.0.0.1", int(port), local_hostname="probe") as s:
    s.starttls(context=ctx)
    s.login(user, pw)
with smtplib.SMTP_SSL("127.0.0.1", int(sport), local_hostname="probe", context=ctx) as s:
    s.login(user, pw)
PY
		sleep 0.2
	done
	tail -n 20 "$PF_LOG" >&2
	fail "the sink refuses AUTH (see the Postfix log above)"
}

# gen_message FILE BYTES: a plain-text message of about BYTES bytes with the
# headers a mail client writes (so neither program adds any), LF line ends.
gen_message() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
head = ("From: Bench <bench@client.invalid>\n"
        "To: <rcpt@bench.invalid>\n"
        "Subject: benchmark message of %d bytes\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
        "Message-ID: <bench-%d@client.invalid>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n\n") % (size, size)
words = ("the quick brown fox jumps over the lazy dog while postie and msmtp "
         "race to hand this text to a patient postfix sink ").split()
line_bytes = bytearray()
lines = []
i = 0
# 64 distinct lines, repeated: cheap to make, not trivially compressible.
for n in range(64):
    out = []
    while sum(len(w) + 1 for w in out) < 70:
        out.append(words[i % len(words)])
        i += 7
    lines.append((" ".join(out) + " %02d\n" % n).encode())
block = b"".join(lines)
with open(path, "wb") as f:
    f.write(head.encode())
    left = size - len(head)
    while left > 0:
        chunk = block[:left] if left < len(block) else block
        f.write(chunk)
        left -= len(chunk)
    if not chunk.endswith(b"\n"):
        f.write(b"\n")
PY
}

# write_cfg FILE PORT starttls|implicit: one msmtprc both programs read.
write_cfg() {
	local tls_starttls=on
	[ "$3" = implicit ] && tls_starttls=off
	write_config "$1" <<EOF
account default
host 127.0.0.1
port $2
from bench@client.invalid
tls on
tls_starttls $tls_starttls
tls_trust_file $CERTS/ca.pem
auth on
user $BENCH_USER
password $BENCH_PASS
EOF
}

sink_start() {
	make_certs
	start_postfix --sink
	sink_overlay
	sink_ready
	echo "sink:   Postfix on 127.0.0.1:$PF_PORT (STARTTLS) and :$PF_SMTPS_PORT (implicit TLS)"
}
