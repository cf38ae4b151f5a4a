# Hostile input (issue 7): every bound of message.h at its limit and one past, linear time on
# pathological inputs (ratios), the twenty bad inputs of doc/RELIABILITY.md §5, and faults of the state
# database.  Fuzz targets and their regression replay are in fuzz.cmake.
nl_unit_test(test_bounds SOURCES unit/test_bounds.c LIBS nl_reply nl_message)
set_tests_properties(test_bounds PROPERTIES TIMEOUT 300)

nl_unit_test(test_pathological SOURCES unit/test_pathological.c LIBS nl_reply nl_message nl_answers nl_article)
target_compile_definitions(test_pathological PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
set_tests_properties(test_pathological PROPERTIES TIMEOUT 600)

nl_unit_test(test_pathological_inputs SOURCES unit/test_pathological_inputs.c
  LIBS nl_reply nl_message nl_answers nl_article nl_subscribers nl_address nl_mime)
target_compile_definitions(test_pathological_inputs PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
set_tests_properties(test_pathological_inputs PROPERTIES TIMEOUT 300)

# State faults: locked, read-only, full, corrupt, interrupted (tests/e2e/state_faults_test.sh).
# Exit 77 (skipped) only when the machine does not let root mount a tmpfs for the read-only and
# full cases; every other case runs everywhere.
add_executable(state_faults_helper lib/state_faults_helper.c)
target_link_libraries(state_faults_helper PRIVATE nl_store)
nl_e2e_test(state_faults /bin/bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/state_faults_test.sh
  $<TARGET_FILE:state_faults_helper>)
set_tests_properties(state_faults PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Every bound one past its limit through `mailer collect` from a Maildir: recorded as unreadable
# with the reason, the good reply beside them still counted.
nl_e2e_test(pathological_collect /bin/bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/pathological_collect.sh)
set_tests_properties(pathological_collect PROPERTIES TIMEOUT 300)
