#!/usr/bin/python3
"""report_mail.py - `mailer report --mail ADDRESS` through both transports.

1. The default Maildir outbox: exactly one message appears in outbox/new.
2. SMTP: a real aiosmtpd server (Debian's python3-aiosmtpd) on 127.0.0.1, on a port chosen free at
   run time, stopped at the end; the message arrives with the right envelope.
Each message is parsed with Python's email package: multipart/alternative with a text/plain part
(the text report) and a text/html part (the HTML report, hostile answers escaped), a Subject naming
the campaign, From the configured sender, Auto-Submitted set.  Usage: report_mail.py MKSTATE
(env MAILER).
"""
import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
import time

from aiosmtpd.controller import Controller

from nltest import free_port

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def check_message(raw, label):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    check(msg.get_content_type() == "multipart/alternative", "%s: %s, not multipart/alternative" % (label, msg.get_content_type()))
    check("career-2026-11" in str(msg["Subject"]), "%s: subject %r" % (label, str(msg["Subject"])))
    check(msg["From"].addresses[0].addr_spec == "news@example.test", "%s: From %s" % (label, msg["From"]))
    check(msg["To"].addresses[0].addr_spec == "coach@example.test", "%s: To %s" % (label, msg["To"]))
    check(msg["Auto-Submitted"] == "auto-generated", "%s: Auto-Submitted" % label)
    parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
    text, html = parts.get("text/plain", ""), parts.get("text/html", "")
    check(list(parts) == ["text/plain", "text/html"], "%s: parts %s (text first, HTML preferred)" % (label, list(parts)))
    check(text.startswith("SURVEY REPORT: career-2026-11"), "%s: text part: %r" % (label, text[:60]))
    check("FOLLOW UP: 4 said yes" in text, "%s: text part lacks the follow-up list" % label)
    check("山田 太郎" in text and "Zoë Ångström" in text, "%s: names in the text part" % label)
    check(html.startswith("<!DOCTYPE html>"), "%s: html part: %r" % (label, html[:40]))
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html,
          "%s: the hostile answer is not escaped in the HTML part" % label)
    check("<svg" in html, "%s: no chart in the HTML part" % label)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Ok: queued"


def run(mailer, conf, *args):
    env = dict(os.environ, MAILER_NOW="2026-12-07T09:00:00Z")
    return subprocess.run([mailer, "-c", conf, "report"] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, timeout=120)


def main():
    mkstate = sys.argv[1]
    mailer = os.environ["MAILER"]
    work = tempfile.mkdtemp(prefix="report_mail.")
    controller = None
    try:
        subprocess.run([mkstate, os.path.join(work, "state.db")], check=True)

        # 1. the outbox
        conf = os.path.join(work, "outbox.conf")
        with open(conf, "w") as f:
            f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nstate = state.db\n"
                    "[smtp]\nurl = outbox:outbox\n")
        r = run(mailer, conf, "--mail", "coach@example.test")
        check(r.returncode == 0, "outbox: exit %d: %s" % (r.returncode, r.stderr.decode()))
        check(r.stdout == b"", "outbox: --mail alone printed the report too")
        new = os.path.join(work, "outbox", "new")
        files = os.listdir(new) if os.path.isdir(new) else []
        check(len(files) == 1, "outbox: %d messages in outbox/new, not 1" % len(files))
        if files:
            with open(os.path.join(new, files[0]), "rb") as f:
                check_message(f.read(), "outbox")

        # 2. SMTP on loopback
        sink = Sink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        conf = os.path.join(work, "smtp.conf")
        with open(conf, "w") as f:
            f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nstate = state.db\n"
                    "[smtp]\nurl = smtp://127.0.0.1:%d\ntimeout = 20\n" % port)
        r = run(mailer, conf, "--mail", "coach@example.test", "--format", "json")
        check(r.returncode == 0, "smtp: exit %d: %s" % (r.returncode, r.stderr.decode()))
        check(r.stdout.startswith(b"{"), "smtp: --mail with --format did not also print the report")
        deadline = time.time() + 10
        while not sink.messages and time.time() < deadline:
            time.sleep(0.1)
        check(len(sink.messages) == 1, "smtp: %d messages received, not 1" % len(sink.messages))
        if sink.messages:
            mail_from, rcpts, raw = sink.messages[0]
            check(mail_from == "news@example.test", "smtp: MAIL FROM %r" % mail_from)
            check(rcpts == ["coach@example.test"], "smtp: RCPT TO %r" % rcpts)
            check_message(raw, "smtp")
        controller.stop()
        controller = None

        # 3. a server that is not there: a clear error, exit 69 (unavailable) or 75 (try later)
        conf = os.path.join(work, "down.conf")
        with open(conf, "w") as f:
            f.write("[newsletter]\nfrom = Career Notes <news@example.test>\nstate = state.db\n"
                    "[smtp]\nurl = smtp://127.0.0.1:%d\ntimeout = 5\n" % free_port())
        r = run(mailer, conf, "--mail", "coach@example.test")
        check(r.returncode in (69, 75), "no server: exit %d, not 69/75" % r.returncode)
        check(b"coach@example.test" in r.stderr or b"127.0.0.1" in r.stderr,
              "no server: error does not say what failed: %r" % r.stderr)
    finally:
        if controller:
            controller.stop()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("report mailed through the outbox and through SMTP; both parse as multipart/alternative")
    return 0


if __name__ == "__main__":
    sys.exit(main())
