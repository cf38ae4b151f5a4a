#!/bin/sh
# run_schedule.sh - `mailer run` with the injected clock (issue 6): a future-dated article is not sent
# before its time and is sent whole after it; running again sends nothing; the closing report is
# mailed once when the collection window closes, and not again.
. "$(dirname "$0")/run_lib.sh"

sed -i 's/^date: .*/date: 2026-12-15T09:00:00Z/' "$ARTICLE"
make_list "$W/subscribers.csv" 25
write_conf "outbox:outbox"
printf '[newsletter]\nreport_to = coach@example.test\nreport_after = 2d\n' >>"$W/mailer.conf"
# (a second [newsletter] section adds keys to the first, as in every INI reader we know)

run_mailer --now 2026-12-15T08:59:00Z run
expect_quiet
[ -z "$(recipients "$W/outbox/new")" ] || fail "something was sent before the article's date"
run_mailer --now 2026-12-15T08:59:00Z status
grep -q 'Next due: .*2026-11-job-or-career.md' "$W/out" || fail "status does not show the next due article: $(cat "$W/out")"

run_mailer --now 2026-12-15T09:00:00Z run
expect_quiet
[ "$(recipients "$W/outbox/new" | wc -l)" = 25 ] || fail "not all 25 sent when due: $(recipients "$W/outbox/new" | wc -l)"
[ "$(recipients "$W/outbox/new" | dup_count)" = 0 ] || fail "someone got two copies"
[ -f "$W/reports/2026-11-job-or-career.html" ] || fail "no HTML report written"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sent"] == 25, d' \
	"$W/reports/2026-11-job-or-career.json" || fail "the JSON report does not say 25 sent"

for t in 2026-12-15T09:10:00Z 2026-12-16T09:00:00Z; do
	run_mailer --now "$t" run
	expect_quiet
done
[ "$(recipients "$W/outbox/new" | wc -l)" = 25 ] || fail "a later run sent again"

# The window closes two days after the date: one report mail to the publisher, once.
run_mailer --now 2026-12-17T09:00:01Z run
expect_quiet
[ "$(recipients "$W/outbox/new" | grep -c '^coach@example.test$')" = 1 ] || fail "the closing report was not mailed once"
run_mailer --now 2026-12-18T09:00:00Z run
expect_quiet
[ "$(recipients "$W/outbox/new" | grep -c '^coach@example.test$')" = 1 ] || fail "the closing report was mailed twice"
run_mailer --now 2026-12-18T09:00:00Z status
grep -q '2026-11-job-or-career  complete' "$W/out" || fail "status: $(cat "$W/out")"
echo "run_schedule: ok (nothing before the date, 25 after, one closing report)"
