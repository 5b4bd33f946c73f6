#!/usr/bin/python3
"""dkim_verify.py — verify every DKIM-Signature of a received message with
dkimpy (Debian python3-dkim), DNS answered from the TXT records that
postie --dkim-keygen printed, so no resolver is involved.

  dkim_verify.py MESSAGE RECORDS...

Each RECORDS file holds keygen output: "; comment" lines and
'NAME. IN TXT ( "part" "part" )'.  Prints one line per signature,
"pass s=SELECTOR a=ALG d=DOMAIN" or "fail ...", then "signatures: N";
exits 0 only when there is at least one signature and all pass.
"""
import re
import sys

import dkim


def load_records(paths):
    txt = {}
    for path in paths:
        with open(path) as f:
            text = "\n".join(l for l in f.read().splitlines()
                             if not l.startswith(";"))
        for m in re.finditer(r'(\S+)\s+IN\s+TXT\s+\((.*?)\)', text, re.S):
            name = m.group(1).rstrip(".").lower()
            txt[name] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return txt


def main():
    with open(sys.argv[1], "rb") as f:
        msg = f.read()
    txt = load_records(sys.argv[2:])

    def dnsfunc(name, timeout=5):
        return txt.get(name.decode().rstrip(".").lower(), "").encode() or None

    d = dkim.DKIM(msg)
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    ok = len(sigs) > 0
    for i, raw in enumerate(sigs):
        tags = dict(t.strip().split("=", 1) for t in
                    re.sub(r"\s+", "", raw.decode()).split(";") if "=" in t)
        try:
            res = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException as ex:
            res = False
            print("error:", ex)
        ok = ok and res
        print("%s s=%s a=%s d=%s" % ("pass" if res else "fail",
              tags.get("s"), tags.get("a"), tags.get("d")))
    print("signatures: %d" % len(sigs))
    sys.exit(0 if ok else 1)


main()
