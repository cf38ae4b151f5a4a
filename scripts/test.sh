#!/usr/bin/env bash
# The README's second command: install, build, and run every test — in the normal build with
# warnings as errors (and its end-to-end tests under valgrind), then again under AddressSanitizer +
# UndefinedBehaviorSanitizer, then each fuzz target for MAILER_FUZZ_SECONDS (default 60) seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ left in the tree

status=0
run_suite() { # build-dir build-type
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE="$2" -DMAILER_WERROR=ON -DBUILD_TESTING=ON >/dev/null
  cmake --build "$1" -j2
  ctest --test-dir "$1" --output-on-failure --timeout 900 -LE valgrind || status=1
}
run_suite build RelWithDebInfo
# The end-to-end tests once more with every mailer process under valgrind memcheck.
ctest --test-dir build --output-on-failure -L valgrind || status=1
if [ "${MAILER_SKIP_ASAN:-}" != 1 ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_suite build-asan Asan
fi
if [ "${MAILER_FUZZ_SECONDS:-60}" != 0 ]; then
  scripts/fuzz.sh "${MAILER_FUZZ_SECONDS:-60}" || status=1
fi
exit $status
