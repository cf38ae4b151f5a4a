#!/bin/sh
# collect_imap_faults.sh - collect never hangs on a failing IMAP server (issue 15), end to end.
#
# A real Dovecot on loopback holds 440 replies of every shape (collect_fixture), four 1 MB messages
# and one of 26 MB.  mailer reaches it through tests/e2e/fault_proxy.py, which cuts or stalls the
# connection after N bytes from the server, for several N (during the login, in the middle of the
# small messages, in the middle of a 1 MB literal), and then refuses new connections (the server
# is gone).  With [inbox] timeout = 4:
#   - every collect (and one `mailer run`) ends within twice the timeout, exit 69, with one line on
#     stderr saying what failed and that it gave up; the lock is free afterwards;
#   - the next collect, straight to Dovecot (the server is back), exits 0 and every message is
#     recorded exactly once, the 26 MB one as unreadable from its RFC822.SIZE alone, never fetched;
#   - a fault that passes (cut once, then the server answers again; also in the greeting) is
#     survived by reconnecting: exit 0, every message once, the cursor where it should be;
#   - over STARTTLS and imaps, where libetpan's TLS read waits afresh for each partial record, a
#     server that trickles a byte every 0.5 s is not waited for beyond the step's deadline.
# Needs MAILER, BUILD and SRC (set by CTest).  Every server and proxy is stopped by its PID.
. "$(dirname "$0")/send_lib.sh"
. "$(dirname "$0")/dovecot_lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed"
FIXTURE="$BUILD/tests/collect_fixture"
TIMEOUT=4
N=440

start_dovecot "$W/dovecot"
"$FIXTURE" "$W/seed.db" "$ARTICLE" "$W/replies" "$N" >/dev/null || fail "collect_fixture"
"$PY" - "$W/replies/new" <<'PYEOF' || fail "cannot write the large messages"
import os, sys
box = sys.argv[1]
def write(name, size, tag):
    line = ("%s " % tag + "lorem ipsum dolor sit amet " * 3)[:76] + "\r\n"
    with open(os.path.join(box, name), "w", newline="") as f:
        f.write("From: Someone <someone@elsewhere.test>\r\nTo: replies@news.example.test\r\n"
                "Subject: a long letter %s\r\nMessage-ID: <%s@elsewhere.test>\r\n"
                "Date: Wed, 02 Dec 2026 08:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n" % (tag, tag))
        f.write(line * (size // len(line)))
for i in range(4):
    write("big-%d" % i, 1 << 20, "big%d" % i)
write("huge", 26 << 20, "huge")
PYEOF
deliver_to_dovecot "$W/replies/new/"*
TOTAL=$((N + 5))
mkdir -p "$W/subscribers"
printf 'email,name\n' >"$W/subscribers/subscribers.csv" # for `mailer run`, which sends first

# conf NAME PORT [SCHEME CA]: NAME.conf (imap:// to PORT unless SCHEME says imaps, the CA trusted),
# with the state NAME.db copied from the seed; NAME-direct.conf reaches Dovecot without the proxy.
conf() {
	sqlite3 "$W/seed.db" ".backup '$W/$1.db'" || fail "copying the state"
	{
		printf '[newsletter]\nstate = %s.db\nfrom = Career Notes <news@news.example.test>\n' "$1"
		printf 'reply_to = replies@news.example.test\n'
		if [ -n "${4:-}" ]; then printf '[smtp]\nca_file = %s\n' "$4"; fi
		printf '[inbox]\nurl = %s://127.0.0.1:%s/INBOX\nuser = %s\npassword_cmd = cat %s\ntimeout = %s\n' \
			"${3:-imap}" "$2" "$IMAP_USER" "$IMAP_PASSWORD_FILE" "$TIMEOUT"
	} >"$W/$1.conf"
	# the same state through Dovecot directly, for "after the server is back"
	sed "s|url = .*|url = imap://127.0.0.1:$IMAP_PORT/INBOX|" "$W/$1.conf" >"$W/$1-direct.conf"
}

# ends_in_time NAME FAULT VERB [CREDIT_BYTES]: runs `mailer VERB` with NAME.conf; it must exit 69
# within twice the timeout (plus the time CREDIT_BYTES take at 64 KiB/s: the bytes a step received
# before a trickle move its deadline, as README says), saying on at most two lines that it gave up,
# and leave the lock free.
ends_in_time() {
	limit_ms=$((2 * TIMEOUT * 1000 + ${4:-0} * 1000 / 65536))
	t0=$(now_ms)
	rc=0
	(cd "$W" && timeout -s KILL 120 "$MAILER" -c "$1.conf" $3 >"$W/$1.out" 2>"$W/$1.err") || rc=$?
	t1=$(now_ms)
	ms=$((t1 - t0))
	echo "$2 ($3): exit $rc after $ms ms: $(head -c 300 "$W/$1.err")"
	[ "$rc" = 69 ] || fail "$2: $3 exited $rc, not 69: $(cat "$W/$1.err")"
	[ "$ms" -lt "$limit_ms" ] || fail "$2: $3 took $ms ms, over $limit_ms ms"
	grep -q "gave up after 3 attempts to reconnect" "$W/$1.err" ||
		fail "$2: stderr does not say that collect gave up: $(cat "$W/$1.err")"
	[ "$(wc -l <"$W/$1.err")" -le 2 ] || fail "$2: more than two lines on stderr: $(cat "$W/$1.err")"
	(cd "$W" && "$MAILER" -c "$1.conf" status) >"$W/$1.status" 2>&1 || true
	grep -q '^Lock: free' "$W/$1.status" || fail "$2: the lock is not free: $(cat "$W/$1.status")"
}

PROXY_PID=
# proxy MODE BYTES [UPSTREAM_PORT]: starts fault_proxy.py (to Dovecot's IMAP_PORT); sets PROXY_PORT.
proxy() { # proxy MODE BYTES [UPSTREAM_PORT]
	rm -f "$W/proxy.port" "$W/proxy.port.bytes"
	"$PY" "$SRC/tests/e2e/fault_proxy.py" "$W/proxy.port" "${3:-$IMAP_PORT}" "$1" "$2" &
	PROXY_PID=$!
	SERVER_PIDS="$SERVER_PIDS $PROXY_PID"
	i=0
	while [ ! -s "$W/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$W/proxy.port" ] || fail "the proxy did not start"
	PROXY_PORT=$(cat "$W/proxy.port")
}
stop_proxy() {
	kill "$PROXY_PID" 2>/dev/null || true
	wait "$PROXY_PID" 2>/dev/null || true
}
now_ms() { "$PY" -c 'import time; print(int(time.monotonic() * 1000))'; }

# exactly_once NAME: every message in the mailbox recorded once, the huge one unreadable by size.
exactly_once() {
	got=$(sqlite3 "$W/$1.db" "SELECT COUNT(*), COUNT(DISTINCT location) FROM inbound WHERE source LIKE 'imap:%'")
	[ "$got" = "$TOTAL|$TOTAL" ] || fail "$1: $got messages recorded (all, distinct places), want $TOTAL|$TOTAL"
	huge=$(sqlite3 "$W/$1.db" "SELECT COUNT(*) FROM inbound WHERE reason LIKE '%over the bound%not fetched%'")
	[ "$huge" = 1 ] || fail "$1: the 26 MB message is not recorded unreadable by its size ($huge)"
}

# A fault that lasts: for each (mode, bytes), the collect ends in time with exit 69.
case_n=0
for fault in "cut 2000" "cut 150000" "stall 150000" "cut 1500000" "stall 3000000"; do
	set -- $fault
	case_n=$((case_n + 1))
	name="f$case_n"
	proxy "$1" "$2"
	conf "$name" "$PROXY_PORT"
	verb=collect
	[ "$case_n" = 3 ] && verb=run # once under `mailer run`, as cron runs it
	ends_in_time "$name" "$fault" $verb
	stop_proxy
	# the server is back: everything, exactly once
	(cd "$W" && timeout -s KILL 120 "$MAILER" -c "$name-direct.conf" collect >/dev/null 2>"$W/$name.err2") ||
		fail "$fault: the collect after the server came back failed: $(cat "$W/$name.err2")"
	exactly_once "$name"
done

# A fault that passes in the first session (in the middle of the greeting): it is opened again.
proxy cut-once 60
conf greeting "$PROXY_PORT"
(cd "$W" && timeout -s KILL 120 "$MAILER" -c greeting.conf collect >"$W/greeting.out" 2>"$W/greeting.err") ||
	fail "a drop during the greeting: collect exited $?: $(cat "$W/greeting.err")"
exactly_once greeting
stop_proxy

# A fault that passes: reconnect and finish.
proxy cut-once 1500000
conf passing "$PROXY_PORT"
(cd "$W" && timeout -s KILL 120 "$MAILER" -c passing.conf collect >"$W/passing.out" 2>"$W/passing.err") ||
	fail "a passing fault: collect exited $?: $(cat "$W/passing.err")"
exactly_once passing
relayed=$(cat "$W/proxy.port.bytes")
stop_proxy
# nothing was fetched twice beyond the batch the cut interrupted, and the 26 MB message never
[ "$relayed" -lt $((16 * 1024 * 1024)) ] || fail "a passing fault: $relayed bytes relayed: the huge message was fetched?"
cursor=$(sqlite3 "$W/passing.db" "SELECT last_uid FROM cursors")
[ "$cursor" = "$TOTAL" ] || fail "a passing fault: the cursor is at UID $cursor, not $TOTAL"
# and a second collect finds nothing new
(cd "$W" && "$MAILER" -c passing-direct.conf collect >/dev/null 2>&1) || fail "the second collect failed"
exactly_once passing

# Over TLS, where libetpan's read waits afresh for each partial record: a server that trickles a
# byte every half second (never idle for the timeout) during the login, during the small messages
# and inside a 1 MB literal, over STARTTLS and over imaps://; a stall and a cut over imaps.  Each
# collect still ends in time.
start_dovecot "$W/dovecot-tls" tls
deliver_to_dovecot "$W/replies/new/"*
tls_n=0
for fault in "trickle 4000 imap" "trickle 4000 imaps" "trickle 150000 imap" "trickle 1500000 imaps" "stall 150000 imaps" "cut 4000 imaps"; do
	set -- $fault
	tls_n=$((tls_n + 1))
	name="t$tls_n"
	port=$IMAP_PORT
	[ "$3" = imaps ] && port=$IMAP_TLS_PORT
	proxy "$1" "$2" "$port"
	conf "$name" "$PROXY_PORT" "$3" "$IMAP_CA"
	credit=0
	[ "$1" = trickle ] && credit=$2
	ends_in_time "$name" "$fault" collect "$credit"
	stop_proxy
	(cd "$W" && timeout -s KILL 120 "$MAILER" -c "$name-direct.conf" collect >/dev/null 2>"$W/$name.err2") ||
		fail "$fault: the collect after the server came back failed: $(cat "$W/$name.err2")"
	exactly_once "$name"
done
echo "collect_imap_faults: $case_n lasting faults, two passing faults and $tls_n over TLS; each collect ended in time"
