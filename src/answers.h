/* answers.h - reading survey answers out of a person's reply (doc/DESIGN.md §8, issue 12).
 *
 * The collect side of the survey: the sending side never links this.  Stages, each small and
 * separate: the reply's own words (reply.h: lines not quoted), sentences, one reader per form
 * (numbered, by id, inline under a quoted question, mailto, answers in the questions' order,
 * prose), then readings with a level and evidence.  A wrong tally is worse than a missing one:
 * only `sure` readings are tallied; `likely` ones are proposed to the coach; `unreadable` ones are
 * shown with their sentence.
 *
 * Handles untrusted input; linear in the size of the text.
 */
#ifndef NL_ANSWERS_H
#define NL_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"
#include "survey.h"

enum nl_answer_status {
	NL_ANSWER_OK = 0,         /* sure: tallied */
	NL_ANSWER_UNREADABLE = 1, /* ambiguous or out of range: kept with the raw sentence */
	NL_ANSWER_LIKELY = 2,     /* a proposed value, not tallied: the coach confirms (mailer settle) */
};

/* "sure", "unreadable", "likely"; never NULL. */
const char *nl_answer_level_name(enum nl_answer_status status);

struct nl_answer {
	size_t question; /* index into survey->questions */
	enum nl_answer_status status;
	char *value;      /* owned; OK and LIKELY: the option value, "yes"/"no", the number,
	                   * or the text; NULL when unreadable */
	char *raw;        /* owned; the line or sentence the answer was read from */
	const char *rule; /* static; the reader that read it: "numbered", "by id", "inline",
	                   * "mailto", "unnumbered", "in order", "prose" */
};

struct nl_answers {
	struct nl_answer *items; /* owned; at most one per question, in question order */
	size_t count;
	/* The person asks to be contacted in their own words ("I would really like a call"): the
	 * sentence, owned; NULL when they do not (a yes to a follow-up question is in items). */
	char *contact;
	/* Own words that no reader turned into an answer and that are more than a greeting, thanks or
	 * a sign-off: a person should read them. */
	bool unread_words;
};

/* Reads the answers out of `lines`.  Only unquoted lines can carry answers; a quoted line that is
 * one of the survey's questions makes the unquoted lines right after it an inline answer to that
 * question.  `out` is filled (the caller frees it with nl_answers_free) and may be empty.
 * `survey` may be NULL: then only `contact` and `unread_words` are filled. */
void nl_answers_read(const struct nl_survey *survey, const struct nl_reply_line *lines, size_t n_lines,
                     struct nl_answers *out);
void nl_answers_free(struct nl_answers *answers);

/* Reads one value (e.g. the VALUE of a mailto answer subject "[survey TOKEN QID=VALUE]", or a value
 * given to `mailer settle`) as an answer to question index `question`.  *out is filled either way
 * (OK with value, or UNREADABLE with the raw text); the caller frees out->value and out->raw.
 * Returns true when OK. */
bool nl_answers_read_value(const struct nl_survey *survey, size_t question, const char *value, size_t len,
                           struct nl_answer *out);

#endif
