# Unit tests of the article (front matter, Markdown, plain-text renderer), survey definition (and its
# stored form) and template modules.  Included by tests/CMakeLists.txt.

nl_unit_test(test_template SOURCES unit/test_template.c LIBS nl_template)
target_compile_definitions(test_template PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

nl_unit_test(test_article SOURCES unit/test_article.c LIBS nl_article)
target_compile_definitions(test_article PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
nl_unit_test(test_textrender SOURCES unit/test_textrender.c LIBS nl_article)
# The survey's stored form and a campaign's survey read back from the state.
nl_unit_test(test_survey SOURCES unit/test_survey.c LIBS nl_campaign)
target_compile_definitions(test_survey PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
