#!/bin/bash
# Compose mode with real PDF, PNG, CSV, plain text, gzip and unknown binary
# files: libmagic's types arrive, the bytes are identical, and Czech,
# Japanese and emoji subjects and file names decode exactly (RFC 2047,
# RFC 2231), over a server without SMTPUTF8 or 8BITMIME.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
start_smtpd --no-8bitmime
smarthost_config off
D=$T/files
mkdir -p "$D"
"$PYTHON3" - "$D" <<'PY'
import os, random, struct, sys, zlib
d = sys.argv[1]
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
raw = b"".join(b"\0" + bytes((x * y) & 255 for x in range(16) for _ in range(3)) for y in range(16))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(d + "/chart.png", "wb").write(png)
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
out += b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(d + "/report.pdf", "wb").write(out)
open(d + "/data.csv", "w").write("host,load,mem\n" + "".join("web%d,%d.5,%d\n" % (i, i, 100 * i) for i in range(40)))
open(d + "/notes.txt", "w", encoding="utf-8").write("Dobrý den, všechno běží.\n")
# Fixed pseudo-random bytes: os.urandom() now and then made a blob that
# libmagic calls zlib or a DOS executable, and the test failed by chance.
open(d + "/blob.bin", "wb").write(random.Random(20261202).randbytes(100000))
PY
seq 1 5000 | gzip -c > "$D/logs.gz"
subject=$(printf 'P\xc5\x99ehled \xe6\x97\xa5\xe5\xa0\xb1 \xf0\x9f\x93\x8a ok')
jp=$(printf '\xe5\xa0\xb1\xe5\x91\x8a\xe6\x9b\xb8.pdf')
emoji=$(printf '\xf0\x9f\x93\x8a graf \xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd.png')
echo "body text" |
	run_postie -C "$CFG" -s "$subject" -a "$D/report.pdf;name=$jp" \
		-a "$D/chart.png;name=$emoji" -a "$D/data.csv" -a "$D/notes.txt" \
		-a "$D/logs.gz" -a "$D/blob.bin" ops@example.net
assert_exit 0
assert_received 1
D="$D" JP="$jp" EMOJI="$emoji" SUBJ="$subject" check_eml "$SPOOL/1.eml" <<'PY'
import os
D = os.environ["D"]
assert max(raw) < 0x80, "8-bit octets sent to a 7-bit server"
eq(str(msg["Subject"]), os.environ["SUBJ"], "subject")
parts = {p.get_filename(): p for p in msg.iter_attachments()}
want = {
    os.environ["JP"]: ("report.pdf", "application/pdf"),
    os.environ["EMOJI"]: ("chart.png", "image/png"),
    "data.csv": ("data.csv", "text/csv"),
    "notes.txt": ("notes.txt", "text/plain"),
    "logs.gz": ("logs.gz", "application/gzip"),
    "blob.bin": ("blob.bin", "application/octet-stream"),
}
eq(sorted(parts), sorted(want), "file names")
for name, (f, ctype) in want.items():
    p = parts[name]
    eq(p.get_content_type(), ctype, "type of " + f)
    eq(part_bytes(p), open(os.path.join(D, f), "rb").read(), "bytes of " + f)
eq(parts["notes.txt"].get_content_charset(), "utf-8", "charset of notes.txt")
has("body text", msg.get_body(("plain",)).get_content(), "body")
for l in raw.split(b"\r\n"):
    assert len(l) <= 998, "long line"
PY
