#!/bin/sh
# private_files.sh - what mailer writes is its owner's alone, and made safely (issue 16).
#
# Under the usual umask 022, on a scratch newsletter (the example article, a Maildir outbox):
#   - send, run and report -o create the state, its lock, the outbox, the reports directory and
#     the reports: files 0600, directories 0700; while a collect waits for a silent IMAP server,
#     the state's WAL and SHM are 0600 too;
#   - a state made readable by others (chmod 644) is made 0600 on the next open, with one warning
#     on stderr, and none the time after;
#   - an attacker sharing the directory plants symlinks at the temporary report names an earlier
#     mailer would have used (reports/CAMPAIGN.html.tmp.PID for the PIDs to come) and at the lock:
#     the victim file is never written; a lock that is a symlink or a FIFO is refused, naming it,
#     and so is a journal (state.db-wal) planted as a symlink, before SQLite could follow it.
# Needs MAILER and SRC (set by CTest).
. "$(dirname "$0")/send_lib.sh"
cd "$W"
umask 022
export MAILER_NOW=2026-12-01T09:00:00Z
mkdir -p subscribers
printf 'email,name\nana@example.test,Ana\nbob@example.test,Bob\n' >subscribers/subscribers.csv
cat >mailer.conf <<'CONF'
[newsletter]
from = Career Notes <news@example.test>
reply_to = replies@example.test
state = state.db
reports = reports

[smtp]
url = outbox:outbox
CONF
mode() { stat -c %a "$1"; }
want_mode() { # want_mode MODE PATH...
	m=$1
	shift
	for f in "$@"; do
		[ -e "$f" ] || fail "$f was not created"
		[ "$(mode "$f")" = "$m" ] || fail "$f is mode $(mode "$f"), not $m"
	done
}

"$MAILER" send "articles/$CAMPAIGN.md" >/dev/null 2>"$W/err" || fail "send: $(cat "$W/err")"
want_mode 600 state.db state.db.lock
want_mode 700 outbox outbox/new outbox/tmp outbox/cur
for f in outbox/new/*; do want_mode 600 "$f"; done
"$MAILER" report -o report.html >/dev/null 2>"$W/err" || fail "report -o: $(cat "$W/err")"
want_mode 600 report.html

# run makes its reports directory; a planted symlink at every temporary name an earlier mailer
# would have used for the next PIDs points to a victim file, which must stay as it is
printf 'victim\n' >victim
mkdir reports
chmod 700 reports
# one process plants them all, so the PIDs to come are still ahead of it
"$PY" -c '
import os, sys
here = os.getpid()
for pid in range(here + 1, here + 2000):
    for ext in ("html", "json"):
        os.symlink(sys.argv[1], "reports/%s.%s.tmp.%d" % (sys.argv[2], ext, pid))
' "$W/victim" "$CAMPAIGN"
MAILER_NOW=2026-12-02T09:00:00Z "$MAILER" run >/dev/null 2>"$W/err" || fail "run: $(cat "$W/err")"
[ "$(cat victim)" = victim ] || fail "the report was written through a planted symlink"
made=$(find reports -type f | wc -l)
[ "$made" = 2 ] || fail "run wrote $made reports, not 2 (html, json): $(find reports -type f)"
for f in $(find reports -type f); do want_mode 600 "$f"; done
rm -rf reports
sed -i 's/^reports = reports$/reports = fresh-reports/' mailer.conf
MAILER_NOW=2026-12-03T09:00:00Z "$MAILER" run >/dev/null 2>"$W/err" || fail "run: $(cat "$W/err")"
want_mode 700 fresh-reports

# The journals: while a collect waits for an IMAP server that never greets, they exist.
SILENT=$(free_port)
"$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
end = time.monotonic() + 60
conns = []
while time.monotonic() < end:
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])
    except OSError:
        pass
' "$SILENT" &
SERVER_PIDS="$SERVER_PIDS $!"
wait_port "$SILENT"
printf '[inbox]\nurl = imap://127.0.0.1:%s/INBOX\nuser = u\ntimeout = 3\n' "$SILENT" >>mailer.conf
MAILER_IMAP_PASSWORD=x "$MAILER" collect >/dev/null 2>&1 &
COLLECT=$!
i=0
while { [ ! -e state.db-wal ] || [ ! -e state.db-shm ]; } && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
want_mode 600 state.db-wal state.db-shm
wait "$COLLECT" || true

# A state others can read is made private, with one warning, once.
chmod 644 state.db
"$MAILER" status >/dev/null 2>"$W/err" || fail "status: $(cat "$W/err")"
[ "$(grep -c 'was readable by others (mode 0644); it is now 0600' "$W/err")" = 1 ] ||
	fail "no single warning for a readable state: $(cat "$W/err")"
[ "$(wc -l <"$W/err")" = 1 ] || fail "more than the warning on stderr: $(cat "$W/err")"
want_mode 600 state.db
"$MAILER" status >/dev/null 2>"$W/err" || fail "status: $(cat "$W/err")"
[ ! -s "$W/err" ] || fail "a second warning: $(cat "$W/err")"

# A lock that is a symlink or a FIFO is refused, and the link's target is not written.
rm -f state.db.lock
ln -s "$W/victim" state.db.lock
rc=0
"$MAILER" send "articles/$CAMPAIGN.md" >/dev/null 2>"$W/err" || rc=$?
[ "$rc" = 74 ] || fail "a symlinked lock: exit $rc: $(cat "$W/err")"
grep -q 'state.db.lock: .*symlink: refused' "$W/err" || fail "a symlinked lock: $(cat "$W/err")"
[ "$(cat victim)" = victim ] || fail "the PID was written through the planted lock"
rm -f state.db.lock
mkfifo state.db.lock
rc=0
timeout -s KILL 20 "$MAILER" send "articles/$CAMPAIGN.md" >/dev/null 2>"$W/err" || rc=$?
[ "$rc" = 74 ] || fail "a FIFO as the lock: exit $rc: $(cat "$W/err")"
grep -q 'state.db.lock: the lock is not a regular file: refused' "$W/err" || fail "a FIFO lock: $(cat "$W/err")"
rm -f state.db.lock

# A journal planted as a symlink beside the state is refused before SQLite follows it.
ln -s "$W/victim" state.db-wal
rc=0
"$MAILER" status >/dev/null 2>"$W/err" || rc=$?
[ "$rc" = 74 ] || fail "a symlinked WAL: exit $rc: $(cat "$W/err")"
grep -q "state.db-wal: the state's journal is a symlink, not a file: refused" "$W/err" || fail "a symlinked WAL: $(cat "$W/err")"
[ "$(cat victim)" = victim ] || fail "SQLite wrote through the planted journal"
rm -f state.db-wal
echo "private_files: modes, a tightened state, planted symlinks, a FIFO lock and a planted journal all as they should be"
