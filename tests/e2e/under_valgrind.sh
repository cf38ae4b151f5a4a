#!/bin/sh
# under_valgrind.sh COMMAND... - runs an end-to-end test with every `mailer` process it starts under
# valgrind memcheck (issue 7): MAILER is replaced by a wrapper, each process writes its own log, and
# the test fails if the test itself fails or any log shows an invalid read or write, any other
# memcheck error, or a definitely lost byte.  (Processes a test kills on purpose leave no summary.)
set -u
: "${MAILER:?}"
command -v valgrind >/dev/null || { echo "FAIL: valgrind is not installed" >&2; exit 1; }
logs=$(mktemp -d /tmp/nl-valgrind.XXXXXX)
chmod 755 "$logs"
trap 'rm -rf "$logs"' EXIT
cat >"$logs/mailer" <<EOF
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--num-callers=30 --log-file="$logs/vg.%p.log" "$MAILER" "\$@"
EOF
chmod 755 "$logs/mailer"
MAILER="$logs/mailer" "$@"
rc=$?
n=$(ls "$logs"/vg.*.log 2>/dev/null | wc -l)
bad=$(grep -lE 'Invalid (read|write|free)|are definitely lost|definitely lost: [1-9]|ERROR SUMMARY: [1-9]|uninitialised|Mismatched free|overlap' "$logs"/vg.*.log 2>/dev/null)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "---- $f" >&2
		head -60 "$f" >&2
	done
	echo "FAIL: valgrind found errors in $(echo "$bad" | wc -l) of $n mailer processes" >&2
	exit 1
fi
[ "$n" -gt 0 ] || { echo "FAIL: the test ran no mailer process under valgrind" >&2; exit 1; }
[ $rc = 0 ] || { echo "FAIL: the test failed under valgrind (exit $rc)" >&2; exit $rc; }
echo "valgrind: $n mailer processes, no invalid access, nothing definitely lost"
