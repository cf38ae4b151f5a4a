/* campaign_survey.h - a campaign's survey as it was sent, read back from the state.
 *
 * Since schema 2 the parsed survey (nl_survey_serialize) and the title are stored with the campaign
 * at send time, so collect and tally read the survey the readers were sent, whatever the article
 * parser has become since.  Campaigns recorded before that carry only the article's source: their
 * survey is parsed from it, as collect and tally used to.  Both the stored text and the stored
 * source are read as untrusted (the state may be damaged).
 */
#ifndef NL_CAMPAIGN_SURVEY_H
#define NL_CAMPAIGN_SURVEY_H

#include "article.h"
#include "error.h"
#include "store.h"
#include "survey.h"

/* The survey of campaign `c`: c->survey deserialized when present, else c->source parsed as the
 * article "<campaign id>.md".  On NL_OK *out is a new survey (nl_survey_free), or NULL when the
 * campaign has none.  `title` may be NULL; else *title gets a new string (free) or NULL: c->title
 * when stored (set even when the survey fails), else the parsed article's title.
 * Returns NL_OK, NL_ERR_STATE (the stored survey is damaged) or NL_ERR_ARTICLE (the stored source
 * of an old campaign no longer parses); the detail names the campaign. */
NL_MUST_USE enum nl_code nl_campaign_survey(const struct nl_campaign *c, struct nl_survey **out, char **title,
                                struct nl_error *err);

/* Records the campaign of `article` for sending: nl_store_campaign_ensure (subject, `article_path`,
 * source, due date) and nl_store_campaign_set_survey (the serialized survey and the title), in one
 * transaction.  Returns NL_OK or the store's code. */
NL_MUST_USE enum nl_code nl_campaign_record(struct nl_store *store, const struct nl_article *article,
                                const char *article_path, struct nl_error *err);

#endif
