#!/bin/sh
# exit_codes.sh - every exit code README documents, from every command that can give it (issue 15).
#
# One scratch newsletter (the example article, three subscribers, a Maildir outbox and inbox), and
# a table of command lines with the code each must end with: 0, 64, 65, 66, 67, 69, 74, 75, 78 for
# send, preview, collect, report, run, status, settle, inspect, export and forget.  Also, as an unprivileged user:
# an outbox whose new/ refuses writing is 74 naming new/, and the process is not dumpable (its /proc
# files belong to root) while its password_cmd runs.
# Needs MAILER and SRC (set by CTest).
. "$(dirname "$0")/send_lib.sh"
cd "$W"
mkdir -p subscribers inbox/new inbox/cur inbox/tmp empty/new empty/cur empty/tmp
printf 'email,name\nana@example.test,Ana\nbob@example.test,Bob\ncy@example.test,Cy\n' >subscribers/subscribers.csv
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
CLOSED=$(free_port) # nothing listens there
sed "s|^url = outbox:outbox|url = smtp://127.0.0.1:$CLOSED|" mailer.conf >nosmtp.conf
sed "s|^url = maildir:inbox|url = imap://127.0.0.1:$CLOSED/INBOX\nuser = u|" mailer.conf >noimap.conf
printf '[newsletter]\nfrm = typo@example.test\n' >typo.conf
mkdir bad # not under articles/, where `run` would find it
sed 's/^title: .*/title: [unclosed/' articles/$CAMPAIGN.md >bad/2026-12-bad.md
printf 'From: Ana <ana@example.test>\nTo: replies@example.test\nSubject: Re: survey\n\n1 career\n' >reply.eml

failures=0
# expect CODE WHAT... : runs mailer WHAT (without a terminal), checks the exit code
expect() {
	want=$1
	shift
	got=0
	MAILER_NOW=2026-12-01T09:00:00Z "$MAILER" "$@" </dev/null >"$W/out" 2>"$W/err" || got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: mailer $* exited $got, not $want: $(head -c 300 "$W/err")" >&2
		failures=$((failures + 1))
	fi
}

# 0: success, first of all the send that the others build on
expect 0 send articles/$CAMPAIGN.md
cp "$(ls outbox/new/* | head -1)" inbox/new/1 # our own message back: collect has something
expect 0 preview articles/$CAMPAIGN.md -o preview
expect 0 collect
expect 0 report
expect 0 run
expect 0 status
expect 0 inspect reply.eml
expect 0 settle ana@example.test work career
expect 0 export ana@example.test
expect 0 forget nobody@example.test # nothing to erase is not a failure

# 64: usage
for c in send preview collect report run status settle inspect export forget; do
	expect 64 $c --no-such-option
done

# 65: bad input
expect 65 send bad/2026-12-bad.md
expect 65 preview bad/2026-12-bad.md
expect 65 settle ana@example.test satisfaction 9
printf 'not mail at all\0\0\0' >binary.eml
expect 0 inspect binary.eml # read as a message with no headers: shown, not refused
expect 65 inspect --article bad/2026-12-bad.md reply.eml

# 66: no such campaign or input file
expect 66 send articles/2026-12-none.md
expect 66 preview articles/2026-12-none.md
expect 66 collect --maildir no-such-dir
expect 66 collect --mbox no-such.mbox
expect 66 report --campaign no-such
expect 66 settle ana@example.test work career --campaign no-such
expect 66 inspect no-such.eml
expect 66 export never@example.test

# 67: settle for an address that was not sent the campaign
expect 67 settle nobody@example.test work career

# 69: the server cannot be reached
expect 69 -c nosmtp.conf send articles/$CAMPAIGN.md --to ana@example.test
MAILER_IMAP_PASSWORD=x expect 69 -c noimap.conf collect

# 74: the state or a file cannot be read or written
: >empty.db
sed 's/^state = state.db/state = empty.db/' mailer.conf >emptystate.conf
for c in "send articles/$CAMPAIGN.md" collect report run status "settle ana@example.test work job"; do
	# shellcheck disable=SC2086
	expect 74 -c emptystate.conf $c
done
expect 74 report -o no-such-dir/report.txt

# 75: another mailer holds the lock (send, collect); for run an overlapping run is normal (0) unless
# the holder has held it longer than stale_lock (75)
hold_lock "$W/state.db.lock" 10
expect 75 send articles/$CAMPAIGN.md
expect 75 collect
expect 0 run
release_lock
hold_lock "$W/state.db.lock" $((13 * 3600))
expect 75 run
release_lock

# 78: configuration
for c in "send articles/$CAMPAIGN.md" "preview articles/$CAMPAIGN.md" collect report run status \
	"settle ana@example.test work job" "inspect reply.eml" "export ana@example.test" "forget ana@example.test"; do
	# shellcheck disable=SC2086
	expect 78 -c typo.conf $c
	# shellcheck disable=SC2086
	expect 78 -c /dev/zero $c
	# shellcheck disable=SC2086
	expect 78 -c /nonexistent/mailer.conf $c
done

# As an unprivileged user: new/ that refuses writing is named; the process is not dumpable.
if [ "$(id -u)" = 0 ]; then
	RUN_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	U="$W/unpriv"
	mkdir -p "$U/subscribers" "$U/outbox/new" "$U/outbox/tmp" "$U/outbox/cur"
	cp -r articles templates "$U/"
	cp subscribers/subscribers.csv "$U/subscribers/"
	cat >"$U/mailer.conf" <<CONF
[newsletter]
from = Career Notes <news@example.test>
reply_to = replies@example.test
[smtp]
url = outbox:outbox
[inbox]
url = imap://127.0.0.1:$CLOSED/INBOX
user = u
password_cmd = stat -c %u /proc/\$PPID/environ >$U/owner; echo pw
CONF
	chown -R nobody "$U"
	chmod 555 "$U/outbox/new"
	got=0
	(cd "$U" && $RUN_AS "$MAILER" send articles/$CAMPAIGN.md) </dev/null >/dev/null 2>"$W/err" || got=$?
	if [ "$got" != 74 ] || ! grep -q 'outbox/new: Permission denied' "$W/err"; then
		echo "FAIL: an unwritable outbox/new: exit $got: $(cat "$W/err")" >&2
		failures=$((failures + 1))
	fi
	if [ -n "$(ls -A "$U/outbox/tmp")" ]; then
		echo "FAIL: a message was left in tmp/: $(ls -A "$U/outbox/tmp")" >&2
		failures=$((failures + 1))
	fi
	# a message file that cannot be read: 74, as README says of files, naming it
	cp "$W/reply.eml" "$U/secret.eml"
	chmod 000 "$U/secret.eml"
	got=0
	(cd "$U" && $RUN_AS "$MAILER" inspect secret.eml) </dev/null >/dev/null 2>"$W/err" || got=$?
	if [ "$got" != 74 ] || ! grep -q 'secret.eml: Permission denied' "$W/err"; then
		echo "FAIL: an unreadable file to inspect: exit $got: $(cat "$W/err")" >&2
		failures=$((failures + 1))
	fi
	(cd "$U" && $RUN_AS "$MAILER" collect) </dev/null >/dev/null 2>&1 || true
	if [ "$(cat "$U/owner" 2>/dev/null)" != 0 ]; then
		echo "FAIL: mailer is dumpable while it reads its password: /proc/PID/environ owned by '$(cat "$U/owner" 2>/dev/null)'" >&2
		failures=$((failures + 1))
	fi
else
	echo "FAIL: run as root to check the unprivileged cases (setpriv)" >&2
	failures=$((failures + 1))
fi

echo "exit_codes: $failures failures"
[ "$failures" = 0 ]
