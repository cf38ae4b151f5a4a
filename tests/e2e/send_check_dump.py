#!/usr/bin/python3
"""send_check_dump.py DUMPDIR LIST [--allow-duplicates] - checks the messages smtp-sink captured.

Every file must parse with Python's email package (policy=default) as a multipart/alternative message
with a text/plain and a text/html part; the envelope recipient (X-Rcpt-Args, written by smtp-sink)
must match the To header.  Prints "messages=N distinct=D duplicates=X missing=M" and exits 1 if a
message does not parse, if a subscriber of LIST got nothing, or (without --allow-duplicates) if anyone
got two copies.
"""
import collections, csv, email, email.policy, os, sys

dump, listfile = sys.argv[1], sys.argv[2]
allow_dups = "--allow-duplicates" in sys.argv
want = set()
with open(listfile, newline="") as f:
    for row in csv.DictReader(f):
        want.add(row["email"].lower())
got = collections.Counter()
bad = 0
for root, _, files in os.walk(dump):
    for name in files:
        with open(os.path.join(root, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        rcpt = (msg.get("X-Rcpt-Args") or "").strip().split()[0].strip("<>").lower()
        to = msg["To"].addresses[0].addr_spec.lower() if msg["To"] else ""
        try:
            plain = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            ok = msg.get_content_type() == "multipart/alternative" and "career" in plain.lower() and "<html" in html.lower()
        except Exception as e:  # a message that does not parse is a failure, not a crash
            print(f"{name}: {e}", file=sys.stderr)
            ok = False
        if not ok or rcpt != to or not msg["Message-ID"]:
            bad += 1
            print(f"{name}: bad message (rcpt {rcpt!r}, To {to!r})", file=sys.stderr)
        got[rcpt] += 1
missing = want - set(got)
dups = sum(n - 1 for n in got.values() if n > 1)
strangers = set(got) - want
print(f"messages={sum(got.values())} distinct={len(got)} duplicates={dups} missing={len(missing)}")
if bad or missing or strangers or (dups and not allow_dups):
    for m in sorted(missing)[:10]:
        print(f"missing: {m}", file=sys.stderr)
    sys.exit(1)
