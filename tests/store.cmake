nl_unit_test(test_store SOURCES unit/test_store.c LIBS nl_store)
nl_unit_test(test_config SOURCES unit/test_config.c LIBS nl_config)
