#!/bin/bash
# A queue run never trusts what another user could have put in its queue
# (issue 14): a queued ID.msg that is a symbolic link to a root-only file
# or a FIFO is named once and not used; a symbolic link at tmp/ID.env is
# replaced, never written through; a queue directory owned by another
# user, or writable by others, or whose failed/ is a symbolic link, is
# refused (exit 77) and nothing in it is sent; -C naming a FIFO fails at
# once (78) instead of waiting for a writer.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
[ "$(id -u)" = 0 ] || skip "needs root (to prepare files as another user)"
need_cmd setpriv
OTHER=4242	# a uid with no account: "another user"
as_other() { setpriv --reuid=$OTHER --regid=$OTHER --clear-groups "$@"; }

# queue_one: one message deferred into $T/queue (nobody listens); its id.
queue_one() {
	SMTP_PORT=$(free_port) smarthost_config off
	sed -i 's/^queue off$/queue on/' "$CFG"
	printf 'Subject: queued\n\nbody\n' | run_postie -C "$CFG" bob@example.net
	assert_exit 0 "deferred into the queue"
	ID=$(basename "$(ls "$T"/queue/*.env | tail -1)" .env)
}
echo 'TOPSECRET root-only' > "$T/secret" && chmod 600 "$T/secret"
echo 'ORIGINAL' > "$T/target" && chmod 600 "$T/target"

# 1. ID.msg replaced by a symbolic link to a root-only file.
queue_one
ln -sf "$T/secret" "$T/queue/$ID.msg"
start_smtpd
smarthost_config off
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "a refused entry does not fail the run"
[ "$(grep -c "$ID" "$T/err")" = 1 ] || fail "the refused entry is not named exactly once"
assert_contains "$T/err" "symbolic link"
assert_received 0
grep -rqs TOPSECRET "$SPOOL" && fail "the root-only file was mailed out"
rm -rf "$T/queue"

# 2. A FIFO as ID.msg must not block the run; a file owned by another
# user is not used either.
queue_one
rm "$T/queue/$ID.msg" && mkfifo "$T/queue/$ID.msg"
queue_one
ID2=$ID
cp "$T/secret" "$T/queue/$ID2.msg.x" && mv "$T/queue/$ID2.msg.x" "$T/queue/$ID2.msg"
chown $OTHER "$T/queue/$ID2.msg"
smarthost_config off
timeout 20 "$POSTIE" -C "$CFG" -q </dev/null >"$T/out" 2>"$T/err"
RC=$?
assert_exit 0 "queue run with a FIFO entry"
assert_contains "$T/err" "not a regular file"
assert_contains "$T/err" "owned by uid $OTHER"
assert_received 0
rm -rf "$T/queue"

# 3. A symbolic link at tmp/ID.env: the rewrite of the state replaces it
# and the target keeps its text.
queue_one
ln -s "$T/target" "$T/queue/tmp/$ID.env"
SMTP_PORT=$(free_port) smarthost_config off
run_postie -C "$CFG" -q </dev/null
assert_exit 0 "deferred again"
[ "$(cat "$T/target")" = ORIGINAL ] || fail "the state was written through tmp/ID.env's link"
grep -q '^attempts 2$' "$T/queue/$ID.env" || fail "the state was not rewritten"

# 4. failed/ a symbolic link: the directory is refused, nothing sent.
rm -rf "$T/queue/failed" && mkdir "$T/elsewhere" && ln -s "$T/elsewhere" "$T/queue/failed"
smarthost_config off
run_postie -C "$CFG" -q </dev/null
assert_exit 77 "failed/ is a symbolic link"
assert_contains "$T/err" "$T/queue/failed: a symbolic link"
assert_received 0
rm "$T/queue/failed" && mkdir -m 700 "$T/queue/failed"

# 5. The queue directory writable by others.
chmod 0777 "$T/queue"
run_postie -C "$CFG" -q </dev/null
assert_exit 77 "queue directory writable by others"
assert_contains "$T/err" "writable by others"
assert_received 0
chmod 0700 "$T/queue"

# 6. A queue directory prepared by another user: root does not run it.
chmod 711 "$T"
mkdir "$T/theirs" && chown $OTHER "$T/theirs"
as_other sh -c "mkdir -m 700 '$T/theirs/q' '$T/theirs/q/tmp' '$T/theirs/q/failed'"
as_other sh -c "cat > '$T/theirs/q/$ID.msg'" < "$T/queue/$ID.msg"
as_other sh -c "cat > '$T/theirs/q/$ID.env'" < "$T/queue/$ID.env"
sed -i "s|^queue_dir .*|queue_dir $T/theirs/q|" "$CFG"
run_postie -C "$CFG" -q </dev/null
assert_exit 77 "queue directory owned by another user"
assert_contains "$T/err" "owned by uid $OTHER"
assert_received 0
[ -e "$T/theirs/q/$ID.env" ] || fail "the other user's entry was touched"

# 7. -C naming a FIFO: a clear error at once, not a wait for a writer.
mkfifo "$T/fifo.conf"
timeout 10 "$POSTIE" -C "$T/fifo.conf" -q </dev/null >"$T/out" 2>"$T/err"
RC=$?
assert_exit 78 "-C names a FIFO"
assert_contains "$T/err" "FIFO"
# A pipe from a running command is still fine.
run_postie -C <(cat "$CFG") -bp
assert_exit 0 "-C <(command)"
