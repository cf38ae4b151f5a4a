/* test_html.c - HTML to text: line structure, entities, dropped content, quote containers of each
 * client, the nesting bound, and the talon HTML replies (their new text is "Hi. I am fine. Thanks,
 * Alex" and the original is quoted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "util.h"

static void hcheck(const char *in, const char *want)
{
	char *got = nl_html_to_text(in, strlen(in));
	if (strcmp(got, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", got, want);
	free(got);
}

static void test_lines(void **state)
{
	hcheck("Hi.<br><br>I am  fine.\n<br>Thanks", "Hi.\n\nI am fine.\nThanks\n");
	hcheck("<div>one</div><div><br></div><div>two</div>", "one\n\ntwo\n");
	hcheck("<p>a</p><p>b<p>c", "a\nb\nc\n");
	hcheck("<p class=MsoNormal>x<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p>y</p>",
	       "x\n\ny\n");
	hcheck("<ul><li>one<li>two</ul>", "one\ntwo\n");
	hcheck("<table><tr><td>1</td><td>career</td></tr></table>", "1 career\n");
	hcheck("<pre>  a\n  b</pre>", "  a\n  b\n");
	hcheck("a<b>b</b>c <i>d</i>", "abc d\n");
}

static void test_entities_and_dropped(void **state)
{
	hcheck("&lt;a&gt; &amp; &quot;q&quot; &eacute; &#233; &#xe9; &#150; &mdash;",
	       "<a> & \"q\" é é é – —\n");
	hcheck("&#0;&#xD800;&#x110000;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
	hcheck("&bogus; & x", "&bogus; & x\n");
	hcheck("<head><title>T</title><style>p{}</style></head><script>alert(1)</script>ok", "ok\n");
	hcheck("<!-- c --><!DOCTYPE html>a<span style=\"display: none\">hidden</span>b", "ab\n");
	hcheck("<div style='display:none'><div>x</div>y</div>z", "z\n");
	hcheck("1 < 2", "1 < 2\n");
	hcheck("", "");
}

static void test_quotes(void **state)
{
	hcheck("yes<blockquote>q1<blockquote>q2</blockquote>q3</blockquote>after",
	       "yes\n> q1\n> > q2\n> q3\nafter\n");
	hcheck("A<div class=\"gmail_quote\">On Mon wrote:<br>old</div>", "A\n> On Mon wrote:\n> old\n");
	hcheck("A<br>On Mon, X wrote:<br><blockquote type=\"cite\">old</blockquote>",
	       "A\n> On Mon, X wrote:\n> old\n");
	hcheck("A<div class=\"moz-cite-prefix\">On 1 wrote:</div><blockquote>old</blockquote>",
	       "A\n> On 1 wrote:\n> old\n");
	hcheck("A<div id=\"divRplyFwdMsg\">From: x<br>Sent: y</div><div>old</div>",
	       "A\n> From: x\n> Sent: y\n> old\n");
	hcheck("A<hr>From: x<br>old", "A\n> From: x\n> old\n");
	hcheck("A<hr>not a header<br>B", "A\nnot a header\nB\n");
	hcheck("A<div style=\"border:none;border-top:solid #E1E1E1 1.0pt\"><p>From: x</p></div><p>old</p>",
	       "A\n> From: x\n> old\n");
	hcheck("A<div class=\"yahoo_quoted\">old</div>", "A\n> old\n");
	hcheck("A<p>From: x</p><p>Sent: y</p><p>old</p>", "A\n> From: x\n> Sent: y\n> old\n");
}

static void test_depth_bound(void **state)
{
	for (int n = NL_MESSAGE_MAX_HTML_DEPTH; n <= NL_MESSAGE_MAX_HTML_DEPTH + 1; n++) {
		struct nl_buf in = NL_BUF_INIT, out = NL_BUF_INIT;
		for (int i = 0; i < n; i++)
			nl_buf_puts(&in, "<div>");
		nl_buf_puts(&in, "deep");
		struct nl_error err = {0};
		enum nl_code rc = nl_html_render(in.data, in.len, &out, &err);
		assert_int_equal(rc, n <= NL_MESSAGE_MAX_HTML_DEPTH ? NL_OK : NL_ERR_LIMIT);
		if (rc == NL_OK)
			assert_string_equal(nl_buf_cstr(&out), "deep\n");
		else
			assert_non_null(strstr(err.detail, "nested"));
		nl_buf_free(&in);
		nl_buf_free(&out);
	}
	/* 10,000 unclosed <p> and <li> never reach the bound: they close each other */
	struct nl_buf in = NL_BUF_INIT, out = NL_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		nl_buf_puts(&in, "<p>x<li>y");
	assert_int_equal(nl_html_render(in.data, in.len, &out, NULL), NL_OK);
	nl_buf_free(&in);
	nl_buf_free(&out);
}

/* The peer's check: the unquoted text, all whitespace removed, is "Hi.Iamfine.Thanks,Alex". */
static void test_talon_html(void **state)
{
	static const char *files[] = {"gmail",           "hotmail",         "mail_ru",
	                              "ms_outlook_2003", "ms_outlook_2007", "ms_outlook_2010",
	                              "thunderbird",     "windows_mail",    "yandex_ru"};
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		char path[512];
		snprintf(path, sizeof path, "%s/mailgun-talon/html_replies/%s.html", NL_CORPUS, files[f]);
		struct nl_buf b = NL_BUF_INIT;
		assert_int_equal(nl_read_file(path, 0, &b, NULL), NL_OK);
		char *text = nl_html_to_text(b.data, b.len);
		struct nl_buf own = NL_BUF_INIT;
		bool quoted_seen = false;
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			if (line[0] == '>') {
				quoted_seen = true;
				continue;
			}
			assert_false(quoted_seen); /* nothing of ours after the quote starts */
			for (char *c = line; *c; c++)
				if (*c != ' ' && *c != '\t')
					nl_buf_putc(&own, *c);
		}
		if (strcmp(nl_buf_cstr(&own), "Hi.Iamfine.Thanks,Alex") != 0)
			fail_msg("%s: own text \"%s\"", files[f], nl_buf_cstr(&own));
		assert_true(quoted_seen);
		free(text);
		nl_buf_free(&own);
		nl_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines),      cmocka_unit_test(test_entities_and_dropped),
	    cmocka_unit_test(test_quotes),     cmocka_unit_test(test_depth_bound),
	    cmocka_unit_test(test_talon_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
