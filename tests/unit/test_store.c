/* test_store.c - the SQLite state on a real file: schema, secret, deliveries, deferred syncs,
 * suppressions, inbound dedupe, answer override, bounces, and the errors for corrupt and read-only
 * files. */
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

#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char path[96];
	struct nl_store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
	struct nl_error err = {0};
	if (nl_store_open(f->path, &f->store, &err) != NL_OK) {
		fprintf(stderr, "%s\n", err.detail);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nl_store_close(f->store);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	nl_now_set(0);
	return 0;
}

static void test_schema_and_secret_persist(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	assert_int_equal(nl_store_schema_version(f->store), NL_STORE_SCHEMA_VERSION);
	unsigned char a[NL_SECRET_LEN], b[NL_SECRET_LEN], zero[NL_SECRET_LEN] = {0};
	assert_int_equal(nl_store_secret(f->store, a, &err), NL_OK);
	assert_memory_not_equal(a, zero, NL_SECRET_LEN);
	nl_store_close(f->store);
	assert_int_equal(nl_store_open(f->path, &f->store, &err), NL_OK);
	assert_int_equal(nl_store_secret(f->store, b, &err), NL_OK);
	assert_memory_equal(a, b, NL_SECRET_LEN);
}

static void test_delivery_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	nl_now_set(1000);
	assert_int_equal(nl_store_campaign_ensure(f->store, "c1", "Subject", "a.md", "---\n", 900, &err), NL_OK);
	struct nl_delivery d;
	assert_int_equal(nl_store_delivery_get(f->store, "c1", "Ann@Example.test", &d, &err), NL_OK);
	assert_int_equal(d.state, NL_DELIVERY_NONE);
	assert_int_equal(nl_store_delivery_start(f->store, "c1", "Ann@Example.test", "Ann", "aaaaaaaaaaaaaaaa", &err), NL_OK);
	assert_int_equal(nl_store_delivery_get(f->store, "c1", "ann@example.test", &d, &err), NL_OK);
	assert_int_equal(d.state, NL_DELIVERY_SENDING);
	assert_int_equal(d.attempts, 1);
	nl_delivery_clear(&d);
	assert_int_equal(nl_store_delivery_finish(f->store, "c1", "ann@example.test", NL_DELIVERY_DEFERRED, "451 later",
	                                          1600, &err), NL_OK);
	assert_int_equal(nl_store_delivery_start(f->store, "c1", "ann@example.test", "Ann", "aaaaaaaaaaaaaaaa", &err), NL_OK);
	assert_int_equal(nl_store_delivery_finish(f->store, "c1", "ann@example.test", NL_DELIVERY_SENT, "250 ok", 0, &err),
	                 NL_OK);
	assert_int_equal(nl_store_delivery_by_token(f->store, "aaaaaaaaaaaaaaaa", &d, &err), NL_OK);
	assert_string_equal(d.email, "Ann@Example.test");
	assert_int_equal(d.state, NL_DELIVERY_SENT);
	assert_int_equal(d.attempts, 2);
	assert_string_equal(d.reply, "250 ok");
	nl_delivery_clear(&d);
	assert_int_equal(nl_store_delivery_by_token(f->store, "bbbbbbbbbbbbbbbb", &d, &err), NL_ERR_NOT_FOUND);
	long counts[NL_DELIVERY_STATES];
	assert_int_equal(nl_store_delivery_counts(f->store, "c1", counts, &err), NL_OK);
	assert_int_equal(counts[NL_DELIVERY_SENT], 1);
	assert_int_equal(counts[NL_DELIVERY_DEFERRED], 0);
	/* finishing a delivery that never started is a bug, reported as such */
	assert_int_equal(nl_store_delivery_finish(f->store, "c1", "nobody@example.test", NL_DELIVERY_SENT, "250", 0, &err),
	                 NL_ERR_INTERNAL);
}

static void test_transaction_rollback(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	assert_int_equal(nl_store_begin(f->store, &err), NL_OK);
	assert_int_equal(nl_store_delivery_start(f->store, "c1", "x@example.test", NULL, "cccccccccccccccc", &err), NL_OK);
	nl_store_rollback(f->store);
	struct nl_delivery d;
	assert_int_equal(nl_store_delivery_get(f->store, "c1", "x@example.test", &d, &err), NL_OK);
	assert_int_equal(d.state, NL_DELIVERY_NONE);
}

/* Deferred syncs: commits are visible at once (here to a second connection), the explicit sync
 * succeeds, the switch back works and reports a WAL that was replaced meanwhile; without
 * deferral a sync has nothing to do. */
static void test_deferred_sync(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	assert_int_equal(nl_store_sync(f->store, &err), NL_OK);
	assert_int_equal(nl_store_defer_sync(f->store, true, &err), NL_OK);
	assert_int_equal(nl_store_defer_sync(f->store, true, &err), NL_OK);
	assert_int_equal(nl_store_begin(f->store, &err), NL_OK);
	assert_int_equal(
	    nl_store_delivery_start(f->store, "c1", "d@example.test", NULL, "dddddddddddddddd", &err), NL_OK);
	assert_int_equal(nl_store_commit(f->store, &err), NL_OK);
	assert_int_equal(nl_store_sync(f->store, &err), NL_OK);
	struct nl_store *other = NULL;
	assert_int_equal(nl_store_open(f->path, &other, &err), NL_OK);
	struct nl_delivery d;
	assert_int_equal(nl_store_delivery_get(other, "c1", "d@example.test", &d, &err), NL_OK);
	assert_int_equal(d.state, NL_DELIVERY_SENDING);
	nl_delivery_clear(&d);
	nl_store_close(other);
	/* A WAL that is no longer the file SQLite writes: turning deferral off says so. */
	char wal[128], moved[140];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	snprintf(moved, sizeof moved, "%s.moved", wal);
	assert_int_equal(rename(wal, moved), 0);
	FILE *imposter = fopen(wal, "w");
	assert_non_null(imposter);
	fclose(imposter);
	assert_int_equal(nl_store_defer_sync(f->store, false, &err), NL_ERR_STATE);
	assert_non_null(strstr(err.detail, "replaced"));
	assert_int_equal(rename(moved, wal), 0);
	assert_int_equal(nl_store_defer_sync(f->store, true, &err), NL_OK);
	assert_int_equal(nl_store_defer_sync(f->store, false, &err), NL_OK);
	assert_int_equal(nl_store_sync(f->store, &err), NL_OK);
}

static void test_suppressions(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	bool yes;
	assert_int_equal(nl_store_is_suppressed(f->store, "bob@example.test", &yes, &err), NL_OK);
	assert_false(yes);
	assert_int_equal(nl_store_suppress(f->store, "Bob@Example.test", NL_SUPPRESS_UNSUBSCRIBED, "reply", &err), NL_OK);
	assert_int_equal(nl_store_suppress(f->store, "bob@example.test", NL_SUPPRESS_BOUNCED, "again", &err), NL_OK);
	assert_int_equal(nl_store_is_suppressed(f->store, "BOB@example.test", &yes, &err), NL_OK);
	assert_true(yes);
	long counts[4];
	assert_int_equal(nl_store_suppress_counts(f->store, counts, &err), NL_OK);
	assert_int_equal(counts[NL_SUPPRESS_UNSUBSCRIBED], 1); /* the first reason is kept */
	assert_int_equal(counts[NL_SUPPRESS_BOUNCED], 0);
}

static void test_inbound_dedupe(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	struct nl_inbound in = {.source = "maildir:/x", .location = "1", .message_id = "m1@x", .cls = NL_INBOUND_ANSWER,
	                        .campaign = "c1"};
	strcpy(in.hash, "abc");
	bool known;
	assert_int_equal(nl_store_inbound_known(f->store, "m1@x", "abc", &known, &err), NL_OK);
	assert_false(known);
	int64_t id = 0;
	assert_int_equal(nl_store_inbound_add(f->store, &in, &id, &err), NL_OK);
	assert_true(id > 0);
	assert_int_equal(nl_store_inbound_known(f->store, "m1@x", "other", &known, &err), NL_OK);
	assert_true(known);
	assert_int_equal(nl_store_inbound_known(f->store, NULL, "abc", &known, &err), NL_OK);
	assert_true(known);
	assert_int_equal(nl_store_inbound_known(f->store, NULL, "zzz", &known, &err), NL_OK);
	assert_false(known);
	/* the same bytes twice are refused by the unique hash */
	assert_int_not_equal(nl_store_inbound_add(f->store, &in, NULL, &err), NL_OK);
	long counts[9];
	assert_int_equal(nl_store_inbound_counts(f->store, "c1", counts, &err), NL_OK);
	assert_int_equal(counts[NL_INBOUND_ANSWER], 1);
}

static bool collect_answer(const struct nl_stored_answer *a, void *ud)
{
	char *out = ud;
	strcat(out, a->question);
	strcat(out, "=");
	strcat(out, a->readable ? a->value : "?");
	strcat(out, ";");
	return true;
}

static void test_later_answer_overrides(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	struct nl_stored_answer a = {.campaign = "c1", .email = "ann@example.test", .question = "work", .readable = true,
	                             .value = "job", .raw = "1 job", .answered = 200};
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	a.value = "career";
	a.answered = 100; /* an older message collected later must not win */
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	a.question = "consult";
	a.value = "yes";
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	char out[256] = "";
	assert_int_equal(nl_store_answer_each(f->store, "c1", collect_answer, out, &err), NL_OK);
	assert_string_equal(out, "consult=yes;work=job;");
	a.question = "work";
	a.value = "career";
	a.answered = 300;
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	out[0] = '\0';
	assert_int_equal(nl_store_answer_each(f->store, "c1", collect_answer, out, &err), NL_OK);
	assert_string_equal(out, "consult=yes;work=career;");
}

static void test_soft_bounces_in_a_row(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	int soft = -1;
	assert_int_equal(nl_store_bounce_add(f->store, "c1", "z@example.test", "4.2.2", false, 0, &soft, &err), NL_OK);
	assert_int_equal(soft, 1);
	assert_int_equal(nl_store_bounce_add(f->store, "c1", "z@example.test", "4.2.2", false, 0, &soft, &err), NL_OK);
	assert_int_equal(soft, 1); /* the same campaign twice is one bounce in the row */
	assert_int_equal(nl_store_bounce_add(f->store, "c2", "z@example.test", "4.2.2", false, 0, &soft, &err), NL_OK);
	assert_int_equal(nl_store_bounce_add(f->store, "c3", "Z@example.test", "4.2.2", false, 0, &soft, &err), NL_OK);
	assert_int_equal(soft, 3);
	assert_int_equal(nl_store_bounce_add(f->store, "c3", "y@example.test", "5.1.1", true, 0, &soft, &err), NL_OK);
	assert_int_equal(soft, 0);
	long n;
	assert_int_equal(nl_store_bounce_count(f->store, "c3", &n, &err), NL_OK);
	assert_int_equal(n, 2);
}

static void test_campaign_latest_and_cursor(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	struct nl_campaign c;
	assert_int_equal(nl_store_campaign_latest(f->store, &c, &err), NL_ERR_NOT_FOUND);
	nl_now_set(100);
	assert_int_equal(nl_store_campaign_ensure(f->store, "old", "Old", "o.md", "src", 0, &err), NL_OK);
	nl_now_set(200);
	assert_int_equal(nl_store_campaign_ensure(f->store, "new", "New", "n.md", "src", 0, &err), NL_OK);
	assert_int_equal(nl_store_campaign_latest(f->store, &c, &err), NL_OK);
	assert_string_equal(c.id, "new");
	nl_campaign_clear(&c);
	assert_int_equal(nl_store_campaign_get(f->store, "missing", &c, &err), NL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.detail, "missing"));
	uint32_t v, u;
	assert_int_equal(nl_store_cursor_set(f->store, "imap://h/INBOX", 7, 42, &err), NL_OK);
	assert_int_equal(nl_store_cursor_get(f->store, "imap://h/INBOX", &v, &u, &err), NL_OK);
	assert_int_equal(v, 7);
	assert_int_equal(u, 42);
}

static void test_corrupt_file_is_a_clear_error(void **state)
{
	struct fixture *f = *state;
	char path[128];
	snprintf(path, sizeof path, "%s/garbage.db", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all\n", fp);
	fclose(fp);
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_store_open(path, &s, &err), NL_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.detail, "garbage.db"));
	assert_non_null(strstr(err.detail, "not a mailer state database"));
}

static void test_foreign_database_is_left_alone(void **state)
{
	struct fixture *f = *state;
	char path[128], cmd[300];
	snprintf(path, sizeof path, "%s/other.db", f->dir);
	snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'CREATE TABLE recipes(name TEXT)'", path);
	assert_int_equal(system(cmd), 0);
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_store_open(path, &s, &err), NL_ERR_STATE);
	assert_non_null(strstr(err.detail, "not a mailer state database"));
	snprintf(cmd, sizeof cmd, "test \"$(sqlite3 '%s' 'SELECT group_concat(name) FROM sqlite_master')\" = recipes", path);
	assert_int_equal(system(cmd), 0);
}

static void test_read_only_file_is_a_clear_error(void **state)
{
	struct fixture *f = *state;
	if (geteuid() == 0) {
		/* root ignores file modes; the read-only case is covered by the e2e state-fault test */
		skip();
	}
	char path[128];
	snprintf(path, sizeof path, "%s/ro", f->dir);
	mkdir(path, 0555);
	strcat(path, "/state.db");
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	assert_int_not_equal(nl_store_open(path, &s, &err), NL_OK);
	assert_non_null(strstr(err.detail, "state.db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_and_secret_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppressions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbound_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_later_answer_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soft_bounces_in_a_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_latest_and_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file_is_a_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_file_is_a_clear_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
