# send_lib.sh - shared by the send_* end-to-end tests: a scratch directory with the example article and
# templates, a generated subscriber list, free ports, and servers started and stopped by PID.
# Source it; it sets -eu, W (the scratch directory) and a trap that stops every server it started.
set -eu
: "${MAILER:?MAILER must name the mailer binary}" "${SRC:?SRC must name the source tree}"
PY=/usr/bin/python3
W=$(mktemp -d /tmp/nl-send-e2e.XXXXXX)
chmod 755 "$W" # smtp-sink writes below it as nobody
SERVER_PIDS=""
send_cleanup() {
	for p in $SERVER_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $SERVER_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${KEEP:-}" = "" ]; then rm -rf "$W"; else echo "kept $W"; fi
}
trap send_cleanup EXIT
cp -r "$SRC/articles" "$SRC/templates" "$W/"
ARTICLE="$W/articles/2026-11-job-or-career.md"
CAMPAIGN=2026-11-job-or-career

fail() { echo "FAIL: $*" >&2; exit 1; }

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: up to 10 s for something to accept on 127.0.0.1:PORT.
wait_port() {
	"$PY" - "$1" <<'PYEOF' || fail "no server came up on port $1"
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PYEOF
}

# make_list FILE N: N subscribers sub0@example.test … with names and a city column.
make_list() {
	"$PY" - "$1" "$2" <<'PYEOF'
import csv, sys
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["email", "name", "city"])
    for i in range(int(sys.argv[2])):
        w.writerow([f"sub{i}@example.test", f"Subscriber {i}", "Lisboa" if i % 2 else "Zürich"])
PYEOF
}

# write_conf URL [extra lines for [smtp]...]: mailer.conf in $W.
write_conf() {
	url=$1
	shift
	{
		printf '[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\n'
		printf 'list_id = career-notes.example.test\nsubscribers = subscribers.csv\n'
		printf '[smtp]\nurl = %s\n' "$url"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$W/mailer.conf"
	chmod 600 "$W/mailer.conf"
}

# start_sink PORT DUMPDIR [more smtp-sink options]: smtp-sink writing one file per message.
start_sink() {
	port=$1
	dump=$2
	shift 2
	[ -x /usr/sbin/smtp-sink ] || fail "/usr/sbin/smtp-sink is not installed (apt-get install postfix)"
	mkdir -p "$dump"
	chmod 777 "$dump"
	user=""
	[ "$(id -u)" = 0 ] && user="-u nobody"
	# shellcheck disable=SC2086
	/usr/sbin/smtp-sink $user -m 512 "$@" -d "$dump/%H%M%S." "127.0.0.1:$port" 1024 &
	SINK_PID=$!
	SERVER_PIDS="$SERVER_PIDS $SINK_PID"
	wait_port "$port"
}

# state_count STATE: deliveries of the campaign in that state.
state_count() {
	"$PY" - "$W/state.db" "$CAMPAIGN" "$1" <<'PYEOF'
import sqlite3, sys
names = {"sending": 1, "sent": 2, "deferred": 3, "failed": 4, "unknown": 5}
db = sqlite3.connect(sys.argv[1])
print(db.execute("select count(*) from deliveries where campaign=? and state=?",
                 (sys.argv[2], names[sys.argv[3]])).fetchone()[0])
PYEOF
}

# hold_lock LOCKFILE AGE_SECONDS: a process that holds LOCKFILE as a mailer would, its record saying
# it took it AGE seconds ago (WHAT "send"); sets HOLDER, which the trap stops.  release_lock ends it.
hold_lock() {
	rm -f "$W/holder.ready"
	"$PY" - "$1" "$W/holder.ready" "$2" <<'PYEOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
os.write(fd, f"{os.getpid()} {int(time.time()) - int(sys.argv[3])} send\n".encode())
open(sys.argv[2], "w").close()
time.sleep(60)
PYEOF
	HOLDER=$!
	SERVER_PIDS="$SERVER_PIDS $HOLDER"
	i=0
	while [ ! -e "$W/holder.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -e "$W/holder.ready" ] || fail "the lock holder did not start"
}
release_lock() {
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
}
