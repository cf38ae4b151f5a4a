/* fuzz_template.c - templates: nl_template_parse in both modes, then nl_template_render with values
 * taken from the input (any bytes), under a buffer cap.
 *
 * Input layout: the first byte picks the mode; the rest, up to the first NUL, is the template, and
 * what follows the NUL is split at further NULs into variable values. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "template.h"

static const char *const fuzz_vars[] = {"name", "email", "city", "title", "subject", "content", "survey",
                                        "unsubscribe", "preheader", "date"};
#define FUZZ_NVARS (sizeof fuzz_vars / sizeof fuzz_vars[0])

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static bool fuzz_has(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum nl_template_mode mode = (data[0] & 1) ? NL_TEMPLATE_TEXT : NL_TEMPLATE_HTML;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	const char *nul = memchr(s, '\0', n);
	size_t tlen = nul ? (size_t)(nul - s) : n;

	struct nl_span values[FUZZ_NVARS];
	memset(values, 0, sizeof values);
	if (nul) {
		const char *v = nul + 1, *end = s + n;
		for (size_t i = 0; i < FUZZ_NVARS && v <= end; i++) {
			const char *e = memchr(v, '\0', (size_t)(end - v));
			if (!e)
				e = end;
			values[i] = (struct nl_span){v, (size_t)(e - v)};
			v = e + 1;
		}
	}

	struct nl_error err = {0};
	struct nl_template *tpl = NULL;
	if (nl_template_parse("templates/fuzz.html", s, tlen, fuzz_vars, FUZZ_NVARS, mode, &tpl, &err) != NL_OK) {
		if (!err.detail[0])
			abort();
		return 0;
	}
	struct nl_buf out;
	nl_buf_init(&out, 1 << 20);
	nl_template_render(tpl, values, &out);
	for (size_t i = 0; i < FUZZ_NVARS; i++)
		(void)nl_template_uses(tpl, i);
	/* HTML mode never lets a value's markup through {{var}} (only {{{var}}} is raw). */
	if (mode == NL_TEMPLATE_HTML && !memchr(s, '<', tlen) && !fuzz_has(s, tlen, "{{{") && !nl_buf_failed(&out) &&
	    out.len && memchr(out.data, '<', out.len))
		abort();
	nl_buf_free(&out);
	nl_template_free(tpl);
	return 0;
}
