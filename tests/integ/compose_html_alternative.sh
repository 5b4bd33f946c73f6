#!/bin/bash
# --html makes a multipart/alternative of the text body and the HTML part;
# with an attachment it is the first part of a multipart/mixed.  --cc and
# --bcc recipients get the message; Bcc is not in what is sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd
smarthost_config off
printf '<p>Report: <b>ok</b> \xe2\x9c\x93</p>\n' > "$T/body.html"
printf 'a,b\n1,2\n' > "$T/t.csv"
printf 'Report: ok \xe2\x9c\x93\n' > "$T/body.txt"
run_postie -C "$CFG" -s "HTML" --body "$T/body.txt" --html "$T/body.html" -a "$T/t.csv" \
	--cc carol@example.net --bcc dave@example.net --header "X-Report-Id: 42" bob@example.net < /dev/null
assert_exit 0
assert_received 1
check_eml "$SPOOL/1.eml" <<'PY'
eq(msg.get_content_type(), "multipart/mixed", "top type")
first = msg.get_payload()[0]
eq(first.get_content_type(), "multipart/alternative", "first part")
eq([p.get_content_type() for p in first.get_payload()], ["text/plain", "text/html"], "alternatives")
eq(msg.get_body(("html",)).get_content().strip(), "<p>Report: <b>ok</b> \u2713</p>", "html")
eq(msg.get_body(("plain",)).get_content().strip(), "Report: ok \u2713", "text")
eq(msg["X-Report-Id"], "42", "--header")
has("carol@example.net", str(msg["Cc"]), "Cc")
eq(msg["Bcc"], None, "Bcc header")
rc = meta.get("rcpt_tos") or meta.get("rcpts") or []
if rc:
    eq(sorted(rc), ["bob@example.net", "carol@example.net", "dave@example.net"], "envelope")
PY
