/* test_report_fixture.c - builds the report tests' state through the store API (see the header).
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
#include "test_report_fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
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
    "    - {id: consult, type: yesno, text: \"Would you like a free 15-minute consultation?\"}\n"
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

static bool fixture_inbound(struct nl_store *s, const char *campaign, const char *email,
                            enum nl_inbound_class cls, enum nl_match match, int64_t *id, struct nl_error *err)
{
	struct nl_inbound in = {0};
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
			if (!fixture_inbound(s, campaign, a[i].email, NL_INBOUND_ANSWER, m, &id, err))
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
