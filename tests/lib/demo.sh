#!/bin/bash
# `make demo`: send one message with an attachment through postie to a
# throwaway STARTTLS server on loopback and show what the server received.
#   tests/lib/demo.sh /path/to/postie
set -u
POSTIE=${1:?usage: demo.sh /path/to/postie}
LIB=$(cd "$(dirname "$0")" && pwd)
PYTHON3=${PYTHON3:-/usr/bin/python3}
"$PYTHON3" -c 'import aiosmtpd' 2>/dev/null ||
	{ echo "demo: $PYTHON3 lacks aiosmtpd: apt-get install python3-aiosmtpd" >&2; exit 1; }

D=$(mktemp -d /tmp/postie-demo.XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null' EXIT

sh "$LIB/certs.sh" "$D/certs" || exit 1
"$PYTHON3" "$LIB/smtpd.py" --port-file "$D/port" --spool "$D/spool" \
	--tls-cert "$D/certs/server.pem" --tls-key "$D/certs/server.key" \
	--require-starttls >"$D/smtpd.log" 2>&1 &
server=$!
for _ in $(seq 100); do [ -s "$D/port" ] && break; sleep 0.05; done
[ -s "$D/port" ] || { cat "$D/smtpd.log"; echo "demo: test server did not start" >&2; exit 1; }
port=$(cat "$D/port")

cat > "$D/postierc" <<RC
# demo configuration: a loopback server with a throwaway CA
account default
host 127.0.0.1
port $port
from demo@example.com
tls on
tls_starttls on
tls_trust_file $D/certs/ca.pem
queue off
RC
chmod 600 "$D/postierc"
printf 'name,size\npostie,small\n' > "$D/report.csv"

echo "== test server: 127.0.0.1:$port (STARTTLS required), config: $D/postierc"
echo "== postie -C $D/postierc -s Demo -a report.csv you@example.com"
rc=0
echo "Hello from postie's demo." |
	"$POSTIE" -C "$D/postierc" -s "Demo" -a "$D/report.csv" you@example.com || rc=$?
if [ "$rc" = 64 ]; then
	echo "== compose mode refused (exit 64): sending a hand-built MIME message with -t instead"
	rc=0
	b="demo-boundary-$$"
	{
		printf 'From: demo@example.com\nTo: you@example.com\nSubject: Demo\n'
		printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="%s"\n\n' "$b"
		printf -- '--%s\nContent-Type: text/plain; charset=us-ascii\n\n' "$b"
		printf "Hello from postie's demo.\n\n"
		printf -- '--%s\nContent-Type: text/csv\nContent-Disposition: attachment; filename="report.csv"\nContent-Transfer-Encoding: base64\n\n' "$b"
		base64 "$D/report.csv"
		printf -- '--%s--\n' "$b"
	} | "$POSTIE" -C "$D/postierc" -t || rc=$?
fi
if [ "$rc" != 0 ]; then
	echo "demo: postie exited with $rc" >&2
	tail -20 "$D/spool/dialogue.log" 2>/dev/null
	exit 1
fi
for _ in $(seq 40); do [ -s "$D/spool/1.eml" ] && break; sleep 0.05; done
echo "== the server received $D/spool/1.eml (envelope in $D/spool/1.json):"
echo "-----8<-----"
cat "$D/spool/1.eml"
echo "----->8-----"
"$PYTHON3" - "$D/spool/1.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("envelope: from <%s> to %s, over %s" % (m["mail_from"], ", ".join("<%s>" % r for r in m["rcpt_tos"]),
      "TLS" if m["tls"] else "plaintext"))
PY
echo "== files kept in $D"
