# Unit tests of reading inbound mail: charsets and RFC 2047, HTML to text, the MIME parser (with
# every bound at its limit and one past, and the cpython/mimekit/sisimai/talon corpora), the inbox
# readers, and collect's orchestration.  Included by tests/CMakeLists.txt.

nl_unit_test(test_charset SOURCES unit/test_charset.c LIBS nl_message)
nl_unit_test(test_html SOURCES unit/test_html.c LIBS nl_message)
nl_unit_test(test_message SOURCES unit/test_message.c LIBS nl_message)
nl_unit_test(test_inbox SOURCES unit/test_inbox.c LIBS nl_inbox nl_message)

# The seeding helper of the end-to-end test and the benchmark (not a test itself).
add_executable(collect_fixture lib/collect_fixture.c)
target_link_libraries(collect_fixture PRIVATE nl_store nl_article nl_token)

# End to end against Dovecot (started by the script on loopback ports, stopped by PID).
nl_e2e_test(collect_imap sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/collect_imap.sh)
set_tests_properties(collect_imap PROPERTIES TIMEOUT 180)
nl_unit_test(test_collect SOURCES unit/test_collect.c LIBS nl_collect)

# Benchmark helper (tests/bench/bench_collect.sh runs it; not a test).
add_executable(bench_collect bench/bench_collect.c)
target_link_libraries(bench_collect PRIVATE nl_reply nl_message nl_answers nl_article)

# Issue 15: a From-only reply never overrides a token reply; the order collected, not Date:, decides;
# From-only answers are marked in every report format and in FOLLOW UP.
nl_e2e_test(collect_forged_from /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/collect_forged_from.py)
set_tests_properties(collect_forged_from PROPERTIES TIMEOUT 180)

# Issue 15: Dovecot behind a proxy that cuts or stalls the connection after N bytes; every collect
# ends within twice the timeout, the next records every message exactly once.
nl_e2e_test(collect_imap_faults sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/collect_imap_faults.sh)
set_tests_properties(collect_imap_faults PROPERTIES TIMEOUT 600)

# Issue 15: a 1 GiB mbox is read in bounded memory (peak RSS under 64 MB; AddressSanitizer's
# shadow memory and quarantine need more, so its build checks a looser bound).
if(CMAKE_BUILD_TYPE STREQUAL "Asan")
  set(NL_MBOX_MAX_RSS_MB 384)
else()
  set(NL_MBOX_MAX_RSS_MB 64)
endif()
nl_e2e_test(collect_mbox_memory /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/collect_mbox_memory.py
  $<TARGET_FILE:collect_fixture> ${NL_MBOX_MAX_RSS_MB})
set_tests_properties(collect_mbox_memory PROPERTIES TIMEOUT 300)
