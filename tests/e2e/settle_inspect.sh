#!/bin/sh
# settle_inspect.sh - `mailer inspect` and `mailer settle` end to end with the real binary (issue 12):
# send the example article into a Maildir outbox, write a reply to one of those messages (its
# Message-ID in In-Reply-To), inspect it (text and JSON: class, match, levels, rules; the state is
# not changed, byte for byte), collect it, settle the answer that could not be read and check the
# report tallies it and marks it settled by hand, the errors of settle (bad value naming the
# question, unknown question, no delivery, unknown campaign, usage), and settle --confirm.
# Usage: settle_inspect.sh  (env MAILER, SRC)
set -u
: "${MAILER:?MAILER must name the mailer binary}" "${SRC:?SRC must name the source tree}"
PY=/usr/bin/python3
W=$(mktemp -d /tmp/nl-settle-inspect.XXXXXX)
trap 'if [ -z "${KEEP:-}" ]; then rm -rf "$W"; else echo "kept $W"; fi' EXIT
failures=0
no() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
die() {
	echo "FAIL: $*" >&2
	exit 1
}

mkdir -p "$W/subscribers" "$W/inbox/new" "$W/inbox/cur" "$W/inbox/tmp" || die "mkdir"
cp -r "$SRC/articles" "$SRC/templates" "$W/" || die "cannot copy the article and templates"
CAMPAIGN=2026-11-job-or-career
printf 'email,name\nana@example.test,Ana Souza\nbob@example.test,Bob Stone\ncleo@example.test,Cleo Park\n' \
	>"$W/subscribers/subscribers.csv"
cat >"$W/mailer.conf" <<'CONF'
[newsletter]
from = Career Notes <news@example.test>
reply_to = replies@example.test
list_id = career-notes.example.test
state = state.db

[smtp]
url = outbox:outbox

[inbox]
url = maildir:inbox
CONF
# M TIME ARGS...: mailer at a pinned time, without a terminal, in $W.
M() {
	t=$1
	shift
	(cd "$W" && MAILER_NOW=$t "$MAILER" -c mailer.conf "$@" </dev/null)
}

M 2026-11-30T09:00:00Z send articles/$CAMPAIGN.md >"$W/out" 2>"$W/err" || die "send: $(cat "$W/err")"
[ "$(ls "$W/outbox/new" | wc -l)" -eq 3 ] || die "send did not write 3 messages to the outbox"

# The message sent to ana@example.test, and a reply to it from her mail client: Message-ID in
# In-Reply-To and References, to the plain reply address (so only the reference matches).
"$PY" - "$W/outbox/new" "$W/reply.eml" <<'PYEOF' || die "could not write the reply"
import email, email.policy, os, sys
box, out = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(box)):
    with open(os.path.join(box, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    if m["To"].addresses[0].addr_spec == "ana@example.test":
        break
else:
    sys.exit("no message to ana@example.test")
msgid = m["Message-ID"].strip()
body = (
    "1 career\n"
    "2 somewhere between 3 and 4\n"
    "3 yes\n"
    "\n"
    "Thanks!\n"
    "\n"
    "On Mon, 30 Nov 2026 at 09:00, Career Notes <news@example.test> wrote:\n"
    "> Is your work today a job or a career?\n"
    "> 1 job / career / not sure\n"
)
with open(out, "w", newline="\r\n") as f:
    f.write("From: Ana Souza <ana@example.test>\n"
            "To: replies@example.test\n"
            f"Subject: Re: {m['Subject']}\n"
            "Date: Wed, 02 Dec 2026 08:00:00 +0000\n"
            "Message-ID: <settle-inspect-1@mail.example.test>\n"
            f"In-Reply-To: {msgid}\n"
            f"References: {msgid}\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=UTF-8\n"
            "\n" + body)
PYEOF

# Words a terminal must not obey and a JSON string must escape, from a subscriber's own address
# without any token (matched by From only).
{
	printf 'From: Bob <bob@example.test>\r\nTo: replies@example.test\r\nSubject: hello\r\n'
	printf 'Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nMessage-ID: <x1@elsewhere.test>\r\n'
	printf 'Content-Type: text/plain; charset=UTF-8\r\n\r\n'
	printf 'Quote " and back\\slash \033[31mred\033[0m </script>\r\n'
	printf 'I would really like a call to talk about this.\r\n'
} >"$W/hostile.eml"

state_sum() { cat "$W/state.db" "$W/state.db-wal" 2>/dev/null | sha256sum; }
before=$(state_sum)

# ---- inspect, text ----
M 2026-12-02T10:00:00Z inspect reply.eml >"$W/inspect.txt" 2>"$W/err" || no "inspect exited $?: $(cat "$W/err")"
[ -s "$W/err" ] && no "inspect wrote on stderr: $(cat "$W/err")"
grep -q '^message: reply.eml' "$W/inspect.txt" || no "inspect text: no 'message: reply.eml' line"
grep -q '^  class: reply' "$W/inspect.txt" || no "inspect text: class is not reply"
grep -Eq '^  match: token \(.*Message-ID' "$W/inspect.txt" || no "inspect text: not matched by the Message-ID reference"
grep -q '^  email: ana@example.test' "$W/inspect.txt" || no "inspect text: email"
grep -q "^  campaign: $CAMPAIGN" "$W/inspect.txt" || no "inspect text: campaign"
grep -Eq '^  answer 1 work: sure "career", rule numbered' "$W/inspect.txt" || no "inspect text: answer 1"
grep -Eq '^  answer 2 satisfaction: unreadable, rule [a-z ]+, from ".*between 3 and 4' "$W/inspect.txt" ||
	no "inspect text: answer 2 is not unreadable with its sentence"
grep -q '^    | 1 career' "$W/inspect.txt" || no "inspect text: own words not shown"
grep -q 'Is your work today' "$W/inspect.txt" && no "inspect text: quoted text shown as own words"

# ---- inspect, JSON, two files and one that cannot be read ----
M 2026-12-02T10:00:00Z inspect --format json reply.eml no-such.eml hostile.eml >"$W/inspect.json" 2>"$W/err"
rc=$?
[ $rc -eq 66 ] || no "inspect with a file that is not there exited $rc, not 66"
grep -q 'no-such.eml' "$W/err" || no "inspect: the unreadable file is not named: $(cat "$W/err")"
"$PY" - "$W/inspect.json" "$CAMPAIGN" <<'PYEOF' || no "inspect JSON checks"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
campaign = sys.argv[2]
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
check(isinstance(doc, list) and len(doc) == 2, "two objects (the unreadable file left out)")
r, h = doc[0], doc[1]
keys = {"file", "class", "reason", "match", "campaign", "email", "own_words", "contact", "unread_words", "answers"}
check(keys <= set(r), f"fields missing: {keys - set(r)}")
check(r["file"] == "reply.eml" and r["class"] == "reply", "file, class")
check(r["match"] == "token" and "Message-ID" in (r.get("match_how") or ""), f"match {r['match']} {r.get('match_how')}")
check(r["campaign"] == campaign and r["email"] == "ana@example.test", "campaign, email")
a = {x["question"]: x for x in r["answers"]}
check(a.get("work", {}).get("level") == "sure" and a["work"]["value"] == "career" and a["work"]["rule"] == "numbered",
      f"work: {a.get('work')}")
check(a.get("satisfaction", {}).get("level") == "unreadable" and a["satisfaction"]["value"] is None
      and "between 3 and 4" in a["satisfaction"]["sentence"], f"satisfaction: {a.get('satisfaction')}")
check(a.get("consult", {}).get("level") == "sure" and a["consult"]["value"] == "yes", f"consult: {a.get('consult')}")
check("1 career" in r["own_words"] and "Is your work today" not in r["own_words"], "own words")
check(h["file"] == "hostile.eml" and h["class"] == "reply" and h["match"] == "from" and h["campaign"] == campaign
      and h["email"] == "bob@example.test", f"hostile: {h['class']} {h['match']} {h['campaign']} {h['email']}")
check('Quote " and back\\slash ' in h["own_words"] and "</script>" in h["own_words"],
      "hostile words not kept verbatim through JSON escaping")
if "\x1b" in h["own_words"]:
    open(sys.argv[1] + ".esc", "w").close()
# a request for a call is either the contact sentence or read as an answer to the consultation
check((h["contact"] is not None and "call" in h["contact"])
      or any(x["question"] == "consult" and "call" in (x["sentence"] or "") for x in h["answers"]),
      f"hostile: the request for a call is lost: contact {h['contact']!r}, answers {h['answers']!r}")
for x in bad:
    print("  inspect JSON:", x, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
# text output never hands a terminal its escape sequences
M 2026-12-02T10:00:00Z inspect hostile.eml >"$W/hostile.txt" 2>&1 || no "inspect hostile.eml exited $?"
grep -q "$(printf '\033')" "$W/hostile.txt" && no "inspect text printed a raw ESC"
if [ -e "$W/inspect.json.esc" ]; then
	grep -qF '\x1b[31mred' "$W/hostile.txt" || no "inspect text: the ESC is not shown escaped"
fi

[ "$(state_sum)" = "$before" ] || no "inspect changed the state"

# ---- inspect without a state: never creates one; --article gives the survey ----
mkdir "$W/nostate"
printf '[newsletter]\nstate = state.db\nreply_to = replies@example.test\n' >"$W/nostate/mailer.conf"
(cd "$W" && "$MAILER" -c nostate/mailer.conf inspect --format json --article articles/$CAMPAIGN.md reply.eml) \
	>"$W/nostate.json" 2>"$W/err" || no "inspect without a state exited $?: $(cat "$W/err")"
[ -e "$W/nostate/state.db" ] && no "inspect created a state"
"$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
a = {x["question"]: x for x in r["answers"]}
ok = r["match"] is None and r["campaign"] is None and a.get("work", {}).get("value") == "career"
sys.exit(0 if ok else "no state: %r %r %r" % (r["match"], r["campaign"], r["answers"]))' "$W/nostate.json" ||
	no "inspect without a state: not read against --article's survey"

# ---- inspect usage ----
M 2026-12-02T10:00:00Z inspect 2>/dev/null && no "inspect without a file succeeded"
M 2026-12-02T10:00:00Z inspect --format xml reply.eml 2>"$W/err"
rc=$?
[ $rc -eq 64 ] || no "inspect --format xml exited $rc, not 64"
[ "$(wc -l <"$W/err")" -eq 1 ] || no "inspect usage error is not one line"
M 2026-12-02T10:00:00Z inspect --help | grep -q -- '--article FILE' || no "inspect --help"

# ---- collect, then settle ----
cp "$W/reply.eml" "$W/inbox/new/1.eml"
M 2026-12-02T10:00:00Z collect >"$W/out" 2>"$W/err" || no "collect exited $?: $(cat "$W/err")"
# once collected, inspect says collect would skip it
M 2026-12-02T10:00:00Z inspect --format json reply.eml >"$W/known.json" 2>"$W/err" || no "inspect after collect exited $?"
"$PY" -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))[0]["known"] is True else 1)' "$W/known.json" ||
	no "inspect after collect: the message is not known"
# q: the report's JSON entry for one question, as JSON on stdout
q() {
	M "$1" report --format json >"$W/report.json" 2>"$W/err" || no "report exited $?: $(cat "$W/err")"
	"$PY" -c '
import json, sys
for q in json.load(open(sys.argv[1]))["questions"]:
    if q["id"] == sys.argv[2]:
        print(json.dumps(q))' "$W/report.json" "$2"
}
answered() { q "$1" "$2" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["answered"])'; }
[ "$(answered 2026-12-02T11:00:00Z satisfaction)" = 0 ] || no "satisfaction tallied before it was settled"
[ "$(answered 2026-12-02T11:00:00Z work)" = 1 ] || no "work not tallied after collect"

# errors first: nothing is recorded by them
S() { M 2026-12-03T10:00:00Z settle "$@"; }
S ana@example.test satisfaction 9 2>"$W/err"
rc=$?
[ $rc -eq 65 ] || no "settle with a value out of range exited $rc, not 65"
grep -q 'satisfaction' "$W/err" || no "settle bad value: the message does not name the question: $(cat "$W/err")"
grep -q '1 to 5' "$W/err" || no "settle bad value: the message does not say what it takes: $(cat "$W/err")"
S ana@example.test consult perhaps 2>"$W/err"
rc=$?
[ $rc -eq 65 ] || no "settle consult perhaps exited $rc, not 65"
grep -q 'yes or no' "$W/err" || no "settle consult perhaps: $(cat "$W/err")"
S ana@example.test nosuch 4 2>"$W/err"
rc=$?
[ $rc -eq 65 ] || no "settle with an unknown question exited $rc, not 65"
grep -q '2 satisfaction' "$W/err" || no "settle unknown question: the questions are not listed: $(cat "$W/err")"
S ana@example.test 5 4 2>/dev/null
rc=$?
[ $rc -eq 65 ] || no "settle question 5 of 4 exited $rc, not 65"
S nobody@example.test satisfaction 4 2>"$W/err"
rc=$?
[ $rc -eq 67 ] || no "settle for an address with no delivery exited $rc, not 67"
grep -q 'nobody@example.test' "$W/err" || no "settle no delivery: the address is not named"
S ana@example.test satisfaction 4 --campaign no-such 2>/dev/null
rc=$?
[ $rc -eq 66 ] || no "settle --campaign no-such exited $rc, not 66"
S ana@example.test satisfaction 2>/dev/null
rc=$?
[ $rc -eq 64 ] || no "settle without a value exited $rc, not 64"
S --confirm ana@example.test satisfaction 2>/dev/null
rc=$?
[ $rc -eq 64 ] || no "settle --confirm with a question exited $rc, not 64"
S 'not an address' satisfaction 4 2>/dev/null
rc=$?
[ $rc -eq 64 ] || no "settle with a bad address exited $rc, not 64"
S --help | grep -q -- '--confirm' || no "settle --help"
[ "$(answered 2026-12-03T11:00:00Z satisfaction)" = 0 ] || no "a refused settle recorded something"

# by question number, silent without a terminal; -v logs it
S ana@example.test 2 4 >"$W/out" 2>"$W/err" || no "settle exited $?: $(cat "$W/err")"
[ -s "$W/out" ] && no "settle printed on stdout without a terminal: $(cat "$W/out")"
[ -s "$W/err" ] && no "settle printed on stderr: $(cat "$W/err")"
q 2026-12-03T11:00:00Z satisfaction >"$W/sat.json"
"$PY" -c '
import json, sys
q = json.load(open(sys.argv[1]))
hist = {str(b["value"]): b["count"] for b in q.get("histogram", [])}
sys.exit(0 if q["answered"] == 1 and hist.get("4") == 1 else "satisfaction after settle: %r" % q)' "$W/sat.json" ||
	no "the settled answer is not tallied"
# somewhere in the report (Replies), ana's satisfaction reading is marked settled, with the
# sentence the coach read kept as its evidence
"$PY" -c '
import json, sys
def walk(x):
    if isinstance(x, dict):
        yield x
        for v in x.values():
            yield from walk(v)
    elif isinstance(x, list):
        for v in x:
            yield from walk(v)
hits = [d for d in walk(json.load(open(sys.argv[1]))) if d.get("question") == "satisfaction" and d.get("settled") is True]
ok = any(d.get("value") == "4" and d.get("rule") == "settled by hand" and "between 3 and 4" in (d.get("raw") or d.get("sentence") or "")
         for d in hits)
sys.exit(0 if ok else "no settled satisfaction reading: %r" % hits)' "$W/report.json" ||
	no "the report JSON does not mark the answer settled by hand"
M 2026-12-03T11:00:00Z report >"$W/report.txt" 2>/dev/null
grep -qi 'settled by hand' "$W/report.txt" || no "the text report does not mark the answer settled by hand"
(cd "$W" && MAILER_NOW=2026-12-03T10:00:00Z "$MAILER" -c mailer.conf -v settle bob@example.test change 'Fewer meetings' \
	</dev/null >/dev/null 2>"$W/err") || no "settle -v exited $?"
grep -q 'bob@example.test.*change' "$W/err" || no "settle -v does not log what was recorded: $(cat "$W/err")"

# settling wins even over an answer dated after the settle (a reply's clock a little ahead)
M 2026-12-02T07:00:00Z settle ana@example.test consult no 2>"$W/err" || no "settle consult no exited $?: $(cat "$W/err")"
q 2026-12-03T11:00:00Z consult >"$W/consult.json"
"$PY" -c '
import json, sys
q = json.load(open(sys.argv[1]))
opts = {o["value"]: o["count"] for o in q.get("options", [])}
sys.exit(0 if opts.get("no") == 1 and not opts.get("yes") else "consult after settle: %r" % q)' "$W/consult.json" ||
	no "a settled answer lost against an answer dated after it"

# ---- settle --confirm ----
# The readers decide what is likely; so that this test does not depend on one sentence, ana's sure
# "work" answer is turned into a likely one (the store's contract: readable 0, likely 1, the value
# kept), and confirming must make it tallied and settled again.
"$PY" - "$W/state.db" "$CAMPAIGN" <<'PYEOF' || no "could not make a likely answer"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE answers SET readable = 0, likely = 1 WHERE campaign = ? AND email = ? AND question = 'work'",
               (sys.argv[2], "ana@example.test")).rowcount
db.commit()
sys.exit(0 if n == 1 else "no work answer for ana")
PYEOF
[ "$(answered 2026-12-03T11:00:00Z work)" = 0 ] || no "a likely answer is tallied"
S --confirm ana@example.test >"$W/out" 2>"$W/err" || no "settle --confirm exited $?: $(cat "$W/err")"
[ -s "$W/out" ] && no "settle --confirm printed on stdout without a terminal"
[ "$(answered 2026-12-03T11:00:00Z work)" = 1 ] || no "settle --confirm did not make the likely answer tallied"
"$PY" - "$W/state.db" "$CAMPAIGN" <<'PYEOF' || no "the confirmed answer is not stored sure and settled"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT readable, settled, value FROM answers WHERE campaign = ? AND email = ? AND question = 'work'",
                 (sys.argv[2], "ana@example.test")).fetchone()
sys.exit(0 if row == (1, 1, "career") else f"work answer: {row}")
PYEOF
# nothing left to confirm: not an error, but said
S --confirm ana@example.test >"$W/out" 2>"$W/err" || no "a second settle --confirm exited $?"
grep -q 'nothing confirmed' "$W/err" || no "a second settle --confirm does not say nothing was confirmed"
S --confirm nobody@example.test 2>/dev/null
rc=$?
[ $rc -eq 67 ] || no "settle --confirm for an address with no delivery exited $rc, not 67"

# A later reply still overrides a settled answer.
sed -e 's/^2 somewhere between 3 and 4\r$/2 5\r/' -e 's/settle-inspect-1@/settle-inspect-2@/' \
	-e 's/^Date: .*/Date: Fri, 04 Dec 2026 08:00:00 +0000\r/' "$W/reply.eml" >"$W/inbox/new/2.eml"
M 2026-12-04T10:00:00Z collect >/dev/null 2>"$W/err" || no "second collect exited $?: $(cat "$W/err")"
q 2026-12-04T11:00:00Z satisfaction >"$W/sat.json"
"$PY" -c '
import json, sys
q = json.load(open(sys.argv[1]))
hist = {str(b["value"]): b["count"] for b in q.get("histogram", [])}
sys.exit(0 if q["answered"] == 1 and hist.get("5") == 1 and not hist.get("4") else "after a later reply: %r" % q)' \
	"$W/sat.json" || no "a later reply did not override the settled answer"

[ $failures -eq 0 ] || die "$failures check(s) failed"
echo "settle_inspect: all checks passed"
