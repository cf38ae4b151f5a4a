/* fuzz_dsn.c - the delivery report reader: nl_message_parse, then dsn.c's RFC 3464 / plain-text
 * bounce reader and its ARF (RFC 5965) reader on the result, then the whole classification. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dsn.h"
#include "fuzz.h"
#include "message.h"
#include "reply.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void fuzz_check(const struct nl_reply *r)
{
	for (size_t i = 0; i < r->n_bounces; i++) {
		const struct nl_bounce *b = &r->bounces[i];
		if (memchr(b->status, '\0', sizeof b->status) == NULL || !b->reason)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_error err = {0};
	struct nl_message *msg = NULL;
	if (nl_message_parse((const char *)data, size, &msg, &err) != NL_OK)
		return 0;

	struct nl_reply *r = nl_xcalloc(1, sizeof *r);
	if (nl_dsn_read(msg, r))
		fuzz_check(r);
	nl_reply_free(r);

	r = nl_xcalloc(1, sizeof *r);
	if (nl_dsn_read_arf(msg, r))
		fuzz_check(r);
	nl_reply_free(r);

	if (nl_reply_analyse(msg, NULL, &r, &err) != NL_OK)
		abort();
	fuzz_check(r);
	nl_reply_free(r);
	nl_message_free(msg);

	/* The classifier alone on the raw bytes, as a diagnostic text. */
	struct nl_bounce b;
	memset(&b, 0, sizeof b);
	memcpy(b.status, "5.0.0", 6);
	nl_dsn_classify(&b, (const char *)data, size);
	if (!b.reason)
		abort();
	return 0;
}
