# Benchmark helpers (tests/bench/, doc/DESIGN.md §7): built, never registered as tests.
# The latency proxy that tests/bench/bench_net.py puts in front of smtp-sink and Dovecot (issue 14).
add_executable(latency_proxy bench/latency_proxy.c)
