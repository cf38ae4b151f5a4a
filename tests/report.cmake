# Tally and report (issue 5): the tally against hand-computed figures, golden output for every
# format, and end-to-end checks of `mailer report` (HTML in headless Chromium, CSV read back by
# Python's csv module against the JSON).  Included by tests/CMakeLists.txt.

# The report email is written with mime.h and checks addresses with address.h.  TODO(report): move
# these two into nl_report's DEPS in src/CMakeLists.txt once that file has no one else's pending edit.
target_link_libraries(nl_report PUBLIC nl_mime nl_address)

add_library(report_fixture STATIC unit/test_report_fixture.c)
target_link_libraries(report_fixture PUBLIC nl_store)
target_include_directories(report_fixture PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/unit)

nl_unit_test(test_tally SOURCES unit/test_tally.c LIBS nl_tally report_fixture)
nl_unit_test(test_report SOURCES unit/test_report.c LIBS nl_report report_fixture)
