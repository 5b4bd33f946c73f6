#!/bin/bash
# bench/run.sh — postie against msmtp (and mutt or s-nail piping into
# msmtp for attachments), in one run, on one private Postfix sink on
# loopback (STARTTLS port, implicit-TLS port, Cyrus SASL sasldb AUTH
# PLAIN/LOGIN, every message discarded).  See bench/README.
#
#   bench/run.sh [--quick] [--keep DIR] [POSTIE]
#
# POSTIE defaults to $POSTIE, then ./postie in the current directory.
# --quick: fewer runs (for trying the script, not for numbers).
# --keep DIR: copy the hyperfine JSON files and the table to DIR.
# Needs root (a private Postfix instance), hyperfine, msmtp, mutt, s-nail,
# saslpasswd2.
# Not part of `make check`: it takes a few minutes and its numbers are
# wall-clock times.

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QUICK= KEEP=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1;;
	--keep) KEEP=$2; shift;;
	-h|--help) sed -n '2,15p' "$0"; exit 0;;
	*) POSTIE=$1;;
	esac
	shift
done
POSTIE=${POSTIE:-$PWD/postie}
case $POSTIE in /*) ;; *) POSTIE=$PWD/$POSTIE;; esac
export POSTIE

. "$BENCH/../tests/lib/common.sh"
. "$BENCH/../tests/lib/postfix.sh"
set -o pipefail
need_cmd hyperfine msmtp mutt s-nail saslpasswd2 postconf

MSMTP=$(command -v msmtp) MUTT=$(command -v mutt) SNAIL=$(command -v s-nail)
. "$BENCH/sink.sh"
if [ -n "$QUICK" ]; then
	RUNS_SMALL=5 RUNS_10M=3 RUNS_100M=2 RUNS_RTT=2 RSS_RUNS=1
	RUNS_ATT=1 RUNS_MIME=3 RUNS_QUEUE=1 QUEUE_N=100
else
	RUNS_SMALL=30 RUNS_10M=10 RUNS_100M=5 RUNS_RTT=5 RSS_RUNS=3
	RUNS_ATT=3 RUNS_MIME=10 RUNS_QUEUE=3 QUEUE_N=1000
fi

# --- the sink (bench/sink.sh sets it up) -----------------------------------

# CPU seconds (user+system) used so far by the Postfix instance: the
# master, its live children, and the children it has reaped.
pf_cpu() {
	local master
	master=$(tr -d ' ' < "$PF/queue/pid/master.pid")
	"$PYTHON3" - "$master" <<'PY'
import os, sys
master = sys.argv[1]
hz = os.sysconf("SC_CLK_TCK")
total = 0
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    # fields after the command: state ppid ... utime(12) stime(13) cutime cstime
    if pid == master:
        total += sum(int(x) for x in f[11:15])
    elif f[1] == master:
        total += int(f[11]) + int(f[12])
print("%.3f" % (total / hz))
PY
}

# start_proxy PORT_VAR TARGET_PORT STATS: a 25 ms-each-way delay line.
start_proxy() {
	local port
	port=$(free_port)
	"$PYTHON3" "$BENCH/delayproxy.py" "$port" 127.0.0.1 "$2" 25 "$3" &
	SERVER_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		"$PYTHON3" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
			"$port" 2>/dev/null && break
		sleep 0.1
	done
	printf -v "$1" %s "$port"
}

# --- measuring -------------------------------------------------------------

# send_cmd PROG CFG MSG: the shell command hyperfine times.
send_cmd() {
	echo "$1 -C $2 $RCPT < $3"
}

# hf NAME RUNS CFG MSG: time postie and msmtp back to back; JSON in
# $T/NAME.json.  A failing send stops the benchmark (hyperfine exits 1).
hf() {
	local name=$1 runs=$2 cfg=$3 msg=$4 warm=2
	[ "$runs" -le 3 ] && warm=1
	hyperfine --style none --warmup "$warm" --runs "$runs" \
		--export-json "$T/$name.json" \
		-n postie "$(send_cmd "$POSTIE" "$cfg" "$msg")" \
		-n msmtp "$(send_cmd "$MSMTP" "$cfg" "$msg")" >"$T/$name.hf.log" 2>&1 || {
		cat "$T/$name.hf.log" >&2
		fail "hyperfine failed for $name (a send failed?)"
	}
}

# hf_one NAME RUNS PROG CFG MSG: one program alone (the delay-line cases
# count each program's round trips on a proxy of its own).
hf_one() {
	local name=$1 runs=$2 prog=$3 cfg=$4 msg=$5
	hyperfine --style none --warmup 1 --runs "$runs" \
		--export-json "$T/$name.json" \
		-n "$name" "$(send_cmd "$prog" "$cfg" "$msg")" >"$T/$name.hf.log" 2>&1 || {
		cat "$T/$name.hf.log" >&2
		fail "hyperfine failed for $name"
	}
}

# json_field FILE INDEX FIELD: median/mean/user/system of result INDEX.
json_field() {
	"$PYTHON3" -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print("%.4f" % r[sys.argv[3]])' "$@"
}

# peak_rss VAR PROG CFG MSG: median peak RSS in KB over RSS_RUNS runs, into
# VAR.  Not called in $(...): fail must run in the main shell, whose exit
# trap stops Postfix.
peak_rss() {
	local var=$1 prog=$2 cfg=$3 msg=$4 i out=()
	for i in $(seq 1 "$RSS_RUNS"); do
		/usr/bin/time -f %M -o "$T/rss" "$prog" -C "$cfg" "$RCPT" < "$msg" \
			>"$T/rss.out" 2>&1 || {
			cat "$T/rss.out" >&2
			fail "$prog failed while measuring its peak RSS"
		}
		out+=("$(tail -n 1 "$T/rss")")
	done
	printf -v "$var" %s "$(printf '%s\n' "${out[@]}" | sort -n | sed -n "$(( (RSS_RUNS + 1) / 2 ))p")"
}

# median_flights STATS: median of the "flights=N" lines.
median_flights() {
	local i
	for i in $(seq 1 30); do [ -s "$1" ] && break; sleep 0.1; done
	sleep 0.3	# the last connection's line lands after the client exits
	sed -n 's/^flights=//p' "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
# verdict VALUE LIMIT: "ok" when VALUE <= LIMIT.
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l) ? "ok" : "MISSED" }'; }

# RSS "ok" allows 2% over msmtp: msmtp against itself varies by that much.
ROWS=()
row() { ROWS+=("$(printf '%-26s|%10s|%10s|%7s|%9s|%9s|%8s|%s' "$@")"); }

# --- the run ---------------------------------------------------------------

"$POSTIE" --version >/dev/null 2>&1 || fail "$POSTIE does not run"
echo "postie: $POSTIE ($("$POSTIE" --version 2>&1 | head -n 1))"
echo "msmtp:  $MSMTP ($("$MSMTP" --version | head -n 1))"
echo "temp:   $T"

sink_start

M=$T/msg
mkdir -p "$M"
gen_message "$M/1k" 1024
gen_message "$M/10m" $((10 * 1024 * 1024))
gen_message "$M/100m" $((100 * 1024 * 1024))
# Attachments: random bytes (base64 cannot shrink them), one body text.
head -c $((10 << 20)) /dev/urandom > "$M/10m.bin"
head -c $((100 << 20)) /dev/urandom > "$M/100m.bin"
head -c $((200 << 20)) /dev/urandom > "$M/200m.bin"
printf 'The attached file is random bytes.\n' > "$M/body"
write_cfg "$T/starttls.rc" "$PF_PORT" starttls
write_cfg "$T/implicit.rc" "$PF_SMTPS_PORT" implicit

# Both programs must get through before anything is timed.
for prog in "$POSTIE" "$MSMTP"; do
	for cfg in starttls implicit; do
		"$prog" -C "$T/$cfg.rc" "$RCPT" < "$M/1k" >"$T/try.out" 2>&1 || {
			cat "$T/try.out" >&2
			fail "$prog cannot send through the sink ($cfg)"
		}
	done
done

# case NAME RUNS CFG MSG BYTES WALL_TARGET
timed_case() {
	local name=$1 runs=$2 cfg=$3 msg=$4 bytes=$5 target=$6
	echo "... $name"
	local pf0 pf1
	pf0=$(pf_cpu)
	hf "$name" "$runs" "$T/$cfg.rc" "$msg"
	pf1=$(pf_cpu)
	local pm mm pu ps mu msys prss mrss r
	pm=$(json_field "$T/$name.json" 0 median)
	mm=$(json_field "$T/$name.json" 1 median)
	pu=$(json_field "$T/$name.json" 0 user); ps=$(json_field "$T/$name.json" 0 system)
	mu=$(json_field "$T/$name.json" 1 user); msys=$(json_field "$T/$name.json" 1 system)
	peak_rss prss "$POSTIE" "$T/$cfg.rc" "$msg"
	peak_rss mrss "$MSMTP" "$T/$cfg.rc" "$msg"
	r=$(awk -v a="$pm" -v b="$mm" 'BEGIN { print a / b }')
	row "$name" "$(ms "$pm")" "$(ms "$mm")" "$(ratio "$pm" "$mm")" \
		"$(mb "$prss")" "$(mb "$mrss")" "-" \
		"wall <= ${target}x: $(verdict "$r" "$target"); RSS: $(verdict "$prss" "$((mrss + mrss / 50))")"
	CPU_ROWS+=("$(awk -v n="$name" -v pu="$pu" -v ps="$ps" -v mu="$mu" -v msy="$msys" -v b="$bytes" \
		-v pf="$(awk -v a="$pf0" -v b="$pf1" 'BEGIN{print b-a}')" -v runs="$runs" \
		'BEGIN { printf "%-26s| %8.1f ms | %8.1f ms |", n, (pu+ps)*1000, (mu+msy)*1000
			if (b >= 1048576) printf " %6.1f | %6.1f |", (pu+ps)*1e9/b, (mu+msy)*1e9/b
			else printf " %6s | %6s |", "-", "-"
			printf " %8.2f s\n", pf }')")
	RSS_BY_SIZE+=("$name: postie $(mb "$prss"), msmtp $(mb "$mrss")")
}
CPU_ROWS=() RSS_BY_SIZE=()

timed_case "1 KB STARTTLS+AUTH" "$RUNS_SMALL" starttls "$M/1k" 1024 0.25
timed_case "1 KB implicit TLS+AUTH" "$RUNS_SMALL" implicit "$M/1k" 1024 0.25
timed_case "10 MB STARTTLS+AUTH" "$RUNS_10M" starttls "$M/10m" $((10 << 20)) 0.3
timed_case "100 MB STARTTLS+AUTH" "$RUNS_100M" starttls "$M/100m" $((100 << 20)) 0.3

# --- compose mode: attachments ---------------------------------------------

# The same random file sent as an attachment by postie (-s -a) and by mutt
# and s-nail piping into msmtp, all with the STARTTLS+AUTH msmtprc.  HOME
# is $T/home (common.sh): empty, so neither client reads a user rc file;
# -n skips the system ones.  mutt's copy=no keeps it from writing ~/sent.
SUBJ="bench attachment"
att_cmd() {	# PROG FILE: the command hyperfine times
	local cfg=$T/starttls.rc
	case $1 in
	postie) echo "$POSTIE -C $cfg -s '$SUBJ' -a $2 $RCPT < $M/body";;
	mutt) echo "$MUTT -n -F /dev/null -e 'set sendmail=\"$MSMTP -C $cfg\"'" \
		"-e 'set copy=no' -e 'set use_from=yes' -e 'set from=bench@client.invalid'" \
		"-s '$SUBJ' -a $2 -- $RCPT < $M/body";;
	s-nail) echo "$SNAIL -n -Snosave -Smta=$MSMTP -Smta-arguments='-C $cfg'" \
		"-Sfrom=bench@client.invalid -s '$SUBJ' -a $2 $RCPT < $M/body";;
	esac
}

# rss_cmd VAR RUNS CMD: median peak RSS in KB of CMD (run by sh; the
# largest process of a pipeline counts) over RUNS runs, into VAR.
rss_cmd() {
	local var=$1 runs=$2 cmd=$3 i out=()
	for i in $(seq 1 "$runs"); do
		/usr/bin/time -f %M -o "$T/rss" sh -c "exec $cmd" >"$T/rss.out" 2>&1 || {
			cat "$T/rss.out" >&2
			fail "failed while measuring peak RSS: $cmd"
		}
		out+=("$(tail -n 1 "$T/rss")")
	done
	printf -v "$var" %s "$(printf '%s\n' "${out[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")"
}

attach_cases() {
	local name="100 MB attachment" p
	echo "... $name (postie, mutt | msmtp, s-nail | msmtp)"
	for p in postie mutt s-nail; do
		sh -c "$(att_cmd $p "$M/10m.bin")" >"$T/try.out" 2>&1 || {
			cat "$T/try.out" >&2
			fail "$p cannot send an attachment through the sink"
		}
	done
	# No warm-up: each peer run takes half a minute, and the 10 MB try
	# above has already paged every program in.
	hyperfine --style none --runs "$RUNS_ATT" \
		--export-json "$T/attach.json" \
		-n postie "$(att_cmd postie "$M/100m.bin")" \
		-n "mutt | msmtp" "$(att_cmd mutt "$M/100m.bin")" \
		-n "s-nail | msmtp" "$(att_cmd s-nail "$M/100m.bin")" >"$T/attach.hf.log" 2>&1 || {
		cat "$T/attach.hf.log" >&2
		fail "hyperfine failed for $name"
	}
	local pm mm sm prss mrss srss
	pm=$(json_field "$T/attach.json" 0 median)
	mm=$(json_field "$T/attach.json" 1 median)
	sm=$(json_field "$T/attach.json" 2 median)
	rss_cmd prss "$RSS_RUNS" "$(att_cmd postie "$M/100m.bin")"
	rss_cmd mrss 1 "$(att_cmd mutt "$M/100m.bin")"
	rss_cmd srss 1 "$(att_cmd s-nail "$M/100m.bin")"
	# The target is against the faster of the two pipelines.
	local fast=mutt fm=$mm
	awk -v s="$sm" -v m="$mm" 'BEGIN { exit !(s < m) }' && fast=s-nail fm=$sm
	local r rv v
	r=$(awk -v a="$pm" -v b="$fm" 'BEGIN { print a / b }')
	rv="RSS < 16 MB: $(verdict "$prss" 16383)"
	for p in mutt s-nail; do
		local peer=$mm peerrss=$mrss
		[ $p = s-nail ] && peer=$sm peerrss=$srss
		v="(slower peer) $rv"
		[ $p = "$fast" ] && v="wall <= 0.2x faster peer: $(verdict "$r" 0.2); $rv"
		row "$name vs $p | msmtp" "$(ms "$pm")" "$(ms "$peer")" "$(ratio "$pm" "$peer")" \
			"$(mb "$prss")" "$(mb "$peerrss")" "-" "$v"
	done
	ATT_100_RSS=$prss
	postie_attach_sizes
	mime_speed
}

# postie alone, 10 MB and 200 MB attachments: peak RSS must not depend on
# the attachment's size (it is read and encoded in fixed-size pieces).
postie_attach_sizes() {
	echo "... postie, 10 MB and 200 MB attachments"
	hyperfine --style none --warmup 1 --runs "$RUNS_ATT" \
		--export-json "$T/attach-sizes.json" \
		-n "10 MB" "$(att_cmd postie "$M/10m.bin")" \
		-n "200 MB" "$(att_cmd postie "$M/200m.bin")" >"$T/attach-sizes.hf.log" 2>&1 || {
		cat "$T/attach-sizes.hf.log" >&2
		fail "hyperfine failed for the attachment sizes"
	}
	local m10 m200 r10 r200
	m10=$(json_field "$T/attach-sizes.json" 0 median)
	m200=$(json_field "$T/attach-sizes.json" 1 median)
	rss_cmd r10 "$RSS_RUNS" "$(att_cmd postie "$M/10m.bin")"
	rss_cmd r200 "$RSS_RUNS" "$(att_cmd postie "$M/200m.bin")"
	row "10 MB attachment (postie)" "$(ms "$m10")" "-" "-" "$(mb "$r10")" "-" "-" \
		"RSS < 16 MB: $(verdict "$r10" 16383)"
	# "The same": within 3% (GNU time's %M moves by ~100 KB run to run).
	row "200 MB attachment (postie)" "$(ms "$m200")" "-" "-" "$(mb "$r200")" "-" "-" \
		"RSS same as 10 MB (3%): $(verdict "$r200" "$((r10 + r10 * 3 / 100))"); 100 MB: $(mb "$ATT_100_RSS")"
}

# MIME encoding alone: postie --dry-run composing the 100 MB attachment
# (base64, 76-column lines, CRLF-free output on stdout) against coreutils'
# base64 of the same file.  Target: postie at least as fast.
mime_speed() {
	local name="MIME 100 MB: --dry-run"
	echo "... $name vs base64"
	hyperfine --style none --warmup 1 --runs "$RUNS_MIME" \
		--export-json "$T/mime.json" \
		-n postie "$POSTIE -C $T/starttls.rc --dry-run -s x -a $M/100m.bin $RCPT < $M/body > /dev/null" \
		-n base64 "base64 $M/100m.bin > /dev/null" >"$T/mime.hf.log" 2>&1 || {
		cat "$T/mime.hf.log" >&2
		fail "hyperfine failed for $name"
	}
	local pm bm r
	pm=$(json_field "$T/mime.json" 0 median)
	bm=$(json_field "$T/mime.json" 1 median)
	r=$(awk -v a="$pm" -v b="$bm" 'BEGIN { print a / b }')
	row "$name vs base64" "$(ms "$pm")" "$(ms "$bm")" "$(ratio "$pm" "$bm")" "-" "-" "-" \
		"wall <= 1.0x base64: $(verdict "$r" 1.0)"
}

attach_cases

# --- the queue: N queued messages flushed -----------------------------------

# postie -q delivers N queued messages over one session (no RSET after a
# completed transaction) against N msmtp invocations sending the same messages, both
# with the STARTTLS+AUTH msmtprc (issue 5; was bench/queue_flush.sh).
# postie's queue keys go into a copy of its own: msmtp refuses them.
gen_queued() {	# DIR N: N messages of about 1 KB, DIR/1 .. DIR/N
	"$PYTHON3" - "$1" "$2" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
body = ("x" * 72 + "\n") * 12
for i in range(1, n + 1):
    with open(os.path.join(d, str(i)), "w") as f:
        f.write("From: bench@client.invalid\nTo: rcpt@bench.invalid\n"
                "Subject: queued %d\nDate: Thu, 26 Nov 2026 12:00:00 +0000\n"
                "Message-ID: <q%d@client.invalid>\n\n%s" % (i, i, body))
PY
}

now() { date +%s.%N; }

queue_case() {
	local n=$1 name="flush $1 queued (-q)"
	echo "... $name (postie -q, then $n msmtp runs)"
	local msgs=$T/qmsgs q=$T/queue i
	gen_queued "$msgs" "$n"
	# q.rc first holds the account on a port nobody listens on, so every
	# message is queued, then the sink: a queue entry goes out only
	# through the configuration file it was submitted with.
	local walls=() rss=() k t0 t1 left
	for k in $(seq 1 "$RUNS_QUEUE"); do
		sed "s/^port .*/port $(free_port)/" "$T/starttls.rc" | write_config "$T/q.rc"
		printf 'queue on\nqueue_dir %s\n' "$q" >> "$T/q.rc"
		for ((i = 1; i <= n; i++)); do
			"$POSTIE" -C "$T/q.rc" "$RCPT" < "$msgs/$i" 2>/dev/null ||
				fail "queueing message $i failed"
		done
		left=$(find "$q" -maxdepth 1 -name '*.env' | wc -l)
		[ "$left" = "$n" ] || fail "$left queued, want $n"
		write_config "$T/q.rc" < "$T/starttls.rc"
		printf 'queue on\nqueue_dir %s\n' "$q" >> "$T/q.rc"
		t0=$(now)
		/usr/bin/time -f %M -o "$T/rss" "$POSTIE" -C "$T/q.rc" -q </dev/null \
			>"$T/q.out" 2>&1 || { cat "$T/q.out" >&2; fail "postie -q failed"; }
		t1=$(now)
		left=$(find "$q" -maxdepth 1 -name '*.env' | wc -l)
		[ "$left" = 0 ] || fail "postie -q left $left messages in the queue"
		walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
		rss+=("$(tail -n 1 "$T/rss")")
	done
	local pw prss mw
	pw=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS_QUEUE + 1) / 2 ))p")
	prss=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (RUNS_QUEUE + 1) / 2 ))p")
	t0=$(now)
	for ((i = 1; i <= n; i++)); do
		"$MSMTP" -C "$T/starttls.rc" "$RCPT" < "$msgs/$i" ||
			fail "msmtp failed on message $i"
	done
	t1=$(now)
	mw=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	local x
	x=$(awk -v p="$pw" -v m="$mw" 'BEGIN { printf "%.0f", m / p }')
	row "$name vs $n msmtp runs" "$(ms "$pw")" "$(ms "$mw")" "$(ratio "$pw" "$mw")" \
		"$(mb "$prss")" "-" "-" \
		"postie ${x}x faster, >= 50x: $(awk -v x="$x" 'BEGIN { print (x >= 50) ? "ok" : "MISSED" }')"
}

queue_case "$QUEUE_N"

# Round trips at 50 ms of added RTT, two ways, each program on a delay line
# of its own so that the counts are that program's alone:
#  - delayproxy.py (TCP relay on loopback): "flights", the protocol's
#    round trips;
#  - netdelay.py (tun delay line between two namespaces): the client's TCP
#    peer is really 25 ms away, so Nagle/delayed-ACK stalls cost a round
#    trip as on a real network.  Its wall time is the "median" column;
#    "waits" counts every time the client sent after waiting on the server,
#    pure ACKs included.
start_netdelay() {	# VAR NAME STATS
	local ready=$T/$2.ready
	"$PYTHON3" "$BENCH/netdelay.py" "$2" 25 "$3" "$ready" \
		"1587=$PF_PORT" "1465=$PF_SMTPS_PORT" 2>"$T/$2.log" &
	SERVER_PIDS+=($!)
	wait_for_file "$ready" 10 || { cat "$T/$2.log" >&2; fail "netdelay.py did not start"; }
	printf -v "$1" %s "$2-c"
}

write_nd_cfg() {	# FILE MODE
	local port=1587
	[ "$2" = implicit ] && port=1465
	write_cfg "$1" "$port" "$2"
	sed -i 's/^host .*/host 10.77.0.2/' "$1"
	echo "tls_host_override localhost" >> "$1"
}

# field STATS PORT KEY: median of KEY=N over the STATS lines for PORT.
nd_field() {
	sed -n "s/^port=$2 .*$3=\([0-9]*\).*/\1/p" "$1" | sort -n |
		awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

ND=
if ip netns add "pbchk$$" 2>/dev/null && [ -c /dev/net/tun ]; then
	ip netns del "pbchk$$"
	start_netdelay NS_P "pb$$p" "$T/nd-postie"
	start_netdelay NS_M "pb$$m" "$T/nd-msmtp"
	ND=1
fi

rtt_case() {
	local mode=$1 port=$2 limit=$3 name="1 KB $1, +50 ms RTT"
	echo "... $name"
	local pport mport
	start_proxy pport "$port" "$T/rt-postie-$mode"
	start_proxy mport "$port" "$T/rt-msmtp-$mode"
	write_cfg "$T/rt-postie-$mode.rc" "$pport" "$mode"
	write_cfg "$T/rt-msmtp-$mode.rc" "$mport" "$mode"
	hf_one "rtt-postie-$mode" "$RUNS_RTT" "$POSTIE" "$T/rt-postie-$mode.rc" "$M/1k"
	hf_one "rtt-msmtp-$mode" "$RUNS_RTT" "$MSMTP" "$T/rt-msmtp-$mode.rc" "$M/1k"
	local pm mm pf mf
	pm=$(json_field "$T/rtt-postie-$mode.json" 0 median)
	mm=$(json_field "$T/rtt-msmtp-$mode.json" 0 median)
	pf=$(median_flights "$T/rt-postie-$mode")
	mf=$(median_flights "$T/rt-msmtp-$mode")
	row "$name (TCP relay)" "$(ms "$pm")" "$(ms "$mm")" "$(ratio "$pm" "$mm")" "-" "-" \
		"$pf / $mf" "flights <= $limit: $(verdict "$pf" "$limit")"
	[ -n "$ND" ] || return 0
	local lport=1587
	[ "$mode" = implicit ] && lport=1465
	write_nd_cfg "$T/nd-$mode.rc" "$mode"
	hf_one "nd-postie-$mode" "$RUNS_RTT" "ip netns exec $NS_P $POSTIE" "$T/nd-$mode.rc" "$M/1k"
	hf_one "nd-msmtp-$mode" "$RUNS_RTT" "ip netns exec $NS_M $MSMTP" "$T/nd-$mode.rc" "$M/1k"
	sleep 0.5	# the last FIN
	pm=$(json_field "$T/nd-postie-$mode.json" 0 median)
	mm=$(json_field "$T/nd-msmtp-$mode.json" 0 median)
	local pd md pa ma
	pd=$(nd_field "$T/nd-postie" $lport data_rounds)
	md=$(nd_field "$T/nd-msmtp" $lport data_rounds)
	pa=$(nd_field "$T/nd-postie" $lport all_rounds)
	ma=$(nd_field "$T/nd-msmtp" $lport all_rounds)
	local prt mrt
	prt=$(awk -v w="$pm" 'BEGIN { printf "%.1f", w / 0.05 }')
	mrt=$(awk -v w="$mm" 'BEGIN { printf "%.1f", w / 0.05 }')
	row "$name (netns)" "$(ms "$pm")" "$(ms "$mm")" "$(ratio "$pm" "$mm")" "-" "-" \
		"$pd / $md" "rounds <= $limit: $(verdict "$pd" "$limit"); with ACK waits $pa / $ma; wall/RTT $prt / $mrt"
}
rtt_case starttls "$PF_PORT" 9
rtt_case implicit "$PF_SMTPS_PORT" 7

# Is the sink the bottleneck?  The fastest client we have, and Postfix's
# own CPU while the 100 MB case ran (CPU table, last column).
echo "... sink check"
SINK_S=$("$PYTHON3" "$BENCH/sinkcheck.py" 127.0.0.1 "$PF_PORT" starttls \
	"$BENCH_USER" "$BENCH_PASS" "$CERTS/ca.pem" "$M/100m") || fail "sinkcheck failed"

# --- report ----------------------------------------------------------------

{
	echo
	echo "postie vs peer (msmtp unless named), $(date -u +%Y-%m-%d), medians; ratio = postie / peer; round trips = postie / msmtp"
	printf '%-26s|%10s|%10s|%7s|%9s|%9s|%8s|%s\n' case postie peer ratio \
		"RSS pst" "RSS peer" "RTs" "target"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "CPU (user+system, hyperfine means) and the sink's CPU over all runs of the case"
	printf '%-26s| %11s | %11s | %6s | %6s | %10s\n' case "postie" "msmtp" "ns/B p" "ns/B m" "Postfix"
	printf '%s\n' "${CPU_ROWS[@]}"
	echo
	echo "sink: a minimal Python client sends the 100 MB message (STARTTLS+AUTH) in ${SINK_S} s"
	echo "peak RSS by size: ${RSS_BY_SIZE[*]}"
} | tee "$T/table.txt"

if [ -n "$KEEP" ]; then
	mkdir -p "$KEEP"
	cp "$T"/*.json "$T/table.txt" "$KEEP"/
fi
exit 0
