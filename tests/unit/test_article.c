/* test_article.c - front matter (every error names file, line and field), the example article,
 * the HTML rendering and the survey definition helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "survey.h"
#include "util.h"

#define FIXTURES NL_TEST_DATA "/articles/"
#define EXAMPLE NL_SOURCE_DIR "/articles/2026-11-job-or-career.md"

/* Loads fixture `name`, expects NL_ERR_ARTICLE and returns the detail after the directory. */
static const char *load_error(const char *name, struct nl_error *err)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", FIXTURES, name);
	struct nl_article *a = (void *)1;
	enum nl_code rc = nl_article_load(path, &a, err);
	assert_int_equal(rc, NL_ERR_ARTICLE);
	assert_null(a);
	assert_int_equal(err->code, NL_ERR_ARTICLE);
	assert_memory_equal(err->detail, FIXTURES, strlen(FIXTURES));
	return err->detail + strlen(FIXTURES);
}

/* Parses `src` from memory as "t.md"; returns the article or NULL with the error in *err. */
static struct nl_article *parse(const char *src, struct nl_error *err)
{
	struct nl_article *a = NULL;
	if (nl_article_parse("dir/t.md", src, strlen(src), &a, err) != NL_OK) {
		assert_null(a);
		return NULL;
	}
	return a;
}

static void test_example_article(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_article *a = NULL;
	enum nl_code rc = nl_article_load(EXAMPLE, &a, &err);
	if (rc != NL_OK)
		print_error("%s\n", err.detail);
	assert_int_equal(rc, NL_OK);
	assert_string_equal(a->campaign, "2026-11-job-or-career");
	assert_string_equal(a->path, EXAMPLE);
	assert_string_equal(a->date_text, "2026-11-30T09:00:00Z");
	time_t due;
	assert_true(nl_parse_iso8601("2026-11-30T09:00:00Z", &due));
	assert_int_equal(a->date, due);
	assert_non_null(a->title);
	assert_non_null(a->subject);
	assert_non_null(a->preheader);
	assert_null(a->list);
	assert_null(a->template_name);

	/* The survey exactly as in doc/DESIGN.md §3. */
	const struct nl_survey *s = a->survey;
	assert_non_null(s);
	assert_string_equal(s->id, "career-2026-11");
	assert_int_equal(s->n_questions, 4);
	assert_string_equal(s->questions[0].id, "work");
	assert_int_equal(s->questions[0].type, NL_Q_CHOICE);
	assert_string_equal(s->questions[0].text, "Is your work today a job or a career?");
	assert_int_equal(s->questions[0].n_options, 3);
	assert_string_equal(s->questions[0].options[0], "job");
	assert_string_equal(s->questions[0].options[1], "career");
	assert_string_equal(s->questions[0].options[2], "not sure");
	assert_string_equal(s->questions[1].id, "satisfaction");
	assert_int_equal(s->questions[1].type, NL_Q_SCALE);
	assert_int_equal(s->questions[1].min, 1);
	assert_int_equal(s->questions[1].max, 5);
	assert_string_equal(s->questions[1].text, "How satisfied are you with where it is heading?");
	assert_string_equal(s->questions[2].id, "consult");
	assert_int_equal(s->questions[2].type, NL_Q_YESNO);
	assert_string_equal(s->questions[2].text, "Would you like a free 15-minute consultation?");
	assert_string_equal(s->questions[3].id, "change");
	assert_int_equal(s->questions[3].type, NL_Q_TEXT);
	assert_string_equal(s->questions[3].text, "What one thing would you change about your work?");

	/* What the issue asks of the body: headings, a list, a link, a block quote, a few hundred words. */
	assert_non_null(strstr(a->html, "<h2>"));
	assert_non_null(strstr(a->html, "<ol>"));
	assert_non_null(strstr(a->html, "<ul>"));
	assert_non_null(strstr(a->html, "<a href=\"https://"));
	assert_non_null(strstr(a->html, "<blockquote>"));
	assert_non_null(strstr(a->html, "\xE2\x80\x9C")); /* smart quotes: “ */
	assert_null(strstr(a->html, "---"));
	size_t words = 0;
	for (const char *p = a->text; *p; p++)
		if ((p == a->text || p[-1] == ' ' || p[-1] == '\n') && *p != ' ' && *p != '\n')
			words++;
	assert_in_range(words, 400, 700);
	/* The text part: underlined headings, quote bars, link as text <url>, nothing over 72 columns. */
	assert_non_null(strstr(a->text, "\n---"));
	assert_non_null(strstr(a->text, "\n| "));
	assert_non_null(strstr(a->text, " <https://"));
	assert_null(strstr(a->text, "\n>"));
	for (const char *line = a->text; *line;) {
		const char *end = strchr(line, '\n');
		assert_non_null(end);
		assert_true(nl_utf8_width(line, (size_t)(end - line)) <= 72);
		line = end + 1;
	}
	assert_non_null(strstr(a->source, "survey:"));
	nl_article_free(a);
	nl_article_free(NULL);
}

static void test_minimal_and_optional_fields(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_article *a =
	    parse("---\r\ntitle:  Hello  \r\nsubject: Hi\r\ndate: 2026-12-01\r\n"
	          "preheader: Pre\r\nlist: ../subscribers/vip.csv\r\ntemplate: plain\r\n"
	          "tags: [unknown, keys, ignored]\r\nextra: {nested: ok}\r\n---\r\nBody *text*.\r\n",
	          &err);
	if (!a)
		print_error("%s\n", err.detail);
	assert_non_null(a);
	assert_string_equal(a->campaign, "t");
	assert_string_equal(a->title, "Hello");
	assert_string_equal(a->preheader, "Pre");
	assert_string_equal(a->list, "../subscribers/vip.csv");
	assert_string_equal(a->template_name, "plain");
	assert_null(a->survey);
	assert_string_equal(a->html, "<p>Body <em>text</em>.</p>\n");
	assert_string_equal(a->text, "Body _text_.\n");
	nl_article_free(a);

	/* A byte-order mark and "..." as the closing line; an empty body. */
	a = parse("\xEF\xBB\xBF---\ntitle: T\nsubject: S\ndate: 2026-12-01T08:00:00+01:00\n...\n", &err);
	assert_non_null(a);
	assert_int_equal(a->date, 1796029200 + 86400 - 3600 - 3600);
	assert_string_equal(a->html, "");
	assert_string_equal(a->text, "");
	nl_article_free(a);
}

static void test_campaign_from_file_name(void **state)
{
	(void)state;
	struct nl_error err = {0};
	const char *src = "---\ntitle: T\nsubject: S\ndate: 2026-12-01\n---\n";
	struct nl_article *a = NULL;
	assert_int_equal(nl_article_parse("/a/b.c/2026-12_news.v2.md", src, strlen(src), &a, &err), NL_OK);
	assert_string_equal(a->campaign, "2026-12_news.v2");
	nl_article_free(a);
	assert_int_equal(nl_article_parse("x/bad name.md", src, strlen(src), &a, &err), NL_ERR_ARTICLE);
	assert_string_equal(err.detail,
	                    "x/bad name.md:1: campaign: the file name \"bad name\" must use only letters, "
	                    "digits, '.', '-' and '_' (it becomes the campaign id)");
}

static void test_safe_html(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_article *a =
	    parse("---\ntitle: T\nsubject: S\ndate: 2026-12-01\n---\n"
	          "<script>alert(1)</script>\n\n[x](javascript:alert(1)) \"quoted\" -- dash...\n",
	          &err);
	assert_non_null(a);
	assert_null(strstr(a->html, "<script"));
	assert_null(strstr(a->html, "javascript:"));
	assert_non_null(strstr(a->html, "\xE2\x80\x9Cquoted\xE2\x80\x9D")); /* “quoted” */
	assert_non_null(strstr(a->html, "\xE2\x80\x93"));                   /* – */
	assert_non_null(strstr(a->html, "\xE2\x80\xA6"));                   /* … */
	assert_null(strstr(a->text, "script"));
	assert_string_equal(a->text, "x \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x80\x93 dash\xE2\x80\xA6\n");
	nl_article_free(a);
}

static void test_error_bad_yaml(void **state)
{
	(void)state;
	struct nl_error err = {0};
	assert_string_equal(
	    load_error("bad-yaml.md", &err),
	    "bad-yaml.md:5: front matter: bad YAML: found unexpected end of stream (while scanning a "
	    "quoted scalar that starts on line 3)");
	assert_string_equal(
	    load_error("bad-yaml-indent.md", &err),
	    "bad-yaml-indent.md:5: front matter: bad YAML: mapping values are not allowed in this context");
}

static void test_error_missing_fields(void **state)
{
	(void)state;
	struct nl_error err = {0};
	assert_string_equal(
	    load_error("no-subject.md", &err),
	    "no-subject.md:4: subject: missing (the front matter needs title, subject and date)");
	assert_string_equal(load_error("no-title.md", &err),
	                    "no-title.md:4: title: missing (the front matter needs title, subject and date)");
	assert_string_equal(
	    load_error("no-front-matter.md", &err),
	    "no-front-matter.md:1: front matter: missing: the file must start with a line \"---\"");
	assert_string_equal(load_error("unclosed.md", &err),
	                    "unclosed.md:1: front matter: not closed: no line \"---\" after it");
	assert_null(parse("---\n---\nbody\n", &err));
	assert_string_equal(err.detail,
	                    "dir/t.md:2: title: missing (the front matter needs title, subject and date)");
	assert_null(parse("---\ntitle: T\nsubject: S\n---\n", &err));
	assert_string_equal(err.detail,
	                    "dir/t.md:4: date: missing (the front matter needs title, subject and date)");
	assert_null(parse("---\ntitle: T\nsubject: \"  \"\ndate: 2026-12-01\n---\n", &err));
	assert_string_equal(err.detail, "dir/t.md:3: subject: is empty");
	assert_null(parse("---\n- a list\n---\n", &err));
	assert_string_equal(err.detail, "dir/t.md:2: front matter: must be a mapping of fields (title: ...)");
}

static void test_error_field_shapes(void **state)
{
	(void)state;
	struct nl_error err = {0};
	assert_string_equal(load_error("multiline-subject.md", &err),
	                    "multiline-subject.md:3: subject: must be on one line");
	assert_null(parse("---\ntitle: [a, b]\nsubject: S\ndate: 2026-12-01\n---\n", &err));
	assert_string_equal(err.detail, "dir/t.md:2: title: must be text, not a list");
	assert_null(parse("---\ntitle: T\ntitle: U\nsubject: S\ndate: 2026-12-01\n---\n", &err));
	assert_string_equal(err.detail, "dir/t.md:3: title: given twice");
	assert_null(
	    parse("---\ntitle: T\nsubject: S\ndate: 2026-12-01\ntemplate: ../../etc/passwd\n---\n", &err));
	assert_string_equal(
	    err.detail,
	    "dir/t.md:5: template: \"../../etc/passwd\" must be a template's base name, such as newsletter");
	assert_null(parse("---\ntitle: \"a\\x01b\"\nsubject: S\ndate: 2026-12-01\n---\n", &err));
	assert_string_equal(err.detail, "dir/t.md:2: title: contains a control character");
}

static void test_error_date(void **state)
{
	(void)state;
	struct nl_error err = {0};
	assert_string_equal(load_error("bad-date.md", &err),
	                    "bad-date.md:4: date: \"30/11/2026\" is not an ISO 8601 date (2026-11-30 or "
	                    "2026-11-30T09:00:00Z)");
	assert_null(parse("---\ntitle: T\nsubject: S\ndate: 2026-02-30\n---\n", &err));
	assert_string_equal(err.detail,
	                    "dir/t.md:4: date: \"2026-02-30\" is not an ISO 8601 date (2026-11-30 or "
	                    "2026-11-30T09:00:00Z)");
	assert_null(parse("---\ntitle: T\nsubject: S\ndate: next Monday\n---\n", &err));
	assert_int_equal(err.code, NL_ERR_ARTICLE);
}

static void test_error_survey(void **state)
{
	(void)state;
	struct nl_error err = {0};
	assert_string_equal(
	    load_error("unknown-type.md", &err),
	    "unknown-type.md:9: survey.questions[2].type: unknown question type \"multiple\" (choice, "
	    "scale, yesno or text)");
	assert_string_equal(
	    load_error("choice-no-options.md", &err),
	    "choice-no-options.md:8: survey.questions[1].options: a choice question needs options, e.g. "
	    "[job, career, not sure]");
	assert_string_equal(
	    load_error("choice-empty-options.md", &err),
	    "choice-empty-options.md:8: survey.questions[1].options: a choice question needs at least "
	    "one option");
	assert_string_equal(
	    load_error("duplicate-id.md", &err),
	    "duplicate-id.md:10: survey.questions[3].id: duplicate question id \"work\" (also question 1)");
	assert_string_equal(load_error("scale-min-max.md", &err),
	                    "scale-min-max.md:8: survey.questions[1].max: min (5) must be less than max (5)");

	const char *head = "---\ntitle: T\nsubject: S\ndate: 2026-12-01\nsurvey:\n  id: s\n  questions:\n";
	struct {
		const char *question;
		const char *detail;
	} cases[] = {
	    {"    - {id: a, type: scale, min: 4, max: 2, text: Q}\n",
	     "dir/t.md:8: survey.questions[1].max: min (4) must be less than max (2)"},
	    {"    - {id: a, type: scale, min: one, text: Q}\n",
	     "dir/t.md:8: survey.questions[1].min: must be a whole number between -1000 and 1000"},
	    {"    - {id: a, type: scale, min: 0, max: 100, text: Q}\n",
	     "dir/t.md:8: survey.questions[1].max: a scale has at most 21 values"},
	    {"    - {id: a, type: yesno, text: Q, options: [y, n]}\n",
	     "dir/t.md:8: survey.questions[1].options: only a choice question has options"},
	    {"    - {id: a, type: text, max: 3, text: Q}\n",
	     "dir/t.md:8: survey.questions[1].max: only a scale question has min and max"},
	    {"    - {id: a, type: choice, text: Q, options: [x, X]}\n",
	     "dir/t.md:8: survey.questions[1].options: option \"X\" given twice"},
	    {"    - {id: Work, type: text, text: Q}\n",
	     "dir/t.md:8: survey.questions[1].id: \"Work\" must use only a-z, 0-9, '-' and '_'"},
	    {"    - {type: text, text: Q}\n", "dir/t.md:8: survey.questions[1].id: missing"},
	    {"    - {id: a, text: Q}\n",
	     "dir/t.md:8: survey.questions[1].type: missing (choice, scale, yesno or text)"},
	    {"    - {id: a, type: yesno}\n",
	     "dir/t.md:8: survey.questions[1].text: missing (the question as the reader sees it)"},
	    {"    - just a string\n",
	     "dir/t.md:8: survey.questions[1]: must be a mapping {id, type, text, ...}"},
	    {"    []\n", "dir/t.md:8: survey.questions: must be a list of at least one question"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char src[512];
		snprintf(src, sizeof src, "%s%s---\nBody\n", head, cases[i].question);
		assert_null(parse(src, &err));
		assert_string_equal(err.detail, cases[i].detail);
	}
	assert_null(parse("---\ntitle: T\nsubject: S\ndate: 2026-12-01\nsurvey: yes\n---\n", &err));
	assert_string_equal(err.detail, "dir/t.md:5: survey: must be a mapping with id and questions");
	assert_null(parse(
	    "---\ntitle: T\nsubject: S\ndate: 2026-12-01\nsurvey:\n  questions: [{id: a, type: text, text: "
	    "Q}]\n---\n",
	    &err));
	assert_string_equal(err.detail, "dir/t.md:6: survey.id: missing");

	/* A scale without bounds is 1..5. */
	char src[512];
	snprintf(src, sizeof src, "%s    - {id: a, type: scale, text: Q}\n---\n", head);
	struct nl_article *a = parse(src, &err);
	assert_non_null(a);
	assert_int_equal(a->survey->questions[0].min, 1);
	assert_int_equal(a->survey->questions[0].max, 5);
	nl_article_free(a);
}

/* keywords:, aliases: and follow_up: (issue 12). */
static void test_aliases_keywords_follow_up(void **state)
{
	(void)state;
	struct nl_error err = {0};
	const char *src =
	    "---\ntitle: T\nsubject: S\ndate: 2026-12-01\nsurvey:\n  id: s\n  questions:\n"
	    "    - id: work\n"
	    "      type: choice\n"
	    "      text: Is your work today a job or a career?\n"
	    "      options: [job, career, not sure]\n"
	    "      aliases: {job: [employment, \"just a job\", emploi, Job], career: [vocation, "
	    "carri\xC3\xA8re],\n"
	    "                \"Not Sure\": [unsure, \"don't know\"]}\n"
	    "      keywords: [work, profession]\n"
	    "    - {id: consult, type: yesno, text: Would you like a free 15-minute consultation?}\n"
	    "    - {id: change, type: yesno, text: Are you thinking about changing jobs?, keywords: [move]}\n"
	    "    - {id: talk, type: yesno, text: Shall we?, follow_up: true}\n"
	    "    - {id: callme, type: yesno, text: Would you like a call?, follow_up: false}\n"
	    "    - {id: sat, type: scale, text: Satisfied?, keywords: []}\n"
	    "---\nBody\n";
	struct nl_article *a = parse(src, &err);
	if (!a)
		print_error("%s\n", err.detail);
	assert_non_null(a);
	const struct nl_question *q = &a->survey->questions[0];
	const char *want[][2] = {{"employment", "job"},  {"just a job", "job"},
	                         {"emploi", "job"},      {"Job", "job"},
	                         {"vocation", "career"}, {"carri\xC3\xA8re", "career"},
	                         {"unsure", "not sure"}, {"don't know", "not sure"}};
	assert_int_equal(q->n_aliases, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < q->n_aliases; i++) {
		assert_string_equal(q->aliases[i].text, want[i][0]);
		assert_string_equal(q->options[q->aliases[i].option], want[i][1]);
	}
	assert_int_equal(q->n_keywords, 2);
	assert_string_equal(q->keywords[0], "work");
	assert_string_equal(q->keywords[1], "profession");
	assert_false(q->follow_up);
	/* follow_up: by default when the question is about being contacted, else as written. */
	assert_true(a->survey->questions[1].follow_up);
	assert_false(a->survey->questions[2].follow_up);
	assert_int_equal(a->survey->questions[2].n_keywords, 1);
	assert_string_equal(a->survey->questions[2].keywords[0], "move");
	assert_int_equal(a->survey->questions[2].n_aliases, 0);
	assert_true(a->survey->questions[3].follow_up);
	assert_false(a->survey->questions[4].follow_up);
	assert_int_equal(a->survey->questions[5].n_keywords, 0);
	nl_article_free(a);

	const char *head = "---\ntitle: T\nsubject: S\ndate: 2026-12-01\nsurvey:\n  id: s\n  questions:\n";
	struct {
		const char *question;
		const char *detail;
	} cases[] = {
	    {"    - {id: a, type: choice, text: Q, options: [job, career],\n       aliases: {jobs: "
	     "[work]}}\n",
	     "dir/t.md:9: survey.questions[1].aliases: \"jobs\" is not one of the options (job, career)"},
	    {"    - {id: a, type: choice, text: Q, options: [job, career], aliases: {job: [Career]}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: alias \"Career\" of \"job\" is the option \"career\""},
	    {"    - {id: a, type: choice, text: Q, options: [job, career],\n"
	     "       aliases: {job: [work, gig], career: [vocation,\n          GIG]}}\n",
	     "dir/t.md:10: survey.questions[1].aliases: alias \"GIG\" of \"career\" is also an alias of "
	     "\"job\""},
	    {"    - {id: a, type: choice, text: Q, options: [job, \"carri\xC3\xA8re\"], aliases: {job: "
	     "[CARRIERE]}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: alias \"CARRIERE\" of \"job\" is the option "
	     "\"carri\xC3\xA8re\""},
	    {"    - {id: a, type: choice, text: Q, options: [job, career], aliases: {job: [x], JOB: [y]}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: option \"job\" given twice"},
	    {"    - {id: a, type: choice, text: Q, options: [job], aliases: [work]}\n",
	     "dir/t.md:8: survey.questions[1].aliases: must map options to words, e.g. {job: [employment, "
	     "emploi], career: [vocation]}"},
	    {"    - {id: a, type: choice, text: Q, options: [job], aliases: {job: work}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: each option's aliases must be a list, e.g. job: "
	     "[employment, emploi]"},
	    {"    - {id: a, type: choice, text: Q, options: [job], aliases: {job: [\"\"]}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: is empty"},
	    {"    - {id: a, type: choice, text: Q, options: [job], aliases: {job: [[x]]}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: must be text, not a list"},
	    {"    - {id: a, type: yesno, text: Q, aliases: {yes: [yep]}}\n",
	     "dir/t.md:8: survey.questions[1].aliases: only a choice question has aliases"},
	    {"    - {id: a, type: text, text: Q, keywords: travel}\n",
	     "dir/t.md:8: survey.questions[1].keywords: must be a list of words, e.g. [consultation, call, "
	     "appointment]"},
	    {"    - {id: a, type: text, text: Q, keywords: [\"two\\nlines\"]}\n",
	     "dir/t.md:8: survey.questions[1].keywords: must be on one line"},
	    {"    - {id: a, type: text, text: Q, keywords: [a], keywords: [b]}\n",
	     "dir/t.md:8: survey.questions[1].keywords: given twice"},
	    {"    - {id: a, type: scale, text: Q, follow_up: true}\n",
	     "dir/t.md:8: survey.questions[1].follow_up: only a yes/no question has follow_up"},
	    {"    - {id: a, type: yesno, text: Q, follow_up: sometimes}\n",
	     "dir/t.md:8: survey.questions[1].follow_up: must be true or false"},
	    {"    - {id: a, type: yesno, text: Q, follow_up: [true]}\n",
	     "dir/t.md:8: survey.questions[1].follow_up: must be true or false"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s%s---\nBody\n", head, cases[i].question);
		assert_null(parse(buf, &err));
		if (strcmp(err.detail, cases[i].detail) != 0)
			print_error("case %zu\n", i);
		assert_string_equal(err.detail, cases[i].detail);
	}

	/* Bounds: 30 keywords, 100 aliases, 200 bytes a word. */
	struct nl_buf b = NL_BUF_INIT;
	for (int round = 0; round < 3; round++) {
		nl_buf_reset(&b);
		nl_buf_puts(&b, head);
		if (round == 0) {
			nl_buf_puts(&b, "    - {id: a, type: text, text: Q, keywords: [");
			for (int i = 0; i < 31; i++)
				nl_buf_printf(&b, "%sk%d", i ? ", " : "", i);
			nl_buf_puts(&b, "]}\n");
		} else if (round == 1) {
			nl_buf_puts(&b, "    - {id: a, type: choice, text: Q, options: [x], aliases: {x: [");
			for (int i = 0; i < 101; i++)
				nl_buf_printf(&b, "%sa%d", i ? ", " : "", i);
			nl_buf_puts(&b, "]}}\n");
		} else {
			nl_buf_puts(&b, "    - {id: a, type: text, text: Q, keywords: [");
			for (int i = 0; i < 201; i++)
				nl_buf_putc(&b, 'w');
			nl_buf_puts(&b, "]}\n");
		}
		nl_buf_puts(&b, "---\n");
		assert_null(parse(nl_buf_cstr(&b), &err));
		const char *expect[] = {
		    "dir/t.md:8: survey.questions[1].keywords: more than 30 keywords",
		    "dir/t.md:8: survey.questions[1].aliases: more than 100 aliases",
		    "dir/t.md:8: survey.questions[1].keywords: \"wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
		    "...\" is longer than 200 bytes"};
		assert_string_equal(err.detail, expect[round]);
	}
	nl_buf_free(&b);
}

static void test_survey_helpers(void **state)
{
	(void)state;
	enum nl_question_type t;
	const char *names[] = {"choice", "scale", "yesno", "text"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(nl_question_type_name((enum nl_question_type)i), names[i]);
		assert_true(nl_question_type_parse(names[i], &t));
		assert_int_equal(t, i);
	}
	assert_null(nl_question_type_name((enum nl_question_type)4));
	assert_false(nl_question_type_parse("Choice", &t));
	assert_false(nl_question_type_parse(NULL, &t));

	struct nl_error err = {0};
	struct nl_article *a = NULL;
	assert_int_equal(nl_article_load(EXAMPLE, &a, &err), NL_OK);
	const struct nl_question *q = nl_survey_find(a->survey, "consult");
	assert_non_null(q);
	assert_int_equal(q->type, NL_Q_YESNO);
	assert_null(nl_survey_find(a->survey, "nope"));
	assert_null(nl_survey_find(NULL, "work"));
	nl_article_free(a);
	nl_survey_free(NULL);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_article *a = (void *)1;
	assert_int_equal(nl_article_load(FIXTURES "no-such-file.md", &a, &err), NL_ERR_NOT_FOUND);
	assert_null(a);
	assert_non_null(strstr(err.detail, "no-such-file.md"));
}

/* Bytes that are not an article at all must fail cleanly, never crash. */
static void test_garbage_never_crashes(void **state)
{
	(void)state;
	const char *inputs[] = {
	    "",
	    "---",
	    "---\n",
	    "---\n---",
	    "---\n&a [*a]\n---\n",
	    "---\n? [a]\n: b\n---\n",
	    "---\ntitle: !!binary aGVsbG8=\nsubject: *x\n---\n",
	    "---\n\t\n---\n",
	    "---\ntitle: T\nsubject: S\ndate: 2026-12-01\nsurvey: {id: s, questions: [[[]]]}\n---\n"};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct nl_error err = {0};
		struct nl_article *a = NULL;
		enum nl_code rc = nl_article_parse("g.md", inputs[i], strlen(inputs[i]), &a, &err);
		assert_true(rc == NL_ERR_ARTICLE || rc == NL_OK);
		if (rc != NL_OK)
			assert_memory_equal(err.detail, "g.md:", 5);
		nl_article_free(a);
	}
	/* A NUL byte inside. */
	struct nl_error err = {0};
	struct nl_article *a = NULL;
	assert_int_equal(nl_article_parse("g.md", "---\ntitle: a\0b\n---\n", 19, &a, &err), NL_ERR_ARTICLE);
	assert_string_equal(err.detail, "g.md:1: article: contains a NUL byte");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_article),
	    cmocka_unit_test(test_minimal_and_optional_fields),
	    cmocka_unit_test(test_campaign_from_file_name),
	    cmocka_unit_test(test_safe_html),
	    cmocka_unit_test(test_error_bad_yaml),
	    cmocka_unit_test(test_error_missing_fields),
	    cmocka_unit_test(test_error_field_shapes),
	    cmocka_unit_test(test_error_date),
	    cmocka_unit_test(test_error_survey),
	    cmocka_unit_test(test_aliases_keywords_follow_up),
	    cmocka_unit_test(test_survey_helpers),
	    cmocka_unit_test(test_load_missing_file),
	    cmocka_unit_test(test_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
