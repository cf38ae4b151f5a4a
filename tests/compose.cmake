# Composing: addresses, subscriber lists, MIME encoders, tokens, the composer; the Python email
# e2e check; the composing benchmark (built, not registered).
nl_unit_test(test_address SOURCES unit/test_address.c LIBS nl_address)
nl_unit_test(test_subscribers SOURCES unit/test_subscribers.c LIBS nl_subscribers)
nl_unit_test(test_mime SOURCES unit/test_mime.c LIBS nl_mime nl_message)
nl_unit_test(test_token SOURCES unit/test_token.c LIBS nl_token)
nl_unit_test(test_compose SOURCES unit/test_compose.c LIBS nl_compose nl_config nl_message)
target_compile_definitions(test_compose PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

add_executable(compose_pycheck lib/compose_pycheck.c)
target_link_libraries(compose_pycheck PRIVATE nl_compose nl_config)
target_compile_definitions(compose_pycheck PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
nl_e2e_test(compose_python_email /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/compose_python_email.py
  $<TARGET_FILE:compose_pycheck>)

add_executable(bench_compose bench/bench_compose.c)
target_link_libraries(bench_compose PRIVATE nl_compose nl_config)
target_compile_definitions(bench_compose PRIVATE NL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
