/* test_html.c - HTML to text: line structure, entities (HTML5's named list, legacy names without
 * ';', numeric references), dropped content, quote containers of each
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

/* HTML5's whole list (src/html_entities.inc, generated), its rules for a missing ';', and the
 * numeric references' replacements. */
static void test_named_entities(void **state)
{
	hcheck("a &rarr; b &Ntilde;o&ntilde;o &hellip;",
	       "a \xe2\x86\x92 b \xc3\x91o\xc3\xb1o \xe2\x80\xa6\n");
	hcheck("&AElig;&zwnj;&zopf;&CounterClockwiseContourIntegral;",
	       "\xc3\x86\xe2\x80\x8c\xf0\x9d\x95\xab\xe2\x88\xb3\n");
	/* two code points */
	hcheck("x&NotEqualTilde;y &nvlt; &fjlig;", "x\xe2\x89\x82\xcc\xb8y <\xe2\x83\x92 fj\n");
	/* &nbsp; stays a space that collapses, and a line of it alone stays a blank line */
	hcheck("a&nbsp;&nbsp;b&nbsp", "a b\n");
	hcheck("<p>a</p><p>&nbsp;</p><p>b</p>", "a\n\nb\n");
	/* legacy names without ';', the longest one that fits; other names need their ';' */
	hcheck("&copy 2024 &amp &lt3 &copyright &notit; &not;",
	       "\xc2\xa9 2024 & <3 \xc2\xa9right \xc2\xacit; \xc2\xac\n");
	hcheck("&rarr &hellip x &Ntilde", "&rarr &hellip x \xc3\x91\n");
	hcheck("&frac34 &frac3 &AMP;&AMP", "\xc2\xbe &frac3 &&\n");
	/* names are case-sensitive; unknown names stay literal */
	hcheck("&foobar; &Rarr; &RARR; &Amp; & ;&;", "&foobar; \xe2\x86\xa0 &RARR; &Amp; & ;&;\n");
	/* whitespace references collapse like typed whitespace; in <pre> a newline ends the line */
	hcheck("a&Tab;&NewLine;b&#10;&#32;c", "a b c\n");
	hcheck("<pre>a&NewLine;b&#10;c</pre>", "a\nb\nc\n");
	/* a long run of letters (with or without ';') is looked at only as far as the longest name */
	struct nl_buf in = NL_BUF_INIT, want = NL_BUF_INIT;
	for (int semi = 0; semi <= 1; semi++) {
		nl_buf_puts(&in, "x &");
		for (int i = 0; i < 5000; i++)
			nl_buf_putc(&in, "ab"[i % 2]);
		nl_buf_puts(&in, semi ? "; y" : " y");
		char *got = nl_html_to_text(in.data, in.len);
		nl_buf_putc(&in, '\n');
		assert_string_equal(got, nl_buf_cstr(&in));
		free(got);
		in.len = 0;
	}
	/* the longest name itself, one letter short, one letter more */
	hcheck("&CounterClockwiseContourIntegral &CounterClockwiseContourIntegra; "
	       "&CounterClockwiseContourIntegralx;",
	       "&CounterClockwiseContourIntegral &CounterClockwiseContourIntegra; "
	       "&CounterClockwiseContourIntegralx;\n");
	/* the legacy prefix of a long run still counts, as HTML5 reads it */
	nl_buf_puts(&in, "&not");
	for (int i = 0; i < 100; i++)
		nl_buf_putc(&in, 'x');
	nl_buf_puts(&want, "\xc2\xac");
	for (int i = 0; i < 100; i++)
		nl_buf_putc(&want, 'x');
	nl_buf_putc(&want, '\n');
	char *got = nl_html_to_text(in.data, in.len);
	assert_string_equal(got, nl_buf_cstr(&want));
	free(got);
	/* a reference cut by the end of the input: nothing past `len` is read */
	static const struct {
		size_t len;
		const char *want;
	} cut[] = {{1, "&\n"}, {3, "&co\n"}, {4, "&cop\n"}, {5, "\xc2\xa9\n"}, {6, "\xc2\xa9\n"}};
	for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++) {
		got = nl_html_to_text("&copy;", cut[c].len);
		assert_string_equal(got, cut[c].want);
		free(got);
	}
	got = nl_html_to_text("&rarr;", 5);
	assert_string_equal(got, "&rarr\n");
	free(got);
	got = nl_html_to_text("&#x2192;", 5);
	assert_string_equal(got, "!\n"); /* &#x21 */
	free(got);
	nl_buf_free(&in);
	nl_buf_free(&want);
}

/* Every name of the generated table, through html.c's bsearch(): the table is strictly sorted in the
 * order html.c compares in, and "[&name]" reads as "[value]". */
#include "html_entities.inc"

static void test_every_entity(void **state)
{
	size_t n = sizeof html_entities / sizeof html_entities[0];
	assert_int_equal(n, 2231);
	struct nl_buf in = NL_BUF_INIT, want = NL_BUF_INIT;
	size_t legacy = 0;
	for (size_t i = 0; i < n; i++) {
		const struct html_entity *e = &html_entities[i];
		assert_int_equal(strlen(e->name), e->name_len);
		assert_int_equal(strlen(e->utf8), e->len);
		assert_true(nl_utf8_valid(e->utf8, e->len));
		legacy += e->name[e->name_len - 1] != ';';
		if (i) {
			const struct html_entity *p = &html_entities[i - 1];
			size_t k = p->name_len < e->name_len ? p->name_len : e->name_len;
			int c = memcmp(p->name, e->name, k);
			assert_true(c < 0 || (c == 0 && p->name_len < e->name_len));
		}
		in.len = want.len = 0;
		nl_buf_printf(&in, "[&%s]", e->name);
		bool space = !strcmp(e->utf8, "\xc2\xa0") || !strcmp(e->utf8, "\t") || !strcmp(e->utf8, "\n");
		nl_buf_printf(&want, "[%s]\n", space ? " " : e->utf8);
		char *got = nl_html_to_text(in.data, in.len);
		if (strcmp(got, nl_buf_cstr(&want)) != 0)
			fail_msg("&%s: got \"%s\", want \"%s\"", e->name, got, nl_buf_cstr(&want));
		free(got);
	}
	assert_int_equal(legacy, 106);
	nl_buf_free(&in);
	nl_buf_free(&want);
}

static void test_numeric_entities(void **state)
{
	hcheck("&#x2192; &#8594; &#X2192 &#8594x &#x1F600;",
	       "\xe2\x86\x92 \xe2\x86\x92 \xe2\x86\x92 \xe2\x86\x92x \xf0\x9f\x98\x80\n");
	/* NUL, surrogates, past U+10FFFF (however many digits), controls: U+FFFD */
	hcheck("&#0;|&#xD800;|&#xDFFF;|&#x110000;|&#99999999999999999999;|&#x10FFFF;",
	       "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|\xf4\x8f\xbf\xbf\n");
	hcheck("&#1;|&#x7F;|&#x81;|&#x9D;", "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd\n");
	/* Windows-1252 for 0x80-0x9F, as HTML5's table */
	hcheck("&#128;&#x80;&#150;&#x9F;", "\xe2\x82\xac\xe2\x82\xac\xe2\x80\x93\xc5\xb8\n");
	/* no digits: no reference */
	hcheck("&# &#x; &#xg; &#;", "&# &#x; &#xg; &#;\n");
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
	    cmocka_unit_test(test_lines),          cmocka_unit_test(test_entities_and_dropped),
	    cmocka_unit_test(test_named_entities), cmocka_unit_test(test_numeric_entities),
	    cmocka_unit_test(test_every_entity),   cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_depth_bound),    cmocka_unit_test(test_talon_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
