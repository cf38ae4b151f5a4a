/* tally.h - counting a campaign's deliveries, messages and survey answers into a plain result.
 *
 * The tally reads the state (store.h) and the survey stored with the campaign (campaign_survey.h),
 * and fills a struct nl_tally that holds everything a report shows: no store handle,
 * no survey pointer, only owned strings and numbers, so the writers (report.h) are pure functions of
 * it and tests can build one by hand.  Everything in it that came from a subscriber or a reply
 * (names, addresses, answers, raw lines) is untrusted and must be escaped by the writer.
 *
 * Definitions (README: "What counts as a respondent"):
 *   sent          deliveries in state `sent` (the server accepted them): the "delivered" figure;
 *   replies       inbound messages of class answer matched to the campaign;
 *   respondents   people (by case-insensitive address) with at least one readable answer (a
 *                 `likely` answer, proposed by the prose reader, is not readable until a person
 *                 confirms it; an answer settled by hand is);
 *   response_rate respondents / sent, or no rate when nothing was sent;
 *   unmatched     stranger messages (matched to no campaign, or to this one);
 *   unreadable    answers that could not be read and wait for a person (listed with the raw line);
 *   likely        answers proposed by the prose reader, waiting to be confirmed (never tallied);
 *   unreadable_messages  messages that could not be read at all (not attributable to a campaign,
 *                 so counted for every campaign, like unmatched).
 *
 * Besides the counts the tally keeps every reply (issue 12): its own words, who wrote it and when,
 * how it was matched, what was read from it (each reading with its level) and why a person should
 * look at it; and FOLLOW UP, the people who asked to be contacted: a yes to a follow-up question
 * (nl_question.follow_up), or a request in their own words without a clear yes or no.
 */
#ifndef NL_TALLY_H
#define NL_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"
#include "store.h"
#include "survey.h"

/* One bar of a distribution: a choice option, "yes"/"no", or a scale value. */
struct nl_tally_bin {
	char *label; /* owned; the option value, "yes", "no", or the number as text */
	int value;   /* scale only: the number */
	long count;
};

/* A person and, depending on the list, what they wrote. */
struct nl_tally_entry {
	char *email;  /* owned; untrusted */
	char *name;   /* owned; may be NULL; untrusted */
	char *text;   /* owned; text answers: the answer; unreadable: the raw line; yes list: NULL */
	bool settled; /* the answer was recorded by a person (mailer settle), not read from mail */
	enum nl_match match; /* NL_MATCH_FROM: the answer came matched by the From address only */
};

struct nl_tally_question {
	char *id; /* owned */
	enum nl_question_type type;
	char *text;                /* owned; the question as asked */
	long answered;             /* readable answers */
	struct nl_tally_bin *bins; /* owned; choice: every option in order; yesno: yes, no; scale: min..max */
	size_t n_bins;
	int min, max;               /* scale only */
	bool has_stats;             /* scale: true when answered > 0 */
	double mean, median;        /* scale, when has_stats */
	bool follow_up;             /* yesno: a yes asks to be contacted (its yeses are in FOLLOW UP) */
	struct nl_tally_entry *yes; /* owned; yesno: the people who said yes (every yes/no question) */
	size_t n_yes;
	struct nl_tally_entry *answers; /* owned; text: every answer with its author */
	size_t n_answers;
	struct nl_tally_entry *unreadable; /* owned; answers to settle by hand, with the raw line */
	size_t n_unreadable;
};

/* The first choice question crossed with the first scale question: for each option, how the people
 * who chose it rated the scale question. */
struct nl_tally_crosstab {
	bool present;    /* false when the survey lacks a choice or a scale question */
	size_t choice_q; /* index into questions */
	size_t scale_q;
	size_t n_rows;    /* options of the choice question */
	size_t n_cols;    /* max - min + 1 of the scale question */
	long *cells;      /* owned; n_rows * n_cols counts, row-major */
	long *row_n;      /* owned; people per row who answered both */
	double *row_mean; /* owned; mean scale per row (meaningless when row_n is 0) */
	long total_n;
	double total_mean;
};

/* The level of one reading: sure (tallied), likely (a proposed value for a person to confirm, not
 * tallied) or unreadable (shown with its sentence). */
enum nl_tally_level {
	NL_TALLY_SURE = 0,
	NL_TALLY_LIKELY = 1,
	NL_TALLY_UNREADABLE = 2,
};
/* "sure", "likely", "unreadable". */
const char *nl_tally_level_name(enum nl_tally_level level);

/* What was read from a reply for one question. */
struct nl_tally_reading {
	char *question; /* owned; the question id */
	char *text;     /* owned; the question as asked, NULL when the survey lacks the question */
	enum nl_tally_level level;
	char *value;  /* owned; sure: the canonical value; likely: the proposed one; unreadable: NULL */
	char *raw;    /* owned; the sentence or line it was read from; may be NULL; untrusted */
	char *rule;   /* owned; the reader ("numbered", "prose", ...), "settled by hand"; may be NULL */
	bool settled; /* recorded or confirmed by a person */
};

/* One reply (an inbound message of class answer matched to the campaign). */
struct nl_tally_reply {
	char *email;          /* owned; untrusted */
	char *name;           /* owned; from the delivery or the answers; may be NULL; untrusted */
	time_t received;      /* when it was collected */
	char *words;          /* owned; the reply's own words; NULL when the state has none (collected
	                       * before own words were kept); untrusted */
	enum nl_match match;  /* NL_MATCH_FROM: matched by the From address only (weaker evidence) */
	bool needs_look;      /* n_reasons > 0 */
	const char **reasons; /* owned array of static strings (NL_TALLY_REASON_*) */
	size_t n_reasons;
	char *contact; /* owned; the sentence asking to be contacted in words, or NULL; untrusted */
	struct nl_tally_reading *readings; /* owned; in survey order */
	size_t n_readings;
};

#define NL_TALLY_REASON_UNREAD "words not read as answers"
#define NL_TALLY_REASON_UNREADABLE "an answer could not be read"
#define NL_TALLY_REASON_LIKELY "answers to confirm"
#define NL_TALLY_REASON_CONTACT "asks to be contacted in words"

/* One person in FOLLOW UP. */
struct nl_tally_follow {
	char *email;    /* owned; untrusted */
	char *name;     /* owned; may be NULL */
	bool in_words;  /* false: said yes to a follow-up question; true: asked in their own words */
	char *question; /* owned; yes: the follow-up question's id; in words: NULL */
	char *sentence; /* owned; yes: the line the yes was read from (may be NULL); in words: the
	                 * sentence; untrusted */
	bool settled;   /* yes: recorded by a person */
	enum nl_match match; /* NL_MATCH_FROM: the yes or the words came matched by From only */
};

/* One respondent: the CSV row. */
struct nl_tally_respondent {
	char *email;         /* owned; as first seen */
	char *name;          /* owned; may be NULL */
	enum nl_match match; /* the weakest evidence among their answers (FROM is weaker than TOKEN) */
	char **values;       /* owned; n_questions entries, NULL where there is no readable answer */
};

struct nl_tally {
	char *campaign;  /* owned */
	char *subject;   /* owned; may be NULL */
	char *title;     /* owned; the article title, may be NULL */
	char *survey_id; /* owned; NULL when the article has no survey */
	char *note;      /* owned; NULL, or why the survey could not be read */
	time_t due;
	time_t generated;                     /* nl_now() when tallied */
	long sent, deferred, failed, pending; /* pending: sending or unknown */
	long bounced, complaints, unsubscribed;
	long replies, respondents;
	bool has_rate;        /* false when sent is 0 */
	double response_rate; /* respondents / sent, 0..1 (may exceed 1 if people answer a delivery that
	                       * is not `sent`, e.g. deferred after a duplicate) */
	long unmatched, unreadable, unreadable_messages;
	long likely;                         /* answers to confirm (not tallied) */
	long needs_look;                     /* replies a person should read (n_replies with needs_look) */
	struct nl_tally_question *questions; /* owned; in survey order */
	size_t n_questions;
	struct nl_tally_crosstab crosstab;
	struct nl_tally_respondent *people; /* owned; respondents, ordered by address */
	size_t n_people;
	/* FOLLOW UP: first those who said yes to a follow-up question (by address, each person once),
	 * then those who asked in their own words without a sure yes or no to one (by address). */
	struct nl_tally_follow *follow; /* owned */
	size_t n_follow, n_follow_yes;  /* n_follow_yes: how many of `follow` said yes */
	/* Every reply: those that need a look first, newest first, then the rest, newest first. */
	struct nl_tally_reply *replies_list; /* owned */
	size_t n_replies;
};

/* Tallies campaign `campaign_id` (NULL = the campaign created last).  The survey is the one stored
 * with the campaign (nl_campaign_survey: the serialized survey, or for older campaigns the stored
 * article source parsed again); if it cannot be read the figures are still filled, `note` says why
 * and the answers count only towards respondents.  On success *out is a new tally (free it with
 * nl_tally_free).  Returns NL_OK, NL_ERR_NOT_FOUND (no such campaign, or none at all) or
 * NL_ERR_STATE. */
NL_MUST_USE enum nl_code nl_tally_campaign(struct nl_store *store, const char *campaign_id, struct nl_tally **out,
                               struct nl_error *err);

/* The same for a campaign already read and a survey already known (`survey` may be NULL; it is
 * only read).  Used by nl_tally_campaign and by tests. */
NL_MUST_USE enum nl_code nl_tally_build(struct nl_store *store, const struct nl_campaign *campaign,
                            const struct nl_survey *survey, struct nl_tally **out, struct nl_error *err);

/* Tallies every campaign, oldest first.  *out gets an array of *n tallies (free with
 * nl_tally_free_all).  Returns NL_OK (n may be 0) or NL_ERR_STATE. */
NL_MUST_USE enum nl_code nl_tally_all(struct nl_store *store, struct nl_tally ***out, size_t *n, struct nl_error *err);

/* Computes mean and median of `count` integer values (need not be sorted; it is sorted in place).
 * Returns false when count is 0.  The median of an even count is the mean of the middle two. */
bool nl_tally_stats(int *values, size_t count, double *mean, double *median);

/* The tally's question with this id, or NULL. */
const struct nl_tally_question *nl_tally_find(const struct nl_tally *t, const char *id);

void nl_tally_free(struct nl_tally *t); /* NULL accepted */
void nl_tally_free_all(struct nl_tally **t, size_t n);

#endif
