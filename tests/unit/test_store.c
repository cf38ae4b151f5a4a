/* test_store.c - the SQLite state on a real file: schema, secret, deliveries, deferred syncs,
 * suppressions, inbound dedupe, answer override, bounces, and the errors for corrupt and read-only
 * files; the migration of a real version-1 file (data kept, new columns empty, one transaction) and
 * the version-2 fields: the campaign's survey, a reply's own words, answer levels and confirming. */
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

#include <sqlite3.h>

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

/* Issue 15: a From-only answer never replaces a token answer, whenever it came; among equals the
 * order is ours (the collection time, then the inbound row), and a token answer replaces a
 * From-only one. */
static void test_from_only_never_overrides_token(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	char out[256] = "";
	struct nl_stored_answer a = {.campaign = "c1", .email = "bo@example.test", .question = "consult", .readable = true,
	                             .value = "no", .raw = "3 no", .match = NL_MATCH_TOKEN, .inbound_id = 5,
	                             .answered = 200};
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	struct nl_stored_answer forged = a;
	forged.value = "yes";
	forged.match = NL_MATCH_FROM;
	forged.inbound_id = 6;
	forged.answered = 900; /* collected later */
	assert_int_equal(nl_store_answer_put(f->store, &forged, &err), NL_OK);
	assert_int_equal(nl_store_answer_each(f->store, "c1", collect_answer, out, &err), NL_OK);
	assert_string_equal(out, "consult=no;");
	/* the owner answers again with a token: that still wins */
	a.value = "yes";
	a.inbound_id = 7;
	a.answered = 950;
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	out[0] = '\0';
	assert_int_equal(nl_store_answer_each(f->store, "c1", collect_answer, out, &err), NL_OK);
	assert_string_equal(out, "consult=yes;");
	/* From-only first, then a token: the token replaces it; in the same second, the later row wins */
	struct nl_stored_answer w = {.campaign = "c1", .email = "cy@example.test", .question = "work", .readable = true,
	                             .value = "job", .match = NL_MATCH_FROM, .inbound_id = 10, .answered = 500};
	assert_int_equal(nl_store_answer_put(f->store, &w, &err), NL_OK);
	w.value = "career";
	w.match = NL_MATCH_TOKEN;
	w.inbound_id = 11;
	assert_int_equal(nl_store_answer_put(f->store, &w, &err), NL_OK);
	w.value = "both";
	w.inbound_id = 9; /* an earlier row replayed in the same second does not win */
	assert_int_equal(nl_store_answer_put(f->store, &w, &err), NL_OK);
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

/* An empty state is damaged, not new (issue 15: 200 people got a second copy under a new secret);
 * so is one cut short.  Neither is changed. */
static void test_empty_or_cut_state_is_refused(void **state)
{
	struct fixture *f = *state;
	char path[128], cmd[400];
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	snprintf(path, sizeof path, "%s/empty.db", f->dir);
	fclose(fopen(path, "w"));
	assert_int_equal(nl_store_open(path, &s, &err), NL_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.detail, "empty.db: the state is empty (0 bytes): damaged, not new"));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);

	snprintf(path, sizeof path, "%s/cut.db", f->dir);
	assert_int_equal(nl_store_open(path, &s, &err), NL_OK);
	for (int i = 0; i < 200; i++) {
		char id[32];
		snprintf(id, sizeof id, "c%d", i);
		assert_int_equal(nl_store_campaign_ensure(s, id, "A campaign with a long enough title", "a.md",
		                                          "src", 0, &err),
		                 NL_OK);
	}
	nl_store_close(s);
	s = NULL;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 8192);
	snprintf(cmd, sizeof cmd, "truncate -s 4096 '%s'", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(nl_store_open(path, &s, &err), NL_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.detail, "cut.db: the state is cut short (4096 bytes"));
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

/* ---- schema version 2 and the migration from version 1 ---- */

/* The version-1 schema as mailer 1 created it (store.c's store_schema_v1 at schema version 1), kept
 * here verbatim so that a change to store.c cannot change what "a version-1 file" means. */
static const char v1_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE campaigns(id TEXT PRIMARY KEY, subject TEXT, article_path TEXT, source TEXT,"
    " due INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0,"
    " report_mailed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE deliveries(campaign TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE, name TEXT,"
    " token TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt INTEGER NOT NULL DEFAULT 0, reply TEXT, updated INTEGER NOT NULL,"
    " PRIMARY KEY(campaign, email));"
    "CREATE UNIQUE INDEX deliveries_token ON deliveries(token);"
    "CREATE INDEX deliveries_email ON deliveries(email, updated);"
    "CREATE TABLE suppressions(email TEXT PRIMARY KEY COLLATE NOCASE, reason INTEGER NOT NULL, detail TEXT,"
    " at INTEGER NOT NULL);"
    "CREATE TABLE inbound(id INTEGER PRIMARY KEY, source TEXT, location TEXT, message_id TEXT,"
    " hash TEXT NOT NULL, class INTEGER NOT NULL, match INTEGER NOT NULL DEFAULT 0, campaign TEXT,"
    " email TEXT COLLATE NOCASE, from_address TEXT, subject TEXT, reason TEXT, answers INTEGER NOT NULL "
    "DEFAULT 0,"
    " received INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX inbound_hash ON inbound(hash);"
    "CREATE INDEX inbound_message_id ON inbound(message_id);"
    "CREATE INDEX inbound_campaign ON inbound(campaign, class);"
    "CREATE TABLE answers(campaign TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE, question TEXT NOT NULL,"
    " readable INTEGER NOT NULL, value TEXT, raw TEXT, match INTEGER NOT NULL, inbound_id INTEGER,"
    " answered INTEGER NOT NULL, PRIMARY KEY(campaign, email, question));"
    "CREATE TABLE bounces(id INTEGER PRIMARY KEY, campaign TEXT, email TEXT NOT NULL COLLATE NOCASE,"
    " status TEXT, hard INTEGER NOT NULL, inbound_id INTEGER, at INTEGER NOT NULL);"
    "CREATE INDEX bounces_email ON bounces(email);"
    "CREATE TABLE cursors(mailbox TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT "
    "NULL);";

/* What a version-1 state held after a send and a collect. */
static const char v1_rows[] =
    "INSERT INTO meta VALUES('secret', x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');"
    "INSERT INTO campaigns VALUES('c1', 'Subject', 'c1.md', '---\ntitle: T\n---\nBody\n', 900, 1000, 0, 0);"
    "INSERT INTO deliveries VALUES('c1', 'Ann@Example.test', 'Ann', 'aaaaaaaaaaaaaaaa', 2, 1, 0, '250 ok',"
    " 1000);"
    "INSERT INTO inbound VALUES(1, 'maildir:/m', 'new/1', 'r1@x', 'h1', 1, 1, 'c1', 'ann@example.test',"
    " 'ann@example.test', 'Re: Subject', 'answers read', 2, 1100);"
    "INSERT INTO answers VALUES('c1', 'ann@example.test', 'work', 1, 'career', '1 career', 1, 1, 1050);"
    "INSERT INTO answers VALUES('c1', 'ann@example.test', 'satisfaction', 0, NULL, '2 lots', 1, 1, 1050);"
    "PRAGMA user_version = 1;";

/* Writes a version-1 state file at `path`: the v1 schema, the rows, then `extra` (may be ""). */
static void make_v1_state(const char *path, const char *extra)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *errmsg = NULL;
	int rc = sqlite3_exec(db, v1_schema, NULL, NULL, &errmsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, v1_rows, NULL, NULL, &errmsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, extra, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK)
		fail_msg("building the v1 state: %s", errmsg ? errmsg : "?");
	sqlite3_close(db);
}

/* True if `sql` prepares on the file at `path` (a column exists), read with SQLite directly. */
static bool file_prepares(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static int file_version(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

struct seen_inbound {
	int n;
	struct nl_inbound first;
};

static bool keep_inbound(const struct nl_inbound *in, void *ud)
{
	struct seen_inbound *w = ud;
	if (w->n++ == 0) {
		w->first = *in;
		w->first.source = in->source ? strdup(in->source) : NULL;
		w->first.location = NULL;
		w->first.message_id = in->message_id ? strdup(in->message_id) : NULL;
		w->first.campaign = in->campaign ? strdup(in->campaign) : NULL;
		w->first.email = in->email ? strdup(in->email) : NULL;
		w->first.from_address = NULL;
		w->first.subject = in->subject ? strdup(in->subject) : NULL;
		w->first.reason = in->reason ? strdup(in->reason) : NULL;
		w->first.own_words = in->own_words ? strdup(in->own_words) : NULL;
		w->first.contact = in->contact ? strdup(in->contact) : NULL;
	}
	return true;
}

struct seen_answers {
	int n;
	struct nl_stored_answer a[8];
};

static bool keep_answer(const struct nl_stored_answer *a, void *ud)
{
	struct seen_answers *w = ud;
	if (w->n < 8) {
		struct nl_stored_answer *c = &w->a[w->n];
		*c = *a;
		c->campaign = strdup(a->campaign);
		c->email = strdup(a->email);
		c->name = a->name ? strdup(a->name) : NULL;
		c->question = strdup(a->question);
		c->value = a->value ? strdup(a->value) : NULL;
		c->raw = a->raw ? strdup(a->raw) : NULL;
		c->rule = a->rule ? strdup(a->rule) : NULL;
	}
	w->n++;
	return true;
}

static void seen_answers_clear(struct seen_answers *w)
{
	for (int i = 0; i < w->n && i < 8; i++)
		nl_stored_answer_clear(&w->a[i]);
	w->n = 0;
}

/* A real version-1 file, with a campaign, a delivery, a reply and its answers, opened by this
 * mailer: everything is still there, the new columns read as not kept (NULL) and no (false), the
 * file says version 2, and it keeps working (new fields written and read back). */
static void test_migrates_version_1(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	char path[128];
	snprintf(path, sizeof path, "%s/v1.db", f->dir);
	make_v1_state(path, "");
	assert_int_equal(file_version(path), 1);
	assert_false(file_prepares(path, "SELECT own_words FROM inbound"));

	struct nl_store *s = NULL;
	if (nl_store_open(path, &s, &err) != NL_OK)
		fail_msg("open: %s", err.detail);
	assert_int_equal(nl_store_schema_version(s), 2);
	assert_int_equal(NL_STORE_SCHEMA_VERSION, 2);
	unsigned char secret[NL_SECRET_LEN];
	assert_int_equal(nl_store_secret(s, secret, &err), NL_OK);
	assert_int_equal(secret[0], 0x00);
	assert_int_equal(secret[31], 0x1f); /* the old secret, not a new one: old tokens still match */

	struct nl_campaign c;
	assert_int_equal(nl_store_campaign_get(s, "c1", &c, &err), NL_OK);
	assert_string_equal(c.subject, "Subject");
	assert_string_equal(c.source, "---\ntitle: T\n---\nBody\n");
	assert_int_equal(c.due, 900);
	assert_int_equal(c.created, 1000);
	assert_null(c.survey);
	assert_null(c.title);
	nl_campaign_clear(&c);

	struct nl_delivery d;
	assert_int_equal(nl_store_delivery_by_token(s, "aaaaaaaaaaaaaaaa", &d, &err), NL_OK);
	assert_string_equal(d.email, "Ann@Example.test");
	assert_int_equal(d.state, NL_DELIVERY_SENT);
	nl_delivery_clear(&d);

	struct seen_inbound wi = {0};
	assert_int_equal(nl_store_inbound_each(s, "c1", keep_inbound, &wi, &err), NL_OK);
	assert_int_equal(wi.n, 1);
	assert_string_equal(wi.first.message_id, "r1@x");
	assert_string_equal(wi.first.reason, "answers read");
	assert_int_equal(wi.first.answers, 2);
	assert_int_equal(wi.first.received, 1100);
	assert_null(wi.first.own_words);
	assert_null(wi.first.contact);
	assert_false(wi.first.unread_words);
	nl_inbound_clear(&wi.first);
	bool known = false;
	assert_int_equal(nl_store_inbound_known(s, "r1@x", "other", &known, &err), NL_OK);
	assert_true(known);

	struct seen_answers wa = {0};
	assert_int_equal(nl_store_answer_each(s, "c1", keep_answer, &wa, &err), NL_OK);
	assert_int_equal(wa.n, 2);
	/* ordered by question: satisfaction, work */
	assert_string_equal(wa.a[0].question, "satisfaction");
	assert_false(wa.a[0].readable);
	assert_null(wa.a[0].value);
	assert_string_equal(wa.a[0].raw, "2 lots");
	assert_string_equal(wa.a[1].question, "work");
	assert_true(wa.a[1].readable);
	assert_string_equal(wa.a[1].value, "career");
	assert_string_equal(wa.a[1].name, "Ann");
	for (int i = 0; i < 2; i++) {
		assert_false(wa.a[i].likely);
		assert_null(wa.a[i].rule);
		assert_false(wa.a[i].settled);
	}
	seen_answers_clear(&wa);

	/* the migrated file takes the new fields */
	assert_int_equal(nl_store_campaign_set_survey(s, "c1", "survey text", "T", &err), NL_OK);
	assert_int_equal(nl_store_campaign_get(s, "c1", &c, &err), NL_OK);
	assert_string_equal(c.survey, "survey text");
	assert_string_equal(c.title, "T");
	nl_campaign_clear(&c);
	nl_store_close(s);
	assert_int_equal(file_version(path), 2);
	/* and opening it again changes nothing */
	assert_int_equal(nl_store_open(path, &s, &err), NL_OK);
	assert_int_equal(nl_store_schema_version(s), 2);
	nl_store_close(s);
}

/* The migration is one transaction: when a step fails (here the last: the file already has a
 * column of that name), open fails and the file is left exactly at version 1, without the columns
 * the earlier steps added. */
static void test_failed_migration_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	char path[128];
	snprintf(path, sizeof path, "%s/v1bad.db", f->dir);
	make_v1_state(path, "ALTER TABLE answers ADD COLUMN settled TEXT;");
	struct nl_store *s = NULL;
	assert_int_equal(nl_store_open(path, &s, &err), NL_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(err.detail, "migrating"));
	assert_int_equal(file_version(path), 1);
	assert_false(file_prepares(path, "SELECT survey FROM campaigns"));
	assert_false(file_prepares(path, "SELECT own_words FROM inbound"));
	assert_false(file_prepares(path, "SELECT likely FROM answers"));
	assert_true(file_prepares(path, "SELECT subject FROM campaigns"));
}

/* A state from a newer mailer is refused, untouched. */
static void test_newer_version_refused(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	char path[128];
	snprintf(path, sizeof path, "%s/v9.db", f->dir);
	make_v1_state(path, "");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct nl_store *s = NULL;
	assert_int_equal(nl_store_open(path, &s, &err), NL_ERR_STATE);
	assert_non_null(strstr(err.detail, "newer"));
	assert_int_equal(file_version(path), 9);
}

static void test_campaign_survey(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	assert_int_equal(nl_store_campaign_ensure(f->store, "c1", "S", "c1.md", "src", 0, &err), NL_OK);
	struct nl_campaign c;
	assert_int_equal(nl_store_campaign_get(f->store, "c1", &c, &err), NL_OK);
	assert_null(c.survey);
	assert_null(c.title);
	nl_campaign_clear(&c);
	assert_int_equal(nl_store_campaign_set_survey(f->store, "c1", "s1\nq…", "Title ü", &err), NL_OK);
	/* a later ensure (a resumed send) keeps the survey */
	assert_int_equal(nl_store_campaign_ensure(f->store, "c1", "S2", "c1.md", "src", 0, &err), NL_OK);
	assert_int_equal(nl_store_campaign_latest(f->store, &c, &err), NL_OK);
	assert_string_equal(c.subject, "S2");
	assert_string_equal(c.survey, "s1\nq…");
	assert_string_equal(c.title, "Title ü");
	nl_campaign_clear(&c);
	/* NULL clears: an article without a survey */
	assert_int_equal(nl_store_campaign_set_survey(f->store, "c1", NULL, "Title", &err), NL_OK);
	assert_int_equal(nl_store_campaign_get(f->store, "c1", &c, &err), NL_OK);
	assert_null(c.survey);
	assert_string_equal(c.title, "Title");
	nl_campaign_clear(&c);
	assert_int_equal(nl_store_campaign_set_survey(f->store, "nope", "x", "y", &err), NL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.detail, "nope"));
}

static void test_inbound_own_words(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	struct nl_inbound in = {.source = "maildir:/x", .location = "1", .cls = NL_INBOUND_ANSWER, .campaign = "c1",
	                        .own_words = "I would really like a call.\nThanks", .contact = "I would really like a call.",
	                        .unread_words = true};
	strcpy(in.hash, "h1");
	assert_int_equal(nl_store_inbound_add(f->store, &in, NULL, &err), NL_OK);
	struct nl_inbound bare = {.source = "maildir:/x", .location = "2", .cls = NL_INBOUND_BOUNCE, .campaign = "c1"};
	strcpy(bare.hash, "h2");
	assert_int_equal(nl_store_inbound_add(f->store, &bare, NULL, &err), NL_OK);
	struct seen_inbound w = {0};
	assert_int_equal(nl_store_inbound_each(f->store, "c1", keep_inbound, &w, &err), NL_OK);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.first.own_words, "I would really like a call.\nThanks");
	assert_string_equal(w.first.contact, "I would really like a call.");
	assert_true(w.first.unread_words);
	nl_inbound_clear(&w.first);
	assert_null(w.first.own_words); /* cleared */
}

/* Levels as stored: sure, likely (value kept, not readable) and unreadable; confirming makes one
 * person's likely answers in one campaign sure and settled, and touches nothing else. */
static void test_answer_levels_and_confirm(void **state)
{
	struct fixture *f = *state;
	struct nl_error err = {0};
	struct nl_stored_answer a = {.campaign = "c1", .email = "ann@example.test", .question = "consult",
	                             .readable = false, .likely = true, .value = "yes", .raw = "I'd love a call",
	                             .rule = "prose", .answered = 100};
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	a.question = "satisfaction";
	a.value = "2";
	a.raw = "maybe a 2";
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	a.question = "work"; /* unreadable: no value, not likely */
	a.likely = false;
	a.value = NULL;
	a.raw = "a job or a career";
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	a.question = "change"; /* sure */
	a.readable = true;
	a.value = "hours";
	a.raw = "4 hours";
	a.rule = "numbered";
	assert_int_equal(nl_store_answer_put(f->store, &a, &err), NL_OK);
	/* someone else's likely answer, and Ann's in another campaign */
	struct nl_stored_answer b = {.campaign = "c1", .email = "bob@example.test", .question = "consult",
	                             .likely = true, .value = "no", .raw = "no call", .rule = "prose", .answered = 100};
	assert_int_equal(nl_store_answer_put(f->store, &b, &err), NL_OK);
	b.campaign = "c2";
	b.email = "ann@example.test";
	assert_int_equal(nl_store_answer_put(f->store, &b, &err), NL_OK);

	struct seen_answers w = {0};
	assert_int_equal(nl_store_answer_each(f->store, "c1", keep_answer, &w, &err), NL_OK);
	assert_int_equal(w.n, 5); /* change, consult(ann), consult(bob), satisfaction, work */
	assert_string_equal(w.a[0].question, "change");
	assert_true(w.a[0].readable);
	assert_string_equal(w.a[0].rule, "numbered");
	assert_string_equal(w.a[1].email, "ann@example.test");
	assert_false(w.a[1].readable);
	assert_true(w.a[1].likely);
	assert_string_equal(w.a[1].value, "yes");
	assert_string_equal(w.a[1].rule, "prose");
	assert_false(w.a[1].settled);
	seen_answers_clear(&w);

	long n = -1;
	assert_int_equal(nl_store_answer_confirm(f->store, "c1", "Ann@Example.TEST", &n, &err), NL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(nl_store_answer_each(f->store, "c1", keep_answer, &w, &err), NL_OK);
	assert_int_equal(w.n, 5);
	for (int i = 0; i < w.n; i++) {
		const struct nl_stored_answer *x = &w.a[i];
		bool ann = strcmp(x->email, "ann@example.test") == 0;
		if (ann && (!strcmp(x->question, "consult") || !strcmp(x->question, "satisfaction"))) {
			assert_true(x->readable);
			assert_true(x->settled);
			assert_string_equal(x->rule, "prose"); /* the evidence stays */
			assert_string_equal(x->value, !strcmp(x->question, "consult") ? "yes" : "2");
		} else if (ann && !strcmp(x->question, "work")) {
			assert_false(x->readable); /* nothing proposed: still for a person */
			assert_false(x->settled);
		} else if (ann) {
			assert_true(x->readable);
			assert_false(x->settled);
		} else {
			assert_false(x->readable); /* Bob's is his own to confirm */
			assert_false(x->settled);
		}
	}
	seen_answers_clear(&w);
	assert_int_equal(nl_store_answer_each(f->store, "c2", keep_answer, &w, &err), NL_OK);
	assert_int_equal(w.n, 1);
	assert_false(w.a[0].readable);
	seen_answers_clear(&w);
	/* again: nothing left to confirm */
	assert_int_equal(nl_store_answer_confirm(f->store, "c1", "ann@example.test", &n, &err), NL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(nl_store_answer_confirm(f->store, "c1", "nobody@example.test", NULL, &err), NL_OK);

	/* settled by hand (answered now) is not overridden by an older message collected later, and a
	 * later one does override it */
	nl_now_set(5000);
	struct nl_stored_answer h = {.campaign = "c1", .email = "bob@example.test", .question = "consult",
	                             .readable = true, .value = "yes", .raw = "yes", .rule = "settled by hand",
	                             .settled = true};
	assert_int_equal(nl_store_answer_put(f->store, &h, &err), NL_OK);
	b.campaign = "c1";
	b.email = "bob@example.test";
	b.answered = 4000;
	assert_int_equal(nl_store_answer_put(f->store, &b, &err), NL_OK);
	assert_int_equal(nl_store_answer_each(f->store, "c1", keep_answer, &w, &err), NL_OK);
	assert_string_equal(w.a[2].email, "bob@example.test");
	assert_true(w.a[2].settled);
	assert_string_equal(w.a[2].rule, "settled by hand");
	assert_int_equal(w.a[2].inbound_id, 0);
	seen_answers_clear(&w);
	b.answered = 6000;
	assert_int_equal(nl_store_answer_put(f->store, &b, &err), NL_OK);
	assert_int_equal(nl_store_answer_each(f->store, "c1", keep_answer, &w, &err), NL_OK);
	assert_false(w.a[2].settled);
	assert_string_equal(w.a[2].value, "no");
	assert_true(w.a[2].likely);
	seen_answers_clear(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_and_secret_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppressions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_only_never_overrides_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbound_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_later_answer_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soft_bounces_in_a_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_latest_and_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file_is_a_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_or_cut_state_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_file_is_a_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_campaign_survey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbound_own_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_levels_and_confirm, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
