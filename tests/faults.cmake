# Faults on the sending side (issue 7): `mailer send` against a hostile SMTP server (a raw socket
# server in tests/e2e/send_faults.py): 1 MB reply lines, replies without CRLF, 421 after the final
# dot, odd codes after it, no reply after it, a reply that never ends, a close in the middle of
# DATA, a yes before the final dot.  Each checks the journal after the hostile run and that the next runs neither lose nor
# double a recipient.  Each also runs once with every mailer process under valgrind memcheck
# (label valgrind, as nl_e2e_test does for the tests in NL_VALGRIND_E2E).
foreach(scenario bigline nocrlf dot421 dotcode silent endless middata middata_small early)
  nl_e2e_test(send_faults_${scenario} /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/send_faults.py ${scenario})
  set_tests_properties(send_faults_${scenario} PROPERTIES TIMEOUT 300)
  add_test(NAME valgrind_send_faults_${scenario} COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/under_valgrind.sh
    /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/send_faults.py ${scenario})
  set_tests_properties(valgrind_send_faults_${scenario} PROPERTIES LABELS valgrind TIMEOUT 900 ENVIRONMENT
    "MAILER=$<TARGET_FILE:mailer>;SRC=${PROJECT_SOURCE_DIR};CORPUS=${NL_CORPUS};BUILD=${PROJECT_BINARY_DIR};PYTHONDONTWRITEBYTECODE=1")
endforeach()
