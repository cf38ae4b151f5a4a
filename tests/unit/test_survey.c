/* test_survey.c - the survey's stored form (nl_survey_serialize / nl_survey_deserialize: every
 * byte survives, anything damaged is refused with NL_ERR_STATE and the line) and a campaign's
 * survey read back from the state (nl_campaign_survey, nl_campaign_record). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "campaign_survey.h"
#include "store.h"
#include "survey.h"

/* Strings no line-based format can hold as they are. */
static const char *const odd[] = {
    "tab\there",
    "two\nlines\r\n",
    "back\\slash \\n not a newline",
    " leading and trailing spaces ",
    "carrière, Gespräch, звонок, 電話, 🙂",
    "end",
    "end\nquestion x\ntype text",
    "\x01\x1f\x7f",
    "bad UTF-8: \xff\xfe \xc3",
    "%41 \\x41",
};
#define N_ODD (sizeof odd / sizeof odd[0])

static char *sdup(const char *s)
{
	return nl_xstrdup(s);
}

/* A survey of every type, with odd strings everywhere and an empty alias. */
static struct nl_survey *odd_survey(void)
{
	struct nl_survey *s = nl_xcalloc(1, sizeof *s);
	s->id = sdup("career-2026-11 \t\n");
	s->n_questions = 4;
	s->questions = nl_xcalloc(4, sizeof *s->questions);

	struct nl_question *q = &s->questions[0];
	q->id = sdup("work");
	q->type = NL_Q_CHOICE;
	q->text = sdup(odd[1]);
	q->n_options = N_ODD;
	q->options = nl_xcalloc(N_ODD, sizeof *q->options);
	for (size_t i = 0; i < N_ODD; i++)
		q->options[i] = sdup(odd[i]);
	q->n_aliases = N_ODD + 1;
	q->aliases = nl_xcalloc(q->n_aliases, sizeof *q->aliases);
	for (size_t i = 0; i < N_ODD; i++)
		q->aliases[i] = (struct nl_alias){N_ODD - 1 - i, sdup(odd[i])};
	q->aliases[N_ODD] = (struct nl_alias){0, sdup("")};
	q->n_keywords = 2;
	q->keywords = nl_xcalloc(2, sizeof *q->keywords);
	q->keywords[0] = sdup(odd[4]);
	q->keywords[1] = sdup("");

	q = &s->questions[1];
	q->id = sdup("satisfaction");
	q->type = NL_Q_SCALE;
	q->text = sdup(odd[0]);
	q->min = -3;
	q->max = 17;

	q = &s->questions[2];
	q->id = sdup("consult");
	q->type = NL_Q_YESNO;
	q->text = sdup("Would you like a free 15-minute consultation?");
	q->follow_up = true;
	q->n_keywords = 1;
	q->keywords = nl_xcalloc(1, sizeof *q->keywords);
	q->keywords[0] = sdup(odd[6]);

	q = &s->questions[3];
	q->id = sdup(odd[3]);
	q->type = NL_Q_TEXT;
	q->text = sdup("");
	return s;
}

static void assert_same_survey(const struct nl_survey *a, const struct nl_survey *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->n_questions, b->n_questions);
	for (size_t i = 0; i < a->n_questions; i++) {
		const struct nl_question *x = &a->questions[i], *y = &b->questions[i];
		assert_string_equal(x->id, y->id);
		assert_int_equal(x->type, y->type);
		assert_string_equal(x->text, y->text);
		assert_int_equal(x->n_options, y->n_options);
		for (size_t j = 0; j < x->n_options; j++)
			assert_string_equal(x->options[j], y->options[j]);
		assert_int_equal(x->n_aliases, y->n_aliases);
		for (size_t j = 0; j < x->n_aliases; j++) {
			assert_int_equal(x->aliases[j].option, y->aliases[j].option);
			assert_string_equal(x->aliases[j].text, y->aliases[j].text);
		}
		assert_int_equal(x->n_keywords, y->n_keywords);
		for (size_t j = 0; j < x->n_keywords; j++)
			assert_string_equal(x->keywords[j], y->keywords[j]);
		if (x->type == NL_Q_SCALE) {
			assert_int_equal(x->min, y->min);
			assert_int_equal(x->max, y->max);
		}
		if (x->type == NL_Q_YESNO)
			assert_int_equal(x->follow_up, y->follow_up);
	}
}

static void test_round_trip_odd_strings(void **state)
{
	(void)state;
	struct nl_survey *s = odd_survey();
	char *text = nl_survey_serialize(s);
	/* One line per field, no control byte left in a line. */
	assert_memory_equal(text, "nl-survey 1\n", 12);
	for (const char *p = text; *p; p++)
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7F));
	assert_non_null(strstr(text, "\ntext two\\nlines\\r\\n\n"));
	assert_non_null(strstr(text, "\noption tab\\there\n"));
	assert_non_null(strstr(text, "\noption \\x01\\x1F\\x7F\n"));
	assert_non_null(strstr(text, "\noption bad UTF-8: \\xFF\\xFE \\xC3\n"));
	assert_non_null(strstr(text, "\noption carrière, Gespräch, звонок, 電話, 🙂\n"));
	assert_non_null(strstr(text, "\nalias 0 \n"));

	struct nl_error err = {0};
	struct nl_survey *back = NULL;
	assert_int_equal(nl_survey_deserialize(text, &back, &err), NL_OK);
	assert_non_null(back);
	assert_same_survey(s, back);
	char *again = nl_survey_serialize(back);
	assert_string_equal(text, again);
	free(again);
	free(text);
	nl_survey_free(back);
	nl_survey_free(s);
}

static void test_exact_form(void **state)
{
	(void)state;
	struct nl_survey s = {0};
	struct nl_question q[3] = {{0}};
	char *options[] = {"job", "not sure"};
	struct nl_alias aliases[] = {{0, "just a job"}, {1, "don't know"}};
	char *keywords[] = {"call"};
	q[0] = (struct nl_question){.id = "work",
	                            .type = NL_Q_CHOICE,
	                            .text = "Job or career?",
	                            .options = options,
	                            .n_options = 2,
	                            .aliases = aliases,
	                            .n_aliases = 2};
	q[1] = (struct nl_question){.id = "sat", .type = NL_Q_SCALE, .text = "How much?", .min = 1, .max = 5};
	q[2] = (struct nl_question){.id = "consult",
	                            .type = NL_Q_YESNO,
	                            .text = "A call?",
	                            .keywords = keywords,
	                            .n_keywords = 1,
	                            .follow_up = true};
	s.id = "s1";
	s.questions = q;
	s.n_questions = 3;
	char *text = nl_survey_serialize(&s);
	assert_string_equal(text, "nl-survey 1\n"
	                          "survey s1\n"
	                          "question work\ntype choice\ntext Job or career?\n"
	                          "option job\noption not sure\nalias 0 just a job\nalias 1 don't know\n"
	                          "question sat\ntype scale\ntext How much?\nmin 1\nmax 5\n"
	                          "question consult\ntype yesno\ntext A call?\nkeyword call\nfollow_up 1\n"
	                          "end\n");
	free(text);

	/* No survey at all is a valid stored form of its own. */
	text = nl_survey_serialize(NULL);
	assert_string_equal(text, "nl-survey 1\nend\n");
	struct nl_survey *back = (void *)1;
	struct nl_error err = {0};
	assert_int_equal(nl_survey_deserialize(text, &back, &err), NL_OK);
	assert_null(back);
	free(text);
}

static void assert_refused(const char *text, const char *detail_part)
{
	struct nl_error err = {0};
	struct nl_survey *out = (void *)1;
	enum nl_code rc = nl_survey_deserialize(text, &out, &err);
	if (rc != NL_ERR_STATE || !strstr(err.detail, detail_part))
		print_error("input \"%s\": rc %d, detail \"%s\" (expected \"%s\")\n", text, rc, err.detail,
		            detail_part);
	assert_int_equal(rc, NL_ERR_STATE);
	assert_null(out);
	assert_int_equal(err.code, NL_ERR_STATE);
	assert_non_null(strstr(err.detail, detail_part));
}

#define HEAD "nl-survey 1\nsurvey s\n"
#define Q_TEXT "question t\ntype text\ntext T\n"

static void test_damaged_refused(void **state)
{
	(void)state;
	assert_refused("", "line 1: no \"end\" line");
	assert_refused("nl-survey 2\nend\n", "line 1: not a stored survey");
	assert_refused("---\ntitle: T\n", "line 1: not a stored survey");
	assert_refused("nl-survey 1", "line 1: the last line is cut");
	assert_refused("nl-survey 1\r\nend\r\n", "line 1: a control character");
	assert_refused(HEAD Q_TEXT, "line 6: no \"end\" line");
	assert_refused(HEAD Q_TEXT "end", "line 6: the last line is cut");
	assert_refused(HEAD Q_TEXT "end\nend\n", "line 7: text after \"end\"");
	assert_refused(HEAD "end\n", "line 3: a survey without questions");
	assert_refused("nl-survey 1\nquestion t\n", "line 2: \"question\" before \"survey\"");
	assert_refused(HEAD "survey t\n", "line 3: \"survey\" must be the second line");
	assert_refused("nl-survey 1\nsurvey \nend\n", "line 2: an empty survey id");
	assert_refused(HEAD "type text\n", "line 3: \"type\" before the first \"question\"");
	assert_refused(HEAD "question t\ntext T\n", "line 4: \"text\" before the question's type");
	assert_refused(HEAD "question t\ntype multiple\n", "line 4: unknown question type \"multiple\"");
	assert_refused(HEAD "question t\ntype text\ntype text\n", "line 5: a bad or second \"type\"");
	assert_refused(HEAD "question t\ntype text\nend\n", "line 5: question \"t\" has no text");
	assert_refused(HEAD Q_TEXT "text U\nend\n", "line 6: a second \"text\"");
	assert_refused(HEAD Q_TEXT Q_TEXT "end\n", "line 6: question id \"t\" given twice");
	assert_refused(HEAD Q_TEXT "colour red\nend\n",
	               "line 6: unknown field \"colour\" for a text question");
	assert_refused(HEAD Q_TEXT "option x\nend\n", "line 6: unknown field \"option\" for a text question");
	assert_refused(HEAD Q_TEXT "min 1\nend\n", "line 6: unknown field \"min\"");
	assert_refused(HEAD Q_TEXT "follow_up 1\nend\n", "line 6: unknown field \"follow_up\"");
	assert_refused(HEAD Q_TEXT "keyword\nend\n", "line 6: field \"keyword\" without a value");
	assert_refused(HEAD Q_TEXT "text\tT\nend\n", "line 6: a control character");
	assert_refused(HEAD "question t\ntype text\ntext a\\qb\nend\n", "line 5: bad escape");
	assert_refused(HEAD "question t\ntype text\ntext a\\\nend\n", "line 5: bad escape");
	assert_refused(HEAD "question t\ntype text\ntext a\\x4\nend\n", "line 5: bad escape");
	assert_refused(HEAD "question t\ntype text\ntext a\\xZZ\nend\n", "line 5: bad escape");
	assert_refused(HEAD "question t\ntype text\ntext a\\x00b\nend\n", "line 5: a NUL byte");
	assert_refused(HEAD "question t\ntype text\ntext \xc3\x28\nend\n", "line 5: not valid UTF-8");
	assert_refused(HEAD "question c\ntype choice\ntext C\nend\n",
	               "line 6: choice question \"c\" has no options");
	assert_refused(HEAD "question c\ntype choice\ntext C\noption a\nalias 1 x\nend\n",
	               "line 7: an alias names option 1 of 1");
	assert_refused(HEAD "question c\ntype choice\ntext C\noption a\nalias 0x\nend\n",
	               "line 7: an alias must be \"alias INDEX TEXT\"");
	assert_refused(HEAD "question c\ntype choice\ntext C\noption a\nalias -1 x\nend\n",
	               "line 7: an alias must be");
	assert_refused(HEAD "question c\ntype choice\ntext C\noption a\nalias 0 x\noption b\nend\n",
	               "line 8: too many options, or an option after an alias");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin 5\nmax 5\nend\n",
	               "line 8: scale question \"n\" needs min < max");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin 1\nend\n",
	               "line 7: scale question \"n\" needs");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin 01\n", "line 6: a bad or second \"min\"");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin -0\n", "line 6: a bad or second \"min\"");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin +1\n", "line 6: a bad or second \"min\"");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin 99999999999999999999\n",
	               "line 6: a bad or second \"min\"");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmin 1\nmin 2\n",
	               "line 7: a bad or second \"min\"");
	assert_refused(HEAD "question n\ntype scale\ntext N\nmax 1 \n", "line 6: a bad or second \"max\"");
	assert_refused(HEAD "question y\ntype yesno\ntext Y\nend\n",
	               "line 6: yes/no question \"y\" has no follow_up");
	assert_refused(HEAD "question y\ntype yesno\ntext Y\nfollow_up yes\n",
	               "line 6: a bad or second \"follow_up\"");
	assert_refused(HEAD "question y\ntype yesno\ntext Y\nfollow_up 1\nfollow_up 1\n",
	               "line 7: a bad or second \"follow_up\"");
	assert_refused(HEAD "question \nend\n", "line 3: an empty question id");
	struct nl_error err = {0};
	struct nl_survey *out = (void *)1;
	assert_int_equal(nl_survey_deserialize(NULL, &out, &err), NL_ERR_STATE);
	assert_null(out);
}

/* Every cut of a stored survey short of the whole is refused; every one-byte change either reads
 * or is refused, never crashes (run under the sanitizers in the sanitizer build). */
static void test_truncated_and_mutated(void **state)
{
	(void)state;
	struct nl_survey *s = odd_survey();
	char *text = nl_survey_serialize(s);
	size_t len = strlen(text);
	for (size_t cut = 0; cut < len; cut++) {
		char *prefix = nl_xstrndup(text, cut);
		struct nl_error err = {0};
		struct nl_survey *out = (void *)1;
		assert_int_equal(nl_survey_deserialize(prefix, &out, &err), NL_ERR_STATE);
		assert_null(out);
		assert_non_null(strstr(err.detail, "stored survey, line "));
		free(prefix);
	}
	static const char bytes[] = {'\n', ' ', '\\', 'x', '0', '9', '-', 'a', '\t', (char)0xC3, (char)0x80};
	char *m = nl_xstrdup(text);
	size_t ok = 0, refused = 0;
	for (size_t i = 0; i < len; i++) {
		for (size_t b = 0; b < sizeof bytes; b++) {
			if (text[i] == bytes[b])
				continue;
			m[i] = bytes[b];
			struct nl_error err = {0};
			struct nl_survey *out = NULL;
			enum nl_code rc = nl_survey_deserialize(m, &out, &err);
			if (rc == NL_OK) {
				ok++;
				assert_non_null(out);
				char *re = nl_survey_serialize(out);
				struct nl_survey *again = NULL;
				assert_int_equal(nl_survey_deserialize(re, &again, &err), NL_OK);
				assert_same_survey(out, again);
				nl_survey_free(again);
				free(re);
			} else {
				refused++;
				assert_int_equal(rc, NL_ERR_STATE);
				assert_null(out);
			}
			nl_survey_free(out);
			m[i] = text[i];
		}
	}
	assert_true(ok > 0 && refused > 0);
	free(m);
	free(text);
	nl_survey_free(s);
}

/* The example article's survey, as parsed, survives the trip too. */
static void test_round_trip_article(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_article *a = NULL;
	assert_int_equal(nl_article_load(NL_SOURCE_DIR "/articles/2026-11-job-or-career.md", &a, &err),
	                 NL_OK);
	char *text = nl_survey_serialize(a->survey);
	struct nl_survey *back = NULL;
	assert_int_equal(nl_survey_deserialize(text, &back, &err), NL_OK);
	assert_same_survey(a->survey, back);
	free(text);
	nl_survey_free(back);
	nl_article_free(a);
}

static const char article_src[] = "---\n"
                                  "title: The title\n"
                                  "subject: S\n"
                                  "date: 2026-12-01\n"
                                  "survey:\n"
                                  "  id: s1\n"
                                  "  questions:\n"
                                  "    - {id: work, type: choice, text: Job?, options: [job, career],\n"
                                  "       aliases: {job: [emploi]}}\n"
                                  "---\n"
                                  "Body\n";

static void test_campaign_survey(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_survey *s = NULL;
	char *title = NULL;

	/* Stored since schema 2: read from the stored form, never from the source. */
	struct nl_campaign c = {0};
	c.id = "c1";
	c.source = "not an article at all";
	c.survey = "nl-survey 1\nsurvey stored\nquestion q\ntype yesno\ntext Call?\nfollow_up 1\nend\n";
	c.title = "Stored title";
	assert_int_equal(nl_campaign_survey(&c, &s, &title, &err), NL_OK);
	assert_non_null(s);
	assert_string_equal(s->id, "stored");
	assert_true(s->questions[0].follow_up);
	assert_string_equal(title, "Stored title");
	nl_survey_free(s);
	free(title);

	/* Stored without a survey. */
	c.survey = "nl-survey 1\nend\n";
	s = (void *)1;
	assert_int_equal(nl_campaign_survey(&c, &s, NULL, &err), NL_OK);
	assert_null(s);

	/* Damaged: NL_ERR_STATE naming the campaign; the title is still known. */
	c.survey = "nl-survey 1\nsurvey x\nquestion";
	s = (void *)1;
	assert_int_equal(nl_campaign_survey(&c, &s, &title, &err), NL_ERR_STATE);
	assert_null(s);
	assert_string_equal(title, "Stored title");
	assert_non_null(strstr(err.detail, "campaign 'c1': stored survey, line 3"));
	free(title);

	/* Recorded before schema 2: the source is parsed as "<id>.md". */
	c.survey = NULL;
	c.title = NULL;
	c.source = (char *)article_src;
	assert_int_equal(nl_campaign_survey(&c, &s, &title, &err), NL_OK);
	assert_non_null(s);
	assert_string_equal(s->id, "s1");
	assert_int_equal(s->questions[0].n_aliases, 1);
	assert_string_equal(title, "The title");
	nl_survey_free(s);
	free(title);

	/* ... and when it no longer parses, NL_ERR_ARTICLE with the parser's detail. */
	c.source = "no front matter";
	assert_int_equal(nl_campaign_survey(&c, &s, &title, &err), NL_ERR_ARTICLE);
	assert_null(s);
	assert_null(title);
	assert_non_null(
	    strstr(err.detail, "campaign 'c1': its stored article: c1.md:1: front matter: missing"));

	/* Nothing stored at all: no survey. */
	c.source = NULL;
	s = (void *)1;
	assert_int_equal(nl_campaign_survey(&c, &s, &title, &err), NL_OK);
	assert_null(s);
	assert_null(title);
}

/* What send records is what collect and tally read back. */
static void test_campaign_record(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_survey.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = nl_xasprintf("%s/state.db", dir);
	struct nl_error err = {0};
	struct nl_store *store = NULL;
	assert_int_equal(nl_store_open(path, &store, &err), NL_OK);
	struct nl_article *a = NULL;
	assert_int_equal(nl_article_parse("articles/c2.md", article_src, strlen(article_src), &a, &err),
	                 NL_OK);
	assert_int_equal(nl_campaign_record(store, a, "articles/c2.md", &err), NL_OK);

	struct nl_campaign c = {0};
	assert_int_equal(nl_store_campaign_get(store, "c2", &c, &err), NL_OK);
	char *expect = nl_survey_serialize(a->survey);
	assert_non_null(c.survey);
	assert_string_equal(c.survey, expect);
	assert_string_equal(c.title, "The title");
	assert_string_equal(c.subject, "S");
	assert_string_equal(c.article_path, "articles/c2.md");
	free(expect);

	/* Even with the source gone bad, the report reads the survey as sent. */
	free(c.source);
	c.source = nl_xstrdup("garbage");
	struct nl_survey *s = NULL;
	char *title = NULL;
	assert_int_equal(nl_campaign_survey(&c, &s, &title, &err), NL_OK);
	assert_same_survey(a->survey, s);
	assert_string_equal(title, "The title");
	nl_survey_free(s);
	free(title);
	nl_campaign_clear(&c);

	/* Recording again (a resumed send) refreshes, still one campaign. */
	assert_int_equal(nl_campaign_record(store, a, "articles/c2.md", &err), NL_OK);
	assert_int_equal(nl_store_campaign_get(store, "c2", &c, &err), NL_OK);
	assert_non_null(c.survey);
	nl_campaign_clear(&c);

	nl_article_free(a);
	nl_store_close(store);
	char *cmd = nl_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_odd_strings), cmocka_unit_test(test_exact_form),
	    cmocka_unit_test(test_damaged_refused),        cmocka_unit_test(test_truncated_and_mutated),
	    cmocka_unit_test(test_round_trip_article),     cmocka_unit_test(test_campaign_survey),
	    cmocka_unit_test(test_campaign_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
