#!/bin/bash
# send_sink.sh - 1,000 subscribers to Postfix's smtp-sink over 4 reused connections: exactly 1,000
# messages arrive, one per address, each parses (first 300 with --limit, then the rest); another
# run sends nothing; the journal says sent and the campaign is complete.
. "$(dirname "$0")/send_lib.sh"
port=$(free_port)
start_sink "$port" "$W/dump"
make_list "$W/subscribers.csv" 1000
write_conf "smtp://127.0.0.1:$port" "connections = 4"
cd "$W"
# --limit stops early; the next run goes on from there.
out=$("$MAILER" -c mailer.conf send --limit 300 "$ARTICLE" 2>&1) || fail "send --limit exited $?: $out"
sleep 0.3
n=$(find "$W/dump" -type f | wc -l)
[ "$n" = 300 ] || fail "--limit 300 delivered $n"
[ "$(state_count sent)" = 300 ] || fail "journal after --limit: $(state_count sent) sent"
out=$("$MAILER" -c mailer.conf send "$ARTICLE" 2>&1) || fail "send exited $?: $out"
[ -z "$out" ] || fail "send printed on success without a terminal: $out"
sleep 0.5
"$PY" "$SRC/tests/e2e/send_check_dump.py" "$W/dump" "$W/subscribers.csv" || fail "the captured messages"
[ "$(state_count sent)" = 1000 ] || fail "journal: $(state_count sent) sent, not 1000"
# Idempotent: the second run finds everything sent.
out=$("$MAILER" -c mailer.conf send "$ARTICLE" 2>&1) || fail "second send exited $?: $out"
sleep 0.3
n=$(find "$W/dump" -type f | wc -l)
[ "$n" = 1000 ] || fail "the second run sent again: $n messages captured"
"$PY" - "$W/state.db" <<'PYEOF' || fail "campaign not marked complete"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("select completed from campaigns").fetchone()[0] > 0
PYEOF
echo "ok: 1000 subscribers (300 with --limit, then the rest), 1000 messages, one each, all parse; a third run sent nothing"
