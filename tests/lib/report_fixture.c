/* report_fixture.c - builds the report tests' state through the store API (see the header).
 *
 * career-2026-11 (the latest campaign), hand-computed:
 *   deliveries  sent 9 (zoe taro ana bob emile chloe dave helene eve), deferred 1 (frank),
 *               failed 1 (gina, with a hard bounce: bounced 1)
 *   inbound     answer 7 (zoe taro ana bob emile dave eve), unsubscribe 1 (chloe), complaint 1
 *               (helene); unmatched: 2 strangers; 1 unreadable message
 *   respondents 6 (zoe taro ana bob emile eve; dave has only an unreadable answer)
 *   rate        6 / 9 = 0.6667 (66.7%)
 *   work        answered 6: job 2 (taro bob), career 3 (zoe ana emile), not sure 1 (eve)
 *   satisfaction answered 5: 4 2 5 3 2 -> sorted 2 2 3 4 5: mean 16/5 = 3.2, median 3
 *   consult     answered 5: yes 4 (ana said no), follow-up list emile eve taro zoe
 *   change      answered 5 (zoe taro ana bob eve)
 *   crosstab    job: 2 people, mean (2+3)/2 = 2.5; career: 2 (emile's scale answer is
 *               unreadable), mean (4+5)/2 = 4.5; not sure: 1, mean 2; all 5, mean 3.2
 *   unreadable  3: bob consult "maybe later?", emile satisfaction "about a seven", dave work
 *               "both really" (stored as readable "both", which is no option)
 * career-2026-10 (earlier): sent 3, respondents 2, rate 0.6667; satisfaction 3 and 4: mean 3.5,
 *   median 3.5; work has only the options job and career; a text question `hours` of its own.
 */
#include "report_fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "campaign_survey.h"
#include "store.h"
#include "tally.h"
#include "util.h"

static const char fixture_article_nov[] =
    "---\n"
    "title: Job or career? How to tell which one you have\n"
    "subject: \"Job or career: which one are you in?\"\n"
    "date: 2026-11-30T09:00:00Z\n"
    "survey:\n"
    "  id: career-2026-11\n"
    "  questions:\n"
    "    - {id: work, type: choice, text: \"Is your work today a job or a career?\", options: [job, career, "
    "not sure]}\n"
    "    - {id: satisfaction, type: scale, min: 1, max: 5, text: \"How satisfied are you with where it is "
    "heading?\"}\n"
    "    - {id: consult, type: yesno, follow_up: true, text: \"Would you like a free 15-minute "
    "consultation?\"}\n"
    "    - {id: change, type: text, text: \"What one thing would you change about your work?\"}\n"
    "---\n"
    "Most people use the words \"job\" and \"career\" as if they meant the same thing.\n";

static const char fixture_article_oct[] =
    "---\n"
    "title: Four hours a week\n"
    "subject: \"The four hours that change a year\"\n"
    "date: 2026-10-31T09:00:00Z\n"
    "survey:\n"
    "  id: career-2026-10\n"
    "  questions:\n"
    "    - {id: work, type: choice, text: \"Is your work a job or a career?\", options: [job, career]}\n"
    "    - {id: satisfaction, type: scale, min: 1, max: 5, text: \"How satisfied are you?\"}\n"
    "    - {id: hours, type: text, text: \"How many hours a week do you spend learning?\"}\n"
    "---\n"
    "Four hours a week is enough.\n";

struct fixture_person {
	const char *email, *name;
	enum nl_delivery_state state;
};

static int fixture_counter;

static bool fixture_ok(enum nl_code rc, const struct nl_error *err, const char *what)
{
	if (rc == NL_OK)
		return true;
	fprintf(stderr, "report fixture: %s: %s\n", what, err->detail);
	return false;
}

static bool fixture_deliver(struct nl_store *s, const char *campaign, const struct fixture_person *p,
                            struct nl_error *err)
{
	char token[NL_TOKEN_LEN + 1];
	snprintf(token, sizeof token, "tok%013d", ++fixture_counter);
	if (!fixture_ok(nl_store_delivery_start(s, campaign, p->email, p->name, token, err), err, "start"))
		return false;
	const char *reply = p->state == NL_DELIVERY_SENT       ? "250 2.0.0 Ok: queued"
	                    : p->state == NL_DELIVERY_DEFERRED ? "451 4.7.1 Try again later"
	                                                       : "550 5.1.1 No such user";
	return fixture_ok(nl_store_delivery_finish(s, campaign, p->email, p->state, reply,
	                                           p->state == NL_DELIVERY_DEFERRED ? nl_now() + 600 : 0,
	                                           err),
	                  err, "finish");
}

/* A message, with the reply's own words, the sentence asking to be contacted, and whether some of
 * its words were not read as answers (schema version 2). */
static bool fixture_inbound_words(struct nl_store *s, const char *campaign, const char *email,
                                  enum nl_inbound_class cls, enum nl_match match, const char *words,
                                  const char *contact, bool unread, int64_t *id, struct nl_error *err)
{
	struct nl_inbound in = {0};
	in.own_words = (char *)words;
	in.contact = (char *)contact;
	in.unread_words = unread;
	char loc[32], mid[64];
	fixture_counter++;
	snprintf(loc, sizeof loc, "%d", fixture_counter);
	snprintf(mid, sizeof mid, "<fixture.%d@mail.example.test>", fixture_counter);
	snprintf(in.hash, sizeof in.hash, "%064x", fixture_counter);
	in.source = (char *)"maildir:/fixture";
	in.location = loc;
	in.message_id = mid;
	in.cls = cls;
	in.match = match;
	in.campaign = (char *)campaign;
	in.email = (char *)email;
	in.from_address = (char *)(email ? email : "someone@elsewhere.test");
	in.subject = (char *)"Re: the survey";
	in.reason = (char *)(cls == NL_INBOUND_UNREADABLE ? "truncated MIME structure" : "");
	in.received = nl_now();
	return fixture_ok(nl_store_inbound_add(s, &in, id, err), err, "inbound");
}

static bool fixture_inbound(struct nl_store *s, const char *campaign, const char *email,
                            enum nl_inbound_class cls, enum nl_match match, int64_t *id, struct nl_error *err)
{
	return fixture_inbound_words(s, campaign, email, cls, match, NULL, NULL, false, id, err);
}

/* The own words of each person's reply in the main fixture (what collect would have kept). */
static const struct {
	const char *campaign, *email, *words;
	bool unread;
} fixture_words[] = {
    {"career-2026-10", "zoe@example.test", "1 job\n2: 3\n3 two, on Sundays", false},
    {"career-2026-10", "taro@example.jp.test", "1 career\n2 4/5", false},
    {"career-2026-11", "zoe@example.test",
     "1 Definitely a career!\n2 4/5\n3 yes please\n4 Less travel, more \"deep work\"\n\nThanks, Zoë", false},
    {"career-2026-11", "taro@example.jp.test", "1 job\n2 two\n3 yes\n4 <script>alert(1)</script>", false},
    {"career-2026-11", "ana@example.test",
     "1 career\n2 5\n3 no thanks\n4 \"><img src=x onerror=alert(1)>\n\nP.S. Tom & Jerry's 'quote' "
     "</blockquote><b>bold</b>",
     false},
    {"career-2026-11", "bob@example.test",
     "1 more of a job really\n2 3 out of 5\n3 maybe later?\n4 first line\nsecond line, with a comma", false},
    {"career-2026-11", "emile@example.test", "1: career\n2 about a seven\n3 yes", false},
    {"career-2026-11", "dave@example.test", "1 both really\n\nI'm torn between the two, to be honest.", true},
    {"career-2026-11", "eve@example.test",
     "1 not sure\n2 2\n3 yes\n4 =HYPERLINK(\"http://evil.test\",\"click\") \x1b[31mred\x1b[0m", false},
};

static bool fixture_reply(struct nl_store *s, const char *campaign, const char *email, enum nl_match match,
                          int64_t *id, struct nl_error *err)
{
	for (size_t i = 0; i < sizeof fixture_words / sizeof fixture_words[0]; i++)
		if (strcmp(fixture_words[i].campaign, campaign) == 0 &&
		    strcmp(fixture_words[i].email, email) == 0)
			return fixture_inbound_words(s, campaign, email, NL_INBOUND_ANSWER, match,
			                             fixture_words[i].words, NULL, fixture_words[i].unread,
			                             id, err);
	return fixture_inbound(s, campaign, email, NL_INBOUND_ANSWER, match, id, err);
}

struct fixture_answer {
	const char *email, *question;
	bool readable;
	const char *value, *raw;
};

static bool fixture_answers(struct nl_store *s, const char *campaign, const struct fixture_answer *a,
                            size_t n, enum nl_match match, struct nl_error *err)
{
	/* one inbound answer message per person, then that person's answers */
	int64_t id = 0;
	const char *last = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!last || strcmp(last, a[i].email) != 0) {
			enum nl_match m =
			    strcmp(a[i].email, "emile@example.test") == 0 ? NL_MATCH_FROM : match;
			if (!fixture_reply(s, campaign, a[i].email, m, &id, err))
				return false;
			last = a[i].email;
		}
		struct nl_stored_answer sa = {0};
		sa.campaign = (char *)campaign;
		sa.email = (char *)a[i].email;
		sa.question = (char *)a[i].question;
		sa.readable = a[i].readable;
		sa.value = (char *)a[i].value;
		sa.raw = (char *)a[i].raw;
		sa.rule = (char *)"numbered";
		sa.match = strcmp(a[i].email, "emile@example.test") == 0 ? NL_MATCH_FROM : match;
		sa.inbound_id = id;
		sa.answered = nl_now();
		if (!fixture_ok(nl_store_answer_put(s, &sa, err), err, "answer"))
			return false;
	}
	return true;
}

static bool fixture_october(struct nl_store *s, struct nl_error *err)
{
	static const struct fixture_person people[] = {
	    {"zoe@example.test", "Zoë Ångström", NL_DELIVERY_SENT},
	    {"taro@example.jp.test", "山田 太郎", NL_DELIVERY_SENT},
	    {"ana@example.test", "Ana 🚀 Lima", NL_DELIVERY_SENT},
	};
	static const struct fixture_answer answers[] = {
	    {"zoe@example.test", "work", true, "job", "1 job"},
	    {"zoe@example.test", "satisfaction", true, "3", "2: 3"},
	    {"zoe@example.test", "hours", true, "two, on Sundays", "3 two, on Sundays"},
	    {"taro@example.jp.test", "work", true, "career", "1 career"},
	    {"taro@example.jp.test", "satisfaction", true, "4", "2 4/5"},
	};
	const char *c = "career-2026-10";
	time_t due;
	nl_parse_iso8601("2026-10-31T09:00:00Z", &due);
	nl_now_set(due - 3600);
	if (!fixture_ok(nl_store_campaign_ensure(s, c, "The four hours that change a year",
	                                         "articles/2026-10-four-hours.md", fixture_article_oct, due,
	                                         err),
	                err, "campaign"))
		return false;
	nl_now_set(due + 60);
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
		if (!fixture_deliver(s, c, &people[i], err))
			return false;
	nl_now_set(due + 86400);
	return fixture_answers(s, c, answers, sizeof answers / sizeof answers[0], NL_MATCH_TOKEN, err);
}

static bool fixture_november(struct nl_store *s, struct nl_error *err)
{
	static const struct fixture_person people[] = {
	    {"zoe@example.test", "Zoë Ångström", NL_DELIVERY_SENT},
	    {"taro@example.jp.test", "山田 太郎", NL_DELIVERY_SENT},
	    {"ana@example.test", "Ana 🚀 Lima", NL_DELIVERY_SENT},
	    {"bob@example.test", "Bob", NL_DELIVERY_SENT},
	    {"emile@example.test", "Émile Zola", NL_DELIVERY_SENT},
	    {"chloe@example.test", "Chloé", NL_DELIVERY_SENT},
	    {"dave@example.test", NULL, NL_DELIVERY_SENT},
	    {"helene@example.test", "Hélène", NL_DELIVERY_SENT},
	    {"eve@example.test", "Eve</td><script>alert(2)</script>", NL_DELIVERY_SENT},
	    {"frank@example.test", "Frank", NL_DELIVERY_DEFERRED},
	    {"gina@example.test", "Gina", NL_DELIVERY_FAILED},
	};
	static const struct fixture_answer answers[] = {
	    {"zoe@example.test", "work", true, "career", "1 Definitely a career!"},
	    {"zoe@example.test", "satisfaction", true, "4", "2 4/5"},
	    {"zoe@example.test", "consult", true, "yes", "3 yes please"},
	    {"zoe@example.test", "change", true, "Less travel, more \"deep work\"",
	     "4 Less travel, more \"deep work\""},
	    {"taro@example.jp.test", "work", true, "job", "1 job"},
	    {"taro@example.jp.test", "satisfaction", true, "2", "2 two"},
	    {"taro@example.jp.test", "consult", true, "yes", "3 yes"},
	    {"taro@example.jp.test", "change", true, "<script>alert(1)</script>",
	     "4 <script>alert(1)</script>"},
	    {"ana@example.test", "work", true, "career", "1 career"},
	    {"ana@example.test", "satisfaction", true, "5", "2 5"},
	    {"ana@example.test", "consult", true, "no", "3 no thanks"},
	    {"ana@example.test", "change", true, "\"><img src=x onerror=alert(1)>",
	     "4 \"><img src=x onerror=alert(1)>"},
	    {"bob@example.test", "work", true, "job", "1 more of a job really"},
	    {"bob@example.test", "satisfaction", true, "3", "2 3 out of 5"},
	    {"bob@example.test", "consult", false, NULL, "3 maybe later?"},
	    {"bob@example.test", "change", true, "first line\nsecond line, with a comma", "4 first line"},
	    {"emile@example.test", "work", true, "career", "1: career"},
	    {"emile@example.test", "satisfaction", false, NULL, "2 about a seven"},
	    {"emile@example.test", "consult", true, "yes", "3 yes"},
	    {"dave@example.test", "work", true, "both", "1 both really"},
	    {"eve@example.test", "work", true, "not sure", "1 not sure"},
	    {"eve@example.test", "satisfaction", true, "2", "2 2"},
	    {"eve@example.test", "consult", true, "yes", "3 yes"},
	    {"eve@example.test", "change", true,
	     "=HYPERLINK(\"http://evil.test\",\"click\") \x1b[31mred\x1b[0m", "4 =HYPERLINK(...)"},
	};
	const char *c = "career-2026-11";
	time_t due;
	nl_parse_iso8601("2026-11-30T09:00:00Z", &due);
	nl_now_set(due - 3600);
	if (!fixture_ok(nl_store_campaign_ensure(s, c, "Job or career: which one are you in?",
	                                         "articles/2026-11-job-or-career.md", fixture_article_nov,
	                                         due, err),
	                err, "campaign"))
		return false;
	nl_now_set(due + 60);
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
		if (!fixture_deliver(s, c, &people[i], err))
			return false;
	nl_now_set(due + 86400);
	if (!fixture_answers(s, c, answers, sizeof answers / sizeof answers[0], NL_MATCH_TOKEN, err))
		return false;
	int64_t id = 0;
	int soft = 0;
	return fixture_inbound(s, c, "chloe@example.test", NL_INBOUND_UNSUBSCRIBE, NL_MATCH_TOKEN, NULL,
	                       err) &&
	       fixture_inbound(s, c, "helene@example.test", NL_INBOUND_COMPLAINT, NL_MATCH_TOKEN, NULL,
	                       err) &&
	       fixture_inbound(s, c, "gina@example.test", NL_INBOUND_BOUNCE, NL_MATCH_TOKEN, &id, err) &&
	       fixture_ok(nl_store_bounce_add(s, c, "gina@example.test", "5.1.1", true, id, &soft, err), err,
	                  "bounce") &&
	       fixture_inbound(s, NULL, NULL, NL_INBOUND_STRANGER, NL_MATCH_NONE, NULL, err) &&
	       fixture_inbound(s, NULL, NULL, NL_INBOUND_STRANGER, NL_MATCH_NONE, NULL, err) &&
	       fixture_inbound(s, NULL, NULL, NL_INBOUND_UNREADABLE, NL_MATCH_NONE, NULL, err);
}

/* ---- The replies fixture (issue 12) ---- */

static const char fixture_article_replies[] =
    "---\n"
    "title: Reading replies in their own words\n"
    "subject: \"Job, career, or a change?\"\n"
    "date: 2026-12-10T09:00:00Z\n"
    "survey:\n"
    "  id: replies-2026-12\n"
    "  questions:\n"
    "    - {id: work, type: choice, text: \"Is your work today a job or a career?\", options: [job, career, "
    "not sure]}\n"
    "    - {id: changing, type: yesno, follow_up: false, text: \"Are you thinking about changing jobs?\"}\n"
    "    - {id: satisfaction, type: scale, min: 1, max: 5, text: \"How satisfied are you?\"}\n"
    "    - {id: consult, type: yesno, follow_up: true, text: \"Would you like a free 15-minute "
    "consultation?\"}\n"
    "    - {id: change, type: text, text: \"What one thing would you change about your work?\"}\n"
    "---\n"
    "Tell me in your own words.\n";

struct fixture_reading {
	const char *question;
	int level; /* 0 sure, 1 likely, 2 unreadable */
	const char *value, *raw, *rule;
};

struct fixture_msg {
	const char *email;
	enum nl_match match;
	const char *words, *contact;
	bool unread;
	struct fixture_reading readings[4];
};

/* In the order collected, one minute apart (see the header for what each one tests). */
static const struct fixture_msg fixture_msgs[] = {
    {"kim@replies.test",
     NL_MATCH_TOKEN,
     "Honestly mine is a job right now, not a career. Satisfaction maybe a 2. I'd love to take you up "
     "on the free consultation!",
     "I'd love to take you up on the free consultation!",
     false,
     {{"work", 0, "job", "Honestly mine is a job right now, not a career.", "prose"},
      {"satisfaction", 1, "2", "Satisfaction maybe a 2.", "prose"},
      {"consult", 0, "yes", "I'd love to take you up on the free consultation!", "prose"}}},
    {"lee@replies.test",
     NL_MATCH_TOKEN,
     "I would really like a call to talk about this. When are you free?",
     "I would really like a call to talk about this.",
     true,
     {{0}}},
    {"max@replies.test",
     NL_MATCH_FROM,
     "1 job\n2 yes, I'm looking\n4 no",
     NULL,
     false,
     {{"work", 0, "job", "1 job", "numbered"},
      {"changing", 0, "yes", "2 yes, I'm looking", "numbered"},
      {"consult", 0, "no", "4 no", "numbered"}}},
    {"nia@replies.test",
     NL_MATCH_TOKEN,
     "No need for a consultation, thanks. A chat some day could be nice though.",
     "A chat some day could be nice though.",
     false,
     {{"consult", 0, "no", "No need for a consultation, thanks.", "prose"}}},
    {"oli@replies.test",
     NL_MATCH_TOKEN,
     "4 out of 5. The consultation: maybe later.",
     NULL,
     false,
     {{"satisfaction", 0, "4", "4 out of 5.", "prose"},
      {"consult", 2, NULL, "The consultation: maybe later.", "prose"}}},
    {"pat@replies.test",
     NL_MATCH_TOKEN,
     "Between 3 and 4, I guess. Career.",
     NULL,
     false,
     {{"work", 0, "career", "Career.", "prose"},
      {"satisfaction", 2, NULL, "Between 3 and 4, I guess.", "prose"}}},
    {"quinn@replies.test",
     NL_MATCH_TOKEN,
     "<script>alert(\"x\")</script> & \"quotes\" 'single' </blockquote><b>bold</b>\nCall me!",
     "<img src=x onerror=alert(3)> call me & \"now\"",
     true,
     {{0}}},
    {"rae@replies.test", NL_MATCH_TOKEN, "thanks!", NULL, false, {{0}}},
    {"oli@replies.test",
     NL_MATCH_TOKEN,
     "Actually yes, call me.",
     NULL,
     false,
     {{"consult", 0, "yes", "Actually yes, call me.", "prose"}}},
    {"sam@replies.test", NL_MATCH_TOKEN, NULL, NULL, false, {{0}}},
};

int report_fixture_build_replies(const char *path)
{
	static const struct fixture_person people[] = {
	    {"kim@replies.test", "Kim", NL_DELIVERY_SENT},
	    {"lee@replies.test", "Lee Chang", NL_DELIVERY_SENT},
	    {"max@replies.test", "Max", NL_DELIVERY_SENT},
	    {"nia@replies.test", "Nia", NL_DELIVERY_SENT},
	    {"oli@replies.test", "Oli", NL_DELIVERY_SENT},
	    {"pat@replies.test", "Pat", NL_DELIVERY_SENT},
	    {"quinn@replies.test", "Quinn \"Q\" <O'Neil> & Co", NL_DELIVERY_SENT},
	    {"rae@replies.test", "Rae", NL_DELIVERY_SENT},
	    {"sam@replies.test", NULL, NL_DELIVERY_SENT},
	};
	struct nl_store *s = NULL;
	struct nl_article *article = NULL;
	struct nl_error err = {0};
	const char *c = "replies-2026-12";
	int rc = -1;
	fixture_counter = 0;
	time_t due;
	nl_parse_iso8601("2026-12-10T09:00:00Z", &due);
	nl_now_set(due - 3600);
	if (!fixture_ok(nl_store_open(path, &s, &err), &err, path) ||
	    !fixture_ok(nl_article_parse("articles/replies-2026-12.md", fixture_article_replies,
	                                 strlen(fixture_article_replies), &article, &err),
	                &err, "article") ||
	    !fixture_ok(nl_campaign_record(s, article, "articles/replies-2026-12.md", &err), &err,
	                "campaign"))
		goto out;
	nl_now_set(due + 60);
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
		if (!fixture_deliver(s, c, &people[i], &err))
			goto out;
	for (size_t m = 0; m < sizeof fixture_msgs / sizeof fixture_msgs[0]; m++) {
		const struct fixture_msg *msg = &fixture_msgs[m];
		int64_t id = 0;
		nl_now_set(due + 86400 + 60 * (time_t)m);
		if (!fixture_inbound_words(s, c, msg->email, NL_INBOUND_ANSWER, msg->match, msg->words,
		                           msg->contact, msg->unread, &id, &err))
			goto out;
		for (size_t k = 0; k < 4 && msg->readings[k].question; k++) {
			const struct fixture_reading *g = &msg->readings[k];
			struct nl_stored_answer sa = {0};
			sa.campaign = (char *)c;
			sa.email = (char *)msg->email;
			sa.question = (char *)g->question;
			sa.readable = g->level == 0;
			sa.likely = g->level == 1;
			sa.value = (char *)g->value;
			sa.raw = (char *)g->raw;
			sa.rule = (char *)g->rule;
			sa.match = msg->match;
			sa.inbound_id = id;
			sa.answered = nl_now();
			if (!fixture_ok(nl_store_answer_put(s, &sa, &err), &err, "answer"))
				goto out;
		}
	}
	/* the coach settles Pat's satisfaction by hand (mailer settle) */
	nl_now_set(due + 2 * 86400);
	struct nl_stored_answer settle = {.campaign = (char *)c,
	                                  .email = (char *)"pat@replies.test",
	                                  .question = (char *)"satisfaction",
	                                  .readable = true,
	                                  .value = (char *)"3",
	                                  .raw = (char *)"Between 3 and 4, I guess.",
	                                  .rule = (char *)"settled by hand",
	                                  .settled = true,
	                                  .match = NL_MATCH_TOKEN,
	                                  .answered = nl_now()};
	if (!fixture_ok(nl_store_answer_put(s, &settle, &err), &err, "settle"))
		goto out;
	rc = 0;
out:
	nl_article_free(article);
	nl_store_close(s);
	nl_now_set(0);
	return rc;
}

int report_fixture_build(const char *path)
{
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	int rc = -1;
	fixture_counter = 0;
	if (!fixture_ok(nl_store_open(path, &s, &err), &err, path))
		goto out;
	if (!fixture_october(s, &err) || !fixture_november(s, &err))
		goto out;
	rc = 0;
out:
	nl_store_close(s);
	nl_now_set(0);
	return rc;
}

int report_replies_setup(void **state)
{
	struct report_replies_fixture *f = calloc(1, sizeof *f);
	char path[96];
	snprintf(f->dir, sizeof f->dir, "/tmp/test_replies.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(path, sizeof path, "%s/state.db", f->dir);
	if (report_fixture_build_replies(path) != 0)
		return -1;
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	nl_now_set(REPORT_FIXTURE_NOW);
	if (nl_store_open(path, &s, &err) != NL_OK || nl_tally_campaign(s, NULL, &f->t, &err) != NL_OK) {
		fprintf(stderr, "%s\n", err.detail);
		return -1;
	}
	nl_store_close(s);
	*state = f;
	return 0;
}

int report_replies_teardown(void **state)
{
	struct report_replies_fixture *f = *state;
	nl_tally_free(f->t);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	nl_now_set(0);
	return rc == 0 ? 0 : -1;
}
