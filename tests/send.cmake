# Sending (issue 3): the transport and rate limiter as units (with a real smtp-sink), and end-to-end
# runs of `mailer send` against smtp-sink and scripted aiosmtpd servers on loopback.
nl_unit_test(test_transport SOURCES unit/test_transport.c LIBS nl_transport)
set_tests_properties(test_transport PROPERTIES TIMEOUT 120)
