/* survey.h - the survey definition carried by an article (doc/DESIGN.md §3).
 *
 * The definition is filled by article.c from the front matter, stored with the campaign at send
 * time (nl_survey_serialize) and read back by collect and tally (nl_survey_deserialize), so a
 * campaign's report never depends on the article parser again.  It is read by the composer (the
 * survey block), the answer readers (answers.h, collect side) and the report.
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

struct nl_alias {
	size_t option;               /* index into options */
	char *text;                  /* owned; as written in the front matter */
};

struct nl_question {
	char *id;                    /* owned; [a-z0-9_-]+, unique within the survey */
	enum nl_question_type type;
	char *text;                  /* owned; the question as shown to the reader */
	char **options;              /* owned; choice only: the option values, in order */
	size_t n_options;
	int min, max;                /* scale only: inclusive bounds */
	/* Other words for an option (synonyms, translations): front matter `aliases:`, a map from
	 * option value to a list of words.  Choice only. */
	struct nl_alias *aliases;    /* owned */
	size_t n_aliases;
	/* Words that refer to the question besides its own text: front matter `keywords:`. */
	char **keywords;             /* owned */
	size_t n_keywords;
	/* yes/no only: a "yes" asks to be contacted (FOLLOW UP).  Front matter `follow_up:`; when
	 * absent, true when the question's words are about being contacted (nl_lexicon_contact). */
	bool follow_up;
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

/* The survey as one self-contained text (every field above), for the state.  Returns a new string
 * the caller frees.  NULL (no survey) has a text of its own, which reads back as *out == NULL. */
char *nl_survey_serialize(const struct nl_survey *survey);
/* Reads what nl_survey_serialize wrote.  On NL_OK *out is a new survey (nl_survey_free).  Returns
 * NL_ERR_STATE for text it did not write (the detail says where). */
NL_MUST_USE enum nl_code nl_survey_deserialize(const char *text, struct nl_survey **out, struct nl_error *err);

#endif
