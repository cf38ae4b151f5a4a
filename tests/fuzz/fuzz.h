/* fuzz.h - the libFuzzer entry points every target in tests/fuzz/ defines.
 *
 * Each fuzz_<name>.c is linked two ways: with libFuzzer (clang, -fsanitize=fuzzer, MAILER_FUZZ=ON,
 * see scripts/fuzz.sh) to search for crashes, and with replay.c (any compiler, the normal build) to
 * replay tests/fuzz/regressions/<name>/ and the seed inputs as a CTest test.  Inputs are untrusted
 * bytes; a target must never leak, crash or run unbounded on any of them.
 */
#ifndef NL_FUZZ_H
#define NL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Called once before the first input (libFuzzer calls it if defined; replay.c always does). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Runs one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
