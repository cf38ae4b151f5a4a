# `mailer run` and the first ten minutes (issue 6): schedule with the injected clock, the lock, a
# kill in the middle, a cron-like run against smtp-sink and Dovecot, and the README's first command.
foreach(t run_schedule run_lock run_kill run_cron)
  nl_e2e_test(${t} sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/${t}.sh)
  set_tests_properties(${t} PROPERTIES TIMEOUT 180)
endforeach()
nl_e2e_test(run_readme sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/run_readme.sh)
set_tests_properties(run_readme PROPERTIES TIMEOUT 600)
nl_e2e_test(install sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/install.sh)
nl_e2e_test(secrets sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/secrets.sh)
