#!/usr/bin/env bash
# pathological_collect.sh - every bound of message.h, one past it, through `mailer collect` from a
# Maildir: each over-limit message is recorded as unreadable with the bound in its reason (issue 7:
# "the message is recorded as unreadable with the reason"), the good reply beside them is still
# counted, the run does not stop or crash, and a second run records nothing twice.
set -u
mailer=${MAILER:?} src=${SRC:?}
py=/usr/bin/python3
work=$(mktemp -d /tmp/nl-patho-collect.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

cd "$work"
mkdir -p articles inbox/new inbox/cur inbox/tmp
cp "$src"/articles/*.md articles/
printf 'email,name\nana@example.test,Ana\nbob@example.test,Bob\n' >subs.csv
printf '[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\nlist_id = career.example.test\nstate = state.db\nsubscribers = subs.csv\ntemplates = %s/templates\n[smtp]\nurl = outbox:outbox\n[inbox]\nurl = maildir:inbox\n' \
	"$src" >mailer.conf
"$mailer" -q -c mailer.conf send articles/*.md || fail "send to the outbox failed"

# One message per bound, one past it; the limits are read from message.h, not repeated here.
"$py" - "$src/src/message.h" inbox/new <<'PY'
import re, sys
h = open(sys.argv[1]).read()
def bound(name):
    m = re.search(r'#define\s+' + name + r'\s+\(?([0-9u *]+)\)?', h)
    return eval(m.group(1).replace('u', ''))
size, line, headers = bound('NL_MESSAGE_MAX_SIZE'), bound('NL_MESSAGE_MAX_HEADER_LINE'), bound('NL_MESSAGE_MAX_HEADERS')
depth, parts, words = bound('NL_MESSAGE_MAX_DEPTH'), bound('NL_MESSAGE_MAX_PARTS'), bound('NL_MESSAGE_MAX_ENCODED_WORDS')
html = bound('NL_MESSAGE_MAX_HTML_DEPTH')
top = 'From: Ana <ana@example.test>\nTo: replies@example.test\n'
msgs = {
    'size': top + 'Subject: big\n\n' + ('1 career and more words\n' * (size // 24 + 2)),
    'line': top + 'Subject: long\nX-Long: ' + 'a' * (line + 1) + '\n\n1 career\n',
    'headers': top + ''.join('X-F%d: v\n' % i for i in range(headers)) + 'Subject: many\n\n1 career\n',
    'depth': top + 'Subject: deep\n' + ''.join('Content-Type: multipart/mixed; boundary=a%d\n\n--a%d\n' % (i, i) for i in range(depth + 1)) + '\n1 career\n',
    'parts': top + 'Subject: parts\nContent-Type: multipart/mixed; boundary=b\n\n' + '--b\n\n1 career\n' * (parts + 1) + '--b--\n',
    'words': top + 'Subject:' + ' =?utf-8?q?caf=C3=A9?=' * (words + 1) + '\n\n1 career\n',
    'html': top + 'Subject: html\nContent-Type: text/html\n\n' + '<div>' * (html + 1) + '1 career',
}
for k, v in msgs.items():
    open('%s/over-%s' % (sys.argv[2], k), 'w').write(v)
open(sys.argv[2] + '/good', 'w').write('From: Bob <bob@example.test>\nTo: replies@example.test\nSubject: Re: Job or career\n\n1 career, 2 4, 3 yes\n')
PY

out=$("$mailer" -c mailer.conf collect 2>&1)
rc=$?
echo "$out" | sed 's/^/   /'
[ $rc -le 1 ] || [ $rc = 65 ] || fail "collect exit $rc"
declare -A want=([size]="larger than" [line]="longer than" [headers]="header fields" [depth]="deeper than"
	[parts]="MIME parts" [words]="encoded-words" [html]="HTML")
for k in "${!want[@]}"; do
	row=$(sqlite3 state.db "SELECT class || '|' || reason FROM inbound WHERE location = 'over-$k'")
	if [[ $row == 7\|*"${want[$k]}"* ]]; then
		pass "$k: unreadable, reason '${row#7|}'"
	else
		fail "$k: recorded as '$row'"
	fi
done
good=$(sqlite3 state.db "SELECT class FROM inbound WHERE location = 'good'")
[ "$good" = 1 ] && pass "the good reply beside them is an answer" || fail "the good reply: class '$good'"
report=$("$mailer" -c mailer.conf report 2>&1)
grep -Eq 'unreadable mail +7 ' <<<"$report" && grep -Eq 'respondents +1' <<<"$report" &&
	pass "the report shows 7 unreadable messages and 1 respondent" || fail "report: $report"
n=$(sqlite3 state.db "SELECT count(*) FROM inbound")
"$mailer" -q -c mailer.conf collect >/dev/null 2>&1
[ "$(sqlite3 state.db "SELECT count(*) FROM inbound")" = "$n" ] && pass "a second collect records nothing twice" ||
	fail "a second collect added rows"
# doc/RELIABILITY.md §5 #19: a bounce for a message we never sent (backscatter) names no delivery of
# ours: ignored, and nobody is suppressed.
cat >inbox/new/backscatter <<'MAIL'
From: MAILER-DAEMON@mx.elsewhere.test
To: replies@example.test
Return-Path: <>
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=r

--r

The message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.elsewhere.test

Final-Recipient: rfc822; ana@example.test
Action: failed
Status: 5.1.1
--r
Content-Type: text/rfc822-headers

From: spammer@elsewhere.test
To: ana@example.test
Message-ID: <forged@elsewhere.test>
--r--
MAIL
"$mailer" -q -c mailer.conf collect >/dev/null 2>&1
row=$(sqlite3 state.db "SELECT class || '|' || reason FROM inbound WHERE location = 'backscatter'")
[[ $row == 8\|* ]] && pass "backscatter: ignored ('${row#8|}')" || fail "backscatter recorded as '$row'"
[ "$(sqlite3 state.db "SELECT count(*) FROM suppressions")" = 0 ] && pass "backscatter: nobody suppressed" ||
	fail "backscatter suppressed someone"

# Things that are not mail files in the Maildir (only a local user can put them there): a FIFO,
# a link to an endless device.  A cron job must not hang on them: each is unreadable, the run ends.
mkfifo inbox/new/a-fifo
ln -s /dev/zero inbox/new/a-zero
cp inbox/new/good inbox/new/good-again-but-new
sed -i 's/^Subject: .*/Subject: Re: again/' inbox/new/good-again-but-new
timeout 60 "$mailer" -q -c mailer.conf collect >/dev/null 2>&1
rc=$?
[ $rc != 124 ] && pass "a FIFO and a link to /dev/zero in the Maildir: collect ends (exit $rc)" ||
	fail "collect hangs on a FIFO or /dev/zero in the Maildir"
for k in a-fifo a-zero; do
	row=$(sqlite3 state.db "SELECT class || '|' || reason FROM inbound WHERE location = '$k'")
	[[ $row == 7\|* ]] && pass "$k: unreadable, reason '${row#7|}'" || fail "$k: recorded as '$row'"
done
[ "$(sqlite3 state.db "SELECT class FROM inbound WHERE location = 'good-again-but-new'")" = 1 ] &&
	pass "the reply after them is still read" || fail "the reply after the FIFO was not read"
echo "pathological collect: $failures failure(s)"
[ $failures = 0 ]
