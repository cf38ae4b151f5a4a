/* fuzz_decode.c - the decoders the message parser uses, each on raw bytes: RFC 2047 header
 * decoding, charset conversion to UTF-8 (the first line of the input names the charset), HTML to
 * text, base64, and the quoted-printable decoder of mime.c.  Their output must be valid UTF-8 where
 * documented so. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "message.h"
#include "mime.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t words = 0;
	char *h = nl_header_decode_words(s, size, &words);
	free(h);

	const char *nl = memchr(s, '\n', size < 64 ? size : 64);
	if (nl) {
		char *cs = nl_xstrndup(s, (size_t)(nl - s));
		char *u = nl_charset_to_utf8(cs, nl + 1, size - (size_t)(nl + 1 - s));
		if (!nl_utf8_valid(u, strlen(u)))
			abort(); /* documented: invalid bytes become U+FFFD */
		free(u);
		free(cs);
	}

	struct nl_buf out = NL_BUF_INIT;
	struct nl_error err = {0};
	if (nl_html_render(s, size, &out, &err) != NL_OK) {
		/* over a bound: a clean error is all that is asked */
	}
	nl_buf_free(&out);

	nl_base64_decode(&out, s, size);
	nl_buf_free(&out);
	(void)nl_mime_qp_decode(&out, s, size);
	nl_buf_free(&out);
	return 0;
}
