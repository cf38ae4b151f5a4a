/* test_answers.c - reading survey answers out of reply text (answers.c), on the survey of
 * doc/DESIGN.md §3, with the lines split by reply.c as collect does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "answers.h"
#include "reply.h"
#include "survey.h"

static struct nl_survey *make_survey(void)
{
	struct nl_survey *s = nl_xcalloc(1, sizeof *s);
	s->id = nl_xstrdup("career-2026-11");
	s->n_questions = 4;
	s->questions = nl_xcalloc(4, sizeof *s->questions);
	struct nl_question *q = s->questions;
	q[0].id = nl_xstrdup("work");
	q[0].type = NL_Q_CHOICE;
	q[0].text = nl_xstrdup("Is your work today a job or a career?");
	q[0].n_options = 3;
	q[0].options = nl_xcalloc(3, sizeof(char *));
	q[0].options[0] = nl_xstrdup("job");
	q[0].options[1] = nl_xstrdup("career");
	q[0].options[2] = nl_xstrdup("not sure");
	q[1].id = nl_xstrdup("satisfaction");
	q[1].type = NL_Q_SCALE;
	q[1].min = 1;
	q[1].max = 5;
	q[1].text = nl_xstrdup("How satisfied are you with where it is heading?");
	q[2].id = nl_xstrdup("consult");
	q[2].type = NL_Q_YESNO;
	q[2].text = nl_xstrdup("Would you like a free 15-minute consultation?");
	q[3].id = nl_xstrdup("change");
	q[3].type = NL_Q_TEXT;
	q[3].text = nl_xstrdup("What one thing would you change about your work?");
	return s;
}

static struct nl_survey *survey;

static int setup(void **state)
{
	(void)state;
	survey = make_survey();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nl_survey_free(survey);
	return 0;
}

/* Reads `body` and renders the answers as "work=career;satisfaction=?[raw];…" in question order. */
static char *read_all(const char *body)
{
	struct nl_reply_line *lines = NULL;
	size_t n = 0;
	nl_reply_split(body, strlen(body), &lines, &n);
	struct nl_answers a;
	nl_answers_read(survey, lines, n, &a);
	struct nl_buf b = NL_BUF_INIT;
	for (size_t i = 0; i < a.count; i++) {
		const struct nl_answer *x = &a.items[i];
		/* a likely reading is a proposal for the coach, never tallied: these cases are about
		 * what is tallied or flagged; test_prose checks the proposals */
		if (x->status == NL_ANSWER_LIKELY)
			continue;
		nl_buf_printf(&b, "%s%s=", b.len ? ";" : "", survey->questions[x->question].id);
		if (x->status == NL_ANSWER_OK)
			nl_buf_puts(&b, x->value);
		else
			nl_buf_printf(&b, "?[%s]", x->raw);
	}
	nl_answers_free(&a);
	free(lines);
	return nl_buf_detach(&b);
}

#define EXPECT(body, want)                                                                                   \
	do {                                                                                                 \
		char *got_ = read_all(body);                                                                 \
		if (strcmp(got_, want) != 0)                                                                 \
			fail_msg("body %s\nwant %s\ngot  %s", body, want, got_);                             \
		free(got_);                                                                                  \
	} while (0)

/* The plain-text survey block as compose.c writes it, quoted by a mail client. */
static const char quoted_block[] =
    "> ----------------------------------------------------------------------\n"
    "> Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes\n"
    ">\n"
    "> 1. Is your work today a job or a career?\n"
    ">    job / career / not sure\n"
    ">\n"
    "> 2. How satisfied are you with where it is heading?\n"
    ">    1 2 3 4 5   (1 = least, 5 = most)\n"
    ">\n"
    "> 3. Would you like a free 15-minute consultation?\n"
    ">    yes / no\n"
    ">\n"
    "> 4. What one thing would you change about your work?\n"
    ">    (reply with 4 and your answer in your own words)\n"
    ">\n"
    "> -- \n"
    "> This email was sent to sam@example.test.\n"
    "> To unsubscribe, reply with \"unsubscribe\" or write to replies@example.test.\n";

static void numbered_forms(void **state)
{
	(void)state;
	EXPECT("1 career\n2 4\n3 yes\n4 fewer meetings\n",
	       "work=career;satisfaction=4;consult=yes;change=fewer meetings");
	EXPECT("1: career\n", "work=career");
	EXPECT("1) Career\n", "work=career");
	EXPECT("Q1 - career\n", "work=career");
	EXPECT("#1 career\n", "work=career");
	EXPECT("1. Job\n", "work=job");
	EXPECT("Question 2: 3\n", "satisfaction=3");
	EXPECT("q3: nope\n", "consult=no");
	EXPECT("1 career, 2 4, 3 yes\n", "work=career;satisfaction=4;consult=yes");
	EXPECT("1 job; 2 two; 3 no thanks\n", "work=job;satisfaction=2;consult=no");
	/* commas inside a text answer followed by a smaller number do not split */
	EXPECT("4 fewer meetings, 2 days remote\n", "change=fewer meetings, 2 days remote");
	EXPECT("1 – career\n", "work=career");
	/* more spellings of the number: brackets, bullets, "Q 1", "Q.1", "Question #1" */
	EXPECT("(1) career\n", "work=career");
	EXPECT("- 1 career\n", "work=career");
	EXPECT("\xE2\x80\xA2 1 career\n", "work=career");
	EXPECT("Q 1 career\n", "work=career");
	EXPECT("Q.1 career\n", "work=career");
	EXPECT("Question #1: career\n", "work=career");
	EXPECT("(1 = least, 5 = most)\n", "");
	EXPECT("-1 career\n", "");
	EXPECT("Quite 1 career\n", "");
	/* several answers on one line without commas: split at the very next question's number,
	 * and only when every answer then reads cleanly */
	EXPECT("1 career 2 4 3 yes\n", "work=career;satisfaction=4;consult=yes");
	EXPECT("1 career / 2 4 / 3 yes 4 fewer meetings\n",
	       "work=career;satisfaction=4;consult=yes;change=fewer meetings");
	EXPECT("1. Job. 2. 4. 3. Yes.\n", "work=job;satisfaction=4;consult=yes");
	EXPECT("1 job 2 3 3 no\n", "work=job;satisfaction=3;consult=no");
	EXPECT("1 job for 2 years\n", "work=job");
	EXPECT("2 4 / 5\n", "satisfaction=4");
	EXPECT("1 career 3 yes\n", "work=career");
	EXPECT("3 yes 4 work 3 days remote\n", "consult=yes;change=work 3 days remote");
}

static void by_id(void **state)
{
	(void)state;
	EXPECT("work: career\nsatisfaction = 5\nconsult: sure\nchange: nothing\n",
	       "work=career;satisfaction=5;consult=yes;change=nothing");
	EXPECT("Work: a job\n", "work=job");
	/* collect passes the mailto subject's "QID=VALUE" as "QID VALUE" */
	EXPECT("work not sure\n", "work=not sure");
	EXPECT("satisfaction 4\n", "satisfaction=4");
	/* but prose starting with an id is no answer */
	EXPECT("work is fine, thanks\n", "");
	EXPECT("change is hard\n", "");
}

static void choice_values(void **state)
{
	(void)state;
	EXPECT("1 Definitely a career!\n", "work=career");
	EXPECT("1 more of a job really\n", "work=job");
	EXPECT("1 not sure\n", "work=not sure");
	EXPECT("1 Not sure, honestly.\n", "work=not sure");
	EXPECT("1 car\n", "work=career");
	EXPECT("1 Car.\n", "work=career");
	/* a prefix inside a sentence is a word of its own */
	EXPECT("1 I care a lot\n", "work=?[1 I care a lot]");
	EXPECT("1 CAREER.\n", "work=career");
	/* ambiguous or negated: never guessed */
	EXPECT("1 a job and a career\n", "work=?[1 a job and a career]");
	EXPECT("1 not a job\n", "work=?[1 not a job]");
	/* a negation up to four words before the option; "no doubt" is no negation */
	EXPECT("1 not really a career\n", "work=?[1 not really a career]");
	EXPECT("1 I wouldn't call it a career\n", "work=?[1 I wouldn't call it a career]");
	EXPECT("1 Career, no doubt\n", "work=career");
	EXPECT("1 without a doubt a job\n", "work=job");
	EXPECT("1 Not sure, honestly.\n", "work=not sure");
	EXPECT("1 banana\n", "work=?[1 banana]");
	EXPECT("1 well it started as a job years ago but by now I would not call it anything but a career\n",
	       "work=?[1 well it started as a job years ago but by now I would not call it anything but a "
	       "career]");
}

static void scale_values(void **state)
{
	(void)state;
	EXPECT("2 4\n", "satisfaction=4");
	EXPECT("2 4/5\n", "satisfaction=4");
	EXPECT("2 4 out of 5\n", "satisfaction=4");
	EXPECT("2 four\n", "satisfaction=4");
	EXPECT("2: Five!\n", "satisfaction=5");
	EXPECT("2 a 3, could be better\n", "satisfaction=3");
	EXPECT("2 7\n", "satisfaction=?[2 7]");
	EXPECT("2 8/10\n", "satisfaction=?[2 8/10]");
	EXPECT("2 3 or 4\n", "satisfaction=?[2 3 or 4]");
	EXPECT("2 zero\n", "satisfaction=?[2 zero]");
	EXPECT("2 very\n", "satisfaction=?[2 very]");
	EXPECT("2 4 of 5\n", "satisfaction=4");
	EXPECT("2 3 of 10\n", "satisfaction=?[2 3 of 10]");
	EXPECT("2 one of the best\n", "satisfaction=1");
	EXPECT("2 Not bad, a 4\n", "satisfaction=4");
	EXPECT("2 not a 5\n", "satisfaction=?[2 not a 5]");
	EXPECT("2 definitely not 1\n", "satisfaction=?[2 definitely not 1]");
	/* keycap digits: "4️⃣" */
	EXPECT("2 4\xEF\xB8\x8F\xE2\x83\xA3\n", "satisfaction=4");
}

static void yesno_values(void **state)
{
	(void)state;
	const char *yes[] = {"yes",
	                     "Yeah",
	                     "yep",
	                     "Sure!",
	                     "please",
	                     "Absolutely",
	                     "of course",
	                     "Yes please, Tuesday",
	                     "Sure, why not",
	                     "Count me in",
	                     "sounds good",
	                     "\xF0\x9F\x91\x8D",
	                     "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"};
	const char *no[] = {"no",
	                    "Nope",
	                    "not now",
	                    "No thanks",
	                    "no, thank you",
	                    "Absolutely not",
	                    "Please don't",
	                    "of course not",
	                    "I would not",
	                    "Definitely not now",
	                    "Not for me",
	                    "I'll pass",
	                    "I don't think so",
	                    "\xF0\x9F\x91\x8E"};
	char body[128];
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		snprintf(body, sizeof body, "3 %s\n", yes[i]);
		EXPECT(body, "consult=yes");
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		snprintf(body, sizeof body, "3 %s\n", no[i]);
		EXPECT(body, "consult=no");
	}
	EXPECT("3 yes and no\n", "consult=?[3 yes and no]");
	EXPECT("3 not sure\n", "consult=?[3 not sure]");
	EXPECT("3 maybe\n", "consult=?[3 maybe]");
	EXPECT("3 Yes, not now\n", "consult=?[3 Yes, not now]");
	EXPECT("3 I'm not sure\n", "consult=?[3 I'm not sure]");
}

static void text_values(void **state)
{
	(void)state;
	EXPECT("4   Less time in meetings, more time building things.  \n",
	       "change=Less time in meetings, more time building things.");
	/* kept verbatim: case, punctuation, inner spacing and non-ASCII as written */
	EXPECT("4 CAFÉ  au lait — “free”, please!\n", "change=CAFÉ  au lait — “free”, please!");
	EXPECT("4 *really* fewer meetings\n", "change=*really* fewer meetings");
	EXPECT("4 -- fewer meetings\n", "change=fewer meetings");
	EXPECT("**4.** fewer meetings\n", "change=fewer meetings");
	EXPECT("**4** fewer meetings\n", "change=fewer meetings");
	EXPECT("1*5\n", "");
	/* a text answer the client hard-wrapped continues on the lines below it */
	EXPECT("1 career\n4 I would change how we plan the quarter: fewer surprise deadlines and\n"
	       "more time to do the work properly.\n\nBest,\nSam\n",
	       "work=career;change=I would change how we plan the quarter: fewer surprise deadlines and more "
	       "time to do the work properly.");
	EXPECT("change: I would change how we plan the quarter: fewer surprise deadlines and\nmore focus\n",
	       "change=I would change how we plan the quarter: fewer surprise deadlines and more focus");
	EXPECT(
	    "1 career, 4 I would change how we plan the quarter: fewer surprise deadlines\nand more focus\n",
	    "work=career;change=I would change how we plan the quarter: fewer surprise deadlines and more "
	    "focus");
	/* ... but not after a short line, a finished sentence, into a sign-off or another answer */
	EXPECT("4 Fewer meetings\nSam\n", "change=Fewer meetings");
	EXPECT("4 I would change how we plan the quarter: fewer surprise deadlines and more.\nSam\n",
	       "change=I would change how we plan the quarter: fewer surprise deadlines and more.");
	EXPECT("4 More time for deep work, fewer meetings, and a clearer path to promotion\nThanks, Sam\n",
	       "change=More time for deep work, fewer meetings, and a clearer path to promotion");
	EXPECT("4 I would change how we plan the quarter: fewer surprise deadlines and\n2 four\n",
	       "satisfaction=4;change=I would change how we plan the quarter: fewer surprise deadlines and");
}

static void inline_answers(void **state)
{
	(void)state;
	char body[4096];
	snprintf(body, sizeof body,
	         "On Mon, 30 Nov 2026 at 09:00, Coach <news@example.test> wrote:\n"
	         "> Hello!\n"
	         "%s"
	         "\nThanks!\n",
	         quoted_block);
	/* quoted example line and questions are never counted */
	EXPECT(body, "");

	EXPECT(
	    "On Mon, 30 Nov 2026 at 09:00, Coach <news@example.test> wrote:\n"
	    "> 1. Is your work today a job or a career?\n"
	    ">    job / career / not sure\n"
	    "Definitely a career!\n"
	    ">\n"
	    "> 2. How satisfied are you with where it is heading?\n"
	    ">    1 2 3 4 5   (1 = least, 5 = most)\n"
	    "\n"
	    "4 out of 5\n"
	    "\n"
	    "> 3. Would you like a free 15-minute consultation?\n"
	    ">    yes / no\n"
	    "yes please\n"
	    "> 4. What one thing would you change about your work?\n"
	    ">    (reply with 4 and your answer in your own words)\n"
	    "More say in which projects I take on,\n"
	    "and fewer status meetings.\n"
	    "\n"
	    "Best,\n"
	    "Sam\n",
	    "work=career;satisfaction=4;consult=yes;change=More say in which projects I take on, and fewer "
	    "status meetings.");

	/* the number repeated inline, and an inline line that is a numbered list of all answers */
	EXPECT("> 1. Is your work today a job or a career?\n1: job\n> 2. How satisfied are you with where it "
	       "is heading?\n2 - 3\n",
	       "work=job;satisfaction=3");
	EXPECT("> 1. Is your work today a job or a career?\n1 career, 2 4, 3 yes\n",
	       "work=career;satisfaction=4;consult=yes");
	/* an unreadable inline answer is kept with its line */
	EXPECT("> 2. How satisfied are you with where it is heading?\nsomewhere in the middle\n",
	       "satisfaction=?[somewhere in the middle]");
	/* typed into an unprefixed original (Outlook, in colour): a quoted line that reads cleanly */
	EXPECT(
	    "> 1. Is your work today a job or a career?\n>    job / career / not sure\n> Career, no doubt\n"
	    "> 2. How satisfied are you with where it is heading?\n>    1 2 3 4 5   (1 = least, 5 = most)\n",
	    "work=career");
	/* what the person wrote wins over what the original seems to say, in any order; an example
	 * line is never an answer */
	EXPECT("1: job\n\nFrom: Coach <a@example.test>\nSent: Monday\nTo: Sam\nSubject: Job\n\n"
	       "1. Is your work today a job or a career?\nExample: 1 career\n",
	       "work=job");
	EXPECT("> 1. Is your work today a job or a career?\n> e.g. career\n", "");
	/* ... but never a text answer, nor the original's own option lines */
	EXPECT("> 4. What one thing would you change about your work?\n>    (reply with 4 and your answer in "
	       "your own "
	       "words)\n> Thanks for reading!\n",
	       "");
	/* the original pasted below without ">" and without a quote header: its questions, options
	 * and example are not answers, and answers typed between them are */
	EXPECT("1 career\n2 4\n\n"
	       "----------------------------------------------------------------------\n"
	       "Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes\n\n"
	       "1. Is your work today a job or a career?\n   job / career / not sure\n\n"
	       "2. How satisfied are you with where it is heading?\n   1 2 3 4 5   (1 = least, 5 = most)\n\n"
	       "3. Would you like a free 15-minute consultation?\n   yes / no\nyes\n\n"
	       "4. What one thing would you change about your work?\n"
	       "   (reply with 4 and your answer in your own words)\n",
	       "work=career;satisfaction=4;consult=yes");
	/* the HTML part's survey block as text, pasted without ">": nothing is an answer */
	EXPECT("Reply to this email with the numbers, e.g. 1 career, 2 4, 3 yes – or choose an answer below\n"
	       "1. Is your work today a job or a career?\njob career not sure\n"
	       "2. How satisfied are you with where it is heading?\n1 2 3 4 5 1 = least, 5 = most\n"
	       "3. Would you like a free 15-minute consultation?\nyes no\n"
	       "4. What one thing would you change about your work?\n"
	       "Reply with 4 and your answer in your own words.\nThis email was sent to sam@example.org.\n",
	       "");
	/* a question wrapped by the client still counts */
	EXPECT("> 4. What one thing would you change about\n> your work?\nNothing at all\n",
	       "change=Nothing at all");
}

/* A quoted question line with more after the question (the options or a hint in brackets, as some
 * clients and quoting styles lay it out) still marks the question; prose after it does not. */
static void question_line_with_tail(void **state)
{
	(void)state;
	EXPECT("> 1. Is your work today a job or a career? (job / career / not sure)\nnot sure\n",
	       "work=not sure");
	EXPECT("> Is your work today a job or a career? (job / career / not sure)\nnot sure\n",
	       "work=not sure");
	EXPECT("> 2. How satisfied are you with where it is heading? [1-5]\nfour\n"
	       "> 3. Would you like a free 15-minute consultation? yes / no\nyes please\n",
	       "satisfaction=4;consult=yes");
	EXPECT("> 4. What one thing would you change about your work? (your own words)\nMore remote days\n",
	       "change=More remote days");
	/* the number makes it the question whatever follows */
	EXPECT("> 1. Is your work today a job or a career? Pick one.\ncareer, really\n", "work=career");
	/* unnumbered, followed by prose: the article quoting its own question, not the survey */
	EXPECT("> Is your work today a job or a career? That is this month's topic.\nnot sure\n", "");
	/* the question must end at a word boundary */
	EXPECT("> Is your work today a job or a career?s\nnot sure\n", "");
	/* in an original pasted without ">": an answer typed after the question (or after its bracketed
	 * hint) on the same line is read when it reads cleanly; the options alone are not an answer */
	EXPECT("1. Is your work today a job or a career? (job / career / not sure) career\n"
	       "2. How satisfied are you with where it is heading? (1-5) 4\n"
	       "3. Would you like a free 15-minute consultation? yes / no\n",
	       "work=career;satisfaction=4");
	/* ... never over what the person wrote above it, and never a text question's tail */
	EXPECT("1 job\n\n1. Is your work today a job or a career? Choose: job, career or not sure\n",
	       "work=job");
	EXPECT("1 job\n\n1. Is your work today a job or a career? career\n", "work=job");
	EXPECT("What one thing would you change about your work? Answer in your own words.\n", "");
	/* unnumbered with a clean answer after it: read; with prose after it: the person's own
	 * sentence, not the original's question, so the next line is no inline answer */
	EXPECT("Is your work today a job or a career? Career!\n", "work=career");
	EXPECT("Is your work today a job or a career? I never asked myself.\nNot sure\n", "");
}

/* A choice answered without its number in the person's own text (answer_guess_choice). */
static void unnumbered_choice(void **state)
{
	(void)state;
	EXPECT("Definitely a career!\n2 five\n3 Yes please \xF0\x9F\x99\x82\n\nSent from my iPhone\n\n"
	       "> On Nov 30, 2026, at 10:00, Career Notes <news@example.test> wrote:\n>\n"
	       "> 1. Is your work today a job or a career?\n",
	       "work=career;satisfaction=5;consult=yes");
	EXPECT("more of a job really\n", "work=job");
	EXPECT("For me it's a career \xF0\x9F\x91\x8D\n", "work=career");
	EXPECT("Career, career!\n", "work=career");
	EXPECT("Hi!\n\nA job.\n\nThanks for the newsletter, Sam\n", "work=job");
	/* the same option on two lines is still one answer */
	EXPECT("A career.\nCareer, really\n", "work=career");
	/* negated, two options, a question, a prefix, other words around it: not guessed, and no
	 * unreadable record either (the line may not be an answer at all) */
	EXPECT("not a career\n", "");
	EXPECT("no longer a job\n", "");
	/* prose (issue 12): the option left when the others are negated */
	EXPECT("a job, not a career\n", "work=job");
	EXPECT("job or career\n", "");
	EXPECT("Is it a career?\n", "");
	EXPECT("Thanks for the career advice\n", "");
	EXPECT("Take care!\n", "");
	EXPECT("Career, no doubt\n", "work=career");
	EXPECT("I doubt it's a career\n", "");
	EXPECT("car\n", "");
	EXPECT("Sam Lee, Career Coach\n", "");
	/* prose (issue 12): an option standing as the answer, and the scale's value with its top */
	EXPECT("It's a career, 5/5\n", "work=career;satisfaction=5");
	EXPECT("e.g. career\n", "");
	/* prose (issue 12): the sentence names the question ("today") and the option stands */
	EXPECT("My work today is definitely a career and honestly I love it very much\n", "work=career");
	/* an option that is itself a hedge with a negation is never guessed */
	EXPECT("Not sure\n", "");
	/* two lines naming different options: nothing guessed */
	EXPECT("A career.\nMostly a job\n", "");
	/* explicit answers win, whatever the order */
	EXPECT("1 job\nDefinitely a career!\n", "work=job");
	EXPECT("Definitely a career!\n1 job\n", "work=job");
	EXPECT("Definitely a career!\n1 banana\n", "work=?[1 banana]");
	EXPECT("Definitely a career!\nwork: job\n", "work=job");
	EXPECT("> 1. Is your work today a job or a career?\nA job.\n\nDefinitely a career!\n", "work=job");
	/* never for yes/no questions; a number standing alone is the only scale question's value
	 * (issue 12: "9." answers it), a count never is */
	EXPECT("Yes, I loved it\n", "");
	EXPECT("Five stars\n", "");
	EXPECT("4\n", "satisfaction=4");
}

/* With two choice questions, a line naming an option of both is not guessed. */
static void unnumbered_choice_two_questions(void **state)
{
	(void)state;
	struct nl_survey *one = survey;
	struct nl_survey *two = make_survey();
	two->questions = nl_xrealloc(two->questions, 5 * sizeof *two->questions);
	struct nl_question *q = &two->questions[4];
	memset(q, 0, sizeof *q);
	q->id = nl_xstrdup("place");
	q->type = NL_Q_CHOICE;
	q->text = nl_xstrdup("Where do you work?");
	q->n_options = 3;
	q->options = nl_xcalloc(3, sizeof(char *));
	q->options[0] = nl_xstrdup("office");
	q->options[1] = nl_xstrdup("remote");
	q->options[2] = nl_xstrdup("side job");
	two->n_questions = 5;
	survey = two;
	EXPECT("Remote, mostly\nDefinitely a career\n", "work=career;place=remote");
	EXPECT("A career, fully remote\n", "");
	/* the longer option wins over the shorter one inside it */
	EXPECT("A side job really\n", "place=side job");
	survey = one;
	nl_survey_free(two);

	/* a choice whose options are yes/no words or numbers is as risky as a yes/no or scale question */
	struct nl_survey *three = make_survey();
	q = &three->questions[0];
	for (size_t i = 0; i < q->n_options; i++)
		free(q->options[i]);
	q->options[0] = nl_xstrdup("yes");
	q->options[1] = nl_xstrdup("maybe");
	q->options[2] = nl_xstrdup("2 years");
	survey = three;
	EXPECT("Yes!\n", "");
	EXPECT("2 years\n", "satisfaction=?[2 years]");
	EXPECT("Definitely 2 years\n", "");
	EXPECT("Maybe.\n", "work=maybe");
	EXPECT("1 yes\n", "work=yes");
	survey = one;
	nl_survey_free(three);
}

static void no_answers(void **state)
{
	(void)state;
	EXPECT("thanks!\n", "");
	EXPECT("Great article, thank you.\n\nOn Mon, Coach wrote:\n> 1 career, 2 4, 3 yes\n", "");
	EXPECT("", "");
	/* a later answer to the same question in one reply wins */
	EXPECT("1 job\n1 career\n", "work=career");
	/* numbers beyond the survey are not answers */
	EXPECT("5 stars!\n", "");
	EXPECT("12 years in the same role\n", "");
}

static void read_value(void **state)
{
	(void)state;
	struct nl_answer a;
	assert_true(nl_answers_read_value(survey, 0, "career", 6, &a));
	assert_string_equal(a.value, "career");
	free(a.value);
	free(a.raw);
	assert_false(nl_answers_read_value(survey, 1, "9", 1, &a));
	assert_int_equal(a.status, NL_ANSWER_UNREADABLE);
	assert_string_equal(a.raw, "9");
	free(a.value);
	free(a.raw);
	nl_answers_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(numbered_forms),    cmocka_unit_test(by_id),
	    cmocka_unit_test(choice_values),     cmocka_unit_test(scale_values),
	    cmocka_unit_test(yesno_values),      cmocka_unit_test(text_values),
	    cmocka_unit_test(inline_answers),    cmocka_unit_test(question_line_with_tail),
	    cmocka_unit_test(unnumbered_choice), cmocka_unit_test(unnumbered_choice_two_questions),
	    cmocka_unit_test(no_answers),        cmocka_unit_test(read_value),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
