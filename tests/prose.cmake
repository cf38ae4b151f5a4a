# The labelled set of prose replies (issue 12 "Proof"): tests/data/prose holds replies to two surveys
# in twelve languages and the shapes real clients produce, with a careful human's labels
# (tests/data/prose/README.md).  test_prose_set reads each as collect does and prints recall per
# question type, language, shape and survey, precision, contact and unsubscribe recall and the
# own-words checks.  It fails on any wrong tally, a missed or unasked unsubscribe, quoted text or lost
# words in the own words, and recall below the floors at the top of the test.  Included by
# tests/CMakeLists.txt.
nl_unit_test(test_prose_set SOURCES unit/test_prose_set.c LIBS nl_reply nl_message nl_answers nl_article)
target_compile_definitions(test_prose_set PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
