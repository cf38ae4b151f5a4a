# `mailer settle` and `mailer inspect` (issue 12): end to end with the real binary, from a state made
# by sending the example article into a Maildir outbox; also once under valgrind (label "valgrind").
# Included by tests/CMakeLists.txt.
list(APPEND NL_VALGRIND_E2E settle_inspect)
nl_e2e_test(settle_inspect sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/settle_inspect.sh)
set_tests_properties(settle_inspect PROPERTIES TIMEOUT 180)

# Every exit code README documents, from every command that can give it (issue 15).
nl_e2e_test(exit_codes sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/exit_codes.sh)
set_tests_properties(exit_codes PROPERTIES TIMEOUT 300)

# Files 0600 and directories 0700 under umask 022, a readable state tightened with one warning,
# planted symlinks and a FIFO lock refused (issue 16).
nl_e2e_test(private_files sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/private_files.sh)
set_tests_properties(private_files PROPERTIES TIMEOUT 180)

# `mailer export` and `mailer forget` on a state with two campaigns, answers, a bounce and an
# unsubscribe (issue 16).
nl_e2e_test(export_forget sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/export_forget.sh)
set_tests_properties(export_forget PROPERTIES TIMEOUT 180)
