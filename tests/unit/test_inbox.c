/* test_inbox.c - the Maildir and mbox readers (locations, new/ and cur/ in arrival order, the MimeKit mbox files
 * with a BOM and unescaped "From " body lines), URL errors, and the password sources.  IMAP is
 * tested end to end against Dovecot (tests/e2e/collect_imap.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inbox.h"
#include "message.h"
#include "util.h"

static void write_file(const char *path, const char *text)
{
	assert_int_equal(nl_write_file_atomic(path, text, strlen(text), NULL), NL_OK);
}

static struct nl_inbox *open_ok(const char *url)
{
	struct nl_inbox_options opt = {.url = url};
	struct nl_inbox *in = NULL;
	struct nl_error err = {0};
	if (nl_inbox_open(&opt, &in, &err) != NL_OK)
		fail_msg("%s: %s", url, err.detail);
	uint32_t v;
	assert_int_equal(nl_inbox_scan(in, 0, 0, &v, &err), NL_OK);
	assert_int_equal(v, 0);
	return in;
}

static void test_maildir(void **state)
{
	char dir[] = "/tmp/nl-inbox-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[512];
	const char *subs[] = {"new", "cur", "tmp"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	snprintf(path, sizeof path, "%s/new/200.b.host", dir);
	write_file(path, "Subject: two\n\nb\n");
	snprintf(path, sizeof path, "%s/new/100.a.host", dir);
	write_file(path, "Subject: one\n\na\n");
	snprintf(path, sizeof path, "%s/cur/050.c.host:2,S", dir);
	write_file(path, "Subject: three\n\nc\n");
	snprintf(path, sizeof path, "%s/cur/by-hand", dir); /* no delivery time in the name: its mtime */
	write_file(path, "Subject: four\n\nd\n");
	struct timespec times[2] = {{150, 0}, {150, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	snprintf(path, sizeof path, "%s/tmp/999.partial", dir);
	write_file(path, "Subject: not yet\n\n");
	char url[600];
	snprintf(url, sizeof url, "maildir:%s", dir);
	struct nl_inbox *in = open_ok(url);
	assert_false(nl_inbox_is_imap(in));
	assert_string_equal(nl_inbox_source(in), url);
	assert_int_equal(nl_inbox_count(in), 4);
	/* arrival order across new/ and cur/ (a client moved the oldest to cur/) */
	const char *want_loc[] = {"050.c.host", "100.a.host", "by-hand", "200.b.host"};
	const char *want_data[] = {"Subject: three\n\nc\n", "Subject: one\n\na\n", "Subject: four\n\nd\n",
	                           "Subject: two\n\nb\n"};
	struct nl_inbox_message m;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(nl_inbox_next(in, &m, NULL), NL_OK);
		assert_string_equal(m.location, want_loc[i]);
		assert_int_equal(m.len, strlen(want_data[i]));
		assert_memory_equal(m.data, want_data[i], m.len);
	}
	assert_int_equal(nl_inbox_next(in, &m, NULL), NL_ERR_NOT_FOUND);
	assert_int_equal(nl_inbox_after(in, NULL, 0, NULL), NL_OK);
	nl_inbox_close(in);
	nl_inbox_close(NULL);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int mbox_count(const char *file, char subjects[][128], int max)
{
	char url[600];
	snprintf(url, sizeof url, "mbox:%s/mimekit/mbox/%s", NL_CORPUS, file);
	struct nl_inbox *in = open_ok(url);
	struct nl_inbox_message m;
	int n = 0;
	enum nl_code rc;
	while ((rc = nl_inbox_next(in, &m, NULL)) == NL_OK) {
		assert_int_equal(m.location[0], '@');
		struct nl_message *msg = NULL;
		assert_int_equal(nl_message_parse(m.data, m.len, &msg, NULL), NL_OK);
		if (n < max)
			snprintf(subjects[n], 128, "%s", msg->subject);
		nl_message_free(msg);
		n++;
	}
	assert_int_equal(rc, NL_ERR_NOT_FOUND);
	assert_int_equal((size_t)n, nl_inbox_count(in));
	nl_inbox_close(in);
	return n;
}

static void test_mbox_corpus(void **state)
{
	char subjects[8][128];
	assert_int_equal(mbox_count("simple.mbox.txt", subjects, 8), 3);
	/* a BOM, and "From Russia with love" body lines that must not split messages */
	assert_int_equal(mbox_count("unmunged.mbox.txt", subjects, 8), 2);
	assert_int_equal(mbox_count("issue1189.mbox.txt", subjects, 8), 4);
}

static void test_mbox_own(void **state)
{
	char path[] = "/tmp/nl-mbox-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "From a@b.test Mon Jan  1 00:00:00 2024\nSubject: one\n\nFrom the start\n\n"
	                 "From b@c.test Tue Jan  2 10:11:12 2024\nSubject: two\n\nbody\n");
	char url[600];
	snprintf(url, sizeof url, "mbox:%s", path);
	struct nl_inbox *in = open_ok(url);
	struct nl_inbox_message m;
	assert_int_equal(nl_inbox_next(in, &m, NULL), NL_OK);
	assert_string_equal(m.location, "@0");
	assert_int_equal(m.len, strlen("Subject: one\n\nFrom the start\n"));
	assert_int_equal(nl_inbox_next(in, &m, NULL), NL_OK);
	assert_memory_equal(m.data, "Subject: two\n\nbody\n", m.len);
	assert_int_equal(nl_inbox_next(in, &m, NULL), NL_ERR_NOT_FOUND);
	nl_inbox_close(in);
	write_file(path, "not an mbox\n");
	struct nl_inbox_options opt = {.url = url};
	struct nl_error err = {0};
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_OK);
	uint32_t v;
	assert_int_equal(nl_inbox_scan(in, 0, 0, &v, &err), NL_ERR_INBOX);
	assert_non_null(strstr(err.detail, "not an mbox"));
	nl_inbox_close(in);
	unlink(path);
}

static void test_bad_urls(void **state)
{
	struct nl_inbox *in = NULL;
	struct nl_error err = {0};
	struct nl_inbox_options opt = {.url = "pop3://x"};
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_ERR_CONFIG);
	assert_null(in);
	opt.url = "maildir:/nonexistent/dir";
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_ERR_NOT_FOUND); /* exit 66 */
	assert_non_null(strstr(err.detail, "/nonexistent/dir"));
	opt.url = "imap://host:99999/INBOX";
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_ERR_CONFIG);
	opt.url = "imap:///INBOX";
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_ERR_CONFIG);
	opt.url = NULL;
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_ERR_CONFIG);
	/* nothing listens on port 1 of loopback */
	opt.url = "imap://127.0.0.1:1/INBOX";
	opt.timeout = 5;
	assert_int_equal(nl_inbox_open(&opt, &in, &err), NL_ERR_INBOX);
	assert_non_null(strstr(err.detail, "cannot connect"));
}

static void test_password(void **state)
{
	char *pw = NULL;
	assert_int_equal(nl_inbox_password("printf 's3cret\\nsecond line\\n'", &pw, NULL), NL_OK);
	assert_string_equal(pw, "s3cret");
	free(pw);
	struct nl_error err = {0};
	assert_int_equal(nl_inbox_password("exit 3", &pw, &err), NL_ERR_CONFIG);
	assert_null(pw);
	setenv("MAILER_IMAP_PASSWORD", "fromenv", 1);
	assert_int_equal(nl_inbox_password(NULL, &pw, NULL), NL_OK);
	assert_string_equal(pw, "fromenv");
	free(pw);
	unsetenv("MAILER_IMAP_PASSWORD");
	assert_int_equal(nl_inbox_password("", &pw, NULL), NL_OK);
	assert_null(pw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_maildir),  cmocka_unit_test(test_mbox_corpus),
	    cmocka_unit_test(test_mbox_own), cmocka_unit_test(test_bad_urls),
	    cmocka_unit_test(test_password),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
