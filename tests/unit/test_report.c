/* test_report.c - the report writers: golden files for every format (one campaign and --all) from
 * the fixed state of report_fixture.c, the escaping of hostile text in each format, and the
 * report email; the Replies part and FOLLOW UP of every format on the replies fixture (issue 12):
 * order, marks, values to confirm, unreadable sentences, settled answers, From-only matches, and
 * hostile words that stay text.
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
#include "report_fixture.h"
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
		if (nl_write_file_atomic(out, got->data, got->len, &err) != NL_OK)
			snprintf(out, sizeof out, "(not written: %.200s)", err.detail);
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
	    {NL_REPORT_JSON, "career-2026-11.json"}, {NL_REPORT_CSV_REPLIES, "career-2026-11.replies.csv"},
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
	    {NL_REPORT_TEXT, "all.txt"},  {NL_REPORT_MD, "all.md"},
	    {NL_REPORT_HTML, "all.html"}, {NL_REPORT_CSV, "all.csv"},
	    {NL_REPORT_JSON, "all.json"}, {NL_REPORT_CSV_REPLIES, "all.replies.csv"},
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

/* ---- The replies fixture (issue 12) ---- */


static char *render(const struct nl_tally *t, enum nl_report_format format)
{
	struct nl_buf b = NL_BUF_INIT;
	nl_report_write(t, format, &b);
	assert_true(nl_utf8_valid(b.data, b.len));
	return nl_buf_detach(&b);
}

/* `a` occurs in `s` before `b` (both occur). */
static void assert_before(const char *s, const char *a, const char *b)
{
	const char *pa = strstr(s, a), *pb = strstr(s, b);
	if (!pa || !pb || pa >= pb)
		fail_msg("expected \"%s\" before \"%s\"", a, b);
}

static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_replies_golden(void **state)
{
	struct report_replies_fixture *f = *state;
	static const struct {
		enum nl_report_format format;
		const char *name;
	} cases[] = {
	    {NL_REPORT_TEXT, "replies-2026-12.txt"},  {NL_REPORT_MD, "replies-2026-12.md"},
	    {NL_REPORT_HTML, "replies-2026-12.html"}, {NL_REPORT_CSV, "replies-2026-12.csv"},
	    {NL_REPORT_JSON, "replies-2026-12.json"}, {NL_REPORT_CSV_REPLIES, "replies-2026-12.replies.csv"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct nl_buf b = NL_BUF_INIT;
		nl_report_write(f->t, cases[i].format, &b);
		golden(cases[i].name, &b);
		nl_buf_free(&b);
	}
}

static void test_replies_text(void **state)
{
	struct report_replies_fixture *f = *state;
	char *s = render(f->t, NL_REPORT_TEXT);
	/* FOLLOW UP: the yeses to consult, then those who asked in words; not the yes to changing jobs */
	assert_non_null(
	    strstr(s, "FOLLOW UP: 2 said yes to \"Would you like a free 15-minute consultation?\""));
	assert_null(strstr(s, "said yes to \"Are you thinking about changing jobs?\""));
	assert_non_null(strstr(s, "FOLLOW UP: 2 asked to be contacted in their own words (no clear yes)\n"));
	assert_non_null(strstr(s, "    \u201cI would really like a call to talk about this.\u201d\n"));
	const char *figures = strstr(s, "\nFIGURES");
	const char *follow = strstr(s, "asked to be contacted in their own words");
	assert_true(follow && figures && follow < figures);
	const char *fu_end = figures;
	for (const char *p = s; p < fu_end; p++)
		assert_false(strncmp(p, "max@replies.test", 16) == 0 ||
		             strncmp(p, "nia@replies.test", 16) == 0);
	assert_non_null(strstr(s, "  to confirm         1  (proposed answers, not tallied: see REPLIES)\n"));
	/* REPLIES: needs a look first (newest first), marked, with the reasons */
	const char *replies = strstr(s, "\nREPLIES: 10, 4 need a look");
	assert_non_null(replies);
	assert_before(replies, "Quinn", "Nia <nia@");
	assert_before(replies, "Nia <nia@", "Lee Chang");
	assert_before(replies, "Lee Chang", "Kim <kim@");
	assert_before(replies, "Kim <kim@", "sam@replies.test");
	assert_before(replies, "sam@replies.test", "Max <max@");
	assert_int_equal(count_of(replies, "  ! NEEDS A LOOK: "), 4);
	assert_non_null(strstr(replies, "  ! NEEDS A LOOK: answers to confirm\n    Kim <kim@replies.test>"));
	assert_non_null(strstr(
	    replies, "    satisfaction: to confirm: 2 (from \u201cSatisfaction maybe a 2.\u201d) [prose]\n"));
	assert_non_null(strstr(replies, "    satisfaction: 3 (settled by hand)\n"));
	assert_non_null(strstr(replies,
	                       "Max <max@replies.test> \u00b7 2026-12-11 09:02 UTC \u00b7 matched by From "
	                       "address only\n"));
	assert_non_null(strstr(replies, "    | Honestly mine is a job right now"));
	assert_non_null(strstr(replies, "    | thanks!\n"));
	assert_non_null(strstr(replies, "    (own words not kept: collected before this version)\n"));
	assert_non_null(
	    strstr(replies, "    asks to be contacted: \u201cA chat some day could be nice though.\u201d"));
	free(s);
}

static void test_replies_md(void **state)
{
	struct report_replies_fixture *f = *state;
	char *s = render(f->t, NL_REPORT_MD);
	assert_non_null(strstr(s, "## Follow up: 2 asked to be contacted in their own words (no clear yes)"));
	assert_null(strstr(s, "said yes to \u201cAre you thinking"));
	assert_non_null(strstr(s, "## Replies: 10, 4 need a look"));
	assert_int_equal(count_of(s, "**Needs a look** ("), 4);
	assert_non_null(strstr(s, "- *satisfaction*: **to confirm:** 2"));
	assert_non_null(strstr(s, "- *satisfaction*: 3 (settled by hand)"));
	assert_non_null(strstr(s, "*matched by From address only*"));
	/* rendered by cmark with raw HTML allowed: the hostile words stay text */
	char *h = cmark_markdown_to_html(s, strlen(s), CMARK_OPT_UNSAFE);
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "<b>bold"));
	assert_null(strstr(h, "</blockquote><b>"));
	assert_non_null(
	    strstr(h, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
	assert_non_null(strstr(h, "<blockquote>\n<p>Honestly mine is a job right now"));
	assert_non_null(strstr(h, "&lt;img src=x onerror=alert(3)&gt; call me &amp; &quot;now&quot;"));
	free(h);
	free(s);
}

static void test_replies_html(void **state)
{
	struct report_replies_fixture *f = *state;
	char *s = render(f->t, NL_REPORT_HTML);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<img"));
	assert_null(strstr(s, "<b>bold"));
	assert_null(strstr(s, "<O'Neil>"));
	assert_non_null(strstr(s,
	                       "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot; "
	                       "&#39;single&#39; &lt;/blockquote&gt;&lt;b&gt;bold&lt;/b&gt;<br>\nCall me!"));
	assert_non_null(strstr(s, "Quinn &quot;Q&quot; &lt;O&#39;Neil&gt; &amp; Co"));
	assert_non_null(strstr(s, "&lt;img src=x onerror=alert(3)&gt; call me &amp; &quot;now&quot;"));
	const char *replies =
	    strstr(s, "<section class=\"replies\" id=\"replies\">\n<h2>Replies: 10, 4 need a look</h2>");
	assert_non_null(replies);
	assert_int_equal(count_of(replies, "<article class=\"reply look\">"), 4);
	assert_int_equal(count_of(replies, "<article class=\"reply\">"), 6);
	assert_int_equal(count_of(replies, "<span class=\"badge\">Needs a look</span>"), 4);
	assert_non_null(strstr(replies,
	                       "<span class=\"confirm\">to confirm:</span> 2 (from <q>Satisfaction maybe a "
	                       "2.</q>)"));
	assert_non_null(
	    strstr(replies, "<p class=\"reasons\">words not read as answers \u00b7 asks to be contacted in "
	                    "words</p>"));
	assert_non_null(strstr(replies, "<b>satisfaction</b>: 3 <i>(settled by hand)</i>"));
	assert_int_equal(count_of(replies, "<span class=\"weak\">matched by From address only</span>"), 1);
	assert_before(replies, "quinn@replies.test", "kim@replies.test");
	/* FOLLOW UP in words, apart from the yeses, before the figures */
	assert_before(s, "<section class=\"followup words\">", "<h2>Figures</h2>");
	assert_non_null(strstr(s, "Follow up: 2 asked to be contacted in their own words (no clear yes)"));
	assert_null(strstr(s, "said yes to \u201cAre you thinking"));
	free(s);
}

static void test_replies_json_csv(void **state)
{
	struct report_replies_fixture *f = *state;
	char *s = render(f->t, NL_REPORT_JSON);
	assert_non_null(strstr(s, "  \"likely\": 1,\n  \"needs_look\": 4,\n"));
	assert_non_null(
	    strstr(s, "{\"email\": \"lee@replies.test\", \"name\": \"Lee Chang\", \"how\": \"in words\", "
	              "\"question\": null, \"sentence\": \"I would really like a call to talk about "
	              "this.\", \"settled\": false, \"matched\": \"token\"}"));
	assert_non_null(strstr(s, "\"how\": \"yes\", \"question\": \"consult\""));
	assert_non_null(
	    strstr(s, "{\"question\": \"satisfaction\", \"level\": \"likely\", \"value\": \"2\""));
	assert_non_null(
	    strstr(s, "\"level\": \"sure\", \"value\": \"3\", \"raw\": \"Between 3 and 4, I guess.\", "
	              "\"rule\": \"settled by hand\", \"settled\": true}"));
	assert_non_null(strstr(s, "\"matched\": \"from\""));
	assert_non_null(strstr(s, "\"words\": null"));
	assert_non_null(
	    strstr(s, "\"reasons\": [\"words not read as answers\", \"asks to be contacted in words\"]"));
	assert_null(strstr(s, "<script")); /* < > & as \u escapes */
	free(s);
	s = render(f->t, NL_REPORT_CSV_REPLIES);
	assert_true(
	    strncmp(s, "email,name,received,matched,needs_look,reasons,contact,words,readings\r\n", 71) == 0);
	assert_int_equal(count_of(s, "@replies.test,"), 10);
	assert_non_null(strstr(s, "max@replies.test,Max,2026-12-11T09:02:00Z,from,no,,,"));
	assert_non_null(strstr(s,
	                       "\"work: job [sure, prose]\nsatisfaction: 2 [likely: to confirm, prose] from: "
	                       "Satisfaction maybe a 2.\nconsult: yes [sure, prose]\""));
	assert_non_null(strstr(s, "satisfaction: 3 [sure, settled by hand]"));
	assert_non_null(strstr(s, "\"Quinn \"\"Q\"\" <O'Neil> & Co\""));
	free(s);
	/* the CSV of respondents is unchanged in shape: one row per respondent */
	s = render(f->t, NL_REPORT_CSV);
	assert_int_equal(count_of(s, "\r\n"), 1 + 5);
	free(s);
	enum nl_report_format fmt;
	assert_true(nl_report_format_parse("csv-replies", &fmt));
	assert_int_equal(fmt, NL_REPORT_CSV_REPLIES);
	assert_string_equal(nl_report_format_ext(fmt), "csv");
}

/* A text answer settled by hand is marked so in text, Markdown and HTML (a tally made by hand). */
static void test_settled_text_answer(void **state)
{
	struct report_replies_fixture *f = *state;
	struct nl_tally_question *change = &f->t->questions[4];
	assert_string_equal(change->id, "change");
	assert_int_equal(change->n_answers, 0);
	change->answers = calloc(1, sizeof *change->answers);
	change->answers[0].email = nl_xstrdup("pat@replies.test");
	change->answers[0].name = nl_xstrdup("Pat");
	change->answers[0].text = nl_xstrdup("fewer meetings");
	change->answers[0].settled = true;
	change->n_answers = 1;
	char *s = render(f->t, NL_REPORT_TEXT);
	assert_non_null(strstr(s, "   Pat <pat@replies.test> (settled by hand):\n     fewer meetings\n"));
	free(s);
	s = render(f->t, NL_REPORT_MD);
	assert_non_null(strstr(s, "- **Pat** (pat@replies.test) (settled by hand):\\\n  fewer meetings"));
	free(s);
	s = render(f->t, NL_REPORT_HTML);
	assert_non_null(
	    strstr(s, "&lt;pat@replies.test&gt; <i>(settled by hand)</i><blockquote>fewer meetings"));
	free(s);
}

/* The subject counts everyone to contact: the yeses and the requests in words. */
static void test_replies_subject(void **state)
{
	struct report_replies_fixture *f = *state;
	char *subject = nl_report_subject(&f->t, 1, false);
	assert_string_equal(subject, "Survey report replies-2026-12: 5 respondents (55.6%), 4 to follow up");
	free(subject);
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
	    cmocka_unit_test_setup_teardown(test_replies_golden, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_text, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_md, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_html, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_json_csv, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_replies_subject, report_replies_setup, report_replies_teardown),
	    cmocka_unit_test_setup_teardown(test_settled_text_answer, report_replies_setup, report_replies_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
