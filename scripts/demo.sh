#!/usr/bin/env bash
# The README's first command: install, build, and run the whole job on the shipped example —
# send the example article to the example subscribers through the default Maildir outbox, collect
# the shipped example replies (several mail clients' styles, addressed to the demo's deliveries),
# and print the survey report.  Everything lands in ./demo (removed and made anew each time).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# Quiet when all is well; a failed configure or build shows its own output.
quiet() { # LOG COMMAND...
	if ! "${@:2}" >"$1" 2>&1; then
		cat "$1" >&2
		echo "demo.sh: '${*:2}' failed (its output is above, and in $1)" >&2
		exit 1
	fi
}
mkdir -p build
quiet build/configure.log cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF
quiet build/build.log cmake --build build -j2
mailer=$PWD/build/mailer/mailer

rm -rf demo
mkdir -p demo/inbox/new demo/inbox/cur demo/inbox/tmp
cat > demo/mailer.conf <<'CONF'
[newsletter]
from = Career Notes <news@example.test>
reply_to = replies@example.test
list_id = career-notes.example.test
articles = ../articles
subscribers = ../subscribers/subscribers.csv
templates = ../templates
state = state.db
reports = reports

[smtp]
url = outbox:outbox

[inbox]
url = maildir:inbox
CONF

article=articles/2026-11-job-or-career.md
echo "== 1. send: $article to $(($(wc -l < subscribers/subscribers.csv) - 1)) subscribers, into the Maildir outbox demo/outbox"
"$mailer" -c demo/mailer.conf send "$article"
echo "   $(ls demo/outbox/new | wc -l) messages written; one of them: demo/outbox/new/$(ls demo/outbox/new | head -1)"
echo "== 2. replies: the example replies in examples/replies, addressed to those deliveries"
scripts/demo-replies.sh demo/outbox demo/inbox | sed 's/^/   /'
echo "== 3. collect: reading demo/inbox"
"$mailer" -c demo/mailer.conf collect
"$mailer" -c demo/mailer.conf status | sed 's/^/   /'
echo "== 4. report"
echo
"$mailer" -c demo/mailer.conf report
mkdir -p demo/reports
"$mailer" -c demo/mailer.conf report --format html -o demo/reports/report.html
echo
echo "The HTML report is demo/reports/report.html (open it in a browser)."
