#!/bin/sh
# collect_imap.sh - `mailer collect` end to end against a real Dovecot IMAP server (issue 4).
#
# Starts Dovecot on free loopback ports with a temporary base_dir, a passwd-file user served by an
# unprivileged system user (created if missing: Dovecot will not serve mail as root), a test CA and a
# server certificate.  Replies of every shape (tests/lib/collect_fixture.c) are delivered into its
# Maildir, and then:
#   1. collecting over IMAP (STARTTLS, certificate checked against the test CA) records exactly what
#      collecting the same files as a Maildir records: classes, matches, answers, suppressions, bounces;
#   2. a second run fetches and adds nothing (UID cursor; the content hash would catch the rest);
#   3. without the test CA the certificate is refused (exit 78) and nothing is recorded; imaps:// works;
#   4. with after = move:Processed every message ends up in Processed and INBOX is empty;
#   5. messages delivered later are the only ones fetched by the next run; after = seen flags them;
#   6. on a server without MOVE the move is COPY + \Deleted + UID EXPUNGE (UIDPLUS) of just those
#      UIDs, and without UIDPLUS the originals are only marked \Deleted, never purged.
# Needs MAILER, BUILD and SRC (set by CTest).  Every server started here is stopped by its PID.
set -eu
. "$(dirname "$0")/dovecot_lib.sh" # for dovecot_config and make_test_certs

: "${MAILER:?}" "${BUILD:?}" "${SRC:?}"
FIXTURE="$BUILD/tests/collect_fixture"
ARTICLE="$SRC/articles/2026-11-job-or-career.md"
N=33 # three of each of the eleven shapes

TMP=$(mktemp -d /tmp/collect-imap.XXXXXX)
DOVECOT_PID=
cleanup() {
	if [ -n "$DOVECOT_PID" ] && kill -0 "$DOVECOT_PID" 2>/dev/null; then
		kill "$DOVECOT_PID"
		i=0
		while kill -0 "$DOVECOT_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$DOVECOT_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	[ -f "$TMP/dovecot.log" ] && tail -20 "$TMP/dovecot.log" >&2
	exit 1
}

command -v dovecot >/dev/null || fail "dovecot is not installed"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed"

# An unprivileged user owns the mail.
if [ "$(id -u)" = 0 ]; then
	MAILUSER=mailtest
	# another test may create it at the same moment: only its absence afterwards is a failure
	id "$MAILUSER" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$MAILUSER" 2>/dev/null ||
		id "$MAILUSER" >/dev/null 2>&1 || fail "cannot create the user $MAILUSER"
else
	MAILUSER=$(id -un)
fi
MAILUID=$(id -u "$MAILUSER")
MAILGID=$(id -g "$MAILUSER")

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
PORT_TLS=$(free_port)
[ "$PORT" != "$PORT_TLS" ] || PORT_TLS=$(free_port)

# A test CA and a certificate for 127.0.0.1.
make_test_certs "$TMP"

PASSWORD="pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s:{PLAIN}%s\n' "$MAILUSER" "$PASSWORD" >"$TMP/passwd"
printf '%s\n' "$PASSWORD" >"$TMP/password"
chmod 600 "$TMP/password"
MAILDIR="$TMP/home/$MAILUSER/Maildir"
mkdir -p "$TMP/run" "$TMP/state" "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"

dovecot_config "$TMP" "$MAILUID" "$MAILGID" "$PORT" "$PORT_TLS" "$TMP/server.pem" "$TMP/server.key" >"$TMP/dovecot.conf"

# The state: one campaign with N sent deliveries, and one reply per subscriber (every shape).
"$FIXTURE" "$TMP/seed.db" "$ARTICLE" "$TMP/replies" "$N" || fail "fixture"
for s in maildir imap notrust move seen; do
	sqlite3 "$TMP/seed.db" ".backup '$TMP/$s.db'" || fail "copying the state"
done
cp "$TMP/replies/new/"* "$MAILDIR/new/"
chown -R "$MAILUID:$MAILGID" "$TMP/home"
chmod 755 "$TMP" "$TMP/home"

conf() { # conf NAME URL AFTER CA
	{
		printf '[newsletter]\nstate = %s.db\nfrom = Career Notes <news@news.example.test>\n' "$1"
		printf 'reply_to = replies@news.example.test\n'
		if [ -n "$4" ]; then printf '[smtp]\nca_file = %s\n' "$4"; fi
		printf '[inbox]\nurl = %s\nuser = %s\npassword_cmd = cat %s/password\nafter = %s\n' \
			"$2" "$MAILUSER" "$TMP" "$3"
	} >"$TMP/$1.conf"
}
conf maildir "maildir:$TMP/replies" keep ""
conf imap "imap://127.0.0.1:$PORT/INBOX" keep "$TMP/ca.pem"
conf notrust "imap://127.0.0.1:$PORT/INBOX" keep ""
conf imaps "imaps://127.0.0.1:$PORT_TLS/INBOX" keep "$TMP/ca.pem"
conf move "imap://127.0.0.1:$PORT/INBOX" move:Processed "$TMP/ca.pem"
conf seen "imap://127.0.0.1:$PORT/INBOX" seen "$TMP/ca.pem"
sed -i "s/^state = imaps.db/state = imap.db/" "$TMP/imaps.conf"

run_dovecot() {
	dovecot -F -c "$1" &
	DOVECOT_PID=$!
	i=0
	until /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "dovecot did not start"
		kill -0 "$DOVECOT_PID" 2>/dev/null || fail "dovecot exited"
		sleep 0.1
	done
}
stop_dovecot() {
	kill "$DOVECOT_PID"
	i=0
	while kill -0 "$DOVECOT_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$DOVECOT_PID" 2>/dev/null && fail "dovecot did not stop"
	DOVECOT_PID=
	# its port is free again before the next start
	i=0
	while /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null &&
		[ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
run_dovecot "$TMP/dovecot.conf"

count() { sqlite3 "$TMP/$1.db" "$2"; }
# What a collection decided, without where the message came from.
digest() {
	sqlite3 "$TMP/$1.db" "
	  SELECT 'in', message_id, class, match, ifnull(campaign,''), ifnull(email,''), ifnull(from_address,''),
	         subject, reason, answers FROM inbound ORDER BY message_id;
	  SELECT 'ans', campaign, email, question, readable, ifnull(value,''), raw, match FROM answers
	         ORDER BY campaign, email, question;
	  SELECT 'sup', email, reason FROM suppressions ORDER BY email;
	  SELECT 'bnc', campaign, email, status, hard FROM bounces ORDER BY email;"
}

cd "$TMP"
# 1. Maildir and IMAP record the same.
"$MAILER" -c maildir.conf collect || fail "collect from the Maildir"
"$MAILER" -c imap.conf collect || fail "collect over IMAP"
digest maildir >"$TMP/maildir.txt"
digest imap >"$TMP/imap.txt"
diff -u "$TMP/maildir.txt" "$TMP/imap.txt" || fail "IMAP and Maildir collections differ"
[ "$(count imap 'SELECT count(*) FROM inbound')" = "$N" ] || fail "not every message recorded"
[ "$(count imap "SELECT count(*) FROM inbound WHERE source = 'imap://127.0.0.1/INBOX' AND location GLOB '*:*'")" = "$N" ] ||
	fail "IMAP source/location not recorded"
# the expected classes: 7 shapes are replies, one each unsubscribe, bounce, auto-reply, stranger
[ "$(count imap 'SELECT group_concat(class || "=" || n) FROM (SELECT class, count(*) n FROM inbound GROUP BY class)')" = \
	"1=21,2=3,3=3,5=3,6=3" ] || fail "classes: $(count imap 'SELECT class, count(*) FROM inbound GROUP BY class')"
[ "$(count imap 'SELECT count(*) FROM answers WHERE readable = 1')" = 75 ] || fail "answers: $(count imap 'SELECT count(*) FROM answers')"
[ "$(count imap "SELECT value FROM answers WHERE email = 'reader4@example.test' AND question = 'change'")" = \
	"Moins de réunions – vraiment" ] || fail "Windows-1252 quoted-printable answer"
[ "$(count imap "SELECT match FROM inbound WHERE email = 'reader4@example.test'")" = 2 ] || fail "From-only match"
[ "$(count imap "SELECT value FROM answers WHERE email = 'reader1@example.test' AND question = 'work'")" = job ] ||
	fail "Outlook HTML answer"
[ "$(count imap 'SELECT count(*) FROM suppressions')" = 6 ] || fail "suppressions"

# 2. A second run adds nothing (and fetches nothing: the cursor is at the last UID).
cp "$TMP/imap.db" "$TMP/imap-before.db"
"$MAILER" -c imap.conf collect || fail "second IMAP run"
digest imap >"$TMP/imap2.txt"
diff -u "$TMP/imap.txt" "$TMP/imap2.txt" || fail "the second run changed the state"

# 3. An untrusted certificate is refused before the password is sent; imaps:// with the CA works.
set +e
"$MAILER" -c notrust.conf collect 2>"$TMP/notrust.err"
rc=$?
set -e
[ $rc = 78 ] || fail "untrusted certificate: exit $rc, want 78"
grep -q "not trusted" "$TMP/notrust.err" || fail "untrusted certificate: $(cat "$TMP/notrust.err")"
[ "$(count notrust 'SELECT count(*) FROM inbound')" = 0 ] || fail "recorded without a trusted server"
"$MAILER" -c imaps.conf collect || fail "collect over imaps://"

# 4. after = move:Processed moves every message once it is recorded.
"$MAILER" -c move.conf collect || fail "collect with move"
digest move >"$TMP/move.txt"
diff -u "$TMP/maildir.txt" "$TMP/move.txt" || fail "the moving collection differs"
inbox_left=$(find "$MAILDIR/new" "$MAILDIR/cur" -type f | wc -l)
moved=$(find "$MAILDIR/.Processed/new" "$MAILDIR/.Processed/cur" -type f 2>/dev/null | wc -l)
[ "$inbox_left" = 0 ] || fail "$inbox_left messages left in INBOX after move"
[ "$moved" = "$N" ] || fail "$moved messages in Processed, want $N"

# 5. Later mail: only the new messages are fetched.
"$FIXTURE" "$TMP/late.db" "$ARTICLE" "$TMP/late" 3 || fail "fixture (late)"
for f in "$TMP/late/new/"*; do cp "$f" "$MAILDIR/new/late-$(basename "$f")"; done
chown -R "$MAILUID:$MAILGID" "$MAILDIR"
before=$(count imap 'SELECT count(*) FROM inbound')
# after = seen: recorded, then flagged \Seen (Dovecot keeps the flag in the file name), never moved
"$MAILER" -c seen.conf collect || fail "collect with seen"
[ "$(count seen 'SELECT count(*) FROM inbound')" = 3 ] || fail "after = seen: $(count seen 'SELECT count(*) FROM inbound') records"
seen=$(find "$MAILDIR/cur" -type f -name '*:2,*S*' | wc -l)
[ "$seen" = 3 ] || fail "after = seen: $seen messages flagged \\Seen, want 3"
"$MAILER" -c imap.conf collect || fail "collect of the late mail"
after=$(count imap 'SELECT count(*) FROM inbound')
[ $((after - before)) = 3 ] || fail "late mail: $((after - before)) new records, want 3"
# they come from another state's campaign secret: strangers or From matches, never token matches
[ "$(count imap "SELECT count(*) FROM inbound WHERE id > $before AND match = 1")" = 0 ] || fail "foreign tokens matched"

# 6. A server without MOVE: UID COPY, \Deleted and UID EXPUNGE of just those UIDs (UIDPLUS); and
#    without UIDPLUS either: copied and only marked \Deleted, never purged.
deliver_late() { # deliver_late TAG COUNT
	"$FIXTURE" "$TMP/$1-seed.db" "$ARTICLE" "$TMP/$1" "$2" || fail "fixture ($1)"
	for f in "$TMP/$1/new/"*; do cp "$f" "$MAILDIR/new/$1-$(basename "$f")"; done
	chown -R "$MAILUID:$MAILGID" "$MAILDIR"
}
in_processed() { find "$MAILDIR/.Processed/new" "$MAILDIR/.Processed/cur" -type f | wc -l; }
for variant in uidplus plain; do
	stop_dovecot
	caps="IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE"
	[ $variant = uidplus ] && caps="$caps UIDPLUS"
	{ cat "$TMP/dovecot.conf"; printf 'imap_capability = %s\n' "$caps"; } >"$TMP/dovecot-$variant.conf"
	run_dovecot "$TMP/dovecot-$variant.conf"
	sqlite3 "$TMP/seed.db" ".backup '$TMP/move-$variant.db'"
	sed "s/^state = move.db/state = move-$variant.db/" "$TMP/move.conf" >"$TMP/move-$variant.conf"
	# what is in INBOX now (flagged or not) plus two new messages
	rm -f "$MAILDIR/cur/"*
	deliver_late "late-$variant" 2
	before=$(in_processed)
	"$MAILER" -c "move-$variant.conf" collect || fail "collect with move ($variant)"
	[ "$(count "move-$variant" 'SELECT count(*) FROM inbound')" = 2 ] || fail "move ($variant): not 2 records"
	[ $(($(in_processed) - before)) = 2 ] || fail "move ($variant): $(($(in_processed) - before)) copied, want 2"
	left=$(find "$MAILDIR/new" "$MAILDIR/cur" -type f | wc -l)
	if [ $variant = uidplus ]; then
		[ "$left" = 0 ] || fail "move with UIDPLUS: $left left in INBOX, want 0 (expunged)"
	else
		deleted=$(find "$MAILDIR/cur" -type f -name '*:2,*T*' | wc -l)
		[ "$left" = 2 ] && [ "$deleted" = 2 ] ||
			fail "move without UIDPLUS: $left left, $deleted marked \\Deleted; want both kept and marked"
	fi
done

echo "collect_imap: ok ($N messages; IMAP = Maildir; second run adds nothing; TLS verified; move:Processed" \
	"with MOVE, with UIDPLUS, and marking only; seen; late mail)"
