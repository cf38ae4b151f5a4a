/* fuzz_message.c - inbound message bytes through the whole collect path after the mailbox:
 * nl_message_parse -> nl_reply_analyse -> nl_reply_split / nl_reply_strip_text ->
 * nl_answers_read with the survey of the example article (articles/), and the mailto answer
 * reader.  Nothing touches the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "fuzz.h"
#include "message.h"
#include "answers.h"
#include "reply.h"
#include "survey.h"

static struct nl_article *fuzz_article;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct nl_error err = {0};
	if (nl_article_load(NL_SOURCE_DIR "/articles/2026-11-job-or-career.md", &fuzz_article, &err) != NL_OK ||
	    !fuzz_article->survey) {
		fprintf(stderr, "fuzz_message: cannot load the example survey: %s\n", err.detail);
		abort();
	}
	return 0;
}

static void fuzz_answers(const struct nl_survey *survey, const struct nl_reply_line *lines, size_t n)
{
	struct nl_answers a;
	nl_answers_read(survey, lines, n, &a);
	for (size_t i = 0; i < a.count; i++)
		if (a.items[i].question >= survey->n_questions)
			abort(); /* an answer to a question that does not exist */
	nl_answers_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nl_survey *survey = fuzz_article->survey;
	struct nl_error err = {0};
	struct nl_message *msg = NULL;
	if (nl_message_parse((const char *)data, size, &msg, &err) != NL_OK) {
		if (!err.detail[0])
			abort(); /* unreadable must come with a reason */
		return 0;
	}
	struct nl_reply_options opt = {.unsubscribe_address = "unsubscribe@example.test"};
	struct nl_reply *reply = NULL;
	if (nl_reply_analyse(msg, &opt, &reply, &err) != NL_OK)
		abort(); /* documented never to fail on odd input */
	fuzz_answers(survey, reply->lines, reply->n_lines);
	if (reply->mailto_question && reply->mailto_value) {
		const struct nl_question *q = nl_survey_find(survey, reply->mailto_question);
		if (q) {
			struct nl_answer one;
			nl_answers_read_value(survey, (size_t)(q - survey->questions), reply->mailto_value,
			                     strlen(reply->mailto_value), &one);
			free(one.value);
			free(one.raw);
		}
	}
	nl_reply_free(reply);

	/* The body again through the splitter alone, as collect does for text it has in hand. */
	struct nl_reply_line *lines = NULL;
	size_t n = 0;
	nl_reply_split(msg->text, strlen(msg->text), &lines, &n);
	fuzz_answers(survey, lines, n);
	free(lines);
	free(nl_reply_strip_text(msg->text, strlen(msg->text)));
	nl_message_free(msg);

	/* The raw bytes as a body, too: the splitter must take any text, not only what the parser made. */
	nl_reply_split((const char *)data, size, &lines, &n);
	fuzz_answers(survey, lines, n);
	free(lines);
	return 0;
}
