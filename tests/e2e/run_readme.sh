#!/bin/sh
# run_readme.sh - the README's first command, exactly as written there, in a copy of the repository
# (issue 6): it must build, send, collect the example replies and print the report.  The figures
# checked are those of the shipped example replies (examples/replies: 10 messages; 8 replies from 7
# respondents, one unsubscribe, one auto-reply), worked out by hand from their text.
set -eu
: "${SRC:?}"
W=$(mktemp -d /tmp/nl-readme.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; tail -40 "$W/out" >&2 2>/dev/null || true; exit 1; }

if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$SRC" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$W")
else
	(cd "$SRC" && tar cf - --exclude='./build*' --exclude=./demo .) | (cd "$W" && tar xf -)
fi
# The first command is the first indented line after "## Two commands".
cmd=$(awk '/^## Two commands/ { on = 1 } on && /^        [^ ]/ { sub(/^ +/, ""); print; exit }' "$W/README.md")
[ -n "$cmd" ] || fail "README.md has no first command under '## Two commands'"
echo "README's first command: $cmd"
(cd "$W" && sh -c "$cmd") >"$W/out" 2>&1 || fail "the command failed"
grep -q '^SURVEY REPORT: 2026-11-job-or-career' "$W/out" || fail "no report printed"
grep -q 'FOLLOW UP: 5 said yes' "$W/out" || fail "the follow-up list is not 5 people"
grep -Eq 'respondents +7' "$W/out" || fail "respondents is not 7"
grep -Eq 'response rate +35.0%' "$W/out" || fail "response rate is not 35.0%"
grep -Eq 'unsubscribed +1' "$W/out" || fail "unsubscribed is not 1"
grep -q 'demo/reports/report.html' "$W/out" || fail "it does not say where the HTML report is"
[ -s "$W/demo/reports/report.html" ] || fail "the HTML report was not written"
echo "run_readme: ok"
