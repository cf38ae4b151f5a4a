#!/bin/sh
# run_cron.sh - `mailer run` as cron runs it (issue 6): from a configuration file, in a bare
# environment, against a real SMTP server (Postfix's smtp-sink) and a real IMAP server (Dovecot),
# both started here on loopback.  Run 1 sends the due article; the example replies are delivered
# into the IMAP inbox; run 2 collects them and writes the reports; the run after the window closes
# mails the report to the publisher once; every run is silent.
. "$(dirname "$0")/run_lib.sh"
. "$(dirname "$0")/dovecot_lib.sh"

cp "$SRC/subscribers/subscribers.csv" "$W/subscribers.csv"
SMTP_PORT=$(free_port)
start_sink "$SMTP_PORT" "$W/sink/new"
start_dovecot "$W/imap"
write_conf "smtp://127.0.0.1:$SMTP_PORT" "connections = 2"
cat >>"$W/mailer.conf" <<CONF
[newsletter]
reports = reports
report_to = coach@example.test
report_after = 3d
[inbox]
url = imap://127.0.0.1:$IMAP_PORT/INBOX
user = $IMAP_USER
password_cmd = cat $IMAP_PASSWORD_FILE
after = move:Processed
CONF

run_mailer --now 2026-11-30T09:05:00Z run
expect_quiet
n=$(($(wc -l <"$W/subscribers.csv") - 1))
[ "$(recipients "$W/sink/new" | wc -l)" = $n ] || fail "smtp-sink got $(recipients "$W/sink/new" | wc -l) of $n"

"$SRC/scripts/demo-replies.sh" "$W/sink" "$W/replies" >/dev/null
deliver_to_dovecot "$W/replies/new/"*
run_mailer --now 2026-12-01T09:00:00Z run
expect_quiet
json="$W/reports/2026-11-job-or-career.json"
[ -s "$W/reports/2026-11-job-or-career.html" ] || fail "no HTML report"
"$PY" - "$json" "$n" <<'PYEOF' || fail "the JSON report is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
want = {"sent": int(sys.argv[2]), "reply_count": 8, "respondents": 7, "unsubscribed": 1, "failed": 0}
got = {k: d[k] for k in want}
assert got == want, got
work = next(q for q in d["questions"] if q["id"] == "work")
assert {o["value"]: o["count"] for o in work["options"]}["not sure"] == 1, work
PYEOF
[ "$(find "$IMAP_MAILDIR/new" "$IMAP_MAILDIR/cur" -type f | wc -l)" = 0 ] || fail "after = move:Processed left mail in INBOX"
[ "$(find "$IMAP_MAILDIR/.Processed/new" "$IMAP_MAILDIR/.Processed/cur" -type f 2>/dev/null | wc -l)" = 10 ] ||
	fail "the 10 replies are not in Processed"

run_mailer --now 2026-12-03T10:00:00Z run # the window closes: report mailed
expect_quiet
run_mailer --now 2026-12-04T10:00:00Z run
expect_quiet
[ "$(recipients "$W/sink/new" | grep -c '^coach@example.test$')" = 1 ] || fail "the report was not mailed exactly once"
[ "$(recipients "$W/sink/new" | grep -vc '^coach@example.test$')" = $n ] || fail "a subscriber got a second copy"
echo "run_cron: ok ($n sent through smtp-sink, 10 replies collected over IMAP, reports written, report mailed once)"
