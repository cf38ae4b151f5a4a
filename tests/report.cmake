# Tally and report (issue 5): the tally against hand-computed figures, golden output for every
# format, and end-to-end checks of `mailer report` (HTML in headless Chromium, CSV read back by
# Python's csv module against the JSON).  Included by tests/CMakeLists.txt.

add_library(report_fixture STATIC lib/report_fixture.c)
target_link_libraries(report_fixture PUBLIC nl_store nl_campaign nl_tally)
target_include_directories(report_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/lib)

nl_unit_test(test_tally SOURCES unit/test_tally.c LIBS nl_tally report_fixture)
nl_unit_test(test_report SOURCES unit/test_report.c LIBS nl_report report_fixture PkgConfig::CMARK)

add_executable(test_report_mkstate lib/report_mkstate.c)
target_link_libraries(test_report_mkstate PRIVATE report_fixture)

# End to end: the `mailer` binary on the fixed state.
nl_e2e_test(report_cli sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/report_cli.sh $<TARGET_FILE:test_report_mkstate>)
nl_e2e_test(report_csv_json /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/report_csv_json.py
  $<TARGET_FILE:test_report_mkstate>)
nl_e2e_test(report_chromium /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/report_chromium.py
  $<TARGET_FILE:test_report_mkstate>)
set_tests_properties(report_chromium PROPERTIES TIMEOUT 300)
nl_e2e_test(report_mail /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/report_mail.py
  $<TARGET_FILE:test_report_mkstate>)
set_tests_properties(report_mail PROPERTIES TIMEOUT 180)
# The report of real mail read by `mailer collect` (the collect tests' fixture of client shapes).
nl_e2e_test(report_collected /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/report_collected.py
  $<TARGET_FILE:collect_fixture>)
set_tests_properties(report_collected PROPERTIES TIMEOUT 180)
