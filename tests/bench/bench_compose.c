/* bench_compose.c - composing speed and memory for lists of 10,000, 100,000 and 1,000,000 subscribers.
 *
 * Not a test (doc/DESIGN.md §7): it prints figures and never decides pass or fail.  For each size a child
 * process writes a generated CSV to a temporary file, streams it (nl_subscribers), composes every
 * message for the example article (nl_compose_message) and writes it to /dev/null, then reports
 * messages per second (per second of the process's CPU time, i.e. one core, and per second of wall
 * time) and its own peak RSS (getrusage ru_maxrss), so each size's peak is its own.
 * The reference, measured in the same child, is streaming the same list without composing.
 *
 * usage: bench_compose [SIZE...]   (default 10000 100000 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "compose.h"
#include "config.h"
#include "subscribers.h"
#include "util.h"

/* Wall time, and the process's CPU time: on a shared machine the second is what one core does. */
static double bench_seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const bench_names[] = {"Ana Souza",
                                          "Doe, Jane",
                                          "François Lefèvre",
                                          "李伟",
                                          "Иван Петров",
                                          "فاطمة الزهراء",
                                          "",
                                          "Robert \"Bob\" Smith",
                                          "Nguyễn Văn Thành"};

static int bench_write_csv(const char *path, long n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("email,name,city,plan\n", f);
	for (long i = 0; i < n; i++) {
		const char *name = bench_names[i % (long)(sizeof bench_names / sizeof bench_names[0])];
		fprintf(f, "reader%ld@example.test,\"", i);
		for (const char *p = name; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fprintf(f, "\",City %ld,%s\n", i % 97, i % 2 ? "monthly" : "annual");
	}
	return fclose(f);
}

/* Streams the list, composing when `compose` is set; returns the count or -1. */
static long bench_run(const char *csv, struct nl_config *cfg, struct nl_article *article, bool compose,
                      FILE *sink, double *seconds, double *cpu)
{
	struct nl_error err = {0};
	struct nl_subscribers *list = NULL;
	struct nl_composer *c = NULL;
	struct nl_buf msg = NL_BUF_INIT;
	long count = -1;
	unsigned char secret[NL_SECRET_LEN];
	memset(secret, 7, sizeof secret);
	double t0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
	if (nl_subscribers_open(csv, &list, &err) != NL_OK)
		goto out;
	size_t n_columns;
	const char *const *columns = nl_subscribers_columns(list, &n_columns);
	if (compose && nl_compose_new(cfg, article, secret, columns, n_columns, &c, &err) != NL_OK)
		goto out;
	count = 0;
	for (;;) {
		const struct nl_subscriber *sub;
		enum nl_code rc = nl_subscribers_next(list, &sub, &err);
		if (rc == NL_ERR_SUBSCRIBER)
			continue;
		if (rc != NL_OK || !sub)
			break;
		if (compose) {
			struct nl_envelope env;
			if (nl_compose_message(c, sub, &msg, &env, &err) != NL_OK)
				break;
			fwrite(msg.data, 1, msg.len, sink);
		}
		count++;
	}
	*seconds = bench_seconds(CLOCK_MONOTONIC) - t0;
	*cpu = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
out:
	if (err.code != NL_OK && err.code != NL_ERR_SUBSCRIBER)
		fprintf(stderr, "bench_compose: %s\n", err.detail);
	nl_buf_free(&msg);
	nl_compose_free(c);
	nl_subscribers_close(list);
	return count;
}

static int bench_size(long n)
{
	char csv[] = "/tmp/bench_compose_XXXXXX";
	int fd = mkstemp(csv);
	if (fd < 0 || bench_write_csv(csv, n) != 0) {
		perror("bench_compose: temporary CSV");
		return 1;
	}
	close(fd);
	struct nl_config cfg;
	nl_config_defaults(&cfg, NL_SOURCE_DIR);
	struct nl_article *article = NULL;
	struct nl_error err = {0};
	int rc = 1;
	FILE *sink = fopen("/dev/null", "w");
	if (nl_article_load(NL_SOURCE_DIR "/articles/2026-11-job-or-career.md", &article, &err) != NL_OK) {
		fprintf(stderr, "bench_compose: %s\n", err.detail);
		goto out;
	}
	double parse_s = 0, compose_s = 0, parse_cpu = 0, compose_cpu = 0;
	long parsed = bench_run(csv, &cfg, article, false, sink, &parse_s, &parse_cpu);
	long composed = bench_run(csv, &cfg, article, true, sink, &compose_s, &compose_cpu);
	if (parsed != n || composed != n) {
		fprintf(stderr, "bench_compose: %ld subscribers, read %ld, composed %ld\n", n, parsed,
		        composed);
		goto out;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf(
	    "%9ld subscribers: %7.0f messages/s of CPU time (%7.0f/s wall, %.2f s); reading the list alone "
	    "%7.0f rows/s of CPU (compose/read %.1fx); peak RSS %ld KiB\n",
	    n, n / compose_cpu, n / compose_s, compose_s, n / parse_cpu, compose_cpu / parse_cpu,
	    ru.ru_maxrss);
	fflush(stdout);
	rc = 0;
out:
	if (sink)
		fclose(sink);
	nl_article_free(article);
	nl_config_free(&cfg);
	unlink(csv);
	return rc;
}

int main(int argc, char **argv)
{
	long defaults[] = {10000, 100000, 1000000};
	int n = argc > 1 ? argc - 1 : 3;
	int failed = 0;
	for (int i = 0; i < n; i++) {
		long size = argc > 1 ? atol(argv[i + 1]) : defaults[i];
		fflush(stdout);
		pid_t pid = fork(); /* one process per size, so each peak RSS is that size's own */
		if (pid == 0)
			_exit(bench_size(size));
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	return failed;
}
