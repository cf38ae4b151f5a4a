/* survey.c - the survey definition an article carries (DESIGN.md §3): question types and lookup.
 *
 * article.c fills the definition from the front matter; reading answers out of replies lives in
 * answers.c.
 */
#include "survey.h"

#include <stdlib.h>
#include <string.h>

static const char *const survey_type_names[] = {
    [NL_Q_CHOICE] = "choice",
    [NL_Q_SCALE] = "scale",
    [NL_Q_YESNO] = "yesno",
    [NL_Q_TEXT] = "text",
};

const char *nl_question_type_name(enum nl_question_type type)
{
	if ((unsigned)type >= sizeof survey_type_names / sizeof survey_type_names[0])
		return NULL;
	return survey_type_names[type];
}

bool nl_question_type_parse(const char *name, enum nl_question_type *out)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof survey_type_names / sizeof survey_type_names[0]; i++) {
		if (strcmp(name, survey_type_names[i]) == 0) {
			*out = (enum nl_question_type)i;
			return true;
		}
	}
	return false;
}

void nl_survey_free(struct nl_survey *survey)
{
	if (!survey)
		return;
	for (size_t i = 0; i < survey->n_questions; i++) {
		struct nl_question *q = &survey->questions[i];
		free(q->id);
		free(q->text);
		for (size_t j = 0; j < q->n_options; j++)
			free(q->options[j]);
		free(q->options);
	}
	free(survey->questions);
	free(survey->id);
	free(survey);
}

const struct nl_question *nl_survey_find(const struct nl_survey *survey, const char *id)
{
	if (!survey || !id)
		return NULL;
	for (size_t i = 0; i < survey->n_questions; i++)
		if (survey->questions[i].id && strcmp(survey->questions[i].id, id) == 0)
			return &survey->questions[i];
	return NULL;
}
