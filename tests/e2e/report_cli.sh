#!/bin/sh
# report_cli.sh - `mailer report` from the command line on the fixed state: the default (latest
# campaign, text, stdout), --campaign, --all, every --format equal to the golden files the unit test
# checks, -o, and the errors (unknown campaign, bad options, no state yet).
# Usage: report_cli.sh MKSTATE  (env MAILER, SRC)
set -u
MKSTATE=$1
GOLDEN="$SRC/tests/data/report"
WORK=$(mktemp -d /tmp/report_cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

export MAILER_NOW=2026-12-07T09:00:00Z
"$MKSTATE" "$WORK/state.db" || { echo "FAIL: could not build the state"; exit 1; }
chmod 600 "$WORK/state.db" # as mailer would have made it (a readable one is warned about)
printf '[newsletter]\nstate = state.db\n' > "$WORK/mailer.conf"
M() { "$MAILER" -c "$WORK/mailer.conf" report "$@"; }

# the default: the latest campaign as text on stdout
M > "$WORK/default.txt" 2> "$WORK/err" || no "default report exited $?: $(cat "$WORK/err")"
cmp -s "$WORK/default.txt" "$GOLDEN/career-2026-11.txt" || no "default output is not the text golden file"
[ -s "$WORK/err" ] && no "stderr not empty on success: $(cat "$WORK/err")"

# every format (csv-replies: the replies, a CSV of their own), one campaign and --all, through stdout
# and through -o
for f in txt md html csv json replies.csv; do
	fmt=$f; [ $f = txt ] && fmt=text; [ $f = replies.csv ] && fmt=csv-replies
	M --campaign career-2026-11 --format $fmt > "$WORK/out.$f" || no "--format $fmt exited $?"
	cmp -s "$WORK/out.$f" "$GOLDEN/career-2026-11.$f" || no "--format $fmt differs from career-2026-11.$f"
	M --all --format $fmt -o "$WORK/all.$f" > "$WORK/stdout" || no "--all --format $fmt -o exited $?"
	cmp -s "$WORK/all.$f" "$GOLDEN/all.$f" || no "--all --format $fmt -o differs from all.$f"
	[ -s "$WORK/stdout" ] && no "-o also wrote to stdout"
done

M --campaign career-2026-10 | head -1 | grep -qx 'SURVEY REPORT: career-2026-10' || no "--campaign career-2026-10"

# errors: exit codes follow sysexits, one line on stderr naming the problem
M --campaign no-such 2> "$WORK/err"; rc=$?
[ $rc -eq 66 ] || no "unknown campaign exited $rc, not 66"
grep -q "no-such" "$WORK/err" || no "unknown campaign: stderr does not name it: $(cat "$WORK/err")"
M --format pdf 2> "$WORK/err"; rc=$?
[ $rc -eq 64 ] || no "--format pdf exited $rc, not 64"
[ "$(wc -l < "$WORK/err")" -eq 1 ] || no "usage error is not one line: $(cat "$WORK/err")"
M --all --campaign career-2026-10 2>/dev/null; rc=$?
[ $rc -eq 64 ] || no "--all with --campaign exited $rc, not 64"
M --mail 'not an address' 2>/dev/null; rc=$?
[ $rc -eq 64 ] || no "--mail with a bad address exited $rc, not 64"
M --bogus 2>/dev/null; rc=$?
[ $rc -eq 64 ] || no "unknown option exited $rc, not 64"
M --help | grep -q -- '--campaign ID' || no "--help"

# no state yet: an error, and the report does not create the database
mkdir "$WORK/empty"
printf '[newsletter]\nstate = state.db\n' > "$WORK/empty/mailer.conf"
"$MAILER" -c "$WORK/empty/mailer.conf" report 2> "$WORK/err"; rc=$?
[ $rc -eq 66 ] || no "no state: exited $rc, not 66"
[ -e "$WORK/empty/state.db" ] && no "report created a state database"
grep -q "nothing has been sent yet" "$WORK/err" || no "no state: message: $(cat "$WORK/err")"

[ $fail -eq 0 ] && echo "mailer report CLI: all checks passed"
exit $fail
