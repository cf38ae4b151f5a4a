#!/usr/bin/python3
"""report_collected.py - the report of real collected mail: collect_fixture (tests/lib/collect_fixture.c)
seeds a state with N sent deliveries and writes N replies in the shapes real clients produce (Gmail,
Outlook HTML, Thunderbird flowed, Android base64, Windows-1252 matched by From only, the mailto
button, inline answers, an unsubscribe, a bounce, a vacation reply, a stranger); `mailer collect`
reads them; `mailer report` must then give the figures that follow from the fixture's table of
shapes and answers, in JSON and in CSV.  Usage: report_collected.py COLLECT_FIXTURE (env MAILER, SRC).
"""
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

N = 33
# collect_fixture.c: i % 11 -> (work, satisfaction, consult); None = not answered; other shapes
# are "unsubscribe", "bounce", "auto", "stranger".
SHAPES = {
    0: ("career", 4, "yes"), 1: ("job", 3, "no"), 2: ("career", 5, "yes"), 3: ("not sure", 2, "no"),
    4: ("job", 2, "no"), 5: ("career", None, None), 6: ("job", 1, "yes"),
    7: "unsubscribe", 8: "bounce", 9: "auto", 10: "stranger",
}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def main():
    fixture = sys.argv[1]
    mailer = os.environ["MAILER"]
    article = os.path.join(os.environ["SRC"], "articles", "2026-11-job-or-career.md")
    work = tempfile.mkdtemp(prefix="report_collected.")
    try:
        conf = os.path.join(work, "mailer.conf")
        with open(conf, "w") as f:
            f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@news.example.test\n"
                    "state = state.db\n")
        subprocess.run([fixture, os.path.join(work, "state.db"), article, os.path.join(work, "inbox"), str(N)],
                       check=True)
        r = subprocess.run([mailer, "-c", conf, "collect", "--maildir", os.path.join(work, "inbox")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        check(r.returncode == 0, "collect exited %d: %s" % (r.returncode, r.stderr.decode()))

        def report(fmt):
            r = subprocess.run([mailer, "-c", conf, "report", "--format", fmt], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            if r.returncode != 0:
                raise SystemExit("report --format %s exited %d: %s" % (fmt, r.returncode, r.stderr.decode()))
            return r.stdout.decode("utf-8")

        rep = json.loads(report("json"))
        rows = list(csv.DictReader(io.StringIO(report("csv"), newline="")))

        # what the fixture's table says
        answered = [i for i in range(N) if isinstance(SHAPES[i % 11], tuple)]
        sats = [SHAPES[i % 11][1] for i in answered if SHAPES[i % 11][1] is not None]
        count = lambda kind: sum(1 for i in range(N) if SHAPES[i % 11] == kind)
        want = {
            "sent": N, "respondents": len(answered), "reply_count": len(answered),
            "unsubscribed": count("unsubscribe"), "bounced": count("bounce"), "unmatched": count("stranger"),
            "complaints": 0, "unreadable": 0, "deferred": 0, "failed": 0,
            "response_rate": round(len(answered) / N, 4),
        }
        for k, v in want.items():
            check(rep[k] == v, "%s: %r, expected %r" % (k, rep[k], v))
        q = {x["id"]: x for x in rep["questions"]}
        for value in ("job", "career", "not sure"):
            n = sum(1 for i in answered if SHAPES[i % 11][0] == value)
            got = next(o["count"] for o in q["work"]["options"] if o["value"] == value)
            check(got == n, "work %s: %d, expected %d" % (value, got, n))
        check(q["satisfaction"]["answered"] == len(sats), "satisfaction answered")
        check(abs(q["satisfaction"]["mean"] - round(statistics.mean(sats), 4)) < 1e-9,
              "mean %s, expected %s" % (q["satisfaction"]["mean"], statistics.mean(sats)))
        check(q["satisfaction"]["median"] == statistics.median(sats),
              "median %s, expected %s" % (q["satisfaction"]["median"], statistics.median(sats)))
        yes = sorted("reader%d@example.test" % i for i in answered if SHAPES[i % 11][2] == "yes")
        check(sorted(p["email"] for p in q["consult"]["yes"]) == yes, "the follow-up list")
        check(len(rows) == len(answered), "CSV rows %d, expected %d" % (len(rows), len(answered)))
        weak = sorted("reader%d@example.test" % i for i in answered if i % 11 == 4)
        check(sorted(r["email"] for r in rows if r["matched"] == "from") == weak, "From-only matches marked in CSV")
        text = report("text")
        check(text.index("FOLLOW UP: %d said yes" % len(yes)) < text.index("FIGURES"), "follow-up list first")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("report of %d collected replies: figures, options, mean, median and follow-up list as expected" % N)
    return 0


if __name__ == "__main__":
    sys.exit(main())
