# Unit tests of reading inbound mail: charsets and RFC 2047, HTML to text, the MIME parser (with
# every bound at its limit and one past, and the cpython/mimekit/sisimai/talon corpora), the inbox
# readers, and collect's orchestration.  Included by tests/CMakeLists.txt.

nl_unit_test(test_charset SOURCES unit/test_charset.c LIBS nl_message)
nl_unit_test(test_html SOURCES unit/test_html.c LIBS nl_message)
nl_unit_test(test_message SOURCES unit/test_message.c LIBS nl_message)
nl_unit_test(test_inbox SOURCES unit/test_inbox.c LIBS nl_inbox nl_message)
