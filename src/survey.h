/* survey.h - the survey definition carried by an article, and turning reply text into answers.
 *
 * The definition is filled by article.c from the front matter (DESIGN.md §3) and read by the
 * composer (the survey block), the answer reader (below) and the report.  The answer reader takes
 * untrusted text from replies.
 */
#ifndef NL_SURVEY_H
#define NL_SURVEY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum nl_question_type {
	NL_Q_CHOICE = 0,
	NL_Q_SCALE = 1,
	NL_Q_YESNO = 2,
	NL_Q_TEXT = 3,
};

struct nl_question {
	char *id;                    /* owned; [a-z0-9_-]+, unique within the survey */
	enum nl_question_type type;
	char *text;                  /* owned; the question as shown to the reader */
	char **options;              /* owned; choice only: the option values, in order */
	size_t n_options;
	int min, max;                /* scale only: inclusive bounds */
};

struct nl_survey {
	char *id;                    /* owned; the survey id, e.g. "career-2026-11" */
	struct nl_question *questions; /* owned */
	size_t n_questions;
};

/* "choice", "scale", "yesno", "text"; NULL for an unknown value. */
const char *nl_question_type_name(enum nl_question_type type);
/* Inverse of the above; false for an unknown name. */
bool nl_question_type_parse(const char *name, enum nl_question_type *out);

/* Frees everything the survey owns, and the survey itself. NULL accepted. */
void nl_survey_free(struct nl_survey *survey);
/* The question with this id, or NULL. */
const struct nl_question *nl_survey_find(const struct nl_survey *survey, const char *id);

/* ---- Reading answers from a reply (untrusted input) ---- */

enum nl_answer_status {
	NL_ANSWER_OK = 0,
	NL_ANSWER_UNREADABLE = 1, /* ambiguous or out of range: kept with the raw line, never guessed */
};

struct nl_answer {
	size_t question;             /* index into survey->questions */
	enum nl_answer_status status;
	char *value;                 /* owned; OK only: the option value, "yes"/"no", the number, or the text */
	char *raw;                   /* owned; the line the answer was read from */
};

struct nl_answers {
	struct nl_answer *items;     /* owned; at most one per question */
	size_t count;
};

/* One line of a reply body after quote detection (see reply.h): `quoted` lines belong to the
 * original message (the questions and the example answers), the others are the person's own. */
struct nl_reply_line {
	const char *text;            /* UTF-8, without the quote markers, not NUL-terminated */
	size_t len;
	bool quoted;
};

/* Reads the answers out of `lines`.  Only unquoted lines can carry answers; a quoted line that is
 * one of the survey's questions makes the unquoted lines right after it an inline answer to that
 * question.  `out` is filled (the caller frees it with nl_answers_free) and may be empty. */
void nl_survey_read_answers(const struct nl_survey *survey, const struct nl_reply_line *lines, size_t n_lines,
                            struct nl_answers *out);
void nl_answers_free(struct nl_answers *answers);

/* Reads one value (e.g. the VALUE of a mailto answer subject "[survey TOKEN QID=VALUE]") as an
 * answer to question index `question`.  *out is filled either way (OK with value, or UNREADABLE with
 * the raw text); the caller frees out->value and out->raw.  Returns true when OK. */
bool nl_survey_read_value(const struct nl_survey *survey, size_t question, const char *value, size_t len,
                          struct nl_answer *out);

#endif
