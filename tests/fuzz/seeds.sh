#!/usr/bin/env bash
# seeds.sh OUT_DIR - builds the seed corpus of every fuzz target under OUT_DIR/<target>/ from the
# real-world mail in tests/data/corpus (or $CORPUS) and from the repository's own data, at run time:
# nothing from the corpus is copied into the repository.  Existing files in OUT_DIR are kept (the
# corpus a previous run grew), and every regression input is added as a seed too.
set -euo pipefail
out=${1:?usage: seeds.sh OUT_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS:-$src/tests/data/corpus}
[ -d "$corpus" ] || { echo "seeds.sh: no corpus at $corpus" >&2; exit 1; }

# copy TARGET FILE...: one seed per file, named after its path so re-runs do not duplicate it.
copy() {
	local t=$1; shift
	mkdir -p "$out/$t"
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		cp "$f" "$out/$t/seed-$(echo "$f" | sed "s|^$src/||; s|^$corpus/||; s|[/ ]|_|g")"
	done
}
# Message files of the corpus: everything but the licences and expectation tables.
mail_files() { find "$corpus/$1" -type f ! -name LICENSE ! -name '*.tsv' ! -name '*.md' | sort; }

mapfile -t all_mail < <(mail_files .)
copy message "${all_mail[@]}"
mapfile -t bounces < <(mail_files sisimai-set-of-emails; mail_files mimekit; mail_files cpython-test_email)
copy dsn "${bounces[@]}"
mapfile -t mime < <(mail_files mimekit; mail_files cpython-test_email; mail_files mailgun-talon)
copy decode "${mime[@]}"
# The decoder target reads "charset\nbytes": a few charsets that matter (doc/RELIABILITY.md §4.6).
for cs in utf-8 iso-8859-1 windows-1252 iso-2022-jp ISO-2022-CN-EXT shift_jis koi8-r x-unknown; do
	printf '%s\n\x93quoted\x94 \x80 \xe2\x80\x99 =?utf-8?q?z=E2=80?= =?utf-8?q?=99z?= <b>x</b>&#0;\n' "$cs" \
		>"$out/decode/seed-charset-$cs"
done

# mbox files, and a few messages joined with "From " lines.
mkdir -p "$out/mbox"
copy mbox $(find "$corpus/mimekit/mbox" -type f | sort)
for f in "${mime[@]:0:6}"; do printf 'From a@example.test Mon Nov 30 09:00:00 2026\n'; cat "$f"; echo; done \
	>"$out/mbox/seed-joined.mbox"

copy article "$src"/articles/*.md "$src"/tests/data/articles/*.md
copy subscribers "$src"/subscribers/*.csv $(find "$src/tests/data" -name '*.csv' | sort)
printf 'email,name\n"a@b.test","Doe, ""Jane"""\nbad\nc@d.test,Zo\xc3\xab\na@b.test,dup\n' \
	>"$out/subscribers/seed-small.csv"

# Templates: mode byte (0 HTML, 1 text), template, NUL, values separated by NUL.
mkdir -p "$out/template"
for f in "$src"/templates/*; do
	[ -f "$f" ] || continue
	mode='\0'
	case $f in *.txt) mode='\1' ;; esac
	{ printf "$mode"; cat "$f"; printf '\0Ana <b>\0a@b.test\0Leeds & "Bath"\0Title\0Subject\0<p>x</p>\0S\0U\0P\0D'; } \
		>"$out/template/seed-$(basename "$f")"
done

# Every regression is a seed as well.
for d in "$src"/tests/fuzz/regressions/*/; do
	t=$(basename "$d")
	mkdir -p "$out/$t"
	find "$d" -type f ! -name '.*' -exec cp {} "$out/$t/" \;
done
for d in "$out"/*/; do
	echo "seeds: $(basename "$d"): $(find "$d" -type f | wc -l) files"
done
