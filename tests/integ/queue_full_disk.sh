#!/bin/bash
# A full disk (spec §5): the queue is a small tmpfs.  Submissions with the
# relay down fill it; each exits 0 only with a durable entry, the rest
# exit 73 saying why, nothing half-written stays behind, and once the relay
# is back every accepted message is delivered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
mkdir -p "$T/queue"
mount -t tmpfs -o size=96k,mode=0700 tmpfs "$T/queue" 2>/dev/null ||
	skip "cannot mount a tmpfs (needs root)"
umount_queue() { umount "$T/queue" 2>/dev/null; }
CLEANUP_HOOKS+=(umount_queue)

SMTP_PORT=$(free_port)
smarthost_config off "queue on"
head -c 6000 /dev/zero | tr '\0' 'x' | fold -w 76 > "$T/body"
ok=0 full=0
for i in $(seq 1 40); do
	{ printf 'Subject: disk-%d\n\n' "$i"; cat "$T/body"; } |
		run_postie -C "$CFG" bob@example.net
	case $RC in
	0) ok=$((ok + 1)); echo "disk-$i" >> "$T/accepted";;
	73) full=$((full + 1))
		assert_contains "$T/err" "could not be queued"
		assert_contains "$T/err" "No space left on device";;
	*) fail "submission $i exited $RC";;
	esac
done
echo "accepted $ok, refused $full"
[ "$full" -gt 0 ] || fail "the tmpfs never filled up"
[ "$ok" -gt 0 ] || fail "nothing was accepted"
n=$(find "$T/queue" -maxdepth 1 -name '*.env' | wc -l)
[ "$n" = "$ok" ] || fail "$n entries for $ok accepted submissions"
n=$(find "$T/queue" -maxdepth 1 -name '*.msg' | wc -l)
[ "$n" = "$ok" ] || fail "$n message files for $ok accepted submissions"
n=$(find "$T/queue/tmp" -type f | wc -l)
[ "$n" = 0 ] || fail "$n half-written files left in tmp/"

start_smtpd
smarthost_config off "queue on"
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "queue run"
assert_received "$ok"
