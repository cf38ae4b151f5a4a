#!/usr/bin/python3
"""report_csv_json.py - the CSV report, read back with Python's csv module, gives the same numbers as
the JSON report (for the latest campaign and for --all), and both match the hand-computed figures of
the fixed state (tests/unit/report_fixture.c).

From the CSV alone: respondents = rows; per question answered = non-empty cells; choice and yes/no
counts per option; the scale histogram, mean and median; the yes list (the follow-up people); the
authors of text answers.  Each must equal the JSON's.  The replies (issue 12): the CSV of replies
(--format csv-replies) row for row equals the JSON's replies list, on the main fixture and on the
replies fixture (test_report_mkstate --replies), whose FOLLOW UP and replies are checked against the
hand-computed lists of tests/unit/report_fixture.h.  Usage: report_csv_json.py MKSTATE (env MAILER).
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

failures = []
quiet = False


def check(cond, what):
    if not cond:
        failures.append(what)
        if not quiet:
            print("FAIL:", what)


def report(mailer, conf, *args):
    env = dict(os.environ, MAILER_NOW="2026-12-07T09:00:00Z")
    r = subprocess.run([mailer, "-c", conf, "report"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    if r.returncode != 0:
        raise SystemExit("mailer report %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.decode()))
    return r.stdout


def compare(rep, rows, label):
    """Checks one campaign's JSON object `rep` against its CSV `rows` (list of dicts)."""
    check(rep["respondents"] == len(rows), "%s: respondents %s vs %d CSV rows" % (label, rep["respondents"], len(rows)))
    if rep["sent"]:
        check(abs(rep["response_rate"] - round(len(rows) / rep["sent"], 4)) < 1e-9,
              "%s: response_rate %s vs %d/%d" % (label, rep["response_rate"], len(rows), rep["sent"]))
    for q in rep["questions"]:
        qid = q["id"]
        cells = [r[qid] for r in rows if r.get(qid, "") != ""]
        check(q["answered"] == len(cells), "%s/%s: answered %d vs %d CSV cells" % (label, qid, q["answered"], len(cells)))
        if q["type"] in ("choice", "yesno"):
            for o in q["options"]:
                n = sum(1 for c in cells if c == o["value"])
                check(o["count"] == n, "%s/%s: option %r %d vs CSV %d" % (label, qid, o["value"], o["count"], n))
            check(sum(o["count"] for o in q["options"]) == len(cells), "%s/%s: options do not add up" % (label, qid))
        if q["type"] == "yesno":
            yes = sorted(r["email"] for r in rows if r.get(qid) == "yes")
            check(sorted(p["email"] for p in q["yes"]) == yes, "%s/%s: yes list differs from CSV" % (label, qid))
        if q["type"] == "scale":
            values = [int(c) for c in cells]
            for h in q["histogram"]:
                n = values.count(h["value"])
                check(h["count"] == n, "%s/%s: histogram %d: %d vs CSV %d" % (label, qid, h["value"], h["count"], n))
            if values:
                check(abs(q["mean"] - statistics.mean(values)) < 1e-4,
                      "%s/%s: mean %s vs CSV %s" % (label, qid, q["mean"], statistics.mean(values)))
                check(abs(q["median"] - statistics.median(values)) < 1e-4,
                      "%s/%s: median %s vs CSV %s" % (label, qid, q["median"], statistics.median(values)))
            else:
                check(q["mean"] is None and q["median"] is None, "%s/%s: stats without answers" % (label, qid))
        if q["type"] == "text":
            authors = sorted(r["email"] for r in rows if r.get(qid, "") != "")
            check(sorted(a["email"] for a in q["answers"]) == authors, "%s/%s: text authors differ" % (label, qid))
            by_email = {r["email"]: r[qid] for r in rows}
            for a in q["answers"]:
                # identical unless the CSV defused a formula (leading ') or a control character
                cell = by_email.get(a["email"], "")
                if not cell.startswith("'") and "\ufffd" not in cell:
                    check(cell == a["text"], "%s/%s: %s: %r vs %r" % (label, qid, a["email"], cell, a["text"]))


def compare_replies(rep, rows, label):
    """The CSV of replies `rows` against the JSON's replies list."""
    lst = rep["replies"]
    check(len(lst) == len(rows) == rep["reply_count"], "%s: %d replies in JSON, %d CSV rows, count %d"
          % (label, len(lst), len(rows), rep["reply_count"]))
    check(sum(1 for r in lst if r["needs_look"]) == rep["needs_look"], "%s: needs_look count" % label)
    for j, c in zip(lst, rows):
        who = "%s: %s" % (label, j["email"])
        check(c["email"] == j["email"], "%s: CSV row %s out of order" % (who, c["email"]))
        check(c["matched"] == j["matched"], "%s: matched %s vs %s" % (who, c["matched"], j["matched"]))
        check(c["received"] == j["received"], "%s: received" % who)
        check(c["needs_look"] == ("yes" if j["needs_look"] else "no"), "%s: needs_look" % who)
        check(c["reasons"] == "; ".join(j["reasons"]), "%s: reasons %r vs %r" % (who, c["reasons"], j["reasons"]))
        check(c["contact"] == (j["contact"] or ""), "%s: contact" % who)
        if not c["words"].startswith("'") and "\ufffd" not in c["words"]:
            check(c["words"] == (j["words"] or ""), "%s: words %r vs %r" % (who, c["words"], j["words"]))
        lines = [x for x in c["readings"].split("\n") if x]
        check(len(lines) == len(j["readings"]), "%s: %d readings in CSV, %d in JSON" % (who, len(lines), len(j["readings"])))
        for line, g in zip(lines, j["readings"]):
            check(line.startswith(g["question"] + ": "), "%s: reading %r is not %s" % (who, line, g["question"]))
            check(("[%s" % g["level"]) in line, "%s: reading %r has not the level %s" % (who, line, g["level"]))
            value = " ".join((g["value"] or "").splitlines())  # one line per reading in the CSV
            if value and not any(ord(ch) < 0x20 for ch in value):
                check(value in line, "%s: reading %r lacks %r" % (who, line, value))
    seen_plain = False
    for j in lst:  # needs a look first
        check(not (j["needs_look"] and seen_plain), "%s: %s needs a look but comes late" % (label, j["email"]))
        seen_plain |= not j["needs_look"]


def main():
    mkstate = sys.argv[1]
    mailer = os.environ["MAILER"]
    work = tempfile.mkdtemp(prefix="report_csv_json.")
    try:
        subprocess.run([mkstate, os.path.join(work, "state.db")], check=True)
        conf = os.path.join(work, "mailer.conf")
        with open(conf, "w") as f:
            f.write("[newsletter]\nstate = state.db\n")

        raw = report(mailer, conf, "--format", "csv")
        check(b"\r\n" in raw and b"\n" in raw.replace(b"\r\n", b""), "CSV: CRLF records, LF inside a quoted field")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
        rep = json.loads(report(mailer, conf, "--format", "json"))
        compare(rep, rows, rep["campaign"])

        # the hand-computed figures (report_fixture.c)
        check(rep["campaign"] == "career-2026-11", "latest campaign")
        check((rep["sent"], rep["respondents"], rep["response_rate"]) == (9, 6, 0.6667), "figures")
        sat = next(q for q in rep["questions"] if q["id"] == "satisfaction")
        check((sat["mean"], sat["median"]) == (3.2, 3), "satisfaction mean 3.2, median 3")
        bob = next(r for r in rows if r["email"] == "bob@example.test")
        check(bob["change"] == "first line\nsecond line, with a comma", "newline and comma survive the CSV")
        zoe = next(r for r in rows if r["email"] == "zoe@example.test")
        check(zoe["change"] == 'Less travel, more "deep work"', "quotes survive the CSV")
        check(zoe["name"] == "Zoë Ångström", "accents survive the CSV")

        # --all: one CSV with a campaign column, one JSON array
        rows_all = list(csv.DictReader(io.StringIO(report(mailer, conf, "--all", "--format", "csv").decode("utf-8"),
                                                   newline="")))
        reps = json.loads(report(mailer, conf, "--all", "--format", "json"))
        check([r["campaign"] for r in reps] == ["career-2026-10", "career-2026-11"], "--all order")
        for r in reps:
            compare(r, [x for x in rows_all if x["campaign"] == r["campaign"]], "all:" + r["campaign"])
        oct_sat = next(q for q in reps[0]["questions"] if q["id"] == "satisfaction")
        check((oct_sat["mean"], oct_sat["median"]) == (3.5, 3.5), "October: mean 3.5, median 3.5")

        # the replies: their CSV against the JSON, for the main fixture and --all
        replies_rows = list(csv.DictReader(io.StringIO(report(mailer, conf, "--format", "csv-replies").decode("utf-8"),
                                                       newline="")))
        compare_replies(rep, replies_rows, rep["campaign"])
        check([r["email"] for r in rep["replies"][:3]] == ["dave@example.test", "emile@example.test",
                                                             "bob@example.test"], "main fixture: needs a look first")
        all_replies = list(csv.DictReader(io.StringIO(
            report(mailer, conf, "--all", "--format", "csv-replies").decode("utf-8"), newline="")))
        for r in reps:
            compare_replies(r, [x for x in all_replies if x["campaign"] == r["campaign"]], "all:" + r["campaign"])

        # the replies fixture: FOLLOW UP, likely answers left out, the replies in order
        subprocess.run([mkstate, "--replies", os.path.join(work, "replies.db")], check=True)
        rconf = os.path.join(work, "replies.conf")
        with open(rconf, "w") as f:
            f.write("[newsletter]\nstate = replies.db\n")
        rrep = json.loads(report(mailer, rconf, "--format", "json"))
        rrows = list(csv.DictReader(io.StringIO(report(mailer, rconf, "--format", "csv").decode("utf-8"), newline="")))
        compare(rrep, rrows, "replies")
        compare_replies(rrep, list(csv.DictReader(io.StringIO(
            report(mailer, rconf, "--format", "csv-replies").decode("utf-8"), newline=""))), "replies")
        check([(f["email"], f["how"]) for f in rrep["follow_up"]] ==
              [("kim@replies.test", "yes"), ("oli@replies.test", "yes"), ("lee@replies.test", "in words"),
               ("quinn@replies.test", "in words")], "replies: follow_up %r" % rrep["follow_up"])
        qs = {q["id"]: q for q in rrep["questions"]}
        check(qs["changing"]["follow_up"] is False and qs["consult"]["follow_up"] is True, "follow_up flags")
        check([p["email"] for p in qs["changing"]["yes"]] == ["max@replies.test"], "changing: yes list kept")
        check((rrep["likely"], rrep["needs_look"], rrep["respondents"]) == (1, 4, 5), "replies: likely, needs_look, respondents")
        kim = next(r for r in rrows if r["email"] == "kim@replies.test")
        check(kim["satisfaction"] == "", "a likely answer is not in the CSV of respondents")
        check([r["email"] for r in rrep["replies"]] ==
              ["quinn@replies.test", "nia@replies.test", "lee@replies.test", "kim@replies.test", "sam@replies.test",
               "oli@replies.test", "rae@replies.test", "pat@replies.test", "oli@replies.test", "max@replies.test"],
              "replies: order %r" % [r["email"] for r in rrep["replies"]])

        # a deliberately wrong CSV must be caught (the comparison can fail)
        global quiet
        before, quiet = len(failures), True
        compare(rep, rows[1:], "negative-control")
        caught, mid = len(failures) > before, len(failures)
        compare_replies(rep, replies_rows[::-1], "negative-control")
        caught_replies, quiet = len(failures) > mid, False
        del failures[before:]
        check(caught, "the negative control (a CSV row removed) was not caught")
        check(caught_replies, "the negative control (CSV replies reversed) was not caught")
        if caught and caught_replies:
            print("negative controls (one CSV row removed, the CSV replies reversed) caught")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("CSV and JSON agree (latest campaign and --all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
