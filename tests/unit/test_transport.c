/* test_transport.c - the token bucket, the Maildir outbox, passwords, and SMTP against a real
 * Postfix smtp-sink on loopback, with synthetic messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ratelimit.h"
#include "transport.h"
#include "util.h"

/* ---- token bucket ---- */

static void test_ratelimit_never_exceeds(void **state)
{
	(void)state;
	struct nl_ratelimit rl;
	nl_ratelimit_init(&rl, 20.0, 1, 100.0);
	/* Ask every millisecond for 10 s; record when tokens were granted. */
	double granted[400];
	int n = 0;
	for (int ms = 0; ms <= 10000; ms++) {
		double now = 100.0 + ms / 1000.0;
		if (nl_ratelimit_take(&rl, now)) {
			assert_true(n < 400);
			granted[n++] = now;
		}
	}
	/* 20/s over 10 s: 201 grants at most (one at t=0, then one every 50 ms). */
	assert_in_range(n, 195, 201);
	/* No half-open window of one second holds more than 20. */
	for (int i = 0; i + 20 < n; i++)
		assert_true(granted[i + 20] - granted[i] >= 1.0 - 1e-9);
}

static void test_ratelimit_no_saving_up(void **state)
{
	(void)state;
	struct nl_ratelimit rl;
	nl_ratelimit_init(&rl, 0.5, 1, 0.0); /* 30/m */
	assert_true(nl_ratelimit_take(&rl, 0.0));
	assert_false(nl_ratelimit_take(&rl, 1.0));
	assert_true(nl_ratelimit_wait(&rl, 1.0) > 0.99 && nl_ratelimit_wait(&rl, 1.0) < 1.01);
	/* An hour of idleness buys one message, not 1800. */
	assert_true(nl_ratelimit_take(&rl, 3600.0));
	assert_false(nl_ratelimit_take(&rl, 3600.0));
	assert_false(nl_ratelimit_take(&rl, 3601.9));
	assert_true(nl_ratelimit_take(&rl, 3602.0));
}

static void test_ratelimit_unlimited(void **state)
{
	(void)state;
	struct nl_ratelimit rl;
	nl_ratelimit_init(&rl, 0, 1, 0.0);
	for (int i = 0; i < 1000; i++)
		assert_true(nl_ratelimit_take(&rl, 0.0));
	assert_true(nl_ratelimit_wait(&rl, 0.0) == 0);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(nl_transport_url_is_loopback("smtp://127.0.0.1:2525"));
	assert_true(nl_transport_url_is_loopback("smtp://localhost"));
	assert_true(nl_transport_url_is_loopback("smtp://[::1]:25/helo"));
	assert_true(nl_transport_url_is_loopback("smtp://127.1.2.3"));
	assert_false(nl_transport_url_is_loopback("smtp://127.evil.example:25"));
	assert_false(nl_transport_url_is_loopback("smtp://mail.example.test:587"));
	assert_false(nl_transport_url_is_loopback("smtp://localhost.example.test"));
	assert_false(nl_transport_url_is_loopback("outbox:x"));
}

static void test_open_errors(void **state)
{
	(void)state;
	struct nl_error err = {0};
	struct nl_transport *t = NULL;
	struct nl_transport_options o = {.url = "http://x", .connections = 1};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "smtp://"));
	o.url = "smtp://user:secret@mail.example.test";
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_ERR_CONFIG);
	assert_null(strstr(err.detail, "secret"));
	o.url = "smtp://mail.example.test";
	o.connections = 0;
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_ERR_CONFIG);
	assert_null(t);
}

/* ---- outbox ---- */

static char *test_mkdtemp(void)
{
	char tmpl[] = "/tmp/nl-transport-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static int test_count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_rm_rf(const char *dir)
{
	char *cmd = nl_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_synthetic(struct nl_buf *b, int i)
{
	nl_buf_reset(b);
	nl_buf_printf(b,
	              "From: Sender <news@example.test>\r\nTo: <r%d@example.test>\r\nSubject: test %d\r\n"
	              "Message-ID: <%d.test@example.test>\r\n\r\n.leading dot line\r\nbody %d\r\n",
	              i, i, i, i);
}

static void test_outbox(void **state)
{
	(void)state;
	char *dir = test_mkdtemp();
	char *url = nl_xasprintf("outbox:%s/box", dir);
	struct nl_transport_options o = {.url = url, .connections = 4};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
	assert_true(nl_transport_is_outbox(t));
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_transport_result res[64];
	int sent = 0, tags_seen = 0;
	for (int i = 0; i < 100; i++) {
		if (nl_transport_free_slots(t) == 0) {
			size_t n = 0;
			assert_int_equal(nl_transport_wait(t, 0, res, 64, &n, &err), NL_OK);
			for (size_t k = 0; k < n; k++) {
				assert_int_equal(res[k].code, NL_OK);
				assert_non_null(strstr(res[k].reply, "new/"));
				tags_seen += (int)(intptr_t)res[k].tag;
				sent++;
			}
		}
		test_synthetic(&msg, i);
		assert_int_equal(nl_transport_submit(t, "bounce@example.test", "r@example.test", &msg,
		                                     (void *)(intptr_t)(i + 1), &err),
		                 NL_OK);
		assert_int_equal(msg.len, 0);
	}
	while (nl_transport_in_flight(t) > 0) {
		size_t n = 0;
		assert_int_equal(nl_transport_wait(t, 10, res, 64, &n, &err), NL_OK);
		for (size_t k = 0; k < n; k++) {
			tags_seen += (int)(intptr_t)res[k].tag;
			sent++;
		}
	}
	assert_int_equal(sent, 100);
	assert_int_equal(tags_seen, 100 * 101 / 2);
	nl_transport_close(t);
	char *newdir = nl_xasprintf("%s/box/new", dir);
	char *tmpdir = nl_xasprintf("%s/box/tmp", dir);
	assert_int_equal(test_count_files(newdir), 100);
	assert_int_equal(test_count_files(tmpdir), 0);
	/* One file: LF line ends, the envelope in front, the dot line intact. */
	DIR *d = opendir(newdir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL && e->d_name[0] == '.')
		;
	assert_non_null(e);
	char *path = nl_xasprintf("%s/%s", newdir, e->d_name);
	closedir(d);
	struct nl_buf body = NL_BUF_INIT;
	assert_int_equal(nl_read_file(path, 0, &body, &err), NL_OK);
	assert_null(memchr(body.data, '\r', body.len));
	assert_memory_equal(body.data, "Return-Path: <bounce@example.test>\nDelivered-To: r@example.test\n",
	                    64);
	assert_non_null(strstr(body.data, "\n\n.leading dot line\nbody "));
	nl_buf_free(&body);
	nl_buf_free(&msg);
	free(path);
	free(newdir);
	free(tmpdir);
	test_rm_rf(dir);
	free(url);
	free(dir);
}

static void test_outbox_unwritable(void **state)
{
	(void)state;
	struct nl_transport_options o = {.url = "outbox:/proc/nl-no-such/box", .connections = 1};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_ERR_IO);
	assert_non_null(strstr(err.detail, "/proc/nl-no-such"));
}

/* ---- passwords ---- */

static void test_password_cmd_first_line(void **state)
{
	(void)state;
	struct nl_config cfg = {0};
	cfg.smtp_user = "u";
	cfg.smtp_password_cmd = "printf 's3cr3t pass\\nsecond line\\n'";
	char *pw = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_OK);
	assert_string_equal(pw, "s3cr3t pass");
	nl_transport_password_free(pw);
	cfg.smtp_password_cmd = "echo leaked-output; exit 3";
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "[smtp] password_cmd exited with status 3"));
	assert_null(strstr(err.detail, "leaked-output"));
	cfg.smtp_password_cmd = "true";
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_ERR_CONFIG);
}

static void test_password_sources(void **state)
{
	(void)state;
	struct nl_config cfg = {0};
	char *pw = NULL;
	struct nl_error err = {0};
	/* No user: no password needed. */
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_OK);
	assert_null(pw);
	cfg.smtp_user = "u";
	unsetenv("MAILER_SMTP_PASSWORD");
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "password_cmd"));
	setenv("MAILER_SMTP_PASSWORD", "from-env", 1);
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_OK);
	assert_string_equal(pw, "from-env");
	nl_transport_password_free(pw);
	unsetenv("MAILER_SMTP_PASSWORD");
	/* `password` in the file: only when nobody else can read the file. */
	char *dir = test_mkdtemp();
	char *conf = nl_xasprintf("%s/mailer.conf", dir);
	assert_int_equal(nl_write_file_atomic(conf, "x", 1, &err), NL_OK);
	cfg.path = conf;
	cfg.smtp_has_password = true;
	cfg.smtp_password = "in-file-secret";
	assert_int_equal(chmod(conf, 0644), 0);
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "chmod 600"));
	assert_null(strstr(err.detail, "in-file-secret"));
	assert_int_equal(chmod(conf, 0600), 0);
	assert_int_equal(nl_transport_password(&cfg, &pw, &err), NL_OK);
	assert_string_equal(pw, "in-file-secret");
	nl_transport_password_free(pw);
	test_rm_rf(dir);
	free(conf);
	free(dir);
}

/* ---- SMTP against smtp-sink ---- */

static int test_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool test_can_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* The server of the running test, killed at exit even when an assertion ends the test early. */
static pid_t test_server_pid;

static void test_kill_server(void)
{
	if (test_server_pid > 0) {
		kill(test_server_pid, SIGKILL);
		waitpid(test_server_pid, NULL, 0);
		test_server_pid = 0;
	}
}

static int test_teardown(void **state)
{
	(void)state;
	test_kill_server();
	return 0;
}

/* Starts smtp-sink dumping into dir; fails the test if it does not come up. */
static pid_t test_start_sink(int port, const char *dir)
{
	char listen[64], tmpl[512];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(tmpl, sizeof tmpl, "%s/%%M.", dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0)
			execl("/usr/sbin/smtp-sink", "smtp-sink", "-u", "nobody", "-d", tmpl, listen, "100",
			      (char *)NULL);
		else
			execl("/usr/sbin/smtp-sink", "smtp-sink", "-d", tmpl, listen, "100", (char *)NULL);
		_exit(127);
	}
	test_server_pid = pid;
	for (int i = 0; i < 200 && !test_can_connect(port); i++)
		usleep(20000);
	if (!test_can_connect(port)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("smtp-sink did not start on port %d", port);
	}
	return pid;
}

static void test_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	test_server_pid = 0;
}

static int test_count_tree(const char *dir)
{
	char *cmd = nl_xasprintf("find '%s' -type f | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	free(cmd);
	return n;
}

static void test_smtp_sink(void **state)
{
	(void)state;
	char *dir = test_mkdtemp();
	assert_int_equal(chmod(dir, 0777), 0); /* smtp-sink drops to nobody when run as root */
	int port = test_free_port();
	pid_t sink = test_start_sink(port, dir);
	char *url = nl_xasprintf("smtp://127.0.0.1:%d", port);
	struct nl_transport_options o = {.url = url, .connections = 4, .timeout = 10};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_transport_result res[8];
	int ok = 0, total = 0, submitted = 0;
	while (total < 200) {
		while (submitted < 200 && nl_transport_free_slots(t) > 0) {
			char rcpt[64];
			snprintf(rcpt, sizeof rcpt, "r%d@example.test", submitted);
			test_synthetic(&msg, submitted);
			assert_int_equal(
			    nl_transport_submit(t, "bounce@example.test", rcpt, &msg, NULL, &err), NL_OK);
			submitted++;
		}
		size_t n = 0;
		assert_int_equal(nl_transport_wait(t, 1000, res, 8, &n, &err), NL_OK);
		for (size_t k = 0; k < n; k++) {
			if (res[k].code != NL_OK)
				print_message("outcome %d: %s\n", res[k].code, res[k].reply);
			ok += res[k].code == NL_OK;
			assert_int_equal(res[k].smtp_code, 250);
			total++;
		}
	}
	nl_transport_close(t);
	assert_int_equal(ok, 200);
	/* smtp-sink writes its files as the transactions end. */
	for (int i = 0; i < 100 && test_count_tree(dir) < 200; i++)
		usleep(20000);
	assert_int_equal(test_count_tree(dir), 200);
	test_stop(sink);
	test_rm_rf(dir);
	nl_buf_free(&msg);
	free(url);
	free(dir);
}

/* A held message goes no further than its final dot until released; the body's leading dots are
 * doubled on the wire (smtp-sink's dump shows them undone) and a last line without CRLF is ended. */
static void test_smtp_held(void **state)
{
	(void)state;
	char *dir = test_mkdtemp();
	assert_int_equal(chmod(dir, 0777), 0);
	int port = test_free_port();
	pid_t sink = test_start_sink(port, dir);
	char *url = nl_xasprintf("smtp://127.0.0.1:%d", port);
	struct nl_transport_options o = {.url = url, .connections = 1, .timeout = 10, .trace = true};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
	struct nl_buf msg = NL_BUF_INIT;
	nl_buf_puts(&msg, ".starts with a dot\r\nSubject: held\r\n\r\n.one\r\n..two\r\n.\r\nlast line");
	int tag;
	assert_int_equal(nl_transport_submit_held(t, "b@example.test", "r@example.test", &msg, &tag, &err),
	                 NL_OK);
	assert_int_equal(nl_transport_free_slots(t), nl_transport_slots(t) - 1);
	struct nl_transport_result res[1];
	size_t n = 0;
	/* For 300 ms the server has the envelope and the body (it said 354) but no final dot: no
	 * outcome, and the conversation shows no dot. */
	struct nl_buf conversation = NL_BUF_INIT;
	double until = nl_monotonic() + 0.3;
	while (nl_monotonic() < until) {
		assert_int_equal(nl_transport_wait(t, 50, res, 1, &n, &err), NL_OK);
		assert_int_equal(n, 0);
		nl_buf_puts(&conversation, nl_transport_trace(t));
	}
	assert_non_null(strstr(nl_buf_cstr(&conversation), "< 354"));
	assert_null(strstr(nl_buf_cstr(&conversation), "> .\n"));
	nl_transport_release(t, &tag);
	for (int i = 0; i < 50 && n == 0; i++)
		assert_int_equal(nl_transport_wait(t, 200, res, 1, &n, &err), NL_OK);
	assert_int_equal(n, 1);
	assert_ptr_equal(res[0].tag, &tag);
	assert_int_equal(res[0].code, NL_OK);
	nl_buf_puts(&conversation, nl_transport_trace(t));
	assert_non_null(strstr(nl_buf_cstr(&conversation), "> .\n< 250"));
	nl_buf_free(&conversation);
	nl_transport_close(t);
	for (int i = 0; i < 100 && test_count_tree(dir) < 1; i++)
		usleep(20000);
	assert_int_equal(test_count_tree(dir), 1);
	char *cmd = nl_xasprintf("cat $(find '%s' -type f)", dir);
	FILE *p = popen(cmd, "r");
	char got[4096];
	size_t len = fread(got, 1, sizeof got - 1, p);
	got[len] = '\0';
	pclose(p);
	assert_non_null(strstr(got, "\n.starts with a dot\nSubject: held\n\n.one\n..two\n.\nlast line\n"));
	free(cmd);
	test_stop(sink);
	test_rm_rf(dir);
	nl_buf_free(&msg);
	free(url);
	free(dir);
}

/* A smtp-sink that dumps what it takes into a fresh directory, and its URL. */
struct test_sink {
	char *dir;
	pid_t pid;
	char *url;
};

static void test_sink_start(struct test_sink *k)
{
	k->dir = test_mkdtemp();
	assert_int_equal(chmod(k->dir, 0777), 0);
	int port = test_free_port();
	k->pid = test_start_sink(port, k->dir);
	k->url = nl_xasprintf("smtp://127.0.0.1:%d", port);
}

/* Waits (boundedly) for `files` dumps, checks there are that many, and stops the sink. */
static void test_sink_finish(struct test_sink *k, int files)
{
	for (int i = 0; i < 100 && test_count_tree(k->dir) < files; i++)
		usleep(20000);
	assert_int_equal(test_count_tree(k->dir), files);
	test_stop(k->pid);
	test_rm_rf(k->dir);
	free(k->url);
	free(k->dir);
}

/* With opt.settle, the next message on a connection goes out behind the previous one's final dot
 * (PIPELINING: its MAIL is written before the dot's reply is read), but its own final dot waits
 * until the previous outcome is settled, so a crash can repeat at most one message per connection. */
static void test_smtp_settle(void **state)
{
	(void)state;
	struct test_sink k;
	test_sink_start(&k);
	struct nl_transport_options o = {
	    .url = k.url, .connections = 1, .timeout = 10, .trace = true, .settle = true};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
	assert_int_equal(nl_transport_slots(t), 2);
	struct nl_buf msg = NL_BUF_INIT;
	int tags[3];
	for (int i = 0; i < 2; i++) {
		test_synthetic(&msg, i);
		assert_int_equal(
		    nl_transport_submit(t, "b@example.test", "r@example.test", &msg, &tags[i], &err), NL_OK);
	}
	assert_int_equal(nl_transport_free_slots(t), 0);
	struct nl_transport_result res[2];
	size_t n = 0;
	struct nl_buf conversation = NL_BUF_INIT;
	for (int i = 0; i < 50 && n == 0; i++) {
		assert_int_equal(nl_transport_wait(t, 200, res, 2, &n, &err), NL_OK);
		nl_buf_puts(&conversation, nl_transport_trace(t));
	}
	assert_int_equal(n, 1);
	assert_ptr_equal(res[0].tag, &tags[0]);
	assert_int_equal(res[0].code, NL_OK);
	/* The second envelope followed the first dot at once. */
	assert_non_null(strstr(nl_buf_cstr(&conversation), "> .\n> MAIL FROM:<b@example.test>\n"));
	/* Unsettled: the second message gets its 354 but not its dot. */
	double until = nl_monotonic() + 0.3;
	while (nl_monotonic() < until) {
		assert_int_equal(nl_transport_wait(t, 50, res, 2, &n, &err), NL_OK);
		assert_int_equal(n, 0);
		nl_buf_puts(&conversation, nl_transport_trace(t));
	}
	const char *c = nl_buf_cstr(&conversation);
	const char *first_dot = strstr(c, "> .\n");
	assert_non_null(first_dot);
	assert_null(strstr(first_dot + 1, "> .\n"));
	assert_non_null(strstr(first_dot, "< 354"));
	/* A third one takes the freed slot and waits behind the second. */
	test_synthetic(&msg, 2);
	assert_int_equal(nl_transport_submit(t, "b@example.test", "r@example.test", &msg, &tags[2], &err),
	                 NL_OK);
	nl_transport_settle(t, &tags[1]); /* not the one it waits for: nothing changes */
	assert_int_equal(nl_transport_wait(t, 100, res, 2, &n, &err), NL_OK);
	assert_int_equal(n, 0);
	nl_transport_settle(t, &tags[0]);
	size_t got = 0;
	for (int i = 0; i < 50 && got < 1; i++) {
		assert_int_equal(nl_transport_wait(t, 200, res, 2, &n, &err), NL_OK);
		got += n;
	}
	assert_int_equal(got, 1);
	assert_ptr_equal(res[0].tag, &tags[1]);
	assert_int_equal(res[0].code, NL_OK);
	nl_transport_settle(t, &tags[1]);
	got = 0;
	for (int i = 0; i < 50 && got < 1; i++) {
		assert_int_equal(nl_transport_wait(t, 200, res, 2, &n, &err), NL_OK);
		got += n;
	}
	assert_int_equal(got, 1);
	assert_ptr_equal(res[0].tag, &tags[2]);
	assert_int_equal(res[0].code, NL_OK);
	nl_buf_free(&conversation);
	nl_transport_close(t);
	test_sink_finish(&k, 3);
	nl_buf_free(&msg);
}

/* Where the next envelope goes adapts to the measured waits: a server that answers the dot much
 * sooner than the caller settles (loopback, a commit waiting for the disk) gets it after the
 * dot's reply, so that its exchange overlaps the commit. */
static void test_smtp_envelope_after_fast_reply(void **state)
{
	(void)state;
	struct test_sink k;
	test_sink_start(&k);
	struct nl_transport_options o = {
	    .url = k.url, .connections = 1, .timeout = 10, .trace = true, .settle = true};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
	struct nl_buf msg = NL_BUF_INIT;
	struct nl_buf conversation = NL_BUF_INIT;
	int tags[4];
	int submitted = 0, done = 0;
	for (int round = 0; round < 200 && done < 4; round++) {
		while (submitted < 4 && nl_transport_free_slots(t) > 0) {
			test_synthetic(&msg, submitted);
			assert_int_equal(nl_transport_submit(t, "b@example.test", "r@example.test", &msg,
			                                     &tags[submitted], &err),
			                 NL_OK);
			submitted++;
		}
		struct nl_transport_result res[2];
		size_t n = 0;
		assert_int_equal(nl_transport_wait(t, 100, res, 2, &n, &err), NL_OK);
		nl_buf_puts(&conversation, nl_transport_trace(t));
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(res[i].code, NL_OK);
			usleep(30000); /* a slow commit */
			nl_transport_settle(t, res[i].tag);
			done++;
		}
	}
	assert_int_equal(done, 4);
	nl_buf_puts(&conversation, nl_transport_trace(t));
	/* Before anything is measured, the second envelope goes behind the first dot ... */
	const char *c = nl_buf_cstr(&conversation);
	const char *dot = strstr(c, "> .\n");
	assert_non_null(dot);
	assert_int_equal(strncmp(dot + 4, "> MAIL FROM:", 12), 0);
	/* ... and once the dot's reply is known to come sooner than the settle, the last one waits for it. */
	const char *last = dot;
	for (const char *d = dot; (d = strstr(d + 1, "> .\n")) != NULL;)
		last = d;
	assert_ptr_not_equal(last, dot);
	const char *prev = dot;
	for (const char *d = dot; (d = strstr(d + 1, "> .\n")) != NULL && d != last;)
		prev = d;
	assert_int_equal(strncmp(prev + 4, "< 250", 5), 0);
	nl_buf_free(&conversation);
	nl_transport_close(t);
	test_sink_finish(&k, 4);
	nl_buf_free(&msg);
}

static void test_smtp_unreachable(void **state)
{
	(void)state;
	int port = test_free_port(); /* nobody listens there */
	char *url = nl_xasprintf("smtp://127.0.0.1:%d", port);
	struct nl_transport_options o = {.url = url, .connections = 2, .timeout = 5};
	struct nl_transport *t = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
	struct nl_buf msg = NL_BUF_INIT;
	test_synthetic(&msg, 1);
	assert_int_equal(nl_transport_submit(t, "b@example.test", "r@example.test", &msg, NULL, &err), NL_OK);
	struct nl_transport_result res[2];
	size_t n = 0;
	for (int i = 0; i < 50 && n == 0; i++)
		assert_int_equal(nl_transport_wait(t, 200, res, 2, &n, &err), NL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(res[0].code, NL_ERR_SMTP_CONNECT);
	assert_non_null(strstr(res[0].reply, "127.0.0.1"));
	nl_transport_close(t);
	nl_buf_free(&msg);
	free(url);
}

/* 5xx to RCPT (smtp-sink -f RCPT) is failed; 4xx (-r RCPT) deferred; neither is "unknown". */
static void test_smtp_rejects(void **state)
{
	(void)state;
	const char *flags[] = {"-f", "-r"};
	enum nl_code want[] = {NL_ERR_SMTP_PERM, NL_ERR_SMTP_TEMP};
	for (int k = 0; k < 2; k++) {
		int port = test_free_port();
		char listen[64];
		snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
		pid_t pid = fork();
		if (pid == 0) {
			if (geteuid() == 0)
				execl("/usr/sbin/smtp-sink", "smtp-sink", "-u", "nobody", flags[k], "RCPT",
				      listen, "10", (char *)NULL);
			else
				execl("/usr/sbin/smtp-sink", "smtp-sink", flags[k], "RCPT", listen, "10",
				      (char *)NULL);
			_exit(127);
		}
		test_server_pid = pid;
		for (int i = 0; i < 200 && !test_can_connect(port); i++)
			usleep(20000);
		assert_true(test_can_connect(port));
		char *url = nl_xasprintf("smtp://127.0.0.1:%d", port);
		struct nl_transport_options o = {.url = url, .connections = 1, .timeout = 5};
		struct nl_transport *t = NULL;
		struct nl_error err = {0};
		assert_int_equal(nl_transport_open(&o, &t, &err), NL_OK);
		struct nl_buf msg = NL_BUF_INIT;
		for (int m = 0; m < 3; m++) {
			test_synthetic(&msg, m);
			/* The last one held: a refusal before the body needs no release to be known. */
			if (m < 2)
				assert_int_equal(nl_transport_submit(t, "b@example.test", "r@example.test", &msg,
				                                     NULL, &err),
				                 NL_OK);
			else
				assert_int_equal(nl_transport_submit_held(t, "b@example.test", "r@example.test",
				                                          &msg, NULL, &err),
				                 NL_OK);
			struct nl_transport_result res[1];
			size_t n = 0;
			for (int i = 0; i < 50 && n == 0; i++)
				assert_int_equal(nl_transport_wait(t, 200, res, 1, &n, &err), NL_OK);
			assert_int_equal(n, 1);
			assert_int_equal(res[0].code, want[k]);
			assert_int_equal(res[0].smtp_code / 100, k == 0 ? 5 : 4);
		}
		nl_transport_close(t);
		test_stop(pid);
		nl_buf_free(&msg);
		free(url);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	atexit(test_kill_server);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ratelimit_never_exceeds),
	    cmocka_unit_test(test_ratelimit_no_saving_up),
	    cmocka_unit_test(test_ratelimit_unlimited),
	    cmocka_unit_test(test_loopback),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_outbox),
	    cmocka_unit_test(test_outbox_unwritable),
	    cmocka_unit_test_teardown(test_smtp_held, test_teardown),
	    cmocka_unit_test_teardown(test_smtp_settle, test_teardown),
	    cmocka_unit_test_teardown(test_smtp_envelope_after_fast_reply, test_teardown),
	    cmocka_unit_test(test_password_cmd_first_line),
	    cmocka_unit_test(test_password_sources),
	    cmocka_unit_test_teardown(test_smtp_sink, test_teardown),
	    cmocka_unit_test(test_smtp_unreachable),
	    cmocka_unit_test_teardown(test_smtp_rejects, test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
