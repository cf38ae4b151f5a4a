# Fuzz targets (issue 7, tests/fuzz/README.md).  Each tests/fuzz/fuzz_<name>.c is built twice:
#  - always, as fuzz_replay_<name> (the entry point + fuzz/replay.c, no libFuzzer), registered with
#    CTest to replay tests/fuzz/regressions/<name>/ and the real-world seed inputs, so every crash
#    or timeout ever found stays fixed in the normal (gcc) and Asan builds;
#  - with clang and -DMAILER_FUZZ=ON, as the libFuzzer program fuzz_<name>.  scripts/fuzz.sh
#    configures that build (build-fuzz) with -fsanitize=fuzzer-no-link,address,undefined on the
#    whole library, so coverage reaches into every module the target links.

option(MAILER_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

set(NL_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
set(NL_FUZZ_TARGETS message dsn article template subscribers decode mbox)
set(NL_FUZZ_LIBS_message nl_reply nl_answers nl_article)
set(NL_FUZZ_LIBS_dsn nl_reply)
set(NL_FUZZ_LIBS_article nl_article)
set(NL_FUZZ_LIBS_template nl_template)
set(NL_FUZZ_LIBS_subscribers nl_subscribers)
set(NL_FUZZ_LIBS_decode nl_message nl_mime)
set(NL_FUZZ_LIBS_mbox nl_inbox nl_reply)
# Real inputs replayed besides the regressions (the same ones scripts/fuzz.sh seeds with).
set(NL_FUZZ_SEEDS_message ${NL_CORPUS} ${NL_TEST_DATA}/replies)
set(NL_FUZZ_SEEDS_dsn ${NL_CORPUS}/sisimai-set-of-emails ${NL_CORPUS}/mimekit)
set(NL_FUZZ_SEEDS_article ${PROJECT_SOURCE_DIR}/articles ${NL_TEST_DATA}/articles)
set(NL_FUZZ_SEEDS_template ${PROJECT_SOURCE_DIR}/templates)
set(NL_FUZZ_SEEDS_subscribers ${PROJECT_SOURCE_DIR}/subscribers)
set(NL_FUZZ_SEEDS_decode ${NL_CORPUS}/mimekit ${NL_CORPUS}/cpython-test_email)
set(NL_FUZZ_SEEDS_mbox ${NL_CORPUS}/mimekit/mbox)

if(MAILER_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "MAILER_FUZZ=ON needs clang (libFuzzer); the fuzz targets are not built")
endif()
if(MAILER_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang" AND NOT CMAKE_C_FLAGS MATCHES "fuzzer-no-link")
  message(WARNING "MAILER_FUZZ=ON without -fsanitize=fuzzer-no-link in CMAKE_C_FLAGS: only the target "
                  "file is instrumented (use scripts/fuzz.sh)")
endif()

foreach(t ${NL_FUZZ_TARGETS})
  add_executable(fuzz_replay_${t} fuzz/fuzz_${t}.c fuzz/replay.c)
  target_link_libraries(fuzz_replay_${t} PRIVATE ${NL_FUZZ_LIBS_${t}} nl_core)
  target_compile_definitions(fuzz_replay_${t} PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME fuzz_replay_${t} COMMAND fuzz_replay_${t} ${NL_FUZZ_DIR}/regressions/${t} ${NL_FUZZ_SEEDS_${t}})
  set_tests_properties(fuzz_replay_${t} PROPERTIES LABELS "unit;fuzz" TIMEOUT 300)

  if(MAILER_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
    add_executable(fuzz_${t} fuzz/fuzz_${t}.c)
    target_link_libraries(fuzz_${t} PRIVATE ${NL_FUZZ_LIBS_${t}} nl_core)
    target_compile_definitions(fuzz_${t} PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer,address,undefined)
  endif()
endforeach()
