#!/usr/bin/python3
"""collect_forged_from.py - a forged From never beats a token reply (issue 15), end to end.

Sends the example article to four subscribers into a Maildir outbox, then collects two batches of
replies from a Maildir inbox, at two pinned times:

  ana   token reply (career, 4, no); later a From-only forgery (job, 1, yes) dated after it
  bob   From-only forgery (job, 1, yes) dated 23 hours ahead, collected first; then his token
        reply (career, 5, no), dated before the forgery
  cleo  token reply (job, yes) dated far ahead, collected first; then a token reply (career,
        yes) dated before it: the order collected decides, not Date:
  dan   only a From-only reply (yes)

The token replies' answers stand; cleo's second reply wins; dan is on FOLLOW UP, and he and the
forgeries are marked "matched by From address only" in text, Markdown, HTML, JSON and CSV.
Usage: collect_forged_from.py  (env MAILER, SRC)
"""
import csv
import email
import email.policy
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

MAILER, SRC = os.environ["MAILER"], os.environ["SRC"]
CAMPAIGN = "2026-11-job-or-career"
FROM_ONLY = "matched by From address only"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def mailer(work, when, *args):
    return subprocess.run([MAILER, "-c", "mailer.conf", *args], cwd=work, env=dict(os.environ, MAILER_NOW=when),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def sent_ids(outbox):
    ids = {}
    for name in sorted(os.listdir(outbox)):
        with open(os.path.join(outbox, name), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        ids[m["To"].addresses[0].addr_spec] = (m["Message-ID"].strip(), str(m["Subject"]))
    return ids


def reply(path, who, date, body, ids=None, n=[0]):
    """A reply from `who`; with `ids`, it carries our Message-ID in In-Reply-To (a token match)."""
    n[0] += 1
    lines = ["From: %s <%s>" % (who.split("@")[0].title(), who), "To: replies@example.test",
             "Subject: Re: the survey", "Date: " + date, "Message-ID: <forged-%d@mail.example.test>" % n[0],
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8"]
    if ids:
        msgid, subject = ids[who]
        lines[2] = "Subject: Re: " + subject
        lines += ["In-Reply-To: " + msgid, "References: " + msgid]
    with open(path, "w", newline="\r\n") as f:
        f.write("\n".join(lines) + "\n\n" + body)


def main():
    work = tempfile.mkdtemp(prefix="nl-forged-from.")
    try:
        for d in ("subscribers", "inbox/new", "inbox/cur", "inbox/tmp"):
            os.makedirs(os.path.join(work, d))
        shutil.copytree(os.path.join(SRC, "articles"), os.path.join(work, "articles"))
        shutil.copytree(os.path.join(SRC, "templates"), os.path.join(work, "templates"))
        with open(os.path.join(work, "subscribers/subscribers.csv"), "w") as f:
            f.write("email,name\n" + "".join("%s@example.test,%s\n" % (p, p.title())
                                             for p in ("ana", "bob", "cleo", "dan")))
        with open(os.path.join(work, "mailer.conf"), "w") as f:
            f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\n"
                    "list_id = career-notes.example.test\nstate = state.db\n\n[smtp]\nurl = outbox:outbox\n\n"
                    "[inbox]\nurl = maildir:inbox\n")
        p = mailer(work, "2026-11-30T09:00:00Z", "send", "articles/%s.md" % CAMPAIGN)
        if not check(p.returncode == 0, "send exited %d: %s" % (p.returncode, p.stderr)):
            return
        ids = sent_ids(os.path.join(work, "outbox/new"))
        new = os.path.join(work, "inbox/new")

        # first batch
        reply(os.path.join(new, "1.eml"), "ana@example.test", "Tue, 01 Dec 2026 08:00:00 +0000",
              "1 career\n2 4\n3 no\n", ids)
        reply(os.path.join(new, "2.eml"), "bob@example.test", "Fri, 04 Dec 2026 07:00:00 +0000",
              "1 job\n2 1\n3 yes\n")
        reply(os.path.join(new, "3.eml"), "cleo@example.test", "Fri, 04 Dec 2026 08:00:00 +0000",
              "1 job\n3 yes\n", ids)
        p = mailer(work, "2026-12-02T10:00:00Z", "collect")
        check(p.returncode == 0, "first collect exited %d: %s" % (p.returncode, p.stderr))

        # second batch, collected a day later
        reply(os.path.join(new, "4.eml"), "ana@example.test", "Wed, 02 Dec 2026 09:00:00 +0000",
              "1 job\n2 1\n3 yes\n")
        reply(os.path.join(new, "5.eml"), "bob@example.test", "Thu, 03 Dec 2026 08:00:00 +0000",
              "1 career\n2 5\n3 no\n", ids)
        reply(os.path.join(new, "6.eml"), "cleo@example.test", "Tue, 01 Dec 2026 08:00:00 +0000",
              "1 career\n3 yes\n", ids)
        reply(os.path.join(new, "7.eml"), "dan@example.test", "Thu, 03 Dec 2026 09:00:00 +0000", "3 yes\n")
        p = mailer(work, "2026-12-03T10:00:00Z", "collect")
        check(p.returncode == 0, "second collect exited %d: %s" % (p.returncode, p.stderr))

        reports = {}
        for fmt in ("text", "md", "html", "json", "csv"):
            p = mailer(work, "2026-12-04T10:00:00Z", "report", "--format", fmt, "--campaign", CAMPAIGN)
            check(p.returncode == 0, "report --format %s exited %d: %s" % (fmt, p.returncode, p.stderr))
            reports[fmt] = p.stdout

        doc = json.loads(reports["json"])
        qs = {q["id"]: q for q in doc["questions"]}
        work_q = {o["value"]: o["count"] for o in qs["work"]["options"]}
        check(work_q.get("career") == 3 and work_q.get("job", 0) == 0,
              "work: the token answers must stand (3 career, 0 job): %r" % work_q)
        sat = {h["value"]: h["count"] for h in qs["satisfaction"]["histogram"]}
        check(sat.get(4) == 1 and sat.get(5) == 1 and sat.get(1, 0) == 0, "satisfaction: %r" % sat)
        yes = {e["email"]: e.get("matched") for e in qs["consult"]["yes"]}
        check(yes == {"cleo@example.test": "token", "dan@example.test": "from"},
              "consult yes list (ana and bob said no with a token): %r" % yes)
        follow = {e["email"]: e.get("matched") for e in doc["follow_up"]}
        check(follow == {"cleo@example.test": "token", "dan@example.test": "from"}, "follow_up: %r" % follow)
        replies = [(r["email"], r["matched"]) for r in doc["replies"]]
        check(sorted(replies) == sorted([("ana@example.test", "token"), ("ana@example.test", "from"),
                                         ("bob@example.test", "from"), ("bob@example.test", "token"),
                                         ("cleo@example.test", "token"), ("cleo@example.test", "token"),
                                         ("dan@example.test", "from")]),
              "every reply, each with how it matched: %r" % replies)

        rows = {r["email"]: r for r in csv.DictReader(io.StringIO(reports["csv"]))}
        check(rows.get("dan@example.test", {}).get("matched") == "from", "CSV: dan is not matched=from")
        check(rows.get("ana@example.test", {}).get("matched") == "token", "CSV: ana's answers are not token ones")
        check(rows.get("bob@example.test", {}).get("work") == "career", "CSV: bob's work is not career")

        # In the formats people read, dan's FOLLOW UP line carries the mark, cleo's does not.
        text_follow = reports["text"].split("FOLLOW UP:", 1)[-1].split("\n\n", 1)[0]
        dan = [l for l in text_follow.splitlines() if "dan@example.test" in l]
        cleo = [l for l in text_follow.splitlines() if "cleo@example.test" in l]
        check(dan and FROM_ONLY in dan[0], "text FOLLOW UP: dan is not marked: %r" % text_follow)
        check(cleo and FROM_ONLY not in cleo[0], "text FOLLOW UP: cleo is marked: %r" % text_follow)
        md_dan = [l for l in reports["md"].splitlines() if l.startswith("|") and "dan@example.test" in l]
        check(md_dan and FROM_ONLY in md_dan[0], "Markdown FOLLOW UP: dan is not marked")
        html_dan = [l for l in reports["html"].splitlines() if "<tr>" in l and "dan@example.test" in l]
        check(html_dan and FROM_ONLY in html_dan[0], "HTML FOLLOW UP: dan is not marked")
        for fmt in ("text", "md", "html"):
            # the replies: the three From-only ones are marked, the four token ones not
            check(reports[fmt].count(FROM_ONLY) >= 4, "%s: fewer than 4 From-only marks" % fmt)
            # each reply's heading ("who · when [· mark]"): dan's carry the mark, cleo's (token) never
            heads = [l for l in reports[fmt].splitlines() if "\u00b7" in l]
            for who, marked in (("dan@example.test", True), ("cleo@example.test", False)):
                mine = [l for l in heads if who in l]
                check(mine and all((FROM_ONLY in l) == marked for l in mine),
                      "%s: the reply headings of %s are %smarked: %r" % (fmt, who, "not " if marked else "", mine))
    finally:
        if os.environ.get("KEEP"):
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


main()
print("collect_forged_from: %d failures" % len(failures))
sys.exit(1 if failures else 0)
