#!/bin/sh
# export_forget.sh - `mailer export` and `mailer forget` end to end (issue 16).
#
# Three subscribers; two campaigns sent into a Maildir outbox; Ana answers the first (numbers and
# a sentence asking for a call), her second message bounces (a DSN, 4.2.2) and she then writes
# "unsubscribe".  Then:
#   - `export ana@…` prints JSON with both deliveries, her three messages with their own words,
#     her answers with their level, the bounce and the suppression; an unknown address exits 66;
#   - `forget ana@…` says what it removed; afterwards sqlite3 finds her address, her name and her
#     words in no table, the reports no longer show her, a second `forget` says nothing is left;
#   - a third campaign to the same list skips her (the keyed hash); after `forget
#     --allow-resubscribe` a fourth one mails her again.
# Needs MAILER and SRC (set by CTest).
. "$(dirname "$0")/send_lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed"
cd "$W"
export MAILER_NOW=2026-12-01T09:00:00Z
mkdir -p subscribers inbox/new inbox/cur inbox/tmp
printf 'email,name\nana@example.test,Ana Lima\nbob@example.test,Bob\ncy@example.test,Cy\n' >subscribers/subscribers.csv
cat >mailer.conf <<'CONF'
[newsletter]
from = Career Notes <news@example.test>
reply_to = replies@example.test
state = state.db

[smtp]
url = outbox:outbox

[inbox]
url = maildir:inbox
CONF
# an article of another campaign: the same one under another date
article() { # article ID: articles/ID.md from the example
	sed "s/^date: .*/date: ${1%%-[a-z]*}-01/" "articles/$CAMPAIGN.md" >"articles/$1.md"
}
sent_to() { # sent_to EMAIL CAMPAIGN: the outbox message of that delivery
	grep -l "^To: .*<$1>" outbox/new/* | xargs grep -l "^Message-ID: <[a-z2-7]*\.$2@" | head -1
}
"$MAILER" send "articles/$CAMPAIGN.md" >/dev/null 2>"$W/err" || fail "send 1: $(cat "$W/err")"
B=2026-12-second
article "$B"
"$MAILER" send "articles/$B.md" >/dev/null 2>"$W/err" || fail "send 2: $(cat "$W/err")"
first=$(sent_to ana@example.test "$CAMPAIGN")
second=$(sent_to ana@example.test "$B")
[ -n "$first" ] && [ -n "$second" ] || fail "no message to Ana in the outbox"
reply_to=$(sed -n 's/^Reply-To: .*<\(.*\)>.*/\1/p' "$first")
mid2=$(sed -n 's/^Message-ID: //p' "$second")
printf 'From: Ana Lima <ana@example.test>\nTo: %s\nSubject: Re: survey\nMessage-ID: <r1@mail.example.test>\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\n1 career\n2 4\nI would love a call about my plans with Rio Branco.\n' \
	"$reply_to" >inbox/new/1000000001.a.host
cat >inbox/new/1000000002.b.host <<DSN
From: Mail Delivery System <MAILER-DAEMON@mx.example.test>
To: replies@example.test
Subject: Delayed Mail (still being retried)
Message-ID: <dsn1@mx.example.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

The mailbox of ana@example.test is full.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; ana@example.test
Action: failed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 mailbox full

--b1
Content-Type: text/rfc822-headers

$(sed -n '/^$/q;p' "$second")

--b1--
DSN
printf 'From: Ana Lima <ana@example.test>\nTo: replies@example.test\nSubject: unsubscribe\nMessage-ID: <u1@mail.example.test>\n\nunsubscribe\n' \
	>inbox/new/1000000003.c.host
"$MAILER" collect >/dev/null 2>"$W/err" || fail "collect: $(cat "$W/err")"

# export: everything, as JSON
"$MAILER" export ana@example.test >ana.json 2>"$W/err" || fail "export: $(cat "$W/err")"
"$PY" - ana.json "$CAMPAIGN" "$B" <<'PYEOF' || fail "export: $(cat ana.json)"
import json, sys
d = json.load(open(sys.argv[1]))
camp, second = sys.argv[2], sys.argv[3]
assert d["email"] == "ana@example.test", d["email"]
assert sorted(x["campaign"] for x in d["deliveries"]) == sorted([camp, second]), d["deliveries"]
assert all(x["state"] == "sent" and x["updated"].endswith("Z") for x in d["deliveries"]), d["deliveries"]
classes = sorted(x["class"] for x in d["replies"])
assert classes == ["bounce", "reply", "unsubscribe"], classes
words = [x["own_words"] for x in d["replies"] if x["class"] == "reply"][0]
assert "I would love a call" in words, words
answers = {x["question"]: x for x in d["answers"]}
assert answers["work"]["value"] == "career" and answers["work"]["level"] == "sure", answers
assert answers["satisfaction"]["value"] == "4", answers
assert answers["consult"]["value"] == "yes", answers
assert [x["status"] for x in d["bounces"]] == ["4.2.2"], d["bounces"]
assert d["suppression"]["reason"] == "unsubscribed", d["suppression"]
PYEOF
rc=0
"$MAILER" export nobody@example.test >/dev/null 2>"$W/err" || rc=$?
[ "$rc" = 66 ] || fail "export of an unknown address: exit $rc, want 66"
grep -q "holds nothing about nobody@example.test" "$W/err" || fail "export nobody: $(cat "$W/err")"

# forget: said, and gone from every table and from the reports
"$MAILER" forget ana@example.test >forget.out 2>"$W/err" || fail "forget: $(cat "$W/err")"
grep -q "ana@example.test erased: 2 deliveries, 3 messages cleared, 3 answers, 1 bounces, 1 suppressions; a keyed hash" forget.out ||
	fail "forget said: $(cat forget.out)"
sqlite3 state.db .dump >dump.sql
for needle in ana@example.test "Ana Lima" "Rio Branco" "r1@mail.example.test"; do
	if grep -qi "$needle" dump.sql; then fail "after forget the state still holds '$needle'"; fi
done
"$MAILER" report --campaign "$CAMPAIGN" --format json >report.json 2>"$W/err" || fail "report: $(cat "$W/err")"
if grep -qi "ana@example.test\|Rio Branco" report.json; then fail "the report still shows Ana"; fi
"$MAILER" forget ana@example.test >forget2.out 2>"$W/err" || fail "second forget: $(cat "$W/err")"
grep -q "nothing left about ana@example.test" forget2.out || fail "second forget said: $(cat forget2.out)"

# a later campaign to a list that still holds her skips her; --allow-resubscribe mails her again
count_to() { grep -l "^To: .*<$1>" outbox/new/* 2>/dev/null | wc -l; }
before=$(count_to ana@example.test)
C=2026-12-third
article "$C"
"$MAILER" send "articles/$C.md" >/dev/null 2>"$W/err" || fail "send 3: $(cat "$W/err")"
[ "$(count_to ana@example.test)" = "$before" ] || fail "a forgotten address was mailed again"
[ "$(count_to bob@example.test)" = 3 ] || fail "bob did not get the third campaign"
"$MAILER" forget --allow-resubscribe ana@example.test >forget3.out 2>"$W/err" || fail "forget --allow-resubscribe: $(cat "$W/err")"
grep -q "nothing kept" forget3.out || fail "forget --allow-resubscribe said: $(cat forget3.out)"
D=2026-12-fourth
article "$D"
"$MAILER" send "articles/$D.md" >/dev/null 2>"$W/err" || fail "send 4: $(cat "$W/err")"
[ "$(count_to ana@example.test)" = $((before + 1)) ] || fail "after --allow-resubscribe she was not mailed"
echo "export_forget: exported, forgotten everywhere, skipped while forgotten, mailed again on request"
