/* campaign_survey.c - a campaign's survey from the state (see campaign_survey.h): the stored
 * serialized survey, or, for campaigns recorded before schema 2, the stored article source parsed
 * again.  Also the one place that records a campaign with its survey at send time, so the two
 * sides of the stored form stay together.
 */
#include "campaign_survey.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum nl_code nl_campaign_survey(const struct nl_campaign *c, struct nl_survey **out, char **title,
                                struct nl_error *err)
{
	enum nl_code rc = NL_OK;
	struct nl_error e = {0};
	*out = NULL;
	if (title)
		*title = c->title ? nl_xstrdup(c->title) : NULL;
	const char *id = c->id ? c->id : "?";
	if (c->survey) {
		if ((rc = nl_survey_deserialize(c->survey, out, &e)) != NL_OK)
			return nl_fail(err, rc, "campaign '%s': %s", id,
			               e.detail[0] ? e.detail : nl_strerror(rc));
		return NL_OK;
	}
	if (!c->source)
		return NL_OK; /* nothing was stored to read a survey from */
	struct nl_article *a = NULL;
	char *path = nl_xasprintf("%s.md", id); /* the campaign id is the article's base name */
	rc = nl_article_parse(path, c->source, strlen(c->source), &a, &e);
	free(path);
	if (rc != NL_OK)
		return nl_fail(err, rc, "campaign '%s': its stored article: %s", id,
		               e.detail[0] ? e.detail : nl_strerror(rc));
	*out = a->survey;
	a->survey = NULL;
	if (title && !*title && a->title)
		*title = nl_xstrdup(a->title);
	nl_article_free(a);
	return NL_OK;
}

enum nl_code nl_campaign_record(struct nl_store *store, const struct nl_article *article,
                                const char *article_path, struct nl_error *err)
{
	char *survey = nl_survey_serialize(article->survey);
	enum nl_code rc = nl_store_begin(store, err);
	if (rc == NL_OK)
		rc = nl_store_campaign_ensure(store, article->campaign, article->subject, article_path,
		                              article->source, article->date, err);
	if (rc == NL_OK)
		rc = nl_store_campaign_set_survey(store, article->campaign, survey, article->title, err);
	if (rc == NL_OK)
		rc = nl_store_commit(store, err);
	else
		nl_store_rollback(store);
	free(survey);
	return rc;
}
