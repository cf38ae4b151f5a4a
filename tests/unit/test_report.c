/* test_report.c - the report writers: golden files for every format (one campaign and --all) from
 * the fixed state of test_report_fixture.c, the escaping of hostile text in each format, and the
 * report email.
 *
 * Golden files live in tests/data/report/.  They are written by the code, never by hand: run the
 * test with NL_UPDATE_GOLDEN=1 to rewrite them, then review the diff.  On a mismatch the output is
 * left in /tmp/test_report.<name> for `diff`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmark.h>

#include "report.h"
#include "report_impl.h"
#include "test_report_fixture.h"
#include "util.h"

struct fixture {
	char dir[64];
	struct nl_tally *nov;
	struct nl_tally **all;
	size_t n_all;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char path[96];
	snprintf(f->dir, sizeof f->dir, "/tmp/test_report.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(path, sizeof path, "%s/state.db", f->dir);
	if (report_fixture_build(path) != 0)
		return -1;
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	nl_now_set(REPORT_FIXTURE_NOW);
	if (nl_store_open(path, &s, &err) != NL_OK ||
	    nl_tally_campaign(s, "career-2026-11", &f->nov, &err) != NL_OK ||
	    nl_tally_all(s, &f->all, &f->n_all, &err) != NL_OK) {
		fprintf(stderr, "%s\n", err.detail);
		return -1;
	}
	nl_store_close(s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nl_tally_free(f->nov);
	nl_tally_free_all(f->all, f->n_all);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	nl_now_set(0);
	return rc == 0 ? 0 : -1;
}

static void golden(const char *name, const struct nl_buf *got)
{
	char path[512];
	struct nl_error err = {0};
	snprintf(path, sizeof path, "%s/report/%s", NL_TEST_DATA, name);
	const char *update = getenv("NL_UPDATE_GOLDEN");
	if (update && *update) {
		assert_int_equal(nl_write_file_atomic(path, got->data, got->len, &err), NL_OK);
		return;
	}
	struct nl_buf want = NL_BUF_INIT;
	if (nl_read_file(path, 0, &want, &err) != NL_OK)
		fail_msg("%s (run with NL_UPDATE_GOLDEN=1 to create it)", err.detail);
	if (want.len != got->len || memcmp(want.data, got->data, got->len) != 0) {
		char out[256];
		snprintf(out, sizeof out, "/tmp/test_report.%s", name);
		nl_write_file_atomic(out, got->data, got->len, &err);
		nl_buf_free(&want);
		fail_msg("%s differs from the golden file; see diff %s %s", name, path, out);
	}
	nl_buf_free(&want);
}

static void test_golden_single(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum nl_report_format format;
		const char *name;
	} cases[] = {
	    {NL_REPORT_TEXT, "career-2026-11.txt"},  {NL_REPORT_MD, "career-2026-11.md"},
	    {NL_REPORT_HTML, "career-2026-11.html"}, {NL_REPORT_CSV, "career-2026-11.csv"},
	    {NL_REPORT_JSON, "career-2026-11.json"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_report_write(f->nov, cases[i].format, &b);
		assert_true(nl_utf8_valid(b.data, b.len));
		golden(cases[i].name, &b);
		nl_buf_free(&b);
	}
}

static void test_golden_all(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum nl_report_format format;
		const char *name;
	} cases[] = {
	    {NL_REPORT_TEXT, "all.txt"}, {NL_REPORT_MD, "all.md"},     {NL_REPORT_HTML, "all.html"},
	    {NL_REPORT_CSV, "all.csv"},  {NL_REPORT_JSON, "all.json"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_report_write_all(f->all, f->n_all, cases[i].format, &b);
		assert_true(nl_utf8_valid(b.data, b.len));
		golden(cases[i].name, &b);
		nl_buf_free(&b);
	}
}

/* The hostile answers and name never appear as markup in HTML; they do appear as text. */
static void test_html_escapes_everything(void **state)
{
	struct fixture *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_report_html(f->nov, &b);
	const char *h = nl_buf_cstr(&b);
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "onerror=alert(1)>"));
	assert_null(strstr(h, "\x1b"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(h, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(h, "Eve&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
	assert_non_null(strstr(h, "first line<br>\nsecond line, with a comma"));
	assert_non_null(strstr(h, "山田 太郎"));
	assert_non_null(strstr(h, "Ana 🚀 Lima"));
	assert_non_null(strstr(h, "<svg"));
	assert_null(strstr(h, "http://evil.test\"")); /* the quote is escaped */
	/* nothing is loaded from anywhere: no src=, no url(, no @import, no http(s) link other than
	 * the SVG namespace */
	for (const char *q = h; (q = strstr(q, " src=")) != NULL; q++)
		assert_true(q - h >= 7 && strncmp(q - 7, "&lt;img", 7) == 0); /* only the escaped answer */
	assert_null(strstr(h, "url("));
	assert_null(strstr(h, "@import"));
	const char *p = h;
	while ((p = strstr(p, "http")) != NULL) {
		bool equiv = strncmp(p, "http-equiv=", 11) == 0;
		bool ns = strncmp(p, "http://www.w3.org/2000/svg", 26) == 0;
		bool text = p > h && strncmp(p - 6, "&quot;", 6) == 0; /* the escaped formula answer */
		if (!ns && !text && !equiv)
			fail_msg("external reference at: %.40s", p);
		p += 4;
	}
	nl_buf_free(&b);
}

static void test_text_is_clean(void **state)
{
	struct fixture *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_report_text(f->nov, &b);
	const char *s = nl_buf_cstr(&b);
	assert_null(strchr(s, '\x1b')); /* no terminal escape from the answer */
	assert_non_null(strstr(s, "\xef\xbf\xbd[31mred"));
	/* the follow-up list comes before the figures */
	const char *follow = strstr(s, "FOLLOW UP: 4 said yes");
	const char *figures = strstr(s, "FIGURES");
	assert_non_null(follow);
	assert_non_null(figures);
	assert_true(follow < figures);
	assert_non_null(strstr(s, "66.7%"));
	assert_non_null(strstr(s, "mean 3.2 · median 3\n"));
	nl_buf_free(&b);
}

/* Names of different display widths line up: the e-mail column starts at the same column. */
static void test_text_alignment(void **state)
{
	struct fixture *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_report_text(f->nov, &b);
	const char *s = nl_buf_cstr(&b);
	const char *start = strstr(s, "FOLLOW UP");
	assert_non_null(start);
	const char *line = strchr(start, '\n') + 1;
	size_t col = 0;
	for (int i = 0; i < 4; i++) {
		const char *end = strchr(line, '\n');
		const char *at = strstr(line, "@");
		assert_true(at && at < end);
		const char *mail = at;
		while (mail > line && mail[-1] != ' ')
			mail--;
		size_t c = nl_utf8_width(line, (size_t)(mail - line));
		if (i == 0)
			col = c;
		assert_int_equal(c, col);
		line = end + 1;
	}
	nl_buf_free(&b);
}

static void test_json_escaping(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_report_put_json(&b, "a\"b\\c\n\t\x01\x1f\x7f</script>&\xe2\x80\xa8 \xff"
	                       "end");
	assert_string_equal(
	    nl_buf_cstr(&b),
	    "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u007f\\u003c/script\\u003e\\u0026\\u2028 \xef\xbf\xbd"
	    "end\"");
	nl_buf_free(&b);
}

static void test_csv_quoting(void **state)
{
	struct fixture *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_report_csv(f->nov, &b);
	const char *s = nl_buf_cstr(&b);
	assert_true(strncmp(s, "email,name,matched,work,satisfaction,consult,change\r\n", 52) == 0);
	assert_non_null(strstr(s, "\"Less travel, more \"\"deep work\"\"\""));
	assert_non_null(strstr(s, "\"first line\nsecond line, with a comma\""));
	assert_non_null(strstr(
	    s, "\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"click\"\") \xef\xbf\xbd[31mred\xef\xbf\xbd[0m\""));
	assert_non_null(strstr(s, "emile@example.test,Émile Zola,from,career,,yes,\r\n"));
	nl_buf_free(&b);
}

static void test_md_escaping(void **state)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_report_put_md(&b, "<b>x</b> *y* [l](javascript:1) |t| 1. a\n- b\n  # c", "\\\n  ");
	assert_string_equal(nl_buf_cstr(&b),
	                    "&lt;b&gt;x&lt;/b&gt; \\*y\\* \\[l\\](javascript:1) \\|t\\| 1. a\\\n"
	                    "  \\- b\\\n  \\# c");
	nl_buf_reset(&b);
	nl_report_put_md(&b, "12) twelve", " ");
	assert_string_equal(nl_buf_cstr(&b), "12\\) twelve");
	nl_buf_free(&b);
}

static void test_widths_and_clean(void **state)
{
	assert_int_equal(nl_report_clean_width("山田 太郎"), 9);
	assert_int_equal(nl_report_clean_width("Zoë Ångström"), 12);
	struct nl_buf b = NL_BUF_INIT;
	nl_report_put_padded(&b, "山田", 6);
	assert_string_equal(nl_buf_cstr(&b), "山田  ");
	nl_buf_reset(&b);
	nl_report_put_clean(&b,
	                    "a\x1b]0;title\x07\xc2\x9b"
	                    "b\r\nc\xe2\x80\xae"
	                    "d",
	                    "|");
	assert_string_equal(nl_buf_cstr(&b), "a\xef\xbf\xbd]0;title\xef\xbf\xbd\xef\xbf\xbd"
	                                     "b|c\xef\xbf\xbd"
	                                     "d");
	nl_buf_free(&b);
}

static void test_format_names(void **state)
{
	enum nl_report_format f;
	assert_true(nl_report_format_parse("markdown", &f));
	assert_int_equal(f, NL_REPORT_MD);
	assert_true(nl_report_format_parse("json", &f));
	assert_int_equal(f, NL_REPORT_JSON);
	assert_false(nl_report_format_parse("pdf", &f));
	assert_false(nl_report_format_parse(NULL, &f));
	assert_string_equal(nl_report_format_ext(NL_REPORT_HTML), "html");
}

static void test_mail(void **state)
{
	struct nl_buf m = NL_BUF_INIT;
	struct nl_error err = {0};
	nl_now_set(REPORT_FIXTURE_NOW);
	assert_int_equal(nl_report_compose_mail("Career Notes", "news@example.test", "coach@example.test",
	                                        "Survey report: career-2026-11 — 66.7%",
	                                        "line one\nline two\n", "<p>x</p>", &m, &err),
	                 NL_OK);
	const char *s = nl_buf_cstr(&m);
	assert_non_null(strstr(s, "From: Career Notes <news@example.test>\r\n"));
	assert_non_null(strstr(s, "To: coach@example.test\r\n"));
	assert_non_null(strstr(s, "Subject: =?UTF-8?"));
	assert_non_null(strstr(s, "Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n"));
	assert_non_null(strstr(s, "@example.test>\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(s, "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(s, "Content-Type: text/html; charset=UTF-8\r\n"));
	assert_non_null(strstr(s, "\r\nline one\r\nline two\r\n"));
	assert_true(strstr(s, "line one") < strstr(s, "<p>x</p>")); /* text first, HTML preferred */
	for (const char *p = s; *p; p++)                            /* every line ends in CRLF */
		if (*p == '\n')
			assert_true(p > s && p[-1] == '\r');
	nl_buf_reset(&m);
	assert_int_equal(
	    nl_report_compose_mail(NULL, "a@b.test", "c@d.test\r\nBcc: x@y.test", "s", "", "", &m, &err),
	    NL_ERR_USAGE);
	assert_int_equal(nl_report_compose_mail("x\ny", "a@b.test", "c@d.test", "s", "", "", &m, &err),
	                 NL_ERR_USAGE);
	assert_int_equal(nl_report_compose_mail(NULL, "a@b.test", "not an address", "s", "", "", &m, &err),
	                 NL_ERR_USAGE);
	nl_buf_free(&m);
	nl_now_set(0);
}

static void test_mail_message(void **state)
{
	struct fixture *f = *state;
	char *subject = nl_report_subject(&f->nov, 1, false);
	assert_string_equal(subject, "Survey report career-2026-11: 6 respondents (66.7%), 4 to follow up");
	free(subject);
	subject = nl_report_subject(f->all, f->n_all, true);
	assert_string_equal(subject, "Survey report across 2 campaigns");
	free(subject);
	struct nl_buf m = NL_BUF_INIT;
	struct nl_error err = {0};
	assert_int_equal(nl_report_mail_message(&f->nov, 1, false, "Career Notes", "news@example.test",
	                                        "coach@example.test", &m, &err),
	                 NL_OK);
	const char *s = nl_buf_cstr(&m);
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=UTF-8"));
	assert_non_null(strstr(s, "SURVEY REPORT: career-2026-11"));
	const char *html = strstr(s, "Content-Type: text/html");
	assert_non_null(html);
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_null(strstr(html, "<script")); /* plain text in the text part, escaped in the HTML part */
	nl_buf_free(&m);
}

/* A campaign with a survey but nothing sent or answered yet, and one whose article cannot be read:
 * every format still renders, with null statistics and no division by zero. */
static void test_empty_and_broken(void **state)
{
	char dir[64], path[96];
	snprintf(dir, sizeof dir, "/tmp/test_report_empty.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/state.db", dir);
	struct nl_store *s = NULL;
	struct nl_error err = {0};
	assert_int_equal(nl_store_open(path, &s, &err), NL_OK);
	assert_int_equal(
	    nl_store_campaign_ensure(s, "empty", "Nothing yet", "empty.md",
	                             "---\ntitle: T\nsubject: S\ndate: 2026-11-30\nsurvey:\n  id: e\n"
	                             "  questions:\n    - {id: sat, type: scale, min: 0, max: 10, "
	                             "text: \"How?\"}\n    - {id: ok, type: yesno, text: \"OK?\"}\n---\nx\n",
	                             0, &err),
	    NL_OK);
	assert_int_equal(
	    nl_store_campaign_ensure(s, "broken", "Broken", "broken.md", "no front matter", 0, &err), NL_OK);
	static const char *const ids[] = {"empty", "broken"};
	for (size_t c = 0; c < 2; c++) {
		struct nl_tally *t = NULL;
		assert_int_equal(nl_tally_campaign(s, ids[c], &t, &err), NL_OK);
		for (int f = NL_REPORT_TEXT; f <= NL_REPORT_JSON; f++) {
			struct nl_buf b = NL_BUF_INIT;
			nl_report_write(t, (enum nl_report_format)f, &b);
			assert_true(b.len > 0);
			assert_true(nl_utf8_valid(b.data, b.len));
			if (f == NL_REPORT_JSON) {
				assert_non_null(strstr(b.data, "\"response_rate\": null,"));
				if (c == 0) {
					assert_non_null(strstr(b.data, "\"mean\": null,"));
					assert_non_null(strstr(b.data, "{\"value\": 10, \"count\": 0}"));
				} else {
					assert_non_null(strstr(b.data, "\"questions\": []"));
				}
			}
			if (f == NL_REPORT_CSV && c == 1)
				assert_string_equal(b.data, "email,name,matched\r\n");
			if (f == NL_REPORT_TEXT && c == 1)
				assert_non_null(strstr(b.data, "NOTE: the survey could not be read"));
			nl_buf_free(&b);
		}
		nl_tally_free(t);
	}
	struct nl_tally **all = NULL;
	size_t n = 0;
	assert_int_equal(nl_tally_all(s, &all, &n, &err), NL_OK);
	for (int f = NL_REPORT_TEXT; f <= NL_REPORT_JSON; f++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_report_write_all(all, n, (enum nl_report_format)f, &b);
		assert_true(b.len > 0);
		nl_buf_free(&b);
		nl_report_write_all(NULL, 0, (enum nl_report_format)f, &b);
		assert_true(b.len > 0);
		nl_buf_free(&b);
	}
	nl_tally_free_all(all, n);
	nl_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The Markdown report rendered by a CommonMark implementation that lets raw HTML through (cmark
 * with CMARK_OPT_UNSAFE): no subscriber text becomes an element, link or list. */
static void test_md_renders_safely(void **state)
{
	struct fixture *f = *state;
	struct nl_buf b = NL_BUF_INIT;
	nl_report_md(f->nov, &b);
	char *h = cmark_markdown_to_html(b.data, b.len, CMARK_OPT_UNSAFE);
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "</td><script"));
	assert_null(strstr(h, "<a href"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(h, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(h, "first line<br />\nsecond line, with a comma"));
	assert_non_null(strstr(h, "<h2>Follow up: 4 said yes"));
	free(h);
	nl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_golden_single, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_golden_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_html_escapes_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_text_is_clean, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_text_alignment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_quoting, setup, teardown),
	    cmocka_unit_test(test_json_escaping),
	    cmocka_unit_test(test_md_escaping),
	    cmocka_unit_test(test_widths_and_clean),
	    cmocka_unit_test(test_format_names),
	    cmocka_unit_test_setup_teardown(test_md_renders_safely, setup, teardown),
	    cmocka_unit_test(test_mail),
	    cmocka_unit_test(test_empty_and_broken),
	    cmocka_unit_test_setup_teardown(test_mail_message, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
