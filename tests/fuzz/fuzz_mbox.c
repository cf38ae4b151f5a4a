/* fuzz_mbox.c - an mbox file (the `mbox:FILE` inbox): split into messages by inbox.c, each then
 * parsed and analysed like fuzz_message does.  The inbox reads a path, so each input is written to
 * one temporary file made at start-up (removed at exit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "inbox.h"
#include "message.h"
#include "reply.h"

static char fuzz_path[] = "/tmp/nl-fuzz-mbox-XXXXXX";
static char *fuzz_url;
static int fuzz_fd = -1;

static void fuzz_cleanup(void)
{
	if (fuzz_fd >= 0) {
		close(fuzz_fd);
		unlink(fuzz_path);
	}
	free(fuzz_url);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fd = mkstemp(fuzz_path);
	if (fuzz_fd < 0) {
		perror("fuzz_mbox: mkstemp");
		abort();
	}
	size_t n = strlen(fuzz_path) + 6;
	fuzz_url = malloc(n);
	if (!fuzz_url)
		abort();
	snprintf(fuzz_url, n, "mbox:%s", fuzz_path);
	atexit(fuzz_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fuzz_fd, 0) != 0 || pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();
	struct nl_inbox_options opt = {.url = fuzz_url};
	struct nl_error err = {0};
	struct nl_inbox *in = NULL;
	if (nl_inbox_open(&opt, &in, &err) != NL_OK)
		return 0;
	uint32_t uv = 0;
	if (nl_inbox_scan(in, 0, 0, &uv, &err) == NL_OK) {
		size_t count = nl_inbox_count(in), seen = 0;
		for (;;) {
			struct nl_inbox_message m;
			memset(&m, 0, sizeof m);
			enum nl_code rc = nl_inbox_next(in, &m, &err);
			if (rc == NL_ERR_NOT_FOUND || rc == NL_ERR_INBOX)
				break;
			if (++seen > count + 1)
				abort(); /* more messages than the scan counted */
			if (rc != NL_OK)
				continue;
			if (m.len > size || !m.location)
				abort();
			struct nl_message *msg = NULL;
			if (nl_message_parse(m.data, m.len, &msg, &err) == NL_OK) {
				struct nl_reply *r = NULL;
				if (nl_reply_analyse(msg, NULL, &r, &err) != NL_OK)
					abort();
				nl_reply_free(r);
				nl_message_free(msg);
			}
		}
	}
	nl_inbox_close(in);
	return 0;
}
