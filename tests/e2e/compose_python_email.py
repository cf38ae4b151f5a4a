#!/usr/bin/python3
"""compose_python_email.py - an independent parser reads what we write.

Generates a list of awkward subscribers (accents, CJK, emoji, RTL, quotes, commas, backslashes,
dots, encoded-word look-alikes, a 200-character name, plus-addresses) plus header-injection rows,
an article with a non-ASCII subject and a four-question survey, and a configuration with both
unsubscribe URIs.  compose_pycheck (argv[1]) composes every message; Python's email package
(policy=default) must then decode every header to the original string and both parts to the text
that was encoded, with no defects.  The survey links are checked against the collector's contract,
and `mailer preview --to` ($MAILER) must write the very same message.

usage: compose_python_email.py COMPOSE_PYCHECK   (env: MAILER, SRC)
"""
import csv
import email
import email.header
import email.policy
import email.utils
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

PYCHECK = sys.argv[1]
MAILER = os.environ["MAILER"]
SRC = os.environ["SRC"]

SUBJECT = "Job oder Karriere? Ein Überblick – 5 Fragen 😀 für «dich», sehr lang damit gefaltet wird"
FROM_NAME = "Karriere Notizen – Café"
CAMPAIGN = "2026-11-awkward"

NAMES = [
    ("zoe@example.test", "Zoë Müller-Lüdenscheidt", "Zürich"),
    ("li.wei@example.test", "李伟", "上海"),
    ("yuki@example.test", "田中 由紀", "東京"),
    ("emoji@example.test", "Emoji Fan 😀🎉 👩‍💻", "Lisbon"),
    ("jane@example.test", "Doe, Jane", "Leeds"),
    ("bob@example.test", 'Robert "Bob" Smith', "Austin"),
    ("slash@example.test", 'Back\\slash, "quoted"', "Oslo"),
    ("tolkien@example.test", "J. R. R. Tolkien", "Oxford"),
    ("boss@example.test", "O'Brien, Dara (CEO) <boss@evil.test>", "Dublin"),
    ("fatima@example.test", "فاطمة الزهراء", "الرباط"),
    ("ew@example.test", "=?UTF-8?Q?=0A?=", "Nowhere"),
    ("ew2@example.test", "=?UTF-8?B?QmNjOiB4QHkK?= Trick", "Nowhere"),
    ("spaces@example.test", "Anne  Marie", "Paris"),
    ("noname@example.test", "", "Lisbon"),
    ("sven+news@example.test", "Sven Ångström", "Uppsala"),
    ("a+b+c@example.test", "Plus Three", "Berlin"),
    ("long.ascii@example.test", ("Bartholomew Maximilian " * 9)[:200], "Rome"),
    ("long.utf8@example.test", ("Жозефина Ёлкина-Щукина " * 9)[:200], "Kyiv"),
    ("long.word@example.test", "W" * 200, "Nowhere"),
]
# Rows that must be refused (header injection) and never composed.
INJECTION_ROWS = [
    b'cr@example.test,"Evil\rBcc: victim@example.test",X\n',
    b'lf@example.test,"Evil\nBcc: victim@example.test",X\n',
    b'crlf@example.test,"Evil\r\nBcc: victim@example.test",X\n',
    b'nul@example.test,Evil\x00Name,X\n',
]

ARTICLE = """---
title: "Job oder Karriere — ein Überblick"
subject: "%s"
date: 2026-11-30T09:00:00Z
preheader: Vier Zeichen, die sie unterscheiden.
survey:
  id: career-2026-11
  questions:
    - {id: work, type: choice, text: "Is your work today a job or a career?", options: [job, career, not sure]}
    - {id: satisfaction, type: scale, min: 1, max: 5, text: "How satisfied are you with where it is heading?"}
    - {id: consult, type: yesno, text: "Would you like a free 15-minute consultation?"}
    - {id: change, type: text, text: "What one thing would you change about your work?"}
---
Ein Absatz mit Umlauten: äöü ÄÖÜ ß, and a long line that has to be broken by the
quoted-printable encoder because it is much longer than seventy-six characters in total.

From the archive: this paragraph starts with the word From and a space.

.

A line with a trailing space and = signs: a=b, c==d.
""" % SUBJECT

failures = []

# Does this Python insert a space between adjacent encoded-words in a display name (gh-128110)?
PYTHON_GH_128110 = email.message_from_bytes(
    b"To: =?UTF-8?Q?ab?= =?UTF-8?Q?cd?= <x@example.test>\r\n\r\n",
    policy=email.policy.default)["To"].addresses[0].display_name != "abcd"


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def setup(tmp):
    with open(os.path.join(tmp, "subscribers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["email", "name", "city"])
        for row in NAMES:
            w.writerow(row)
    with open(os.path.join(tmp, "subscribers.csv"), "ab") as f:
        for row in INJECTION_ROWS:
            f.write(row)
    with open(os.path.join(tmp, CAMPAIGN + ".md"), "w", encoding="utf-8") as f:
        f.write(ARTICLE)
    with open(os.path.join(tmp, "mailer.conf"), "w", encoding="utf-8") as f:
        f.write("[newsletter]\n"
                "from = %s <news@example.test>\n"
                "reply_to = replies@example.test\n"
                "list_id = career-notes.example.test\n"
                "unsubscribe = mailto:replies@example.test?subject=unsubscribe "
                "https://example.test/unsubscribe?list=career\n"
                "templates = %s/templates\n"
                "subscribers = subscribers.csv\n"
                "state = state.db\n" % (FROM_NAME, SRC))


def check_raw(raw, n):
    head, sep, _ = raw.partition(b"\r\n\r\n")
    check(sep, "%d: no blank line after the header" % n)
    check(b"\n" not in raw.replace(b"\r\n", b""), "%d: bare LF" % n)
    check(b"\r" not in raw.replace(b"\r\n", b""), "%d: bare CR" % n)
    for line in head.split(b"\r\n"):
        check(len(line) <= 78, "%d: header line over 78: %r" % (n, line))
    for line in raw.split(b"\r\n"):
        check(len(line) <= 998, "%d: line over 998" % n)
        check(not line.startswith(b"."), "%d: a line starts with '.': %r" % (n, line))
        check(not line.startswith(b"From "), "%d: a line starts with 'From ': %r" % (n, line))
    names = [l.split(b":", 1)[0].lower() for l in head.split(b"\r\n") if l and l[:1] not in b" \t"]
    check(names.count(b"bcc") == 0, "%d: a Bcc header appeared" % n)
    for h in (b"to", b"from", b"subject", b"reply-to", b"message-id", b"date"):
        check(names.count(h) == 1, "%d: %s appears %d times" % (n, h.decode(), names.count(h)))


def check_message(tmp, n, email_addr, name, token, mail_from, rcpt_to):
    raw = open(os.path.join(tmp, "out", "%d.eml" % n), "rb").read()
    check_raw(raw, n)
    m = email.message_from_bytes(raw, policy=email.policy.default)
    check(not m.defects, "%d: defects %r" % (n, m.defects))
    to = m["To"].addresses
    check(len(to) == 1, "%d: To has %d addresses" % (n, len(to)))
    check(to[0].addr_spec == email_addr, "%d: To address %r" % (n, to[0].addr_spec))
    # RFC 2047 §6.2: white space between adjacent encoded-words is not displayed.  The parser of
    # policy=default keeps it inside address headers in older Pythons (CPython gh-128110, fixed by
    # PR 130749), so a name long enough to need several encoded-words is checked exactly with the
    # legacy decoder, and with policy=default up to the spaces that bug inserts.
    raw_to = re.search(rb"^To:(.*?)\r\n(?![ \t])", raw, re.S | re.M).group(1).replace(b"\r\n", b"")
    legacy_name, legacy_addr = email.utils.parseaddr(raw_to.decode("ascii"))
    legacy_name = str(email.header.make_header(email.header.decode_header(legacy_name))) if "=?" in legacy_name \
        else legacy_name
    check(legacy_name == name and legacy_addr == email_addr,
          "%d: To (legacy decoder) %r != %r" % (n, legacy_name, name))
    got = to[0].display_name
    if got != name and PYTHON_GH_128110 and raw_to.count(b"=?") > 1:
        check(got.replace(" ", "") == name.replace(" ", ""), "%d: To name %r != %r" % (n, got, name))
    else:
        check(got == name, "%d: To name %r != %r" % (n, got, name))
    fr = m["From"].addresses[0]
    check(fr.display_name == FROM_NAME and fr.addr_spec == "news@example.test", "%d: From %r" % (n, fr))
    check(str(m["Subject"]) == SUBJECT, "%d: Subject %r" % (n, str(m["Subject"])))
    check(m["Date"].datetime is not None, "%d: Date" % n)
    check(mail_from == "replies+%s@example.test" % token, "%d: MAIL FROM %r" % (n, mail_from))
    check(rcpt_to == email_addr, "%d: RCPT TO %r" % (n, rcpt_to))
    check(m["Reply-To"].addresses[0].addr_spec == mail_from, "%d: Reply-To %r" % (n, str(m["Reply-To"])))
    check(str(m["Message-ID"]) == "<%s.%s@example.test>" % (token, CAMPAIGN), "%d: Message-ID" % n)
    check(str(m["List-Id"]) == "<career-notes.example.test>", "%d: List-Id" % n)
    want_unsub = ("<mailto:replies+%s@example.test?subject=unsubscribe>, "
                  "<https://example.test/unsubscribe?list=career&t=%s>" % (token, token))
    check(str(m["List-Unsubscribe"]).strip() == want_unsub, "%d: List-Unsubscribe %r" % (n, str(m["List-Unsubscribe"])))
    check(str(m["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click", "%d: List-Unsubscribe-Post" % n)
    check(m.get_content_type() == "multipart/alternative", "%d: not multipart/alternative" % n)
    parts = list(m.iter_parts())
    check([p.get_content_type() for p in parts] == ["text/plain", "text/html"], "%d: part order" % n)
    want = {"text/plain": "txt", "text/html": "html"}
    decoded = {}
    for p in parts:
        check(not p.defects, "%d: part defects %r" % (n, p.defects))
        check(p.get_content_charset() == "utf-8", "%d: charset" % n)
        check(p["Content-Transfer-Encoding"] == "quoted-printable", "%d: CTE" % n)
        body = p.get_content().replace("\r\n", "\n")
        expected = open(os.path.join(tmp, "out", "%d.%s" % (n, want[p.get_content_type()])),
                        encoding="utf-8").read()
        check(body == expected, "%d: %s part does not decode to the text encoded" % (n, p.get_content_type()))
        decoded[p.get_content_type()] = body
    text, page = decoded.get("text/plain", ""), decoded.get("text/html", "")
    # independent expectations on the content
    check("Hi %s," % (name or "there") in text, "%d: greeting in text" % n)
    check("Hi %s," % (name or "there") in html.unescape(page), "%d: greeting in HTML" % n)
    check("<boss@evil.test>" not in page, "%d: a name reached the HTML unescaped" % n)
    check("Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes" in text, "%d: survey line" % n)
    check("\nFrom the archive" in text and "\n.\n" in text, "%d: From/dot lines in text" % n)
    check("äöü ÄÖÜ ß" in text and "äöü ÄÖÜ ß" in page, "%d: umlauts" % n)
    check(email_addr in text, "%d: address in text" % n)
    links = [html.unescape(h) for h in re.findall(r'href="(mailto:[^"]*)"', page)]
    survey = [l for l in links if "survey" in l]
    check(len(survey) == 3 + 5 + 2, "%d: %d survey links" % (n, len(survey)))
    wanted = {("work", "career", 1), ("satisfaction", "4", 2), ("consult", "no", 3), ("work", "not sure", 1)}
    found = set()
    for link in survey:
        u = urllib.parse.urlsplit(link)
        q = urllib.parse.parse_qs(u.query)
        check(urllib.parse.unquote(u.path) == mail_from, "%d: link address %r" % (n, u.path))
        subj, body = q["subject"][0], q["body"][0]
        mm = re.fullmatch(r"Re: (.*) \[survey (\w+) (\w+)=([^\]]+)\]", subj)
        if check(mm, "%d: link subject %r" % (n, subj)):
            check(mm.group(1) == SUBJECT and mm.group(2) == token, "%d: link subject %r" % (n, subj))
            qn = {"work": 1, "satisfaction": 2, "consult": 3}[mm.group(3)]
            check(body == "%d %s" % (qn, mm.group(4)), "%d: link body %r for %r" % (n, body, subj))
            found.add((mm.group(3), mm.group(4), qn))
    check(wanted <= found, "%d: links missing: %r" % (n, wanted - found))
    return raw


def main():
    tmp = tempfile.mkdtemp(prefix="compose_python_email.")
    try:
        setup(tmp)
        os.mkdir(os.path.join(tmp, "out"))
        p = subprocess.run([PYCHECK, os.path.join(tmp, "mailer.conf"), os.path.join(tmp, CAMPAIGN + ".md"),
                            os.path.join(tmp, "out")], capture_output=True, text=True, timeout=60)
        if not check(p.returncode == 0, "compose_pycheck failed: %s" % p.stderr):
            raise SystemExit(1)
        # The header is line 1. A quoted field may not span lines, so the LF and CRLF rows break in
        # two: the first half (its quote never closed) and the rest (no valid address) are both refused.
        first = len(NAMES) + 2
        for line, what in ((first, "column 'name' contains a line break"),
                           (first + 1, "a quote opened on this line is never closed"),
                           (first + 2, "invalid email address: "),
                           (first + 3, "a quote opened on this line is never closed"),
                           (first + 4, "invalid email address: "),
                           (first + 5, "column 'name' contains a NUL byte")):
            check(re.search(r"skipped: \S*subscribers.csv:%d: %s" % (line, re.escape(what)), p.stderr),
                  "no refusal of line %d (%s) in: %s" % (line, what, p.stderr))
        check(p.stderr.count("skipped:") == 6, "expected 6 refused rows, got: %s" % p.stderr)
        manifest = [l.split("\t") for l in open(os.path.join(tmp, "out", "manifest.tsv"), encoding="utf-8")
                    .read().splitlines()]
        check(len(manifest) == len(NAMES), "%d messages for %d subscribers" % (len(manifest), len(NAMES)))
        raws = {}
        for (n, addr, token, mail_from, rcpt), (want_addr, name, _) in zip(manifest, NAMES):
            check(addr == want_addr, "manifest order: %s != %s" % (addr, want_addr))
            raws[addr] = check_message(tmp, int(n), want_addr, name, token, mail_from, rcpt)
        # the tool writes the same message (Date aside) for any subscriber
        for addr in ("li.wei@example.test", "sven+news@example.test", "long.utf8@example.test"):
            d = os.path.join(tmp, "preview-" + addr)
            r = subprocess.run([MAILER, "-c", os.path.join(tmp, "mailer.conf"), "preview",
                                os.path.join(tmp, CAMPAIGN + ".md"), "--to", addr, "-o", d],
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, "preview --to %s: %s" % (addr, r.stderr))
            eml, page = os.path.join(d, CAMPAIGN + ".eml"), os.path.join(d, CAMPAIGN + ".html")
            check(r.stdout.split() == [eml, page], "preview printed %r" % r.stdout)
            if os.path.exists(eml):
                strip = lambda b: re.sub(rb"^Date: [^\r]*\r\n", b"", b)
                check(strip(open(eml, "rb").read()) == strip(raws[addr]), "preview of %s differs" % addr)
                check("<html" in open(page, encoding="utf-8").read(), "preview HTML of %s" % addr)
        r = subprocess.run([MAILER, "-c", os.path.join(tmp, "mailer.conf"), "preview",
                            os.path.join(tmp, CAMPAIGN + ".md"), "--to", "nobody@example.test", "-o", tmp],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode != 0 and "nobody@example.test is not in the list" in r.stderr,
              "preview of a stranger: %d %s" % (r.returncode, r.stderr))
        r = subprocess.run([MAILER, "preview", "--help"], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and "usage: mailer preview" in r.stdout, "preview --help")
        r = subprocess.run([MAILER, "preview"], capture_output=True, text=True, timeout=60)
        check(r.returncode == 64, "preview without an article: %d" % r.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print("%d subscribers checked, %d failures" % (len(NAMES), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
