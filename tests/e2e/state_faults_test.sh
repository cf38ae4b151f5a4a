#!/usr/bin/env bash
# state_faults_test.sh HELPER - faults of the state database (issue 7, "State faults"): locked by
# another process, read-only, full, corrupt, and a run killed mid-write.  Each must give a clear
# error (the file named, the cause said) and the documented code - NL_ERR_LOCKED (15, `mailer`
# exit 75) or NL_ERR_STATE (14, exit 74) - leave nothing half-written, and the next run must carry
# on from the last commit.  HELPER is state_faults_helper (the store API, as the sender uses it);
# `mailer status` ($MAILER) is run on the same files to check the tool's message and exit code.
#
# The read-only and full cases mount small tmpfs file systems (root's file modes do not stop root
# from writing).  If mounting is not permitted here, those two print SKIP and the test exits 77
# (CTest: skipped) after running everything else; a failure anywhere still fails the test.
set -u
helper=${1:?usage: state_faults_test.sh HELPER}
mailer=${MAILER:?MAILER must name the mailer binary}
command -v sqlite3 >/dev/null || { echo "FAIL: the sqlite3 command-line tool is needed"; exit 1; }

work=$(mktemp -d /tmp/nl-state-faults.XXXXXX)
holder=
mounts=()
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

failures=0
skipped=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# expect NAME CODE PATTERN CMD...: runs CMD, wants exit CODE and PATTERN (ERE) in its output.
expect() {
	local name=$1 code=$2 pattern=$3
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$code" ]; then
		fail "$name: exit $rc, wanted $code; output: $out"
	elif ! grep -Eq -- "$pattern" <<<"$out"; then
		fail "$name: output lacks /$pattern/: $out"
	else
		pass "$name (exit $rc: $(head -1 <<<"$out"))"
	fi
}
# count DB: "total=N" of campaign c1, or the helper's error.
count() { "$helper" count "$1" 2>&1 | sed -n 's/.*total=\([0-9]*\).*/\1/p'; }
integrity() { sqlite3 "$1" "PRAGMA integrity_check" 2>&1; }
digest() { sha256sum "$1" | cut -d' ' -f1; }
conf() { # conf DB: a configuration whose state is DB
	printf '[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\nstate = %s\n' "$1" \
		>"$work/mailer-$(basename "$1").conf"
	echo "$work/mailer-$(basename "$1").conf"
}
can_mount() {
	mkdir -p "$work/probe" && mount -t tmpfs -o size=64k tmpfs "$work/probe" 2>/dev/null && umount "$work/probe"
}

# ---- locked: another process holds a write transaction ----
db=$work/locked.db
"$helper" write "$db" 0 100 >/dev/null || fail "locked: setup"
fifo=$work/holder.fifo
mkfifo "$fifo"
sqlite3 "$db" <"$fifo" >/dev/null 2>&1 &
holder=$!
exec 9>"$fifo"
echo "BEGIN EXCLUSIVE; UPDATE deliveries SET attempts = attempts + 1;" >&9
for _ in $(seq 50); do # until the holder has the lock (bounded: 5 s)
	sqlite3 -cmd ".timeout 0" "$db" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1 || break
	sleep 0.1
done
start=$(date +%s)
expect "locked: a write waits out the busy timeout, then NL_ERR_LOCKED" 15 \
	"$db.*another mailer process holds the state" "$helper" write "$db" 100 10
waited=$(($(date +%s) - start))
[ "$waited" -ge 4 ] || fail "locked: gave up after ${waited}s, before the busy timeout"
expect "locked: mailer status still reads (WAL readers are not blocked)" 0 "c1" "$mailer" -c "$(conf "$db")" status
echo "ROLLBACK;" >&9
exec 9>&-
wait "$holder"
holder=
[ "$(count "$db")" = 100 ] && pass "locked: nothing half-written (100 deliveries)" || fail "locked: count $(count "$db")"
expect "locked: the next run goes on" 0 "" "$helper" write "$db" 100 10
[ "$(count "$db")" = 110 ] || fail "locked: after the next run, count $(count "$db")"

# ---- corrupt ----
db=$work/garbage.db
head -c 8192 /dev/urandom >"$db"
before=$(digest "$db")
expect "corrupt: random bytes" 14 "$db.*not a mailer state database, or it is corrupt" "$helper" open "$db"
expect "corrupt: mailer status says so, exit 74" 74 "garbage.db.*corrupt" "$mailer" -c "$(conf "$db")" status
[ "$(digest "$db")" = "$before" ] && pass "corrupt: random file untouched" || fail "corrupt: the random file was modified"

db=$work/text.db
printf 'email,name\nana@example.test,Ana\n' >"$db"
before=$(digest "$db")
expect "corrupt: a CSV given as the state" 14 "text.db.*not a mailer state database" "$helper" open "$db"
[ "$(digest "$db")" = "$before" ] && pass "corrupt: the CSV untouched" || fail "corrupt: the CSV was modified"

db=$work/foreign.db
sqlite3 "$db" "CREATE TABLE notes(x); INSERT INTO notes VALUES ('keep me');"
before=$(digest "$db")
expect "corrupt: another program's SQLite database" 14 "foreign.db.*not a mailer state database" "$helper" open "$db"
[ "$(digest "$db")" = "$before" ] && pass "corrupt: the foreign database untouched" ||
	fail "corrupt: the foreign database was modified ($(sqlite3 "$db" .tables | tr -s ' \n' ' '))"

db=$work/pages.db
"$helper" write "$db" 0 300 >/dev/null || fail "corrupt: setup"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
size=$(stat -c %s "$db")
head -c $((size - 4096)) /dev/urandom | dd of="$db" bs=4096 seek=1 conv=notrunc status=none
before=$(digest "$db")
expect "corrupt: damaged pages" 14 "pages.db.*(corrupt|malformed)" "$helper" count "$db"
expect "corrupt: mailer status on damaged pages, exit 74" 74 "pages.db" "$mailer" -c "$(conf "$db")" status
[ "$(digest "$db")" = "$before" ] && pass "corrupt: damaged file not written to" || fail "corrupt: damaged file modified"

db=$work/truncated.db
"$helper" write "$db" 0 300 >/dev/null || fail "corrupt: setup"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
truncate -s $(($(stat -c %s "$db") / 2)) "$db"
expect "corrupt: truncated file" 14 "truncated.db: the state is cut short" "$helper" count "$db"
expect "corrupt: mailer status on a truncated file, exit 74" 74 "truncated.db: the state is cut short" \
	"$mailer" -c "$(conf "$db")" status

# ---- empty: a 0-byte state is damaged, not new (a new secret would mail everyone again) ----
db=$work/empty.db
: >"$db"
expect "empty: a 0-byte state is refused" 14 "empty.db: the state is empty \(0 bytes\): damaged, not new" \
	"$helper" open "$db"
expect "empty: mailer status refuses it, exit 74" 74 "empty.db: the state is empty" "$mailer" -c "$(conf "$db")" status
[ "$(stat -c %s "$db")" = 0 ] && pass "empty: left as it was" || fail "empty: the 0-byte state was written to"

db=$work/newer.db
"$helper" open "$db" >/dev/null || fail "corrupt: setup"
sqlite3 "$db" "PRAGMA user_version = 99;"
expect "corrupt: a newer schema" 14 "newer.db: schema version 99 is newer" "$helper" open "$db"

# ---- interrupted: killed in the middle of a transaction, and after a commit ----
db=$work/killed.db
"$helper" write "$db" 0 100 >/dev/null || fail "interrupted: setup"
"$helper" kill-mid "$db" 100 500 >/dev/null 2>&1
rc=$?
[ $rc = 137 ] || fail "interrupted: kill-mid exited $rc, not killed"
[ "$(count "$db")" = 100 ] && pass "interrupted: the uncommitted transaction is gone (100 deliveries)" ||
	fail "interrupted: count after a kill mid-transaction: $(count "$db")"
[ "$(integrity "$db")" = ok ] && pass "interrupted: integrity ok" || fail "interrupted: $(integrity "$db")"
"$helper" kill-after "$db" 100 300 >/dev/null 2>&1
[ -s "$db-wal" ] || fail "interrupted: no WAL left by the killed writer"
cp "$db" "$work/torn.db" && cp "$db-wal" "$work/torn.db-wal"
[ "$(count "$db")" = 400 ] && pass "interrupted: a commit survives the kill (400 deliveries)" ||
	fail "interrupted: count after kill-after: $(count "$db")"
# The WAL torn in the middle of the last commit's frames (a crash while writing it): the commit is
# all there or all gone, never partly.
walsize=$(stat -c %s "$work/torn.db-wal")
for cut in 100 $((walsize / 2)) $((walsize - 4200)); do
	cp "$work/torn.db" "$work/cut.db" && head -c "$cut" "$work/torn.db-wal" >"$work/cut.db-wal"
	rm -f "$work/cut.db-shm"
	n=$(count "$work/cut.db")
	if [ "$n" = 100 ] || [ "$n" = 400 ]; then
		pass "interrupted: WAL cut at $cut of $walsize bytes -> $n deliveries, whole transactions only"
	else
		fail "interrupted: WAL cut at $cut -> count '$n'"
	fi
	[ "$(integrity "$work/cut.db")" = ok ] || fail "interrupted: cut at $cut: $(integrity "$work/cut.db")"
	expect "interrupted: the next run after the cut goes on" 0 "" "$helper" write "$work/cut.db" 1000 10
done

# ---- full: ulimit -f (no mount needed), then a full tmpfs ----
db=$work/ulimit.db
"$helper" write "$db" 0 20 >/dev/null || fail "full: setup"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
limit_kb=$((($(stat -c %s "$db") + 4096) / 1024))
out=$( (trap '' XFSZ; ulimit -f "$limit_kb"; "$helper" write "$db" 20 5000 50) 2>&1)
rc=$?
if [ $rc = 14 ] && grep -q "ulimit.db" <<<"$out"; then
	pass "full: file size limit -> NL_ERR_STATE ($out)"
else
	fail "full: file size limit: exit $rc, $out"
fi
n=$(count "$db")
[ $(((n - 20) % 50)) = 0 ] && pass "full: whole transactions only ($n deliveries)" || fail "full: count $n is not 20 + 50k"
[ "$(integrity "$db")" = ok ] || fail "full: $(integrity "$db")"

if can_mount; then
	mnt=$work/full
	mkdir -p "$mnt" && mount -t tmpfs -o size=1m tmpfs "$mnt" && mounts+=("$mnt")
	db=$mnt/state.db
	"$helper" write "$db" 0 20 >/dev/null || fail "full: setup on tmpfs"
	# The disk fills while the state is in use: a reader keeps the WAL and its index open (as a
	# running `mailer` does), then a writer runs out of space in the middle of its batches.
	mkfifo "$work/reader.fifo"
	sqlite3 "$db" <"$work/reader.fifo" >/dev/null 2>&1 &
	holder=$!
	exec 9>"$work/reader.fifo"
	echo "SELECT count(*) FROM deliveries;" >&9
	sleep 0.2
	dd if=/dev/zero of="$mnt/filler" bs=4k status=none 2>/dev/null
	expect "full: the disk fills during a run -> NL_ERR_STATE, 'disk is full'" 14 \
		"state.db.*(disk is full|No space)" "$helper" write "$db" 20 5000 50
	exec 9>&-
	wait "$holder"
	holder=
	expect "full: opening on a full disk -> NL_ERR_STATE naming the file" 14 "state.db" \
		"$helper" write "$db" 20 5000 50
	out=$("$mailer" -c "$(conf "$db")" status 2>&1)
	rc=$?
	if [ $rc = 0 ] || { [ $rc = 74 ] && grep -q "state.db" <<<"$out"; }; then
		pass "full: mailer status (exit $rc: $(head -1 <<<"$out"))"
	else
		fail "full: mailer status exit $rc: $out"
	fi
	rm -f "$mnt/filler"
	n=$(count "$db")
	[ $(((n - 20) % 50)) = 0 ] && pass "full: whole transactions only ($n deliveries)" || fail "full: count $n"
	[ "$(integrity "$db")" = ok ] || fail "full: $(integrity "$db")"
	expect "full: with space again the next run goes on" 0 "" "$helper" write "$db" 20 200 50

	mnt=$work/ro
	mkdir -p "$mnt" && mount -t tmpfs -o size=4m tmpfs "$mnt" && mounts+=("$mnt")
	db=$mnt/state.db
	"$helper" write "$db" 0 50 >/dev/null || fail "read-only: setup"
	mount -o remount,ro "$mnt" || fail "read-only: remount"
	expect "read-only: writing -> NL_ERR_STATE naming the cause" 14 "state.db.*(read-only|cannot open)" "$helper" write "$db" 50 10
	out=$("$mailer" -c "$(conf "$db")" status 2>&1)
	rc=$?
	if [ $rc = 0 ] || { [ $rc = 74 ] && grep -Eq "state.db.*(read-only|cannot open)" <<<"$out"; }; then
		pass "read-only: mailer status (exit $rc: $(head -1 <<<"$out"))"
	else
		fail "read-only: mailer status exit $rc: $out"
	fi
	mount -o remount,rw "$mnt"
	[ "$(count "$db")" = 50 ] && pass "read-only: nothing half-written (50)" || fail "read-only: count $(count "$db")"
else
	echo "SKIP: cannot mount a tmpfs here (no CAP_SYS_ADMIN): the full-disk and read-only cases did not run"
	skipped=1
fi

# ---- the same faults under `mailer send` (outbox transport: no server needed) ----
# site DIR N: an article, N subscribers, a configuration whose state is DIR/state/state.db and
# whose outbox is DIR/outbox.
site() {
	local d=$1 n=$2
	mkdir -p "$d/articles" "$d/state" "$d/outbox"
	cp "$SRC"/articles/*.md "$d/articles/"
	{ echo "email,name"; for i in $(seq 0 $((n - 1))); do echo "s$i@example.test,S $i"; done; } >"$d/subs.csv"
	printf '[newsletter]\nfrom = Career Notes <news@example.test>\nreply_to = replies@example.test\nlist_id = career.example.test\nstate = state/state.db\nsubscribers = subs.csv\ntemplates = %s/templates\n[smtp]\nurl = outbox:outbox\n' \
		"$SRC" >"$d/mailer.conf"
}
send() { (cd "$1" && "$mailer" -q -c mailer.conf send articles/*.md); }
sent_files() { find "$1/outbox" -type f -path '*/new/*' | wc -l; }
# per_address DIR: "address count" for every message in the outbox.
per_address() {
	find "$1/outbox" -type f -path '*/new/*' -exec grep -h -m1 -i '^To:' {} + |
		grep -o '[a-z0-9]*@example.test' | sort | uniq -c | awk '{print $2, $1}'
}

d=$work/send-corrupt
site "$d" 5
head -c 8192 /dev/urandom >"$d/state/state.db"
before=$(digest "$d/state/state.db")
expect "send: corrupt state -> exit 74 naming it" 74 "state.db.*corrupt" send "$d"
[ "$(sent_files "$d")" = 0 ] && pass "send: corrupt state -> nothing sent" || fail "send: corrupt state, $(sent_files "$d") sent"
[ "$(digest "$d/state/state.db")" = "$before" ] || fail "send: the corrupt state was modified"

d=$work/send-locked
site "$d" 5
"$helper" open "$d/state/state.db" >/dev/null || fail "send: locked setup"
fifo=$work/send-holder.fifo
mkfifo "$fifo"
sqlite3 "$d/state/state.db" <"$fifo" >/dev/null 2>&1 &
holder=$!
exec 9>"$fifo"
echo "BEGIN EXCLUSIVE; UPDATE meta SET value = value;" >&9
for _ in $(seq 50); do
	sqlite3 -cmd ".timeout 0" "$d/state/state.db" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1 || break
	sleep 0.1
done
expect "send: state locked by another process -> exit 75" 75 "state.db.*another mailer process" send "$d"
[ "$(sent_files "$d")" = 0 ] && pass "send: locked -> nothing sent" || fail "send: locked, $(sent_files "$d") sent"
echo "ROLLBACK;" >&9
exec 9>&-
wait "$holder"
holder=
expect "send: after the lock is gone, the run sends" 0 "" send "$d"
[ "$(sent_files "$d")" = 5 ] || fail "send: after the lock, $(sent_files "$d") sent, not 5"

if can_mount; then
	d=$work/send-ro
	site "$d" 5
	mount -t tmpfs -o size=4m tmpfs "$d/state" && mounts+=("$d/state")
	"$helper" open "$d/state/state.db" >/dev/null || fail "send: read-only setup"
	mount -o remount,ro "$d/state"
	expect "send: read-only state -> exit 74 naming it" 74 "state.db" send "$d"
	[ "$(sent_files "$d")" = 0 ] && pass "send: read-only state -> nothing sent" || fail "send: read-only, $(sent_files "$d") sent"

	# The state's disk fills in the middle of a run of 3,000: the run stops with exit 74, and once
	# there is room the next run sends the rest.  Every address gets exactly one message, except
	# those whose outcome the journal could not record (left `sending`: the documented maybe-sent
	# set), which get at most two.
	d=$work/send-full
	n=3000
	site "$d" $n
	mount -t tmpfs -o size=640k tmpfs "$d/state" && mounts+=("$d/state")
	out=$(send "$d" 2>&1)
	rc=$?
	first=$(sent_files "$d")
	if [ $rc = 74 ] && grep -q "state.db" <<<"$out"; then
		pass "send: the state's disk fills mid-run -> exit 74 after $first messages ($(grep state.db <<<"$out" | head -1))"
	else
		fail "send: full state disk: exit $rc after $first messages: $out"
	fi
	[ "$first" -lt $n ] || fail "send: the disk never filled (all $n sent): make the tmpfs smaller"
	maybe=$(sqlite3 "$d/state/state.db" "SELECT email FROM deliveries WHERE state IN (1, 5)" 2>/dev/null | sort)
	[ "$(integrity "$d/state/state.db")" = ok ] || fail "send: full: $(integrity "$d/state/state.db")"
	mount -o remount,size=64m "$d/state"
	expect "send: with room again the next run finishes" 0 "" send "$d"
	lost=0 dup=0 maybe_dup=0
	declare -A got=()
	while read -r a c; do got[$a]=$c; done < <(per_address "$d")
	for i in $(seq 0 $((n - 1))); do
		a=s$i@example.test
		c=${got[$a]:-0}
		if [ "$c" = 0 ]; then
			lost=$((lost + 1))
		elif [ "$c" -gt 1 ]; then
			if grep -qx "$a" <<<"$maybe" && [ "$c" = 2 ]; then maybe_dup=$((maybe_dup + 1)); else dup=$((dup + 1)); fi
		fi
	done
	echo "   $(sent_files "$d") messages for $n subscribers: $lost lost, $dup duplicated," \
		"$maybe_dup repeated from the $(grep -c . <<<"$maybe") left 'sending'"
	[ $lost = 0 ] && [ $dup = 0 ] && pass "send: full disk: none lost, none doubled outside the maybe-sent set" ||
		fail "send: full disk: $lost lost, $dup doubled"
else
	echo "SKIP: cannot mount a tmpfs here: the read-only and full-disk cases of mailer send did not run"
	skipped=1
fi

echo "state faults: $failures failure(s)"
[ $failures = 0 ] || exit 1
[ $skipped = 0 ] || exit 77
exit 0
