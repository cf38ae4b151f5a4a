/* test_prose.c - the prose and in-order readers (prose.c) and the Unicode words they stand on
 * (text.c, lexicon.c): sentences as readers write them, each with what a careful person reads in
 * it.  "id=value" is a sure (tallied) reading, "id~value" a likely one (proposed to the coach),
 * "id=?" an unreadable one; "contact" when the person asks to be contacted in words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "buf.h"
#include "lexicon.h"
#include "reply.h"
#include "text.h"
#include "util.h"

static struct nl_question *add_question(struct nl_survey *s, const char *id, enum nl_question_type type,
                                        const char *text)
{
	s->questions = nl_xrealloc(s->questions, (s->n_questions + 1) * sizeof *s->questions);
	struct nl_question *q = &s->questions[s->n_questions++];
	memset(q, 0, sizeof *q);
	q->id = nl_xstrdup(id);
	q->type = type;
	q->text = nl_xstrdup(text);
	return q;
}

static void add_options(struct nl_question *q, const char *const *opts, size_t n)
{
	q->options = nl_xcalloc(n, sizeof *q->options);
	for (size_t i = 0; i < n; i++)
		q->options[i] = nl_xstrdup(opts[i]);
	q->n_options = n;
}

/* The example article's survey (doc/DESIGN.md §3). */
static struct nl_survey *survey_a(void)
{
	struct nl_survey *s = nl_xcalloc(1, sizeof *s);
	s->id = nl_xstrdup("career-2026-11");
	static const char *const work[] = {"job", "career", "not sure"};
	add_options(add_question(s, "work", NL_Q_CHOICE, "Is your work today a job or a career?"), work, 3);
	struct nl_question *q =
	    add_question(s, "satisfaction", NL_Q_SCALE, "How satisfied are you with where it is heading?");
	q->min = 1;
	q->max = 5;
	q = add_question(s, "consult", NL_Q_YESNO, "Would you like a free 15-minute consultation?");
	q->follow_up = nl_lexicon_contact_question(q->text);
	add_question(s, "change", NL_Q_TEXT, "What one thing would you change about your work?");
	return s;
}

/* Two yes/no questions around a scale; only the second is about being contacted. */
static struct nl_survey *survey_b(void)
{
	struct nl_survey *s = nl_xcalloc(1, sizeof *s);
	s->id = nl_xstrdup("next-step");
	struct nl_question *q =
	    add_question(s, "moving", NL_Q_YESNO, "Are you thinking about changing jobs this year?");
	q->follow_up = nl_lexicon_contact_question(q->text);
	q = add_question(s, "confidence", NL_Q_SCALE, "How confident are you about your next step?");
	q->min = 1;
	q->max = 10;
	q = add_question(s, "call", NL_Q_YESNO, "Would you like a short call with me?");
	q->follow_up = nl_lexicon_contact_question(q->text);
	return s;
}

static struct nl_survey *survey;

static char *read_all(const char *body)
{
	struct nl_reply_line *lines = NULL;
	size_t n = 0;
	nl_reply_split(body, strlen(body), &lines, &n);
	struct nl_answers a;
	nl_answers_read(survey, lines, n, &a);
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "");
	for (size_t i = 0; i < a.count; i++) {
		const struct nl_answer *x = &a.items[i];
		const char *id = survey->questions[x->question].id;
		if (x->status == NL_ANSWER_OK)
			nl_buf_printf(&b, "%s%s=%s", b.len ? ";" : "", id, x->value);
		else if (x->status == NL_ANSWER_LIKELY)
			nl_buf_printf(&b, "%s%s~%s", b.len ? ";" : "", id, x->value);
		else
			nl_buf_printf(&b, "%s%s=?", b.len ? ";" : "", id);
	}
	if (a.contact)
		nl_buf_printf(&b, "%scontact", b.len ? ";" : "");
	nl_answers_free(&a);
	free(lines);
	return nl_buf_detach(&b);
}

static int failures;

#define EXPECT(body, want)                                                                                   \
	do {                                                                                                 \
		char *got_ = read_all(body);                                                                 \
		if (strcmp(got_, want) != 0) {                                                               \
			printf("line %d: %s\n  want %s\n  got  %s\n", __LINE__, body, want, got_);           \
			failures++;                                                                          \
		}                                                                                            \
		free(got_);                                                                                  \
	} while (0)

static void folding(void **state)
{
	(void)state;
	size_t n;
	char *f = nl_text_fold("CARRIÈRE carrie\xCC\x80re “career”…",
	                       strlen("CARRIÈRE carrie\xCC\x80re “career”…"), &n);
	assert_string_equal(f, "carriere carriere \"career\"...");
	free(f);
	f = nl_text_fold("Straße ＡＢ４ career—definitely", strlen("Straße ＡＢ４ career—definitely"), &n);
	assert_string_equal(f, "strasse ab4 career - definitely");
	free(f);
	struct nl_text_words w;
	nl_text_words("l'appel, don't 4/5 電話", strlen("l'appel, don't 4/5 電話"), 0, &w);
	assert_int_equal(w.n, 8); /* l' appel don't 4 / 5 電 話 */
	assert_int_equal(w.w[1].len, 5);
	assert_int_equal(w.w[6].cls, NL_CHAR_IDEO);
	nl_text_words_free(&w);
	/* invalid UTF-8 is read, not refused */
	f = nl_text_fold("a\xFF"
	                 "b",
	                 3, &n);
	assert_string_equal(f, "a\xEF\xBF\xBD"
	                       "b");
	free(f);
	assert_true(nl_text_same_stem("consultation", 12, "consult", 7));
	assert_false(nl_text_same_stem("call", 4, "career", 6));
}

static void sentences(void **state)
{
	(void)state;
	const char *s = "Job. 3. Yes. I'd rate it 4.5 overall!\nShort line\nA long line that goes on and on "
	                "and was wrapped by the client at\nseventy-two characters.\n\nNext.";
	size_t pos = 0, start, len, n = 0;
	char got[8][128];
	while (n < 8 && nl_text_sentence(s, strlen(s), &pos, &start, &len)) {
		snprintf(got[n], sizeof got[n], "%.*s", (int)len, s + start);
		n++;
	}
	assert_int_equal(n, 7);
	assert_string_equal(got[0], "Job.");
	assert_string_equal(got[3], "I'd rate it 4.5 overall!");
	assert_string_equal(got[4], "Short line");
	assert_string_equal(got[6], "Next.");
}

static void issue_examples(void **state)
{
	(void)state;
	failures = 0;
	survey = survey_a();
	EXPECT("Honestly mine is a job right now, not a career. Satisfaction maybe a 2. I'd love to take you "
	       "up on the free consultation!\n",
	       "work=job;satisfaction=2;consult=yes;contact");
	EXPECT("I would really like a call to talk about this. When are you free?\n", "consult=yes;contact");
	EXPECT("Job. 3. Yes. More flexible hours.\n",
	       "work=job;satisfaction=3;consult=yes;change=More flexible hours.");
	EXPECT("I'm not sure whether it's a job or a career. Maybe 3/5. Yes to the consultation please.\n",
	       "work=not sure;satisfaction=3;consult=yes;contact");
	EXPECT("Career, definitely. I'm about a 4. No need for a consultation, thanks. I'd change the amount "
	       "of travel.\n",
	       "work=career;satisfaction=4;consult=no;change=I'd change the amount of travel.");
	nl_survey_free(survey);
	survey = survey_b();
	EXPECT("Да, думаю сменить работу. Уверенность: 4 из 10. Да, хочу звонок.\n",
	       "moving=yes;confidence=4;call=yes;contact");
	nl_survey_free(survey);
	assert_int_equal(failures, 0);
}

static void yes_no(void **state)
{
	(void)state;
	failures = 0;
	survey = survey_a();
	EXPECT("A call would be great.\n", "consult=yes;contact");
	EXPECT("No consultation for me right now.\n", "consult=no");
	EXPECT("Maybe later for the consultation.\n", "consult=?");
	EXPECT("A consultation? It depends on the price.\n", "");
	EXPECT("Does the consultation cost anything?\n", "");
	EXPECT("I don't think I need a consultation.\n", "consult=no");
	EXPECT("Oui, je veux bien un appel.\n", "consult=yes;contact");
	EXPECT("Non merci pour la consultation.\n", "consult=no");
	EXPECT("Ja, gerne ein Gespräch!\n", "consult=yes;contact");
	EXPECT("Kein Gespräch nötig, danke.\n", "consult=no");
	EXPECT("Sí, me gustaría una llamada.\n", "consult=yes;contact");
	EXPECT("Sim, quero uma chamada.\n", "consult=yes;contact");
	EXPECT("Sì, vorrei una chiamata.\n", "consult=yes;contact");
	EXPECT("Ja, graag een gesprek.\n", "consult=yes;contact");
	EXPECT("Tak, chętnie na rozmowę.\n", "consult=yes;contact");
	EXPECT("Так, хочу консультацію.\n", "consult=yes;contact");
	EXPECT("Evet, görüşme isterim.\n", "consult=yes;contact");
	EXPECT("はい、ぜひ電話でお話ししたいです。\n", "consult=yes;contact");
	/* a yes alone, nothing else answered: proposed, not tallied */
	EXPECT("I loved the article. Yes!\n", "consult~yes");
	EXPECT("Career. Yes!\n", "work=career;consult=yes");
	EXPECT("Not right now, thanks.\n", "consult=no");
	nl_survey_free(survey);
	assert_int_equal(failures, 0);
}

static void scale_and_choice(void **state)
{
	(void)state;
	failures = 0;
	survey = survey_a();
	EXPECT("I've been in this job 8 years.\n", "");
	EXPECT("Satisfaction is between 3 and 4.\n", "satisfaction=?");
	EXPECT("I'd say 4.\n", "satisfaction=4");
	EXPECT("I'd give it a 3 out of 5.\n", "satisfaction=3");
	EXPECT("Satisfied? 7/10 maybe.\n", "");
	EXPECT("Satisfied with it: 7/10.\n", "satisfaction=?");
	EXPECT("Definitely a CAREER.\n", "work=career");
	EXPECT("I love my job but the commute is long.\n", "");
	EXPECT("1 “career”\n", "work=career");
	EXPECT("1 career…\n", "work=career");
	EXPECT("1 career—definitely\n", "work=career");
	EXPECT("Thanks for the career advice!\n", "work~career");
	EXPECT("It's a job or a career, I can't decide.\n", "");
	EXPECT("Is it a job or a career? Hard to say.\n", "");
	EXPECT("We have two kids and I work 40 hours.\n", "");
	nl_survey_free(survey);
	assert_int_equal(failures, 0);
}

static void quoted_options_are_quoted(void **state)
{
	(void)state;
	failures = 0;
	survey = survey_a();
	/* a client that re-wrapped the original: an option alone on a quoted line */
	EXPECT("Thanks!\n\nOn Mon, Coach wrote:\n> 3. Would you like a free 15-minute consultation? yes /\n> "
	       "no\n>\n",
	       "");
	EXPECT("Great read.\n\n> 1. Is your work today a job or a career? job / career /\n> not sure\n", "");
	nl_survey_free(survey);
	assert_int_equal(failures, 0);
}

static void numbered_forms_keep_what_reads(void **state)
{
	(void)state;
	failures = 0;
	survey = survey_a();
	EXPECT("Q1: job Q2: 4 Q3: no\n", "work=job;satisfaction=4;consult=no");
	EXPECT("Q1: career Q2: 4 Q4: less travel\n", "work=career;satisfaction=4;change=less travel");
	EXPECT("1 job 2 7 3 no\n", "work=job;satisfaction=?;consult=no");
	EXPECT("1 job 2 4 4 more time\n", "work=job;satisfaction=4;change=more time");
	EXPECT("1 CV review\n", "work=?");
	nl_survey_free(survey);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(folding),
	    cmocka_unit_test(sentences),
	    cmocka_unit_test(issue_examples),
	    cmocka_unit_test(yes_no),
	    cmocka_unit_test(scale_and_choice),
	    cmocka_unit_test(quoted_options_are_quoted),
	    cmocka_unit_test(numbered_forms_keep_what_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
