/* test_transport_send.c - nl_send_run over the Maildir outbox with a real state: who is skipped
 * (suppressed, already sent, failed, unknown, deferred and not yet due), --resend-unknown, --limit,
 * the dry run, the journal it leaves and the completion of the campaign. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "compose.h"
#include "config.h"
#include "send.h"
#include "store.h"
#include "subscribers.h"
#include "transport.h"
#include "util.h"

static const char article_md[] = "---\n"
                                 "title: Jobs and careers\n"
                                 "subject: \"Job or career?\"\n"
                                 "date: 2026-11-30T09:00:00Z\n"
                                 "---\n"
                                 "A paragraph about *careers*.\n";

#define CAMPAIGN "2026-11-test"

struct fixture {
	char dir[64];
	char *list_path, *state_path, *outbox_url;
	struct nl_config cfg;
	struct nl_article *article;
	struct nl_store *store;
	unsigned char secret[NL_SECRET_LEN];
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/nl-send-unit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->list_path = nl_xasprintf("%s/list.csv", f->dir);
	f->state_path = nl_xasprintf("%s/state.db", f->dir);
	f->outbox_url = nl_xasprintf("outbox:%s/outbox", f->dir);
	struct nl_buf csv = NL_BUF_INIT;
	nl_buf_puts(&csv, "email,name\n");
	for (int i = 0; i < 10; i++)
		nl_buf_printf(&csv, "sub%d@example.test,Subscriber %d\n", i, i);
	struct nl_error err = {0};
	assert_int_equal(nl_write_file_atomic(f->list_path, csv.data, csv.len, &err), NL_OK);
	nl_buf_free(&csv);
	nl_config_defaults(&f->cfg, ".");
	free(f->cfg.templates);
	f->cfg.templates = nl_xstrdup(NL_TEST_DATA "/../../templates");
	assert_int_equal(
	    nl_article_parse("articles/" CAMPAIGN ".md", article_md, strlen(article_md), &f->article, &err),
	    NL_OK);
	assert_int_equal(nl_store_open(f->state_path, &f->store, &err), NL_OK);
	assert_int_equal(nl_store_secret(f->store, f->secret, &err), NL_OK);
	assert_int_equal(
	    nl_store_campaign_ensure(f->store, CAMPAIGN, "Job or career?", "a.md", article_md, 0, &err),
	    NL_OK);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	nl_store_close(f->store);
	nl_article_free(f->article);
	nl_config_free(&f->cfg);
	char *cmd = nl_xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->list_path);
	free(f->state_path);
	free(f->outbox_url);
	free(f);
	return 0;
}

static int count_outbox(struct fixture *f)
{
	char *path = nl_xasprintf("%s/outbox/new", f->dir);
	DIR *d = opendir(path);
	free(path);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One run of nl_send_run with a fresh list reader, composer and outbox. */
static enum nl_code run(struct fixture *f, const struct nl_send_options *o, struct nl_send_stats *st)
{
	struct nl_error err = {0};
	struct nl_subscribers *list = NULL;
	struct nl_composer *c = NULL;
	struct nl_transport *t = NULL;
	assert_int_equal(nl_subscribers_open(f->list_path, &list, &err), NL_OK);
	size_t n;
	const char *const *cols = nl_subscribers_columns(list, &n);
	assert_int_equal(nl_compose_new(&f->cfg, f->article, f->secret, cols, n, &c, &err), NL_OK);
	struct nl_transport_options to = {.url = f->outbox_url, .connections = 4};
	if (!o->dry_run)
		assert_int_equal(nl_transport_open(&to, &t, &err), NL_OK);
	enum nl_code rc = nl_send_run(f->store, c, list, t, o, st, &err);
	if (rc != NL_OK)
		print_message("nl_send_run: %s\n", err.detail);
	nl_transport_close(t);
	nl_compose_free(c);
	nl_subscribers_close(list);
	return rc;
}

static enum nl_delivery_state state_of(struct fixture *f, const char *email)
{
	struct nl_delivery d;
	struct nl_error err = {0};
	assert_int_equal(nl_store_delivery_get(f->store, CAMPAIGN, email, &d, &err), NL_OK);
	enum nl_delivery_state s = d.state;
	nl_delivery_clear(&d);
	return s;
}

static void preset(struct fixture *f, const char *email, enum nl_delivery_state st, time_t next)
{
	struct nl_error err = {0};
	char token[NL_TOKEN_LEN + 1];
	nl_token_make(f->secret, CAMPAIGN, email, token);
	assert_int_equal(nl_store_delivery_start(f->store, CAMPAIGN, email, "", token, &err), NL_OK);
	assert_int_equal(nl_store_delivery_finish(f->store, CAMPAIGN, email, st, "earlier run", next, &err),
	                 NL_OK);
}

static void test_skips_and_journal(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	assert_int_equal(
	    nl_store_suppress(f->store, "SUB1@example.test", NL_SUPPRESS_UNSUBSCRIBED, "test", &err), NL_OK);
	preset(f, "sub2@example.test", NL_DELIVERY_SENT, 0);
	preset(f, "sub3@example.test", NL_DELIVERY_FAILED, 0);
	preset(f, "sub4@example.test", NL_DELIVERY_UNKNOWN, 0);
	preset(f, "sub5@example.test", NL_DELIVERY_DEFERRED, nl_now() + 3600); /* not yet */
	preset(f, "sub6@example.test", NL_DELIVERY_DEFERRED, nl_now() - 1);    /* due */
	preset(f, "sub7@example.test", NL_DELIVERY_SENDING, 0);                /* in flight at a crash */

	struct nl_send_options o = {.campaign = CAMPAIGN, .retries = -1};
	struct nl_send_stats st;
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.listed, 10);
	assert_int_equal(st.suppressed, 1);
	assert_int_equal(st.already_sent, 1);
	assert_int_equal(st.already_failed, 1);
	assert_int_equal(st.unknown_skipped, 1);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.sent, 5); /* sub0, sub6, sub7, sub8, sub9 */
	assert_int_equal(st.deferred + st.failed + st.unknown, 0);
	assert_true(st.list_done);
	assert_int_equal(count_outbox(f), 5);
	assert_int_equal(state_of(f, "sub0@example.test"), NL_DELIVERY_SENT);
	assert_int_equal(state_of(f, "sub1@example.test"), NL_DELIVERY_NONE);
	assert_int_equal(state_of(f, "sub4@example.test"), NL_DELIVERY_UNKNOWN);
	assert_int_equal(state_of(f, "sub5@example.test"), NL_DELIVERY_DEFERRED);
	assert_int_equal(state_of(f, "sub7@example.test"), NL_DELIVERY_SENT);
	/* Not complete: one unknown and one deferred remain. */
	struct nl_campaign c;
	assert_int_equal(nl_store_campaign_get(f->store, CAMPAIGN, &c, &err), NL_OK);
	assert_int_equal(c.completed, 0);
	nl_campaign_clear(&c);

	/* --resend-unknown sends sub4; the deferred one still waits. */
	o.resend_unknown = true;
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(count_outbox(f), 6);

	/* Once its back-off has passed, sub5 goes too, and the campaign is complete. */
	nl_now_set(nl_now() + 7200);
	o.resend_unknown = false;
	assert_int_equal(run(f, &o, &st), NL_OK);
	nl_now_set(0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(count_outbox(f), 7);
	assert_int_equal(nl_store_campaign_get(f->store, CAMPAIGN, &c, &err), NL_OK);
	assert_true(c.completed > 0);
	nl_campaign_clear(&c);
	long counts[NL_DELIVERY_STATES];
	assert_int_equal(nl_store_delivery_counts(f->store, CAMPAIGN, counts, &err), NL_OK);
	assert_int_equal(counts[NL_DELIVERY_SENT], 8);
	assert_int_equal(counts[NL_DELIVERY_FAILED], 1);
}

static void test_limit_and_dry_run(void **state)
{
	struct fixture *f = *state;
	struct nl_send_options o = {.campaign = CAMPAIGN, .retries = -1, .dry_run = true};
	struct nl_send_stats st;
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.composed, 10);
	assert_int_equal(count_outbox(f), 0);
	assert_int_equal(state_of(f, "sub0@example.test"), NL_DELIVERY_NONE);

	o.dry_run = false;
	o.limit = 3;
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.sent, 3);
	assert_false(st.list_done);
	assert_int_equal(count_outbox(f), 3);
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.already_sent, 3);
	o.limit = 0;
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.already_sent, 6);
	assert_int_equal(count_outbox(f), 10);
	/* A dry run now would send nothing. */
	o.dry_run = true;
	assert_int_equal(run(f, &o, &st), NL_OK);
	assert_int_equal(st.composed, 0);
	assert_int_equal(st.already_sent, 10);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(nl_send_backoff(1), 300);
	assert_int_equal(nl_send_backoff(2), 600);
	assert_int_equal(nl_send_backoff(3), 1200);
	assert_int_equal(nl_send_backoff(30), 6 * 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_skips_and_journal, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_limit_and_dry_run, fixture_setup, fixture_teardown),
	    cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
