/* test_collect.c - the collector against a real (temporary) state: matching by token and by From,
 * answers and the later-reply rule, strangers, unreadable messages kept with the reason, idempotence,
 * unsubscribes, hard/soft/policy bounces and backscatter, delayed reports, complaints, auto-replies,
 * and a whole run over a Maildir where one message is over a bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "message.h"
#include "store.h"
#include "token.h"
#include "util.h"

static const char article_fmt[] =
    "---\ntitle: T\nsubject: \"S %s\"\ndate: 2026-11-30\nsurvey:\n  id: s\n  questions:\n"
    "    - {id: work, type: choice, text: \"Is your work today a job or a career?\", options: [job, career, "
    "not sure]}\n"
    "    - {id: satisfaction, type: scale, min: 1, max: 5, text: \"How satisfied are you?\"}\n"
    "    - {id: consult, type: yesno, text: \"Would you like a consultation?\"}\n"
    "---\nBody.\n";

struct fx {
	char dir[64];
	char *state;
	struct nl_store *store;
	struct nl_collector *col;
	unsigned char secret[NL_SECRET_LEN];
	struct nl_collect_stats stats;
	int n;
};

static void fx_campaign(struct fx *f, const char *campaign, const char *const *emails)
{
	char *src = nl_xasprintf(article_fmt, campaign);
	char *path = nl_xasprintf("%s.md", campaign);
	assert_int_equal(nl_store_campaign_ensure(f->store, campaign, "S", path, src, 0, NULL), NL_OK);
	for (; *emails; emails++) {
		char tok[NL_TOKEN_LEN + 1];
		nl_token_make(f->secret, campaign, *emails, tok);
		assert_int_equal(nl_store_delivery_start(f->store, campaign, *emails, "A Reader", tok, NULL),
		                 NL_OK);
		assert_int_equal(nl_store_delivery_finish(f->store, campaign, *emails, NL_DELIVERY_SENT,
		                                          "250 ok", 0, NULL),
		                 NL_OK);
	}
	free(src);
	free(path);
}

static int setup(void **state)
{
	struct fx *f = nl_xcalloc(1, sizeof *f);
	nl_now_set(1796860800); /* 2026-12-10: after the replies' Date fields */
	snprintf(f->dir, sizeof f->dir, "/tmp/nl-collect-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->state = nl_xasprintf("%s/state.db", f->dir);
	assert_int_equal(nl_store_open(f->state, &f->store, NULL), NL_OK);
	assert_int_equal(nl_store_secret(f->store, f->secret, NULL), NL_OK);
	static const char *const people[] = {"ann@example.test", "bob@example.test", "cy@example.test", NULL};
	fx_campaign(f, "c1", people);
	f->col =
	    nl_collector_new(f->store, "mailto:unsub@news.test?subject=unsubscribe", "replies@news.test");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	nl_collector_free(f->col);
	nl_store_close(f->store);
	char *cmd = nl_xasprintf("rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->state);
	free(f);
	return 0;
}

static const char *tok(struct fx *f, const char *campaign, const char *email)
{
	static char t[NL_TOKEN_LEN + 1];
	nl_token_make(f->secret, campaign, email, t);
	return t;
}

static enum nl_inbound_class add(struct fx *f, const char *msg)
{
	char loc[32];
	snprintf(loc, sizeof loc, "%d", ++f->n);
	enum nl_inbound_class cls = 0;
	struct nl_error err = {0};
	if (nl_collector_add(f->col, "test:", loc, msg, strlen(msg), &f->stats, &cls, &err) != NL_OK)
		fail_msg("add: %s", err.detail);
	return cls;
}

struct found {
	const char *email, *question;
	char value[128];
	bool readable, seen;
	enum nl_match match;
};

static bool find_answer(const struct nl_stored_answer *a, void *ud)
{
	struct found *w = ud;
	if (!strcmp(a->email, w->email) && !strcmp(a->question, w->question)) {
		snprintf(w->value, sizeof w->value, "%s", a->value ? a->value : "");
		w->readable = a->readable;
		w->match = a->match;
		w->seen = true;
	}
	return true;
}

static const char *answer(struct fx *f, const char *email, const char *q, enum nl_match *match)
{
	static struct found w;
	memset(&w, 0, sizeof w);
	w.email = email;
	w.question = q;
	assert_int_equal(nl_store_answer_each(f->store, "c1", find_answer, &w, NULL), NL_OK);
	if (match)
		*match = w.match;
	return w.seen ? w.value : NULL;
}

static bool suppressed(struct fx *f, const char *email)
{
	bool s = false;
	assert_int_equal(nl_store_is_suppressed(f->store, email, &s, NULL), NL_OK);
	return s;
}

static void test_reply_by_token(void **state)
{
	struct fx *f = *state;
	char *m = nl_xasprintf(
	    "From: Someone <other@elsewhere.test>\nTo: replies+%s@news.test\nSubject: Re: S\n"
	    "Message-ID: <r1@x>\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\n"
	    "1 career\n2 4\n3 yes\n\nOn Mon, Career Notes wrote:\n> 1 job\n> Example: 1 career\n",
	    tok(f, "c1", "ann@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_ANSWER);
	enum nl_match match;
	assert_string_equal(answer(f, "ann@example.test", "work", &match), "career");
	assert_int_equal(match, NL_MATCH_TOKEN);
	assert_string_equal(answer(f, "ann@example.test", "satisfaction", NULL), "4");
	assert_string_equal(answer(f, "ann@example.test", "consult", NULL), "yes");
	assert_int_equal(f->stats.answers, 3);
	/* the same message again (or another copy of it) changes nothing */
	assert_int_equal(add(f, m), 0);
	assert_int_equal(f->stats.known, 1);
	free(m);
	/* a later reply overrides question by question; an earlier one collected later does not */
	m = nl_xasprintf("From: ann@example.test\nTo: replies@news.test\nIn-Reply-To: <%s.c1@news.test>\n"
	                 "Message-ID: <r2@x>\nDate: Wed, 02 Dec 2026 10:00:00 +0000\n\n1 job\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_ANSWER);
	free(m);
	m = nl_xasprintf("From: ann@example.test\nTo: replies+%s@news.test\nMessage-ID: <r0@x>\n"
	                 "Date: Mon, 30 Nov 2026 10:00:00 +0000\n\n1 not sure\n2 1\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_ANSWER);
	free(m);
	assert_string_equal(answer(f, "ann@example.test", "work", NULL), "job");
	assert_string_equal(answer(f, "ann@example.test", "satisfaction", NULL), "4");
}

static void test_mailto_and_from(void **state)
{
	struct fx *f = *state;
	char *m = nl_xasprintf("From: bob@example.test\nTo: replies+%s@news.test\nMessage-ID: <m1@x>\n"
	                       "Subject: Re: S [survey %s 3=no]\n\n",
	                       tok(f, "c1", "bob@example.test"), tok(f, "c1", "bob@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_ANSWER);
	assert_string_equal(answer(f, "bob@example.test", "consult", NULL), "no");
	free(m);
	/* no token: the From address of a delivery is weaker evidence, and marked so */
	enum nl_match match;
	assert_int_equal(
	    add(f, "From: Cy <CY@Example.TEST>\nMessage-ID: <m2@x>\nSubject: answers\n\n1 job\n"),
	    NL_INBOUND_ANSWER);
	assert_string_equal(answer(f, "cy@example.test", "work", &match), "job");
	assert_int_equal(match, NL_MATCH_FROM);
	assert_int_equal(f->stats.matched_from, 1);
	/* someone we never wrote to, with no token: a stranger, recorded and never tallied */
	assert_int_equal(add(f, "From: nobody@nowhere.test\nMessage-ID: <m3@x>\nSubject: hi\n\n1 career\n"),
	                 NL_INBOUND_STRANGER);
	/* a well-shaped token that no delivery carries is no evidence */
	assert_int_equal(add(f, "From: x@nowhere.test\nTo: replies+abcdefghijklmnop@news.test\nMessage-ID: "
	                        "<m4@x>\n\n1 job\n"),
	                 NL_INBOUND_STRANGER);
	/* "thanks!" is a reply but not a respondent */
	assert_int_equal(add(f, "From: bob@example.test\nMessage-ID: <m5@x>\n\nThanks!\n"),
	                 NL_INBOUND_ANSWER);
}

static void test_unreadable_kept(void **state)
{
	struct fx *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "From: ann@example.test\nSubject:");
	for (int i = 0; i <= NL_MESSAGE_MAX_ENCODED_WORDS; i++)
		nl_buf_puts(&b, " =?utf-8?q?a?=");
	nl_buf_puts(&b, "\n\n1 job\n");
	assert_int_equal(add(f, b.data), NL_INBOUND_UNREADABLE);
	assert_int_equal(add(f, b.data), 0); /* known by its hash */
	nl_buf_free(&b);
	struct nl_error err = {0};
	assert_int_equal(nl_collector_add_failed(f->col, "test:", "99", "too large", &f->stats, &err), NL_OK);
	assert_int_equal(nl_collector_add_failed(f->col, "test:", "99", "too large", &f->stats, &err), NL_OK);
	assert_int_equal(f->stats.by_class[NL_INBOUND_UNREADABLE], 2);
	long counts[9];
	assert_int_equal(nl_store_inbound_counts(f->store, NULL, counts, NULL), NL_OK);
	assert_int_equal(counts[NL_INBOUND_UNREADABLE], 2);
}

static void test_unsubscribe_and_auto(void **state)
{
	struct fx *f = *state;
	char *m = nl_xasprintf(
	    "From: bob@example.test\nTo: replies+%s@news.test\nMessage-ID: <u1@x>\nSubject: unsubscribe\n\n",
	    tok(f, "c1", "bob@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_UNSUBSCRIBE);
	assert_true(suppressed(f, "bob@example.test"));
	free(m);
	/* to the List-Unsubscribe address, with no words at all */
	assert_int_equal(add(f, "From: cy@example.test\nTo: unsub@news.test\nMessage-ID: <u2@x>\n\n"),
	                 NL_INBOUND_UNSUBSCRIBE);
	assert_true(suppressed(f, "cy@example.test"));
	m = nl_xasprintf("From: ann@example.test\nTo: replies+%s@news.test\nMessage-ID: <a1@x>\n"
	                 "Auto-Submitted: auto-replied\nSubject: Out of office\n\n1 career\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_AUTO_REPLY);
	assert_null(answer(f, "ann@example.test", "work", NULL)); /* never counted */
	assert_false(suppressed(f, "ann@example.test"));
	free(m);
}

static char *dsn(struct fx *f, const char *campaign, const char *email, const char *action,
                 const char *status, int n)
{
	return nl_xasprintf(
	    "From: MAILER-DAEMON@mx.test\nTo: replies@news.test\nMessage-ID: <dsn%d@mx>\nReturn-Path: <>\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\nfailed\n"
	    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\n"
	    "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\n"
	    "--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <%s.%s@news.test>\nTo: %s\n--b--\n",
	    n, email, action, status, tok(f, campaign, email), campaign, email);
}

static void test_bounces(void **state)
{
	struct fx *f = *state;
	/* hard: suppressed at once */
	char *m = dsn(f, "c1", "ann@example.test", "failed", "5.1.1", 1);
	assert_int_equal(add(f, m), NL_INBOUND_BOUNCE);
	assert_true(suppressed(f, "ann@example.test"));
	free(m);
	/* policy (5.7.1): about us, not the recipient */
	m = dsn(f, "c1", "bob@example.test", "failed", "5.7.1", 2);
	assert_int_equal(add(f, m), NL_INBOUND_BOUNCE);
	assert_false(suppressed(f, "bob@example.test"));
	free(m);
	/* delayed: not a failure */
	m = dsn(f, "c1", "bob@example.test", "delayed", "4.4.7", 3);
	assert_int_equal(add(f, m), NL_INBOUND_IGNORED);
	free(m);
	/* backscatter: a bounce for mail we never sent */
	m = dsn(f, "c1", "stranger@example.test", "failed", "5.1.1", 4);
	assert_int_equal(add(f, m), NL_INBOUND_IGNORED);
	assert_false(suppressed(f, "stranger@example.test"));
	free(m);
	/* soft: suppressed after three in a row (three campaigns) */
	static const char *const cy[] = {"cy@example.test", NULL};
	fx_campaign(f, "c2", cy);
	fx_campaign(f, "c3", cy);
	const char *camps[] = {"c1", "c2", "c3"};
	for (int i = 0; i < 3; i++) {
		m = dsn(f, camps[i], "cy@example.test", "failed", "5.2.2", 10 + i);
		assert_int_equal(add(f, m), NL_INBOUND_BOUNCE);
		assert_int_equal(suppressed(f, "cy@example.test"), i == 2);
		free(m);
	}
}

static void test_complaint(void **state)
{
	struct fx *f = *state;
	char *m = nl_xasprintf("From: feedback@isp.test\nTo: replies@news.test\nMessage-ID: <arf1@isp>\n"
	                       "Content-Type: multipart/report; report-type=feedback-report; "
	                       "boundary=b\n\n--b\n\nThis is an abuse report.\n"
	                       "--b\nContent-Type: message/feedback-report\n\nFeedback-Type: "
	                       "abuse\nUser-Agent: x/1\nVersion: 1\n"
	                       "--b\nContent-Type: message/rfc822\n\nFrom: news@news.test\nTo: "
	                       "bob@example.test\nMessage-ID: <%s.c1@news.test>\n"
	                       "Subject: S\n\n1. Is your work today a job or a career?\n--b--\n",
	                       tok(f, "c1", "bob@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_COMPLAINT);
	assert_true(suppressed(f, "bob@example.test"));
	assert_null(answer(f, "bob@example.test", "work", NULL));
	long counts[9];
	assert_int_equal(nl_store_inbound_counts(f->store, "c1", counts, NULL), NL_OK);
	assert_int_equal(counts[NL_INBOUND_COMPLAINT], 1);
	free(m);
}

static void test_run_maildir(void **state)
{
	struct fx *f = *state;
	char *md = nl_xasprintf("%s/Maildir", f->dir);
	const char *subs[] = {"new", "cur", "tmp"};
	for (int i = 0; i < 3; i++) {
		char *d = nl_xasprintf("%s/%s", md, subs[i]);
		assert_int_equal(nl_mkdirs(d, NULL), NL_OK);
		free(d);
	}
	char *m =
	    nl_xasprintf("From: ann@example.test\nTo: replies+%s@news.test\nMessage-ID: <run1@x>\n\n2 five\n",
	                 tok(f, "c1", "ann@example.test"));
	char *p = nl_xasprintf("%s/new/1.a.host", md);
	assert_int_equal(nl_write_file_atomic(p, m, strlen(m), NULL), NL_OK);
	free(p);
	free(m);
	/* one message over the size bound: recorded as unreadable, the batch goes on */
	p = nl_xasprintf("%s/new/2.big.host", md);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, NL_MESSAGE_MAX_SIZE + 10, SEEK_SET), 0);
	fputc('x', fp);
	fclose(fp);
	free(p);
	p = nl_xasprintf("%s/cur/3.c.host:2,S", md);
	assert_int_equal(
	    nl_write_file_atomic(p, "From: bob@example.test\nMessage-ID: <run3@x>\n\n1 job\n", 48, NULL),
	    NL_OK);
	free(p);
	char *url = nl_xasprintf("maildir:%s", md);
	struct nl_collect_options opt = {.url = url, .batch = 2};
	struct nl_collect_stats st;
	struct nl_error err = {0};
	assert_int_equal(nl_collect_run(f->store, &opt, &st, &err), NL_OK);
	assert_int_equal(st.seen, 3);
	assert_int_equal(st.by_class[NL_INBOUND_ANSWER], 2);
	assert_int_equal(st.by_class[NL_INBOUND_UNREADABLE], 1);
	assert_int_equal(st.fetch_errors, 1);
	assert_string_equal(answer(f, "ann@example.test", "satisfaction", NULL), "5");
	/* again: nothing new */
	assert_int_equal(nl_collect_run(f->store, &opt, &st, &err), NL_OK);
	assert_int_equal(st.seen, 3);
	assert_int_equal(st.known, 3);
	time_t last = 0;
	assert_int_equal(nl_store_last_collect(f->store, &last, NULL), NL_OK);
	assert_true(last > 0);
	/* a source that is not there fails the run, clearly */
	opt.url = "maildir:/nonexistent/Maildir";
	assert_int_equal(nl_collect_run(f->store, &opt, &st, &err), NL_ERR_INBOX);
	assert_non_null(strstr(err.detail, "/nonexistent/Maildir"));
	free(url);
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reply_by_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mailto_and_from, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsubscribe_and_auto, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_complaint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_run_maildir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
