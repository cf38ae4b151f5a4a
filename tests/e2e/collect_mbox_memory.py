#!/usr/bin/python3
"""collect_mbox_memory.py - a 1 GiB mbox is collected in bounded memory (issue 15).

usage: collect_mbox_memory.py FIXTURE MAX_RSS_MB

Writes an mbox of a little over 1 GiB: the replies of every shape that collect_fixture writes
(1,100 of them, their "From " body lines escaped as ">From "), twenty 5 MB messages with a
base64 attachment, and thirty-six messages of 26 MB, over the 25 MB bound.  `mailer collect --mbox`
must record every message once (the large ones as unreadable, never read into memory) with a peak
resident set (ru_maxrss of the child) under MAX_RSS_MB, and a second collect must add nothing.
Needs MAILER and SRC (set by CTest).
"""
import base64
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile

N_REPLIES, N_ATTACH, N_HUGE = 1100, 20, 36


def separator(n):
    return "From sender%d@elsewhere.test Wed Dec  2 08:00:%02d 2026\n" % (n, n % 60)


def plain(n, size):
    line = ("line %d of a very long letter, " % n + "lorem ipsum dolor sit amet " * 3)[:76] + "\n"
    head = ("From: Someone <someone%d@elsewhere.test>\nTo: replies@news.example.test\nSubject: long %d\n"
            "Message-ID: <long-%d@elsewhere.test>\nDate: Wed, 02 Dec 2026 08:00:00 +0000\n"
            "Content-Type: text/plain\n\n" % (n, n, n))
    return head + line * (size // len(line))


def attachment(n, size):
    payload = base64.encodebytes(os.urandom(size * 3 // 4)).decode()
    return ("From: Someone <att%d@elsewhere.test>\nTo: replies@news.example.test\nSubject: a file %d\n"
            "Message-ID: <att-%d@elsewhere.test>\nDate: Wed, 02 Dec 2026 08:00:00 +0000\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b%d\n\n--b%d\n"
            "Content-Type: text/plain\n\nHere is my CV.\n--b%d\nContent-Type: application/pdf\n"
            "Content-Transfer-Encoding: base64\n\n%s--b%d--\n" % (n, n, n, n, n, n, payload, n))


def write_mbox(mbox, replies):
    n = 0
    with open(mbox, "w", encoding="utf-8", newline="") as out:
        for name in sorted(os.listdir(os.path.join(replies, "new"))):
            with open(os.path.join(replies, "new", name), encoding="utf-8", errors="surrogateescape",
                      newline="") as f:
                text = f.read().replace("\r\n", "\n")
            body = "".join((">" + l if l.startswith("From ") else l) for l in text.splitlines(True))
            out.write(separator(n) + body.rstrip("\n") + "\n\n")
            n += 1
        for i in range(N_ATTACH):
            out.write(separator(n) + attachment(i, 5 << 20) + "\n")
            n += 1
        for i in range(N_HUGE):
            out.write(separator(n) + plain(i, 26 << 20) + "\n")
            n += 1
    print(n)


def main():
    work = tempfile.mkdtemp(prefix="nl-mbox-memory.")
    try:
        state = os.path.join(work, "state.db")
        replies = os.path.join(work, "replies")
        art = os.path.join(SRC, "articles", "2026-11-job-or-career.md")
        subprocess.run([FIXTURE, state, art, replies, str(N_REPLIES)], check=True, stdout=subprocess.DEVNULL)
        mbox = os.path.join(work, "big.mbox")
        # Written by another process: the peak RSS of a child counts what it inherits before exec,
        # so this one stays small.
        n = int(subprocess.run([sys.executable, __file__, "--write", mbox, replies], check=True,
                               capture_output=True, text=True).stdout)
        size = os.path.getsize(mbox)
        with open(os.path.join(work, "mailer.conf"), "w") as f:
            f.write("[newsletter]\nstate = state.db\nfrom = Career Notes <news@news.example.test>\n"
                    "reply_to = replies@news.example.test\n")
        failures = []
        for run in (1, 2):
            p = subprocess.Popen([MAILER, "-c", "mailer.conf", "collect", "--mbox", mbox], cwd=work,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            err = p.stderr.read().decode(errors="replace")
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            rss_mb = usage.ru_maxrss / 1024
            print("collect %d of a %.2f GiB mbox (%d messages): exit %d, peak RSS %.1f MB (bound %d MB)"
                  % (run, size / (1 << 30), n, p.returncode, rss_mb, MAX_RSS_MB))
            if p.returncode != 0:
                failures.append("collect %d exited %d: %s" % (run, p.returncode, err[:500]))
            if rss_mb >= MAX_RSS_MB:
                failures.append("collect %d: peak RSS %.1f MB, over %d MB" % (run, rss_mb, MAX_RSS_MB))
            db = sqlite3.connect(state)
            total, places = db.execute("SELECT COUNT(*), COUNT(DISTINCT location) FROM inbound"
                                       " WHERE source LIKE 'mbox:%'").fetchone()
            huge = db.execute("SELECT COUNT(*) FROM inbound WHERE reason LIKE '%larger than%'").fetchone()[0]
            db.close()
            if (total, places, huge) != (n, n, N_HUGE):
                failures.append("collect %d: %d recorded, %d places, %d too large; want %d, %d, %d"
                                % (run, total, places, huge, n, n, N_HUGE))
        for f in failures:
            print("FAIL:", f, file=sys.stderr)
        return 1 if failures else 0
    finally:
        if os.environ.get("KEEP"):
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if sys.argv[1] == "--write":
    write_mbox(sys.argv[2], sys.argv[3])
    sys.exit(0)
MAILER, SRC = os.environ["MAILER"], os.environ["SRC"]
FIXTURE, MAX_RSS_MB = sys.argv[1], int(sys.argv[2])
sys.exit(main())
