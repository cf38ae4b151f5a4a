#!/bin/sh
# run_lock.sh - two `mailer run` started together (issue 6): exactly one does the work, the other
# exits 0 at once (saying so only with -v), and nobody receives two copies.
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
