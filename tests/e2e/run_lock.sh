#!/bin/sh
# run_lock.sh - two `mailer run` started together (issue 6): exactly one does the work, the other
# exits 0 at once (saying so only with -v), and nobody receives two copies.  The lock belongs to the
# state (issue 15): two sends through state.db and a symlink to it do not run together; a holder
# past stale_lock is reported once (exit 75), then quietly, and forgotten once it ends; a planted
# symlink at the lock's path is refused, never written through.
. "$(dirname "$0")/run_lib.sh"

make_list "$W/subscribers.csv" 40
write_conf "outbox:outbox" "rate = 20/s" # two seconds of sending: the runs overlap
set +e
(cd "$W" && "$MAILER" -v --now 2026-12-01T00:00:00Z run </dev/null >"$W/a.out" 2>"$W/a.err") &
A=$!
sleep 0.3
(cd "$W" && "$MAILER" -v --now 2026-12-01T00:00:00Z run </dev/null >"$W/b.out" 2>"$W/b.err")
RB=$?
wait $A
RA=$?
set -e
[ "$RA" = 0 ] && [ "$RB" = 0 ] || fail "exit codes $RA and $RB, want 0 and 0 ($(cat "$W/a.err" "$W/b.err"))"
held=$(cat "$W/a.err" "$W/b.err" | grep -c 'another run holds' || true)
worked=$(cat "$W/a.err" "$W/b.err" | grep -c 'run: sending 2026-11-job-or-career' || true)
[ "$held" = 1 ] && [ "$worked" = 1 ] || fail "want one run working and one stepping aside, got $worked and $held"
grep -q 'another run holds' "$W/b.err" || fail "the second run did the work while the first held the lock"
[ "$(recipients "$W/outbox/new" | wc -l)" = 40 ] || fail "not 40 messages: $(recipients "$W/outbox/new" | wc -l)"
[ "$(recipients "$W/outbox/new" | dup_count)" = 0 ] || fail "someone got two copies"
# Without -v the run that steps aside says nothing.
(cd "$W" && "$MAILER" run </dev/null >"$W/c.out" 2>"$W/c.err") &
C=$!
sleep 0.1
run_mailer run
wait $C || fail "the first of the quiet pair failed"
[ "$RC" = 0 ] && [ ! -s "$W/out" ] && [ ! -s "$W/err" ] || fail "a quiet overlapping run printed: $(cat "$W/out" "$W/err")"
echo "run_lock: ok (one run sent 40, the other stepped aside)"

# Two sends, one through a symlink to the state: the second finds the lock taken (exit 75).
rm -rf "$W/outbox" "$W/state.db" "$W/state.db-wal" "$W/state.db-shm"
(cd "$W" && "$MAILER" -c mailer.conf send --limit 1 "$ARTICLE" >/dev/null 2>&1) || fail "the first send failed"
ln -s state.db "$W/link.db"
sed 's/^\[newsletter\]$/[newsletter]\nstate = link.db/' "$W/mailer.conf" >"$W/link.conf"
grep -q '^state = link.db' "$W/link.conf" || fail "link.conf names no state"
set +e
(cd "$W" && "$MAILER" -c mailer.conf send "$ARTICLE" >"$W/a.out" 2>&1) &
A=$!
sleep 0.3
(cd "$W" && "$MAILER" -c link.conf send "$ARTICLE" >"$W/b.out" 2>&1)
RB=$?
wait $A
RA=$?
set -e
[ "$RA" = 0 ] || fail "the send through state.db exited $RA: $(cat "$W/a.out")"
[ "$RB" = 75 ] || fail "the send through the symlink exited $RB, not 75: $(cat "$W/b.out")"
grep -q "another mailer run holds the lock" "$W/b.out" || fail "no word of the lock: $(cat "$W/b.out")"
[ "$(recipients "$W/outbox/new" | wc -l)" = 40 ] || fail "not 40 messages through two paths"
[ "$(recipients "$W/outbox/new" | dup_count)" = 0 ] || fail "two paths to one state sent someone two copies"
echo "run_lock: ok (two sends through state.db and a symlink: one stepped aside with 75, 40 messages, no copy twice)"

# A holder past stale_lock: a process that took the lock 13 hours ago (as its record says).
hold_lock "$W/state.db.lock" $((13 * 3600))
run_mailer run
[ "$RC" = 75 ] || fail "a run behind a 13-hour holder exited $RC, not 75"
grep -q "has held .*state.db.lock since .*longer than stale_lock: it may be hung" "$W/err" ||
	fail "no word of the hung holder: $(cat "$W/err")"
[ "$(wc -l <"$W/err")" = 1 ] || fail "more than one line about the hung holder: $(cat "$W/err")"
run_mailer run
[ "$RC" = 75 ] && [ ! -s "$W/err" ] || fail "the second run behind it: exit $RC, stderr $(cat "$W/err")"
run_mailer status
grep -q "Lock: held by a running mailer send (pid $HOLDER) since" "$W/out" || fail "status: $(cat "$W/out")"
release_lock
run_mailer run
[ "$RC" = 0 ] || fail "the run after the holder ended exited $RC: $(cat "$W/err")"
[ ! -e "$W/state.db.lock.reported" ] || fail "the report of the hung holder was not forgotten"
echo "run_lock: ok (a 13-hour holder: reported once with 75, then quietly, then forgotten)"

# A planted symlink at the lock's path: refused, its target untouched.
rm -f "$W/state.db.lock"
echo "precious" >"$W/precious"
ln -s precious "$W/state.db.lock"
run_mailer run
[ "$RC" = 74 ] || fail "a run with a symlinked lock exited $RC, not 74"
grep -q "the lock is a symlink: refused" "$W/err" || fail "no word of the symlink: $(cat "$W/err")"
[ "$(cat "$W/precious")" = precious ] || fail "the lock was written through the symlink"
echo "run_lock: ok (a symlinked lock refused with 74, its target untouched)"
