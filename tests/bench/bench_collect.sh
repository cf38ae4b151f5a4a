#!/bin/sh
# bench_collect.sh - collecting replies: figures, not a test (doc/DESIGN.md §7).
#
#   sh tests/bench/bench_collect.sh [BUILD_DIR] [N]
#
# Generates N (default 20,000) replies of mixed shapes into a Maildir (tests/lib/collect_fixture.c:
# Gmail, Outlook HTML, Thunderbird flowed, Android base64, Windows-1252 QP, mailto, interleaved,
# unsubscribe, DSN bounce, auto-reply, stranger), then in the same run:
#   - `mailer collect --maildir` end to end (parse, classify, match, answers, SQLite with fsync);
#   - reading only (nl_message_parse + nl_reply_analyse over the same files);
#   - Python's email package on the same files: message_from_bytes(policy=default), get_body,
#     get_content (reading only, so the fair comparison is with the line above);
# and prints messages/s, MB/s and the ratios.  Then the 767 KB email_long_quote fixture (target:
# under 50 ms) and the same quote at 0.1x, 1x and 10x its length (reading time should be linear),
# and a reply of prose of 10 KB, 100 KB and 1 MB read with the answers (linear too).
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
N=${2:-20000}
CORPUS=${CORPUS:-$SRC/tests/data/corpus}
MAILER=$BUILD/mailer/mailer
for b in "$MAILER" "$BUILD/tests/collect_fixture" "$BUILD/tests/bench_collect"; do
	[ -x "$b" ] || { echo "build first: $b is missing (cmake --build $BUILD)" >&2; exit 1; }
done
# "bytes milliseconds" lines, printed with their ratios to the first
print_scaled() {
	base=
	while read -r bytes ms; do
		[ -n "$base" ] || { base=$ms; bbase=$bytes; }
		printf '    %10s bytes (%5.1fx)  %9.2f ms (%6.1fx)  %5.2f ns/byte\n' "$bytes" \
			"$(echo "$bytes / $bbase" | bc -l)" "$ms" "$(echo "$ms / $base" | bc -l)" \
			"$(echo "$ms * 1000000 / $bytes" | bc -l)"
	done
}

TMP=$(mktemp -d /tmp/bench-collect.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

"$BUILD/tests/collect_fixture" "$TMP/state.db" "$SRC/articles/2026-11-job-or-career.md" "$TMP/md" "$N"
printf '[newsletter]\nstate = state.db\nfrom = News <news@news.example.test>\nreply_to = replies@news.example.test\n' \
	>"$TMP/mailer.conf"
# warm the page cache for everyone alike
cat "$TMP/md/new/"* >/dev/null

t0=$(date +%s.%N)
(cd "$TMP" && "$MAILER" -c mailer.conf collect --maildir md)
t1=$(date +%s.%N)
full_secs=$(echo "$t1 - $t0" | bc -l)
recorded=$(sqlite3 "$TMP/state.db" 'SELECT count(*) FROM inbound')
answers=$(sqlite3 "$TMP/state.db" 'SELECT count(*) FROM answers')

set -- $("$BUILD/tests/bench_collect" read "$TMP/md")
c_n=$1 c_bytes=$2 c_secs=$3 c_bad=$4

py=$(/usr/bin/python3 - "$TMP/md/new" <<'PY'
import email, os, sys, time
from email import policy
d = sys.argv[1]
names = sorted(os.listdir(d))
t0 = time.perf_counter()
n = size = 0
for name in names:
    with open(os.path.join(d, name), 'rb') as f:
        data = f.read()
    m = email.message_from_bytes(data, policy=policy.default)
    body = m.get_body(preferencelist=('plain', 'html'))
    if body is not None:
        body.get_content()
    n += 1
    size += len(data)
print(n, size, time.perf_counter() - t0)
PY
)
set -- $py
py_n=$1 py_secs=$3

echo "collect benchmark: $N generated replies of mixed shapes, $(echo "$c_bytes / 1048576" | bc -l | xargs printf '%.1f') MB"
printf '  %-44s %9s %9s\n' "" "msgs/s" "MB/s"
printf '  %-44s %9.0f %9.1f   (%s recorded, %s answers)\n' "mailer collect --maildir (end to end, SQLite)" \
	"$(echo "$recorded / $full_secs" | bc -l)" "$(echo "$c_bytes / 1048576 / $full_secs" | bc -l)" "$recorded" "$answers"
printf '  %-44s %9.0f %9.1f   (%s unreadable)\n' "reading only (parse + classify + strip)" \
	"$(echo "$c_n / $c_secs" | bc -l)" "$(echo "$c_bytes / 1048576 / $c_secs" | bc -l)" "$c_bad"
printf '  %-44s %9.0f %9.1f\n' "Python email (policy.default, get_body/content)" \
	"$(echo "$py_n / $py_secs" | bc -l)" "$(echo "$c_bytes / 1048576 / $py_secs" | bc -l)"
printf '  ratio: reading %.1fx Python; end to end %.1fx Python (target 10x)\n' \
	"$(echo "$py_secs / $c_secs" | bc -l)" "$(echo "$py_secs / $full_secs" | bc -l)"

LQ="$CORPUS/github-email_reply_parser/emails/email_long_quote.txt"
set -- $("$BUILD/tests/bench_collect" file "$LQ")
printf '  email_long_quote.txt (%s bytes): read in %.2f ms (target < 50 ms)\n' "$1" "$2"
echo "  the same quote scaled (reading time should grow linearly):"
"$BUILD/tests/bench_collect" scale "$LQ" | print_scaled
echo "  a reply of prose, own words and answers read (time should grow linearly):"
"$BUILD/tests/bench_collect" prose "$SRC/articles/2026-11-job-or-career.md" | print_scaled
