/* test_textrender.c - the plain-text renderer: every construct, wrapping by display width. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "util.h"

static void check(const char *markdown, int width, const char *expected)
{
	char *text = nl_markdown_to_text(markdown, strlen(markdown), width);
	if (strcmp(text, expected) != 0)
		print_error("got:\n%s[END]\nexpected:\n%s[END]\n", text, expected);
	assert_string_equal(text, expected);
	free(text);
}

/* Every line of `text` is at most `width` columns, unless it is one unbreakable word. */
static void assert_fits(const char *text, size_t width)
{
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		assert_non_null(end);
		size_t w = nl_utf8_width(line, (size_t)(end - line));
		if (w > width)
			assert_null(memchr(line, ' ', (size_t)(end - line)));
		line = end + 1;
	}
}

static void test_paragraphs_and_inlines(void **state)
{
	(void)state;
	check("", 72, "");
	check("One\ntwo.\n\nThree *emph* **strong** `co de`.\n", 72,
	      "One two.\n\nThree _emph_ *strong* co de.\n");
	check("Hard  \nbreak and\\\nanother.\n", 72, "Hard\nbreak and\nanother.\n");
	/* Smart punctuation, as in the HTML part. */
	check("\"Quoted\" and 'single' -- en --- em...\n", 72,
	      "\xE2\x80\x9CQuoted\xE2\x80\x9D and \xE2\x80\x98single\xE2\x80\x99 \xE2\x80\x93 en "
	      "\xE2\x80\x94 em\xE2\x80\xA6\n");
	/* Raw HTML is dropped, as in the safe HTML. */
	check("<div>\nblock\n</div>\n\nend <b>inline</b> html\n", 72, "end inline html\n");
}

static void test_headings(void **state)
{
	(void)state;
	check("# Title\n\ntext\n\n## Section two\n\n### Third\n\nSetext\n======\n", 72,
	      "Title\n=====\n\ntext\n\nSection two\n-----------\n\nThird\n-----\n\nSetext\n======\n");
	/* Underlined by display width, and a long heading wraps with the underline as wide as its widest
	 * line. */
	check("# Café 日本\n", 72, "Café 日本\n=========\n");
	check("## A heading that is far too long to fit on one line of forty\n", 40,
	      "A heading that is far too long to fit on\none line of "
	      "forty\n----------------------------------------\n");
}

static void test_links_and_images(void **state)
{
	(void)state;
	check("See [the guide](https://example.test/guide) now.\n", 72,
	      "See the guide <https://example.test/guide> now.\n");
	check("<https://example.test/x> and [https://a.test](https://a.test)\n", 72,
	      "<https://example.test/x> and <https://a.test>\n");
	check("Mail <me@example.test> or [](https://empty.test).\n", 72,
	      "Mail <me@example.test> or <https://empty.test>.\n");
	check("![A chart of *answers*](chart.png) here\n", 72, "A chart of answers here\n");
	check("[![logo](l.png)](https://x.test)\n", 72, "logo <https://x.test>\n");
	check("[click](javascript:alert(1))\n", 72, "click\n");
}

static void test_lists(void **state)
{
	(void)state;
	check("- a\n- b\n- c\n", 72, "  - a\n  - b\n  - c\n");
	check("3. three\n4. four\n", 72, "  3. three\n  4. four\n");
	check("1) paren\n", 72, "  1) paren\n");
	check("- a\n  - nested\n    1. deeper\n- b\n", 72,
	      "  - a\n      - nested\n          1. deeper\n  - b\n");
	/* Loose lists keep a blank line between items and between an item's paragraphs. */
	check("- one\n\n- two\n\n  more\n", 72, "  - one\n\n  - two\n\n    more\n");
	/* Continuation lines align under the item's text. */
	check("- one two three four five six seven eight nine ten eleven\n", 30,
	      "  - one two three four five\n    six seven eight nine ten\n    eleven\n");
	check("10. one two three four five six seven eight\n", 30,
	      "  10. one two three four five\n      six seven eight\n");
	check("-\n- x\n", 72, "  -\n  - x\n");
	check("Before\n\n- item\n\nAfter\n", 72, "Before\n\n  - item\n\nAfter\n");
}

static void test_block_quotes(void **state)
{
	(void)state;
	check("> quoted\n> text\n\nafter\n", 72, "| quoted text\n\nafter\n");
	check("> one\n>\n> two\n", 72, "| one\n|\n| two\n");
	check("> outer\n>\n> > inner\n", 72, "| outer\n|\n| | inner\n");
	check("> - item\n", 72, "|   - item\n");
	check("> one two three four five six seven eight nine\n", 24,
	      "| one two three four\n| five six seven eight\n| nine\n");
	check(">\n", 72, "|\n");
}

static void test_code_and_breaks(void **state)
{
	(void)state;
	check(
	    "    code line that is long and must never be wrapped by the renderer at all\n      indented\n",
	    30,
	    "    code line that is long and must never be wrapped by the renderer at all\n      indented\n");
	check("```sh\n$ mailer send\n\nx\n```\n", 72, "    $ mailer send\n\n    x\n");
	check("> ```\n> in quote\n> ```\n", 72, "|     in quote\n");
	check("a\n\n***\n\nb\n", 20, "a\n\n--------------------\n\nb\n");
	check("a\n\n---\n\nb\n", 72,
	      "a\n\n------------------------------------------------------------------------\n\nb\n");
}

static void test_wrapping_at_72(void **state)
{
	(void)state;
	/* 15 five-letter words: 89 columns, wrapped after 12 words (71 columns). */
	check("aaaaa bbbbb ccccc ddddd eeeee fffff ggggg hhhhh iiiii jjjjj kkkkk lllll mmmmm nnnnn ooooo\n",
	      72,
	      "aaaaa bbbbb ccccc ddddd eeeee fffff ggggg hhhhh iiiii jjjjj kkkkk lllll\nmmmmm nnnnn ooooo\n");
	/* Exactly 72 columns stays on one line. */
	check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n", 72,
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
	/* Non-ASCII counts by display width, not bytes: 12 words of "éééé" are 59 columns but 107 bytes. */
	check("éééé éééé éééé éééé éééé éééé éééé éééé éééé éééé éééé éééé\n", 72,
	      "éééé éééé éééé éééé éééé éééé éééé éééé éééé éééé éééé éééé\n");
	check("Zoë Ærøskøbing naïve café résumé façade jalapeño piñata über Größe Straße\n", 40,
	      "Zoë Ærøskøbing naïve café résumé façade\njalapeño piñata über Größe Straße\n");
	/* Wide characters count two and may break without a space, but not before closing punctuation. */
	check("日本語のテキストは空白なしで折り返す必要があります。これは長い文です。\n", 20,
	      "日本語のテキストは空\n白なしで折り返す必要\nがあります。これは長\nい文です。\n");
	/* 10 wide characters fill 20 columns; the full stop takes the last one along to the next line. */
	check("ああああああああああ。\n", 20, "あああああああああ\nあ。\n");
}

static void test_long_words_not_broken(void **state)
{
	(void)state;
	const char *url = "https://example.test/a/very/long/path/that/is/longer/than/seventy-two/columns/for/"
	                  "sure/0123456789";
	char md[512], expected[512];
	snprintf(md, sizeof md, "See [this](%s) or %s today.\n", url, url);
	snprintf(expected, sizeof expected, "See this\n<%s>\nor\n%s\ntoday.\n", url, url);
	check(md, 72, expected);
	char *text = nl_markdown_to_text(md, strlen(md), 72);
	assert_fits(text, 72);
	free(text);
	check("supercalifragilisticexpialidocious\n", 20, "supercalifragilisticexpialidocious\n");
}

static void test_deep_nesting_is_bounded(void **state)
{
	(void)state;
	/* 5,000 nested quotes and 5,000 nested emphasis markers: no stack overflow, text survives. */
	size_t n = 5000;
	char *md = malloc(3 * n + 16);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		md[len++] = '>';
	memcpy(md + len, " deep\n", 6);
	len += 6;
	char *text = nl_markdown_to_text(md, len, 72);
	assert_non_null(strstr(text, "deep"));
	assert_true(strlen(text) < 100); /* the prefix stops growing at a bounded depth */
	free(text);
	len = 0;
	for (size_t i = 0; i < n; i++)
		md[len++] = '*';
	md[len++] = 'x';
	for (size_t i = 0; i < n; i++)
		md[len++] = '*';
	text = nl_markdown_to_text(md, len, 72);
	assert_non_null(strchr(text, 'x'));
	free(text);
	free(md);
	/* However deep the prefix, 20 columns are left for text. */
	check("> > > > > > > > > > > > > > > > > > > > aaaa bbbb cccc dddd eeee ffff\n", 30,
	      "| | | | | | | | | | | | | | | | | | | | aaaa bbbb cccc dddd\n| | | | | | | | | | | | | | | | "
	      "| | | | eeee ffff\n");
}

static void test_bad_utf8_is_replaced(void **state)
{
	(void)state;
	check("a\xFF"
	      "b\n",
	      72,
	      "a\xEF\xBF\xBD"
	      "b\n");
	char *t = nl_markdown_to_text(NULL, 0, 72);
	assert_string_equal(t, "");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paragraphs_and_inlines),
	    cmocka_unit_test(test_headings),
	    cmocka_unit_test(test_links_and_images),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_block_quotes),
	    cmocka_unit_test(test_code_and_breaks),
	    cmocka_unit_test(test_wrapping_at_72),
	    cmocka_unit_test(test_long_words_not_broken),
	    cmocka_unit_test(test_deep_nesting_is_bounded),
	    cmocka_unit_test(test_bad_utf8_is_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
