/* test_collect.c - the collector against a real (temporary) state: matching by token and by From,
 * answers and the later-reply rule, strangers, unreadable messages kept with the reason, idempotence,
 * unsubscribes, hard/soft/policy bounces and backscatter, delayed reports, complaints, auto-replies,
 * and a whole run over a Maildir where one message is over a bound; the reply's own words kept
 * (bounded, cut at a character), answers stored with their level and rule, and the inspection
 * (nl_collect_inspect) agreeing with what collect records, without writing. */
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

#include "answers.h"
#include "article.h"
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
	/* a later reply overrides question by question; "later" is the order collected, never the
	 * sender's Date: (issue 15), so one dated earlier but collected later wins too */
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
	assert_string_equal(answer(f, "ann@example.test", "work", NULL), "not sure");
	assert_string_equal(answer(f, "ann@example.test", "satisfaction", NULL), "1");
	assert_string_equal(answer(f, "ann@example.test", "consult", NULL), "yes");
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
	assert_int_equal(nl_collect_run(f->store, &opt, &st, &err), NL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.detail, "/nonexistent/Maildir"));
	free(url);
	free(md);
}

/* ---- own words, levels, inspection (issue 12) ---- */

struct row {
	const char *message_id;
	bool seen;
	struct nl_inbound in; /* copies */
};

static bool find_row(const struct nl_inbound *in, void *ud)
{
	struct row *w = ud;
	if (in->message_id && strcmp(in->message_id, w->message_id) == 0) {
		w->seen = true;
		w->in = *in;
		w->in.source = w->in.location = w->in.from_address = w->in.subject = NULL;
		w->in.message_id = nl_xstrdup(in->message_id);
		w->in.campaign = in->campaign ? nl_xstrdup(in->campaign) : NULL;
		w->in.email = in->email ? nl_xstrdup(in->email) : NULL;
		w->in.reason = in->reason ? nl_xstrdup(in->reason) : NULL;
		w->in.own_words = in->own_words ? nl_xstrdup(in->own_words) : NULL;
		w->in.contact = in->contact ? nl_xstrdup(in->contact) : NULL;
	}
	return true;
}

/* The message row recorded for `message_id` (in campaign c1, c2 or none); fails if there is none.
 * The caller clears it. */
static struct nl_inbound row(struct fx *f, const char *message_id)
{
	struct row w = {.message_id = message_id};
	static const char *const camps[] = {"c1", "c2", NULL};
	for (size_t i = 0; i < 3 && !w.seen; i++)
		assert_int_equal(nl_store_inbound_each(f->store, camps[i], find_row, &w, NULL), NL_OK);
	if (!w.seen)
		fail_msg("no row for %s", message_id);
	return w.in;
}

static void test_own_words_kept(void **state)
{
	struct fx *f = *state;
	char *m =
	    nl_xasprintf("From: Someone <other@elsewhere.test>\nTo: replies+%s@news.test\nSubject: Re: S\n"
	                 "Message-ID: <w1@x>\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\n"
	                 "1 career\n2 4\n\nLove the issue.\n\nOn Mon, 30 Nov 2026 at 09:00, Career Notes "
	                 "<news@news.test> wrote:\n"
	                 "> 1 job\n> Example: 1 career\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_ANSWER);
	free(m);
	struct nl_inbound in = row(f, "w1@x");
	assert_non_null(in.own_words);
	assert_string_equal(in.own_words, "1 career\n2 4\n\nLove the issue.");
	nl_inbound_clear(&in);
	/* an unsubscribe and an auto-reply keep theirs too; a bounce keeps none */
	m = nl_xasprintf("From: bob@example.test\nTo: replies+%s@news.test\nMessage-ID: <w2@x>\n"
	                 "Subject: unsubscribe\n\nNo more, thank you.\n> the newsletter\n",
	                 tok(f, "c1", "bob@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_UNSUBSCRIBE);
	free(m);
	in = row(f, "w2@x");
	assert_string_equal(in.own_words, "No more, thank you.");
	nl_inbound_clear(&in);
	m = nl_xasprintf("From: cy@example.test\nTo: replies+%s@news.test\nMessage-ID: <w3@x>\n"
	                 "Auto-Submitted: auto-replied\nSubject: Out of office\n\nBack on Monday.\n",
	                 tok(f, "c1", "cy@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_AUTO_REPLY);
	free(m);
	in = row(f, "w3@x");
	assert_string_equal(in.own_words, "Back on Monday.");
	nl_inbound_clear(&in);
	m = dsn(f, "c1", "ann@example.test", "failed", "5.1.1", 7);
	assert_int_equal(add(f, m), NL_INBOUND_BOUNCE);
	free(m);
	in = row(f, "dsn7@mx");
	assert_null(in.own_words);
	nl_inbound_clear(&in);
	/* a reply with no words of its own: kept as "", not as "not kept" */
	m = nl_xasprintf("From: ann@example.test\nTo: replies+%s@news.test\nMessage-ID: <w4@x>\n\n> 1 job\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(add(f, m), NL_INBOUND_ANSWER);
	free(m);
	in = row(f, "w4@x");
	assert_non_null(in.own_words);
	assert_string_equal(in.own_words, "");
	nl_inbound_clear(&in);
}

/* A reply of 24,400 bytes of two-byte characters: what is kept is at most 16 KB in all, the start
 * of the words cut between characters (the plain cut point falls inside one), then the mark with
 * the number of bytes left out, which add up to the whole. */
static void test_own_words_cut(void **state)
{
	struct fx *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_printf(&b,
	              "From: ann@example.test\nTo: replies+%s@news.test\nMessage-ID: <big@x>\n"
	              "Content-Type: text/plain; charset=utf-8\n\n",
	              tok(f, "c1", "ann@example.test"));
	size_t body_at = b.len;
	for (int i = 0; i < 400; i++) {
		for (int k = 0; k < 30; k++)
			nl_buf_puts(&b, "\xc3\xbc"); /* ü */
		nl_buf_putc(&b, '\n');
	}
	size_t words_len = b.len - body_at - 1; /* without the last newline */
	assert_int_equal(words_len, 400 * 61 - 1);
	assert_int_equal(add(f, b.data), NL_INBOUND_ANSWER);
	struct nl_inbound in = row(f, "big@x");
	assert_non_null(in.own_words);
	size_t n = strlen(in.own_words);
	assert_true(n <= NL_STORE_OWN_WORDS_MAX);
	const char *mark = strstr(in.own_words, "\n[\xe2\x80\xa6 cut: ");
	assert_non_null(mark);
	size_t kept = (size_t)(mark - in.own_words);
	assert_true(kept > NL_STORE_OWN_WORDS_MAX - 100);
	assert_memory_equal(in.own_words, b.data + body_at, kept);
	/* never half a character: the last byte kept ends one (ü's second byte, or a newline) */
	assert_int_not_equal((unsigned char)in.own_words[kept - 1], 0xc3);
	unsigned long more = 0;
	char tail[32];
	assert_int_equal(sscanf(mark, "\n[\xe2\x80\xa6 cut: %lu more bytes%31s", &more, tail), 2);
	assert_string_equal(tail, "]");
	assert_int_equal(kept + more, words_len);
	assert_int_equal(mark + strlen(mark), in.own_words + n); /* the mark ends the text */
	nl_inbound_clear(&in);
	nl_buf_free(&b);
}

struct stored {
	const char *email;
	int n;
	struct nl_stored_answer a[8];
};

static bool keep_stored(const struct nl_stored_answer *a, void *ud)
{
	struct stored *w = ud;
	if (strcmp(a->email, w->email) != 0 || w->n >= 8)
		return true;
	struct nl_stored_answer *c = &w->a[w->n++];
	*c = *a;
	c->campaign = nl_xstrdup(a->campaign);
	c->email = nl_xstrdup(a->email);
	c->name = a->name ? nl_xstrdup(a->name) : NULL;
	c->question = nl_xstrdup(a->question);
	c->value = a->value ? nl_xstrdup(a->value) : NULL;
	c->raw = a->raw ? nl_xstrdup(a->raw) : NULL;
	c->rule = a->rule ? nl_xstrdup(a->rule) : NULL;
	return true;
}

static void stored_clear(struct stored *w)
{
	for (int i = 0; i < w->n; i++)
		nl_stored_answer_clear(&w->a[i]);
	w->n = 0;
}

static const struct nl_stored_answer *stored_find(const struct stored *w, const char *question)
{
	for (int i = 0; i < w->n; i++)
		if (strcmp(w->a[i].question, question) == 0)
			return &w->a[i];
	return NULL;
}

static bool count_one(const struct nl_stored_answer *a, void *ud)
{
	(void)a;
	(*(int *)ud)++;
	return true;
}

static int count_answers(struct fx *f, const char *campaign)
{
	int n = 0;
	if (campaign)
		assert_int_equal(nl_store_answer_each(f->store, campaign, count_one, &n, NULL), NL_OK);
	return n;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Inspects `msg` against the state, checks that it wrote nothing, collects it, and checks that the
 * row and the answers recorded are what the inspection said.  Returns the number of likely
 * answers seen. */
static int inspect_then_collect(struct fx *f, const char *msg, const char *message_id, const char *campaign)
{
	long before[9], after[9];
	assert_int_equal(nl_store_inbound_counts(f->store, campaign, before, NULL), NL_OK);
	int answers_before = count_answers(f, campaign);
	struct nl_inspection ins;
	struct nl_error err = {0};
	assert_int_equal(nl_collect_inspect(f->store, NULL, "mailto:unsub@news.test?subject=unsubscribe",
	                                    "replies@news.test", msg, strlen(msg), &ins, &err),
	                 NL_OK);
	assert_false(ins.known);
	assert_int_equal(nl_store_inbound_counts(f->store, campaign, after, NULL), NL_OK);
	assert_memory_equal(before, after, sizeof before); /* nothing written */
	assert_int_equal(count_answers(f, campaign), answers_before);
	struct stored w = {.email = ins.email};

	assert_int_equal(add(f, msg), ins.cls);
	struct nl_inbound in = row(f, message_id);
	assert_int_equal(in.cls, ins.cls);
	assert_int_equal(in.match, ins.match);
	assert_string_equal(in.reason, ins.reason);
	assert_true(same_str(in.campaign, ins.campaign));
	assert_true(same_str(in.email, ins.email));
	assert_true(same_str(in.own_words, ins.own_words));
	assert_true(same_str(in.contact, ins.answers.contact));
	assert_int_equal(in.unread_words, ins.answers.unread_words);
	int likely = 0;
	if (ins.survey) {
		assert_int_equal(in.answers, (int)ins.answers.count);
		assert_int_equal(nl_store_answer_each(f->store, ins.campaign, keep_stored, &w, NULL), NL_OK);
		assert_int_equal(w.n, (int)ins.answers.count);
		for (size_t i = 0; i < ins.answers.count; i++) {
			const struct nl_answer *a = &ins.answers.items[i];
			const struct nl_stored_answer *sa =
			    stored_find(&w, ins.survey->questions[a->question].id);
			assert_non_null(sa);
			assert_int_equal(sa->readable, a->status == NL_ANSWER_OK);
			assert_int_equal(sa->likely, a->status == NL_ANSWER_LIKELY);
			assert_true(same_str(sa->value, a->status == NL_ANSWER_UNREADABLE ? NULL : a->value));
			assert_true(same_str(sa->raw, a->raw));
			assert_true(same_str(sa->rule, a->rule));
			assert_false(sa->settled);
			if (a->status == NL_ANSWER_LIKELY) {
				assert_non_null(sa->value); /* the proposed value, kept for the coach */
				likely++;
			}
		}
	} else {
		assert_int_equal(in.answers, 0);
	}
	stored_clear(&w);
	nl_inbound_clear(&in);
	/* now the state has it */
	nl_inspection_clear(&ins);
	assert_int_equal(nl_collect_inspect(f->store, NULL, NULL, NULL, msg, strlen(msg), &ins, &err), NL_OK);
	assert_true(ins.known);
	nl_inspection_clear(&ins);
	return likely;
}

/* A fixture of the ways replies come (numbered, prose, answers in order, a request in words, by
 * From only, a stranger, an unsubscribe, an auto-reply, a bounce, a complaint): for each, the
 * inspection says what collect then records, class, match, reason, own words and every answer
 * with its level and rule. */
static void test_inspect_matches_collect(void **state)
{
	struct fx *f = *state;
	static const char *const people[] = {"p1@example.test", "p2@example.test", "p3@example.test",
	                                     "p4@example.test", "p5@example.test", "p6@example.test",
	                                     "p7@example.test", "p8@example.test", NULL};
	fx_campaign(f, "c2", people);
	static const char *const bodies[] = {
	    "1 career\n2 4\n3 yes\n\nOn Mon, Career Notes wrote:\n> 1 job\n",
	    "Honestly mine is a job right now, not a career. Satisfaction maybe a 2. I'd love to take "
	    "you up on the free consultation!\n\n> Would you like a consultation?\n",
	    "I would really like a call to talk about this. When are you free?\n",
	    "Job. 3. Yes.\n",
	    "I'm not sure whether it's a job or a career. Maybe 3/5. Yes to the consultation please.\n",
	    "Career, definitely. I'm about a 4. No need for a consultation, thanks.\n",
	    "Maybe a career, for now.\n",
	};
	int likely = 0;
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		char id[32];
		snprintf(id, sizeof id, "i%zu@x", i);
		char *m = nl_xasprintf("From: %s\nTo: replies+%s@news.test\nMessage-ID: <%s>\n"
		                       "Date: Tue, 01 Dec 2026 10:00:00 +0000\nSubject: Re: S\n\n%s",
		                       people[i], tok(f, "c2", people[i]), id, bodies[i]);
		likely += inspect_then_collect(f, m, id, "c2");
		free(m);
	}
	/* by From only, by Message-ID; a stranger; an unsubscribe; an auto-reply; a bounce; a complaint */
	inspect_then_collect(f, "From: p8@example.test\nMessage-ID: <j1@x>\n\n1 job\n", "j1@x", "c2");
	char *m = nl_xasprintf(
	    "From: ann@example.test\nIn-Reply-To: <%s.c1@news.test>\nMessage-ID: <j2@x>\n\n2 3\n",
	    tok(f, "c1", "ann@example.test"));
	inspect_then_collect(f, m, "j2@x", "c1");
	free(m);
	inspect_then_collect(f, "From: nobody@nowhere.test\nMessage-ID: <j3@x>\n\nI'd love a call\n", "j3@x",
	                     NULL);
	inspect_then_collect(f, "From: bob@example.test\nTo: unsub@news.test\nMessage-ID: <j4@x>\n\nbye\n",
	                     "j4@x", "c1");
	m = nl_xasprintf("From: cy@example.test\nTo: replies+%s@news.test\nMessage-ID: <j5@x>\n"
	                 "Auto-Submitted: auto-replied\n\nAway\n",
	                 tok(f, "c1", "cy@example.test"));
	inspect_then_collect(f, m, "j5@x", "c1");
	free(m);
	m = dsn(f, "c1", "ann@example.test", "failed", "5.1.1", 8);
	inspect_then_collect(f, m, "dsn8@mx", "c1");
	free(m);
	/* likely readings are stored with their value and not readable (checked for each above); an
	 * hedged option ("Maybe a career, for now") is one */
	assert_true(likely > 0);
}

/* How it matched, in words; and without a state: nothing matches, a person's message is a reply
 * read with the fallback survey, and the answers refer to it (no survey of a campaign). */
static void test_inspect_match_how_and_no_state(void **state)
{
	struct fx *f = *state;
	struct nl_inspection ins;
	struct nl_error err = {0};
	char *m =
	    nl_xasprintf("From: x@elsewhere.test\nTo: replies+%s@news.test\nMessage-ID: <h1@x>\n\n1 job\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(nl_collect_inspect(f->store, NULL, NULL, NULL, m, strlen(m), &ins, &err), NL_OK);
	assert_int_equal(ins.cls, NL_INBOUND_ANSWER);
	assert_int_equal(ins.match, NL_MATCH_TOKEN);
	assert_string_equal(ins.match_how, "token in the plus-address");
	assert_string_equal(ins.campaign, "c1");
	assert_string_equal(ins.email, "ann@example.test");
	assert_non_null(ins.survey);
	assert_int_equal(ins.survey->n_questions, 3);
	assert_int_equal(ins.answers.count, 1);
	assert_int_equal(ins.answers.items[0].status, NL_ANSWER_OK);
	assert_string_equal(ins.answers.items[0].value, "job");
	nl_inspection_clear(&ins);
	free(m);
	m = nl_xasprintf(
	    "From: x@elsewhere.test\nIn-Reply-To: <%s.c1@news.test>\nMessage-ID: <h2@x>\n\n1 job\n",
	    tok(f, "c1", "ann@example.test"));
	assert_int_equal(nl_collect_inspect(f->store, NULL, NULL, NULL, m, strlen(m), &ins, &err), NL_OK);
	assert_string_equal(ins.match_how, "Message-ID reference");
	nl_inspection_clear(&ins);
	free(m);
	m = nl_xasprintf("From: x@elsewhere.test\nMessage-ID: <h3@x>\nSubject: Re: S [survey %s 3=yes]\n\n",
	                 tok(f, "c1", "ann@example.test"));
	assert_int_equal(nl_collect_inspect(f->store, NULL, NULL, NULL, m, strlen(m), &ins, &err), NL_OK);
	assert_string_equal(ins.match_how, "mailto subject");
	assert_int_equal(ins.answers.count, 1);
	assert_string_equal(ins.answers.items[0].value, "yes");
	nl_inspection_clear(&ins);
	free(m);
	static const char from_only[] = "From: Bob <bob@example.test>\nMessage-ID: <h4@x>\n\n1 career\n";
	assert_int_equal(
	    nl_collect_inspect(f->store, NULL, NULL, NULL, from_only, strlen(from_only), &ins, &err), NL_OK);
	assert_int_equal(ins.match, NL_MATCH_FROM);
	assert_string_equal(ins.match_how, "From address");
	nl_inspection_clear(&ins);
	/* a stranger against the state: no survey unless a fallback is given */
	static const char stranger[] = "From: z@nowhere.test\nMessage-ID: <h5@x>\n\n1 career\n";
	assert_int_equal(
	    nl_collect_inspect(f->store, NULL, NULL, NULL, stranger, strlen(stranger), &ins, &err), NL_OK);
	assert_int_equal(ins.cls, NL_INBOUND_STRANGER);
	assert_null(ins.match_how);
	assert_null(ins.campaign);
	assert_int_equal(ins.answers.count, 0);
	assert_string_equal(ins.own_words, "1 career");
	nl_inspection_clear(&ins);

	char *src = nl_xasprintf(article_fmt, "c9");
	struct nl_article *article = NULL;
	assert_int_equal(nl_article_parse("c9.md", src, strlen(src), &article, &err), NL_OK);
	free(src);
	assert_int_equal(
	    nl_collect_inspect(f->store, article->survey, NULL, NULL, stranger, strlen(stranger), &ins, &err),
	    NL_OK);
	assert_int_equal(ins.cls, NL_INBOUND_STRANGER);
	assert_null(ins.survey); /* the answers refer to the fallback */
	assert_int_equal(ins.answers.count, 1);
	assert_int_equal(ins.answers.items[0].question, 0);
	assert_string_equal(ins.answers.items[0].value, "career");
	nl_inspection_clear(&ins);
	/* no state at all */
	assert_int_equal(
	    nl_collect_inspect(NULL, article->survey, NULL, NULL, from_only, strlen(from_only), &ins, &err),
	    NL_OK);
	assert_int_equal(ins.cls, NL_INBOUND_ANSWER);
	assert_int_equal(ins.match, NL_MATCH_NONE);
	assert_null(ins.campaign);
	assert_false(ins.known);
	assert_int_equal(ins.answers.count, 1);
	assert_string_equal(ins.answers.items[0].value, "career");
	nl_inspection_clear(&ins);
	/* not a message at all: unreadable, with the reason */
	struct nl_buf b = NL_BUF_INIT;
	nl_buf_puts(&b, "From: ann@example.test\nSubject:");
	for (int i = 0; i <= NL_MESSAGE_MAX_ENCODED_WORDS; i++)
		nl_buf_puts(&b, " =?utf-8?q?a?=");
	nl_buf_puts(&b, "\n\n1 job\n");
	assert_int_equal(nl_collect_inspect(NULL, NULL, NULL, NULL, b.data, b.len, &ins, &err), NL_OK);
	assert_int_equal(ins.cls, NL_INBOUND_UNREADABLE);
	assert_non_null(strstr(ins.reason, "unreadable"));
	nl_inspection_clear(&ins);
	nl_inspection_clear(NULL);
	nl_buf_free(&b);
	nl_article_free(article);
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
	    cmocka_unit_test_setup_teardown(test_own_words_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_own_words_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inspect_matches_collect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inspect_match_how_and_no_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
