/* fuzz_article.c - an article file: YAML front matter (libyaml) and Markdown (cmark) rendered to
 * HTML and plain text, as nl_article_parse does for `mailer send` and `preview`; and the terminal
 * renderer; and the survey's stored form (nl_survey_serialize) reading back the same. */
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_error err = {0};
	struct nl_article *a = NULL;
	if (nl_article_parse("articles/fuzz.md", (const char *)data, size, &a, &err) == NL_OK) {
		if (!a->html || !a->text || !a->title || !a->subject || !a->campaign)
			abort(); /* required fields of a parsed article */
		if (a->survey) {
			for (size_t i = 0; i < a->survey->n_questions; i++)
				if (!a->survey->questions[i].id || !a->survey->questions[i].text)
					abort();
		}
		/* What send stores with the campaign reads back as the same survey. */
		char *stored = nl_survey_serialize(a->survey);
		struct nl_survey *back = NULL;
		if (nl_survey_deserialize(stored, &back, &err) != NL_OK ||
		    (a->survey != NULL) != (back != NULL))
			abort();
		char *again = nl_survey_serialize(back);
		if (strcmp(stored, again) != 0)
			abort();
		free(again);
		free(stored);
		nl_survey_free(back);
		nl_article_free(a);
	} else if (!err.detail[0]) {
		abort(); /* an error must say what is wrong */
	}
	/* The Markdown renderer alone, on the whole input, at two widths. */
	free(nl_markdown_to_text((const char *)data, size, 72));
	free(nl_markdown_to_text((const char *)data, size, 1));
	return 0;
}
