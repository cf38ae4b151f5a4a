# Reply understanding (issue 4): classification, quote stripping, bounces, answers, and the peer
# corpora.  Included by tests/CMakeLists.txt.
#
# test_corpus_text prints the pass rate per corpus set and fails on any change: each fixture that
# differs from the peer on purpose is listed in tests/data/replies/corpus-text.tsv with its
# "policy:" reason, so the threshold is "exactly the printed rate" (see the report of issue 4).
nl_unit_test(test_corpus_text SOURCES unit/test_corpus_text.c LIBS nl_reply nl_message)
nl_unit_test(test_answers SOURCES unit/test_answers.c LIBS nl_reply nl_survey)
nl_unit_test(test_corpus_bounce SOURCES unit/test_corpus_bounce.c LIBS nl_reply nl_message)
nl_unit_test(test_reply SOURCES unit/test_reply.c LIBS nl_reply nl_message nl_survey)
