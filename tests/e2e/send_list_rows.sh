#!/bin/bash
# send_list_rows.sh - a stray quote in row 3 of a list of 5,000 and of 100,000 rows, through Postfix's
# smtp-sink (issue 15): at both sizes every other row is sent, the bad row is reported by its line,
# the send exits 65 and the campaign stays open; once the row is fixed, the next `mailer run` sends
# to that one person and nobody else, and completes the campaign.  A list with 50,000 bad rows writes
# 20 reasons and a count, not 50,000 lines.
. "$(dirname "$0")/send_lib.sh"
[ -x /usr/sbin/smtp-sink ] || fail "/usr/sbin/smtp-sink is not installed (apt-get install postfix)"
port=$(free_port)
/usr/sbin/smtp-sink -u nobody -c "127.0.0.1:$port" 1024 >/dev/null & # counts, keeps nothing
SERVER_PIDS="$SERVER_PIDS $!"
wait_port "$port"
write_conf "smtp://127.0.0.1:$port" "connections = 4"
cd "$W"

# stray_list N: N rows, the second subscriber's name opening a quote it never closes.
stray_list() {
	"$PY" - "$1" <<'PYEOF' >subscribers.csv
import sys
n = int(sys.argv[1])
print("email,name")
print("s1@example.test,One")
print('s2@example.test,"Stray quote')
for i in range(3, n + 1):
    print(f"s{i}@example.test,Reader {i}")
PYEOF
}

completed() {
	"$PY" -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("select completed from campaigns").fetchone(); print(1 if r and r[0] else 0)' state.db
}

for n in 5000 100000; do
	rm -f state.db state.db-wal state.db-shm
	stray_list "$n"
	set +e
	out=$("$MAILER" -c mailer.conf send "$ARTICLE" 2>&1)
	code=$?
	set -e
	[ "$code" = 65 ] || fail "$n rows: send exited $code, not 65: $out"
	echo "$out" | grep -q "subscribers.csv:3: a quote opened on this line is never closed" ||
		fail "$n rows: the bad row is not named: $out"
	echo "$out" | grep -q "stays open: 1 bad row" || fail "$n rows: no word that the campaign stays open: $out"
	[ "$(state_count sent)" = $((n - 1)) ] || fail "$n rows: $(state_count sent) sent, not $((n - 1))"
	[ "$(completed)" = 0 ] || fail "$n rows: the campaign was marked complete with a row unsent"
	echo "ok: $n rows, stray quote in row 3: $((n - 1)) sent, exit 65, the campaign stays open"
done

# Fixed: `mailer run` sends to s2 alone and completes the campaign.
sed -i 's/^s2@example.test,"Stray quote$/s2@example.test,"Stray quote"/' subscribers.csv
out=$("$MAILER" -c mailer.conf run 2>&1) || fail "run after the fix exited $?: $out"
[ "$(state_count sent)" = 100000 ] || fail "after the fix: $(state_count sent) sent, not 100000"
[ "$(completed)" = 1 ] || fail "after the fix the campaign is not complete"
echo "ok: after the fix one more message went out (100,000 sent, each once) and the campaign completed"

# 50,000 bad rows: 20 reasons, then a count.
"$PY" - >subscribers.csv <<'PYEOF'
print("email,name")
for i in range(50000):
    print(f"bad{i},No address")
print("good@example.test,Good")
PYEOF
rm -f state.db state.db-wal state.db-shm
set +e
"$MAILER" -c mailer.conf send "$ARTICLE" >out.txt 2>&1
code=$?
set -e
[ "$code" = 65 ] || fail "50,000 bad rows: exit $code, not 65"
lines=$(wc -l <out.txt)
[ "$lines" -le 25 ] || fail "50,000 bad rows wrote $lines lines"
grep -q "and 49980 more bad rows" out.txt || fail "no count of the bad rows not shown: $(tail -3 out.txt)"
[ "$(state_count sent)" = 1 ] || fail "the one good row was not sent"
echo "ok: 50,000 bad rows: $lines lines of output (20 reasons and a count), the good row sent"
