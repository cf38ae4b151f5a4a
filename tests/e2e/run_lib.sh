# run_lib.sh - shared by the run_* end-to-end tests of `mailer run` (issue 6).  Builds on send_lib.sh
# (scratch directory $W with the example article and templates, free ports, servers stopped by PID)
# and adds: recipients of an outbox or a sink dump, and the demo's example replies.
# shellcheck source=send_lib.sh
. "$(dirname "$0")/send_lib.sh"

# recipients DIR...: the To address of every message file in the directories, one per line, sorted.
recipients() {
	"$PY" - "$@" <<'PYEOF'
import email, email.policy, os, sys
out = []
for d in sys.argv[1:]:
    if not os.path.isdir(d):
        continue
    for name in os.listdir(d):
        with open(os.path.join(d, name), "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        to = m["To"]
        if to is not None and to.addresses:
            out.append(to.addresses[0].addr_spec.lower())
print("\n".join(sorted(out)))
PYEOF
}

# dup_count: how many addresses in stdin occur more than once (counting each extra copy).
dup_count() { sort | uniq -c | awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }'; }

# run_mailer ARGS...: `mailer` as cron runs it (no terminal, a bare environment) in $W; its output
# goes to $W/out and $W/err, its exit code to $RC.
run_mailer() {
	set +e
	(cd "$W" && env -i PATH=/usr/bin:/bin HOME="$W" "$MAILER" "$@" </dev/null >"$W/out" 2>"$W/err")
	RC=$?
	set -e
}

# expect_quiet: the last run_mailer exited 0 and printed nothing, as cron wants.
expect_quiet() {
	[ "$RC" = 0 ] || fail "exit $RC (stderr: $(cat "$W/err"))"
	[ ! -s "$W/out" ] || fail "printed on stdout: $(cat "$W/out")"
	[ ! -s "$W/err" ] || fail "printed on stderr: $(cat "$W/err")"
}
