#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...] - builds the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) in build-fuzz and runs each for SECONDS (default 60) from
# its seed corpus (tests/fuzz/seeds.sh) with its dictionary.  Prints the executions per target;
# exits 1 if any target crashed, leaked, timed out or ran out of memory, naming the input to add to
# tests/fuzz/regressions/<target>/ (see tests/fuzz/README.md).  Runs one target at a time, niced.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(message dsn article template subscribers decode mbox)
build=${FUZZ_BUILD:-build-fuzz}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DMAILER_FUZZ=ON -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-unused-command-line-argument" \
	>/dev/null
if ! cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${targets[@]}") >"$build/fuzz-build.log" 2>&1; then
	tail -30 "$build/fuzz-build.log"
	echo "fuzz.sh: the fuzz targets did not build (log: $build/fuzz-build.log)"
	exit 1
fi
tests/fuzz/seeds.sh "$build/fuzz-corpus" >/dev/null

dict_of() {
	case $1 in
	message | dsn | decode | mbox) echo tests/fuzz/message.dict ;;
	*) echo "tests/fuzz/$1.dict" ;;
	esac
}
maxlen_of() {
	case $1 in
	message | dsn | decode | mbox) echo 131072 ;;
	*) echo 65536 ;;
	esac
}

status=0
for t in "${targets[@]}"; do
	art="$build/fuzz-artifacts/$t/"
	mkdir -p "$art"
	log="$build/fuzz-$t.log"
	rc=0
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
		nice -n 10 "$build/tests/fuzz_$t" "$build/fuzz-corpus/$t" -dict="$(dict_of "$t")" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(maxlen_of "$t")" \
		-artifact_prefix="$art" -print_final_stats=1 >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
	if [ $rc -ne 0 ]; then
		status=1
		echo "fuzz_$t: FAILED (exit $rc) after ${execs:-?} executions; log: $log"
		grep -E '^==[0-9]+==ERROR|^SUMMARY|Test unit written to' "$log" | head -5 | sed 's/^/  /'
		echo "  add the input: cp $art<crash|timeout|oom|leak>-* tests/fuzz/regressions/$t/"
	else
		echo "fuzz_$t: ${execs:-?} executions in ${seconds}s, ${cov:-cov: ?}, no crash"
	fi
done
exit $status
