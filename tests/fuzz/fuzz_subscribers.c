/* fuzz_subscribers.c - a subscriber list (CSV, libcsv) streamed through nl_subscribers_open /
 * nl_subscribers_next until the end or a fatal error.  The reader takes a path, so each input is
 * written to one temporary file made at start-up (removed at exit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "subscribers.h"

static char fuzz_path[] = "/tmp/nl-fuzz-subscribers-XXXXXX";
static int fuzz_fd = -1;

static void fuzz_cleanup(void)
{
	if (fuzz_fd >= 0) {
		close(fuzz_fd);
		unlink(fuzz_path);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fd = mkstemp(fuzz_path);
	if (fuzz_fd < 0) {
		perror("fuzz_subscribers: mkstemp");
		abort();
	}
	atexit(fuzz_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fuzz_fd, 0) != 0 || pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();
	struct nl_error err = {0};
	struct nl_subscribers *list = NULL;
	if (nl_subscribers_open(fuzz_path, &list, &err) != NL_OK) {
		if (!err.detail[0])
			abort();
		return 0;
	}
	size_t n_cols = 0;
	(void)nl_subscribers_columns(list, &n_cols);
	for (size_t guard = 0; guard <= size + 1; guard++) { /* every call consumes at least one byte */
		const struct nl_subscriber *sub = NULL;
		enum nl_code rc = nl_subscribers_next(list, &sub, &err);
		if (rc == NL_ERR_SUBSCRIBER)
			continue;
		if (rc != NL_OK || !sub)
			break;
		if (!sub->email || !sub->name || sub->n_columns != n_cols)
			abort();
		for (size_t i = 0; i < sub->n_columns; i++) {
			const char *v = sub->values[i];
			if (!v || strpbrk(v, "\r\n"))
				abort(); /* documented: no CR, LF (or NUL) in any value */
		}
		(void)nl_subscriber_get(sub, "email");
		(void)nl_subscriber_get(sub, "no-such-column");
	}
	struct nl_subscribers_stats st = nl_subscribers_stats(list);
	if (st.accepted + st.rejected + st.duplicates > st.rows)
		abort();
	nl_subscribers_close(list);
	return 0;
}
