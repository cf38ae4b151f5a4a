/* test_tally.c - the tally of the fixed state (test_report_fixture.c) against hand-computed
 * figures: response rate, mean, median, option counts with zeros, the follow-up list, the
 * crosstab, unreadable answers, strangers; and nl_tally_stats on small sets. */
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
#include "test_report_fixture.h"
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
