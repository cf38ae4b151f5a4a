/* test_config.c - defaults, relative paths, rates and durations, and errors naming file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"

static char *write_conf(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_config.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults_without_file(void **state)
{
	struct nl_config cfg;
	struct nl_error err = {0};
	assert_int_equal(nl_config_load(&cfg, "/nonexistent/dir/mailer.conf", false, &err), NL_OK);
	assert_string_equal(cfg.state, "/nonexistent/dir/state.db");
	assert_string_equal(cfg.smtp_url, "outbox:/nonexistent/dir/outbox");
	assert_int_equal(cfg.smtp_connections, 4);
	assert_int_equal(cfg.report_after, 7 * 86400);
	assert_non_null(cfg.unsubscribe_mailto);
	nl_config_free(&cfg);
	assert_int_equal(nl_config_load(&cfg, "/nonexistent/dir/mailer.conf", true, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "/nonexistent/dir/mailer.conf"));
	nl_config_free(&cfg);
}

static void test_values_and_relative_paths(void **state)
{
	char *path = write_conf("[newsletter]\nfrom = Coach <c@example.test>\nreply_to = r@example.test\n"
	                        "state = var/state.db\nreport_after = 3d\n"
	                        "unsubscribe = mailto:u@example.test, https://example.test/u\n"
	                        "[smtp]\nurl = smtps://mail.example.test:465\nrate = 30/m\nconnections = 8\n"
	                        "[inbox]\nurl = maildir:mail/inbox\nafter = move:Processed\n");
	struct nl_config cfg;
	struct nl_error err = {0};
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_OK);
	assert_string_equal(cfg.from, "Coach <c@example.test>");
	assert_string_equal(cfg.state, "/tmp/var/state.db");
	assert_int_equal(cfg.report_after, 3 * 86400);
	assert_string_equal(cfg.unsubscribe_mailto, "mailto:u@example.test");
	assert_string_equal(cfg.unsubscribe_https, "https://example.test/u");
	assert_string_equal(cfg.smtp_url, "smtps://mail.example.test:465");
	assert_true(cfg.smtp_rate > 0.49 && cfg.smtp_rate < 0.51);
	assert_int_equal(cfg.smtp_connections, 8);
	assert_string_equal(cfg.inbox_url, "maildir:/tmp/mail/inbox");
	assert_int_equal(cfg.inbox_after, NL_AFTER_MOVE);
	assert_string_equal(cfg.inbox_move_to, "Processed");
	nl_config_free(&cfg);
	unlink(path);
}

static void test_errors_name_file_and_line(void **state)
{
	char *path = write_conf("[newsletter]\nfrom = a@example.test\n\n[smtp]\nrate = fast\n");
	struct nl_config cfg;
	struct nl_error err = {0};
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
	char expect[96];
	snprintf(expect, sizeof expect, "%s:5: [smtp] rate:", path);
	assert_non_null(strstr(err.detail, expect));
	nl_config_free(&cfg);
	unlink(path);
	path = write_conf("[newsletter]\nfrm = typo@example.test\n");
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, ":2: [newsletter] frm: unknown key"));
	nl_config_free(&cfg);
	unlink(path);
	path = write_conf("[mystery]\nx = 1\n");
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "unknown section"));
	nl_config_free(&cfg);
	unlink(path);
}

/* Issue 15: what is not a configuration file is refused at once, never read for ever or misread. */
static void test_files_that_are_not_configurations(void **state)
{
	(void)state;
	struct nl_config cfg;
	struct nl_error err = {0};
	static const struct {
		const char *path, *detail;
	} devices[] = {{"/dev/zero", "not a regular file"}, {"/tmp", "not a regular file"},
	               {"/nonexistent/mailer.conf", "No such file"}};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(nl_config_load(&cfg, devices[i].path, true, &err), NL_ERR_CONFIG);
		assert_non_null(strstr(err.detail, devices[i].detail));
		nl_config_free(&cfg);
	}
	/* a line inih would cut in two */
	struct nl_buf text = NL_BUF_INIT;
	nl_buf_puts(&text, "[inbox]\npassword_cmd = ");
	while (text.len < 8 + 200)
		nl_buf_putc(&text, 'x');
	nl_buf_puts(&text, "\nuser = u\n");
	char *path = write_conf(nl_buf_cstr(&text));
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, ":2: a line longer than 199 characters"));
	nl_config_free(&cfg);
	unlink(path);
	/* 199 characters are read whole */
	text.len = 8 + 199;
	nl_buf_puts(&text, "\n");
	path = write_conf(nl_buf_cstr(&text));
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_OK);
	assert_int_equal(strlen(cfg.inbox_password_cmd), 199 - strlen("password_cmd = "));
	nl_config_free(&cfg);
	unlink(path);
	nl_buf_free(&text);
	/* binary: a NUL byte, or more than a configuration could be */
	path = write_conf("[newsletter]\n");
	FILE *f = fopen(path, "a");
	fputs("from = a@example.test\n", f);
	fputc('\0', f);
	fclose(f);
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "NUL byte"));
	nl_config_free(&cfg);
	f = fopen(path, "w");
	for (int k = 0; k < 120000; k++) /* 1.2 MB */
		fputs("# comment\n", f);
	fclose(f);
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
	assert_non_null(strstr(err.detail, "larger than"));
	nl_config_free(&cfg);
	unlink(path);
}

static void test_rates_and_durations(void **state)
{
	double r;
	long d;
	assert_true(nl_config_parse_rate("20/s", &r) && r == 20);
	assert_true(nl_config_parse_rate("3600/h", &r) && r == 1);
	assert_true(nl_config_parse_rate("5", &r) && r == 5);
	assert_false(nl_config_parse_rate("5/fortnight", &r));
	assert_false(nl_config_parse_rate("-1/s", &r));
	assert_true(nl_config_parse_duration("7d", &d) && d == 604800);
	assert_true(nl_config_parse_duration("90", &d) && d == 90);
	assert_true(nl_config_parse_duration("2m", &d) && d == 120);
	assert_false(nl_config_parse_duration("2 days", &d));
	assert_false(nl_config_parse_duration("99999999999999999w", &d)); /* would overflow */
	/* review of issue 15: a timeout has an upper bound (in seconds, 24 days overflowed an int) */
	static const char *const confs[] = {"[inbox]\ntimeout = 3601\n", "[inbox]\ntimeout = 30d\n",
	                                    "[smtp]\ntimeout = 2h\n"};
	for (size_t i = 0; i < 3; i++) {
		char *path = write_conf(confs[i]);
		struct nl_config cfg;
		struct nl_error err = {0};
		assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_ERR_CONFIG);
		assert_non_null(strstr(err.detail, ":2: ["));
		assert_non_null(strstr(err.detail, "timeout: expected seconds from 1 to 3600"));
		nl_config_free(&cfg);
		unlink(path);
	}
	char *path = write_conf("[inbox]\ntimeout = 1h\n[smtp]\ntimeout = 3600\n");
	struct nl_config cfg;
	struct nl_error err = {0};
	assert_int_equal(nl_config_load(&cfg, path, true, &err), NL_OK);
	assert_int_equal(cfg.inbox_timeout, 3600);
	assert_int_equal(cfg.smtp_timeout, 3600);
	nl_config_free(&cfg);
	unlink(path);
}

static void test_template_path_prefers_own(void **state)
{
	struct nl_config cfg;
	nl_config_defaults(&cfg, "/tmp");
	free(cfg.templates);
	char dir[] = "/tmp/test_tpl.XXXXXX";
	assert_non_null(mkdtemp(dir));
	cfg.templates = strdup(dir);
	char own[64];
	snprintf(own, sizeof own, "%s/newsletter.html", dir);
	char *p = nl_config_template_path(&cfg, "no-such-template.html");
	assert_non_null(strstr(p, dir)); /* neither exists: the error names the publisher's path */
	free(p);
	FILE *f = fopen(own, "w");
	assert_non_null(f);
	fclose(f);
	p = nl_config_template_path(&cfg, "newsletter.html");
	assert_string_equal(p, own);
	free(p);
	unlink(own);
	rmdir(dir);
	nl_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_without_file),
		cmocka_unit_test(test_values_and_relative_paths),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_files_that_are_not_configurations),
		cmocka_unit_test(test_rates_and_durations),
		cmocka_unit_test(test_template_path_prefers_own),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
