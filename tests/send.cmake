# Sending (issue 3): the transport and rate limiter as units (with a real smtp-sink), and end-to-end
# runs of `mailer send` against smtp-sink and scripted aiosmtpd servers on loopback.
nl_unit_test(test_transport SOURCES unit/test_transport.c LIBS nl_transport)
nl_unit_test(test_transport_send SOURCES unit/test_transport_send.c LIBS nl_send)
set_tests_properties(test_transport PROPERTIES TIMEOUT 120)
nl_e2e_test(send_sink bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/send_sink.sh)
set_tests_properties(send_sink PROPERTIES TIMEOUT 300)
nl_e2e_test(send_crash /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/send_crash.py)
set_tests_properties(send_crash PROPERTIES TIMEOUT 900)
foreach(scenario starttls smtps badcert nostarttls auth authfail defer reject drop rate unknown exits)
  nl_e2e_test(send_smtp_${scenario} /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/send_smtp.py ${scenario})
  set_tests_properties(send_smtp_${scenario} PROPERTIES TIMEOUT 180)
endforeach()
