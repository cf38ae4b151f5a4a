/* replay.c - runs a fuzz target's entry point over files, without libFuzzer, so that the normal
 * build (gcc, and the Asan build type) replays every input that once crashed or hung a target.
 *
 *	fuzz_replay_<target> [--max-seconds N] PATH...
 *
 * Each PATH is a file or a directory (read recursively, names starting with '.' skipped, files in
 * name order).  Every input must finish within N seconds (default 10; 0 = no limit): an input found
 * as a libFuzzer timeout must stay fast.  A crash is a crash of this program.  Prints the number of
 * inputs and the slowest one; exits 1 if an input was too slow or a path unreadable, 0 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "util.h"

struct replay {
	double max_seconds;
	size_t inputs;
	double slowest;
	char *slowest_path;
	int status;
};

static double replay_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void replay_file(struct replay *r, const char *path)
{
	struct nl_buf b = NL_BUF_INIT;
	struct nl_error err = {0};
	if (nl_read_file(path, 0, &b, &err) != NL_OK) {
		fprintf(stderr, "replay: %s\n", err.detail);
		r->status = 1;
		return;
	}
	/* A copy of exactly the input's size, so ASan sees any read past its end. */
	uint8_t *copy = nl_xmalloc(b.len ? b.len : 1);
	if (b.len)
		memcpy(copy, b.data, b.len);
	double t0 = replay_now();
	LLVMFuzzerTestOneInput(copy, b.len);
	double dt = replay_now() - t0;
	free(copy);
	nl_buf_free(&b);
	r->inputs++;
	if (dt > r->slowest) {
		r->slowest = dt;
		free(r->slowest_path);
		r->slowest_path = nl_xstrdup(path);
	}
	if (r->max_seconds > 0 && dt > r->max_seconds) {
		fprintf(stderr, "replay: %s took %.2f s (limit %.0f s)\n", path, dt, r->max_seconds);
		r->status = 1;
	}
}

static int replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(struct replay *r, const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->status = 1;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(r, path);
		return;
	}
	if (depth > 8)
		return;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->status = 1;
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = nl_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = nl_xasprintf("%s/%s", path, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, replay_cmp);
	for (size_t i = 0; i < n; i++) {
		replay_path(r, names[i], depth + 1);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	struct replay r = {.max_seconds = 10};
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--max-seconds") == 0) {
		r.max_seconds = atof(argv[i + 1]);
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [--max-seconds N] PATH...\n", argv[0]);
		return 64;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (; i < argc; i++)
		replay_path(&r, argv[i], 0);
	printf("replay: %zu inputs, slowest %.3f s (%s)\n", r.inputs, r.slowest,
	       r.slowest_path ? r.slowest_path : "-");
	free(r.slowest_path);
	return r.status;
}
