#!/bin/sh
# run_kill.sh - `mailer run` killed with SIGKILL in the middle of a send, then run again until the
# campaign is complete (issue 6): no one is skipped, and the only repeats are messages in flight.
. "$(dirname "$0")/run_lib.sh"

N=120
make_list "$W/subscribers.csv" $N
write_conf "outbox:outbox" "rate = 40/s" "connections = 4"
kills=0
for delay in 0.7 1.1 0.5; do
	(cd "$W" && exec "$MAILER" --now 2026-12-01T00:00:00Z run </dev/null >/dev/null 2>&1) &
	P=$!
	sleep $delay
	if kill -9 $P 2>/dev/null; then kills=$((kills + 1)); fi
	wait $P 2>/dev/null || true
done
[ $kills -ge 2 ] || fail "the run finished before it could be killed ($kills kills)"
tries=0
while :; do
	tries=$((tries + 1))
	[ $tries -le 5 ] || fail "the campaign did not complete in 5 runs"
	run_mailer --now 2026-12-01T00:00:00Z run
	[ "$RC" = 0 ] || fail "rerun exit $RC: $(cat "$W/err")"
	(cd "$W" && "$MAILER" --now 2026-12-01T00:00:00Z status >"$W/status")
	grep -q '2026-11-job-or-career  complete' "$W/status" && break
done
got=$(recipients "$W/outbox/new" | sort -u | wc -l)
dups=$(recipients "$W/outbox/new" | dup_count)
[ "$got" = $N ] || fail "$got of $N subscribers received the message"
max=$((kills * 4))
[ "$dups" -le $max ] || fail "$dups duplicates after $kills kills (at most $max in flight)"
echo "run_kill: ok ($kills kills, $N of $N received, $dups duplicates, at most $max allowed)"
