#!/bin/bash
# postie -bs driven by Python's smtplib through a pipe, as the PHP mail
# stack drives /usr/sbin/sendmail -bs: one session carries several
# transactions; a pipelined flight (MAIL, RCPTs, DATA in one write) gets
# its replies in order, one per command; a recipient postie refuses gets
# 501 at RCPT and the others go on; a recipient the relay refuses for good
# gets the message kept in failed/ and a notice to the sender while the
# 250 names it; a line starting
# with "." arrives with the one dot the client meant; RCPT goes through
# the aliases file; 8-bit and SMTPUTF8
# messages arrive intact.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --smtputf8 --fault rcpt:550:bad@example.net
printf 'root: admin@example.org\n' > "$T/aliases"
smarthost_config off "aliases $T/aliases"
cat > "$T/client.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from bs_client import PipeSMTP

postie, cfg, errpath = sys.argv[2], sys.argv[3], sys.argv[4]
def eq(got, want, what):
    if got != want:
        sys.exit("%s: got %r, want %r" % (what, got, want))

s = PipeSMTP([postie, "-C", cfg, "-bs"], stderr=open(errpath, "wb"))
code, caps = s.ehlo("client.example")
eq(code, 250, "EHLO")
for kw in ("pipelining", "8bitmime", "smtputf8", "dsn", "enhancedstatuscodes", "size"):
    eq(s.has_extn(kw), True, "EHLO offers " + kw)
eq(s.has_extn("auth") or s.has_extn("starttls"), False, "no AUTH, no STARTTLS")

# 1: a dot-stuffed line, a recipient postie refuses (a space in it), and
# one the relay refuses for good (550): 250, naming the refused one.
eq(s.mail("alice@example.com")[0], 250, "MAIL 1")
eq(s.rcpt("bob@example.net")[0], 250, "RCPT bob")
code, msg = s.rcpt("<bob smith@example.net>")
eq(code, 501, "RCPT with a space: " + msg.decode())
eq(s.rcpt("bad@example.net")[0], 250, "RCPT bad (postie cannot know yet)")
eq(s.rcpt("root")[0], 250, "RCPT root (an alias)")
code, msg = s.data(b"Subject: first\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n"
                   b"end\r\n")
eq(code, 250, "reply to the first message's dot: " + msg.decode())
assert b"bad@example.net" in msg and b"failed/" in msg, msg

# 2: pipelined in one write: MAIL, two RCPTs, DATA; then an 8-bit body.
s.send_raw(b"MAIL FROM:<alice@example.com> BODY=8BITMIME\r\n"
           b"RCPT TO:<carol@example.org>\r\nRCPT TO:<dave@example.org>\r\n"
           b"DATA\r\n")
replies = [s.getreply() for _ in range(4)]
eq([r[0] for r in replies], [250, 250, 250, 354], "pipelined replies in order")
s.send_raw("Subject: zweite\r\n\r\nGrüße aus Köln\r\n..Punkt\r\n.\r\n".encode())
code, msg = s.getreply()
eq(code, 250, "reply to the 8-bit message: " + msg.decode())

# 3: SMTPUTF8: a UTF-8 sender and recipient, the relay offers SMTPUTF8.
code, msg = s.mail("jörg@example.com", ["SMTPUTF8", "BODY=8BITMIME"])
eq(code, 250, "MAIL SMTPUTF8: " + msg.decode())
eq(s.rcpt("zoë@example.org")[0], 250, "RCPT UTF-8")
code, msg = s.data("From: Jörg <jörg@example.com>\r\nSubject: héllo\r\n\r\nçà\r\n".encode())
eq(code, 250, "reply to the SMTPUTF8 message: " + msg.decode())

# 4: the data arrives in pieces that split a line, a CRLF, and the final
# ".\r\n" (a slow pipe): the framing carries over between reads.
import time
eq(s.mail("alice@example.com")[0], 250, "MAIL 4")
eq(s.rcpt("erin@example.org")[0], 250, "RCPT erin")
eq(s.docmd("DATA")[0], 354, "DATA 4")
for piece in (b"Subject: pieces\r\n\r\nhalf a ", b"line\r", b"\n.", b".dot\r\n",
              b".", b"\r", b"\n"):
    s.send_raw(piece)
    time.sleep(0.05)
code, msg = s.getreply()
eq(code, 250, "reply to the message sent in pieces: " + msg.decode())

# A UTF-8 address without SMTPUTF8 is refused, the session goes on.
eq(s.mail("jörg@example.com".encode().decode("latin-1"))[0], 553, "UTF-8 without SMTPUTF8")
eq(s.rset()[0], 250, "RSET")
eq(s.quit()[0], 221, "QUIT")
eq(s.wait(), 0, "exit code")
PY
RC=0
timeout 60 "$PYTHON3" "$T/client.py" "$LIB" "$POSTIE" "$CFG" "$T/err" >"$T/out" 2>&1 || RC=$?
assert_exit 0 "the smtplib session"
# Four messages, and the sender's failure notice for bad@example.net.
assert_received 5
check_eml "$SPOOL/1.eml" <<'PY'
eq(meta["mail_from"], "alice@example.com", "MAIL FROM is the sender, as -f (allow_from_override)")
eq(meta["rcpt_tos"], ["bob@example.net", "admin@example.org"], "the recipients the relay accepted, root through the aliases")
eq(str(msg["Subject"]), "first", "subject")
# smtplib doubled each leading dot; postie took one away again.
eq(msg.get_content().replace("\r\n", "\n"), ".leading dot\n..two dots\n.\nend\n", "body as the client meant it")
PY
# The partial refusal is noticed as a queue run's would be: an RFC 3464
# report to the sender, from the null sender.
check_eml "$SPOOL/2.eml" <<'PY'
eq(meta["mail_from"], "<>", "a notice comes from the null sender")
eq(meta["rcpt_tos"], ["alice@example.com"], "the notice goes to the sender")
eq(msg.get_content_type(), "multipart/report", "an RFC 3464 report")
has("bad@example.net", raw.decode("utf-8", "replace"), "the notice names the refused recipient")
PY
check_eml "$SPOOL/3.eml" <<'PY'
eq(sorted(meta["rcpt_tos"]), ["carol@example.org", "dave@example.org"], "pipelined recipients")
eq(msg.get_content().replace("\r\n", "\n"), "Grüße aus Köln\n.Punkt\n", "8-bit body intact, dot unstuffed")
PY
check_eml "$SPOOL/4.eml" <<'PY'
eq(meta["rcpt_tos"], ["zoë@example.org"], "UTF-8 recipient")
has("SMTPUTF8", " ".join(meta["mail_options"]), "SMTPUTF8 asked of the relay")
has("jörg@example.com", raw.decode(), "UTF-8 From kept raw")
eq(msg.get_content().strip(), "çà", "UTF-8 body")
PY
check_eml "$SPOOL/5.eml" <<'PY'
eq(meta["rcpt_tos"], ["erin@example.org"], "recipient of the pieces")
eq(msg.get_content().replace("\r\n", "\n"), "half a line\n.dot\n", "pieces joined, dot unstuffed")
PY
# The refused recipient's copy is kept as a queue run keeps one.
eml=$(ls "$T"/queue/failed/*.eml 2>/dev/null | head -n 1)
[ -n "$eml" ] || fail "bad@example.net's refusal left nothing in queue_dir/failed"
grep -qP '^rcpt\tfailed\t67\tbad@example.net\t.*550' "${eml%.eml}.env" ||
	fail "failed/ID.env does not record bad@example.net: $(cat "${eml%.eml}.env")"
# Nothing but SMTP went to stdout; nothing to stderr without -v.
[ ! -s "$T/err" ] || fail "postie wrote to stderr without -v: $(cat "$T/err")"
