/* test_tally.c - the tally of the fixed state (report_fixture.c) against hand-computed
 * figures: response rate, mean, median, option counts with zeros, the follow-up list, the
 * crosstab, unreadable answers, strangers; and nl_tally_stats on small sets.  The replies fixture
 * (issue 12): the list of replies, its order, each reply's reasons and readings, likely answers
 * left out of the tally, an answer settled by hand, and FOLLOW UP (a yes to a follow-up question,
 * or a request in words; a yes to "changing jobs?" is not one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tally.h"
#include "report_fixture.h"
#include "util.h"

struct fixture {
	char dir[64];
	char path[96];
	struct nl_store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_tally.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
	if (report_fixture_build(f->path) != 0)
		return -1;
	struct nl_error err = {0};
	if (nl_store_open(f->path, &f->store, &err) != NL_OK)
		return -1;
	nl_now_set(REPORT_FIXTURE_NOW);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nl_store_close(f->store);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	nl_now_set(0);
	return rc == 0 ? 0 : -1;
}

static const struct nl_tally_bin *bin(const struct nl_tally_question *q, const char *label)
{
	for (size_t i = 0; i < q->n_bins; i++)
		if (strcmp(q->bins[i].label, label) == 0)
			return &q->bins[i];
	fail_msg("no bin '%s' in question %s", label, q->id);
	return NULL;
}

static void test_figures(void **state)
{
	struct fixture *f = *state;
	struct nl_tally *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_tally_campaign(f->store, NULL, &t, &err), NL_OK); /* latest = November */
	assert_string_equal(t->campaign, "career-2026-11");
	assert_string_equal(t->subject, "Job or career: which one are you in?");
	assert_string_equal(t->survey_id, "career-2026-11");
	assert_null(t->note);
	assert_int_equal(t->sent, 9);
	assert_int_equal(t->deferred, 1);
	assert_int_equal(t->failed, 1);
	assert_int_equal(t->pending, 0);
	assert_int_equal(t->bounced, 1);
	assert_int_equal(t->complaints, 1);
	assert_int_equal(t->unsubscribed, 1);
	assert_int_equal(t->replies, 7);
	assert_int_equal(t->respondents, 6);
	assert_true(t->has_rate);
	assert_float_equal(t->response_rate, 6.0 / 9.0, 1e-12);
	assert_int_equal(t->unmatched, 2);
	assert_int_equal(t->unreadable, 3);
	assert_int_equal(t->unreadable_messages, 1);
	assert_int_equal(t->generated, REPORT_FIXTURE_NOW);
	nl_tally_free(t);
}

static void test_questions(void **state)
{
	struct fixture *f = *state;
	struct nl_tally *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_tally_campaign(f->store, "career-2026-11", &t, &err), NL_OK);
	assert_int_equal(t->n_questions, 4);

	const struct nl_tally_question *work = nl_tally_find(t, "work");
	assert_non_null(work);
	assert_int_equal(work->answered, 6);
	assert_int_equal(work->n_bins, 3);
	assert_string_equal(work->bins[0].label, "job"); /* survey order, zeros included */
	assert_int_equal(bin(work, "job")->count, 2);
	assert_int_equal(bin(work, "career")->count, 3);
	assert_int_equal(bin(work, "not sure")->count, 1);
	assert_int_equal(work->n_unreadable, 1);
	assert_string_equal(work->unreadable[0].email, "dave@example.test");
	assert_string_equal(work->unreadable[0].text, "1 both really");

	const struct nl_tally_question *sat = nl_tally_find(t, "satisfaction");
	assert_int_equal(sat->answered, 5);
	assert_true(sat->has_stats);
	assert_float_equal(sat->mean, 3.2, 1e-12);   /* (4+2+5+3+2)/5 */
	assert_float_equal(sat->median, 3.0, 1e-12); /* 2 2 [3] 4 5 */
	assert_int_equal(sat->n_bins, 5);
	long expect[5] = {0, 2, 1, 1, 1};
	for (int v = 0; v < 5; v++) {
		assert_int_equal(sat->bins[v].value, v + 1);
		assert_int_equal(sat->bins[v].count, expect[v]);
	}
	assert_int_equal(sat->n_unreadable, 1);
	assert_string_equal(sat->unreadable[0].name, "Émile Zola");
	assert_string_equal(sat->unreadable[0].text, "2 about a seven");

	const struct nl_tally_question *consult = nl_tally_find(t, "consult");
	assert_int_equal(consult->answered, 5);
	assert_int_equal(bin(consult, "yes")->count, 4);
	assert_int_equal(bin(consult, "no")->count, 1);
	assert_int_equal(consult->n_yes, 4);
	/* ordered by address */
	assert_string_equal(consult->yes[0].email, "emile@example.test");
	assert_string_equal(consult->yes[1].email, "eve@example.test");
	assert_string_equal(consult->yes[2].email, "taro@example.jp.test");
	assert_string_equal(consult->yes[2].name, "山田 太郎");
	assert_string_equal(consult->yes[3].email, "zoe@example.test");
	assert_int_equal(consult->n_unreadable, 1);
	assert_string_equal(consult->unreadable[0].text, "3 maybe later?");

	const struct nl_tally_question *change = nl_tally_find(t, "change");
	assert_int_equal(change->answered, 5);
	assert_int_equal(change->n_answers, 5);
	assert_string_equal(change->answers[0].email, "ana@example.test");
	assert_string_equal(change->answers[0].text, "\"><img src=x onerror=alert(1)>");
	assert_string_equal(change->answers[1].text, "first line\nsecond line, with a comma");
	nl_tally_free(t);
}

static void test_crosstab_and_people(void **state)
{
	struct fixture *f = *state;
	struct nl_tally *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_tally_campaign(f->store, "career-2026-11", &t, &err), NL_OK);
	const struct nl_tally_crosstab *x = &t->crosstab;
	assert_true(x->present);
	assert_int_equal(x->choice_q, 0);
	assert_int_equal(x->scale_q, 1);
	assert_int_equal(x->n_rows, 3);
	assert_int_equal(x->n_cols, 5);
	assert_int_equal(x->row_n[0], 2);
	assert_float_equal(x->row_mean[0], 2.5, 1e-12);
	assert_int_equal(x->row_n[1], 2);
	assert_float_equal(x->row_mean[1], 4.5, 1e-12);
	assert_int_equal(x->row_n[2], 1);
	assert_float_equal(x->row_mean[2], 2.0, 1e-12);
	assert_int_equal(x->total_n, 5);
	assert_float_equal(x->total_mean, 3.2, 1e-12);
	assert_int_equal(x->cells[0 * 5 + 1], 1); /* job, 2: taro */
	assert_int_equal(x->cells[0 * 5 + 2], 1); /* job, 3: bob */
	assert_int_equal(x->cells[1 * 5 + 3], 1); /* career, 4: zoe */
	assert_int_equal(x->cells[1 * 5 + 4], 1); /* career, 5: ana */
	assert_int_equal(x->cells[2 * 5 + 1], 1); /* not sure, 2: eve */

	assert_int_equal(t->n_people, 6);
	static const char *const order[] = {"ana@example.test", "bob@example.test",     "emile@example.test",
	                                    "eve@example.test", "taro@example.jp.test", "zoe@example.test"};
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(t->people[i].email, order[i]);
	assert_int_equal(t->people[2].match, NL_MATCH_FROM); /* emile matched by From only */
	assert_int_equal(t->people[0].match, NL_MATCH_TOKEN);
	assert_null(t->people[2].values[1]); /* emile's unreadable satisfaction */
	assert_string_equal(t->people[1].values[0], "job");
	assert_null(t->people[1].values[2]); /* bob's unreadable consult */
	nl_tally_free(t);
}

static void test_all_and_even_median(void **state)
{
	struct fixture *f = *state;
	struct nl_tally **all = NULL;
	size_t n = 0;
	struct nl_error err = {0};
	assert_int_equal(nl_tally_all(f->store, &all, &n, &err), NL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(all[0]->campaign, "career-2026-10"); /* oldest first */
	assert_string_equal(all[1]->campaign, "career-2026-11");
	const struct nl_tally *oct = all[0];
	assert_int_equal(oct->sent, 3);
	assert_int_equal(oct->respondents, 2);
	assert_float_equal(oct->response_rate, 2.0 / 3.0, 1e-12);
	assert_int_equal(oct->unmatched, 2); /* strangers belong to no campaign: shown with each */
	const struct nl_tally_question *sat = nl_tally_find(oct, "satisfaction");
	assert_float_equal(sat->mean, 3.5, 1e-12);
	assert_float_equal(sat->median, 3.5, 1e-12); /* (3+4)/2 */
	assert_int_equal(nl_tally_find(oct, "work")->n_bins, 2);
	assert_non_null(nl_tally_find(oct, "hours"));
	assert_null(nl_tally_find(oct, "consult"));
	nl_tally_free_all(all, n);
}

static void test_not_found(void **state)
{
	struct fixture *f = *state;
	struct nl_tally *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_tally_campaign(f->store, "no-such", &t, &err), NL_ERR_NOT_FOUND);
	assert_null(t);
	assert_non_null(strstr(err.detail, "no-such"));
}

/* A campaign whose stored article no longer parses still gets its figures, with a note. */
static void test_broken_article(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	assert_int_equal(nl_store_campaign_ensure(f->store, "broken", "Broken", "broken.md",
	                                          "---\ntitle: [unclosed\n---\nbody\n", 0, &err),
	                 NL_OK);
	struct nl_tally *t = NULL;
	assert_int_equal(nl_tally_campaign(f->store, "broken", &t, &err), NL_OK);
	assert_non_null(t->note);
	assert_int_equal(t->n_questions, 0);
	assert_int_equal(t->sent, 0);
	assert_false(t->has_rate);
	nl_tally_free(t);
}

static void test_stats(void **state)
{
	double mean, median;
	int none[1] = {0};
	assert_false(nl_tally_stats(none, 0, &mean, &median));
	int one[] = {4};
	assert_true(nl_tally_stats(one, 1, &mean, &median));
	assert_float_equal(mean, 4, 1e-12);
	assert_float_equal(median, 4, 1e-12);
	int odd[] = {5, 1, 4};
	assert_true(nl_tally_stats(odd, 3, &mean, &median));
	assert_float_equal(mean, 10.0 / 3.0, 1e-12);
	assert_float_equal(median, 4, 1e-12);
	int even[] = {1, 5, 2, 4};
	assert_true(nl_tally_stats(even, 4, &mean, &median));
	assert_float_equal(mean, 3, 1e-12);
	assert_float_equal(median, 3, 1e-12);
	int skew[] = {1, 1, 1, 5};
	assert_true(nl_tally_stats(skew, 4, &mean, &median));
	assert_float_equal(mean, 2, 1e-12);
	assert_float_equal(median, 1, 1e-12);
}

/* The main fixture: every reply with its own words; three need a look. */
static void test_replies_main(void **state)
{
	struct fixture *f = *state;
	struct nl_tally *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_tally_campaign(f->store, "career-2026-11", &t, &err), NL_OK);
	assert_int_equal(t->n_replies, 7);
	assert_int_equal(t->n_replies, (size_t)t->replies);
	assert_int_equal(t->needs_look, 3);
	assert_int_equal(t->likely, 0);
	/* needs a look first; all were collected at the same second: the last collected first */
	assert_string_equal(t->replies_list[0].email, "dave@example.test");
	assert_true(t->replies_list[0].needs_look);
	assert_int_equal(t->replies_list[0].n_reasons, 2);
	assert_string_equal(t->replies_list[0].reasons[0], NL_TALLY_REASON_UNREAD);
	assert_string_equal(t->replies_list[0].reasons[1], NL_TALLY_REASON_UNREADABLE);
	assert_string_equal(t->replies_list[1].email, "emile@example.test");
	assert_int_equal(t->replies_list[1].match, NL_MATCH_FROM);
	assert_string_equal(t->replies_list[2].email, "bob@example.test");
	for (size_t i = 3; i < 7; i++)
		assert_false(t->replies_list[i].needs_look);
	assert_string_equal(t->replies_list[6].email, "zoe@example.test");
	assert_string_equal(t->replies_list[6].name, "Zoë Ångström");
	assert_non_null(strstr(t->replies_list[6].words, "Thanks, Zoë"));
	const struct nl_tally_reply *bob = &t->replies_list[2];
	assert_int_equal(bob->n_readings, 4); /* in survey order */
	assert_string_equal(bob->readings[0].question, "work");
	assert_int_equal(bob->readings[0].level, NL_TALLY_SURE);
	assert_string_equal(bob->readings[0].value, "job");
	assert_string_equal(bob->readings[2].question, "consult");
	assert_int_equal(bob->readings[2].level, NL_TALLY_UNREADABLE);
	assert_null(bob->readings[2].value);
	assert_string_equal(bob->readings[2].raw, "3 maybe later?");
	/* consult is a follow-up question: its four yeses are FOLLOW UP, nobody asked in words */
	assert_int_equal(t->n_follow, 4);
	assert_int_equal(t->n_follow_yes, 4);
	assert_string_equal(t->follow[0].email, "emile@example.test");
	assert_false(t->follow[0].in_words);
	assert_string_equal(t->follow[0].question, "consult");
	assert_true(nl_tally_find(t, "consult")->follow_up);
	nl_tally_free(t);
}


static const struct nl_tally_reply *reply_of(const struct nl_tally *t, const char *email, int nth)
{
	for (size_t i = t->n_replies; i-- > 0;) /* oldest first */
		if (strcmp(t->replies_list[i].email, email) == 0 && nth-- == 0)
			return &t->replies_list[i];
	fail_msg("no reply %d of %s", nth, email);
	return NULL;
}

static void assert_reasons(const struct nl_tally_reply *r, const char *const *want, size_t n)
{
	assert_int_equal(r->n_reasons, n);
	assert_int_equal(r->needs_look, n > 0);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->reasons[i], want[i]);
}

static void test_replies_order(void **state)
{
	const struct nl_tally *t = ((struct report_replies_fixture *)*state)->t;
	assert_string_equal(t->campaign, "replies-2026-12");
	assert_string_equal(t->title, "Reading replies in their own words"); /* stored with the campaign */
	static const char *const order[] = {                                 /* need a look, newest first */
	                                    "quinn@replies.test", "nia@replies.test", "lee@replies.test",
	                                    "kim@replies.test",
	                                    /* then the rest, newest first */
	                                    "sam@replies.test", "oli@replies.test", "rae@replies.test",
	                                    "pat@replies.test", "oli@replies.test", "max@replies.test"};
	assert_int_equal(t->n_replies, 10);
	assert_int_equal(t->replies, 10);
	assert_int_equal(t->needs_look, 4);
	for (size_t i = 0; i < 10; i++) {
		assert_string_equal(t->replies_list[i].email, order[i]);
		assert_int_equal(t->replies_list[i].needs_look, i < 4);
		if (i > 0 && i != 4)
			assert_true(t->replies_list[i].received < t->replies_list[i - 1].received);
	}
}

static void test_replies_reasons(void **state)
{
	const struct nl_tally *t = ((struct report_replies_fixture *)*state)->t;
	/* a contact sentence beside a sure yes to the follow-up question needs no look for it */
	assert_reasons(reply_of(t, "kim@replies.test", 0), (const char *const[]){NL_TALLY_REASON_LIKELY}, 1);
	assert_reasons(reply_of(t, "lee@replies.test", 0),
	               (const char *const[]){NL_TALLY_REASON_UNREAD, NL_TALLY_REASON_CONTACT}, 2);
	/* a sure no and a request in words: a person decides */
	assert_reasons(reply_of(t, "nia@replies.test", 0), (const char *const[]){NL_TALLY_REASON_CONTACT}, 1);
	assert_reasons(reply_of(t, "quinn@replies.test", 0),
	               (const char *const[]){NL_TALLY_REASON_UNREAD, NL_TALLY_REASON_CONTACT}, 2);
	/* Oli's unreadable consult was overridden by the later reply; Pat's was settled by hand */
	assert_reasons(reply_of(t, "oli@replies.test", 0), NULL, 0);
	assert_reasons(reply_of(t, "oli@replies.test", 1), NULL, 0);
	assert_reasons(reply_of(t, "pat@replies.test", 0), NULL, 0);
	assert_reasons(reply_of(t, "rae@replies.test", 0), NULL, 0);
	assert_reasons(reply_of(t, "max@replies.test", 0), NULL, 0);
	assert_reasons(reply_of(t, "sam@replies.test", 0), NULL, 0);
}

static void test_replies_readings(void **state)
{
	const struct nl_tally *t = ((struct report_replies_fixture *)*state)->t;
	const struct nl_tally_reply *kim = reply_of(t, "kim@replies.test", 0);
	assert_string_equal(kim->name, "Kim"); /* from the delivery */
	assert_int_equal(kim->match, NL_MATCH_TOKEN);
	assert_non_null(strstr(kim->words, "Satisfaction maybe a 2."));
	assert_string_equal(kim->contact, "I'd love to take you up on the free consultation!");
	assert_int_equal(kim->n_readings, 3);
	assert_string_equal(kim->readings[0].question, "work");
	assert_string_equal(kim->readings[0].text, "Is your work today a job or a career?");
	assert_int_equal(kim->readings[0].level, NL_TALLY_SURE);
	assert_string_equal(kim->readings[0].rule, "prose");
	assert_string_equal(kim->readings[1].question, "satisfaction");
	assert_int_equal(kim->readings[1].level, NL_TALLY_LIKELY);
	assert_string_equal(kim->readings[1].value, "2"); /* the proposed value */
	assert_string_equal(kim->readings[1].raw, "Satisfaction maybe a 2.");
	assert_string_equal(kim->readings[2].question, "consult");
	assert_string_equal(nl_tally_level_name(kim->readings[1].level), "likely");

	const struct nl_tally_reply *max = reply_of(t, "max@replies.test", 0);
	assert_int_equal(max->match, NL_MATCH_FROM);
	assert_int_equal(max->n_readings, 3);

	const struct nl_tally_reply *oli1 = reply_of(t, "oli@replies.test", 0),
	                            *oli2 = reply_of(t, "oli@replies.test", 1);
	assert_int_equal(oli1->n_readings, 1); /* its consult answer was overridden */
	assert_string_equal(oli1->readings[0].question, "satisfaction");
	assert_int_equal(oli2->n_readings, 1);
	assert_string_equal(oli2->readings[0].question, "consult");
	assert_string_equal(oli2->readings[0].value, "yes");

	const struct nl_tally_reply *pat = reply_of(t, "pat@replies.test", 0);
	assert_int_equal(pat->n_readings, 2);
	assert_string_equal(pat->readings[1].question, "satisfaction");
	assert_int_equal(pat->readings[1].level, NL_TALLY_SURE);
	assert_string_equal(pat->readings[1].value, "3");
	assert_true(pat->readings[1].settled);
	assert_false(pat->readings[0].settled);

	const struct nl_tally_reply *sam = reply_of(t, "sam@replies.test", 0);
	assert_null(sam->words); /* collected before own words were kept */
	assert_null(sam->name);
	assert_int_equal(sam->n_readings, 0);
	assert_string_equal(reply_of(t, "rae@replies.test", 0)->words, "thanks!");
	assert_string_equal(reply_of(t, "quinn@replies.test", 0)->name, "Quinn \"Q\" <O'Neil> & Co");
}

/* Likely answers are not tallied and make nobody a respondent; settled ones are tallied. */
static void test_replies_tally(void **state)
{
	const struct nl_tally *t = ((struct report_replies_fixture *)*state)->t;
	assert_int_equal(t->likely, 1);
	assert_int_equal(t->unreadable, 0);
	assert_int_equal(t->respondents, 5); /* kim max nia oli pat */
	const struct nl_tally_question *sat = nl_tally_find(t, "satisfaction");
	assert_int_equal(sat->answered, 2); /* oli 4, pat 3 (settled); kim's likely 2 is not counted */
	assert_int_equal(sat->bins[1].count, 0);
	assert_float_equal(sat->mean, 3.5, 1e-12);
	const struct nl_tally_question *consult = nl_tally_find(t, "consult");
	assert_int_equal(consult->answered, 4);
	assert_int_equal(consult->bins[0].count, 2);
	assert_int_equal(consult->bins[1].count, 2);
	/* respondents' CSV row: kim has work and consult, no satisfaction */
	const struct nl_tally_respondent *kim = &t->people[0];
	assert_string_equal(kim->email, "kim@replies.test");
	assert_null(kim->values[2]);
	assert_string_equal(kim->values[3], "yes");
}

static void test_follow_up(void **state)
{
	const struct nl_tally *t = ((struct report_replies_fixture *)*state)->t;
	const struct nl_tally_question *changing = nl_tally_find(t, "changing"),
	                               *consult = nl_tally_find(t, "consult");
	assert_false(changing->follow_up);
	assert_true(consult->follow_up);
	/* the yes list of every yes/no question is kept (JSON `yes`), but only consult's is FOLLOW UP */
	assert_int_equal(changing->n_yes, 1);
	assert_string_equal(changing->yes[0].email, "max@replies.test");
	assert_int_equal(t->n_follow, 4);
	assert_int_equal(t->n_follow_yes, 2);
	assert_string_equal(t->follow[0].email, "kim@replies.test");
	assert_false(t->follow[0].in_words);
	assert_string_equal(t->follow[0].question, "consult");
	assert_string_equal(t->follow[0].sentence, "I'd love to take you up on the free consultation!");
	assert_string_equal(t->follow[1].email, "oli@replies.test");
	assert_string_equal(t->follow[1].sentence, "Actually yes, call me.");
	/* then, apart, those who asked in words without a clear yes; Nia said a sure no: not listed */
	assert_string_equal(t->follow[2].email, "lee@replies.test");
	assert_true(t->follow[2].in_words);
	assert_null(t->follow[2].question);
	assert_string_equal(t->follow[2].name, "Lee Chang");
	assert_string_equal(t->follow[2].sentence, "I would really like a call to talk about this.");
	assert_string_equal(t->follow[3].email, "quinn@replies.test");
	assert_string_equal(t->follow[3].sentence, "<img src=x onerror=alert(3)> call me & \"now\"");
	for (size_t i = 0; i < t->n_follow; i++) {
		assert_string_not_equal(t->follow[i].email, "max@replies.test"); /* yes to changing jobs */
		assert_string_not_equal(t->follow[i].email, "nia@replies.test");
	}
}

/* nl_tally_build with a survey made by hand: follow_up decides, a settled yes is marked. */
static void test_follow_up_by_hand(void **state)
{
	char dir[64], path[96];
	snprintf(dir, sizeof dir, "/tmp/test_tally_follow.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/state.db", dir);
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_store_open(path, &s, &err), NL_OK);
	assert_int_equal(nl_store_campaign_ensure(s, "c", "S", "c.md", "", 0, &err), NL_OK);
	struct nl_question qs[2] = {
	    {.id = (char *)"a", .type = NL_Q_YESNO, .text = (char *)"A call?", .follow_up = false},
	    {.id = (char *)"b", .type = NL_Q_YESNO, .text = (char *)"B?", .follow_up = true},
	};
	struct nl_survey survey = {.id = (char *)"s", .questions = qs, .n_questions = 2};
	struct nl_inbound in = {.source = (char *)"x",
	                        .location = (char *)"1",
	                        .cls = NL_INBOUND_ANSWER,
	                        .match = NL_MATCH_TOKEN,
	                        .campaign = (char *)"c",
	                        .email = (char *)"x@y.test",
	                        .from_address = (char *)"x@y.test",
	                        .own_words = (char *)"yes to both",
	                        .contact = (char *)"call me"};
	snprintf(in.hash, sizeof in.hash, "%064d", 1);
	int64_t id = 0;
	assert_int_equal(nl_store_inbound_add(s, &in, &id, &err), NL_OK);
	struct nl_stored_answer a = {.campaign = (char *)"c",
	                             .email = (char *)"x@y.test",
	                             .question = (char *)"a",
	                             .readable = true,
	                             .value = (char *)"yes",
	                             .raw = (char *)"yes",
	                             .match = NL_MATCH_TOKEN,
	                             .inbound_id = id,
	                             .answered = 100};
	assert_int_equal(nl_store_answer_put(s, &a, &err), NL_OK);
	struct nl_campaign c = {0};
	assert_int_equal(nl_store_campaign_get(s, "c", &c, &err), NL_OK);
	struct nl_tally *t = NULL;
	assert_int_equal(nl_tally_build(s, &c, &survey, &t, &err), NL_OK);
	/* a yes to the question that is not follow-up: asked in words, listed apart */
	assert_int_equal(t->n_follow, 1);
	assert_true(t->follow[0].in_words);
	assert_string_equal(t->replies_list[0].reasons[0], NL_TALLY_REASON_CONTACT);
	nl_tally_free(t);
	/* the coach settles b = yes: now a yes, marked settled, and the contact needs no look */
	a.question = (char *)"b";
	a.settled = true;
	a.inbound_id = 0;
	a.rule = (char *)"settled by hand";
	a.answered = 200;
	assert_int_equal(nl_store_answer_put(s, &a, &err), NL_OK);
	assert_int_equal(nl_tally_build(s, &c, &survey, &t, &err), NL_OK);
	assert_int_equal(t->n_follow, 1);
	assert_false(t->follow[0].in_words);
	assert_string_equal(t->follow[0].question, "b");
	assert_true(t->follow[0].settled);
	assert_true(t->questions[1].yes[0].settled);
	assert_int_equal(t->replies_list[0].n_readings, 2);
	assert_true(t->replies_list[0].readings[1].settled);
	assert_false(t->replies_list[0].needs_look);
	nl_tally_free(t);
	/* a sure no to the follow-up question: not listed, whatever the words */
	a.value = (char *)"no";
	a.answered = 300;
	assert_int_equal(nl_store_answer_put(s, &a, &err), NL_OK);
	assert_int_equal(nl_tally_build(s, &c, &survey, &t, &err), NL_OK);
	assert_int_equal(t->n_follow, 0);
	assert_true(t->replies_list[0].needs_look);
	nl_tally_free(t);
	/* but a "no" that came by From alone (anyone can forge a From) does not hide the request
	 * that the token's owner made in words */
	struct nl_inbound genuine = in, forged = in;
	genuine.location = (char *)"2";
	genuine.email = genuine.from_address = (char *)"z@y.test";
	genuine.own_words = genuine.contact = (char *)"please call me";
	snprintf(genuine.hash, sizeof genuine.hash, "%064d", 2);
	assert_int_equal(nl_store_inbound_add(s, &genuine, &id, &err), NL_OK);
	forged.location = (char *)"3";
	forged.match = NL_MATCH_FROM;
	forged.email = forged.from_address = (char *)"z@y.test";
	forged.own_words = (char *)"no";
	forged.contact = NULL;
	snprintf(forged.hash, sizeof forged.hash, "%064d", 3);
	assert_int_equal(nl_store_inbound_add(s, &forged, &id, &err), NL_OK);
	struct nl_stored_answer no = {.campaign = (char *)"c",
	                              .email = (char *)"z@y.test",
	                              .question = (char *)"b",
	                              .readable = true,
	                              .value = (char *)"no",
	                              .raw = (char *)"no",
	                              .match = NL_MATCH_FROM,
	                              .inbound_id = id,
	                              .answered = 400};
	assert_int_equal(nl_store_answer_put(s, &no, &err), NL_OK);
	assert_int_equal(nl_tally_build(s, &c, &survey, &t, &err), NL_OK);
	assert_int_equal(t->n_follow, 1);
	assert_string_equal(t->follow[0].email, "z@y.test");
	assert_true(t->follow[0].in_words);
	assert_string_equal(t->follow[0].sentence, "please call me");
	assert_int_equal(t->follow[0].match, NL_MATCH_TOKEN);
	nl_tally_free(t);
	nl_campaign_clear(&c);
	nl_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_questions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crosstab_and_people, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_all_and_even_median, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_article, setup, teardown),
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test_setup_teardown(test_replies_main, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replies_order, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_reasons, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_readings, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_tally, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_follow_up, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test(test_follow_up_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
