#!/bin/sh
# secrets.sh - issue 7's secrets: turning TLS verification off takes a loudly named value and the run
# says so on stderr every time; a password given in the environment or by password_cmd appears in no
# --help output, no error and no process's arguments while mailer runs.
. "$(dirname "$0")/send_lib.sh"

make_list "$W/subscribers.csv" 3
write_conf "outbox:outbox" "tls_verify = off"
set +e
(cd "$W" && "$MAILER" send "$ARTICLE" >"$W/out" 2>"$W/err")
rc=$?
set -e
[ $rc = 78 ] || fail "tls_verify = off was accepted (exit $rc); only the loud value may turn checks off"
grep -q 'off-i-know-what-i-am-doing' "$W/err" || fail "the error does not name the accepted value: $(cat "$W/err")"

write_conf "outbox:outbox" "tls_verify = off-i-know-what-i-am-doing"
for run in 1 2; do
	(cd "$W" && "$MAILER" send "$ARTICLE" >"$W/out" 2>"$W/err") || fail "send $run failed: $(cat "$W/err")"
	grep -qi 'certificates are NOT checked' "$W/err" || fail "run $run did not warn that TLS is not verified"
done

SECRET="s3cr3t-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export MAILER_SMTP_PASSWORD="$SECRET"
for c in "" send preview collect report run status; do
	"$MAILER" $c --help 2>&1 | grep -q "$SECRET" && fail "'mailer $c --help' shows the password"
done
# A server that never answers keeps mailer busy long enough to look at every process's arguments.
port=$(free_port)
"$PY" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
c=[s.accept() for _ in range(1)]; time.sleep(8)' "$port" &
SERVER_PIDS="$SERVER_PIDS $!"
wait_port "$port"
write_conf "smtp://127.0.0.1:$port" "user = news" "timeout = 3" "connections = 1"
(cd "$W" && "$MAILER" send "$ARTICLE" >"$W/out" 2>"$W/err") &
M=$!
sleep 1
found=$(grep -l "$SECRET" /proc/[0-9]*/cmdline 2>/dev/null || true)
wait $M || true
[ -z "$found" ] || fail "the password is in a process's arguments: $found"
grep -q "$SECRET" "$W/out" "$W/err" && fail "the password appears in the output of a failed send"
echo "secrets: ok (loud tls_verify only, warned every run, no password in --help, argv or errors)"
